//! The facade's entry points: `run`, `Runtime`, `Builder`, `Handle`,
//! `to_thread`, and their messages on misuse.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn run_returns_the_output_and_cancels_leftover_tasks() {
    struct Mark(Arc<AtomicUsize>);
    impl Drop for Mark {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let out = weave::run({
        let drops = drops.clone();
        async move {
            for _ in 0..10 {
                let mark = Mark(drops.clone());
                weave::spawn(async move {
                    let _mark = mark;
                    std::future::pending::<()>().await
                });
            }
            "done"
        }
    });
    assert_eq!(out, "done");
    assert_eq!(drops.load(SeqCst), 10, "run must cancel what is left");
}

#[test]
fn the_main_future_need_not_be_send() {
    let local = std::rc::Rc::new(5);
    let out = weave::run(async move {
        weave::yield_now().await;
        *local + 1
    });
    assert_eq!(out, 6);
}

#[test]
fn run_inside_run_panics_naming_the_fix() {
    let err = std::panic::catch_unwind(|| weave::run(async { weave::run(async {}) })).unwrap_err();
    let msg = message(err);
    assert!(
        msg.contains("weave::run called from inside a runtime"),
        "{msg}"
    );
    assert!(msg.contains(".await") && msg.contains("spawn"), "{msg}");
}

#[test]
fn run_inside_a_task_panics_and_the_task_reports_it() {
    let err = weave::run(async { weave::spawn(async { weave::run(async {}) }).await }).unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("from inside a runtime"), "{err}");
}

#[test]
fn spawn_outside_a_runtime_panics_naming_the_fix() {
    let err = std::panic::catch_unwind(|| weave::spawn(async {})).unwrap_err();
    let msg = message(err);
    assert!(
        msg.contains("outside a runtime") && msg.contains("Handle::spawn"),
        "{msg}"
    );
}

#[test]
fn zero_workers_is_an_error() {
    let err = weave::Builder::new().worker_threads(0).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("at least one worker"), "{err}");
}

#[test]
fn to_thread_runs_off_the_workers_and_propagates_panics() {
    weave::run(async {
        let here = std::thread::current().id();
        let there = weave::to_thread(|| std::thread::current().id()).await;
        assert_ne!(here, there);
        let task =
            weave::spawn(async { weave::to_thread(|| -> u32 { panic!("disk on fire") }).await });
        let err = task.await.unwrap_err();
        assert!(err.is_panic());
        assert!(err.to_string().contains("disk on fire"), "{err}");
    });
}

#[test]
fn to_thread_closures_see_the_runtime() {
    let n = weave::run(async {
        weave::to_thread(|| {
            let handle = weave::Handle::current();
            handle.block_on(weave::spawn(async { 41 })).unwrap() + 1
        })
        .await
    });
    assert_eq!(n, 42);
}

#[test]
fn handles_work_from_plain_threads() {
    let rt = weave::Runtime::builder().worker_threads(2).build().unwrap();
    let handle = rt.handle();
    let out = std::thread::spawn(move || {
        let task = handle.spawn(async { 7 });
        handle.block_on(task).unwrap()
    })
    .join()
    .unwrap();
    assert_eq!(out, 7);
    assert!(weave::Handle::try_current().is_err());
}

#[test]
fn task_builder_names_tasks() {
    weave::run(async {
        let task = weave::task::Builder::new()
            .name("fetch-42")
            .spawn(async { weave::current_task() });
        assert_eq!(task.name().as_deref(), Some("fetch-42"));
        let id = task.id();
        assert_eq!(task.await.unwrap(), Some(id));
    });
}

#[test]
fn shutdown_timeout_returns_without_waiting_for_slow_jobs() {
    let rt = weave::Runtime::builder().worker_threads(1).build().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn_blocking(move || {
        tx.send(()).unwrap();
        std::thread::sleep(Duration::from_secs(60));
    });
    rx.recv().unwrap();
    let start = Instant::now();
    rt.shutdown_timeout(Duration::from_millis(20));
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn unconstrained_passes_the_output_through() {
    assert_eq!(weave::run(weave::unconstrained(async { 3 })), 3);
}
