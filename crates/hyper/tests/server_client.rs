//! A hyper server (`weave_hyper::serve`) and the weave client in one
//! process: keep-alive reuse, many requests at once, bodies streamed both
//! ways, HTTP/2 with prior knowledge, hyper's header-read timeout on
//! `WeaveTimer`, graceful shutdown, and the accept loop outliving bad
//! connections. Every test runs under a watchdog: a hang fails it.

#[path = "../../../tests/support/mod.rs"]
mod support;

use bytes::Bytes;
use http::{Request, Response, StatusCode, Uri, Version};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use std::convert::Infallible;
use std::future::IntoFuture;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use support::{until, watchdog};
use weave::net::{TcpListener, TcpStream};
use weave::sync::Event;
use weave_hyper::{client_builder, serve, service_fn, Connector, WeaveIo};

type BoxBody = http_body_util::combinators::BoxBody<Bytes, hyper::Error>;

/// Answers `/` with "hello", echoes the body of any POST as it streams in,
/// and `/slow` (and a POST to `/hold`, whose body it leaves unread) after
/// `release` is set, announcing `entered` first.
#[derive(Clone, Default)]
struct App {
    entered: Event,
    release: Event,
}

impl App {
    async fn handle(self, req: Request<Incoming>) -> Result<Response<BoxBody>, Infallible> {
        let full = |s: &'static str| Full::new(Bytes::from(s)).map_err(|e| match e {}).boxed();
        Ok(match (req.method().as_str(), req.uri().path()) {
            // Holds the request without reading its body.
            ("POST", "/hold") => {
                self.entered.set();
                self.release.wait().await;
                Response::new(full("held"))
            }
            ("POST", _) => Response::new(req.into_body().boxed()),
            (_, "/slow") => {
                self.entered.set();
                self.release.wait().await;
                Response::new(full("slow done"))
            }
            _ => Response::new(full("hello")),
        })
    }
}

/// Binds a listener on a free port; returns it and its `http://` base.
async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Starts `serve` for `app` in a task.
async fn start(app: App) -> (SocketAddr, weave::JoinHandle<io::Result<()>>) {
    let (listener, addr) = listener().await;
    let service = service_fn(move |req| app.clone().handle(req));
    (addr, weave::spawn(serve(listener, service).into_future()))
}

/// A server started by [`start_graceful`]: its address, the signal that
/// starts its graceful shutdown, and its task.
struct Graceful {
    addr: SocketAddr,
    stop: weave::sync::oneshot_channel::Sender<()>,
    server: weave::JoinHandle<io::Result<()>>,
}

/// Starts `serve` for `app` with a graceful shutdown on `Graceful::stop`,
/// the header-read timeout `header` (hyper's default if `None`) and the
/// shutdown timeout `limit`.
async fn start_graceful(
    app: &App,
    header: Option<Option<Duration>>,
    limit: Option<Duration>,
) -> Graceful {
    let (listener, addr) = listener().await;
    let (stop, stopped) = weave::sync::oneshot::<()>();
    let app = app.clone();
    let mut serve = serve(listener, service_fn(move |req| app.clone().handle(req)));
    if let Some(timeout) = header {
        serve = serve.header_read_timeout(timeout);
    }
    let mut graceful = serve.with_graceful_shutdown(async move {
        let _ = stopped.await;
    });
    if let Some(limit) = limit {
        graceful = graceful.shutdown_timeout(limit);
    }
    Graceful {
        addr,
        stop,
        server: weave::spawn(graceful.into_future()),
    }
}

fn uri(addr: SocketAddr, path: &str) -> Uri {
    format!("http://{addr}{path}").parse().unwrap()
}

async fn body_text(response: Response<Incoming>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The weave `Connector`, counting the connections it opens.
#[derive(Clone, Default)]
struct Counting {
    opened: Arc<AtomicUsize>,
}

impl tower_service::Service<Uri> for Counting {
    type Response = WeaveIo<TcpStream>;
    type Error = io::Error;
    type Future = weave_hyper::Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Connector.poll_ready(cx)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        self.opened.fetch_add(1, SeqCst);
        Connector.call(uri)
    }
}

