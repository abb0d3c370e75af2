//! An axum `Router` (axum without its `tokio` feature) served by
//! `weave_hyper::serve`: routes, a path parameter, JSON in and out, a
//! handler that awaits a weave timer, and a 404.

#[path = "../../../tests/support/mod.rs"]
mod support;

use axum::extract::Path;
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::future::IntoFuture;
use std::time::{Duration, Instant};
use support::watchdog;

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "Hello from axum on weave" }))
        .route(
            "/users/{id}",
            get(|Path(id): Path<u32>| async move { format!("user {id}") }),
        )
        .route(
            "/sum",
            post(|Json(body): Json<Value>| async move {
                let numbers = body["numbers"].as_array().cloned().unwrap_or_default();
                let sum: i64 = numbers.iter().filter_map(Value::as_i64).sum();
                Json(json!({ "sum": sum, "count": numbers.len() }))
            }),
        )
        .route(
            "/sleep/{ms}",
            get(|Path(ms): Path<u64>| async move {
                weave::sleep(Duration::from_millis(ms)).await;
                format!("slept {ms} ms")
            }),
        )
}

#[test]
fn router_served_by_weave_hyper() {
    watchdog("axum", || {
        weave::run(async {
            let listener = weave::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weave::spawn(weave_hyper::serve(listener, app()).into_future());
            let client = weave_hyper::client::<String>();
            let get = |path: &str| {
                let client = client.clone();
                let uri = format!("http://{addr}{path}").parse().unwrap();
                async move {
                    let response = client.get(uri).await.unwrap();
                    let status = response.status();
                    let body = response.into_body().collect().await.unwrap().to_bytes();
                    (status, String::from_utf8(body.to_vec()).unwrap())
                }
            };

            assert_eq!(
                get("/").await,
                (StatusCode::OK, "Hello from axum on weave".into())
            );
            assert_eq!(get("/users/42").await, (StatusCode::OK, "user 42".into()));
            assert_eq!(get("/users/x").await.0, StatusCode::BAD_REQUEST);
            assert_eq!(get("/nowhere").await.0, StatusCode::NOT_FOUND);

            let start = Instant::now();
            assert_eq!(
                get("/sleep/30").await,
                (StatusCode::OK, "slept 30 ms".into())
            );
            assert!(start.elapsed() >= Duration::from_millis(30));

            let req = Request::post(format!("http://{addr}/sum"))
                .header("content-type", "application/json")
                .body(json!({ "numbers": [1, 2, 3, 4] }).to_string())
                .unwrap();
            let response = client.request(req).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            let answer: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(answer, json!({ "sum": 10, "count": 4 }));
            server.cancel();
        })
    });
}
