//! UDP, Unix sockets, failures (refused, reset), and the reactor's
//! wake-ups: from a foreign thread while the driver sleeps, readiness that
//! arrives between an attempt and its re-registration, and I/O while every
//! worker is busy.

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use weave::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};

fn rt(workers: usize) -> weave::Runtime {
    weave::Builder::new()
        .worker_threads(workers)
        .build()
        .unwrap()
}

#[weave::test]
async fn udp_round_trip_and_connected_send() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let echo = weave::spawn(async move {
        let mut buf = [0u8; 64];
        for _ in 0..3 {
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            b.send_to(&buf[..n], from).await.unwrap();
        }
    });
    for msg in [&b"one"[..], b"two"] {
        a.send_to(msg, b_addr).await.unwrap();
        let mut buf = [0u8; 64];
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (msg, b_addr));
    }
    a.connect(b_addr).await.unwrap();
    assert_eq!(a.peer_addr().unwrap(), b_addr);
    a.send(b"three").await.unwrap();
    let mut buf = [0u8; 64];
    let n = a.recv(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"three");
    echo.await.unwrap();
    assert_ne!(a_addr, b_addr);
}

#[test]
fn unix_listener_and_stream() {
    let path = std::env::temp_dir().join(format!("weave-test-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    weave::run({
        let path = path.clone();
        async move {
            let listener = UnixListener::bind(&path).await.unwrap();
            let server = weave::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 5];
                s.read_exact(&mut buf).await.unwrap();
                s.write_all(&buf).await.unwrap();
            });
            let mut c = UnixStream::connect(&path).await.unwrap();
            c.write_all(b"hello").await.unwrap();
            let mut buf = [0u8; 5];
            c.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello");
            server.await.unwrap();
            let (mut x, mut y) = UnixStream::pair().unwrap();
            x.write_all(b"pair").await.unwrap();
            let mut buf = [0u8; 4];
            y.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"pair");
            assert!(UnixStream::connect(path.with_extension("missing"))
                .await
                .is_err());
        }
    });
    std::fs::remove_file(&path).unwrap();
}

#[weave::test]
async fn connection_refused_is_an_error_not_a_hang() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    }; // closed: nothing listens there now
    let err = weave::wait_for(TcpStream::connect(addr), Duration::from_secs(10))
        .await
        .expect("connect hung")
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
}

#[weave::test]
async fn a_reset_peer_is_an_error_and_leaves_other_connections_alone() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut good = TcpStream::connect(addr).await.unwrap();
    let (mut good_srv, _) = listener.accept().await.unwrap();
    let mut bad = TcpStream::connect(addr).await.unwrap();
    let (bad_srv, _) = listener.accept().await.unwrap();
    // Abortive close: SO_LINGER 0 makes close() send RST.
    rustix::net::sockopt::set_socket_linger(&bad_srv, Some(Duration::ZERO)).unwrap();
    drop(bad_srv);
    let mut buf = [0u8; 8];
    let err = bad.read(&mut buf).await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    good.write_all(b"still ok").await.unwrap();
    good_srv.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"still ok");
}

#[test]
fn a_foreign_thread_wakes_the_worker_sleeping_in_the_poller() {
    let rt = rt(1);
    for _ in 0..20 {
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        let task = rt.spawn(async move {
            let mut ours = UnixStream::from_std(ours).unwrap();
            let mut buf = [0u8; 3];
            ours.read_exact(&mut buf).await.unwrap();
            buf
        });
        // The only worker goes idle and sleeps in the poller (no timers).
        std::thread::sleep(Duration::from_millis(5));
        std::thread::spawn(move || (&theirs).write_all(b"hey").unwrap())
            .join()
            .unwrap();
        assert_eq!(&rt.block_on(task).unwrap(), b"hey");
    }
    // A spawn from outside also reaches a worker asleep in the poller.
    std::thread::sleep(Duration::from_millis(5));
    assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7);
}

#[test]
fn readiness_is_not_lost_between_an_attempt_and_the_next_wait() {
    // Data lands at every possible moment relative to the reader's
    // WouldBlock and its wait; none of the round trips may hang.
    let rt = rt(2);
    rt.block_on(async {
        for i in 0..2_000u32 {
            let (a, b) = UnixStream::pair().unwrap();
            let (mut a, mut b) = (a, b);
            let reader = weave::spawn(async move {
                let mut buf = [0u8; 4];
                a.read_exact(&mut buf).await.unwrap();
                u32::from_le_bytes(buf)
            });
            if i % 3 == 0 {
                weave::yield_now().await;
            }
            b.write_all(&i.to_le_bytes()).await.unwrap();
            let got = weave::wait_for(reader, Duration::from_secs(10))
                .await
                .expect("a wake-up was lost")
                .unwrap();
            assert_eq!(got, i);
        }
    });
}

