//! `spawn_local`: `!Send` tasks pinned to their thread — in `block_on` and
//! on a worker — and the rule that a local future is never polled or
//! dropped on another thread, under cancellation, wakes from other
//! threads, panics and runtime drops.

mod support;

use proptest::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::{Poll, Waker};
use std::thread::{self, ThreadId};
use support::{poll_once, quiet_planned_panics, rt};
use weave_scheduler::{spawn, spawn_local, yield_now, JoinHandle, TaskState};

/// Asserts, when dropped, that it is dropped on the thread that made it;
/// counts its drops and any on a wrong thread.
struct Pinned {
    home: ThreadId,
    _not_send: Rc<()>,
    drops: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    drops: AtomicUsize,
    wrong_thread: AtomicUsize,
    polls_elsewhere: AtomicUsize,
}

impl Counts {
    fn pinned(self: &Arc<Self>) -> Pinned {
        Pinned {
            home: thread::current().id(),
            _not_send: Rc::new(()),
            drops: self.clone(),
        }
    }
    fn drops(&self) -> usize {
        self.drops.load(SeqCst)
    }
    fn assert_all_home(&self) {
        assert_eq!(
            self.wrong_thread.load(SeqCst),
            0,
            "a local future was dropped on another thread"
        );
        assert_eq!(
            self.polls_elsewhere.load(SeqCst),
            0,
            "a local future was polled on another thread"
        );
    }
}

impl Pinned {
    fn check_here(&self) {
        if thread::current().id() != self.home {
            self.drops.polls_elsewhere.fetch_add(1, SeqCst);
        }
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        self.drops.drops.fetch_add(1, SeqCst);
        if thread::current().id() != self.home {
            self.drops.wrong_thread.fetch_add(1, SeqCst);
        }
    }
}

/// A future that stays pending, handing its waker out once.
fn pending_with_waker(tx: mpsc::Sender<Waker>) -> impl std::future::Future<Output = ()> {
    let mut sent = false;
    std::future::poll_fn(move |cx| {
        if !sent {
            sent = true;
            let _ = tx.send(cx.waker().clone());
        }
        Poll::Pending
    })
}

#[test]
fn block_on_runs_local_tasks_that_hold_an_rc_across_awaits() {
    let rt = rt(1);
    let log = rt.block_on(async {
        let log = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let log = log.clone();
                spawn_local(async move {
                    for round in 0..3 {
                        log.borrow_mut().push((round, i));
                        yield_now().await;
                    }
                    i * 10
                })
            })
            .collect();
        let mut outs = Vec::new();
        for task in tasks {
            outs.push(task.await.unwrap());
        }
        assert_eq!(outs, [0, 10, 20, 30]);
        Rc::try_unwrap(log).unwrap().into_inner()
    });
    // Round-robin: each task's first step before anyone's second.
    let rounds: Vec<_> = log.iter().map(|(round, _)| *round).collect();
    assert_eq!(rounds, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
}

#[test]
fn a_local_task_runs_on_the_block_on_thread_while_the_main_future_waits() {
    let rt = rt(2);
    let here = thread::current().id();
    let ran_on = rt.block_on(async {
        let (tx, rx) = mpsc::channel::<Waker>();
        // The main future waits on a JoinHandle; the local task waits on a
        // waker that a plain thread calls.
        let flag = Arc::new(AtomicBool::new(false));
        let task = {
            let flag = flag.clone();
            spawn_local(async move {
                let mut tx = Some(tx);
                std::future::poll_fn(|cx| {
                    if flag.load(SeqCst) {
                        return Poll::Ready(());
                    }
                    if let Some(tx) = tx.take() {
                        tx.send(cx.waker().clone()).unwrap();
                    }
                    Poll::Pending
                })
                .await;
                thread::current().id()
            })
        };
        let waker_thread = thread::spawn(move || {
            let waker = rx.recv().unwrap();
            flag.store(true, SeqCst);
            waker.wake();
        });
        let id = task.await.unwrap();
        waker_thread.join().unwrap();
        id
    });
    assert_eq!(ran_on, here);
}

