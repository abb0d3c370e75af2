//! `serve`: `axum::serve` for weave. Accept on a weave `TcpListener`, one
//! task per connection, HTTP/1.1 (keep-alive) and HTTP/2 (prior
//! knowledge) through hyper-util's auto builder, with an optional graceful
//! shutdown.
//!
//! The accept loop survives every accept error, backing off when out of
//! file descriptors ([`weave::net::AcceptBackoff`], `start_server`'s
//! policy); a connection's error ends that connection only.

use crate::{WeaveExecutor, WeaveIo, WeaveTimer};
use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::error::Error as StdError;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use weave::net::{AcceptBackoff, TcpListener, TcpStream};
use weave::sync::Event;
use weave::Either;

/// The error type hyper and tower services convert theirs into.
type BoxError = Box<dyn StdError + Send + Sync>;

/// hyper's default header-read timeout (when a timer is set).
const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// What [`serve`] takes: a tower service of hyper requests, cloned per
/// connection, whose futures and response bodies can move between
/// workers (an axum `Router`, a [`service_fn`](crate::service_fn) of an
/// async function). Implemented for every such type; named here so that
/// the bounds are written once.
pub trait ServeService:
    tower_service::Service<
        Request<Incoming>,
        Response = Response<Self::ResBody>,
        Future: Send + 'static,
        Error: Into<BoxError>,
    > + Clone
    + Send
    + 'static
{
    /// The response body.
    type ResBody: Body<Data: Send, Error: Into<BoxError>> + Send + 'static;
}

impl<S, B> ServeService for S
where
    S: tower_service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type ResBody = B;
}

/// A shutdown signal, boxed once per server.
type Signal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Serves `service` on every connection `listener` accepts (`axum::serve`,
/// for weave): await the result to run the server.
///
/// `service` is a tower `Service<http::Request<hyper::body::Incoming>>`
/// (an axum `Router` is one; wrap a hyper `service_fn` in
/// `tower::service_fn` or implement the trait), cloned for each connection.
/// Each connection is a weave task; HTTP/1.1 with keep-alive and HTTP/2
/// with prior knowledge are told apart by hyper-util's auto builder, with
/// [`WeaveTimer`] for hyper's timeouts (a client gets 30 s to send a
/// request's headers: [`header_read_timeout`](Serve::header_read_timeout)).
///
/// The future completes only after a [graceful
/// shutdown](Serve::with_graceful_shutdown); without one it serves until
/// dropped (connections already accepted keep running).
///
/// ```
/// use http::{Request, Response};
/// use hyper::body::Incoming;
/// use std::convert::Infallible;
/// use weave::net::TcpListener;
///
/// #[derive(Clone)]
/// struct Hello;
///
/// impl tower_service::Service<Request<Incoming>> for Hello {
///     type Response = Response<String>;
///     type Error = Infallible;
///     type Future = std::future::Ready<Result<Response<String>, Infallible>>;
///
///     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
///         std::task::Poll::Ready(Ok(()))
///     }
///
///     fn call(&mut self, req: Request<Incoming>) -> Self::Future {
///         std::future::ready(Ok(Response::new(format!("Hello, {}!", req.uri().path()))))
///     }
/// }
///
/// weave::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let (stop, stopped) = weave::sync::oneshot::<()>();
///     let server = weave::spawn(
///         weave_hyper::serve(listener, Hello)
///             .with_graceful_shutdown(async move { let _ = stopped.await; })
///             .into_future(),
///     );
///
///     let client = weave_hyper::client::<String>();
///     let uri = format!("http://{addr}/weave").parse().unwrap();
///     let response = client.get(uri).await.unwrap();
///     assert_eq!(response.status(), 200);
///     drop((response, client)); // lets the pooled connection go
///
///     stop.send(()).unwrap();
///     server.await.unwrap().unwrap(); // every connection finished
/// });
/// # use std::future::IntoFuture;
/// ```
pub fn serve<S>(listener: TcpListener, service: S) -> Serve<S> {
    Serve {
        listener,
        service,
        header_read_timeout: None,
    }
}

/// A server not yet running: configure it, then `.await` it (see
/// [`serve`]).
#[must_use = "a server does nothing unless awaited"]
pub struct Serve<S> {
    listener: TcpListener,
    service: S,
    /// `None`: hyper's default (30 s); `Some(None)`: no limit.
    header_read_timeout: Option<Option<Duration>>,
}

impl<S> Serve<S> {
    /// The address the listener is bound to.
    ///
    /// # Errors
    /// As `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// How long a client may take to send a request's headers before its
    /// connection is closed (hyper's default: 30 s; `None`: no limit).
    /// Timed by [`WeaveTimer`]. It also bounds how long a new connection
    /// may take to send enough to tell HTTP/1 from HTTP/2 (its first byte,
    /// or the HTTP/2 preface), which hyper-util's protocol detection does
    /// not time.
    pub fn header_read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Serve<S> {
        self.header_read_timeout = Some(timeout.into());
        self
    }

    /// Stops accepting once `signal` completes, asks every open connection
    /// to finish, and completes when the last one has closed:
    /// - an HTTP/1 connection closes after its in-flight response (an idle
    ///   keep-alive one at once); HTTP/2 sends `GOAWAY` and finishes its
    ///   open streams;
    /// - one that has not sent a byte yet is closed at once (a request
    ///   already in its socket is read and answered first); one halfway
    ///   through a request head gets until the [header-read
    ///   timeout](Serve::header_read_timeout);
    /// - a connection upgraded (e.g. to a WebSocket) is the upgrade's
    ///   owner's: it is not waited for.
    ///
    /// A client that never finishes (a stream without end, a reader that
    /// stops reading) holds the shutdown up for as long: bound it with
    /// [`shutdown_timeout`](WithGracefulShutdown::shutdown_timeout).
    /// Dropping the future stops accepting but leaves the open connections
    /// running.
    ///
    /// ```no_run
    /// # async fn app(listener: weave::net::TcpListener, router: axum::Router) -> std::io::Result<()> {
    /// weave_hyper::serve(listener, router)
    ///     .with_graceful_shutdown(async { weave::signal::ctrl_c().await.unwrap() })
    ///     .await
    /// # }
    /// ```
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<S>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        WithGracefulShutdown {
            serve: self,
            signal: Box::pin(signal),
            deadline: None,
        }
    }

    /// How long a new connection may take to send its first byte.
    fn first_byte_timeout(&self) -> Option<Duration> {
        self.header_read_timeout
            .unwrap_or(Some(DEFAULT_HEADER_READ_TIMEOUT))
    }

    /// hyper-util's connection builder with weave's executor and timer.
    fn builder(&self) -> Builder<WeaveExecutor> {
        let mut builder = Builder::new(WeaveExecutor);
        builder.http1().timer(WeaveTimer);
        if let Some(timeout) = self.header_read_timeout {
            builder.http1().header_read_timeout(timeout);
        }
        builder.http2().timer(WeaveTimer);
        builder
    }
}

