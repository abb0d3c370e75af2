//! The typed half of a task: polling the future, completing, cancelling,
//! reading the output and freeing the allocation, reached through the
//! [`Vtable`] so that the handles can stay type-erased.
//!
//! Every call into user code here (dropping the future or the output,
//! waking or dropping the `JoinHandle`'s waker) is wrapped in
//! `catch_unwind`: a panic in a future's `Drop` is reported through the
//! `JoinHandle`; one in an output's `Drop` or in a waker is swallowed (the
//! handle was dropped, or the waker belongs to code that is not ours), and
//! none unwinds through a worker or leaves the state word half-updated.

use super::error::Repr;
use super::raw::{Cell, Header, RawTask, Stage, Vtable};
use super::state::{JoinDropped, Outcome, RefDec, ToIdle, ToRunning};
use super::{waker, JoinError, Notified, Schedule, Task};
use std::future::Future;
use std::mem::{self, ManuallyDrop};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};
use weave_sync::contain::drop_quietly;

/// The vtable of tasks with future `F` and scheduler `S`.
pub(crate) fn vtable<F: Future, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        poll_finished: poll_finished::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
        cancel: cancel::<F, S>,
        may_drop_here: may_drop_here::<F, S>,
    }
}

/// A typed view of one task.
struct Harness<F: Future, S> {
    cell: NonNull<Cell<F, S>>,
}

impl<F: Future, S: Schedule> Harness<F, S> {
    /// # Safety
    /// - `ptr` is the header of a live `Cell<F, S>`.
    unsafe fn from_raw(ptr: NonNull<Header>) -> Self {
        Harness { cell: ptr.cast() }
    }

    fn cell(&self) -> &Cell<F, S> {
        // SAFETY: the caller of every vtable entry holds a reference, so
        // the cell is live for the harness's lifetime.
        unsafe { self.cell.as_ref() }
    }

    fn header(&self) -> &Header {
        &self.cell().header
    }

    fn raw(&self) -> RawTask {
        // SAFETY: the header of a live task.
        unsafe { RawTask::from_raw(self.cell.cast()) }
    }

    /// Moves the outcome out of the stage.
    ///
    /// # Safety
    /// - The task is `COMPLETE` with `outcome`, and the caller owns the
    ///   outcome (see the state rules), which nobody has moved out before.
    unsafe fn take_output(&self, outcome: Outcome) -> Result<F::Output, Repr> {
        self.cell().stage.with_mut(|ptr| match outcome {
            // SAFETY: per the caller's contract the stage holds what the
            // outcome says, and it is ours to move out, once.
            Outcome::Output => Ok(unsafe { ManuallyDrop::take(&mut (*ptr).output) }),
            Outcome::Cancelled => Err(Repr::Cancelled),
            // SAFETY: as above.
            Outcome::Panicked => Err(Repr::Panic(unsafe {
                ManuallyDrop::take(&mut (*ptr).panic)
            })),
        })
    }

