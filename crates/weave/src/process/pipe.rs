//! The child's standard streams on our side: non-blocking pipe ends
//! registered with the reactor.

use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::fs::File;
use std::io;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::task::{Context, Poll};
use weave_reactor::Async;

/// A pipe end as an awaitable file.
fn register(fd: impl Into<OwnedFd>) -> io::Result<Async<File>> {
    Async::new(File::from(fd.into()))
}

/// The child's standard input (`proc.stdin`): `futures_io::AsyncWrite`.
/// `close` (or dropping it) closes the pipe, so the child reads the end of
/// its input.
pub struct ChildStdin {
    /// `None` once closed.
    pipe: Option<Async<File>>,
}

/// The child's standard output (`proc.stdout`): `futures_io::AsyncRead`.
pub struct ChildStdout {
    pipe: Async<File>,
}

/// The child's standard error (`proc.stderr`): `futures_io::AsyncRead`.
pub struct ChildStderr {
    pipe: Async<File>,
}

impl ChildStdin {
    pub(crate) fn new(std: std::process::ChildStdin) -> io::Result<ChildStdin> {
        Ok(ChildStdin {
            pipe: Some(register(std)?),
        })
    }

    fn pipe(&self) -> io::Result<&Async<File>> {
        self.pipe.as_ref().ok_or_else(|| {
            io::Error::new(io::ErrorKind::BrokenPipe, "the child's stdin was closed")
        })
    }
}

impl ChildStdout {
    pub(crate) fn new(std: std::process::ChildStdout) -> io::Result<ChildStdout> {
        Ok(ChildStdout {
            pipe: register(std)?,
        })
    }
}

impl ChildStderr {
    pub(crate) fn new(std: std::process::ChildStderr) -> io::Result<ChildStderr> {
        Ok(ChildStderr {
            pipe: register(std)?,
        })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.pipe() {
            Ok(pipe) => pipe.poll_write_with(cx, |mut f| io::Write::write(&mut f, buf)),
            Err(err) => Poll::Ready(Err(err)),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no buffer of ours to flush.
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        drop(self.get_mut().pipe.take());
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe
            .poll_read_with(cx, |mut f| io::Read::read(&mut f, buf))
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe
            .poll_read_with(cx, |mut f| io::Read::read(&mut f, buf))
    }
}

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin")
            .field("closed", &self.pipe.is_none())
            .finish()
    }
}

impl fmt::Debug for ChildStdout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdout").finish_non_exhaustive()
    }
}

impl fmt::Debug for ChildStderr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStderr").finish_non_exhaustive()
    }
}
