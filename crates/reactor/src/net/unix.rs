//! Unix domain sockets: [`UnixListener`] and [`UnixStream`].

use super::byte_stream;
use crate::async_fd::Async;
use crate::sys::{self, Connect, Peer};
use std::io;
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A Unix socket listening for connections (the TCP listener's twin, with
/// a path).
///
/// ```
/// use weave_reactor::{UnixListener, UnixStream};
/// # weave_reactor::__block_on(async {
/// let dir = std::env::temp_dir().join(format!("weave-doc-{}", std::process::id()));
/// let _ = std::fs::remove_file(&dir);
/// let listener = UnixListener::bind(&dir).await.unwrap();
/// let mut client = UnixStream::connect(&dir).await.unwrap();
/// let (mut server, _) = listener.accept().await.unwrap();
/// client.write_all(b"hi").await.unwrap();
/// let mut buf = [0; 2];
/// server.read_exact(&mut buf).await.unwrap();
/// assert_eq!(&buf, b"hi");
/// std::fs::remove_file(&dir).unwrap();
/// # });
/// ```
#[derive(Debug)]
pub struct UnixListener {
    inner: Async<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (which must not exist yet).
    ///
    /// # Errors
    /// `AddrInUse` if the path exists, or the system's error.
    pub async fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(std::os::unix::net::UnixListener::bind(path)?)
    }

    /// Wraps a std listener (made non-blocking here).
    ///
    /// # Errors
    /// If it cannot be made non-blocking or registered.
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            inner: Async::new_nonblocking(listener)?,
        })
    }

    /// Waits for the next connection.
    ///
    /// # Errors
    /// The system's `accept` error.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.inner.read_with(|l| l.accept()).await?;
        Ok((UnixStream::from_std(stream)?, addr))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// As `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.get_ref().local_addr()
    }
}

/// A Unix stream connection (the TCP stream's twin).
#[derive(Debug)]
pub struct UnixStream {
    inner: Async<std::os::unix::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path` without blocking.
    ///
    /// # Errors
    /// `NotFound` / `ConnectionRefused` when nobody listens there.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let fd = sys::unix_socket(true)?;
        match sys::connect(&fd, Peer::Unix(path.as_ref()))? {
            Connect::Started => {}
            // The listener's backlog is full. A Unix socket does not go on
            // connecting in the background (no later event says it can
            // retry): the kernel queues only a blocking connect, so that
            // one runs off the workers and waits for room.
            Connect::BacklogFull => return connect_blocking(path.as_ref()).await,
        }
        let stream = UnixStream {
            inner: Async::new_nonblocking(std::os::unix::net::UnixStream::from(fd))?,
        };
        stream.inner.writable().await?;
        match stream.inner.get_ref().take_error()? {
            Some(e) => Err(e),
            None => Ok(stream),
        }
    }

    /// A connected pair.
    ///
    /// # Errors
    /// As `socketpair`.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }
}

/// How long one blocking `connect(2)` waits for room before its job looks
/// whether it is still wanted.
const CONNECT_RETRY: std::time::Duration = std::time::Duration::from_millis(50);

/// Sets its flag when dropped: the connecting future is gone.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Connects with a blocking `connect(2)` on the blocking pool (the kernel
/// puts it to sleep until the listener's backlog has room, and wakes it as
/// soon as there is), then registers the connected socket here. Each wait
/// is bounded by `SO_SNDTIMEO`, after which the job gives up if the future
/// was dropped or the reactor shut down: it never holds a blocking thread
/// (or a runtime's shutdown) for longer than that.
async fn connect_blocking(path: &Path) -> io::Result<UnixStream> {
    let path = path.to_owned();
    let cancelled = Arc::new(AtomicBool::new(false));
    let _cancel = CancelOnDrop(cancelled.clone());
    let reactor = crate::reactor::Reactor::current();
    let (tx, rx) = weave_sync::oneshot();
    crate::context::run_blocking(Box::new(move || {
        let give_up = || {
            if cancelled.load(Ordering::Relaxed) {
                Some(io::Error::other("the connect was cancelled"))
            } else if reactor.is_shut_down() {
                Some(crate::source::reactor_gone())
            } else {
                None
            }
        };
        let connect = || -> io::Result<std::os::unix::net::UnixStream> {
            // The job may have waited in the pool's queue: still wanted?
            if let Some(e) = give_up() {
                return Err(e);
            }
            let fd = sys::connect_unix_blocking(&path, CONNECT_RETRY, give_up)?;
            Ok(std::os::unix::net::UnixStream::from(fd))
        };
        let _ = tx.send(connect());
    }));
    let stream = rx
        .await
        .map_err(|_| io::Error::other("the blocking connect job was dropped"))??;
    UnixStream::from_std(stream)
}

byte_stream!(
    UnixStream,
    std::os::unix::net::UnixStream,
    SocketAddr,
    crate::Async::new_nonblocking
);