    /// Drops the future, catching a panic from its `Drop`.
    ///
    /// # Safety
    /// - The caller holds `RUNNING` (or the last reference of a task that
    ///   never completed), and the stage holds the future.
    ///
    /// The future is pinned: it is dropped where it lies, never moved out
    /// first (a future may hold its own address, e.g. in a waiter list).
    /// Afterwards the stage holds nothing until `complete` writes the output.
    unsafe fn drop_future(&self) -> Result<(), Repr> {
        self.cell().stage.with_mut(|ptr| {
            panic::catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: exclusive access per the caller's contract; the
                // future is dropped exactly once, here (drop glue finishes
                // the remaining fields even when one `Drop` panics).
                unsafe { ManuallyDrop::drop(&mut (*ptr).future) }
            }))
            .map_err(Repr::Panic)
        })
    }

    /// Polls the future once; on `Ready` the future has been dropped.
    ///
    /// # Safety
    /// - The caller holds `RUNNING`.
    unsafe fn poll_future(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, Repr>> {
        // The console counts a poll from entering the span to leaving it.
        #[cfg(feature = "tracing")]
        let _entered = self.header().span.enter();
        let polled = panic::catch_unwind(AssertUnwindSafe(|| {
            self.cell().stage.with_mut(|ptr| {
                // A task being polled has not completed (`ToRunning::Success`
                // excludes `COMPLETE`), so the stage holds the future.
                // SAFETY: `RUNNING` gives exclusive access to the stage.
                let future: &mut F = unsafe { &mut (*ptr).future };
                // SAFETY: the future lives inside the task allocation and is
                // never moved (it is dropped in place by `drop_future` after
                // its last poll).
                unsafe { Pin::new_unchecked(future) }.poll(cx)
            })
        }));
        let Ok(Poll::Ready(output)) = polled else {
            return match polled {
                Ok(_) => Poll::Pending,
                Err(payload) => {
                    // SAFETY: still `RUNNING`.
                    drop_quietly(unsafe { self.drop_future() });
                    Poll::Ready(Err(Repr::Panic(payload)))
                }
            };
        };
        // SAFETY: still `RUNNING`.
        Poll::Ready(match unsafe { self.drop_future() } {
            Ok(()) => Ok(output),
            Err(panic) => {
                drop_quietly(output);
                Err(panic)
            }
        })
    }

    /// Runs one poll and everything that follows it.
    fn poll(self) {
        match self.header().state.transition_to_running() {
            ToRunning::Success => {}
            // SAFETY: `RUNNING` is ours and we hold the `Notified` reference.
            ToRunning::Cancelled => return unsafe { self.cancel_and_complete() },
            ToRunning::Failed => return,
            // SAFETY: the last reference was ours.
            ToRunning::Dealloc => return unsafe { self.dealloc() },
        }
        self.header().count_poll();
        let raw_waker = waker::raw_waker(self.cell.cast());
        // SAFETY: the waker vtable upholds the `RawWaker` contract; the
        // borrowed waker holds no count of its own and lives within this
        // poll, during which our `Notified` reference keeps the task alive.
        let waker = ManuallyDrop::new(unsafe { Waker::from_raw(raw_waker) });
        let mut cx = Context::from_waker(&waker);
        // The budget is the worker's to set: one for a task and the tasks
        // it hands on through the LIFO slot (`worker.rs`).
        let _task = super::current::enter_task(self.header().id);
        // SAFETY: `RUNNING` is ours.
        match unsafe { self.poll_future(&mut cx) } {
            // SAFETY: `RUNNING` and the `Notified` reference are ours.
            Poll::Ready(output) => unsafe { self.complete(output) },
            Poll::Pending => match self.header().state.transition_to_idle() {
                ToIdle::Ok => self.raw().drop_reference(),
                ToIdle::OkNotified => self
                    .cell()
                    .scheduler
                    .schedule(Notified::from_raw(self.raw()), true),
                // SAFETY: `RUNNING` was kept for us.
                ToIdle::Cancelled => unsafe { self.cancel_and_complete() },
            },
        }
    }

    /// # Safety
    /// - The caller holds `RUNNING` and one reference, consumed here.
    unsafe fn cancel_and_complete(self) {
        // SAFETY: forwarded contract.
        let output = match unsafe { self.drop_future() } {
            Ok(()) => Err(Repr::Cancelled),
            Err(panic) => Err(panic),
        };
        // SAFETY: forwarded contract.
        unsafe { self.complete(output) }
    }

    /// Stores the output, wakes the `JoinHandle`, releases the task from
    /// its owner and drops the caller's reference.
    ///
    /// # Safety
    /// - The caller holds `RUNNING` and one reference; the future has been
    ///   dropped.
    unsafe fn complete(self, output: Result<F::Output, Repr>) {
        let outcome = self.cell().stage.with_mut(|ptr| match output {
            Ok(output) => {
                // SAFETY: `RUNNING` is ours; the stage holds nothing to drop.
                unsafe {
                    ptr.write(Stage {
                        output: ManuallyDrop::new(output),
                    })
                };
                Outcome::Output
            }
            Err(Repr::Cancelled) => Outcome::Cancelled,
            Err(Repr::Panic(payload)) => {
                // SAFETY: as above.
                unsafe {
                    ptr.write(Stage {
                        panic: ManuallyDrop::new(payload),
                    })
                };
                Outcome::Panicked
            }
        });
        // Leave the owner before anyone can see `COMPLETE`: once a
        // `JoinHandle` reports the task done, it no longer counts as alive.
        let task = ManuallyDrop::new(Task::from_raw(self.raw()));
        let released = self.cell().scheduler.release(&task);
        let refs = match released {
            Some(owned) => {
                mem::forget(owned);
                2
            }
            None => 1,
        };
        let header = self.header();
        let snapshot = header.state.transition_to_complete(outcome);
        if !snapshot.is_join_interested() {
            // Nobody will read the output: it is ours to drop.
            // SAFETY: `COMPLETE` without join interest gives us the output,
            // just written.
            drop_quietly(unsafe { self.take_output(outcome) });
        } else if snapshot.is_join_waker_set() {
            // A panicking waker is contained: it must not unwind through the
            // worker or skip the reference count below.
            header.join_waker.with(|ptr| {
                // SAFETY: `JOIN_WAKER` is set: the slot is initialized and the
                // `JoinHandle` does not write it.
                unsafe { (*ptr).wake_by_ref() }
            });
            if !header
                .state
                .unset_join_waker_after_complete()
                .is_join_interested()
            {
                // The `JoinHandle` went away meanwhile and left the waker to us.
                // SAFETY: `JOIN_WAKER` is clear and the task complete: only we
                // may touch the slot now.
                drop_quietly(header.join_waker.with_mut(|ptr| unsafe { (*ptr).take() }));
            }
        }
        if header.state.ref_dec_by(refs) == RefDec::Last {
            // SAFETY: that was the last reference.
            unsafe { self.dealloc() }
        }
    }

    /// # Safety
    /// - No reference is left.
    unsafe fn dealloc(self) {
        let state = self.header().state.load();
        if state.is_named() {
            super::name::remove(self.header().id);
        }
        if !state.is_complete() {
            // Freed without ever completing (its runtime dropped it unrun):
            // the stage still holds the future.
            // SAFETY: the last reference is ours, and a task that is not
            // `COMPLETE` holds its future (see `Stage`).
            if let Err(panic) = unsafe { self.drop_future() } {
                drop_quietly(panic);
            }
        }
        // SAFETY: the allocation came from `Box` in `Cell::allocate`, and
        // nobody else can reach it now.
        let cell = unsafe { Box::from_raw(self.cell.as_ptr()) };
        drop_quietly(cell);
    }

    /// # Safety
    /// - The caller is the `JoinHandle`, not reading the output at the
    ///   same time.
    unsafe fn poll_finished(self, waker: &Waker) -> Option<bool> {
        self.can_read_output(waker)
            .map(|outcome| outcome != Outcome::Output)
    }

    /// # Safety
    /// - The caller is the `JoinHandle`; `dst` is a
    ///   `*mut Poll<Result<F::Output, JoinError>>`.
    unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        let Some(outcome) = self.can_read_output(waker) else {
            return;
        };
        // SAFETY: `COMPLETE` with `outcome` and join interest: the output
        // is ours, and per the caller's contract not taken before.
        let output = unsafe { self.take_output(outcome) };
        let header = self.header();
        let output = output.map_err(|repr| JoinError::new(header.id, header.name(), repr));
        // SAFETY: the caller's contract names the type behind `dst`.
        unsafe { *(dst as *mut Poll<Result<F::Output, JoinError>>) = Poll::Ready(output) };
    }

    /// The outcome if the task is complete; else makes sure `waker` is the
    /// one the completer will wake.
    fn can_read_output(&self, waker: &Waker) -> Option<Outcome> {
        let header = self.header();
        let snapshot = header.state.load();
        if let Some(outcome) = snapshot.outcome() {
            return Some(outcome);
        }
        let set = if snapshot.is_join_waker_set() {
            let same = header.join_waker.with(|ptr| {
                // SAFETY: `JOIN_WAKER` is set, so the slot is initialized and
                // only read by others.
                unsafe { (*ptr).will_wake(waker) }
            });
            if same {
                return None;
            }
            header
                .state
                .unset_join_waker()
                .and_then(|_| self.set_join_waker(waker))
        } else {
            self.set_join_waker(waker)
        };
        match set {
            Ok(_) => None,
            Err(snapshot) => {
                debug_assert!(snapshot.is_complete());
                snapshot.outcome()
            }
        }
    }

    fn set_join_waker(
        &self,
        waker: &Waker,
    ) -> Result<super::state::Snapshot, super::state::Snapshot> {
        let header = self.header();
        header.join_waker.with_mut(|ptr| {
            // SAFETY: `JOIN_WAKER` and `COMPLETE` are clear: the slot is
            // the `JoinHandle`'s (ours).
            unsafe { (*ptr).set(waker) }
        });
        let result = header.state.set_join_waker();
        if result.is_err() {
            // Completed meanwhile: the completer never saw the waker.
            // SAFETY: `JOIN_WAKER` was not published; the slot is still ours.
            drop_quietly(header.join_waker.with_mut(|ptr| unsafe { (*ptr).take() }));
        }
        result
    }

    /// # Safety
    /// - Called once, by the `JoinHandle`, with its reference;
    ///   `output_taken` is true exactly when it read the output.
    unsafe fn drop_join_handle(self, output_taken: bool) {
        let header = self.header();
        if output_taken {
            // Complete, and nothing of the handle's left to drop.
            if header.state.drop_join_handle_after_output() == RefDec::Last {
                // SAFETY: that was the last reference.
                unsafe { self.dealloc() }
            }
            return;
        }
        let JoinDropped {
            drop_output,
            drop_waker,
        } = header.state.transition_to_join_handle_dropped();
        // SAFETY: `COMPLETE` with join interest (just given up) gives us the
        // output, which we did not read; take it out before our reference
        // may free the task.
        let output = drop_output.map(|outcome| unsafe { self.take_output(outcome) });
        if drop_waker {
            // SAFETY: `JOIN_WAKER` was cleared before completion: the slot
            // is ours.
            drop_quietly(header.join_waker.with_mut(|ptr| unsafe { (*ptr).take() }));
        }
        self.raw().drop_reference();
        // The output is the user's value, dropped on the user's thread. A
        // panic in its `Drop` is swallowed, as tokio does: whoever drops the
        // handle has said it does not want the output.
        drop_quietly(output);
    }

    fn schedule(self) {
        self.cell()
            .scheduler
            .schedule(Notified::from_raw(self.raw()), false);
    }
}