#[test]
fn keep_alive_reuses_connections() {
    watchdog("keep-alive", || {
        weave::run(async {
            let (addr, server) = start(App::default()).await;
            let connector = Counting::default();
            let client = client_builder().build::<_, String>(connector.clone());
            for _ in 0..50 {
                let response = client.get(uri(addr, "/")).await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                assert_eq!(response.version(), Version::HTTP_11);
                assert_eq!(body_text(response).await, "hello");
            }
            // A request may race the previous connection's return to the
            // pool (hyper-util's client then opens one more and pools it),
            // so not exactly one; but a client without keep-alive opens 50.
            let opened = connector.opened.load(SeqCst);
            assert!(opened <= 5, "50 requests opened {opened} connections");
            server.cancel();
        })
    });
}

#[test]
fn two_hundred_concurrent_requests() {
    watchdog("200 requests", || {
        weave::run(async {
            let (addr, server) = start(App::default()).await;
            let client = weave_hyper::client::<String>();
            let requests = (0..200).map(|i| {
                let client = client.clone();
                weave::spawn(async move {
                    let req = Request::post(uri(addr, "/echo"))
                        .body(format!("request {i}"))
                        .unwrap();
                    let response = client.request(req).await.unwrap();
                    (i, body_text(response).await)
                })
            });
            let handles: Vec<_> = requests.collect();
            for handle in handles {
                let (i, body) = handle.await.unwrap();
                assert_eq!(body, format!("request {i}"));
            }
            server.cancel();
        })
    });
}

/// The request body is sent chunk by chunk, and the echo of the first
/// chunk must arrive before the second is sent: neither side may buffer
/// the whole body (if one does, the test hangs and the watchdog fails it).
#[test]
fn bodies_stream_both_ways() {
    watchdog("streamed bodies", || {
        weave::run(async {
            const CHUNK: usize = 64 * 1024;
            const CHUNKS: usize = 64;
            let (addr, server) = start(App::default()).await;
            let (tx, rx) = weave::sync::channel::<Bytes>(1);
            let frames = futures_lite::stream::unfold(rx, |rx| async move {
                let chunk = rx.recv().await.ok()?;
                Some((Ok::<_, Infallible>(Frame::data(chunk)), rx))
            });
            let req = Request::post(uri(addr, "/echo"))
                .body(StreamBody::new(frames).boxed())
                .unwrap();
            let client = client_builder().build(Connector::new());
            let response = weave::spawn(async move { client.request(req).await.unwrap() });

            tx.send(Bytes::from(vec![0u8; CHUNK])).await.unwrap();
            let mut body = response.await.unwrap().into_body();
            let mut received = 0;
            let mut sent = 1;
            while received < CHUNK * CHUNKS {
                let frame = body.frame().await.expect("more body").unwrap();
                let data = frame.into_data().unwrap();
                assert!(data.iter().all(|&b| b == (received / CHUNK) as u8));
                received += data.len();
                // Send the next chunk only once everything sent so far is back.
                if received == sent * CHUNK && sent < CHUNKS {
                    tx.send(Bytes::from(vec![sent as u8; CHUNK])).await.unwrap();
                    sent += 1;
                }
            }
            drop(tx); // ends the request body, and so the response
            assert!(body.frame().await.is_none());
            assert_eq!(received, CHUNK * CHUNKS);
            server.cancel();
        })
    });
}

#[test]
fn http2_with_prior_knowledge() {
    watchdog("HTTP/2", || {
        weave::run(async {
            let (addr, server) = start(App::default()).await;
            let connector = Counting::default();
            let client = client_builder()
                .http2_only(true)
                .build::<_, String>(connector.clone());
            let handles: Vec<_> = (0..50)
                .map(|i| {
                    let client = client.clone();
                    weave::spawn(async move {
                        let req = Request::post(uri(addr, "/"))
                            .body(format!("stream {i}"))
                            .unwrap();
                        let response = client.request(req).await.unwrap();
                        assert_eq!(response.version(), Version::HTTP_2);
                        (i, body_text(response).await)
                    })
                })
                .collect();
            for handle in handles {
                let (i, body) = handle.await.unwrap();
                assert_eq!(body, format!("stream {i}"));
            }
            // All 50 start before the first connection's handshake is done;
            // hyper-util's pool may open a second one meanwhile.
            let opened = connector.opened.load(SeqCst);
            assert!(
                opened <= 2,
                "50 HTTP/2 requests opened {opened} connections"
            );
            server.cancel();
        })
    });
}

