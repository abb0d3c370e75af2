//! `weave-reactor`: I/O readiness on top of the `polling` crate, and the
//! networking types built on it.
//!
//! - [`Reactor`]: one `polling::Poller` per runtime; sources registered
//!   edge-triggered, a readiness flag and a waiter list per direction per
//!   source (any number of tasks may wait to read, or to write, on one
//!   socket), deregistered on drop.
//! - [`Async<T>`]: any non-blocking file descriptor, awaitable.
//! - [`TcpListener`], [`TcpStream`], [`UdpSocket`], [`UnixListener`],
//!   [`UnixStream`], implementing `futures_io::AsyncRead` / `AsyncWrite`.
//! - asyncio's streams: [`open_connection`], [`StreamReader`],
//!   [`StreamWriter`].
//! - [`signal::ctrl_c`] and [`signal::terminate`].
//! - [`ChildExit`]: a child process's exit as a readiness event (a pidfd
//!   on Linux, SIGCHLD elsewhere).
//!
//! Inside a weave runtime the I/O types use the runtime's reactor, driven by
//! its workers; elsewhere (another executor, plain threads) a process-wide
//! reactor with its own thread drives them.
//!
//! ```
//! use weave_reactor::{TcpListener, TcpStream};
//! # weave_reactor::__block_on(async {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let mut client = TcpStream::connect(listener.local_addr()?).await?;
//! let (mut server, _) = listener.accept().await?;
//! client.write_all(b"ping").await?;
//! let mut buf = [0; 4];
//! server.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"ping");
//! # std::io::Result::Ok(()) }).unwrap();
//! ```
//!
//! ## Thread safety
//!
//! Every socket type and stream is `Send + Sync`, and so are the futures
//! of their I/O (`thread_safety.rs` checks the list at compile time): a
//! socket may move to another task or thread, and one reader and one
//! writer may use it at once. `Async<T>` is as thread-safe as the `T` it
//! wraps, so a descriptor owner that must stay on its thread does:
//!
//! ```compile_fail
//! use std::os::fd::{AsRawFd, OwnedFd, RawFd};
//! use std::rc::Rc;
//!
//! struct Local(Rc<OwnedFd>);
//! impl AsRawFd for Local {
//!     fn as_raw_fd(&self) -> RawFd {
//!         self.0.as_raw_fd()
//!     }
//! }
//! fn sent<T: Send>(_: T) {}
//! let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
//! sent(weave_reactor::Async::new(Local(Rc::new(a.into()))).unwrap());
//! ```

mod async_fd;
mod child;
mod context;
mod net;
mod reactor;
mod resolve;
pub mod signal;
mod source;
mod stream;
mod sys;
mod thread_safety;

pub use async_fd::Async;
pub use child::ChildExit;
pub use context::{enter, enter_fallback, BlockingJob, EnterGuard};
pub use net::tcp::{TcpListener, TcpStream};
pub use net::udp::UdpSocket;
pub use net::unix::{UnixListener, UnixStream};
pub use reactor::Reactor;
pub use stream::{open_connection, split, StreamReader, StreamWriter};
#[doc(hidden)]
pub use weave_sync::__block_on;
