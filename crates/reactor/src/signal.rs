//! Signals: [`ctrl_c`] (SIGINT) and [`terminate`] (SIGTERM), delivered
//! through the reactor.
//!
//! Each waiting future owns a self-pipe (a Unix socket pair) and registers
//! a handler with `signal-hook-registry`, which chains handlers and keeps
//! earlier ones working. The handler only writes one byte to the pipe (a
//! single `write(2)`, async-signal-safe); the read end is an [`Async`] in
//! the current reactor, so the signal wakes the task like any I/O.
//!
//! As with every runtime that listens for signals: once a handler for a
//! signal has been installed, the signal no longer has its default effect
//! (terminating the process), even after the future is dropped.
//!
//! [`SignalPipe`] is the same self-pipe for a plain thread that waits
//! outside any runtime (the task dump on SIGQUIT, which must print also
//! when every worker is stuck).

use crate::async_fd::Async;
use crate::sys;
use std::io::{self, Read};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

/// Waits for the next Ctrl-C (SIGINT) received after the call.
///
/// ```no_run
/// # weave_reactor::__block_on(async {
/// weave_reactor::signal::ctrl_c().await.unwrap();
/// println!("shutting down");
/// # });
/// ```
///
/// # Errors
/// If the self-pipe or the handler cannot be set up.
pub async fn ctrl_c() -> io::Result<()> {
    wait_for(sys::SIGINT).await
}

/// Waits for the next SIGTERM (the polite request to stop that service
/// managers and `kill` send) received after the call.
///
/// # Errors
/// If the self-pipe or the handler cannot be set up.
pub async fn terminate() -> io::Result<()> {
    wait_for(sys::SIGTERM).await
}

async fn wait_for(signal: i32) -> io::Result<()> {
    let (read, write) = UnixStream::pair()?;
    write.set_nonblocking(true)?;
    let read = Async::new(read)?;
    let action = move || poke(&write);
    // (The handler is unregistered when this future completes or drops.)
    // SAFETY: the action is async-signal-safe: one non-blocking `send(2)`
    // on a socket it owns; no allocation, no lock, no panic.
    let _handler = unsafe { sys::on_signal(signal, action) }?;
    let mut buf = [0u8; 16];
    read.read_with(|mut s| s.read(&mut buf)).await?;
    Ok(())
}

/// SIGQUIT (Ctrl-\\): by default it kills the process with a core dump;
/// weave's `dump_on_signal` prints the task dump instead.
pub const SIGQUIT: i32 = sys::SIGQUIT;

/// Deliveries of one signal, for a thread that waits for them blocking
/// (see the module docs); they stop when it drops.
///
/// ```
/// use weave_reactor::signal::{SignalPipe, SIGQUIT};
/// let pipe = SignalPipe::new(SIGQUIT).unwrap();
/// let poke = pipe.poker();
/// let waiter = std::thread::spawn(move || pipe.wait().unwrap());
/// poke.poke(); // ends a wait without a signal (to stop the thread)
/// waiter.join().unwrap();
/// ```
pub struct SignalPipe {
    // First: unregistered before the ends close (fields drop in order).
    _handler: sys::SignalHandler,
    read: UnixStream,
    write: Arc<UnixStream>,
}

impl std::fmt::Debug for SignalPipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalPipe").finish_non_exhaustive()
    }
}

/// Ends a [`SignalPipe::wait`] from another thread, as a delivery does.
#[derive(Debug, Clone)]
pub struct SignalPoker(Arc<UnixStream>);

impl SignalPoker {
    /// Makes the pipe's next (or current) wait return (nothing, once the
    /// pipe is gone).
    pub fn poke(&self) {
        poke(&self.0);
    }
}

/// Writes one byte to a self-pipe, async-signal-safe: one non-blocking
/// `send(2)`, without SIGPIPE if the read end is gone. A full pipe means a
/// wake-up is already pending: nothing is lost.
fn poke(socket: &UnixStream) {
    use rustix::net::{send, SendFlags};
    let _ = send(socket, &[1], SendFlags::NOSIGNAL | SendFlags::DONTWAIT);
}

impl SignalPipe {
    /// Starts listening for `signal` (its default action stops, as for
    /// every handler; see the module docs).
    ///
    /// # Errors
    /// If the pipe cannot be made, or the signal cannot be handled
    /// (SIGKILL, SIGSTOP, or a fault signal).
    pub fn new(signal: i32) -> io::Result<SignalPipe> {
        let (read, write) = UnixStream::pair()?;
        write.set_nonblocking(true)?;
        let write = Arc::new(write);
        let in_handler = write.clone();
        let action = move || poke(&in_handler);
        // SAFETY: the action is async-signal-safe: one non-blocking
        // `send(2)` on a socket it keeps alive; no allocation, no lock, no
        // panic.
        let handler = unsafe { sys::on_signal(signal, action) }?;
        Ok(SignalPipe {
            read,
            write,
            _handler: handler,
        })
    }

    /// A handle that ends a wait from another thread.
    pub fn poker(&self) -> SignalPoker {
        SignalPoker(self.write.clone())
    }

    /// Blocks until one or more deliveries (or pokes) came since the last
    /// wait; they are taken together.
    ///
    /// # Errors
    /// If reading the pipe fails.
    pub fn wait(&self) -> io::Result<()> {
        let mut buf = [0u8; 64];
        loop {
            match (&self.read).read(&mut buf) {
                Ok(_) => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}