#[test]
fn local_tasks_left_when_block_on_returns_are_dropped_on_its_thread() {
    let counts = Arc::<Counts>::default();
    let rt = rt(2);
    let handle = {
        let counts = counts.clone();
        rt.block_on(async move {
            let pinned = counts.pinned();
            let (tx, _rx) = mpsc::channel();
            let handle = spawn_local(async move {
                pending_with_waker(tx).await;
                drop(pinned);
            });
            yield_now().await;
            // In a tuple, so the block_on's output is no future itself.
            (handle,)
        })
    };
    assert_eq!(counts.drops(), 1);
    counts.assert_all_home();
    assert!(handle.0.is_finished());
    assert_cancelled(handle.0);
}

#[test]
fn a_cancel_from_another_thread_drops_the_future_on_its_own_thread() {
    let counts = Arc::<Counts>::default();
    let rt = rt(2);
    let counts2 = counts.clone();
    rt.block_on(async move {
        let pinned = counts2.pinned();
        let (tx, rx) = mpsc::channel();
        let task: JoinHandle<()> = spawn_local(async move {
            pinned.check_here();
            pending_with_waker(tx).await;
            drop(pinned);
        });
        // Once the task is idle, a plain thread cancels it.
        let waker = weave_scheduler::spawn_blocking(move || rx.recv().unwrap())
            .await
            .unwrap();
        let (task, cancelled) = thread::scope(|s| {
            s.spawn(move || {
                let cancelled = task.cancel();
                (task, cancelled)
            })
            .join()
            .unwrap()
        });
        assert!(cancelled);
        // The future is still there: only this thread may drop it.
        assert_eq!(counts2.drops(), 0);
        let err = task.await.unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(counts2.drops(), 1);
        // A wake after the cancel does nothing.
        waker.wake();
    });
    counts.assert_all_home();
}

#[test]
fn wake_and_cancel_racing_from_two_threads_drop_the_future_once_at_home() {
    let counts = Arc::<Counts>::default();
    let rt = rt(2);
    for _ in 0..200 {
        let counts2 = counts.clone();
        rt.block_on(async move {
            let pinned = counts2.pinned();
            let (tx, rx) = mpsc::channel();
            let task = spawn_local(async move {
                let mut tx = Some(tx);
                loop {
                    pinned.check_here();
                    std::future::poll_fn(|cx| match tx.take() {
                        Some(tx) => {
                            tx.send(cx.waker().clone()).unwrap();
                            Poll::Pending
                        }
                        None => Poll::Ready(()),
                    })
                    .await;
                    yield_now().await;
                }
            });
            let waker = weave_scheduler::spawn_blocking(move || rx.recv().unwrap())
                .await
                .unwrap();
            thread::scope(|s| {
                let t = &task;
                s.spawn(move || waker.wake());
                assert!(s.spawn(move || t.cancel()).join().unwrap());
            });
            assert!(task.await.unwrap_err().is_cancelled());
        });
    }
    assert_eq!(counts.drops(), 200);
    counts.assert_all_home();
}

