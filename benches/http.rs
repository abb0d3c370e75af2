//! HTTP benchmarks over loopback, loaded by wrk: the same "Hello, world!"
//! on weave, tokio and smol, 2 workers each, runtimes alternating.
//!
//! ```text
//! cargo bench --bench http              # needs wrk (apt-get install wrk)
//! cargo bench --bench http -- hyper     # only the hyper rows
//! ```
//!
//! - **hyper**: one hyper service (`hello` below) served through hyper-util's
//!   auto builder (HTTP/1.1 and HTTP/2, with upgrades) with a timer set, one
//!   task per connection: on weave by `weave_hyper::serve`, on tokio with
//!   hyper-util's `TokioIo` / `TokioExecutor` / `TokioTimer`, on smol with
//!   the small adapter below over async-io (what smol-hyper does; its reads
//!   zero hyper's buffer first, as any futures-io adapter must).
//! - **bare**: the hand-written responder of `support/bare_http.rs` on each
//!   runtime's own TCP types: the bare TCP path, no HTTP library.
//!
//! `wrk -t2 -c64 -d3s --latency` per run (`WEAVE_BENCH_WRK_SECS` changes
//! the duration), medians of `min(WEAVE_BENCH_SAMPLES, 7)` rounds (at
//! least 5 by default) of requests/s and of wrk's p50 / p75 / p99.

#[path = "support/bare_http.rs"]
mod bare_http;
#[path = "harness/mod.rs"]
mod harness;

use bytes::Bytes;
use harness::{median_of, rounds, Row, Runtimes};
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use std::convert::Infallible;
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::process::Command;

/// The service every runtime serves in the hyper rows.
async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!",
    ))))
}

/// Serves one connection with the hand-written responder, given the
/// runtime's read and write.
macro_rules! serve_bare {
    ($stream:ident) => {{
        let (mut input, mut output) = (Vec::with_capacity(4096), Vec::with_capacity(4096));
        let mut buf = [0u8; 4096];
        loop {
            let n = match $stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            input.extend_from_slice(&buf[..n]);
            let next = bare_http::respond(&mut input, &mut output);
            if $stream.write_all(&output).await.is_err() || next == bare_http::Next::Close {
                break;
            }
            output.clear();
        }
    }};
}

/// What one wrk run measured: requests/s and latency percentiles in µs.
#[derive(Clone, Copy)]
struct Load {
    per_sec: f64,
    p50: f64,
    p75: f64,
    p99: f64,
}

/// A wrk latency like `812.00us`, `1.53ms` or `2.01s`, in µs.
fn micros(v: &str) -> f64 {
    let v = v.trim();
    let (num, scale) = if let Some(x) = v.strip_suffix("us") {
        (x, 1.0)
    } else if let Some(x) = v.strip_suffix("ms") {
        (x, 1e3)
    } else {
        (v.trim_end_matches('s'), 1e6)
    };
    num.parse::<f64>().unwrap_or(f64::NAN) * scale
}

/// Runs wrk against `addr`.
fn wrk(addr: SocketAddr) -> Load {
    let secs = std::env::var("WEAVE_BENCH_WRK_SECS").unwrap_or_else(|_| "3".into());
    let out = Command::new("wrk")
        .args([
            "-t2",
            "-c64",
            &format!("-d{secs}s"),
            "--latency",
            &format!("http://{addr}/"),
        ])
        .output()
        .expect("running wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    let per_sec = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"));
    assert!(
        !text.contains("Non-2xx") && !text.contains("Socket errors"),
        "wrk saw errors:\n{text}"
    );
    let pct = |p: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(p))
            .map_or(f64::NAN, micros)
    };
    Load {
        per_sec,
        p50: pct("50%"),
        p75: pct("75%"),
        p99: pct("99%"),
    }
}

/// A row's name, unit, and how it is read from one run.
type Metric = (&'static str, &'static str, fn(&Load) -> f64);

/// Loads the three servers in alternating rounds and prints the rows.
fn load(name: &str, addrs: [SocketAddr; 3]) {
    let [w, t, s] = rounds(
        harness::samples().min(7),
        || wrk(addrs[0]),
        || wrk(addrs[1]),
        || wrk(addrs[2]),
    );
    let rows: [Metric; 4] = [
        ("requests/s", "/s", |l| l.per_sec),
        ("p50", "µs", |l| l.p50),
        ("p75", "µs", |l| l.p75),
        ("p99", "µs", |l| l.p99),
    ];
    for (what, unit, pick) in rows {
        let median = |v: &[Load]| median_of(v.iter().map(pick).collect());
        Row {
            name: format!("http {name} {what}"),
            unit,
            weave: median(&w),
            tokio: median(&t),
            smol: median(&s),
        }
        .print();
    }
}

