//! Networking (the `weave-reactor` crate) plus asyncio's servers.
//!
//! TCP, UDP and Unix sockets implementing `futures_io::AsyncRead` /
//! `AsyncWrite`, [`Async`] for any non-blocking file descriptor, asyncio's
//! streams ([`open_connection`], [`StreamReader`], [`StreamWriter`]) and
//! [`start_server`].
//!
//! ```
//! use weave::net::{open_connection, start_server};
//!
//! weave::run(async {
//!     // An echo server: each connection gets its own task.
//!     let server = start_server("127.0.0.1:0", |mut reader, mut writer| async move {
//!         let mut line = String::new();
//!         while reader.read_line(&mut line).await.unwrap_or(0) > 0 {
//!             writer.write_all(line.as_bytes()).await.unwrap();
//!             line.clear();
//!         }
//!     })
//!     .await
//!     .unwrap();
//!
//!     let (mut reader, mut writer) = open_connection(server.local_addr().unwrap()).await.unwrap();
//!     writer.write_all(b"hello\n").await.unwrap();
//!     let mut echo = String::new();
//!     reader.read_line(&mut echo).await.unwrap();
//!     assert_eq!(echo, "hello\n");
//!     server.close(); // stop accepting
//!     writer.close().await.unwrap(); // our connection ends: its handler returns
//!     server.wait_closed().await; // every handler has returned
//! });
//! ```

mod backoff;
mod server;

pub use backoff::AcceptBackoff;
pub use server::{start_server, Server};
pub use weave_reactor::{
    open_connection, split, Async, Reactor, StreamReader, StreamWriter, TcpListener, TcpStream,
    UdpSocket, UnixListener, UnixStream,
};
