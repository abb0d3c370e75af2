//! Spawning and running: outputs, parallelism across workers, waking
//! parked workers, foreign-thread spawns, fairness of `yield_now` and of
//! the LIFO slot, `current_task` and names.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Barrier};
use std::task::Poll;
use std::time::Duration;
use support::rt;
use weave_scheduler::{current_task, spawn, yield_now, TaskBuilder};

#[test]
fn outputs_arrive_in_order_of_awaiting() {
    let rt = rt(2);
    let out = rt.block_on(async {
        let handles: Vec<_> = (0..1000u32).map(|i| spawn(async move { i * 2 })).collect();
        let mut out = Vec::new();
        for h in handles {
            out.push(h.await.unwrap());
        }
        out
    });
    assert_eq!(out, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
}

/// Two tasks that can only finish together: they must run on two workers
/// at once. A lost wake-up or a worker that never steals makes this time
/// out (and fail) instead of passing.
fn run_pair_concurrently(rt: &weave_scheduler::Runtime) {
    let barrier = Arc::new(Barrier::new(2));
    let (tx, rx) = mpsc::channel();
    for _ in 0..2 {
        let barrier = barrier.clone();
        let tx = tx.clone();
        rt.spawn(async move {
            barrier.wait();
            tx.send(()).unwrap();
        });
    }
    for _ in 0..2 {
        rx.recv_timeout(Duration::from_secs(20))
            .expect("two tasks never ran at the same time: a worker did not wake or steal");
    }
}

#[test]
fn two_workers_run_two_tasks_at_once() {
    let rt = rt(2);
    run_pair_concurrently(&rt);
}

#[test]
fn parked_workers_wake_for_new_work_many_times() {
    let rt = rt(2);
    for _ in 0..50 {
        // Let the workers go idle and park, then hand them work again.
        while rt.handle().parked_workers() < 2 {
            std::thread::yield_now();
        }
        run_pair_concurrently(&rt);
    }
}

#[test]
fn work_spawned_inside_a_task_is_stolen() {
    let rt = rt(2);
    let (tx, rx) = mpsc::channel();
    rt.spawn(async move {
        // Both land in this worker's local queue; the other must steal one.
        let barrier = Arc::new(Barrier::new(2));
        for _ in 0..2 {
            let barrier = barrier.clone();
            let tx = tx.clone();
            spawn(async move {
                barrier.wait();
                tx.send(()).unwrap();
            });
        }
    });
    for _ in 0..2 {
        rx.recv_timeout(Duration::from_secs(20))
            .expect("the second task was never stolen");
    }
}

#[test]
fn spawns_from_many_foreign_threads() {
    let rt = rt(2);
    let sum = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|s| {
        for t in 0..8 {
            let handle = rt.handle().clone();
            let sum = sum.clone();
            s.spawn(move || {
                let handles: Vec<_> = (0..500)
                    .map(|i| {
                        let sum = sum.clone();
                        handle.spawn(async move {
                            sum.fetch_add(1, SeqCst);
                            t * 1000 + i
                        })
                    })
                    .collect();
                handle.block_on(async move {
                    for (i, h) in handles.into_iter().enumerate() {
                        assert_eq!(h.await.unwrap(), t * 1000 + i);
                    }
                });
            });
        }
    });
    assert_eq!(sum.load(SeqCst), 4000);
}

#[test]
fn yield_now_lets_every_other_ready_task_run_first() {
    // One worker, everything spawned from a task on it: no timing involved.
    let rt = rt(1);
    let (before, after) = rt
        .block_on(rt.spawn(async {
            let flag = Arc::new(AtomicBool::new(false));
            let spins = Arc::new(AtomicUsize::new(0));
            let spinner = spawn({
                let (flag, spins) = (flag.clone(), spins.clone());
                async move {
                    while !flag.load(SeqCst) {
                        spins.fetch_add(1, SeqCst);
                        yield_now().await;
                    }
                }
            });
            // Wait until the spinner is in its yield loop.
            while spins.load(SeqCst) == 0 {
                yield_now().await;
            }
            let before = spins.load(SeqCst);
            spawn(async move { flag.store(true, SeqCst) });
            spinner.await.unwrap();
            (before, spins.load(SeqCst))
        }))
        .unwrap();
    assert!(
        after - before <= 2,
        "the newly ready task waited behind {} yields of the spinner",
        after - before
    );
}

#[test]
fn a_ping_pong_pair_does_not_starve_the_queue() {
    // Two tasks that wake each other forever would run back to back
    // through the LIFO slot; the limit on LIFO polls lets the third run.
    let rt = rt(1);
    let stop = Arc::new(AtomicBool::new(false));
    let slot: Arc<parking_lot::Mutex<Option<std::task::Waker>>> = Arc::default();
    let mut players = Vec::new();
    for _ in 0..2 {
        let stop = stop.clone();
        let slot = slot.clone();
        players.push(rt.spawn(async move {
            let mut bounces = 0u64;
            std::future::poll_fn(|cx| {
                if stop.load(SeqCst) {
                    return Poll::Ready(());
                }
                bounces += 1;
                // Wake the partner and wait to be woken by it.
                if let Some(partner) = slot.lock().replace(cx.waker().clone()) {
                    partner.wake();
                }
                Poll::Pending
            })
            .await;
            if let Some(partner) = slot.lock().take() {
                partner.wake();
            }
            bounces
        }));
    }
    let stopper = rt.spawn({
        let stop = stop.clone();
        async move { stop.store(true, SeqCst) }
    });
    rt.block_on(async move {
        stopper.await.unwrap();
        for p in players {
            p.await.unwrap();
        }
    });
}

#[test]
fn current_task_is_the_running_task() {
    let rt = rt(2);
    assert_eq!(current_task(), None);
    rt.block_on(async {
        let main = current_task().expect("block_on's future counts as a task");
        let handle = spawn(async { current_task() });
        let id = handle.id();
        assert_eq!(handle.await.unwrap(), Some(id));
        assert_ne!(id, main);
        assert_eq!(current_task(), Some(main));
    });
}

#[test]
fn names_are_kept() {
    let rt = rt(1);
    rt.block_on(async {
        let handle = TaskBuilder::new().name("worker-7").spawn(async { 1 });
        assert_eq!(handle.name().as_deref(), Some("worker-7"));
        assert_eq!(handle.await.unwrap(), 1);
        let blocking = TaskBuilder::new()
            .name("io")
            .spawn_blocking(|| panic!("planned"));
        support::quiet_planned_panics();
        let err = blocking.await.unwrap_err();
        assert_eq!(err.name(), Some("io"));
        assert!(err.to_string().contains("\"io\""), "{err}");
    });
}

#[test]
fn is_finished_tracks_completion() {
    let rt = rt(1);
    rt.block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let handle = spawn(async move {
            // Finish only once the test says so.
            weave_scheduler::spawn_blocking(move || rx.recv().unwrap())
                .await
                .unwrap();
        });
        assert!(!handle.is_finished());
        tx.send(()).unwrap();
        while !handle.is_finished() {
            yield_now().await;
        }
        handle.await.unwrap();
    });
}
