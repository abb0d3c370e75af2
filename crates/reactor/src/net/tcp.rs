//! TCP: [`TcpListener`] and [`TcpStream`].

use super::byte_stream;
use crate::async_fd::Async;
use crate::resolve::each_addr;
use crate::sys::{self, Connect, Kind, Peer};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};

/// The accept backlog of new listeners (the kernel caps it at its
/// `somaxconn`).
const BACKLOG: i32 = 4096;

/// A TCP socket listening for connections.
///
/// ```
/// use weave_reactor::{TcpListener, TcpStream};
/// # weave_reactor::__block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let addr = listener.local_addr().unwrap();
/// let mut client = TcpStream::connect(addr).await.unwrap();
/// let (mut server, peer) = listener.accept().await.unwrap();
/// assert_eq!(peer, client.local_addr().unwrap());
/// client.write_all(b"hi").await.unwrap();
/// let mut buf = [0; 2];
/// server.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"hi");
/// # });
/// ```
#[derive(Debug)]
pub struct TcpListener {
    inner: Async<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (`SO_REUSEADDR` set), trying each address it
    /// resolves to; names are resolved off the async workers.
    ///
    /// # Errors
    /// If no address resolves or none can be bound.
    pub async fn bind<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<TcpListener> {
        each_addr(addr, |addr| async move {
            let fd = sys::socket(&addr, Kind::Stream)?;
            sys::bind(&fd, &addr, true)?;
            sys::listen(&fd, BACKLOG)?;
            TcpListener::from_std(std::net::TcpListener::from(fd))
        })
        .await
    }

    /// Wraps a std listener (made non-blocking here).
    ///
    /// # Errors
    /// If it cannot be made non-blocking or registered.
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            inner: Async::new_nonblocking(listener)?,
        })
    }

    /// Waits for the next connection. Any number of tasks may accept on
    /// one listener at once.
    ///
    /// # Errors
    /// The system's `accept` error, e.g. `EMFILE` when out of descriptors
    /// (the listener stays usable; retry after a pause).
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.inner.read_with(|l| l.accept()).await?;
        Ok((TcpStream::from_std(stream)?, addr))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// As `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

/// A TCP connection. `Unpin`; implements `futures_io::AsyncRead` and
/// `AsyncWrite` (also on `&TcpStream`, so one task may read while another
/// writes).
#[derive(Debug)]
pub struct TcpStream {
    inner: Async<std::net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each address it resolves to; names are
    /// resolved off the async workers. The connect itself is non-blocking.
    ///
    /// # Errors
    /// `ConnectionRefused` and the like from the last address tried.
    pub async fn connect<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<TcpStream> {
        each_addr(addr, |addr| async move {
            let fd = sys::socket(&addr, Kind::Stream)?;
            // Only a Unix socket reports a full backlog at connect time.
            let started = sys::connect(&fd, Peer::Ip(&addr))?;
            debug_assert_eq!(started, Connect::Started);
            let stream = TcpStream {
                inner: Async::new_stream(std::net::TcpStream::from(fd))?,
            };
            stream.inner.writable().await?;
            match stream.inner.get_ref().take_error()? {
                Some(e) => Err(e),
                None => Ok(stream),
            }
        })
        .await
    }

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes).
    ///
    /// # Errors
    /// As `setsockopt`.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    /// As `getsockopt`.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.get_ref().nodelay()
    }

    pub(crate) fn async_ref(&self) -> &Async<std::net::TcpStream> {
        &self.inner
    }
}

byte_stream!(
    TcpStream,
    std::net::TcpStream,
    SocketAddr,
    crate::Async::new_stream
);
