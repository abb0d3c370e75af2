//! Network benchmarks over loopback: weave against tokio and smol
//! (`async-io`'s `Async<TcpStream>` on smol's executor).
//!
//! ```text
//! cargo bench --bench net               # tcp_echo and, if wrk is installed, http
//! cargo bench --bench net -- tcp_echo
//! ```
//!
//! - tcp_echo: an echo server and 64 client connections in the same
//!   runtime; each client makes 2,000 round trips of 64 bytes. Round trips
//!   per second over the whole run, and the p99 of single round trips.
//! - http: each runtime serves the same HTTP/1.1 keep-alive "Hello, world!"
//!   (the protocol core of `examples/http_hello.rs`); `wrk -t1 -c64 -d4s`
//!   loads it. Requests per second and wrk's p99 latency.

#[path = "harness/mod.rs"]
mod harness;
#[path = "support/bare_http.rs"]
mod http;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use harness::{median_of, percentile, rounds, Row, Runtimes};
use std::net::SocketAddr;
use std::process::Command;
use std::time::Instant;

const CONNS: usize = 64;
const TRIPS: usize = 2_000;
const MSG: usize = 64;

/// The server side of one connection: echo until EOF or an error. The
/// same text for every runtime (each brings its own `read` / `write_all`).
macro_rules! echo_back {
    ($s:ident) => {
        let mut buf = [0u8; MSG];
        while let Ok(n @ 1..) = $s.read(&mut buf).await {
            if $s.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    };
}

/// A client's `TRIPS` round trips on stream `$s`; evaluates to their
/// latencies in µs. The same text for every runtime.
macro_rules! round_trips {
    ($s:ident) => {{
        let (msg, mut back) = ([7u8; MSG], [0u8; MSG]);
        let mut lat = Vec::with_capacity(TRIPS);
        for _ in 0..TRIPS {
            let t = Instant::now();
            $s.write_all(&msg).await.unwrap();
            $s.read_exact(&mut back).await.unwrap();
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        lat
    }};
}

/// One round's result: round trips per second and every latency (µs).
struct Echo {
    per_sec: f64,
    latencies: Vec<f64>,
}

fn echo_result(start: Instant, per_client: Vec<Vec<f64>>) -> Echo {
    let secs = start.elapsed().as_secs_f64();
    Echo {
        per_sec: (CONNS * TRIPS) as f64 / secs,
        latencies: per_client.into_iter().flatten().collect(),
    }
}

fn weave_echo(rt: &weave::Runtime) -> Echo {
    rt.block_on(async {
        let listener = weave::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = weave::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                s.set_nodelay(true).unwrap();
                drop(weave::spawn(async move {
                    echo_back!(s);
                }));
            }
        });
        let start = Instant::now();
        let clients: Vec<_> = (0..CONNS)
            .map(|_| {
                weave::spawn(async move {
                    let mut s = weave::net::TcpStream::connect(addr).await.unwrap();
                    s.set_nodelay(true).unwrap();
                    round_trips!(s)
                })
            })
            .collect();
        let mut all = Vec::new();
        for c in clients {
            all.push(c.await.unwrap());
        }
        let result = echo_result(start, all);
        server.cancel();
        result
    })
}

fn tokio_echo(rt: &tokio::runtime::Runtime) -> Echo {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                s.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    echo_back!(s);
                });
            }
        });
        let start = Instant::now();
        let clients: Vec<_> = (0..CONNS)
            .map(|_| {
                tokio::spawn(async move {
                    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                    s.set_nodelay(true).unwrap();
                    round_trips!(s)
                })
            })
            .collect();
        let mut all = Vec::new();
        for c in clients {
            all.push(c.await.unwrap());
        }
        let result = echo_result(start, all);
        server.abort();
        result
    })
}

fn smol_echo(smol: &harness::Smol) -> Echo {
    use async_io::Async;
    use std::net::{TcpListener, TcpStream};
    let ex = smol.ex.clone();
    smol.block_on(async move {
        let listener = Async::<TcpListener>::bind(([127, 0, 0, 1], 0)).unwrap();
        let addr = listener.get_ref().local_addr().unwrap();
        let server = ex.spawn({
            let ex = ex.clone();
            async move {
                loop {
                    let (mut s, _) = listener.accept().await.unwrap();
                    s.get_ref().set_nodelay(true).unwrap();
                    ex.spawn(async move {
                        echo_back!(s);
                    })
                    .detach();
                }
            }
        });
        let start = Instant::now();
        let clients: Vec<_> = (0..CONNS)
            .map(|_| {
                ex.spawn(async move {
                    let mut s = Async::<TcpStream>::connect(addr).await.unwrap();
                    s.get_ref().set_nodelay(true).unwrap();
                    round_trips!(s)
                })
            })
            .collect();
        let mut all = Vec::new();
        for c in clients {
            all.push(c.await);
        }
        let result = echo_result(start, all);
        drop(server.cancel());
        result
    })
}

