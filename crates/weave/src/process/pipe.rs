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

impl fmt::Debug for ChildStdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildStdin")
            .field("closed", &self.pipe.is_none())
            .finish()
    }
}

/// A read end of the child's: the struct, its constructor from `std`'s,
/// `AsyncRead` (the registered pipe's) and `Debug`.
macro_rules! read_end {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            pipe: Async<File>,
        }

        impl $name {
            pub(crate) fn new(std: std::process::$name) -> io::Result<$name> {
                Ok($name { pipe: register(std)? })
            }
        }

        impl AsyncRead for $name {
            fn poll_read(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut self.pipe).poll_read(cx, buf)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

read_end!(
    /// The child's standard output (`proc.stdout`): `futures_io::AsyncRead`.
    ChildStdout
);
read_end!(
    /// The child's standard error (`proc.stderr`): `futures_io::AsyncRead`.
    ChildStderr
);
