//! The OS layer: every system call the reactor makes outside the `polling`
//! crate goes through this file, so porting the reactor means porting this
//! file (and choosing a `polling` backend).
//!
//! What the OS layer must provide:
//! - **A readiness poller** — `polling::Poller` (epoll on Linux, kqueue on
//!   the BSDs and macOS): edge-triggered registration of a descriptor for
//!   both directions under a key, removal before the descriptor closes, a
//!   wait with a timeout, and a `notify` that makes the current or next
//!   wait return (an eventfd or a pipe). `reactor.rs` uses it directly.
//! - **Sockets created non-blocking and close-on-exec in one call**
//!   ([`socket`], [`unix_socket`]), so no descriptor leaks into a child and
//!   none blocks a worker; and a way to make an existing descriptor
//!   non-blocking ([`set_nonblocking`]).
//! - **`bind`, `listen` with a backlog, `SO_REUSEADDR`** ([`bind`],
//!   [`listen`]).
//! - **A non-blocking `connect`** that reports "in progress" apart from
//!   failure, and tells a full Unix-socket backlog (`EAGAIN`) apart
//!   ([`connect`], [`Connect`]); and for that case a blocking connect
//!   bounded by a send timeout ([`connect_unix_blocking`]).
//! - **A zero-timeout readiness probe of one descriptor** ([`probe`]),
//!   which confirms a readiness flag before the caller's own I/O.
//! - **Signal handlers that chain to earlier ones** and run only
//!   async-signal-safe code ([`on_signal`]), and the numbers of SIGINT
//!   and SIGTERM ([`SIGINT`], [`SIGTERM`]).
//! - **A read into uninitialised memory** ([`read_uninit`]), so a caller
//!   with a fresh buffer (hyper's) need not zero it first.
//! - **End-of-stream readiness** ([`ReadEnds`], Linux only): a second
//!   epoll instance in which stream sockets are registered for
//!   `EPOLLRDHUP` alone, itself registered with the poller. `polling`
//!   neither asks for nor reports `EPOLLRDHUP`; without it a short read
//!   cannot clear read readiness (data and a following end of stream may
//!   come as one event). Elsewhere `ReadEnds::new` returns `None` and
//!   short reads do not clear.
//! - **Borrowing a raw descriptor** for as long as its owner lives
//!   ([`borrow_raw`]).
//! - **A direct wait** ([`direct_wait`] and its [`Notifier`], Linux only) on the epoll instance
//!   behind the `polling::Poller` (which exposes it as its descriptor),
//!   for the waits that need no sub-millisecond timer: without a timeout,
//!   or not blocking at all. `Poller::wait` arms its timerfd, re-registers
//!   it and its notifier, and reads the notifier on every call (four
//!   system calls beside `epoll_wait`); the direct wait makes one. It
//!   comes with the reactor's own notifier, an eventfd registered
//!   level-triggered, so that `notify` works for both kinds of wait.
//!   Waits with a timeout still go through `Poller::wait` (its timerfd
//!   gives them microsecond precision; `epoll_wait`'s own timeout counts
//!   whole milliseconds). Elsewhere `Notifier::new` returns `None` and
//!   every wait, and `notify`, is `polling`'s.

use rustix::event::{PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::net::sockopt::{self, Timeout};
use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};
use std::path::Path;
use std::time::Duration;

/// Reads from `fd` into `buf`, which need not be initialised; returns how
/// many bytes (the first that many of `buf` are initialised now).
pub(crate) fn read_uninit(
    fd: impl AsFd,
    buf: &mut [std::mem::MaybeUninit<u8>],
) -> io::Result<usize> {
    let (filled, _rest) = rustix::io::read(fd, buf)?;
    Ok(filled.len())
}

/// The end-of-stream watch: an epoll instance reporting `EPOLLRDHUP` of
/// the descriptors added to it, each under a 64-bit tag.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) struct ReadEnds(OwnedFd);

#[cfg(any(target_os = "linux", target_os = "android"))]
impl ReadEnds {
    /// A new watch, or `None` if the system refuses one.
    pub(crate) fn new() -> Option<ReadEnds> {
        use rustix::event::epoll;
        epoll::create(epoll::CreateFlags::CLOEXEC)
            .ok()
            .map(ReadEnds)
    }

