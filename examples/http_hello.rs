//! "Hello, world!" over HTTP with hyper on weave: `weave_hyper::serve`
//! answers HTTP/1.1 (keep-alive, pipelining) and HTTP/2 (prior knowledge),
//! one task per connection. The load-test target of the HTTP benchmark.
//!
//! ```text
//! cargo run --release --example http_hello -- 127.0.0.1:8080
//! curl http://127.0.0.1:8080/                          # Hello, world!
//! curl --http2-prior-knowledge http://127.0.0.1:8080/  # the same over HTTP/2
//! wrk -t2 -c64 -d5s http://127.0.0.1:8080/
//! ```
//!
//! Ctrl-C stops accepting, lets the requests in flight finish, and exits.

use bytes::Bytes;
use clap::Parser;
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::Incoming;
use std::convert::Infallible;
use weave::net::TcpListener;

/// A hyper "Hello, world!" server.
#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(default_value = "127.0.0.1:8080")]
    addr: String,
}

/// Every request gets the same answer.
async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, world!",
    ))))
}

fn main() {
    let Args { addr } = Args::parse();
    weave::run(async move {
        let listener = TcpListener::bind(addr).await.expect("bind");
        println!("listening on http://{}", listener.local_addr().unwrap());
        weave_hyper::serve(listener, weave_hyper::service_fn(hello))
            .with_graceful_shutdown(async {
                weave::signal::ctrl_c().await.expect("listening for Ctrl-C");
            })
            .await
            .expect("serving");
        println!("stopped");
    });
}
