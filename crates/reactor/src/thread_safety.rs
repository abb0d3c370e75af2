//! Compile-time checks of the thread safety the crate's docs promise
//! (`lib.rs`, "Thread safety", has the `compile_fail` half): every socket
//! type, the streams and the reactor are `Send + Sync`, and their I/O
//! futures are `Send`.

#![allow(dead_code)]

use crate::*;
use std::future::Future;

fn send_sync<T: Send + Sync>() {}

fn send_future<F: Future + Send>(_: F) {}

fn types() {
    send_sync::<Reactor>();
    send_sync::<Async<std::net::TcpStream>>();
    send_sync::<TcpListener>();
    send_sync::<TcpStream>();
    send_sync::<UdpSocket>();
    send_sync::<UnixListener>();
    send_sync::<UnixStream>();
    send_sync::<StreamReader>();
    send_sync::<StreamWriter>();
}

fn futures(listener: TcpListener, mut stream: TcpStream, udp: UdpSocket, mut buf: [u8; 4]) {
    send_future(TcpStream::connect("127.0.0.1:1"));
    send_future(TcpListener::bind("127.0.0.1:0"));
    send_future(listener.accept());
    send_future(stream.read(&mut buf));
    send_future(udp.recv_from(&mut buf));
    send_future(UnixStream::connect("/nonexistent"));
    send_future(signal::ctrl_c());
}
