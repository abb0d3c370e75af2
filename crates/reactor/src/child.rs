//! [`ChildExit`]: the exit of a child process, seen by the reactor — no
//! thread per child.
//!
//! On Linux a `pidfd` (`pidfd_open(2)`) of the child is registered with
//! the reactor; it becomes readable when the child exits. Where there is
//! none (kernels before 5.3, sandboxes that forbid the call, other
//! systems), a SIGCHLD handler writes to a self-pipe in the reactor, as
//! [`signal`](crate::signal) does; a SIGCHLD says only that *some* child
//! changed state, so each one checks its own child again.
//!
//! Either way the watcher does not reap: the caller passes its check (a
//! non-blocking `waitpid`, `std::process::Child::try_wait`), which runs
//! when the watcher is first polled and again after each event, so an
//! exit between the spawn and the first poll is not missed.

use crate::async_fd::Async;
use crate::sys::{self, SignalHandler};
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::task::{Context, Poll};

/// Watches one child process for its exit.
///
/// ```
/// # weave_reactor::__block_on(async {
/// use std::future::poll_fn;
///
/// let mut child = std::process::Command::new("true").spawn()?;
/// let exit = weave_reactor::ChildExit::new(child.id())?;
/// let status = poll_fn(|cx| exit.poll_wait(cx, || child.try_wait())).await?;
/// assert!(status.success());
/// # std::io::Result::Ok(()) }).unwrap();
/// ```
pub struct ChildExit {
    watch: Watch,
}

enum Watch {
    PidFd(Async<OwnedFd>),
    Signal {
        /// Unregistered when dropped — first, before the pipe closes, so
        /// the handler never writes to a closed socket (SIGPIPE).
        _handler: SignalHandler,
        pipe: Async<UnixStream>,
    },
}

impl std::fmt::Debug for ChildExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildExit")
            .field("pidfd", &self.is_pidfd())
            .finish()
    }
}

impl ChildExit {
    /// Starts watching the child with process id `pid` (a child of this
    /// process that has not been reaped) in the current reactor.
    ///
    /// # Errors
    /// If the pidfd or the self-pipe cannot be made or registered.
    pub fn new(pid: u32) -> io::Result<ChildExit> {
        match sys::pidfd_open(pid)? {
            Some(fd) => Ok(ChildExit {
                watch: Watch::PidFd(Async::new_nonblocking(fd)?),
            }),
            None => ChildExit::on_sigchld(),
        }
    }

    /// The SIGCHLD watcher, whatever the system has (the fallback of
    /// [`new`](Self::new); public for its tests).
    #[doc(hidden)]
    pub fn on_sigchld() -> io::Result<ChildExit> {
        let (read, write) = UnixStream::pair()?;
        write.set_nonblocking(true)?;
        let pipe = Async::new(read)?;
        let action = move || {
            // A full pipe means a wake-up is already pending.
            let _ = (&write).write(&[1]);
        };
        // SAFETY: the action is async-signal-safe: one non-blocking
        // `write(2)` on a socket it owns; no allocation, no lock, no panic.
        let handler = unsafe { sys::on_signal(sys::SIGCHLD, action) }?;
        Ok(ChildExit {
            watch: Watch::Signal {
                pipe,
                _handler: handler,
            },
        })
    }

    /// Runs `check` (which returns `Some` once the child has exited, and
    /// reaps it) now and after every exit event, until it returns `Some`
    /// or an error; `Pending` in between, with the task woken by the next
    /// event. Cancel-safe: it keeps no state between polls.
    pub fn poll_wait<R>(
        &self,
        cx: &mut Context<'_>,
        mut check: impl FnMut() -> io::Result<Option<R>>,
    ) -> Poll<io::Result<R>> {
        // `WouldBlock` while the child runs: the reactor then waits for
        // the next event (and keeps one that came meanwhile).
        let mut exited = || check()?.ok_or_else(|| io::Error::from(io::ErrorKind::WouldBlock));
        match &self.watch {
            Watch::PidFd(fd) => fd.poll_read_with(cx, |_| exited()),
            Watch::Signal { pipe, .. } => pipe.poll_read_with(cx, |mut s| {
                // Drain the signal bytes first, so the next SIGCHLD makes
                // a new event.
                let mut buf = [0u8; 64];
                while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
                exited()
            }),
        }
    }

    /// True if the watcher is a pidfd (false: the SIGCHLD fallback).
    pub fn is_pidfd(&self) -> bool {
        matches!(self.watch, Watch::PidFd(_))
    }
}