impl<S> fmt::Debug for Serve<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}

/// A server with a shutdown signal (see
/// [`Serve::with_graceful_shutdown`]); `.await` it to run it.
#[must_use = "a server does nothing unless awaited"]
pub struct WithGracefulShutdown<S> {
    serve: Serve<S>,
    signal: Signal,
    /// How long connections get after the signal before they are closed.
    deadline: Option<Duration>,
}

impl<S> WithGracefulShutdown<S> {
    /// After the signal, connections get at most `timeout` to finish;
    /// those still open then are closed (their requests dropped) and the
    /// server completes.
    ///
    /// ```no_run
    /// # async fn app(listener: weave::net::TcpListener, router: axum::Router) -> std::io::Result<()> {
    /// use std::time::Duration;
    ///
    /// weave_hyper::serve(listener, router)
    ///     .with_graceful_shutdown(async { weave::signal::terminate().await.unwrap() })
    ///     .shutdown_timeout(Duration::from_secs(10))
    ///     .await
    /// # }
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) -> WithGracefulShutdown<S> {
        self.deadline = Some(timeout);
        self
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    /// As `getsockname`.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.serve.local_addr()
    }
}

impl<S> fmt::Debug for WithGracefulShutdown<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .field("serve", &self.serve)
            .finish_non_exhaustive()
    }
}

/// The running server: the future `Serve` and `WithGracefulShutdown` turn
/// into.
#[must_use = "a server does nothing unless awaited"]
pub struct ServeFuture(Pin<Box<dyn Future<Output = io::Result<()>> + Send>>);

impl Future for ServeFuture {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ServeFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeFuture").finish_non_exhaustive()
    }
}

impl<S: ServeService> IntoFuture for Serve<S> {
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        ServeFuture(Box::pin(accept_loop(self, None, None)))
    }
}

impl<S: ServeService> IntoFuture for WithGracefulShutdown<S> {
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        ServeFuture(Box::pin(accept_loop(
            self.serve,
            Some(self.signal),
            self.deadline,
        )))
    }
}

