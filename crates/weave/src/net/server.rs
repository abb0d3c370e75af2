//! asyncio's `start_server`: accept connections and run a handler task for
//! each, with a `Server` to close it and wait for the connections to end.
//!
//! The accept loop survives every accept error; running out of file
//! descriptors or kernel memory makes it back off instead of spinning
//! ([`AcceptBackoff`]).

use super::AcceptBackoff;
use crate::task::JoinHandle;
use parking_lot::Mutex;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use weave_reactor::{split, StreamReader, StreamWriter, TcpListener};
use weave_sync::Event;

/// Ground rules: `counts` is the truth, changed only under its lock; the
/// two events announce what it says and are set only after the lock is
/// released (setting one wakes tasks, and no waker runs under our lock).
struct Shared {
    counts: Mutex<Counts>,
    /// Set once `close` was called (after `counts.closed`).
    closed: Event,
    /// Set once closed with no connection left.
    finished: Event,
}

struct Counts {
    /// Connections whose handler is still running.
    active: usize,
    /// `close` was called: no connection is counted any more.
    closed: bool,
}

impl Counts {
    fn done(&self) -> bool {
        self.active == 0 && self.closed
    }
}

/// Counts a connection task while it lives (also when it is cancelled or
/// panics).
struct Connection(Arc<Shared>);

impl Drop for Connection {
    fn drop(&mut self) {
        let done = {
            let mut counts = self.0.counts.lock();
            counts.active -= 1;
            counts.done()
        };
        if done {
            self.0.finished.set();
        }
    }
}

/// A running server (asyncio's `Server`).
pub struct Server {
    local_addr: SocketAddr,
    accept: Mutex<Option<JoinHandle<()>>>,
    shared: Arc<Shared>,
}

/// Binds `addr` and starts accepting at once; each connection runs
/// `handler(reader, writer)` in a task of its own (asyncio's
/// `start_server`). See the [module example](crate::net).
///
/// # Errors
/// If `addr` cannot be resolved or bound, or the bound address not read.
///
/// # Panics
/// Outside a runtime.
pub async fn start_server<A, H, Fut>(addr: A, handler: H) -> io::Result<Server>
where
    A: ToSocketAddrs + Send + 'static,
    H: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    let shared = Arc::new(Shared {
        counts: Mutex::new(Counts {
            active: 0,
            closed: false,
        }),
        closed: Event::new(),
        finished: Event::new(),
    });
    let local_addr = listener.local_addr()?;
    let accept = crate::spawn(accept_loop(listener, handler, shared.clone()));
    Ok(Server {
        local_addr,
        accept: Mutex::new(Some(accept)),
        shared,
    })
}

async fn accept_loop<H, Fut>(listener: TcpListener, handler: H, shared: Arc<Shared>)
where
    H: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let mut backoff = AcceptBackoff::new();
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                backoff.accepted();
                let _ = stream.set_nodelay(true);
                {
                    // Checked and counted under the lock `close` sets the
                    // flag under: either `close` sees this connection
                    // counted (and `wait_closed` waits for it), or the
                    // connection sees the close and is dropped unserved,
                    // as if the listener had already been closed.
                    let mut counts = shared.counts.lock();
                    if counts.closed {
                        return;
                    }
                    counts.active += 1;
                }
                let (reader, writer) = split(stream);
                let guard = Connection(shared.clone());
                let conn = handler(reader, writer);
                drop(crate::spawn(async move {
                    let _guard = guard;
                    conn.await;
                }));
            }
            Err(e) => backoff.failed(e).await,
        }
    }
}

impl Server {
    /// The address the server listens on.
    ///
    /// # Errors
    /// Never: the address is read when the server starts (the signature
    /// is asyncio's, which may fail).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local_addr)
    }

    /// Stops accepting and closes the listening socket; connections already
    /// accepted keep running.
    pub fn close(&self) {
        if let Some(accept) = self.accept.lock().take() {
            accept.cancel();
        }
        let done = {
            let mut counts = self.shared.counts.lock();
            counts.closed = true;
            counts.done()
        };
        self.shared.closed.set();
        if done {
            self.shared.finished.set();
        }
    }

    /// True until [`close`](Self::close) is called.
    pub fn is_serving(&self) -> bool {
        !self.shared.closed.is_set()
    }

    /// Serves until [`close`](Self::close) is called (accepting already
    /// runs; this only waits).
    pub async fn serve_forever(&self) {
        self.shared.closed.wait().await;
    }

    /// Waits until the server is closed and every connection's handler has
    /// returned.
    pub async fn wait_closed(&self) {
        self.shared.finished.wait().await;
    }

    /// Connections whose handler is still running.
    pub fn active_connections(&self) -> usize {
        self.shared.counts.lock().active
    }
}

impl Drop for Server {
    /// Dropping the server closes it (connections keep running).
    fn drop(&mut self) {
        self.close();
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("active", &self.active_connections())
            .finish()
    }
}
