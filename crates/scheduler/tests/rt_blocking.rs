//! The blocking pool: results, panics, the thread cap, keep-alive, and the
//! runtime context inside blocking jobs.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{quiet_planned_panics, rt};
use weave_scheduler::{spawn, spawn_blocking, Handle, Runtime};

#[test]
fn blocking_jobs_run_off_the_workers() {
    let rt = rt(1);
    rt.block_on(async {
        let worker = spawn(async { std::thread::current().id() }).await.unwrap();
        let blocking = spawn_blocking(|| std::thread::current().id())
            .await
            .unwrap();
        assert_ne!(worker, blocking);
    });
}

#[test]
fn a_panicking_job_reports_is_panic() {
    quiet_planned_panics();
    let rt = rt(1);
    let err = rt
        .block_on(rt.spawn_blocking(|| panic!("planned blocking panic")))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("planned blocking panic"));
}

#[test]
fn the_thread_cap_holds_and_every_job_runs() {
    let rt = Runtime::builder()
        .worker_threads(1)
        .max_blocking_threads(2)
        .build()
        .unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let running = running.clone();
                let peak = peak.clone();
                spawn_blocking(move || {
                    let now = running.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                    running.fetch_sub(1, SeqCst);
                    i
                })
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            assert_eq!(h.await.unwrap(), i);
        }
    });
    assert!(
        peak.load(SeqCst) <= 2,
        "more than 2 blocking threads ran at once"
    );
    assert!(rt.handle().blocking_threads() <= 2);
}

#[test]
fn idle_blocking_threads_exit_after_keep_alive() {
    let rt = Runtime::builder()
        .worker_threads(1)
        .blocking_keep_alive(Duration::from_millis(20))
        .build()
        .unwrap();
    rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while rt.handle().blocking_threads() > 0 {
        assert!(
            Instant::now() < deadline,
            "the idle blocking thread never exited"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // A new job starts a new thread.
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 9)).unwrap(), 9);
}

#[test]
fn jobs_run_inside_the_runtime_context() {
    let rt = rt(2);
    let out = rt.block_on(rt.spawn_blocking(|| {
        let handle = Handle::current();
        let task = spawn(async { 20 });
        // Blocking code may drive futures with the handle.
        handle.block_on(task).unwrap() + 1
    }));
    assert_eq!(out.unwrap(), 21);
}

#[test]
fn queued_jobs_are_cancelled_at_shutdown() {
    let rt = Runtime::builder()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let (release_tx, release) = std::sync::mpsc::channel::<()>();
    rt.spawn_blocking(move || {
        tx.send(()).unwrap();
        // Holds the only thread until the queued job has been cancelled
        // (or 20 s, far beyond a correct run).
        let _ = release.recv_timeout(Duration::from_secs(20));
    });
    rx.recv().unwrap();
    let queued = rt.spawn_blocking(|| 1);
    std::thread::scope(|s| {
        s.spawn(|| {
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while !queued.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = release_tx.send(());
        });
        drop(rt);
    });
    assert!(
        matches!(support::poll_once(queued), std::task::Poll::Ready(Err(e)) if e.is_cancelled())
    );
}

#[test]
fn a_burst_of_jobs_that_wait_for_each_other_all_get_threads() {
    // 64 jobs meet at a barrier: each needs a thread of its own at once.
    // Spawned in a burst, first onto a cold pool and then onto the idle
    // threads the first round left, the wake-ups are passed on from
    // thread to thread until every job runs.
    let rt = Runtime::builder().worker_threads(1).build().unwrap();
    for _ in 0..2 {
        let barrier = Arc::new(std::sync::Barrier::new(64));
        let jobs: Vec<_> = (0..64)
            .map(|_| {
                let barrier = barrier.clone();
                rt.spawn_blocking(move || {
                    barrier.wait();
                })
            })
            .collect();
        for job in jobs {
            rt.block_on(job).unwrap();
        }
    }
    assert!(rt.handle().blocking_threads() >= 64);
}