/// What a graceful shutdown needs: the connections still open, and the
/// announcements to them.
///
/// Ground rules: `open` counts the accept loop as one until it stops
/// accepting, so it reaches zero only after that, exactly once; `closing`
/// is set before `shutdown` (and before `abort`), so a connection woken by
/// either event sees it.
struct Tracker {
    open: AtomicUsize,
    closing: AtomicBool,
    /// Set when the signal came: connections finish what they do.
    shutdown: Event,
    /// Set when the shutdown timeout ran out: connections close now.
    abort: Event,
    finished: Event,
}

impl Tracker {
    fn new() -> Arc<Tracker> {
        Arc::new(Tracker {
            open: AtomicUsize::new(1),
            closing: AtomicBool::new(false),
            shutdown: Event::new(),
            abort: Event::new(),
            finished: Event::new(),
        })
    }

    /// Counts one more open connection while the guard lives.
    fn open(self: &Arc<Self>) -> Open {
        self.open.fetch_add(1, Ordering::Relaxed);
        Open(self.clone())
    }

    fn release(&self) {
        if self.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.finished.set();
        }
    }

    /// Announces the shutdown and waits for the last connection (the
    /// accept loop has stopped); after `deadline`, tells the rest to close.
    async fn shut_down(&self, deadline: Option<Duration>) {
        self.closing.store(true, Ordering::Release);
        self.shutdown.set();
        self.release();
        if let Some(deadline) = deadline {
            if weave::wait_for(self.finished.wait(), deadline)
                .await
                .is_ok()
            {
                return;
            }
            self.abort.set();
        }
        self.finished.wait().await;
    }
}

/// One open connection of a [`Tracker`] (also released if the task is
/// cancelled or panics).
struct Open(Arc<Tracker>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.release();
    }
}

async fn accept_loop<S: ServeService>(
    serve: Serve<S>,
    signal: Option<Signal>,
    deadline: Option<Duration>,
) -> io::Result<()> {
    let builder = Arc::new(serve.builder());
    let first_byte = serve.first_byte_timeout();
    let Serve {
        listener, service, ..
    } = serve;
    let tracker = signal.as_ref().map(|_| Tracker::new());
    let mut signal = signal.unwrap_or_else(|| Box::pin(std::future::pending()));
    let mut backoff = AcceptBackoff::new();
    loop {
        let accepted = match weave::race(&mut signal, listener.accept()).await {
            Either::Left(()) => break,
            Either::Right(accepted) => accepted,
        };
        match accepted {
            Ok((stream, _peer)) => {
                backoff.accepted();
                let _ = stream.set_nodelay(true);
                let open = tracker.as_ref().map(Tracker::open);
                let conn = connection(stream, service.clone(), builder.clone(), first_byte, open);
                drop(weave::spawn(conn));
            }
            Err(e) => {
                if let Either::Left(()) = weave::race(&mut signal, backoff.failed(e)).await {
                    break;
                }
            }
        }
    }
    drop(listener);
    if let Some(tracker) = tracker {
        tracker.shut_down(deadline).await;
    }
    Ok(())
}

/// What an HTTP/2 client with prior knowledge sends first.
const H2_PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Waits until `stream` holds enough bytes to tell HTTP/1 from HTTP/2 (a
/// byte off the HTTP/2 preface, or all of it), or its end, before
/// `deadline`; false if the deadline passes or the socket fails first.
///
/// One peek after the first readability settles an HTTP/1 client (its
/// first byte is not `P`) and an HTTP/2 one that sent its preface in one
/// piece. Only a client that stops partway through the preface is
/// re-checked, after 1 ms, then twice as long each time up to 64 ms,
/// until the deadline: after a peek the socket stays readable, so
/// readiness cannot say when more arrives.
async fn version_bytes(stream: &TcpStream, deadline: Option<std::time::Instant>) -> bool {
    let readable = stream.readable();
    let ready = match deadline {
        Some(deadline) => matches!(weave::timeout_at(readable, deadline).await, Ok(Ok(()))),
        None => readable.await.is_ok(),
    };
    if !ready {
        return false;
    }
    let mut pause = Duration::from_millis(1);
    loop {
        let mut head = [0u8; 24];
        match peek(stream, &mut head) {
            Ok(n) if n == 0 || n == head.len() || head[..n] != H2_PREFACE[..n] => return true,
            Ok(_) | Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => {}
            Err(_) => return true, // hyper meets the error itself
        }
        if deadline.is_some_and(|d| weave::now() >= d) {
            return false;
        }
        weave::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(64));
    }
}

/// Copies what waits in `socket` into `buf` without taking it and
/// without blocking: `Ok(0)` at its end, `AGAIN` if nothing waits.
fn peek(socket: impl AsFd, buf: &mut [u8]) -> rustix::io::Result<usize> {
    use rustix::net::RecvFlags;
    rustix::net::recv(socket, buf, RecvFlags::PEEK | RecvFlags::DONTWAIT).map(|(n, _)| n)
}

