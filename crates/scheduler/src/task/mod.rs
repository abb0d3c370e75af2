//! Tasks: one allocation per spawned future, and the handles to it.
//!
//! Ground rules:
//! - A task is referenced by counted handles only: [`Task`] (the owned-task
//!   list's), [`Notified`] (a queue's: "poll me"), [`JoinHandle`] and every
//!   `Waker`. The last handle dropped frees it.
//! - The future is touched only by the thread holding the `RUNNING` bit
//!   (see [`state`]): a worker (or a `block_on` thread, for its local
//!   tasks) polling a `Notified`, or a thread that claimed an idle task to
//!   cancel it. So a task is never polled concurrently. A thread that may
//!   not drop the future (a local task's, off its owner thread: see
//!   `Schedule::may_drop_here`) never claims it to cancel: it sets
//!   `CANCELLED` and `NOTIFIED` instead, and the owner drops it.
//! - A task is completed exactly once (output, cancellation or panic), which
//!   drops the future exactly once; the output is dropped exactly once, by
//!   the `JoinHandle` or, without one, by the completer.
//! - A task leaves its owner through [`Schedule::release`] when it
//!   completes; shutdown cancels everything the owner still lists.
//!
//! The join-waker protocol: how the `JoinHandle` and the completer share
//! the join waker slot (`Header::join_waker`) without a lock. `JOIN_WAKER`
//! and `COMPLETE` are bits of the state word (`state.rs`); `harness.rs`
//! carries out the rules.
//! 1. While `COMPLETE` is clear and `JOIN_WAKER` is clear, the slot is the
//!    `JoinHandle`'s: only it reads or writes it.
//! 2. To wait, the `JoinHandle` writes its waker into the slot, then sets
//!    `JOIN_WAKER` with a compare-and-swap that fails if `COMPLETE` was set
//!    meanwhile; on failure it clears the slot again (the completer never
//!    saw it) and reads the output instead.
//! 3. While `JOIN_WAKER` is set, the slot is read-only for both sides: the
//!    completer may read it at any moment.
//! 4. To replace a waker that would not wake the current task, the
//!    `JoinHandle` first clears `JOIN_WAKER` (failing if `COMPLETE` is set,
//!    in which case it reads the output), which gives the slot back to it
//!    under rule 1, then goes on as in rule 2.
//! 5. The completer sets `COMPLETE` (and clears `RUNNING`) in one step. If
//!    `JOIN_INTEREST` was clear it drops the output itself. If
//!    `JOIN_WAKER` was set it wakes the waker (by reference, a panic
//!    contained), then clears `JOIN_WAKER`; if `JOIN_INTEREST` was cleared
//!    by then, the slot is its to empty, else the waker stays in it until
//!    the task is freed.
//! 6. Once `COMPLETE` is set, the `JoinHandle` writes the slot no more.
//! 7. The `JoinHandle`'s drop clears `JOIN_INTEREST`, and also
//!    `JOIN_WAKER` unless the task is complete, in one step: before
//!    completion the slot (and the waker in it) is then its to drop; after
//!    completion the output is its to drop, and the waker the completer's
//!    (rule 5).

mod current;
mod error;
pub(crate) mod harness;
mod id;
mod info;
mod join;
mod join_waker;
pub(crate) mod list;
mod location;
mod name;
pub(crate) mod raw;
pub(crate) mod state;
#[cfg(feature = "tracing")]
mod trace;
mod waker;

pub use current::current_task;
pub(crate) use current::enter_task;
pub use error::JoinError;
pub use id::TaskId;
pub use info::{TaskInfo, TaskState};
pub use join::JoinHandle;

use raw::RawTask;
pub(crate) use raw::SpawnInfo;
use state::ToCancelled;
use std::future::Future;
use std::mem::ManuallyDrop;

/// What a task needs from whoever runs it.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Queues `task` to be polled. `is_yield` is true when the task woke
    /// itself during its own poll: it then goes behind other ready work.
    fn schedule(&self, task: Notified, is_yield: bool);

    /// The task completed: unlink it from the owner, handing back the
    /// owner's reference (`None` if the owner does not list it).
    fn release(&self, task: &Task) -> Option<Task>;

    /// Whether the calling thread may drop the task's future: a local
    /// task's scheduler says no off its owner thread, so a cancel there
    /// notifies the task instead of dropping it.
    fn may_drop_here(&self) -> bool {
        true
    }

    /// What its tasks are, for their trace spans (feature `tracing`):
    /// "task", "local" or "blocking".
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    const KIND: &'static str = "task";
}

