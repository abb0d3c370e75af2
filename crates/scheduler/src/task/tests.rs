//! Poll-level tests of the task state machine with a mock scheduler: every
//! step is driven by hand, so each interleaving is exact.

use super::mock::{Counters, MockRt};
use super::*;
use parking_lot::Mutex;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

type Harness = MockRt;

/// A future that stays pending until `ready` is set, stores its waker in
/// `waker`, counts its drop, and returns an output that counts its drop.
struct Probe {
    counters: Arc<Counters>,
    state: Arc<Mutex<ProbeState>>,
}

#[derive(Default)]
struct ProbeState {
    ready: bool,
    panic: bool,
    panic_on_drop: bool,
    waker: Option<Waker>,
    polls: usize,
}

struct Output(Arc<Counters>, u32);

impl Drop for Output {
    fn drop(&mut self) {
        self.0.output_drops.fetch_add(1, SeqCst);
    }
}

impl Future for Probe {
    type Output = Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        let mut state = self.state.lock();
        state.polls += 1;
        if state.panic {
            drop(state);
            panic!("probe panicked");
        }
        if state.ready {
            Poll::Ready(Output(self.counters.clone(), 7))
        } else {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.counters.future_drops.fetch_add(1, SeqCst);
        if self.state.lock().panic_on_drop {
            panic!("probe panicked in drop");
        }
    }
}

fn probe(h: &Harness) -> (Probe, Arc<Mutex<ProbeState>>) {
    let state = Arc::new(Mutex::new(ProbeState::default()));
    (
        Probe {
            counters: h.counters.clone(),
            state: state.clone(),
        },
        state,
    )
}

/// A waker that counts wakes.
#[derive(Default)]
struct CountWaker(AtomicUsize);

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn poll_join<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

#[test]
fn output_reaches_the_join_handle_and_the_task_is_freed() {
    let h = MockRt::new();
    let (fut, state) = probe(&h);
    let mut join = h.spawn(fut);
    let counter = Arc::new(CountWaker::default());
    let waker = Waker::from(counter.clone());
    assert!(poll_join(&mut join, &waker).is_pending());
    assert_eq!(h.tick(), 1);
    assert_eq!(state.lock().polls, 1);
    // Wake from "another thread": the stored waker.
    state.lock().ready = true;
    state.lock().waker.take().unwrap().wake();
    assert_eq!(h.tick(), 1);
    assert_eq!(h.future_drops(), 1);
    assert_eq!(counter.0.load(SeqCst), 1, "join waker woken once");
    let Poll::Ready(Ok(out)) = poll_join(&mut join, &waker) else {
        panic!("output not ready")
    };
    assert_eq!(out.1, 7);
    drop(out);
    assert_eq!(h.deallocs(), 0, "the join handle still holds a reference");
    drop(join);
    assert_eq!(h.deallocs(), 1);
    assert_eq!(h.output_drops(), 1);
    assert_eq!(h.owned.len(), 0);
}

