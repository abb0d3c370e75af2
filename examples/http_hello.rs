//! A minimal HTTP/1.1 server with keep-alive: every request gets
//! "Hello, world!". The load-test target of the HTTP benchmark.
//!
//! ```text
//! cargo run --release --example http_hello -- 127.0.0.1:8080
//! curl http://127.0.0.1:8080/            # Hello, world!
//! wrk -t2 -c64 -d5s http://127.0.0.1:8080/
//! ```
//!
//! Each connection is a task: read what arrived, answer every complete
//! request in it (pipelined requests too), write the answers in one go.
//! Ctrl-C stops the server once the open connections are done.

#[path = "support/hello_server.rs"]
mod hello_server;

use clap::Parser;
use weave::net::TcpListener;

/// A minimal HTTP/1.1 server.
#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(default_value = "127.0.0.1:8080")]
    addr: String,
}

fn main() {
    let Args { addr } = Args::parse();
    weave::run(async move {
        let listener = TcpListener::bind(addr).await.expect("bind");
        println!("listening on http://{}", listener.local_addr().unwrap());
        let accept = weave::spawn(hello_server::serve(listener, hello_server::no_delay));
        weave::signal::ctrl_c().await.expect("listening for Ctrl-C");
        accept.cancel();
        println!("stopped");
    });
}
