//! Loom models of the task state machine: every interleaving (up to the
//! preemption bound) of a poll, a wake, a cancel, a join and a shutdown on
//! different threads. Each asserts conservation: the future and the output
//! are dropped exactly once, the task is freed exactly once, and no wake is
//! lost.

use crate::loom::{model, thread};
use crate::loom::{Arc, AtomicBool, Mutex, Ordering::SeqCst};
use crate::task::mock::{Counters, MockRt};
use crate::task::{JoinError, JoinHandle};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

struct Tracked<T> {
    counter: Arc<Counters>,
    value: T,
    is_output: bool,
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        let counter = if self.is_output {
            &self.counter.output_drops
        } else {
            &self.counter.future_drops
        };
        counter.fetch_add(1, SeqCst);
    }
}

/// Pending until `ready`; registers its waker in `slot` before re-checking.
struct Gate {
    ready: Arc<AtomicBool>,
    slot: Arc<Mutex<Option<Waker>>>,
    guard: Tracked<()>,
}

impl Future for Gate {
    type Output = Tracked<u32>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Tracked<u32>> {
        let out = || Tracked {
            counter: self.guard.counter.clone(),
            value: 7,
            is_output: true,
        };
        if self.ready.load(SeqCst) {
            return Poll::Ready(out());
        }
        *self.slot.lock() = Some(cx.waker().clone());
        if self.ready.load(SeqCst) {
            return Poll::Ready(out());
        }
        Poll::Pending
    }
}

fn gate(rt: &MockRt) -> (Gate, Arc<AtomicBool>, Arc<Mutex<Option<Waker>>>) {
    let ready = Arc::new(AtomicBool::new(false));
    let slot = Arc::new(Mutex::new(None));
    let gate = Gate {
        ready: ready.clone(),
        slot: slot.clone(),
        guard: Tracked {
            counter: rt.counters.clone(),
            value: (),
            is_output: false,
        },
    };
    (gate, ready, slot)
}

fn poll_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

