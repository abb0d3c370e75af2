//! Dropping a runtime from every kind of thread, with work still waiting on
//! its timers and sockets: it never deadlocks, and what outlives it errors
//! instead of hanging or completing early. Every scenario runs under a
//! watchdog, so a regression fails instead of hanging the suite.

mod support;

use std::io::Write as _;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::within;
use weave::Runtime;

fn rt(workers: usize) -> Runtime {
    Runtime::builder().worker_threads(workers).build().unwrap()
}

#[test]
fn a_blocking_job_sleeping_in_block_on_does_not_hold_up_the_drop() {
    within(
        Duration::from_secs(20),
        "drop with a blocking job in block_on(sleep)",
        || {
            let rt = rt(2);
            let (started_tx, started) = mpsc::channel();
            let job = rt.spawn_blocking(move || {
                let handle = weave::Handle::current();
                started_tx.send(()).unwrap();
                handle.block_on(weave::sleep(Duration::from_secs(3600)));
            });
            started.recv().unwrap();
            let start = Instant::now();
            drop(rt);
            assert!(start.elapsed() < Duration::from_secs(10));
            // The job learnt that its runtime is gone (a panic, not an early
            // wake-up); the handle resolves.
            let waker = std::task::Waker::noop();
            let mut job = job;
            let polled = std::future::Future::poll(
                std::pin::Pin::new(&mut job),
                &mut std::task::Context::from_waker(waker),
            );
            match polled {
                std::task::Poll::Ready(Err(e)) => assert!(e.is_panic() || e.is_cancelled(), "{e}"),
                other => panic!("the blocking job's handle: {other:?}"),
            }
        },
    );
}

#[test]
fn a_blocking_job_reading_a_socket_in_block_on_gets_an_error_at_drop() {
    within(
        Duration::from_secs(20),
        "drop with a blocking job reading a socket",
        || {
            let rt = rt(2);
            let (done_tx, done) = mpsc::channel();
            let (started_tx, started) = mpsc::channel();
            rt.spawn_blocking(move || {
                let handle = weave::Handle::current();
                let result = handle.block_on(async {
                    let (mut a, _b) = weave::net::UnixStream::pair()?;
                    started_tx.send(()).unwrap();
                    let mut buf = [0u8; 8];
                    a.read(&mut buf).await
                });
                done_tx.send(result).unwrap();
            });
            started.recv().unwrap();
            drop(rt);
            let result = done
                .recv_timeout(Duration::from_secs(10))
                .expect("the read never ended");
            let err = result.expect_err("a read with no data and no runtime succeeded");
            assert!(err.to_string().contains("runtime"), "unclear error: {err}");
        },
    );
}

#[test]
fn a_runtime_dropped_on_its_own_blocking_thread_does_not_wait_for_itself() {
    within(
        Duration::from_secs(20),
        "drop on a blocking thread of the runtime",
        || {
            let rt = rt(2);
            let (tx, rx) = mpsc::channel::<Runtime>();
            let (done_tx, done) = mpsc::channel();
            rt.spawn_blocking(move || {
                let rt = rx.recv().unwrap();
                drop(rt);
                done_tx.send(()).unwrap();
            });
            tx.send(rt).unwrap();
            done.recv_timeout(Duration::from_secs(10))
                .expect("the drop deadlocked");
        },
    );
}

#[test]
fn shutdown_timeout_bounds_the_wait_for_a_worker_stuck_in_a_poll() {
    within(
        Duration::from_secs(20),
        "shutdown_timeout with a stuck worker",
        || {
            let rt = rt(2);
            let (started_tx, started) = mpsc::channel();
            rt.spawn(async move {
                started_tx.send(()).unwrap();
                // Blocks its worker (the misuse shutdown_timeout exists for).
                std::thread::sleep(Duration::from_secs(60));
            });
            started.recv().unwrap();
            let start = Instant::now();
            rt.shutdown_timeout(Duration::from_millis(100));
            let took = start.elapsed();
            assert!(
                took < Duration::from_secs(30),
                "waited {took:?} for the stuck worker"
            );
        },
    );
}

#[test]
fn a_socket_that_outlives_its_runtime_errors_instead_of_hanging() {
    within(
        Duration::from_secs(20),
        "a socket of a dropped runtime",
        || {
            let rt = rt(1);
            let (a, mut peer) = rt.block_on(async {
                let (a, b) = weave::net::UnixStream::pair().unwrap();
                (a, b)
            });
            drop(rt);
            let mut a = a;
            let read = weave_sync_free_block_on(async move {
                let mut buf = [0u8; 4];
                a.read(&mut buf).await
            });
            let err = read.expect_err("a read with no data succeeded");
            assert!(err.to_string().contains("runtime"), "unclear error: {err}");
            // Writing from the other side is still an error, not a hang.
            let err = weave_sync_free_block_on(async move { peer.write_all(&[0; 1 << 20]).await });
            assert!(err.is_err());
            let _ = std::io::stderr().flush();
        },
    );
}