#[test]
fn a_worker_keeps_its_local_tasks_and_drops_them_itself_at_shutdown() {
    let counts = Arc::<Counts>::default();
    let rt = rt(2);
    let polled_on = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let (waker_tx, waker_rx) = mpsc::channel();
    let started = {
        let (counts, polled_on) = (counts.clone(), polled_on.clone());
        rt.spawn(async move {
            let pinned = counts.pinned();
            let home = thread::current().id();
            let done = spawn_local(async move {
                for _ in 0..200 {
                    pinned.check_here();
                    polled_on.lock().push(thread::current().id());
                    yield_now().await;
                }
                pinned.check_here();
                // Stays pending until the runtime is dropped.
                pending_with_waker(waker_tx).await;
                drop(pinned);
            });
            (home, done.id())
        })
    };
    // Meanwhile both workers are kept busy with tasks that can be stolen.
    let busy: Vec<_> = (0..64)
        .map(|_| {
            rt.spawn(async {
                for _ in 0..50 {
                    yield_now().await;
                }
            })
        })
        .collect();
    let (home, local_id) = rt.block_on(started).unwrap();
    for b in busy {
        rt.block_on(b).unwrap();
    }
    let waker = waker_rx.recv().unwrap();
    assert!(polled_on.lock().iter().all(|id| *id == home));
    // The waker is sent from inside the last poll: wait for it to end.
    let info = loop {
        let dump = rt.handle().dump();
        let info = dump
            .into_iter()
            .find(|t| t.id() == local_id)
            .expect("the local task is in the dump");
        if info.state() == TaskState::Idle {
            break info;
        }
        thread::yield_now();
    };
    assert!(info.polls() >= 200);
    assert!(rt.alive_tasks() >= 1);
    assert!(rt.metrics().spawned_tasks() >= 66);
    drop(rt);
    assert_eq!(counts.drops(), 1);
    counts.assert_all_home();
    // The waker outlives the runtime harmlessly.
    waker.wake();
}

#[test]
fn a_local_task_on_one_worker_does_not_starve_a_yielding_task_nor_is_starved() {
    let rt = rt(1);
    rt.block_on(async {
        let out = spawn(async {
            let flag = Arc::new(AtomicBool::new(false));
            let other = Arc::new(AtomicBool::new(false));
            // A global task on the same (only) worker spins until the
            // local task sets its flag, and vice versa.
            let other2 = other.clone();
            let global = spawn(async move {
                while !other2.load(SeqCst) {
                    yield_now().await;
                }
            });
            let flag2 = flag.clone();
            let local = spawn_local(async move {
                other.store(true, SeqCst);
                flag2.store(true, SeqCst);
                let mut spins = 0u32;
                // Now the local task spins on yields; the global task
                // must finish meanwhile.
                while !global.is_finished() {
                    spins += 1;
                    yield_now().await;
                }
                spins
            });
            local.await.unwrap() < 1_000_000 && flag.load(SeqCst)
        })
        .await
        .unwrap();
        assert!(out);
    });
}

#[test]
fn a_panicking_local_task_is_contained() {
    quiet_planned_panics();
    let rt = rt(1);
    rt.block_on(async {
        let err = spawn_local(async {
            yield_now().await;
            panic!("planned local panic");
        })
        .await
        .unwrap_err();
        assert!(err.is_panic());
        // On a worker, too, and the worker survives.
        let on_worker = spawn(async {
            spawn_local(async { panic!("planned worker-local panic") })
                .await
                .unwrap_err()
                .is_panic()
        })
        .await
        .unwrap();
        assert!(on_worker);
        assert_eq!(spawn(async { 5 }).await.unwrap(), 5);
    });
}

#[test]
fn a_handle_block_on_sees_its_local_tasks_cancelled_when_the_runtime_is_dropped() {
    let counts = Arc::<Counts>::default();
    let rt = rt(1);
    let handle = rt.handle().clone();
    let (spawned_tx, spawned_rx) = mpsc::channel();
    let counts2 = counts.clone();
    let blocker = thread::spawn(move || {
        handle.block_on(async move {
            let pinned = counts2.pinned();
            let (tx, _rx) = mpsc::channel();
            let task = spawn_local(async move {
                pending_with_waker(tx).await;
                drop(pinned);
            });
            spawned_tx.send(()).unwrap();
            task.await.unwrap_err().is_cancelled()
        })
    });
    spawned_rx.recv().unwrap();
    drop(rt);
    assert!(blocker.join().unwrap());
    assert_eq!(counts.drops(), 1);
    counts.assert_all_home();
}

#[test]
fn local_spawns_after_shutdown_are_cancelled_at_once() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    drop(rt);
    let cancelled =
        handle.block_on(async { spawn_local(async { 1 }).await.unwrap_err().is_cancelled() });
    assert!(cancelled);
}

