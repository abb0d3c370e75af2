//! Panics in tasks and in futures' `Drop` are caught; workers survive.

mod support;

use std::future::Future;
use support::{quiet_planned_panics, rt};
use weave_scheduler::{spawn, yield_now};

#[test]
fn a_panicking_task_reports_is_panic_and_the_worker_survives() {
    quiet_planned_panics();
    let rt = rt(1);
    rt.block_on(async {
        for i in 0..100 {
            let err = spawn(async move {
                yield_now().await;
                panic!("planned panic {i}");
            })
            .await
            .unwrap_err();
            assert!(err.is_panic());
            assert!(
                err.to_string().contains(&format!("planned panic {i}")),
                "{err}"
            );
        }
        // The single worker is still alive.
        assert_eq!(spawn(async { 3 }).await.unwrap(), 3);
    });
}

#[test]
fn the_payload_can_be_resumed() {
    quiet_planned_panics();
    let rt = rt(1);
    let err = rt
        .block_on(rt.spawn(async { std::panic::panic_any(String::from("planned: custom")) }))
        .unwrap_err();
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "planned: custom");
}

#[test]
#[should_panic(expected = "cancelled, not one that panicked")]
fn into_panic_on_a_cancellation_names_the_mistake() {
    let rt = rt(1);
    let handle = rt.spawn(std::future::pending::<()>());
    handle.cancel();
    let err = rt.block_on(handle).unwrap_err();
    let _ = err.into_panic();
}

struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("planned panic in drop");
    }
}

#[test]
fn a_panic_in_drop_of_a_cancelled_future_is_reported_as_a_panic() {
    quiet_planned_panics();
    let rt = rt(2);
    rt.block_on(async {
        let started = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let handle = spawn({
            let started = started.clone();
            async move {
                let _bomb = PanicOnDrop;
                started.store(true, std::sync::atomic::Ordering::SeqCst);
                std::future::pending::<()>().await
            }
        });
        while !started.load(std::sync::atomic::Ordering::SeqCst) {
            yield_now().await;
        }
        handle.cancel();
        let err = handle.await.unwrap_err();
        assert!(err.is_panic(), "{err}");
        assert!(err.to_string().contains("planned panic in drop"));
    });
}

/// A future that is ready at once but panics when dropped afterwards.
struct ReadyThenBomb(#[allow(dead_code)] PanicOnDrop);

impl std::future::Future for ReadyThenBomb {
    type Output = u32;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<u32> {
        std::task::Poll::Ready(1)
    }
}

#[test]
fn a_panic_in_drop_after_completion_is_reported() {
    quiet_planned_panics();
    let rt = rt(1);
    let err = rt
        .block_on(rt.spawn(ReadyThenBomb(PanicOnDrop)))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("planned panic in drop"));
}

#[test]
fn panics_in_many_tasks_on_many_workers() {
    quiet_planned_panics();
    let rt = rt(4);
    rt.block_on(async {
        let handles: Vec<_> = (0..1000)
            .map(|i| {
                spawn(async move {
                    yield_now().await;
                    if i % 3 == 0 {
                        panic!("planned {i}");
                    }
                    i
                })
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            match h.await {
                Ok(v) => assert_eq!(v, i),
                Err(e) => assert!(i % 3 == 0 && e.is_panic()),
            }
        }
    });
}

/// An output whose `Drop` panics.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("planned: output drop");
    }
}

#[test]
fn dropping_the_handle_of_a_finished_task_swallows_its_outputs_drop_panic() {
    quiet_planned_panics();
    let rt = rt(1);
    let handle = rt.spawn(async { PanicsOnDrop });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !handle.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never finished"
        );
        std::thread::yield_now();
    }
    // The user dropped the handle: not interested in the output.
    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(handle)));
    assert!(
        dropped.is_ok(),
        "the output's Drop panic reached the dropper"
    );
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
}

/// A waker that panics when woken.
struct PanickingWaker;

impl std::task::Wake for PanickingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        panic!("planned: join waker");
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        panic!("planned: join waker");
    }
}

#[test]
fn a_panicking_join_waker_does_not_kill_the_worker() {
    quiet_planned_panics();
    let rt = rt(1);
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let mut handle = rt.spawn(async move {
        // Finishes once released, on the worker, which then wakes the
        // join waker below.
        weave_scheduler::spawn_blocking(move || rx.recv().unwrap())
            .await
            .unwrap();
        7
    });
    let waker = std::task::Waker::from(std::sync::Arc::new(PanickingWaker));
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(std::pin::Pin::new(&mut handle).poll(&mut cx).is_pending());
    tx.send(()).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !handle.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never finished"
        );
        std::thread::yield_now();
    }
    // The single worker survived the waker's panic and still runs tasks
    // (checked without blocking on it, so a dead worker fails the test).
    let more = rt.spawn(async { 40 + 2 });
    while !more.is_finished() {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker died with the waker's panic"
        );
        std::thread::yield_now();
    }
    assert_eq!(rt.block_on(more).unwrap(), 42);
    let noop = std::task::Context::from_waker(std::task::Waker::noop());
    let mut noop = noop;
    match std::pin::Pin::new(&mut handle).poll(&mut noop) {
        std::task::Poll::Ready(Ok(7)) => {}
        other => panic!("the output: {other:?}"),
    }
}