/// A minimal executor for a future outside any runtime: polls it on this
/// thread, parking between polls.
fn weave_sync_free_block_on<F: std::future::Future>(future: F) -> F::Output {
    weave::sync::__block_on(future)
}

/// Counts drops of what a callback captured.
struct Witness(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Witness {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn call_soon_callbacks_never_outlive_the_runtime() {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    let dropped = Arc::new(AtomicUsize::new(0));
    let rt = rt(1);
    let handle = rt.handle();
    // Queued while the only worker is busy, then the runtime goes: the
    // callback runs or is dropped, but is gone once the drop returns (a
    // sender it owned would otherwise keep a waiter waiting forever).
    rt.spawn(async { std::thread::sleep(Duration::from_millis(50)) });
    let witness = Witness(dropped.clone());
    handle.call_soon(move || drop(witness));
    drop(rt);
    assert_eq!(
        dropped.load(SeqCst),
        1,
        "a queued callback outlived its runtime"
    );
    // Queued after the runtime is gone: dropped at once, not kept.
    let witness = Witness(dropped.clone());
    handle.call_soon(move || drop(witness));
    assert_eq!(
        dropped.load(SeqCst),
        2,
        "a callback queued after shutdown was kept"
    );
}

#[test]
fn a_unix_connect_waiting_on_a_full_backlog_does_not_hold_up_the_drop() {
    within(
        Duration::from_secs(30),
        "drop with a connect waiting for backlog room",
        || {
            let (listener, path) = support::tiny_backlog_listener("drop-backlog");
            let rt = rt(1);
            // Never accepted: past the backlog, connects wait on the blocking pool.
            for _ in 0..6 {
                let path = path.clone();
                drop(rt.spawn(async move { weave::net::UnixStream::connect(&path).await }));
            }
            let deadline = Instant::now() + Duration::from_secs(20);
            while rt.metrics().blocking_threads() == 0 {
                assert!(
                    Instant::now() < deadline,
                    "no connect ever waited on the blocking pool"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            drop(rt);
            drop(listener);
            let _ = std::fs::remove_file(&path);
        },
    );
}

#[test]
fn a_blocking_job_in_a_sleep_without_end_does_not_hold_up_the_drop() {
    within(
        Duration::from_secs(20),
        "drop with a blocking job in block_on(sleep(MAX))",
        || {
            let rt = rt(1);
            let (started_tx, started) = mpsc::channel();
            rt.spawn_blocking(move || {
                let handle = weave::Handle::current();
                started_tx.send(()).unwrap();
                handle.block_on(weave::sleep(Duration::MAX));
            });
            started.recv().unwrap();
            drop(rt);
        },
    );
}

#[test]
fn an_interval_that_never_ticks_again_does_not_hold_up_the_drop() {
    within(
        Duration::from_secs(20),
        "drop with a blocking job on a spent interval",
        || {
            let rt = rt(1);
            let (started_tx, started) = mpsc::channel();
            rt.spawn_blocking(move || {
                let handle = weave::Handle::current();
                handle.block_on(async move {
                    let mut ticks = weave::interval(Duration::MAX);
                    ticks.tick().await; // the first tick is at once; the next never
                    started_tx.send(()).unwrap();
                    ticks.tick().await;
                });
            });
            started.recv().unwrap();
            drop(rt);
        },
    );
}

#[test]
fn a_sleep_due_when_its_runtime_goes_completes_rather_than_panics() {
    within(Duration::from_secs(30), "a due sleep at shutdown", || {
        let rt = rt(1);
        // The only worker is stuck, so nobody fires the timer.
        let (stuck_tx, stuck) = mpsc::channel();
        rt.spawn(async move {
            stuck_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_secs(5));
        });
        stuck.recv().unwrap();
        let handle = rt.handle();
        let sleeper = std::thread::spawn(move || {
            handle.block_on(async { weave::sleep(Duration::from_millis(20)).await })
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        while rt.pending_timers() == 0 {
            assert!(Instant::now() < deadline, "the sleep never registered");
            std::thread::sleep(Duration::from_millis(1));
        }
        std::thread::sleep(Duration::from_millis(50)); // past its deadline
        rt.shutdown_timeout(Duration::from_millis(10));
        sleeper
            .join()
            .expect("a sleep past its deadline panicked at shutdown");
    });
}