#[test]
fn io_is_not_starved_by_busy_workers() {
    let rt = rt(2);
    let stop = Arc::new(AtomicBool::new(false));
    let spinners: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            rt.spawn(async move {
                while !stop.load(SeqCst) {
                    weave::yield_now().await;
                }
            })
        })
        .collect();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = weave::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).await.unwrap();
            s.write_all(&buf).await.unwrap();
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        c.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        c.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"ping");
        server.await.unwrap();
    });
    stop.store(true, SeqCst);
    for s in spinners {
        rt.block_on(s).unwrap();
    }
}

#[test]
fn end_of_stream_that_arrives_with_the_data_is_seen() {
    // Data and FIN land before the reader looks: one readiness event for
    // both. A short read must not make the reader wait for another event.
    weave::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut server, _) = listener.accept().await.unwrap();
        client.write_all(b"last words").await.unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        weave::sleep(Duration::from_millis(20)).await;
        let mut buf = [0u8; 64];
        let n = server.read(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"last words");
        let eof = weave::wait_for(server.read(&mut buf), Duration::from_secs(10))
            .await
            .expect("end of stream was never reported");
        assert_eq!(eof.unwrap(), 0);
    });
}

/// A descriptor owner that implements `AsRawFd` only (no `AsFd`), as
/// older or FFI-backed types do.
struct RawOnly(std::os::unix::net::UnixStream);

impl std::os::fd::AsRawFd for RawOnly {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}

#[weave::test]
async fn async_wraps_any_raw_fd_owner() {
    use std::io::Read;
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let ours = weave::net::Async::new(RawOnly(ours)).unwrap();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10));
        (&theirs).write_all(b"raw").unwrap();
        theirs
    });
    ours.readable().await.unwrap();
    let mut buf = [0u8; 3];
    let n = ours.read_with(|s| (&s.0).read(&mut buf)).await.unwrap();
    assert_eq!(&buf[..n], b"raw");
    drop(writer.join().unwrap());
}

