//! The `http_hello` server as a function, so that examples can start it
//! in-process: accept connections on a weave `TcpListener`, one task per
//! connection, answering every request with "Hello, world!".

#![allow(dead_code)] // each example uses part of it

#[path = "http.rs"]
mod http;

use http::{respond, Next};
use std::time::Duration;
use weave::net::{TcpListener, TcpStream};

/// How long to wait before answering a request whose path is `path`.
pub type Delay = fn(path: &str) -> Duration;

/// Answers at once.
pub fn no_delay(_path: &str) -> Duration {
    Duration::ZERO
}

/// Accepts connections until cancelled; each is served by its own task.
pub async fn serve(listener: TcpListener, delay: Delay) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors or a reset before accept: try again.
            weave::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        drop(weave::spawn(connection(stream, delay)));
    }
}

/// Serves one connection: reads what arrived, answers every complete
/// request in it (pipelined ones too) in one write.
pub async fn connection(mut stream: TcpStream, delay: Delay) {
    let (mut input, mut output) = (Vec::with_capacity(4096), Vec::with_capacity(4096));
    let mut buf = [0u8; 4096];
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        input.extend_from_slice(&buf[..n]);
        let wait = delay(first_path(&input));
        if !wait.is_zero() {
            weave::sleep(wait).await;
        }
        let next = respond(&mut input, &mut output);
        if stream.write_all(&output).await.is_err() || next == Next::Close {
            return;
        }
        output.clear();
    }
}

/// The path of the first request line in `input` ("" if incomplete).
fn first_path(input: &[u8]) -> &str {
    let line = input.split(|&b| b == b'\r').next().unwrap_or_default();
    std::str::from_utf8(line)
        .ok()
        .and_then(|line| line.split(' ').nth(1))
        .unwrap_or("")
}
