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

#[path = "support/http.rs"]
mod http;

use http::{respond, Next};
use weave::net::TcpListener;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    weave::run(async move {
        let listener = TcpListener::bind(addr).await.expect("bind");
        println!("listening on http://{}", listener.local_addr().unwrap());
        let accept = weave::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    weave::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                drop(weave::spawn(async move {
                    let (mut input, mut output) =
                        (Vec::with_capacity(4096), Vec::with_capacity(4096));
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        input.extend_from_slice(&buf[..n]);
                        let next = respond(&mut input, &mut output);
                        if stream.write_all(&output).await.is_err() || next == Next::Close {
                            return;
                        }
                        output.clear();
                    }
                }));
            }
        });
        weave::signal::ctrl_c().await.expect("listening for Ctrl-C");
        accept.cancel();
        println!("stopped");
    });
}