    /// Watches `fd`'s end of stream under `tag` (edge-triggered: one event
    /// when the end arrives). Closing `fd` ends the watch.
    /// (A descriptor still watched under an older tag, which happens when
    /// it was deregistered but kept open, takes the new tag.)
    pub(crate) fn add(&self, fd: BorrowedFd<'_>, tag: u64) -> io::Result<()> {
        use rustix::event::epoll;
        let flags = epoll::EventFlags::RDHUP | epoll::EventFlags::ET;
        let data = epoll::EventData::new_u64(tag);
        match epoll::add(&self.0, fd, data, flags) {
            Err(Errno::EXIST) => epoll::modify(&self.0, fd, data, flags)?,
            other => other?,
        }
        Ok(())
    }

    /// Appends the tags of every end reported since the last call (never
    /// blocks). Only an end counts (`EPOLLRDHUP`, or `EPOLLHUP`: closed both
    /// ways): the kernel also reports `EPOLLERR` unasked, e.g. for an
    /// error-queue entry of a socket with `SO_TIMESTAMPING`, and such a
    /// socket's reads still block.
    pub(crate) fn drain(&self, tags: &mut Vec<u64>) {
        use rustix::event::epoll;
        let end = epoll::EventFlags::RDHUP | epoll::EventFlags::HUP;
        loop {
            let mut buf = [std::mem::MaybeUninit::<epoll::Event>::uninit(); 64];
            let waited = epoll::wait(&self.0, &mut buf[..], Some(&Timespec::default()));
            // A zero-timeout wait on a valid epoll instance does not fail.
            debug_assert!(
                waited.is_ok(),
                "the end-of-stream watch failed: {:?}",
                waited.as_ref().err()
            );
            let Ok((events, _)) = waited else {
                return;
            };
            tags.extend(
                events
                    .iter()
                    .filter(|e| {
                        let flags = e.flags;
                        flags.intersects(end)
                    })
                    .map(|e| e.data.u64()),
            );
            if events.len() < buf.len() {
                return;
            }
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl AsFd for ReadEnds {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// No end-of-stream watch on this system.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) struct ReadEnds(std::convert::Infallible);

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl ReadEnds {
    pub(crate) fn new() -> Option<ReadEnds> {
        None
    }

    pub(crate) fn add(&self, _fd: BorrowedFd<'_>, _tag: u64) -> io::Result<()> {
        match self.0 {}
    }

    pub(crate) fn drain(&self, _tags: &mut Vec<u64>) {
        match self.0 {}
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl AsFd for ReadEnds {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self.0 {}
    }
}

/// One readiness report, as the reactor reads it: the registration key and
/// the directions, decoded as `polling` decodes them.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Readiness {
    pub(crate) key: usize,
    pub(crate) readable: bool,
    pub(crate) writable: bool,
}

/// The reactor's notifier for the direct wait (see the module docs): a
/// non-blocking eventfd, registered level-triggered, readable until a
/// wait reads it.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) struct Notifier(OwnedFd);

#[cfg(any(target_os = "linux", target_os = "android"))]
impl Notifier {
    /// `None` if the system refuses an eventfd (then `polling` notifies).
    pub(crate) fn new() -> Option<Notifier> {
        use rustix::event::{eventfd, EventfdFlags};
        eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)
            .ok()
            .map(Notifier)
    }

    /// Makes the current or next wait return.
    pub(crate) fn notify(&self) {
        // EAGAIN (the counter is full) still leaves it readable.
        let _ = rustix::io::write(&self.0, &1u64.to_ne_bytes());
    }

    /// Consumes the pending notifications.
    pub(crate) fn clear(&self) {
        let mut buf = [0u8; 8];
        let _ = rustix::io::read(&self.0, &mut buf);
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl AsFd for Notifier {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// Room for the events of one direct wait.
#[cfg(any(target_os = "linux", target_os = "android"))]
#[derive(Default)]
pub(crate) struct RawEvents(Vec<rustix::event::epoll::Event>);

// SAFETY: the records are plain data copied out by the kernel; their data
// field holds a registration key (a number, as `polling` registers it),
// never a pointer that anything dereferences. (`polling`'s own event list
// is `Send` for the same reason.)
#[cfg(any(target_os = "linux", target_os = "android"))]
unsafe impl Send for RawEvents {}

/// Waits on the epoll instance `epoll` until an event (`block`) or not at
/// all, appending what it reports to `out`, decoded as `polling` does.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn direct_wait(
    epoll: BorrowedFd<'_>,
    raw: &mut RawEvents,
    block: bool,
    out: &mut Vec<Readiness>,
) -> io::Result<()> {
    use rustix::event::epoll::{self, EventFlags};
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let raw = &mut raw.0;
    raw.clear();
    if raw.capacity() == 0 {
        raw.reserve(1024);
    }
    let timeout = if block { None } else { Some(&zero) };
    epoll::wait(epoll, rustix::buffer::spare_capacity(raw), timeout)?;
    let read = EventFlags::IN | EventFlags::HUP | EventFlags::ERR | EventFlags::PRI;
    let write = EventFlags::OUT | EventFlags::HUP | EventFlags::ERR;
    out.extend(raw.iter().map(|ev| {
        // Copied out: the record is packed on x86-64.
        let (flags, data) = (ev.flags, ev.data);
        Readiness {
            key: data.u64() as usize,
            readable: flags.intersects(read),
            writable: flags.intersects(write),
        }
    }));
    Ok(())
}

/// No direct wait on this system: every wait, and `notify`, is
/// `polling`'s.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) struct Notifier(std::convert::Infallible);

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl Notifier {
    pub(crate) fn new() -> Option<Notifier> {
        None
    }
    pub(crate) fn notify(&self) {
        match self.0 {}
    }
    pub(crate) fn clear(&self) {
        match self.0 {}
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl AsFd for Notifier {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self.0 {}
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
#[derive(Default)]
pub(crate) struct RawEvents;

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn direct_wait(
    _epoll: BorrowedFd<'_>,
    _raw: &mut RawEvents,
    _block: bool,
    _out: &mut Vec<Readiness>,
) -> io::Result<()> {
    unreachable!("no direct wait without a notifier")
}

/// SIGINT (Ctrl-C).
pub(crate) const SIGINT: i32 = libc::SIGINT;
/// SIGTERM (the polite kill).
pub(crate) const SIGTERM: i32 = libc::SIGTERM;
/// SIGQUIT (Ctrl-\\).
pub(crate) const SIGQUIT: i32 = libc::SIGQUIT;
/// SIGCHLD (a child process stopped or exited).
pub(crate) const SIGCHLD: i32 = libc::SIGCHLD;

/// A descriptor that becomes readable when process `pid` exits
/// (`pidfd_open(2)`, non-blocking; Linux 5.3 and later). `Ok(None)` where
/// the system has none (an older kernel, a sandbox that forbids it, not
/// Linux): the caller falls back to SIGCHLD.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn pidfd_open(pid: u32) -> io::Result<Option<OwnedFd>> {
    use rustix::process::{pidfd_open, Pid, PidfdFlags};
    let pid = i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("no such process id: {pid}"),
            )
        })?;
    // `PIDFD_NONBLOCK` came in Linux 5.10; 5.3 to 5.9 refuse it with
    // EINVAL, and readiness does not need it.
    match pidfd_open(pid, PidfdFlags::NONBLOCK).or_else(|err| match err {
        Errno::INVAL => pidfd_open(pid, PidfdFlags::empty()),
        err => Err(err),
    }) {
        Ok(fd) => Ok(Some(fd)),
        Err(Errno::NOSYS | Errno::PERM | Errno::INVAL) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Elsewhere: no pidfd, the caller falls back to SIGCHLD.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn pidfd_open(_pid: u32) -> io::Result<Option<OwnedFd>> {
    Ok(None)
}

/// What kind of IP socket [`socket`] makes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Stream,
    Datagram,
}

/// A non-blocking, close-on-exec socket of `addr`'s family.
pub(crate) fn socket(addr: &SocketAddr, kind: Kind) -> io::Result<OwnedFd> {
    let family = if addr.is_ipv4() {
        AddressFamily::INET
    } else {
        AddressFamily::INET6
    };
    let kind = match kind {
        Kind::Stream => SocketType::STREAM,
        Kind::Datagram => SocketType::DGRAM,
    };
    Ok(rustix::net::socket_with(
        family,
        kind,
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
        None,
    )?)
}

/// A close-on-exec Unix stream socket, non-blocking if asked.
pub(crate) fn unix_socket(nonblocking: bool) -> io::Result<OwnedFd> {
    let flags = if nonblocking {
        SocketFlags::NONBLOCK | SocketFlags::CLOEXEC
    } else {
        SocketFlags::CLOEXEC
    };
    Ok(rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        flags,
        None,
    )?)
}

/// Binds `fd` to `addr`, with `SO_REUSEADDR` first if `reuse`.
pub(crate) fn bind(fd: &OwnedFd, addr: &SocketAddr, reuse: bool) -> io::Result<()> {
    if reuse {
        sockopt::set_socket_reuseaddr(fd, true)?;
    }
    Ok(rustix::net::bind(fd, addr)?)
}

/// Starts listening on `fd` with room for `backlog` pending connections
/// (the kernel caps it at its own limit).
pub(crate) fn listen(fd: &OwnedFd, backlog: i32) -> io::Result<()> {
    Ok(rustix::net::listen(fd, backlog)?)
}

/// Where a non-blocking [`connect`] got to.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "an in-progress connect must be waited for (writable, then SO_ERROR)"]
pub(crate) enum Connect {
    /// Connected already, or connecting in the background: wait for
    /// writability, then read `SO_ERROR`.
    Started,
    /// A Unix listener's backlog is full: no event will say when to retry.
    BacklogFull,
}

/// Address of a connect.
pub(crate) enum Peer<'a> {
    Ip(&'a SocketAddr),
    Unix(&'a Path),
}

/// A non-blocking `connect(2)`.
pub(crate) fn connect(fd: &OwnedFd, peer: Peer<'_>) -> io::Result<Connect> {
    let peer_is_unix = matches!(peer, Peer::Unix(_));
    let started = match peer {
        Peer::Ip(addr) => rustix::net::connect(fd, addr),
        Peer::Unix(path) => rustix::net::connect(fd, &SocketAddrUnix::new(path)?),
    };
    match (started, peer_is_unix) {
        (Ok(()) | Err(Errno::INPROGRESS), _) => Ok(Connect::Started),
        (Err(Errno::AGAIN), true) => Ok(Connect::BacklogFull),
        // (For TCP, EAGAIN means no local port is free: an error.)
        (Err(e), _) => Err(e.into()),
    }
}

/// A blocking connect to the Unix socket at `path`, each wait for room in
/// its backlog bounded by `retry`; between waits `give_up` is asked whether
/// to stop (its error is returned). The socket returned is blocking.
pub(crate) fn connect_unix_blocking(
    path: &Path,
    retry: Duration,
    mut give_up: impl FnMut() -> Option<io::Error>,
) -> io::Result<OwnedFd> {
    let addr = SocketAddrUnix::new(path)?;
    let fd = unix_socket(false)?;
    sockopt::set_socket_timeout(&fd, Timeout::Send, Some(retry))?;
    loop {
        match rustix::net::connect(&fd, &addr) {
            Ok(()) => break,
            Err(Errno::AGAIN | Errno::INTR) => {
                if let Some(e) = give_up() {
                    return Err(e);
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    sockopt::set_socket_timeout(&fd, Timeout::Send, None)?;
    Ok(fd)
}

/// Puts `fd` in non-blocking mode.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    Ok(rustix::io::ioctl_fionbio(fd, true)?)
}

/// True if `fd` is ready to read (`write == false`) or to write, now
/// (`poll(2)` with a zero timeout).
pub(crate) fn probe(fd: impl AsFd, write: bool) -> io::Result<bool> {
    let flags = if write { PollFlags::OUT } else { PollFlags::IN };
    let zero = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let mut fds = [PollFd::new(&fd, flags)];
    Ok(rustix::event::poll(&mut fds, Some(&zero))? > 0)
}

/// Borrows the raw descriptor `fd`.
///
/// # Safety
/// `fd` must stay open for as long as the returned borrow lives, as it
/// does when it belongs to an object that outlives the borrow.
pub(crate) unsafe fn borrow_raw<'a>(fd: RawFd) -> BorrowedFd<'a> {
    // SAFETY: the caller keeps `fd` open for `'a`.
    unsafe { BorrowedFd::borrow_raw(fd) }
}

/// Unregisters a signal handler when dropped.
pub(crate) struct SignalHandler(signal_hook_registry::SigId);

impl Drop for SignalHandler {
    fn drop(&mut self) {
        signal_hook_registry::unregister(self.0);
    }
}

/// Runs `action` on every delivery of `signal`, after the handlers already
/// installed (they keep running), until the returned handler drops.
///
/// # Safety
/// `action` runs inside a signal handler: it must be async-signal-safe
/// (no allocation, no lock, no panic).
pub(crate) unsafe fn on_signal(
    signal: i32,
    action: impl Fn() + Sync + Send + 'static,
) -> io::Result<SignalHandler> {
    // SAFETY: the caller guarantees `action` is async-signal-safe, which
    // is what `register` requires.
    let id = unsafe { signal_hook_registry::register(signal, action) }?;
    Ok(SignalHandler(id))
}
