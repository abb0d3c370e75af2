//! asyncio's streams and servers: `open_connection`, `read_line`,
//! `read_until`, `read_exact`, half-close, `start_server` / `close` /
//! `wait_closed`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weave::net::{open_connection, start_server, TcpListener, TcpStream};

#[weave::test]
async fn read_line_read_until_and_read_exact() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (mut reader, _writer) = open_connection(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    // Split across writes so lines straddle reads.
    for chunk in [&b"first li"[..], b"ne\nsecond\nab;cd;", b"12345", b"tail"] {
        server.write_all(chunk).await.unwrap();
        weave::sleep(std::time::Duration::from_millis(2)).await;
    }
    drop(server);
    let mut line = String::new();
    assert_eq!(reader.read_line(&mut line).await.unwrap(), 11);
    assert_eq!(line, "first line\n");
    line.clear();
    reader.read_line(&mut line).await.unwrap();
    assert_eq!(line, "second\n");
    let mut field = Vec::new();
    assert_eq!(reader.read_until(b';', &mut field).await.unwrap(), 3);
    assert_eq!(field, b"ab;");
    field.clear();
    reader.read_until(b';', &mut field).await.unwrap();
    assert_eq!(field, b"cd;");
    let mut five = [0u8; 5];
    reader.read_exact(&mut five).await.unwrap();
    assert_eq!(&five, b"12345");
    line.clear();
    assert_eq!(
        reader.read_line(&mut line).await.unwrap(),
        4,
        "last line has no newline"
    );
    assert_eq!(line, "tail");
    line.clear();
    assert_eq!(
        reader.read_line(&mut line).await.unwrap(),
        0,
        "end of stream"
    );
    let err = reader.read_exact(&mut five).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
}

#[weave::test]
async fn half_close_works_both_ways() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (mut reader, mut writer) = open_connection(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (mut server, _) = listener.accept().await.unwrap();
    // Client closes its sending side; it can still read.
    writer.write_all(b"request").await.unwrap();
    writer.close().await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 16];
    loop {
        match server.read(&mut buf).await.unwrap() {
            0 => break,
            n => got.extend_from_slice(&buf[..n]),
        }
    }
    assert_eq!(got, b"request", "server saw the data, then end of stream");
    server.write_all(b"response").await.unwrap();
    // Server closes its sending side too.
    server.shutdown(std::net::Shutdown::Write).unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).await.unwrap();
    assert_eq!(line, "response");
    assert_eq!(reader.read(&mut buf).await.unwrap(), 0);
}

#[weave::test]
async fn start_server_serves_until_closed_and_wait_closed_waits_for_handlers() {
    let finished = Arc::new(AtomicUsize::new(0));
    let server = start_server("127.0.0.1:0", {
        let finished = finished.clone();
        move |mut reader, mut writer| {
            let finished = finished.clone();
            async move {
                let mut line = String::new();
                while reader.read_line(&mut line).await.unwrap() > 0 {
                    writer
                        .write_all(line.to_uppercase().as_bytes())
                        .await
                        .unwrap();
                    line.clear();
                }
                finished.fetch_add(1, SeqCst);
            }
        }
    })
    .await
    .unwrap();
    let addr = server.local_addr().unwrap();
    let mut conns = Vec::new();
    for i in 0..10 {
        let (mut r, mut w) = open_connection(addr).await.unwrap();
        w.write_all(format!("hello {i}\n").as_bytes())
            .await
            .unwrap();
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, format!("HELLO {i}\n"));
        conns.push((r, w));
    }
    assert_eq!(server.active_connections(), 10);
    server.close();
    assert!(!server.is_serving());
    server.serve_forever().await; // returns: closed
                                  // No new connections once closed (the listener goes
                                  // with the accept task, which may still be finishing
                                  // its poll on another worker).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "closed server still accepts"
        );
        weave::sleep(std::time::Duration::from_millis(5)).await;
    }
    // wait_closed waits for the live connections.
    let waiter = weave::spawn({
        let finished = finished.clone();
        async move {
            server.wait_closed().await;
            finished.load(SeqCst)
        }
    });
    weave::sleep(std::time::Duration::from_millis(20)).await;
    assert!(
        !waiter.is_finished(),
        "wait_closed returned with connections open"
    );
    for (_r, mut w) in conns {
        w.close().await.unwrap();
    }
    assert_eq!(waiter.await.unwrap(), 10);
}

/// `close` racing a connection the accept loop has just accepted: once
/// `wait_closed` returns, no handler runs and none starts later.
#[test]
fn wait_closed_never_returns_while_a_handler_runs() {
    let rt = weave::Builder::new().worker_threads(2).build().unwrap();
    rt.block_on(async {
        for _ in 0..100 {
            let running = Arc::new(AtomicUsize::new(0));
            let started = Arc::new(AtomicUsize::new(0));
            let (r, s) = (running.clone(), started.clone());
            let server = start_server("127.0.0.1:0", move |_reader, _writer| {
                let (r, s) = (r.clone(), s.clone());
                async move {
                    s.fetch_add(1, SeqCst);
                    r.fetch_add(1, SeqCst);
                    weave::sleep(std::time::Duration::from_millis(2)).await;
                    r.fetch_sub(1, SeqCst);
                }
            })
            .await
            .unwrap();
            let addr = server.local_addr().unwrap();
            let clients: Vec<_> = (0..4)
                .map(|_| weave::spawn(async move { TcpStream::connect(addr).await }))
                .collect();
            weave::yield_now().await;
            server.close();
            server.wait_closed().await;
            assert_eq!(
                running.load(SeqCst),
                0,
                "wait_closed returned while a handler ran"
            );
            let seen = started.load(SeqCst);
            for c in clients {
                let _ = c.await;
            }
            weave::sleep(std::time::Duration::from_millis(5)).await;
            assert_eq!(
                started.load(SeqCst),
                seen,
                "a handler started after wait_closed"
            );
        }
    });
}

/// A waker that calls back into the server when woken.
struct Reenters(
    std::sync::Mutex<Option<Arc<weave::net::Server>>>,
    Arc<AtomicUsize>,
);

impl std::task::Wake for Reenters {
    fn wake(self: Arc<Self>) {
        if let Some(server) = self.0.lock().unwrap().as_ref() {
            // Takes the server's own lock: close() must not hold it now.
            self.1.store(server.active_connections() + 1, SeqCst);
        }
    }
}

#[test]
fn close_wakes_serve_forever_without_holding_the_servers_lock() {
    let rt = weave::Builder::new().worker_threads(1).build().unwrap();
    let server = Arc::new(
        rt.block_on(start_server("127.0.0.1:0", |_r, _w| async {}))
            .unwrap(),
    );
    let seen = Arc::new(AtomicUsize::new(0));
    let waker = Arc::new(Reenters(
        std::sync::Mutex::new(Some(server.clone())),
        seen.clone(),
    ));
    let (done_tx, done) = std::sync::mpsc::channel();
    let closer = server.clone();
    std::thread::spawn(move || {
        let mut serving = Box::pin(closer.serve_forever());
        let waker = std::task::Waker::from(waker.clone());
        let mut cx = std::task::Context::from_waker(&waker);
        assert!(std::future::Future::poll(serving.as_mut(), &mut cx).is_pending());
        closer.close(); // wakes `serving`, whose waker re-enters the server
        drop(serving);
        waker.wake_by_ref();
        done_tx.send(()).unwrap();
    });
    done.recv_timeout(std::time::Duration::from_secs(20))
        .expect("close() deadlocked: it woke a waiter while holding the server's lock");
    assert_eq!(seen.load(SeqCst), 1, "the waker saw no connections");
}
