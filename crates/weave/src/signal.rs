//! Signals for graceful shutdown: [`ctrl_c`] (SIGINT) and [`terminate`]
//! (SIGTERM), delivered through the runtime's reactor.
//!
//! ```no_run
//! weave::run(async {
//!     let server = weave::net::start_server("127.0.0.1:8080", |_r, _w| async {}).await.unwrap();
//!     weave::signal::ctrl_c().await.unwrap();
//!     server.close();
//!     server.wait_closed().await; // in-flight connections finish
//! });
//! ```

pub use weave_reactor::signal::{ctrl_c, terminate};
