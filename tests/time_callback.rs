//! `call_later`, `call_at`, `call_soon` and `TimerHandle`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use weave::{call_at, call_later, call_soon, sleep};

#[weave::test]
async fn call_later_runs_after_its_delay_inside_the_runtime() {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    call_later(Duration::from_millis(10), move || {
        // Inside the runtime: spawning works.
        let task = weave::spawn(async { 5 });
        tx.send((start.elapsed(), task)).unwrap();
    });
    sleep(Duration::from_millis(100)).await;
    let (elapsed, task) = rx.try_recv().expect("the callback did not run");
    assert!(elapsed >= Duration::from_millis(10));
    assert_eq!(task.await.unwrap(), 5);
}

#[weave::test]
async fn cancel_prevents_the_call_and_reports_whether_it_was_pending() {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let handle = call_later(Duration::from_millis(5), move || {
        r.fetch_add(1, SeqCst);
    });
    assert!(handle.cancel());
    assert!(!handle.cancel());
    let r = ran.clone();
    let fired = call_later(Duration::ZERO, move || {
        r.fetch_add(10, SeqCst);
    });
    sleep(Duration::from_millis(30)).await;
    assert_eq!(ran.load(SeqCst), 10);
    assert!(!fired.cancel(), "it already ran");
}

#[weave::test]
async fn dropping_the_handle_does_not_cancel() {
    let (tx, rx) = mpsc::channel();
    drop(call_later(Duration::from_millis(1), move || {
        tx.send(()).unwrap()
    }));
    sleep(Duration::from_millis(30)).await;
    assert!(rx.try_recv().is_ok());
}

#[weave::test]
async fn call_at_in_the_past_runs_soon_and_max_never_runs() {
    let (tx, rx) = mpsc::channel();
    call_at(Instant::now() - Duration::from_secs(10), move || {
        tx.send(()).unwrap()
    });
    let never = call_later(Duration::MAX, || panic!("ran a call_later(Duration::MAX)"));
    assert!(never.when().is_none());
    sleep(Duration::from_millis(20)).await;
    assert!(rx.try_recv().is_ok());
    assert!(never.cancel(), "a never-due callback stays cancellable");
}

#[weave::test]
async fn a_panicking_callback_does_not_stop_the_others() {
    let ran = Arc::new(AtomicUsize::new(0));
    call_later(Duration::from_millis(1), || {
        panic!("callback failure on purpose")
    });
    let r = ran.clone();
    call_later(Duration::from_millis(2), move || {
        r.fetch_add(1, SeqCst);
    });
    sleep(Duration::from_millis(40)).await;
    assert_eq!(ran.load(SeqCst), 1);
    // The workers are alive.
    assert_eq!(weave::spawn(async { 3 }).await.unwrap(), 3);
}

#[test]
fn call_soon_runs_callbacks_in_fifo_order_from_many_threads() {
    let rt = weave::Runtime::builder().worker_threads(2).build().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    std::thread::scope(|s| {
        for t in 0..4 {
            let handle = rt.handle();
            let log = log.clone();
            s.spawn(move || {
                for i in 0..500 {
                    let log = log.clone();
                    handle.call_soon(move || log.lock().unwrap().push((t, i)));
                }
            });
        }
    });
    let (tx, rx) = mpsc::channel();
    rt.handle().call_soon(move || tx.send(()).unwrap());
    rx.recv_timeout(Duration::from_secs(30)).unwrap();
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 2000);
    for t in 0..4 {
        let mine: Vec<_> = log
            .iter()
            .filter(|(th, _)| *th == t)
            .map(|(_, i)| *i)
            .collect();
        assert_eq!(
            mine,
            (0..500).collect::<Vec<_>>(),
            "thread {t}'s callbacks out of order"
        );
    }
}

#[weave::test]
async fn call_soon_in_a_task_keeps_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    for i in 0..100 {
        let log = log.clone();
        call_soon(move || log.lock().unwrap().push(i));
    }
    // In order: once a last callback has run, so have the hundred.
    let (done, ran) = weave::sync::oneshot();
    call_soon(move || done.send(()).unwrap());
    ran.await.unwrap();
    assert_eq!(*log.lock().unwrap(), (0..100).collect::<Vec<_>>());
}

#[test]
fn callbacks_outside_a_runtime_panic_with_the_fix() {
    for (name, f) in [
        (
            "call_later",
            Box::new(|| drop(call_later(Duration::ZERO, || {}))) as Box<dyn Fn()>,
        ),
        ("call_at", Box::new(|| drop(call_at(Instant::now(), || {})))),
        ("call_soon", Box::new(|| call_soon(|| {}))),
    ] {
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_err();
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(
            msg.contains(&format!("{name} called outside a runtime")),
            "{msg}"
        );
    }
}

#[test]
fn pending_callbacks_are_dropped_with_the_runtime() {
    struct Flag(Arc<AtomicUsize>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let rt = weave::Runtime::builder().worker_threads(1).build().unwrap();
    let flag = Flag(dropped.clone());
    rt.block_on(async move {
        call_later(Duration::from_secs(3600), move || drop(flag));
    });
    assert_eq!(rt.pending_timers(), 1);
    drop(rt);
    assert_eq!(dropped.load(SeqCst), 1, "the callback's captures leaked");
}

/// A panic payload whose own `Drop` panics.
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("planned: the payload's drop");
    }
}

#[weave::test]
async fn a_callback_whose_panic_payload_panics_on_drop_stops_nothing() {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    call_soon(|| std::panic::panic_any(PanicsOnDrop));
    weave::call_later(Duration::ZERO, || std::panic::panic_any(PanicsOnDrop));
    let (done, ran) = weave::sync::oneshot();
    // Queued behind them: runs, so the drainer (and the timers) went on.
    call_soon(move || done.send(()).unwrap());
    weave::wait_for(ran, Duration::from_secs(20))
        .await
        .unwrap()
        .unwrap();
    let (done, ran) = weave::sync::oneshot();
    weave::call_later(Duration::from_millis(1), move || done.send(()).unwrap());
    weave::wait_for(ran, Duration::from_secs(20))
        .await
        .unwrap()
        .unwrap();
    std::panic::set_hook(hook);
}