/// Two tasks write 1 MiB each through `AsyncWrite for &UnixStream` while
/// a plain thread reads all 2 MiB: both must be woken as room appears (a
/// single waker slot per direction lost one of them).
#[test]
fn two_tasks_writing_through_a_shared_stream_are_both_woken() {
    use futures::io::AsyncWriteExt;
    const EACH: usize = 1 << 20;
    for workers in [1, 2] {
        let rt = rt(workers);
        let (mine, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        theirs
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let reader = std::thread::spawn(move || {
            let mut theirs = theirs;
            let mut buf = vec![0u8; 64 * 1024];
            let mut total = 0;
            while total < 2 * EACH {
                match std::io::Read::read(&mut theirs, &mut buf) {
                    Ok(0) => break,
                    Ok(n) => total += n,
                    Err(e) => {
                        panic!("reader gave up after {total} bytes: {e} (a writer was never woken)")
                    }
                }
                // Slow enough that both writers fill the buffer and wait.
                std::thread::sleep(Duration::from_micros(200));
            }
            total
        });
        rt.block_on(async move {
            let stream = Arc::new(UnixStream::from_std(mine).unwrap());
            let writers: Vec<_> = (0..2u8)
                .map(|i| {
                    let stream = stream.clone();
                    weave::spawn(async move {
                        let data = vec![i; EACH];
                        (&mut &*stream).write_all(&data).await.unwrap();
                    })
                })
                .collect();
            let all = weave::gather(writers);
            // A watchdog: a lost wake-up fails here instead of hanging.
            let done = weave::wait_for(all, Duration::from_secs(30)).await;
            for w in done.expect("a writer was never woken") {
                w.unwrap();
            }
        });
        assert_eq!(reader.join().unwrap(), 2 * EACH, "{workers} workers");
    }
}

/// `UnixStream::connect` to a listener whose backlog is full waits for
/// room instead of failing with `EAGAIN`.
#[test]
fn unix_connect_waits_when_the_backlog_is_full() {
    let (std_listener, path) = support::tiny_backlog_listener("backlog");
    let rt = rt(2);
    rt.block_on(async {
        let listener = UnixListener::from_std(std_listener).unwrap();
        const N: usize = 8; // far past a backlog of 1
        let clients: Vec<_> = (0..N)
            .map(|_| {
                let path = path.clone();
                weave::spawn(async move { UnixStream::connect(&path).await })
            })
            .collect();
        // Let every connect reach the kernel before anyone is accepted.
        weave::sleep(Duration::from_millis(50)).await;
        let accepted = weave::spawn(async move {
            let mut held = Vec::new();
            for _ in 0..N {
                held.push(listener.accept().await.unwrap().0);
            }
            held
        });
        for c in clients {
            c.await
                .unwrap()
                .expect("connect to a full backlog failed instead of waiting");
        }
        assert_eq!(accepted.await.unwrap().len(), N);
    });
    let _ = std::fs::remove_file(&path);
}

/// `read_uninit` fills a buffer that was never initialised, reports end of
/// stream as `Ok(0)`, and its poll form works through a shared reference.
#[test]
fn reads_into_uninitialised_buffers() {
    use std::mem::MaybeUninit;
    rt(2).block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = weave::gather!(client, listener.accept()).await;
        let (mut client, mut server) = (client.unwrap(), accepted.unwrap().0);
        server.write_all(b"hello").await.unwrap();
        let mut buf = [MaybeUninit::<u8>::uninit(); 64];
        let n = client.read_uninit(&mut buf).await.unwrap();
        // SAFETY: `read_uninit` initialised the first `n` bytes.
        let got = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
        assert_eq!(got, b"hello");
        server.write_all(b"again").await.unwrap();
        let n = std::future::poll_fn(|cx| client.poll_read_uninit(cx, &mut buf))
            .await
            .unwrap();
        assert_eq!(n, 5);
        drop(server);
        assert_eq!(
            client.read_uninit(&mut buf).await.unwrap(),
            0,
            "end of stream"
        );

        let (mut left, mut right) = UnixStream::pair().unwrap();
        right.write_all(b"unix").await.unwrap();
        assert_eq!(left.read_uninit(&mut buf).await.unwrap(), 4);
    });
}

/// A short `read_uninit` on TCP clears read readiness where the reactor
/// reports the end of stream on its own. Data and the end queued before
/// the read (one readiness event, or two seen before the read): the short
/// read must not make the reader wait for an event that never comes. And
/// an end that arrives after the reader went back to waiting wakes it.
#[test]
fn an_end_behind_a_short_read_is_seen() {
    use std::mem::MaybeUninit;
    rt(2).block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        for end_first in [true, false] {
            let client = TcpStream::connect(listener.local_addr().unwrap());
            let (client, accepted) = weave::gather!(client, listener.accept()).await;
            let (mut client, mut server) = (client.unwrap(), accepted.unwrap().0);
            let mut buf = [MaybeUninit::<u8>::uninit(); 64];
            for round in 0..20u8 {
                client.write_all(&[round; 3]).await.unwrap();
                assert_eq!(
                    server.read_uninit(&mut buf).await.unwrap(),
                    3,
                    "a short read"
                );
            }
            if end_first {
                // Both queued, and the reactor given every chance to report
                // them, before the read.
                client.write_all(b"abc").await.unwrap();
                client.shutdown(std::net::Shutdown::Write).unwrap();
                for _ in 0..20 {
                    weave::yield_now().await;
                }
                assert_eq!(server.read_uninit(&mut buf).await.unwrap(), 3);
                let end = weave::wait_for(server.read_uninit(&mut buf), Duration::from_secs(10))
                    .await
                    .expect("the end behind the data was never reported");
                assert_eq!(end.unwrap(), 0);
            } else {
                let reader = weave::spawn(async move {
                    let mut buf = [MaybeUninit::<u8>::uninit(); 64];
                    server.read_uninit(&mut buf).await.unwrap()
                });
                // Until the reader task is waiting (idle) in its read.
                let handle = weave::Handle::current();
                while !handle
                    .dump()
                    .iter()
                    .any(|t| t.state() == weave::TaskState::Idle && t.polls() > 0)
                {
                    weave::yield_now().await;
                }
                client.shutdown(std::net::Shutdown::Write).unwrap();
                let end = weave::wait_for(reader, Duration::from_secs(10))
                    .await
                    .expect("an end of stream was never reported");
                assert_eq!(end.unwrap(), 0);
            }
        }
    });
}
