//! Many HTTP requests at once, the asyncio way: a `Semaphore` caps how
//! many are in flight, `as_completed` hands back each answer as it
//! arrives, and `wait_for` gives every request a deadline. The requests go
//! through `weave_hyper::client()`, a pooled keep-alive client (aiohttp's
//! `ClientSession`).
//!
//! ```text
//! cargo run --release --example fetch_many
//! cargo run --release --example fetch_many -- --requests 200 --limit 20 --timeout-ms 100
//! ```
//!
//! The program starts a hyper server in-process on a free port: a request
//! for `/delay/<ms>` is answered after `<ms>` milliseconds. It then
//! requests `--requests` random delays; about one in five is slower than
//! `--timeout-ms` and is abandoned by `wait_for` (its future, and with it
//! the request, is dropped). In asyncio terms:
//!
//! ```python
//! sem = asyncio.Semaphore(limit)
//! async def fetch(session, url):
//!     async with sem:
//!         async with session.get(url) as response:
//!             return await asyncio.wait_for(response.text(), timeout)
//! async with aiohttp.ClientSession() as session:
//!     for next_done in asyncio.as_completed([fetch(session, u) for u in urls]):
//!         print(await next_done)
//! ```

#[path = "support/rng.rs"]
mod rng;

use bytes::Bytes;
use clap::Parser;
use http::{Request, Response, Uri};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use std::convert::Infallible;
use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weave::net::TcpListener;
use weave::sync::Semaphore;
use weave_hyper::Connector;

/// Fetch many URLs concurrently from an in-process server.
#[derive(Parser)]
struct Args {
    /// Number of requests.
    #[arg(long, default_value_t = 50)]
    requests: usize,
    /// At most this many requests in flight.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Deadline of each request, in milliseconds.
    #[arg(long, default_value_t = 300)]
    timeout_ms: u64,
    /// Seed for the random delays (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
}

/// The in-process server: `/delay/<ms>` waits that long, then everything
/// gets "Hello, world!".
async fn delayed_hello(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let delay = req
        .uri()
        .path()
        .strip_prefix("/delay/")
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::ZERO, Duration::from_millis);
    weave::sleep(delay).await;
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!",
    ))))
}

/// One GET: the status line and the body.
async fn get(
    client: &Client<Connector, Empty<Bytes>>,
    uri: Uri,
) -> Result<(String, String), String> {
    let response = client.get(uri).await.map_err(|e| e.to_string())?;
    let status = format!("{:?} {}", response.version(), response.status());
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?;
    Ok((
        status,
        String::from_utf8_lossy(&body.to_bytes()).into_owned(),
    ))
}

/// What became of one request.
enum Outcome {
    Ok { status: String, body: String },
    TimedOut,
    Failed(String),
}

fn main() {
    let args = Args::parse();
    assert!(
        args.limit > 0,
        "--limit must be at least 1 (requests in flight)"
    );
    let mut rng = args.seed.map_or_else(rng::Rng::from_time, rng::Rng::new);
    let timeout = Duration::from_millis(args.timeout_ms);
    // Fast (a tenth of the deadline at most) or slow (twice the deadline):
    // which requests time out is decided here, not by scheduling noise.
    let delays: Vec<u64> = (0..args.requests)
        .map(|_| match rng.randint(0, 4) {
            0 => 2 * args.timeout_ms,
            _ => rng.randint(0, args.timeout_ms / 10),
        })
        .collect();
    weave::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let service = weave_hyper::service_fn(delayed_hello);
        let server = weave::spawn(weave_hyper::serve(listener, service).into_future());
        println!(
            "server on http://{addr}; {} requests, at most {} at once, {} ms deadline each",
            args.requests, args.limit, args.timeout_ms
        );

        let client = weave_hyper::client::<Empty<Bytes>>();
        let sem = Semaphore::new(args.limit);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most_in_flight = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let fetches = delays.iter().map(|&ms| {
            let (sem, in_flight, most) = (sem.clone(), in_flight.clone(), most_in_flight.clone());
            let client = client.clone();
            async move {
                let path = format!("/delay/{ms}");
                let uri: Uri = format!("http://{addr}{path}").parse().unwrap();
                let _permit = sem.acquire().await;
                let now = in_flight.fetch_add(1, SeqCst) + 1;
                most.fetch_max(now, SeqCst);
                let began = Instant::now();
                let outcome = match weave::wait_for(get(&client, uri), timeout).await {
                    Ok(Ok((status, body))) => Outcome::Ok { status, body },
                    Ok(Err(err)) => Outcome::Failed(err),
                    Err(_) => Outcome::TimedOut,
                };
                in_flight.fetch_sub(1, SeqCst);
                (path, outcome, began.elapsed())
            }
        });
        let (mut ok, mut timed_out, mut failed) = (0, 0, 0);
        let mut done = weave::as_completed(fetches);
        while let Some((path, outcome, took)) = done.next().await {
            match outcome {
                Outcome::Ok { status, body } => {
                    ok += 1;
                    println!("GET {path} -> {status} {body:?} in {} ms", took.as_millis());
                }
                Outcome::TimedOut => {
                    timed_out += 1;
                    println!("GET {path} -> timed out after {} ms", args.timeout_ms);
                }
                Outcome::Failed(err) => {
                    failed += 1;
                    println!("GET {path} -> failed: {err}");
                }
            }
        }
        server.cancel();
        println!(
            "{ok} ok, {timed_out} timed out, {failed} failed in {:.2} s; at most {} in flight (limit {})",
            start.elapsed().as_secs_f64(),
            most_in_flight.load(SeqCst),
            args.limit
        );
    });
}
