//! An echo server on asyncio's `start_server`: every line a client sends
//! comes back. Runs until Ctrl-C, then waits for open connections to end.
//! Ctrl-\ (SIGQUIT) prints the task dump on stderr and the server goes on
//! (`Builder::dump_on_signal`).
//!
//! ```text
//! cargo run --release --example echo_server -- 127.0.0.1:7000
//! nc 127.0.0.1 7000
//! kill -QUIT <pid>     # the live tasks, on the server's stderr
//! ```
//!
//! With `--demo` it also connects a few clients to itself, prints what they
//! get back, and exits (this is what the test suite runs).

use clap::Parser;
use weave::net::{open_connection, start_server};

/// An echo server.
#[derive(Parser)]
struct Args {
    /// Address to listen on.
    #[arg(default_value = "127.0.0.1:7000")]
    addr: String,
    /// Connect a few clients to ourselves, print their echoes, and exit.
    #[arg(long)]
    demo: bool,
}

fn main() {
    let Args { addr, demo } = Args::parse();
    let rt = weave::Builder::new()
        .dump_on_signal(true)
        .build()
        .expect("building the runtime");
    rt.block_on(async move {
        let server = start_server(addr, |mut reader, mut writer| async move {
            let peer = reader.peer_addr().ok();
            let mut line = String::new();
            while reader.read_line(&mut line).await.unwrap_or(0) > 0 {
                if writer.write_all(line.as_bytes()).await.is_err() {
                    break;
                }
                line.clear();
            }
            let _ = writer.close().await;
            if let Some(peer) = peer {
                eprintln!("{peer} hung up");
            }
        })
        .await
        .expect("bind");
        let addr = server.local_addr().unwrap();
        println!("echoing on {addr}");
        if demo {
            let clients: Vec<_> = (0..3)
                .map(|i| {
                    weave::spawn(async move {
                        let (mut reader, mut writer) = open_connection(addr).await.unwrap();
                        writer
                            .write_all(format!("hello from client {i}\n").as_bytes())
                            .await
                            .unwrap();
                        let mut echo = String::new();
                        reader.read_line(&mut echo).await.unwrap();
                        writer.close().await.unwrap();
                        echo
                    })
                })
                .collect();
            for c in clients {
                print!("echo: {}", c.await.unwrap());
            }
        } else {
            weave::signal::ctrl_c().await.expect("listening for Ctrl-C");
        }
        server.close();
        server.wait_closed().await;
        println!("server closed");
    });
}