#[test]
fn wakes_during_a_poll_reschedule_exactly_once() {
    let h = MockRt::new();
    let join = h.spawn(async {
        let mut first = true;
        std::future::poll_fn(move |cx| {
            if first {
                first = false;
                cx.waker().wake_by_ref();
                cx.waker().wake_by_ref();
                // By value on purpose: that path consumes a reference.
                #[allow(clippy::waker_clone_wake)]
                cx.waker().clone().wake();
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await
    });
    assert_eq!(h.tick(), 1);
    assert_eq!(h.queue.lock().len(), 1, "three wakes, one reschedule");
    h.run_queue();
    assert!(join.is_finished());
    drop(join);
    assert_eq!(h.deallocs(), 1);
}

#[test]
fn wake_after_completion_is_a_no_op_and_the_waker_outlives_the_task() {
    let h = MockRt::new();
    let (fut, state) = probe(&h);
    let join = h.spawn(fut);
    h.tick();
    let waker = state.lock().waker.take().unwrap();
    let extra = waker.clone();
    state.lock().ready = true;
    waker.wake();
    h.tick();
    assert!(join.is_finished());
    drop(join);
    assert_eq!(h.deallocs(), 0, "a waker still holds the task");
    extra.wake_by_ref();
    assert_eq!(h.queue.lock().len(), 0, "no reschedule after completion");
    drop(extra);
    assert_eq!(h.deallocs(), 1);
    assert_eq!(
        h.output_drops(),
        1,
        "the completer dropped the unread output"
    );
}

#[test]
fn cancel_of_an_idle_task_drops_the_future_at_once() {
    let h = MockRt::new();
    let (fut, state) = probe(&h);
    let mut join = h.spawn(fut);
    h.tick();
    assert_eq!(h.future_drops(), 0);
    assert!(join.cancel());
    assert_eq!(h.future_drops(), 1, "dropped inside cancel()");
    assert!(!join.cancel(), "already finished");
    let Poll::Ready(Err(err)) = poll_join(&mut join, Waker::noop()) else {
        panic!("expected a JoinError")
    };
    assert!(err.is_cancelled() && !err.is_panic());
    drop(join);
    assert_eq!(h.deallocs(), 0, "the probe's stored waker keeps the task");
    drop(state.lock().waker.take());
    assert_eq!(h.deallocs(), 1);
}

#[test]
fn cancel_of_a_queued_task_is_done_by_the_poller() {
    let h = MockRt::new();
    let (fut, state) = probe(&h);
    let mut join = h.spawn(fut);
    assert!(join.cancel());
    assert_eq!(h.future_drops(), 0, "queued: not claimed by cancel");
    h.tick();
    assert_eq!(state.lock().polls, 0, "never polled");
    assert_eq!(h.future_drops(), 1);
    assert!(matches!(poll_join(&mut join, Waker::noop()), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn cancel_during_a_poll_drops_the_future_when_the_poll_returns() {
    let h = MockRt::new();
    let slot: Arc<Mutex<Option<JoinHandle<()>>>> = Arc::default();
    let inner = slot.clone();
    let counters = h.counters.clone();
    let join = h.spawn(async move {
        struct Guard(Arc<Counters>);
        impl Drop for Guard {
            fn drop(&mut self) {
                self.0.future_drops.fetch_add(1, SeqCst);
            }
        }
        let _guard = Guard(counters);
        // Cancel ourselves through our own handle, then suspend.
        assert!(inner.lock().as_ref().unwrap().cancel());
        std::future::pending::<()>().await;
    });
    *slot.lock() = Some(join);
    h.tick();
    assert_eq!(h.future_drops(), 1);
    let mut join = slot.lock().take().unwrap();
    assert!(matches!(poll_join(&mut join, Waker::noop()), Poll::Ready(Err(e)) if e.is_cancelled()));
}

#[test]
fn a_panic_is_caught_and_the_future_dropped_once() {
    let h = MockRt::new();
    let (fut, state) = probe(&h);
    state.lock().panic = true;
    let mut join = h.spawn(fut);
    h.tick();
    assert_eq!(h.future_drops(), 1);
    let Poll::Ready(Err(err)) = poll_join(&mut join, Waker::noop()) else {
        panic!("expected a JoinError")
    };
    assert!(err.is_panic());
    assert!(err.to_string().contains("probe panicked"), "{err}");
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"probe panicked"));
}

#[test]
fn a_panic_in_drop_on_cancel_is_reported() {
    let h = MockRt::new();
    let (fut, state) = probe(&h);
    state.lock().panic_on_drop = true;
    let mut join = h.spawn(fut);
    h.tick();
    assert!(join.cancel());
    assert_eq!(h.future_drops(), 1);
    let Poll::Ready(Err(err)) = poll_join(&mut join, Waker::noop()) else {
        panic!("expected a JoinError")
    };
    assert!(err.is_panic(), "{err}");
}

#[test]
fn join_handle_dropped_first_leaves_the_output_to_the_completer() {
    let h = MockRt::new();
    let (fut, state) = probe(&h);
    let join = h.spawn(fut);
    h.tick();
    drop(join);
    state.lock().ready = true;
    state.lock().waker.take().unwrap().wake();
    h.tick();
    assert_eq!(h.output_drops(), 1);
    assert_eq!(h.deallocs(), 1);
}

#[test]
fn a_join_waker_can_be_replaced() {
    let h = MockRt::new();
    let (fut, state) = probe(&h);
    let mut join = h.spawn(fut);
    let first = Arc::new(CountWaker::default());
    let second = Arc::new(CountWaker::default());
    assert!(poll_join(&mut join, &Waker::from(first.clone())).is_pending());
    assert!(poll_join(&mut join, &Waker::from(second.clone())).is_pending());
    state.lock().ready = true;
    h.tick();
    assert_eq!(first.0.load(SeqCst), 0);
    assert_eq!(second.0.load(SeqCst), 1);
}

#[test]
fn shutdown_cancels_idle_and_queued_tasks_exactly_once() {
    let h = MockRt::new();
    let mut joins = Vec::new();
    for _ in 0..10 {
        joins.push(h.spawn(probe(&h).0));
    }
    h.tick(); // all idle now
    for _ in 0..5 {
        joins.push(h.spawn(probe(&h).0)); // queued, never run
    }
    for task in h.owned.close_and_snapshot() {
        task.shutdown();
    }
    assert_eq!(h.future_drops(), 15);
    assert_eq!(h.owned.len(), 0);
    // A task spawned after close is refused by the list.
    let (task, notified, join) = new_task(std::future::ready(()), h.mock(), SpawnInfo::here(None));
    let task = h.owned.bind(task).expect_err("closed list refuses tasks");
    task.shutdown();
    drop(task);
    drop(notified);
    assert!(join.is_finished());
    h.queue.lock().clear();
    for mut join in joins {
        assert!(
            matches!(poll_join(&mut join, Waker::noop()), Poll::Ready(Err(e)) if e.is_cancelled())
        );
    }
    drop(join);
    assert_eq!(h.deallocs(), 16);
}

#[test]
fn a_name_lives_exactly_as_long_as_its_task() {
    let h = MockRt::new();
    let spawn = SpawnInfo::here(Some("fetch-42"));
    let id = spawn.id;
    let (task, notified, join) = new_task(std::future::ready(3), h.mock(), spawn);
    h.owned.bind(task).ok().expect("list open");
    assert_eq!(join.name().as_deref(), Some("fetch-42"));
    notified.run();
    assert_eq!(super::name::get(id).as_deref(), Some("fetch-42"));
    drop(join);
    assert_eq!(h.deallocs(), 1);
    assert_eq!(super::name::get(id), None, "the name outlived its task");
}

#[test]
fn the_header_is_48_bytes_and_the_stage_as_large_as_its_larger_half() {
    use super::raw::{Header, Stage};
    // (With the `tracing` feature the task's span comes on top.)
    #[cfg(not(feature = "tracing"))]
    assert_eq!(std::mem::size_of::<Header>(), 48);
    #[cfg(feature = "tracing")]
    assert_eq!(
        std::mem::size_of::<Header>(),
        48 + std::mem::size_of::<tracing::Span>()
    );
    // A 16-byte future with a unit output (16 bytes with its failure
    // case): the stage is 16 bytes, with no tag.
    struct Fut16(#[allow(dead_code)] Arc<()>, #[allow(dead_code)] bool);
    impl Future for Fut16 {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Ready(())
        }
    }
    assert_eq!(std::mem::size_of::<Fut16>(), 16);
    assert_eq!(std::mem::size_of::<Stage<Fut16>>(), 16);
    assert_eq!(std::mem::size_of::<Stage<std::future::Ready<()>>>(), 16);
}

#[test]
fn a_join_handle_polled_again_after_ready_panics_and_drops_nothing_twice() {
    let h = MockRt::new();
    let (fut, state) = probe(&h);
    state.lock().ready = true;
    let mut join = h.spawn(fut);
    h.tick();
    let Poll::Ready(Ok(out)) = poll_join(&mut join, Waker::noop()) else {
        panic!("output not ready")
    };
    drop(out);
    assert_eq!(h.output_drops(), 1);
    let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = poll_join(&mut join, Waker::noop());
    }));
    assert!(
        again.is_err(),
        "a second poll must panic, not read the output again"
    );
    assert_eq!(
        join.poll_finished(&mut Context::from_waker(Waker::noop())),
        Poll::Ready(false)
    );
    drop(join);
    assert_eq!(h.output_drops(), 1, "the output was dropped twice");
    assert_eq!(h.deallocs(), 1);
}

#[test]
fn a_task_freed_without_ever_running_drops_its_future() {
    let h = MockRt::new();
    let (fut, _state) = probe(&h);
    let (task, notified, join) = new_task(fut, h.mock(), SpawnInfo::here(None));
    drop(notified);
    drop(join);
    assert_eq!(h.future_drops(), 0);
    drop(task);
    assert_eq!(h.future_drops(), 1);
    assert_eq!(h.deallocs(), 1);
}

/// Awaits another task's `JoinHandle`, so the join waker stored is a task
/// waker (the one-word form of the slot).
struct AwaitJoin(Option<JoinHandle<Output>>);

impl Future for AwaitJoin {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let join = self.0.as_mut().expect("polled after ready");
        match Pin::new(join).poll(cx) {
            Poll::Ready(out) => {
                self.0 = None;
                Poll::Ready(out.unwrap().1)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

#[test]
fn a_task_waiting_on_a_join_handle_is_woken_through_the_one_word_slot() {
    let h = MockRt::new();
    let (inner, state) = probe(&h);
    let inner_join = h.spawn(inner);
    let mut outer = h.spawn(AwaitJoin(Some(inner_join)));
    assert_eq!(h.tick(), 2, "both polled once");
    state.lock().ready = true;
    state.lock().waker.take().unwrap().wake();
    assert_eq!(h.tick(), 1, "the inner task completes");
    assert_eq!(h.tick(), 1, "its completion woke the outer task");
    assert!(matches!(
        poll_join(&mut outer, Waker::noop()),
        Poll::Ready(Ok(7))
    ));
    drop(outer);
    assert_eq!(h.deallocs(), 2);
    assert_eq!(h.output_drops(), 1);
}

#[test]
fn a_cancelled_waiter_releases_the_task_waker_it_left_in_the_slot() {
    let h = MockRt::new();
    let (inner, state) = probe(&h);
    let inner_join = h.spawn(inner);
    let outer = h.spawn(AwaitJoin(Some(inner_join)));
    assert_eq!(h.tick(), 2);
    // The outer task's future (and with it the inner JoinHandle holding
    // the outer task's waker in its slot) is dropped by the cancel.
    assert!(outer.cancel());
    drop(outer);
    assert_eq!(
        h.deallocs(),
        1,
        "the outer task's waker reference was released"
    );
    state.lock().ready = true;
    state.lock().waker.take().unwrap().wake();
    h.tick();
    assert_eq!(h.deallocs(), 2);
    assert_eq!(h.output_drops(), 1);
}
