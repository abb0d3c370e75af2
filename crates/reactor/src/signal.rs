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

use crate::async_fd::Async;
use crate::sys;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;

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
    let action = move || {
        // A full pipe means a wake-up is already pending: nothing lost.
        let _ = (&write).write(&[1]);
    };
    // (The handler is unregistered when this future completes or drops.)
    // SAFETY: the action is async-signal-safe: one non-blocking `write(2)`
    // on a socket it owns; no allocation, no lock, no panic.
    let _handler = unsafe { sys::on_signal(signal, action) }?;
    let mut buf = [0u8; 16];
    read.read_with(|mut s| s.read(&mut buf)).await?;
    Ok(())
}