/// # Safety
/// - `ptr` is the header of a live `Cell<F, S>` (the vtable entry is only
///   reached through such a header);
/// - the caller gives up one `Notified` reference, which the poll consumes.
unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only reached through a header of this type.
    unsafe { Harness::<F, S>::from_raw(ptr) }.poll()
}

/// # Safety
/// - `ptr` is the header of a live `Cell<F, S>` (the vtable entry is only
///   reached through such a header);
/// - the caller hands over one reference, which becomes the `Notified`.
unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: as in `poll`.
    unsafe { Harness::<F, S>::from_raw(ptr) }.schedule()
}

/// # Safety
/// - `ptr` is the header of a live `Cell<F, S>` (the vtable entry is only
///   reached through such a header);
/// - the reference count just dropped to zero: nothing refers to the task.
unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: as in `poll`; the caller dropped the last reference.
    unsafe { Harness::<F, S>::from_raw(ptr).dealloc() }
}

/// # Safety
/// - `ptr` is the header of a live `Cell<F, S>` (the vtable entry is only
///   reached through such a header);
/// - the caller is the task's `JoinHandle`, not reading the output at the
///   same time.
unsafe fn poll_finished<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    waker: &Waker,
) -> Option<bool> {
    // SAFETY: the vtable is only reached through a header of this type;
    // the caller's contract is forwarded.
    unsafe { Harness::<F, S>::from_raw(ptr).poll_finished(waker) }
}