/// A client that sends half a request head is cut off by hyper's
/// header-read timeout, timed by `WeaveTimer` (never early).
#[test]
fn header_read_timeout_fires_through_weave_timer() {
    watchdog("header timeout", || {
        weave::run(async {
            let (listener, addr) = listener().await;
            let timeout = Duration::from_millis(200);
            let app = App::default();
            let service = service_fn(move |req| app.clone().handle(req));
            let server = weave::spawn(
                serve(listener, service)
                    .header_read_timeout(timeout)
                    .into_future(),
            );

            let mut stream = TcpStream::connect(addr).await.unwrap();
            let start = Instant::now();
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
            let mut answer = Vec::new();
            let mut buf = [0u8; 1024];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                }
            }
            assert!(
                start.elapsed() >= timeout,
                "closed after {:?}",
                start.elapsed()
            );
            let answer = String::from_utf8_lossy(&answer);
            assert!(
                answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
                "{answer}"
            );

            // The server still serves.
            let client = weave_hyper::client::<String>();
            assert_eq!(
                client.get(uri(addr, "/")).await.unwrap().status(),
                StatusCode::OK
            );
            server.cancel();
        })
    });
}

/// Shutdown stops accepting at once, lets the in-flight request finish,
/// closes idle keep-alive connections, and completes after the last one.
#[test]
fn graceful_shutdown_finishes_the_request_in_flight() {
    watchdog("graceful shutdown", || {
        weave::run(async {
            let app = App::default();
            let Graceful { addr, stop, server } = start_graceful(&app, None, None).await;
            // One idle keep-alive connection (its client stays alive).
            let idle_client = weave_hyper::client::<String>();
            assert_eq!(
                idle_client.get(uri(addr, "/")).await.unwrap().status(),
                StatusCode::OK
            );

            let client = weave_hyper::client::<String>();
            let slow = weave::spawn(async move {
                let response = client.get(uri(addr, "/slow")).await.unwrap();
                body_text(response).await
            });
            app.entered.wait().await;
            stop.send(()).unwrap();
            until("the listener is closed", || {
                std::net::TcpStream::connect(addr).is_err()
            })
            .await;
            assert!(!server.is_finished(), "a request is still in flight");

            app.release.set();
            assert_eq!(slow.await.unwrap(), "slow done");
            server.await.unwrap().unwrap();
            drop(idle_client);
        })
    });
}

/// Garbage, a reset mid-request and an abandoned connection end their own
/// connection only.
#[test]
fn bad_connections_do_not_stop_the_server() {
    watchdog("bad connections", || {
        weave::run(async {
            let (addr, server) = start(App::default()).await;
            let mut garbage = TcpStream::connect(addr).await.unwrap();
            garbage
                .write_all(b"\x16\x03\x01 not http at all\r\n\r\n")
                .await
                .unwrap();
            let mut buf = [0u8; 256];
            while let Ok(1..) = garbage.read(&mut buf).await {}

            let half = TcpStream::connect(addr).await.unwrap();
            let mut half = half;
            half.write_all(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
                .await
                .unwrap();
            drop(half);
            let _abandoned = TcpStream::connect(addr).await.unwrap();

            let client = weave_hyper::client::<String>();
            for _ in 0..3 {
                let response = client.get(uri(addr, "/")).await.unwrap();
                assert_eq!(body_text(response).await, "hello");
            }
            server.cancel();
        })
    });
}

/// A runtime dropped while a request waits in its handler and the client
/// waits for it: nothing hangs, and the runtime's shutdown drops both.
#[test]
fn runtime_dropped_mid_request() {
    watchdog("runtime drop", || {
        let rt = weave::Runtime::new().unwrap();
        let app = App::default();
        let entered = app.entered.clone();
        let addr = rt.block_on(async move {
            let (addr, server) = start(app).await;
            drop(server);
            let client = weave_hyper::client::<String>();
            drop(weave::spawn(async move {
                let _ = client.get(uri(addr, "/slow")).await;
            }));
            addr
        });
        rt.block_on(entered.wait());
        drop(rt);
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "the listener closed with the runtime"
        );
    });
}

