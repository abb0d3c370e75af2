//! `WeaveIo`: the adapter between `futures-io` (weave's sockets) and
//! hyper's own IO traits, both ways.
//!
//! - `T: futures_io::AsyncRead + AsyncWrite` (a weave `TcpStream`, any
//!   futures-io stream) becomes a hyper `rt::Read + rt::Write`, what hyper
//!   connections and hyper-util's client take.
//! - `T: hyper::rt::Read + Write` (an upgraded connection) becomes a
//!   futures-io `AsyncRead + AsyncWrite`.
//!
//! hyper hands a read an uninitialised buffer. weave's [`TcpStream`] and
//! [`UnixStream`] read straight into it ([`TcpStream::poll_read_uninit`]),
//! so a read costs one system call and no memset; any other `AsyncRead`
//! takes `&mut [u8]`, so its buffer is zeroed first (which is what every
//! futures-io adapter must do; at most 16 KiB of it per read).

use hyper::rt::ReadBufCursor;
use hyper_util::client::legacy::connect::{Connected, Connection};
use std::any::Any;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use weave::net::{TcpStream, UnixStream};

pin_project_lite::pin_project! {
    /// A socket or stream in the IO traits of the other side: futures-io
    /// types as hyper's `rt::Read` / `rt::Write`, hyper's as futures-io
    /// (hyper-util's `TokioIo`, for weave).
    ///
    /// ```
    /// use weave::net::{TcpListener, TcpStream};
    /// use weave_hyper::WeaveIo;
    ///
    /// weave::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let io = WeaveIo::new(stream); // hand this to hyper
    ///     assert!(io.inner().peer_addr().is_ok());
    ///     let _stream: TcpStream = io.into_inner();
    /// });
    /// ```
    #[derive(Debug)]
    pub struct WeaveIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> WeaveIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> WeaveIo<T> {
        WeaveIo { inner }
    }

    /// The wrapped value.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped value, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps it.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// Reads into `dst` through weave's uninitialised-buffer path if `T` is a
/// weave socket; `None` for any other type. The type test is on `TypeId`s
/// known at compile time, so each instantiation keeps one branch.
fn poll_read_weave<T: 'static>(
    inner: &T,
    cx: &mut Context<'_>,
    dst: &mut [MaybeUninit<u8>],
) -> Option<Poll<io::Result<usize>>> {
    let any: &dyn Any = inner;
    if let Some(tcp) = any.downcast_ref::<TcpStream>() {
        Some(tcp.poll_read_uninit(cx, dst))
    } else {
        any.downcast_ref::<UnixStream>()
            .map(|unix| unix.poll_read_uninit(cx, dst))
    }
}

/// The most of hyper's buffer a non-weave stream is offered per read:
/// that much is zeroed first, not the whole spare capacity (which grows to
/// hundreds of KiB on a busy connection).
const ZEROED_READ: usize = 16 * 1024;

/// Zeroes the first [`ZEROED_READ`] bytes of `dst` and returns them as
/// initialised bytes.
fn zeroed(dst: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    let len = dst.len().min(ZEROED_READ);
    let dst = &mut dst[..len];
    for byte in dst.iter_mut() {
        byte.write(0);
    }
    // SAFETY: every element was written just above, and `MaybeUninit<u8>`
    // has the layout of `u8`.
    unsafe { &mut *(dst as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

impl<T> hyper::rt::Read for WeaveIo<T>
where
    T: futures_io::AsyncRead + Unpin + 'static,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = &mut self.get_mut().inner;
        // SAFETY: `ReadBufCursor::as_mut` asks that no initialised byte be
        // de-initialised: the reads below only write bytes (the kernel's
        // read(2), or zeroes and then the stream's own `poll_read`).
        let dst = unsafe { buf.as_mut() };
        let (n, offered) = match poll_read_weave(&*inner, cx, dst) {
            Some(read) => (ready!(read)?, dst.len()),
            None => {
                let init = zeroed(dst);
                let offered = init.len();
                (ready!(Pin::new(inner).poll_read(cx, init))?, offered)
            }
        };
        // A safe `AsyncRead` may claim more than it was given: refuse it
        // rather than tell hyper that bytes past the buffer are filled.
        if n > offered {
            return Poll::Ready(Err(io::Error::other(format!(
                "the stream's poll_read reported {n} bytes read into a {offered}-byte buffer"
            ))));
        }
        // SAFETY: the read initialised the first `n` bytes of `dst` (the
        // kernel wrote them, or they were zeroed and then written), and
        // `n <= offered <= dst.len()` was checked just above.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl<T> hyper::rt::Write for WeaveIo<T>
where
    T: futures_io::AsyncWrite + Unpin,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }
}

impl<T> futures_io::AsyncRead for WeaveIo<T>
where
    T: hyper::rt::Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut read = hyper::rt::ReadBuf::new(buf);
        ready!(self.project().inner.poll_read(cx, read.unfilled()))?;
        Poll::Ready(Ok(read.filled().len()))
    }
}

impl<T> futures_io::AsyncWrite for WeaveIo<T>
where
    T: hyper::rt::Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write(self.project().inner, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        hyper::rt::Write::poll_write_vectored(self.project().inner, cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_flush(self.project().inner, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        hyper::rt::Write::poll_shutdown(self.project().inner, cx)
    }
}

impl Connection for WeaveIo<TcpStream> {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Connection for WeaveIo<UnixStream> {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}
