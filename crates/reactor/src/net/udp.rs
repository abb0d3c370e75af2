//! UDP: [`UdpSocket`].

use crate::async_fd::Async;

use crate::resolve::each_addr;
use crate::sys::{self, Kind};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};

/// A UDP socket. All methods take `&self`: share it (e.g. in an `Arc`) and
/// send from one task while another receives.
///
/// ```
/// use weave_reactor::UdpSocket;
/// # weave_reactor::__block_on(async {
/// let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
/// a.send_to(b"hello", b.local_addr().unwrap()).await.unwrap();
/// let mut buf = [0; 16];
/// let (n, from) = b.recv_from(&mut buf).await.unwrap();
/// assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr().unwrap()));
/// # });
/// ```
#[derive(Debug)]
pub struct UdpSocket {
    inner: Async<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr`, trying each address it resolves to.
    ///
    /// # Errors
    /// If no address resolves or none can be bound.
    pub async fn bind<A: ToSocketAddrs + Send + 'static>(addr: A) -> io::Result<UdpSocket> {
        each_addr(addr, |addr| async move {
            let fd = sys::socket(&addr, Kind::Datagram)?;
            sys::bind(&fd, &addr, false)?;
            Ok(UdpSocket {
                inner: Async::new_nonblocking(std::net::UdpSocket::from(fd))?,
            })
        })
        .await
    }

    /// Wraps a std socket (made non-blocking here).
    ///
    /// # Errors
    /// If it cannot be made non-blocking or registered.
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            inner: Async::new_nonblocking(socket)?,
        })
    }

    /// Sends one datagram to `target`.
    ///
    /// # Errors
    /// As `sendto`.
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.inner.write_with(|s| s.send_to(buf, target)).await
    }

    /// Receives one datagram and its sender.
    ///
    /// # Errors
    /// As `recvfrom`.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.read_with(|s| s.recv_from(buf)).await
    }

    /// Sets the default peer for [`send`](Self::send) and filters
    /// [`recv`](Self::recv) to it.
    ///
    /// # Errors
    /// If no address resolves or none can be connected.
    pub async fn connect<A: ToSocketAddrs + Send + 'static>(&self, addr: A) -> io::Result<()> {
        each_addr(
            addr,
            |addr| async move { self.inner.get_ref().connect(addr) },
        )
        .await
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Errors
    /// As `send`; `NotConnected` before [`connect`](Self::connect).
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_with(|s| s.send(buf)).await
    }

    /// Receives one datagram from the connected peer.
    ///
    /// # Errors
    /// As `recv`.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read_with(|s| s.recv(buf)).await
    }

    /// The local address.
    ///
    /// # Errors
    /// As `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    /// `NotConnected` before [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().peer_addr()
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}
