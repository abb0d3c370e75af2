//! `Async<T>`: any non-blocking file descriptor, awaitable.

use crate::reactor::Reactor;
use crate::source::{Direction, Ready, Source};
use crate::sys;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// An I/O object registered with the reactor: its operations wait for
/// readiness instead of blocking.
///
/// The I/O calls go through [`read_with`](Self::read_with) /
/// [`write_with`](Self::write_with): the closure is tried, and on
/// `WouldBlock` the task waits for the next readiness event and tries
/// again. Any number of tasks may wait on one `Async` in either direction.
///
/// # Cancel safety
/// Dropping a pending `readable()`, `writable()`, `read_with` or
/// `write_with` future takes its waiter out of the socket's list and loses
/// no readiness: an event wakes every task waiting in that direction, and
/// one that is then dropped leaves the readiness flag set for the others.
/// Once the runtime that drives the socket is dropped, every wait fails
/// with an error instead of hanging. Established by the exhaustive test in
/// `source.rs` (a `Ready` future and two `poll_*` callers, data arrivals,
/// cancels and shutdown, every order to depth nine).
///
/// `T` must keep open the descriptor its `AsRawFd` reports for as long as
/// it lives (every std socket, pipe and file does): the reactor polls that
/// descriptor until the `Async` is dropped or `into_inner` is called.
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use weave_reactor::Async;
///
/// # weave_reactor::__block_on(async {
/// let (a, b) = UnixStream::pair().unwrap();
/// let (a, b) = (Async::new(a).unwrap(), Async::new(b).unwrap());
/// a.write_with(|mut s| s.write(b"ping")).await.unwrap();
/// let mut buf = [0; 4];
/// b.readable().await.unwrap();
/// b.read_with(|mut s| s.read(&mut buf)).await.unwrap();
/// assert_eq!(&buf, b"ping");
/// # });
/// ```
pub struct Async<T: AsRawFd> {
    pub(crate) source: Arc<Source>,
    reactor: Arc<Reactor>,
    io: Option<T>,
}

/// The descriptor of `io`, borrowed for as long as `io` is.
fn borrow<T: AsRawFd>(io: &T) -> BorrowedFd<'_> {
    // `Async` requires (see its docs) that `T` keeps its descriptor open
    // while it lives, as every std I/O type does.
    // SAFETY: the borrow cannot outlive `io`, whose descriptor stays open.
    unsafe { sys::borrow_raw(io.as_raw_fd()) }
}

impl<T: AsRawFd> Async<T> {
    /// Puts `io` in non-blocking mode and registers it with the current
    /// reactor.
    ///
    /// # Errors
    /// If the descriptor cannot be made non-blocking or registered.
    pub fn new(io: T) -> io::Result<Async<T>> {
        sys::set_nonblocking(borrow(&io))?;
        Async::new_nonblocking(io)
    }

    /// Registers `io`, which the caller has already made non-blocking.
    ///
    /// # Errors
    /// If the reactor refuses the descriptor.
    pub fn new_nonblocking(io: T) -> io::Result<Async<T>> {
        Async::registered(io, false)
    }

    /// Registers the stream socket `io` (already non-blocking), with its
    /// end of stream watched where the system can, so that the stream
    /// reads ([`read_stream`](Self::read_stream)) may clear readiness after
    /// a short read.
    pub(crate) fn new_stream(io: T) -> io::Result<Async<T>> {
        Async::registered(io, true)
    }

    fn registered(io: T, stream: bool) -> io::Result<Async<T>> {
        let reactor = Reactor::current();
        let source = reactor.register_with(borrow(&io), stream)?;
        Ok(Async {
            source,
            reactor,
            io: Some(io),
        })
    }