/// # Safety
/// - `ptr` is the header of a live `Cell<F, S>` (the vtable entry is only
///   reached through such a header);
/// - the caller is the task's `JoinHandle`, and `dst` points to a
///   `Poll<Result<F::Output, JoinError>>`.
unsafe fn try_read_output<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: as in `poll`; the `JoinHandle` contract is forwarded.
    unsafe { Harness::<F, S>::from_raw(ptr).try_read_output(dst, waker) }
}

/// # Safety
/// - `ptr` is the header of a live `Cell<F, S>` (the vtable entry is only
///   reached through such a header);
/// - called once, by the `JoinHandle`, giving up its reference, and
///   `output_taken` says whether it read the output.
unsafe fn drop_join_handle<F: Future, S: Schedule>(ptr: NonNull<Header>, output_taken: bool) {
    // SAFETY: as in `poll`; the `JoinHandle` contract is forwarded.
    unsafe { Harness::<F, S>::from_raw(ptr).drop_join_handle(output_taken) }
}

/// # Safety
/// - `ptr` is the header of a live `Cell<F, S>` (the vtable entry is only
///   reached through such a header);
/// - the caller holds `RUNNING` and one reference, which this consumes.
unsafe fn cancel<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: as in `poll`; the caller holds `RUNNING` and a reference.
    unsafe { Harness::<F, S>::from_raw(ptr).cancel_and_complete() }
}

/// # Safety
/// - `ptr` is the header of a live `Cell<F, S>` (the vtable entry is only
///   reached through such a header).
unsafe fn may_drop_here<F: Future, S: Schedule>(ptr: NonNull<Header>) -> bool {
    // SAFETY: as in `poll`; only the scheduler handle is read.
    unsafe { Harness::<F, S>::from_raw(ptr) }
        .cell()
        .scheduler
        .may_drop_here()
}