/// `WeaveIo` both ways: a weave socket as hyper IO, wrapped again as
/// futures-io (what an upgraded connection goes through); and a non-weave
/// futures-io stream, whose buffer is zeroed before its `poll_read`.
#[test]
fn weave_io_both_ways() {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    watchdog("WeaveIo", || {
        weave::run(async {
            let (listener, addr) = listener().await;
            let client = weave::spawn(TcpStream::connect(addr));
            let (server_side, _) = listener.accept().await.unwrap();
            let mut twice = WeaveIo::new(WeaveIo::new(server_side));
            let mut peer = client.await.unwrap().unwrap();
            peer.write_all(b"ping").await.unwrap();
            let mut got = [0u8; 4];
            twice.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"ping");
            twice.write_all(b"pong").await.unwrap();
            twice.close().await.unwrap(); // hyper's shutdown: end of stream
            let mut back = Vec::new();
            peer.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, b"pong");

            let mut cursor =
                WeaveIo::new(WeaveIo::new(futures_lite::io::Cursor::new(b"abc".to_vec())));
            let mut all = Vec::new();
            cursor.read_to_end(&mut all).await.unwrap();
            assert_eq!(all, b"abc");
        })
    });
}

/// `WeaveTimer::reset` moves the sleep it made in place (same allocation)
/// and replaces one it did not make.
#[test]
fn weave_timer_resets_in_place() {
    use hyper::rt::Timer;
    watchdog("timer reset", || {
        weave::run(async {
            let timer = weave_hyper::WeaveTimer::new();
            let mut sleep = timer.sleep(Duration::from_secs(3600));
            let before = &*sleep as *const dyn hyper::rt::Sleep as *const u8;
            let start = Instant::now();
            timer.reset(&mut sleep, Instant::now() + Duration::from_millis(5));
            assert_eq!(&*sleep as *const dyn hyper::rt::Sleep as *const u8, before);
            sleep.as_mut().await;
            assert!(start.elapsed() >= Duration::from_millis(5));

            struct Foreign;
            impl std::future::Future for Foreign {
                type Output = ();
                fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
                    Poll::Pending
                }
            }
            impl hyper::rt::Sleep for Foreign {}
            let mut foreign: Pin<Box<dyn hyper::rt::Sleep>> = Box::pin(Foreign);
            timer.reset(&mut foreign, Instant::now());
            foreign.as_mut().await; // a weave sleep now, due at once
        })
    });
}

/// Shutdown does not wait for a client that connected and sent nothing
/// (hyper-util is still reading the protocol version: the shutdown cancels
/// that read), even with no header-read timeout; one that sent half a
/// request head is given until the header-read timeout, as in hyper.
#[test]
fn graceful_shutdown_with_silent_and_half_sent_connections() {
    for half_sent in [false, true] {
        watchdog("graceful shutdown, silent peers", move || {
            weave::run(async move {
                let timeout = half_sent.then_some(Duration::from_millis(300));
                let Graceful { addr, stop, server } =
                    start_graceful(&App::default(), Some(timeout), None).await;
                let mut peer = TcpStream::connect(addr).await.unwrap();
                let start = Instant::now();
                if half_sent {
                    peer.write_all(b"GET / HTTP/1.1\r\nHost:").await.unwrap();
                }
                // The peer's connection is being served before the signal.
                let client = weave_hyper::client::<String>();
                assert_eq!(
                    client.get(uri(addr, "/")).await.unwrap().status(),
                    StatusCode::OK
                );
                drop(client);
                stop.send(()).unwrap();
                server.await.unwrap().unwrap();
                if half_sent {
                    // Its head started arriving at `start`: the timeout runs from then.
                    assert!(
                        start.elapsed() >= Duration::from_millis(300),
                        "waited for the header timeout"
                    );
                }
                let mut buf = [0u8; 64];
                let closed = peer.read(&mut buf).await;
                assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
            })
        });
    }
}