fn hyper_servers(rts: &Runtimes) -> [SocketAddr; 3] {
    let weave_addr = rts.weave.block_on(async {
        let listener = weave::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let serve = weave_hyper::serve(listener, weave_hyper::service_fn(hello));
        drop(weave::spawn(serve.into_future()));
        addr
    });
    let tokio_addr = rts.tokio.block_on(async {
        use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
        builder.http1().timer(TokioTimer::new());
        builder.http2().timer(TokioTimer::new());
        let builder = std::sync::Arc::new(builder);
        tokio::spawn(async move {
            loop {
                let Ok((s, _)) = listener.accept().await else {
                    continue;
                };
                s.set_nodelay(true).unwrap();
                let builder = builder.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(hello);
                    let _ = builder
                        .serve_connection_with_upgrades(TokioIo::new(s), service)
                        .await;
                });
            }
        });
        addr
    });
    let ex = rts.smol.ex.clone();
    let smol_addr = rts.smol.block_on(async move {
        let listener = async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let mut builder =
            hyper_util::server::conn::auto::Builder::new(smol_hyper::Exec(ex.clone()));
        builder.http1().timer(smol_hyper::Timer);
        builder.http2().timer(smol_hyper::Timer);
        let builder = std::sync::Arc::new(builder);
        let inner = ex.clone();
        ex.spawn(async move {
            loop {
                let Ok((s, _)) = listener.accept().await else {
                    continue;
                };
                s.get_ref().set_nodelay(true).unwrap();
                let builder = builder.clone();
                inner
                    .spawn(async move {
                        let service = hyper::service::service_fn(hello);
                        let io = smol_hyper::Io(s);
                        let _ = builder.serve_connection_with_upgrades(io, service).await;
                    })
                    .detach();
            }
        })
        .detach();
        addr
    });
    [weave_addr, tokio_addr, smol_addr]
}

fn bare_servers(rts: &Runtimes) -> [SocketAddr; 3] {
    use futures_lite::{AsyncReadExt, AsyncWriteExt};
    let weave_addr = rts.weave.block_on(async {
        let listener = weave::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(weave::spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    continue;
                };
                s.set_nodelay(true).unwrap();
                drop(weave::spawn(async move { serve_bare!(s) }));
            }
        }));
        addr
    });
    let tokio_addr = rts.tokio.block_on(async {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    continue;
                };
                s.set_nodelay(true).unwrap();
                tokio::spawn(async move { serve_bare!(s) });
            }
        });
        addr
    });
    let ex = rts.smol.ex.clone();
    let smol_addr = rts.smol.block_on(async move {
        let listener = async_io::Async::<std::net::TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let inner = ex.clone();
        ex.spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    continue;
                };
                s.get_ref().set_nodelay(true).unwrap();
                inner.spawn(async move { serve_bare!(s) }).detach();
            }
        })
        .detach();
        addr
    });
    [weave_addr, tokio_addr, smol_addr]
}

/// hyper on smol: the few lines smol-hyper has, written out (IO over
/// async-io with hyper's buffer zeroed per read, an executor, a timer).
mod smol_hyper {
    use std::future::Future;
    use std::io;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{ready, Context, Poll};
    use std::time::{Duration, Instant};

    /// `Async<TcpStream>` as hyper IO.
    pub struct Io(pub async_io::Async<std::net::TcpStream>);

    impl hyper::rt::Read for Io {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            mut buf: hyper::rt::ReadBufCursor<'_>,
        ) -> Poll<io::Result<()>> {
            // SAFETY: bytes are only written (zeroes, then the read).
            let dst = unsafe { buf.as_mut() };
            for b in dst.iter_mut() {
                b.write(0);
            }
            // SAFETY: every byte of `dst` was just initialised.
            let init = unsafe { &mut *(dst as *mut [std::mem::MaybeUninit<u8>] as *mut [u8]) };
            let n = ready!(futures_lite::AsyncRead::poll_read(
                Pin::new(&mut self.0),
                cx,
                init
            ))?;
            // SAFETY: the read initialised (and filled) the first `n` bytes.
            unsafe { buf.advance(n) };
            Poll::Ready(Ok(()))
        }
    }

    impl hyper::rt::Write for Io {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            futures_lite::AsyncWrite::poll_write(Pin::new(&mut self.0), cx, buf)
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            futures_lite::AsyncWrite::poll_flush(Pin::new(&mut self.0), cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            futures_lite::AsyncWrite::poll_close(Pin::new(&mut self.0), cx)
        }
    }

    /// Spawns on the smol executor, detached.
    #[derive(Clone)]
    pub struct Exec(pub Arc<async_executor::Executor<'static>>);

    impl<F: Future + Send + 'static> hyper::rt::Executor<F> for Exec
    where
        F::Output: Send + 'static,
    {
        fn execute(&self, fut: F) {
            self.0.spawn(fut).detach();
        }
    }

    /// async-io's timers for hyper.
    #[derive(Clone)]
    pub struct Timer;

    struct Sleep(async_io::Timer);

    impl Future for Sleep {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            Pin::new(&mut self.0).poll(cx).map(drop)
        }
    }

    impl hyper::rt::Sleep for Sleep {}

    impl hyper::rt::Timer for Timer {
        fn sleep(&self, d: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
            Box::pin(Sleep(async_io::Timer::after(d)))
        }

        fn sleep_until(&self, at: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
            Box::pin(Sleep(async_io::Timer::at(at)))
        }
    }
}

fn main() {
    println!(
        "HTTP benchmarks (wrk -t2 -c64): {} workers each; requests/s: higher is better\n",
        harness::workers()
    );
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("skipped: wrk is not installed (apt-get install wrk)");
        return;
    }
    Row::print_header();
    let rts = Runtimes::new();
    if harness::selected("http hyper") {
        load("hyper", hyper_servers(&rts));
    }
    if harness::selected("http bare") {
        load("bare", bare_servers(&rts));
    }
}