/// The owner's counted reference to a task.
pub(crate) struct Task {
    raw: RawTask,
}

/// A counted reference that stands for "this task must be polled".
pub(crate) struct Notified {
    raw: RawTask,
}

impl Task {
    pub(crate) fn from_raw(raw: RawTask) -> Task {
        Task { raw }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// Cancels the task for a runtime shutdown: if no thread is polling or
    /// cancelling it, its future is dropped here and now.
    pub(crate) fn shutdown(&self) {
        shutdown(self.raw);
    }

    /// A snapshot of the task for introspection.
    pub(crate) fn info(&self) -> TaskInfo {
        TaskInfo::of(self.raw.header())
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl Notified {
    pub(crate) fn from_raw(raw: RawTask) -> Notified {
        Notified { raw }
    }

    /// Polls the task (or completes its cancellation).
    pub(crate) fn run(self) {
        let raw = ManuallyDrop::new(self).raw;
        raw.poll();
    }

    /// A counted reference to the same task, which outlives this one's
    /// run (to report on the task after its poll).
    pub(crate) fn to_task(&self) -> Task {
        self.raw.state().ref_inc();
        Task { raw: self.raw }
    }

    /// Cancels a queued task that will never run (its queue is shutting
    /// down), dropping its future here.
    pub(crate) fn shutdown(self) {
        shutdown(self.raw);
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

/// Requests cancellation of the task behind `raw`; false if it already
/// finished. If the task is idle, its future is dropped before returning.
#[must_use = "true: this call cancelled the task"]
pub(crate) fn cancel(raw: RawTask) -> bool {
    if !raw.may_drop_here() {
        return cancel_by_notify(raw);
    }
    match raw.state().transition_to_cancelled() {
        ToCancelled::AlreadyDone => !raw.state().load().is_complete(),
        ToCancelled::Deferred => true,
        ToCancelled::ClaimedIdle => {
            raw.state().ref_inc();
            // SAFETY: `RUNNING` was claimed by the transition, and the
            // reference just added is handed over.
            unsafe { raw.cancel() };
            true
        }
        ToCancelled::Submit => unreachable!("only the notifying cancel submits"),
    }
}

/// Cancels a task off the thread that must drop its future: flags it, and
/// an idle one is scheduled so that its owner drops the future.
fn cancel_by_notify(raw: RawTask) -> bool {
    match raw.state().transition_to_cancelled_by_notify() {
        ToCancelled::AlreadyDone => !raw.state().load().is_complete(),
        ToCancelled::Deferred => true,
        ToCancelled::Submit => {
            // The transition added the reference `schedule` hands over.
            raw.schedule();
            true
        }
        ToCancelled::ClaimedIdle => unreachable!("the notifying cancel never claims"),
    }
}

/// Claims the task for shutdown and, unless someone else is already
/// finishing it, drops its future here.
fn shutdown(raw: RawTask) {
    if raw.state().transition_to_shutdown() == state::ToShutdown::Claimed {
        raw.state().ref_inc();
        // SAFETY: `RUNNING` was claimed above and the reference just added
        // is handed to `cancel`.
        unsafe { raw.cancel() }
    }
}

/// Allocates a task. Returns the owner's `Task`, the first `Notified` and
/// the `JoinHandle` (the three initial references).
#[inline]
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    spawn: SpawnInfo<'_>,
) -> (Task, Notified, JoinHandle<F::Output>)
where
    F: Future,
    S: Schedule,
{
    if let Some(name) = spawn.name {
        name::insert(spawn.id, name);
    }
    let raw = RawTask::new(future, scheduler, spawn);
    (Task { raw }, Notified { raw }, JoinHandle::new(raw))
}

#[cfg(test)]
pub(crate) mod mock;
#[cfg(all(test, not(loom)))]
mod tests;