/// A safe `AsyncRead` that claims to have read more than it was given is
/// an error, not bytes past hyper's buffer; a large buffer is offered to a
/// non-weave stream 16 KiB at a time.
#[test]
fn a_lying_reader_is_an_error() {
    use hyper::rt::Read;
    struct Liar;
    impl futures_io::AsyncRead for Liar {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(buf.len() + 1))
        }
    }
    struct Counting(usize);
    impl futures_io::AsyncRead for Counting {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            assert!(buf.iter().all(|&b| b == 0), "offered zeroed bytes");
            self.0 = buf.len();
            buf.fill(7);
            Poll::Ready(Ok(buf.len()))
        }
    }
    let waker = std::task::Waker::noop();
    let mut cx = Context::from_waker(waker);
    let mut storage = vec![std::mem::MaybeUninit::<u8>::uninit(); 100_000];
    let mut buf = hyper::rt::ReadBuf::uninit(&mut storage);
    let mut liar = WeaveIo::new(Liar);
    match Pin::new(&mut liar).poll_read(&mut cx, buf.unfilled()) {
        Poll::Ready(Err(e)) => assert!(e.to_string().contains("bytes read into"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(buf.filled().len(), 0);
    let mut counting = WeaveIo::new(Counting(0));
    assert!(matches!(
        Pin::new(&mut counting).poll_read(&mut cx, buf.unfilled()),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(counting.inner().0, 16 * 1024);
    assert_eq!(buf.filled().len(), 16 * 1024);
    assert!(buf.filled().iter().all(|&b| b == 7));
}

/// A client that connects and sends nothing is closed after the
/// header-read timeout (hyper-util's protocol detection has no timer).
#[test]
fn a_silent_client_is_closed_after_the_header_read_timeout() {
    watchdog("silent client", || {
        weave::run(async {
            let (listener, addr) = listener().await;
            let app = App::default();
            let service = service_fn(move |req| app.clone().handle(req));
            let timeout = Duration::from_millis(200);
            let server = weave::spawn(
                serve(listener, service)
                    .header_read_timeout(timeout)
                    .into_future(),
            );
            let start = Instant::now();
            let mut silent = TcpStream::connect(addr).await.unwrap();
            let mut buf = [0u8; 64];
            let closed = silent.read(&mut buf).await;
            assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
            assert!(
                start.elapsed() >= timeout,
                "closed after {:?}",
                start.elapsed()
            );
            server.cancel();
        })
    });
}

/// A complete request sent just before the shutdown signal, on a
/// connection already accepted, is answered: never closed unanswered. On one worker, with
/// the client in a task, the connection's task is waiting for its first
/// byte when the request and the signal arrive together; whether the
/// reactor has reported the bytes by then varies from run to run, and
/// both cases must end in an answer.
#[test]
fn a_request_sent_just_before_the_signal_is_answered() {
    watchdog("request before signal", || {
        let rt = weave::Runtime::builder().worker_threads(1).build().unwrap();
        for _ in 0..20 {
            rt.block_on(rt.spawn(async {
                let Graceful { addr, stop, server } =
                    start_graceful(&App::default(), None, None).await;
                let mut client = TcpStream::connect(addr).await.unwrap();
                // Wait until the accept loop has taken the connection and its
                // task waits for the first byte (three tasks: this one, the
                // accept loop, the connection).
                let handle = weave::Handle::current();
                until("the connection's task waits", || {
                    let tasks = handle.dump();
                    tasks.len() == 3
                        && tasks
                            .iter()
                            .filter(|t| t.state() == weave::TaskState::Idle)
                            .count()
                            == 2
                })
                .await;
                client
                    .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                    .await
                    .unwrap();
                stop.send(()).unwrap();
                let mut answer = Vec::new();
                let mut buf = [0u8; 1024];
                let outcome = loop {
                    match client.read(&mut buf).await {
                        Ok(0) => break Ok(()),
                        Ok(n) => answer.extend_from_slice(&buf[..n]),
                        Err(e) => break Err(e),
                    }
                };
                let answer = String::from_utf8_lossy(&answer);
                match outcome {
                    Ok(()) => assert!(
                        answer.starts_with("HTTP/1.1 200 OK"),
                        "closed unanswered: {answer:?}"
                    ),
                    Err(e) => assert!(answer.is_empty(), "{e} after {answer:?}"),
                }
                server.await.unwrap().unwrap();
            }))
            .unwrap();
        }
    });
}

/// Starts a server with a 150 ms shutdown timeout, sends it `request`
/// (one its handler holds for good), signals the shutdown once the handler
/// runs, and checks that the server completes after the timeout and the
/// request's connection was closed.
fn shutdown_timeout_ends(what: &str, request: fn(SocketAddr) -> Request<String>) {
    watchdog(what, move || {
        weave::run(async move {
            let app = App::default();
            let limit = Duration::from_millis(150);
            let Graceful { addr, stop, server } = start_graceful(&app, None, Some(limit)).await;
            let client = weave_hyper::client::<String>();
            let req = request(addr);
            let held = weave::spawn(async move { client.request(req).await });
            app.entered.wait().await;
            let start = Instant::now();
            stop.send(()).unwrap();
            server.await.unwrap().unwrap();
            assert!(
                start.elapsed() >= limit,
                "closed after {:?}",
                start.elapsed()
            );
            assert!(
                held.await.unwrap().is_err(),
                "the held request's connection was closed"
            );
        })
    });
}

/// With a shutdown timeout, a request that never finishes does not hold
/// the server up: its connection is closed when the timeout runs out.
#[test]
fn the_shutdown_timeout_closes_what_is_left() {
    // `/slow` never gets its release.
    shutdown_timeout_ends("shutdown timeout", |addr| {
        Request::get(uri(addr, "/slow"))
            .body(String::new())
            .unwrap()
    });
}

/// The shutdown timeout also ends a connection whose client keeps bytes
/// unread in the socket (a large body its handler never reads).
#[test]
fn the_shutdown_timeout_ends_a_connection_with_unread_bytes() {
    shutdown_timeout_ends("shutdown timeout, unread body", |addr| {
        Request::post(uri(addr, "/hold"))
            .body("x".repeat(4 << 20))
            .unwrap()
    });
}

/// Part of the HTTP/2 preface and then nothing: closed after the
/// header-read timeout (hyper-util's protocol detection would wait for the
/// rest for ever). The preface in two pieces with a pause between them is
/// served over HTTP/2.
#[test]
fn a_partial_http2_preface_is_timed_out_and_a_split_one_served() {
    watchdog("partial preface", || {
        weave::run(async {
            let (listener, addr) = listener().await;
            let app = App::default();
            let service = service_fn(move |req| app.clone().handle(req));
            let timeout = Duration::from_millis(200);
            let server = weave::spawn(
                serve(listener, service)
                    .header_read_timeout(timeout)
                    .into_future(),
            );

            let mut stalled = TcpStream::connect(addr).await.unwrap();
            let start = Instant::now();
            stalled.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
            let mut buf = [0u8; 64];
            let closed = stalled.read(&mut buf).await;
            assert!(matches!(closed, Ok(0) | Err(_)), "{closed:?}");
            assert!(
                start.elapsed() >= timeout,
                "closed after {:?}",
                start.elapsed()
            );

            // A client whose preface arrives in two pieces, 20 ms apart.
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, conn) = hyper::client::conn::http2::handshake(
                weave_hyper::WeaveExecutor,
                SplitPreface {
                    io: WeaveIo::new(stream),
                    sent: 0,
                    pause: None,
                },
            )
            .await
            .unwrap();
            drop(weave::spawn(conn));
            let req = Request::get(uri(addr, "/")).body(String::new()).unwrap();
            let response = sender.send_request(req).await.unwrap();
            assert_eq!(response.version(), Version::HTTP_2);
            assert_eq!(body_text(response).await, "hello");
            server.cancel();
        })
    });
}

/// hyper IO that writes its first 5 bytes, pauses 20 ms, then the rest.
struct SplitPreface {
    io: WeaveIo<TcpStream>,
    sent: usize,
    pause: Option<weave::Sleep>,
}

impl hyper::rt::Read for SplitPreface {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for SplitPreface {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.sent < 5 {
            let n = std::task::ready!(
                Pin::new(&mut this.io).poll_write(cx, &buf[..buf.len().min(5 - this.sent)])
            )?;
            this.sent += n;
            if this.sent == 5 {
                this.pause = Some(weave::sleep(Duration::from_millis(20)));
            }
            return Poll::Ready(Ok(n));
        }
        if let Some(pause) = &mut this.pause {
            std::task::ready!(std::future::Future::poll(Pin::new(pause), cx));
            this.pause = None;
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