#[test]
fn spawn_local_in_a_blocking_closure_panics_with_the_alternatives() {
    let rt = rt(1);
    let err = rt
        .block_on(rt.spawn_blocking(|| {
            drop(spawn_local(async {}));
        }))
        .unwrap_err();
    let msg = panic_message(&*err.into_panic());
    assert!(
        msg.contains("spawn_local called on a thread that runs no tasks"),
        "{msg}"
    );
    assert!(msg.contains("Handle::block_on"), "{msg}");
}

#[test]
fn spawn_local_outside_a_runtime_panics() {
    let err = std::panic::catch_unwind(|| drop(spawn_local(async {}))).unwrap_err();
    assert!(panic_message(&*err).contains("spawn_local called on a thread that runs no tasks"));
}

/// Asserts that a finished task's handle reports a cancel.
fn assert_cancelled<T: std::fmt::Debug>(handle: JoinHandle<T>) {
    match poll_once(handle) {
        Poll::Ready(Err(err)) => assert!(err.is_cancelled(), "{err}"),
        other => panic!("expected a cancelled task, got {other:?}"),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn a_global_task_on_another_worker_awaits_a_local_task() {
    let rt = rt(2);
    let n = rt.block_on(async {
        let local = spawn_local(async {
            let rc = Rc::new(20);
            yield_now().await;
            *rc + 1
        });
        spawn(async move { local.await.unwrap() * 2 })
            .await
            .unwrap()
    });
    assert_eq!(n, 42);
}

#[derive(Debug, Clone)]
enum Op {
    /// A local task in `block_on` that yields this many times.
    BlockOnLocal(u8),
    /// A global task that spawns a worker-local task yielding this many times.
    WorkerLocal(u8),
    /// Cancel the task made by that earlier op, from a plain thread.
    CancelRemote(usize),
    /// Cancel it from the block_on thread.
    CancelHere(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..6).prop_map(Op::BlockOnLocal),
        (0u8..6).prop_map(Op::WorkerLocal),
        (0usize..16).prop_map(Op::CancelRemote),
        (0usize..16).prop_map(Op::CancelHere),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random mixes of local tasks in `block_on` and on workers, cancelled
    /// from here or another thread at random points, then the runtime
    /// dropped: each future is dropped exactly once, on its own thread,
    /// and every handle resolves (done or cancelled).
    #[test]
    fn local_tasks_under_random_cancels_and_a_drop(ops in proptest::collection::vec(op(), 1..16), drop_early in any::<bool>()) {
        let counts = Arc::<Counts>::default();
        let rt = rt(2);
        let made = AtomicUsize::new(0);
        let counts2 = counts.clone();
        let handles = rt.block_on(async {
            let mut handles: Vec<JoinHandle<()>> = Vec::new();
            for op in ops {
                match op {
                    Op::BlockOnLocal(yields) => {
                        let pinned = counts2.pinned();
                        handles.push(spawn_local(async move {
                            for _ in 0..yields {
                                pinned.check_here();
                                yield_now().await;
                            }
                            // Half of them then wait for good.
                            if yields % 2 == 1 {
                                std::future::pending::<()>().await;
                            }
                            drop(pinned);
                        }));
                        made.fetch_add(1, SeqCst);
                    }
                    Op::WorkerLocal(yields) => {
                        let counts = counts2.clone();
                        let (tx, rx) = mpsc::channel();
                        drop(spawn(async move {
                            let pinned = counts.pinned();
                            let h = spawn_local(async move {
                                for _ in 0..yields {
                                    pinned.check_here();
                                    yield_now().await;
                                }
                                if yields % 2 == 1 {
                                    std::future::pending::<()>().await;
                                }
                                drop(pinned);
                            });
                            tx.send(h).unwrap();
                        }));
                        let h = weave_scheduler::spawn_blocking(move || rx.recv().unwrap()).await.unwrap();
                        handles.push(h);
                        made.fetch_add(1, SeqCst);
                    }
                    Op::CancelRemote(i) => {
                        if let Some(h) = handles.get(i) {
                            thread::scope(|s| { s.spawn(|| h.cancel()); });
                        }
                    }
                    Op::CancelHere(i) => {
                        if let Some(h) = handles.get(i) {
                            h.cancel();
                        }
                    }
                }
                yield_now().await;
            }
            if !drop_early {
                // Let the tasks run on before the drop.
                for _ in 0..8 {
                    yield_now().await;
                }
            }
            handles
        });
        drop(rt);
        prop_assert_eq!(counts.drops(), made.load(SeqCst));
        counts.assert_all_home();
        for h in handles {
            if let Poll::Ready(res) = poll_once(h) {
                if let Err(err) = res { prop_assert!(err.is_cancelled()); }
            } else {
                prop_assert!(false, "a handle did not resolve after the drop");
            }
        }
    }
}

#[test]
fn spawn_local_keeps_working_after_the_block_on_saw_the_shutdown() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    drop(rt);
    let (a, b) = handle.block_on(async {
        let a = spawn_local(async { 1 }).await;
        let b = spawn_local(async { 2 }).await;
        (a, b)
    });
    assert!(a.unwrap_err().is_cancelled());
    assert!(b.unwrap_err().is_cancelled());
}

/// Spawns a local task from its `Drop`.
struct SpawnsOnDrop(Arc<parking_lot::Mutex<Vec<JoinHandle<()>>>>);

impl Drop for SpawnsOnDrop {
    fn drop(&mut self) {
        self.0.lock().push(spawn_local(async {}));
    }
}

#[test]
fn a_local_future_that_spawns_from_its_drop_during_close_gets_a_cancelled_task() {
    let spawned = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let rt = rt(1);
    let h = {
        let spawned = spawned.clone();
        rt.block_on(async move {
            let guard = SpawnsOnDrop(spawned);
            (spawn_local(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
            }),)
        })
    };
    // On a worker too.
    let spawned2 = spawned.clone();
    let (tx, rx) = mpsc::channel();
    rt.spawn(async move {
        let guard = SpawnsOnDrop(spawned2);
        tx.send(spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        }))
        .unwrap();
    });
    let on_worker = rx.recv().unwrap();
    drop(rt);
    for handle in [h.0, on_worker] {
        assert_cancelled(handle);
    }
    let spawned = std::mem::take(&mut *spawned.lock());
    assert_eq!(spawned.len(), 2);
    for handle in spawned {
        assert_cancelled(handle);
    }
}

