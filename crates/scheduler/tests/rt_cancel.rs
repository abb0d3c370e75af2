//! `JoinHandle::cancel`: idle tasks are dropped at once, running ones at
//! their next suspension point, and awaiting reports the cancellation.

mod support;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use support::{rt, DropCounter};
use weave_scheduler::{spawn, yield_now};

#[test]
fn cancelling_an_idle_task_drops_its_future_before_cancel_returns() {
    let rt = rt(1);
    let drops = DropCounter::default();
    let guard = drops.guard();
    let started = Arc::new(AtomicBool::new(false));
    let handle = rt.spawn({
        let started = started.clone();
        async move {
            let _guard = guard;
            started.store(true, SeqCst);
            std::future::pending::<()>().await
        }
    });
    // Once the only worker has parked, the task's poll has returned: idle.
    while !started.load(SeqCst) || rt.handle().parked_workers() < 1 {
        std::thread::yield_now();
    }
    assert_eq!(drops.count(), 0);
    assert!(handle.cancel());
    assert_eq!(
        drops.count(),
        1,
        "the idle task's future was not dropped inside cancel()"
    );
    assert!(rt.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn cancelling_a_busy_task_stops_it_at_its_next_await() {
    let rt = rt(2);
    let drops = DropCounter::default();
    rt.block_on(async {
        let guard = drops.guard();
        let running = Arc::new(AtomicBool::new(false));
        let handle = spawn({
            let running = running.clone();
            async move {
                let _guard = guard;
                loop {
                    running.store(true, SeqCst);
                    yield_now().await;
                }
            }
        });
        while !running.load(SeqCst) {
            yield_now().await;
        }
        assert!(handle.cancel());
        let err = handle.await.unwrap_err();
        assert!(err.is_cancelled() && !err.is_panic());
        assert!(err.to_string().contains("cancelled"), "{err}");
    });
    assert_eq!(drops.count(), 1);
}

#[test]
fn cancel_after_completion_returns_false() {
    let rt = rt(1);
    rt.block_on(async {
        let handle = spawn(async { 5 });
        while !handle.is_finished() {
            yield_now().await;
        }
        assert!(!handle.cancel());
        assert_eq!(handle.await.unwrap(), 5);
    });
}

#[test]
fn cancel_before_the_first_poll_never_polls() {
    let rt = rt(1);
    let polled = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        // Spawned from block_on: queued in the injector, maybe not yet run.
        let handle = spawn({
            let polled = polled.clone();
            async move { polled.store(true, SeqCst) }
        });
        if handle.cancel() {
            assert!(handle.await.unwrap_err().is_cancelled());
            assert!(!polled.load(SeqCst));
        } else {
            handle.await.unwrap();
        }
    });
}

#[test]
fn a_detached_task_keeps_running() {
    let rt = rt(2);
    let (tx, rx) = std::sync::mpsc::channel();
    drop(rt.spawn(async move {
        yield_now().await;
        tx.send(42).unwrap();
    }));
    assert_eq!(
        rx.recv_timeout(std::time::Duration::from_secs(20)).unwrap(),
        42
    );
}
