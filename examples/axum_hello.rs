//! An axum application on weave: routes, a path parameter, JSON in and
//! out, and a handler that awaits a weave timer, served by
//! `weave_hyper::serve` (axum's own `serve` needs tokio; axum itself does
//! not: it is built here without its `tokio` feature).
//!
//! ```text
//! cargo run --release --example axum_hello -- 127.0.0.1:3000
//! curl http://127.0.0.1:3000/                 # Hello from axum on weave!
//! curl http://127.0.0.1:3000/users/7          # {"id":7,"name":"user 7"}
//! curl -d '{"text":"hi","times":3}' -H 'content-type: application/json' \
//!      http://127.0.0.1:3000/repeat           # {"text":"hi hi hi","length":8}
//! curl http://127.0.0.1:3000/slow/250         # after 250 ms: waited 250 ms
//! ```
//!
//! Ctrl-C stops accepting, lets the requests in flight finish, and exits.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Parser;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use weave::net::TcpListener;

/// An axum server on weave.
#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(default_value = "127.0.0.1:3000")]
    addr: String,
}

/// A user, as `/users/{id}` answers it.
#[derive(Serialize)]
struct User {
    id: u32,
    name: String,
}

/// What `/repeat` takes.
#[derive(Deserialize)]
struct Repeat {
    text: String,
    times: usize,
}

/// What `/repeat` answers.
#[derive(Serialize)]
struct Repeated {
    text: String,
    length: usize,
}

async fn user(Path(id): Path<u32>) -> Json<User> {
    Json(User {
        id,
        name: format!("user {id}"),
    })
}

async fn repeat(Json(req): Json<Repeat>) -> Result<Json<Repeated>, (StatusCode, String)> {
    if req.times > 1000 {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("times is {}; at most 1000 repeats", req.times),
        ));
    }
    if req.text.len().saturating_mul(req.times) > 64 * 1024 {
        return Err((
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "{} repeats of {} bytes is more than the 64 KiB answer limit",
                req.times,
                req.text.len()
            ),
        ));
    }
    let text = vec![req.text; req.times].join(" ");
    Ok(Json(Repeated {
        length: text.len(),
        text,
    }))
}

/// Awaits a weave timer inside an axum handler.
async fn slow(Path(ms): Path<u64>) -> String {
    weave::sleep(Duration::from_millis(ms.min(10_000))).await;
    format!("waited {ms} ms")
}

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from axum on weave!" }))
        .route("/users/{id}", get(user))
        .route("/repeat", post(repeat))
        .route("/slow/{ms}", get(slow))
}

fn main() {
    let Args { addr } = Args::parse();
    weave::run(async move {
        let listener = TcpListener::bind(addr).await.expect("bind");
        println!("listening on http://{}", listener.local_addr().unwrap());
        weave_hyper::serve(listener, app())
            .with_graceful_shutdown(async {
                weave::signal::ctrl_c().await.expect("listening for Ctrl-C");
            })
            .await
            .expect("serving");
        println!("stopped");
    });
}