/// A wake from another thread, racing the poll that registers the waker,
/// is never lost: the task always completes.
#[test]
fn loom_wake_races_poll() {
    model(|| {
        let rt = MockRt::new();
        let (gate, ready, slot) = gate(&rt);
        let join = rt.spawn(gate);
        let waker_thread = thread::spawn(move || {
            ready.store(true, SeqCst);
            let waker = slot.lock().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        rt.run_queue();
        waker_thread.join().unwrap();
        rt.run_queue();
        assert!(join.is_finished(), "a wake was lost");
        drop(join);
        assert_eq!(rt.counters.future_drops.load(SeqCst), 1);
        assert_eq!(rt.counters.output_drops.load(SeqCst), 1);
        assert_eq!(rt.counters.deallocs.load(SeqCst), 1);
    });
}

/// Polling the JoinHandle races the task's completion: either the output
/// is read at once, or the join waker is woken. It is dropped once.
#[test]
fn loom_join_races_completion() {
    model(|| {
        let rt = MockRt::new();
        let counts = rt.counters.clone();
        let mut join = rt.spawn(async move {
            Tracked {
                counter: counts,
                value: 7u32,
                is_output: true,
            }
        });
        let worker = rt.clone();
        let worker = thread::spawn(move || worker.run_queue());
        let woken = Arc::new(WakeFlag::default());
        let waker = Waker::from(std::sync::Arc::new(WakeFlagRef(woken.clone())));
        let first = poll_join(&mut join, &waker);
        worker.join().unwrap();
        let out = match first {
            Poll::Ready(out) => out,
            Poll::Pending => {
                assert!(woken.0.load(SeqCst), "the join waker was not woken");
                match poll_join(&mut join, &waker) {
                    Poll::Ready(out) => out,
                    Poll::Pending => panic!("woken but not ready"),
                }
            }
        };
        assert_eq!(out.unwrap().value, 7);
        assert_eq!(rt.counters.output_drops.load(SeqCst), 1);
        drop(join);
        assert_eq!(rt.counters.deallocs.load(SeqCst), 1);
    });
}

#[derive(Default)]
struct WakeFlag(AtomicBool);
struct WakeFlagRef(Arc<WakeFlag>);

impl std::task::Wake for WakeFlagRef {
    fn wake(self: std::sync::Arc<Self>) {
        self.0 .0.store(true, SeqCst);
    }
}

/// Dropping the JoinHandle races completion: the output is dropped exactly
/// once (by one side or the other) and the task freed exactly once.
#[test]
fn loom_join_drop_races_completion() {
    model(|| {
        let rt = MockRt::new();
        let counts = rt.counters.clone();
        let mut join = rt.spawn(async move {
            Tracked {
                counter: counts,
                value: 1u32,
                is_output: true,
            }
        });
        // Register a join waker first so the completer has one to wake.
        assert!(poll_join(&mut join, Waker::noop()).is_pending());
        let worker = rt.clone();
        let worker = thread::spawn(move || worker.run_queue());
        drop(join);
        worker.join().unwrap();
        assert_eq!(rt.counters.output_drops.load(SeqCst), 1);
        assert_eq!(rt.counters.deallocs.load(SeqCst), 1);
    });
}

/// Cancel from another thread races a poll: the future is dropped exactly
/// once, and the JoinHandle reports the cancellation or the output.
#[test]
fn loom_cancel_races_poll() {
    model(|| {
        let rt = MockRt::new();
        let (gate, ready, slot) = gate(&rt);
        let mut join = rt.spawn(gate);
        let worker = rt.clone();
        let worker = thread::spawn(move || worker.run_queue());
        let cancelled = join.cancel();
        worker.join().unwrap();
        rt.run_queue();
        assert!(cancelled, "the task cannot finish before it is ready");
        assert!(join.is_finished());
        assert_eq!(rt.counters.future_drops.load(SeqCst), 1);
        match poll_join(&mut join, Waker::noop()) {
            Poll::Ready(Err(err)) => assert!(err.is_cancelled()),
            other => panic!("expected a cancellation, got ready={}", other.is_ready()),
        }
        drop(join);
        ready.store(true, SeqCst);
        drop(slot.lock().take());
        assert_eq!(rt.counters.deallocs.load(SeqCst), 1);
    });
}

/// Runtime shutdown races a wake from a foreign thread: the future is
/// dropped exactly once, nothing is left queued that could run it again,
/// and the task is freed once every reference is gone.
#[test]
fn loom_shutdown_races_wake() {
    model(|| {
        let rt = MockRt::new();
        let (gate, _ready, slot) = gate(&rt);
        let join = rt.spawn(gate);
        rt.run_queue();
        let waker = slot
            .lock()
            .take()
            .expect("the first poll registered a waker");
        let waker_thread = thread::spawn(move || waker.wake());
        for task in rt.owned.close_and_snapshot() {
            task.shutdown();
        }
        waker_thread.join().unwrap();
        assert_eq!(rt.counters.future_drops.load(SeqCst), 1);
        // A queued reference, if the wake came first, only drops itself.
        rt.run_queue();
        assert_eq!(rt.counters.future_drops.load(SeqCst), 1);
        assert!(join.is_finished());
        drop(join);
        assert_eq!(rt.counters.deallocs.load(SeqCst), 1);
    });
}

/// A local task cancelled from another thread while a third wakes it and
/// its owner keeps running its queue: the future is dropped exactly once,
/// on the owner thread, and the handle reports the cancel.
#[test]
fn loom_a_remote_cancel_of_a_local_task_drops_it_on_its_owner() {
    model(|| {
        let rt = MockRt::new();
        let owner = thread::current().id();
        let (gate, _ready, slot) = gate(&rt);
        let counters = rt.counters.clone();
        let guard = OwnerDrop { owner, counters };
        let join = rt.spawn_local(async move {
            let _guard = guard;
            gate.await
        });
        rt.tick();
        let waker = slot.lock().take().expect("the first poll registered");
        let canceller = thread::spawn(move || {
            assert!(join.cancel());
            join
        });
        let waking = thread::spawn(move || waker.wake());
        // The owner runs whatever is queued until the cancel lands.
        let mut join = loop {
            rt.run_queue();
            if rt.future_drops() == 1 {
                break canceller.join().unwrap();
            }
            thread::yield_now();
        };
        waking.join().unwrap();
        rt.run_queue();
        match poll_join(&mut join, Waker::noop()) {
            Poll::Ready(Err(err)) => assert!(err.is_cancelled()),
            other => panic!(
                "expected a cancelled task, got {:?}",
                other.map(|r| r.map(|t| t.value))
            ),
        }
        assert_eq!(rt.future_drops(), 1);
        assert_eq!(rt.counters.wrong_thread_drops.load(SeqCst), 0);
        // A second poll (after the wake) may have left a waker in the slot.
        drop(slot.lock().take());
        drop(join);
        assert_eq!(rt.deallocs(), 1);
    });
}

/// Counts a drop off the owner thread.
struct OwnerDrop {
    owner: crate::loom::thread::ThreadId,
    counters: Arc<Counters>,
}

impl Drop for OwnerDrop {
    fn drop(&mut self) {
        if thread::current().id() != self.owner {
            self.counters.wrong_thread_drops.fetch_add(1, SeqCst);
        }
    }
}
