//! A server that stops cleanly: on Ctrl-C or SIGTERM it stops accepting,
//! lets every request already in flight finish and be answered, closes
//! idle connections, and exits — waiting at most `--grace-ms` for
//! stragglers.
//!
//! ```text
//! cargo run --release --example graceful_shutdown            # then, elsewhere:
//! printf 'work 2000\n' | nc 127.0.0.1 8888                   # and press Ctrl-C meanwhile
//! cargo run --release --example graceful_shutdown -- --demo  # clients and SIGTERM built in
//! ```
//!
//! The protocol is one request per line: `work <ms>` is answered with
//! `done <ms>` after that many milliseconds of (simulated) work. The parts:
//!
//! - `start_server` runs a handler task per connection; `Server::close`
//!   stops accepting, `Server::wait_closed` waits for every handler;
//! - an `Event` tells the handlers to stop: each waits for its next request
//!   with `race(read_line, stopping.wait())`, so an idle connection closes
//!   at once while a request being worked on is finished first;
//! - `race(ctrl_c(), terminate())` waits for either signal, and
//!   `wait_for(server.wait_closed(), grace)` bounds the wait.

use clap::Parser;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use weave::net::{start_server, StreamReader, StreamWriter};
use weave::sync::Event;
use weave::Either;

/// A line-protocol server with graceful shutdown.
#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(default_value = "127.0.0.1:8888")]
    addr: String,
    /// Longest wait for in-flight requests after the signal, in ms.
    #[arg(long, default_value_t = 5000)]
    grace_ms: u64,
    /// Start three clients and send ourselves SIGTERM while they wait.
    #[arg(long)]
    demo: bool,
}

/// What the handlers share.
struct State {
    stopping: Event,
    in_flight: AtomicUsize,
    served: AtomicUsize,
}

async fn handle(state: Arc<State>, mut reader: StreamReader, mut writer: StreamWriter) {
    loop {
        let mut line = String::new();
        let read = match weave::race(reader.read_line(&mut line), state.stopping.wait()).await {
            Either::Left(read) => read,
            Either::Right(()) => break, // shutting down: no new requests
        };
        if !matches!(read, Ok(n) if n > 0) {
            break; // the client went away
        }
        let reply = match line.trim().strip_prefix("work ").map(str::parse::<u64>) {
            Some(Ok(ms)) => {
                state.in_flight.fetch_add(1, SeqCst);
                println!("working on `work {ms}`");
                weave::sleep(Duration::from_millis(ms)).await;
                state.in_flight.fetch_sub(1, SeqCst);
                state.served.fetch_add(1, SeqCst);
                format!("done {ms}\n")
            }
            _ => format!("error: expected `work <ms>`, got {:?}\n", line.trim()),
        };
        if writer.write_all(reply.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = writer.close().await;
}

/// The `--demo` clients: each asks for some work; then SIGTERM arrives.
async fn demo(addr: std::net::SocketAddr) {
    let mut clients = Vec::new();
    for ms in [300, 600, 900] {
        clients.push(weave::spawn(async move {
            let (mut reader, mut writer) = weave::net::open_connection(addr).await.unwrap();
            writer
                .write_all(format!("work {ms}\n").as_bytes())
                .await
                .unwrap();
            let mut reply = String::new();
            reader.read_line(&mut reply).await.unwrap();
            println!("client: asked for {ms} ms of work, got {:?}", reply.trim());
        }));
    }
    weave::sleep(Duration::from_millis(100)).await;
    println!("demo: sending ourselves SIGTERM");
    rustix::process::kill_process(rustix::process::getpid(), rustix::process::Signal::TERM)
        .expect("kill");
    for client in clients {
        client.await.expect("every client gets its answer");
    }
}

fn main() {
    let args = Args::parse();
    weave::run(async move {
        let state = Arc::new(State {
            stopping: Event::new(),
            in_flight: AtomicUsize::new(0),
            served: AtomicUsize::new(0),
        });
        let handler_state = state.clone();
        let server = start_server(args.addr.clone(), move |reader, writer| {
            handle(handler_state.clone(), reader, writer)
        })
        .await
        .unwrap_or_else(|err| panic!("cannot listen on {}: {err}", args.addr));
        let addr = server.local_addr().unwrap();
        // Poll the signal future once, which installs both handlers, before
        // announcing the address: a SIGTERM from then on is caught.
        let mut signal = std::pin::pin!(weave::race(
            weave::signal::ctrl_c(),
            weave::signal::terminate()
        ));
        std::future::poll_fn(|cx| {
            let _ = signal.as_mut().poll(cx);
            std::task::Poll::Ready(())
        })
        .await;
        println!("listening on {addr}");
        let demo = args.demo.then(|| weave::spawn(demo(addr)));
        let which = match signal.await {
            Either::Left(_) => "Ctrl-C",
            Either::Right(_) => "SIGTERM",
        };
        println!(
            "{which}: no new connections; finishing {} request(s) in flight",
            state.in_flight.load(SeqCst)
        );
        server.close();
        state.stopping.set();
        let grace = Duration::from_millis(args.grace_ms);
        match weave::wait_for(server.wait_closed(), grace).await {
            Ok(()) => println!(
                "shut down cleanly: {} request(s) served, every connection closed",
                state.served.load(SeqCst)
            ),
            Err(_) => println!(
                "grace period over: {} connection(s) still open are dropped",
                server.active_connections()
            ),
        }
        if let Some(demo) = demo {
            demo.await.unwrap();
        }
    });
}
