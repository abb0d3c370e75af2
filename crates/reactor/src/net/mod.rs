//! Sockets: TCP, UDP and Unix, each a thin layer over [`Async`](crate::Async).

pub(crate) mod tcp;
pub(crate) mod udp;
pub(crate) mod unix;

use crate::async_fd::Async;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;

/// Reads exactly `buf.len()` bytes through `io`.
pub(crate) async fn read_exact<T: AsRawFd>(io: &Async<T>, mut buf: &mut [u8]) -> io::Result<()>
where
    for<'a> &'a T: Read,
{
    while !buf.is_empty() {
        match io.read_with(|mut s| s.read(buf)).await? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => buf = &mut buf[n..],
        }
    }
    Ok(())
}

/// Writes all of `buf` through `io`.
pub(crate) async fn write_all<T: AsRawFd>(io: &Async<T>, mut buf: &[u8]) -> io::Result<()>
where
    for<'a> &'a T: Write,
{
    while !buf.is_empty() {
        match io.write_stream(buf).await? {
            0 => return Err(io::ErrorKind::WriteZero.into()),
            n => buf = &buf[n..],
        }
    }
    Ok(())
}

/// The part of a byte-stream socket type that TCP and Unix share: the
/// inherent I/O methods, the fd traits, and `futures_io::AsyncRead` /
/// `AsyncWrite` on the type and on a shared reference to it. `$ty` wraps an
/// `Async<$std>` in a field named `inner`; `$addr` is its address type;
/// `$register` makes the `Async` (`Async::new_stream` to have the end of
/// stream watched, see `read_uninit`).
macro_rules! byte_stream {
    ($ty:ident, $std:ty, $addr:ty, $register:path) => {
        impl $ty {
            /// Wraps a std stream (made non-blocking here).
            ///
            /// # Errors
            /// If it cannot be made non-blocking or registered.
            pub fn from_std(stream: $std) -> std::io::Result<$ty> {
                stream.set_nonblocking(true)?;
                Ok($ty {
                    inner: $register(stream)?,
                })
            }

            /// Reads into `buf`; `Ok(0)` at end of stream.
            ///
            /// On TCP (Linux) a short read (fewer bytes than `buf` holds)
            /// counts as the socket drained: the next read waits for the
            /// poller instead of trying a read that would find nothing (see
            /// [`read_uninit`](Self::read_uninit) for the exceptions).
            ///
            /// # Errors
            /// The connection's error, e.g. `ConnectionReset`.
            pub async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                use std::io::Read as _;
                let len = buf.len();
                self.inner.read_stream(len, |mut s| s.read(buf)).await
            }

            /// Reads into `buf`, which need not be initialised (a fresh
            /// buffer need not be zeroed first); `Ok(0)` at end of stream.
            /// On `Ok(n)` the first `n` bytes of `buf` are initialised.
            ///
            /// As with [`read`](Self::read), on TCP a short read (fewer
            /// bytes than `buf` holds) counts as the socket drained where
            /// the reactor reports the end of stream on its own (Linux): the
            /// next read waits for the poller instead of trying, as tokio's
            /// reads do. (Urgent data, `MSG_OOB`, stops a read at its mark
            /// with bytes left: a peer that sends it waits for its next
            /// segment. Unix streams, whose reads also stop at passed file
            /// descriptors, never clear on a short read.) See
            /// docs/benchmarks.md, "HTTP".
            ///
            /// # Errors
            /// The connection's error, e.g. `ConnectionReset`.
            pub async fn read_uninit(
                &mut self,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::io::Result<usize> {
                let len = buf.len();
                self.inner
                    .read_stream(len, |s| $crate::sys::read_uninit(s, buf))
                    .await
            }

            /// The `poll` form of [`read_uninit`](Self::read_uninit), on a
            /// shared reference (as `AsyncRead` for `&Self`): the read path
            /// of adapters that hand out uninitialised buffers, such as
            /// hyper's `rt::Read`.
            pub fn poll_read_uninit(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [std::mem::MaybeUninit<u8>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let len = buf.len();
                self.inner
                    .poll_read_stream(cx, len, |s| $crate::sys::read_uninit(s, buf))
            }

            /// Writes some of `buf`; returns how much.
            ///
            /// # Errors
            /// The connection's error, e.g. `BrokenPipe`.
            pub async fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.inner.write_stream(buf).await
            }

            /// Reads exactly `buf.len()` bytes.
            ///
            /// # Errors
            /// `UnexpectedEof` if the stream ends first, or the connection's
            /// error.
            pub async fn read_exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
                $crate::net::read_exact(&self.inner, buf).await
            }

            /// Writes all of `buf`.
            ///
            /// # Errors
            /// `WriteZero` if the peer stops accepting, or the connection's
            /// error.
            pub async fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
                $crate::net::write_all(&self.inner, buf).await
            }

            /// Waits until a read would not block.
            ///
            /// # Errors
            /// If checking the socket fails.
            pub async fn readable(&self) -> std::io::Result<()> {
                self.inner.readable().await
            }

            /// Waits until a write would not block.
            ///
            /// # Errors
            /// If checking the socket fails.
            pub async fn writable(&self) -> std::io::Result<()> {
                self.inner.writable().await
            }

            /// Shuts down the read, write or both halves (as std; not
            /// async). `Shutdown::Write` sends end-of-stream; the other half
            /// keeps working.
            ///
            /// # Errors
            /// As `shutdown(2)`, e.g. `NotConnected`.
            pub fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                self.inner.get_ref().shutdown(how)
            }

            /// The local address.
            ///
            /// # Errors
            /// As `getsockname`.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.inner.get_ref().local_addr()
            }

            /// The peer's address.
            ///
            /// # Errors
            /// As `getpeername`.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.inner.get_ref().peer_addr()
            }
        }

        impl std::os::fd::AsFd for $ty {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.inner.as_fd()
            }
        }

        impl std::os::fd::AsRawFd for $ty {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.inner.as_raw_fd()
            }
        }

        impl futures_io::AsyncRead for &$ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Read as _;
                let len = buf.len();
                self.inner.poll_read_stream(cx, len, |mut s| s.read(buf))
            }
        }

        impl futures_io::AsyncWrite for &$ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.inner.poll_write_stream(cx, buf)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(self.shutdown(std::net::Shutdown::Write))
            }
        }

        impl futures_io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_read(cx, buf)
            }
        }

        impl futures_io::AsyncWrite for $ty {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_write(cx, buf)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self).poll_flush(cx)
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self).poll_close(cx)
            }
        }
    };
}

pub(crate) use byte_stream;
