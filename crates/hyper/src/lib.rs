//! # weave-hyper
//!
//! hyper 1.x, hyper-util and tower on the weave runtime — what
//! hyper-util's `rt::tokio` is for tokio:
//!
//! | piece | for | tokio's |
//! |---|---|---|
//! | [`WeaveIo`] | a weave socket as hyper's IO (and back) | `TokioIo` |
//! | [`WeaveExecutor`] | hyper's background tasks as weave tasks | `TokioExecutor` |
//! | [`WeaveTimer`] | hyper's timeouts on weave's timers | `TokioTimer` |
//! | [`serve`] | a server for any tower service (an axum `Router`, a [`service_fn`]) | `axum::serve` |
//! | [`client`], [`Connector`] | hyper-util's pooled client on weave TCP | `HttpConnector` |
//!
//! A server and a client in one program:
//!
//! ```
//! use http::{Request, Response};
//! use hyper::body::Incoming;
//! use std::convert::Infallible;
//! use std::future::IntoFuture;
//!
//! /// Answers every request with its path.
//! #[derive(Clone)]
//! struct Echo;
//!
//! impl tower_service::Service<Request<Incoming>> for Echo {
//!     type Response = Response<String>;
//!     type Error = Infallible;
//!     type Future = std::future::Ready<Result<Response<String>, Infallible>>;
//!
//!     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
//!         std::task::Poll::Ready(Ok(()))
//!     }
//!
//!     fn call(&mut self, req: Request<Incoming>) -> Self::Future {
//!         std::future::ready(Ok(Response::new(req.uri().path().to_owned())))
//!     }
//! }
//!
//! weave::run(async {
//!     let listener = weave::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     let server = weave::spawn(weave_hyper::serve(listener, Echo).into_future());
//!
//!     let client = weave_hyper::client::<String>();
//!     for path in ["/a", "/b"] {
//!         let response = client.get(format!("http://{addr}{path}").parse().unwrap()).await.unwrap();
//!         assert_eq!(response.status(), 200);
//!     }
//!     server.cancel(); // stops accepting
//! });
//! ```
//!
//! axum works without its `tokio` feature: `weave_hyper::serve(listener,
//! router)` in place of `axum::serve`. hyper-util's `client-legacy`
//! feature, which [`client`] is built on, brings tokio's I/O and sync
//! types into the build (hyper's HTTP/2 crate does too); no tokio runtime
//! is started or needed.

mod client;
mod executor;
mod io;
mod serve;
mod service;
mod timer;

pub use client::{client, client_builder, Connecting, Connector};
pub use executor::WeaveExecutor;
pub use io::WeaveIo;
pub use serve::{serve, Serve, ServeFuture, ServeService, WithGracefulShutdown};
pub use service::{service_fn, ServiceFn};
pub use timer::WeaveTimer;