/// True if a byte is waiting in `socket`.
fn has_pending_bytes(socket: impl AsFd) -> bool {
    matches!(peek(socket, &mut [0u8; 1]), Ok(1..))
}

/// Serves one connection to its end (see [`serve_connection`]), counted
/// in the tracker until its socket is closed.
async fn connection<S: ServeService>(
    stream: TcpStream,
    service: S,
    builder: Arc<Builder<WeaveExecutor>>,
    first_byte: Option<Duration>,
    open: Option<Open>,
) {
    let tracker = open.as_ref().map(|open| &*open.0);
    serve_connection(stream, service, &builder, first_byte, tracker).await;
    // The socket is closed by now (it was `serve_connection`'s).
    drop(open);
}

/// Serves one connection; with `tracker`, starts hyper's graceful shutdown
/// of it when the server's shutdown is announced, and closes it when the
/// shutdown times out.
async fn serve_connection<S: ServeService>(
    stream: TcpStream,
    service: S,
    builder: &Builder<WeaveExecutor>,
    first_byte: Option<Duration>,
    tracker: Option<&Tracker>,
) {
    // Until the client has sent enough to tell HTTP/1 from HTTP/2: hyper-
    // util's protocol detection has no timer of its own, so the
    // header-read timeout bounds it here (a client that sends nothing, or
    // part of the HTTP/2 preface, and stops is closed). A shutdown now
    // closes the connection unserved unless request bytes are already in
    // the socket. Readability is checked first on every poll.
    {
        let deadline = first_byte.and_then(|limit| weave::now().checked_add(limit));
        let mut detected = pin!(version_bytes(&stream, deadline));
        let mut shutdown = pin!(async {
            match tracker {
                Some(tracker) => tracker.shutdown.wait().await,
                None => std::future::pending().await,
            }
        });
        let first = std::future::poll_fn(|cx| {
            if let Poll::Ready(detected) = detected.as_mut().poll(cx) {
                return Poll::Ready(detected);
            }
            // The shutdown: the reactor may not have seen bytes that are
            // already in the socket, so ask the socket itself.
            shutdown
                .as_mut()
                .poll(cx)
                .map(|()| has_pending_bytes(&stream))
        });
        if !first.await {
            return;
        }
    }
    let fd = stream.as_raw_fd();
    let conn = builder
        .serve_connection_with_upgrades(WeaveIo::new(stream), TowerToHyperService::new(service));
    let mut conn = pin!(conn);
    let Some(tracker) = tracker else {
        // A connection error (a reset, a malformed request, a timeout)
        // ends this connection only.
        let _ = conn.await;
        return;
    };
    // Registered with the task's waker (again only if the waker changes):
    // `shutdown.set()` and `abort.set()` wake the task, and the `closing`
    // flag tells those wakes apart without locking an event on every poll.
    // The connection is polled first. When the shutdown comes with request
    // bytes unread in the socket (the reactor may not have reported them
    // yet), hyper's graceful shutdown waits one more poll of the
    // connection, so that a request sent before the shutdown is read and
    // answered rather than cut off; only once, so that a client that keeps
    // sending cannot put the shutdown off.
    let mut shutdown = pin!(weave::unconstrained(tracker.shutdown.wait()));
    let mut abort = pin!(weave::unconstrained(tracker.abort.wait()));
    let mut registered: Option<Waker> = None;
    let (mut signalled, mut deferred, mut stopping) = (false, false, false);
    std::future::poll_fn(|cx| {
        if conn.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        let fresh = registered
            .as_ref()
            .is_none_or(|waker| !waker.will_wake(cx.waker()));
        if fresh || tracker.closing.load(Ordering::Acquire) {
            if !signalled {
                signalled = shutdown.as_mut().poll(cx).is_ready();
            }
            if signalled && !stopping {
                // `conn` has just returned `Pending`; hyper gives the IO away
                // (an upgrade) or drops it only in a poll that returns `Ready`.
                // SAFETY: so `fd`, the socket inside `conn`, is open and
                // still this connection's.
                let socket = unsafe { BorrowedFd::borrow_raw(fd) };
                if !deferred && has_pending_bytes(socket) {
                    deferred = true;
                } else {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                    if conn.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(());
                    }
                }
            }
            if signalled && abort.as_mut().poll(cx).is_ready() {
                // The shutdown timed out: dropping the connection closes it.
                return Poll::Ready(());
            }
            registered = Some(cx.waker().clone());
        }
        Poll::Pending
    })
    .await;
}