fn tcp_echo(rts: &Runtimes) {
    let [w, t, s] = rounds(
        harness::samples().min(7),
        || weave_echo(&rts.weave),
        || tokio_echo(&rts.tokio),
        || smol_echo(&rts.smol),
    );
    let rate = |v: &[Echo]| median_of(v.iter().map(|e| e.per_sec).collect());
    let p99 = |v: Vec<Echo>| {
        let mut all: Vec<f64> = v.into_iter().flat_map(|e| e.latencies).collect();
        percentile(&mut all, 0.99)
    };
    Row {
        name: "tcp_echo round trips/s".into(),
        unit: "/s",
        weave: rate(&w),
        tokio: rate(&t),
        smol: rate(&s),
    }
    .print();
    Row {
        name: "tcp_echo p99".into(),
        unit: "µs",
        weave: p99(w),
        tokio: p99(t),
        smol: p99(s),
    }
    .print();
}

/// Serves one HTTP connection with the shared protocol core, given the
/// runtime's read and write.
macro_rules! serve_http {
    ($stream:ident) => {{
        let (mut input, mut output) = (Vec::with_capacity(4096), Vec::with_capacity(4096));
        let mut buf = [0u8; 4096];
        loop {
            let n = match $stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            input.extend_from_slice(&buf[..n]);
            let next = http::respond(&mut input, &mut output);
            if $stream.write_all(&output).await.is_err() || next == http::Next::Close {
                break;
            }
            output.clear();
        }
    }};
}

/// Runs wrk against `addr`; returns (requests/s, p99 µs).
fn wrk(addr: SocketAddr) -> (f64, f64) {
    let out = Command::new("wrk")
        .args([
            "-t1",
            "-c64",
            "-d4s",
            "--latency",
            &format!("http://{addr}/"),
        ])
        .output()
        .expect("running wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"));
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| {
            let v = v.trim();
            let (num, scale) = if let Some(x) = v.strip_suffix("us") {
                (x, 1.0)
            } else if let Some(x) = v.strip_suffix("ms") {
                (x, 1e3)
            } else {
                (v.trim_end_matches('s'), 1e6)
            };
            num.parse::<f64>().unwrap() * scale
        })
        .unwrap_or(f64::NAN);
    (rps, p99)
}

fn http_load(rts: &Runtimes) {
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("| http: skipped, wrk is not installed (apt-get install wrk) |");
        return;
    }
    let weave_addr = rts.weave.block_on(async {
        let listener = weave::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(weave::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                s.set_nodelay(true).unwrap();
                drop(weave::spawn(async move { serve_http!(s) }));
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
                let (mut s, _) = listener.accept().await.unwrap();
                s.set_nodelay(true).unwrap();
                tokio::spawn(async move { serve_http!(s) });
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
                let (mut s, _) = listener.accept().await.unwrap();
                s.get_ref().set_nodelay(true).unwrap();
                inner.spawn(async move { serve_http!(s) }).detach();
            }
        })
        .detach();
        addr
    });
    let [w, t, s] = rounds(
        harness::samples().min(3),
        || wrk(weave_addr),
        || wrk(tokio_addr),
        || wrk(smol_addr),
    );
    let rps = |v: &[(f64, f64)]| median_of(v.iter().map(|r| r.0).collect());
    let p99 = |v: &[(f64, f64)]| median_of(v.iter().map(|r| r.1).collect());
    Row {
        name: "http requests/s".into(),
        unit: "/s",
        weave: rps(&w),
        tokio: rps(&t),
        smol: rps(&s),
    }
    .print();
    Row {
        name: "http p99 (wrk)".into(),
        unit: "µs",
        weave: p99(&w),
        tokio: p99(&t),
        smol: p99(&s),
    }
    .print();
}

fn main() {
    println!(
        "network benchmarks: {} workers each; throughput rows: higher is better\n",
        harness::workers()
    );
    Row::print_header();
    let rts = Runtimes::new();
    if harness::selected("tcp_echo") {
        tcp_echo(&rts);
    }
    if harness::selected("http") {
        http_load(&rts);
    }
}
