//! Dropping a runtime: every task cancelled, every future dropped exactly
//! once, threads joined; wakers and handles that outlive it are harmless.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};
use support::{poll_once, rt, DropCounter};
use weave_scheduler::{spawn, yield_now, Handle};

#[test]
fn drop_cancels_idle_tasks_and_drops_each_future_once() {
    let drops = DropCounter::default();
    let wakers: Arc<parking_lot::Mutex<Vec<Waker>>> = Arc::default();
    let rt = rt(2);
    let handles: Vec<_> = (0..1000)
        .map(|_| {
            let guard = drops.guard();
            let wakers = wakers.clone();
            rt.spawn(async move {
                let _guard = guard;
                std::future::poll_fn(|cx| {
                    wakers.lock().push(cx.waker().clone());
                    Poll::<()>::Pending
                })
                .await
            })
        })
        .collect();
    while wakers.lock().len() < 1000 {
        std::thread::yield_now();
    }
    assert_eq!(rt.alive_tasks(), 1000);
    drop(rt);
    assert_eq!(drops.count(), 1000);
    for handle in handles {
        match poll_once(handle) {
            Poll::Ready(Err(err)) => assert!(err.is_cancelled()),
            _ => panic!("a JoinHandle of a dropped runtime must resolve to cancelled"),
        }
    }
    // Wakers that outlive the runtime are harmless.
    for waker in wakers.lock().drain(..) {
        waker.wake();
    }
    assert_eq!(drops.count(), 1000);
}

#[test]
fn drop_waits_for_a_running_poll() {
    let rt = rt(2);
    let finished = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = mpsc::channel();
    rt.spawn({
        let finished = finished.clone();
        async move {
            started_tx.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(100));
            finished.store(true, SeqCst);
        }
    });
    started_rx.recv().unwrap();
    drop(rt);
    assert!(
        finished.load(SeqCst),
        "drop returned while a poll was running"
    );
}

#[test]
fn a_future_that_spawns_while_being_dropped_does_not_hang_shutdown() {
    struct SpawnOnDrop(Handle, Arc<AtomicUsize>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let counter = self.1.clone();
            let late = self.0.spawn(async move {
                counter.fetch_add(1, SeqCst);
            });
            // The runtime is shutting down: the late task is cancelled.
            assert!(matches!(poll_once(late), Poll::Ready(Err(e)) if e.is_cancelled()));
        }
    }
    let rt = rt(2);
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..10 {
        let guard = SpawnOnDrop(rt.handle().clone(), ran.clone());
        rt.spawn(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
    }
    drop(rt);
    assert_eq!(ran.load(SeqCst), 0);
}

#[test]
fn spawning_on_a_handle_of_a_dropped_runtime_gives_a_cancelled_task() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    drop(rt);
    let drops = DropCounter::default();
    let guard = drops.guard();
    let join = handle.spawn(async move {
        let _guard = guard;
    });
    assert_eq!(drops.count(), 1, "the future is dropped, not leaked");
    assert!(matches!(poll_once(join), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn shutdown_timeout_bounds_the_wait_for_blocking_jobs() {
    let rt = rt(1);
    let (tx, rx) = mpsc::channel();
    rt.spawn_blocking(move || {
        tx.send(()).unwrap();
        std::thread::sleep(Duration::from_secs(60));
    });
    rx.recv().unwrap();
    let start = Instant::now();
    rt.shutdown_timeout(Duration::from_millis(50));
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "shutdown_timeout waited for the whole blocking job"
    );
}

#[test]
fn runtimes_come_and_go() {
    for workers in [1, 2, 4] {
        for _ in 0..20 {
            let rt = rt(workers);
            let n = rt.block_on(async {
                let hs: Vec<_> = (0..50)
                    .map(|i| {
                        spawn(async move {
                            yield_now().await;
                            i
                        })
                    })
                    .collect();
                let mut n = 0;
                for h in hs {
                    n += h.await.unwrap();
                }
                n
            });
            assert_eq!(n, 1225);
        }
    }
}