#[test]
fn spawned_tasks_never_goes_down_across_block_on_calls() {
    let rt = rt(1);
    let before = rt.metrics().spawned_tasks();
    rt.block_on(async {
        for _ in 0..10 {
            spawn_local(async {}).await.unwrap();
        }
    });
    let after = rt.metrics().spawned_tasks();
    assert!(after >= before + 10, "{before} -> {after}");
    rt.block_on(async {});
    assert!(rt.metrics().spawned_tasks() >= after);
}

#[test]
fn a_runtime_dropped_from_a_local_task_on_a_worker_finishes_cleanly() {
    let counts = Arc::<Counts>::default();
    let rt = rt(2);
    let (tx, rx) = mpsc::channel();
    let counts2 = counts.clone();
    let rt_slot = Arc::new(parking_lot::Mutex::new(None));
    let slot = rt_slot.clone();
    rt.spawn(async move {
        let pinned = counts2.pinned();
        // A second local task that stays pending: dropped at the end.
        let (wtx, _wrx) = mpsc::channel();
        drop(spawn_local(async move {
            pending_with_waker(wtx).await;
            drop(pinned);
        }));
        drop(spawn_local(async move {
            // Drops the runtime from inside one of its local tasks, once
            // the test has handed it over.
            loop {
                let rt: Option<weave_scheduler::Runtime> = slot.lock().take();
                if let Some(rt) = rt {
                    drop(rt);
                    break;
                }
                yield_now().await;
            }
            tx.send(()).unwrap();
        }));
    });
    *rt_slot.lock() = Some(rt);
    rx.recv().unwrap();
    // The worker that ran it exits once its poll returns and cancels its
    // local tasks on its own thread.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while counts.drops() < 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "the local task was never dropped"
        );
        thread::yield_now();
    }
    counts.assert_all_home();
}
