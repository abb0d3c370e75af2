//! Network benchmarks over loopback: weave against tokio and smol
//! (`async-io`'s `Async<TcpStream>` on smol's executor).
//!
//! ```text
//! cargo bench --bench net
//! ```
//!
//! - tcp_echo: an echo server and 64 client connections in the same
//!   runtime; each client makes 2,000 round trips of 64 bytes. Round trips
//!   per second over the whole run, and the p99 of single round trips.
//!
//! The HTTP rows (hyper and the bare TCP path, loaded by wrk) are in
//! `benches/http.rs`.

#[path = "harness/mod.rs"]
mod harness;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use harness::{median_of, percentile, rounds, Row, Runtimes};
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
}