    /// The I/O object.
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("the I/O object is present until drop")
    }

    /// Deregisters and returns the I/O object (still non-blocking).
    ///
    /// # Errors
    /// Never at present; kept for symmetry with registration.
    pub fn into_inner(mut self) -> io::Result<T> {
        let io = self
            .io
            .take()
            .expect("the I/O object is present until drop");
        self.reactor.deregister(&self.source, borrow(&io));
        Ok(io)
    }

    /// Waits until the object is readable: a read would not block (or
    /// would report end-of-stream or an error).
    ///
    /// # Errors
    /// If checking the descriptor fails.
    pub async fn readable(&self) -> io::Result<()> {
        self.ready(Direction::Read).await
    }

    /// Waits until the object is writable.
    ///
    /// # Errors
    /// If checking the descriptor fails.
    pub async fn writable(&self) -> io::Result<()> {
        self.ready(Direction::Write).await
    }

    /// Runs the read operation `op` until it does not return `WouldBlock`,
    /// waiting for readability in between.
    ///
    /// # Errors
    /// Whatever `op` returns other than `WouldBlock` and `Interrupted`.
    pub async fn read_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.io_with(Direction::Read, op, |_| false).await
    }

    /// Runs the write operation `op` until it does not return `WouldBlock`,
    /// waiting for writability in between.
    ///
    /// # Errors
    /// Whatever `op` returns other than `WouldBlock` and `Interrupted`.
    pub async fn write_with<R>(&self, op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        self.io_with(Direction::Write, op, |_| false).await
    }

    /// The `poll` form of [`read_with`](Self::read_with), for
    /// `AsyncRead`-style code. Any number of tasks may wait through it at
    /// once: each is woken by the next readiness event.
    pub fn poll_read_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Read, cx, op, |_| false)
    }

    /// The `poll` form of [`write_with`](Self::write_with).
    pub fn poll_write_with<R>(
        &self,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(Direction::Write, cx, op, |_| false)
    }

    /// Writes from `buf` (for byte streams). A short write — some bytes but
    /// fewer than asked — means the send buffer is full, so writability is
    /// cleared at once (with the tick check, so an event that came
    /// meanwhile is kept): the next write waits for room instead of making
    /// a system call that would hit `WouldBlock`. Errors and hang-ups raise
    /// events of their own, so none is missed.
    ///
    /// Reads get the same shortcut only where the reactor reports the end
    /// of stream on its own ([`read_stream`](Self::read_stream)).
    pub(crate) async fn write_stream(&self, buf: &[u8]) -> io::Result<usize>
    where
        for<'a> &'a T: Write,
    {
        let short = |n: &usize| *n > 0 && *n < buf.len();
        self.io_with(Direction::Write, |mut io| io.write(buf), short)
            .await
    }

    /// The `poll` form of [`write_stream`](Self::write_stream).
    pub(crate) fn poll_write_stream(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>
    where
        for<'a> &'a T: Write,
    {
        let short = |n: &usize| *n > 0 && *n < buf.len();
        self.poll_io(Direction::Write, cx, |mut io| io.write(buf), short)
    }

    /// Runs the stream read `op` into a buffer of `len` bytes, as
    /// [`read_with`](Self::read_with). A short read (some bytes, fewer than
    /// `len`) on a source whose end of stream is reported on its own proves
    /// the socket drained, so readiness is cleared at once (with the tick
    /// check): the next read waits for data instead of making a system call
    /// that would hit `WouldBlock`. Without that report (other systems), a
    /// short read keeps readiness: data and a following end of stream can
    /// come as one event, and the end would never be seen.
    pub(crate) async fn read_stream(
        &self,
        len: usize,
        op: impl FnMut(&T) -> io::Result<usize>,
    ) -> io::Result<usize> {
        self.io_with(Direction::Read, op, self.drained_by(len))
            .await
    }

    /// Whether a stream read of `n` bytes into a buffer of `len` proves the
    /// socket drained (see [`read_stream`](Self::read_stream)).
    fn drained_by(&self, len: usize) -> impl Fn(&usize) -> bool {
        let watched = self.source.watches_read_end();
        move |n: &usize| watched && *n > 0 && *n < len
    }

    /// The `poll` form of [`read_stream`](Self::read_stream).
    pub(crate) fn poll_read_stream(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Read, cx, op, self.drained_by(len))
    }

    /// Waits for readiness, runs `op`, and repeats until it does not
    /// return `WouldBlock`. `drained(&result)` says whether a successful
    /// result proves the direction is no longer ready. Each readiness the
    /// `Ready` future gets spends one unit of the task's budget.
    async fn io_with<R>(
        &self,
        dir: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> io::Result<R> {
        loop {
            let tick = Ready {
                source: &self.source,
                dir,
                key: None,
            }
            .await?;
            if let Some(result) = self.settle(dir, tick, op(self.get_ref()), &drained) {
                return result;
            }
        }
    }

    /// The `poll` form of [`io_with`](Self::io_with). A completed
    /// operation spends one unit of the task's budget (see
    /// `weave_sync::coop`); with none left it returns `Pending` and wakes
    /// the task before trying.
    fn poll_io<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        weave_sync::coop::poll_budgeted(cx, |cx| loop {
            let tick = ready!(self.source.poll_ready(dir, cx))?;
            if let Some(result) = self.settle(dir, tick, op(self.get_ref()), &drained) {
                return Poll::Ready(result);
            }
        })
    }

    /// The outcome of one operation made after the event of `tick`:
    /// `None` to wait and retry.
    fn settle<R>(
        &self,
        dir: Direction,
        tick: u64,
        result: io::Result<R>,
        drained: &impl Fn(&R) -> bool,
    ) -> Option<io::Result<R>> {
        match result {
            Ok(r) => {
                if drained(&r) {
                    self.source.clear(dir, tick);
                }
                Some(Ok(r))
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.source.clear(dir, tick);
                None
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// Waits for the readiness flag, then confirms it with a zero-timeout
    /// `poll(2)` (a stale flag counts as `WouldBlock` and is cleared), so
    /// that a caller doing its own I/O between calls never spins on it.
    async fn ready(&self, dir: Direction) -> io::Result<()> {
        let write = matches!(dir, Direction::Write);
        let check = |io: &T| match sys::probe(borrow(io), write)? {
            true => Ok(()),
            false => Err(io::ErrorKind::WouldBlock.into()),
        };
        self.io_with(dir, check, |_| false).await
    }
}

impl<T: AsRawFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        borrow(self.get_ref())
    }
}

impl<T: AsRawFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd> Drop for Async<T> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            // Deregister before `io` is dropped and closes the descriptor.
            self.reactor.deregister(&self.source, borrow(&io));
            drop(io);
        }
    }
}

impl<T: AsRawFd + std::fmt::Debug> std::fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Async").field("io", &self.io).finish()
    }
}

impl<T: AsRawFd> futures_io::AsyncRead for Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_read_with(cx, |mut io| io.read(buf))
    }
}

impl<T: AsRawFd> futures_io::AsyncWrite for Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_with(cx, |mut io| io.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_write_with(cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}
