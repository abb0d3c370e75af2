//! The task state word: every flag of a task and its reference count in one
//! `AtomicUsize`, changed only through the transitions below.
//!
//! | bit | name            | set by                              | cleared by                            |
//! |-----|-----------------|-------------------------------------|---------------------------------------|
//! | 0   | `RUNNING`       | the thread that starts a poll, or a cancel that claims an idle task | the poll's end (`transition_to_idle` / `_complete`) |
//! | 1   | `NOTIFIED`      | a wake of a task that is not complete and not yet notified (at spawn too) | `transition_to_running`       |
//! | 2   | `COMPLETE`      | `transition_to_complete`, once      | never                                 |
//! | 3   | `CANCELLED`     | `JoinHandle::cancel`, runtime shutdown | never                              |
//! | 4   | `JOIN_INTEREST` | at spawn (the `JoinHandle` exists)  | the `JoinHandle`'s drop                |
//! | 5   | `JOIN_WAKER`    | the `JoinHandle`, after writing the join waker | the `JoinHandle` (to replace it) or the completer after waking it |
//! | 6   | `NAMED`         | at spawn, for a task with a name (kept in a side table) | never               |
//! | 7   | `FAILED`        | `transition_to_complete`, with `COMPLETE`, if the task was cancelled or panicked | never |
//! | 8   | `PANICKED`      | as `FAILED`, if it panicked         | never                                 |
//! | 9.. | reference count | one per `Task`/`Notified` handle, `JoinHandle` and `Waker` | their drops; the last one frees the task |
//!
//! `FAILED` and `PANICKED` (the [`Outcome`]) say what the task's stage
//! holds once it is complete: the output, nothing (cancelled) or the panic
//! payload. The stage has no tag of its own (`raw::Stage`).
//!
//! A task starts as `NOTIFIED | JOIN_INTEREST` with three references: the
//! owned-task list, the `JoinHandle` and the `Notified` handed to the
//! scheduler for the first poll.
//!
//! Ground rules the transitions enforce:
//! - only the holder of `RUNNING` touches the future; so no two threads poll
//!   a task at once;
//! - a wake while `RUNNING` only sets `NOTIFIED`: the poller re-schedules the
//!   task once when the poll returns `Pending` (no lost wake-up);
//! - a wake of a `COMPLETE` task does nothing;
//! - after `COMPLETE`, the output belongs to the `JoinHandle` while
//!   `JOIN_INTEREST` is set, otherwise to the completer;
//! - the join waker slot is written only by the `JoinHandle` while
//!   `JOIN_WAKER` and `COMPLETE` are both clear, and read by the completer
//!   only while `JOIN_WAKER` is set.

use crate::loom::{AtomicUsize, Ordering::*};
use std::fmt;

/// The task is being polled (or cancelled) by the thread that set this bit.
const RUNNING: usize = 1 << 0;
/// The task is scheduled: a `Notified` for it exists in some queue.
const NOTIFIED: usize = 1 << 1;
/// The future has finished or was dropped; the output slot is filled.
const COMPLETE: usize = 1 << 2;
/// Cancellation was requested; the future is dropped at the next chance.
const CANCELLED: usize = 1 << 3;
/// The `JoinHandle` is alive and will read the output.
const JOIN_INTEREST: usize = 1 << 4;
/// The join waker slot holds a waker the completer must wake.
const JOIN_WAKER: usize = 1 << 5;
/// The task has an entry in the name table (see `task::name`).
const NAMED: usize = 1 << 6;
/// Complete without an output: cancelled, or (with `PANICKED`) panicked.
const FAILED: usize = 1 << 7;
/// With `FAILED`: the stage holds a panic payload.
const PANICKED: usize = 1 << 8;
/// Flags below this, reference count above it.
const REF_SHIFT: usize = 9;
/// One reference.
const REF_ONE: usize = 1 << REF_SHIFT;
const FLAG_MASK: usize = REF_ONE - 1;
/// The state of a freshly spawned task (see the module docs).
const INITIAL: usize = NOTIFIED | JOIN_INTEREST | (3 * REF_ONE);

/// The atomic state word of one task.
pub(crate) struct State {
    val: AtomicUsize,
}

/// A copy of the state word at one moment.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What the poller must do after `transition_to_running`.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// `RUNNING` is ours: poll the future.
    Success,
    /// `RUNNING` is ours but cancellation was requested: drop the future.
    Cancelled,
    /// The task is complete or already claimed; the `Notified` reference
    /// was dropped and it was not the last.
    Failed,
    /// As `Failed`, and that was the last reference: free the task.
    Dealloc,
}

/// What the poller must do after a poll returned `Pending`.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Idle; the poller still holds its reference and must drop it.
    Ok,
    /// Woken during the poll: the poller's reference now backs a new
    /// `Notified` that must be scheduled.
    OkNotified,
    /// Cancelled during the poll: `RUNNING` is kept, drop the future.
    Cancelled,
}

/// How a task ended, and so what its stage holds after `COMPLETE`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The future returned: the stage holds its output.
    Output,
    /// The future was dropped unfinished: the stage holds nothing.
    Cancelled,
    /// The future (or its `Drop`) panicked: the stage holds the payload.
    Panicked,
}

impl Outcome {
    fn bits(self) -> usize {
        match self {
            Outcome::Output => 0,
            Outcome::Cancelled => FAILED,
            Outcome::Panicked => FAILED | PANICKED,
        }
    }
}

/// What a waker must do after `transition_to_notified_*`.
/// What dropping references did ([`State::ref_dec_by`]).
#[must_use = "the last reference must free the task"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum RefDec {
    /// That was the last reference: the caller frees the task.
    Last,
    /// Others remain.
    Remaining,
}

/// What [`State::transition_to_shutdown`] claimed.
#[must_use = "a claimed task must be cancelled by the caller"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToShutdown {
    /// `RUNNING | CANCELLED` set: the caller drops the future.
    Claimed,
    /// Complete, or running elsewhere (and now marked cancelled): nothing
    /// to do here.
    NotOurs,
}

/// What the `JoinHandle` must drop on its way out
/// ([`State::transition_to_join_handle_dropped`]).
#[must_use = "the output and the join waker may be the caller's to drop"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct JoinDropped {
    /// The task is complete: the stored outcome is the handle's to drop.
    pub(crate) drop_output: Option<Outcome>,
    /// The task is not complete and a join waker is set: the completer
    /// will never touch it, the handle drops it.
    pub(crate) drop_waker: bool,
}

#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// Nothing: running, complete or already notified.
    DoNothing,
    /// Hand a new `Notified` (holding one reference) to the scheduler.
    Submit,
    /// Nothing to do, and the reference just dropped was the last.
    Dealloc,
}

/// What `cancel` or shutdown must do.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ToCancelled {
    /// Already complete or already cancelled: nothing changed.
    AlreadyDone,
    /// Flag set; whoever runs or will run the task drops the future.
    Deferred,
    /// The task was idle and `RUNNING` is now ours: drop the future here.
    ClaimedIdle,
    /// The task was idle; it is now flagged and notified, and the caller
    /// holds a new reference to hand to its scheduler as a `Notified`:
    /// the thread that polls it drops the future
    /// ([`State::transition_to_cancelled_by_notify`]).
    Submit,
}

impl State {
    /// The state of a new task: notified, join interest, three references.
    pub(crate) fn new(named: bool) -> State {
        State {
            val: AtomicUsize::new(INITIAL | if named { NAMED } else { 0 }),
        }
    }

    /// A snapshot with `Acquire` ordering.
    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    fn fetch_update<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut curr = self.val.load(Acquire);
        loop {
            let (out, next) = f(Snapshot(curr));
            let Some(next) = next else { return out };
            match self
                .val
                .compare_exchange_weak(curr, next.0, AcqRel, Acquire)
            {
                Ok(_) => return out,
                Err(actual) => curr = actual,
            }
        }
    }

    /// Claims the task for a poll. Consumes the `Notified` reference only
    /// on `Failed` / `Dealloc`.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_notified(), "polling a task that is not notified");
            if s.is_running() || s.is_complete() {
                s.ref_dec();
                let out = if s.ref_count() == 0 {
                    ToRunning::Dealloc
                } else {
                    ToRunning::Failed
                };
                return (out, Some(s));
            }
            s.0 = (s.0 & !NOTIFIED) | RUNNING;
            let out = if s.is_cancelled() {
                ToRunning::Cancelled
            } else {
                ToRunning::Success
            };
            (out, Some(s))
        })
    }

    /// Ends a poll that returned `Pending`.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.fetch_update(|mut s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (ToIdle::Cancelled, None);
            }
            s.0 &= !RUNNING;
            if s.is_notified() {
                // The poller's reference moves to the new `Notified`.
                (ToIdle::OkNotified, Some(s))
            } else {
                (ToIdle::Ok, Some(s))
            }
        })
    }

    /// Marks the task complete with `outcome` (already in the stage);
    /// returns the state just after.
    pub(crate) fn transition_to_complete(&self, outcome: Outcome) -> Snapshot {
        // The outcome bits are clear until now, so the XOR sets them.
        let bits = RUNNING | COMPLETE | outcome.bits();
        let prev = Snapshot(self.val.fetch_xor(bits, AcqRel));
        debug_assert!(
            prev.is_running() && !prev.is_complete() && prev.0 & (FAILED | PANICKED) == 0
        );
        Snapshot(prev.0 ^ bits)
    }

    /// After completion, drops `count` references.
    pub(crate) fn ref_dec_by(&self, count: usize) -> RefDec {
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= count, "task reference count underflow");
        if prev.ref_count() == count {
            RefDec::Last
        } else {
            RefDec::Remaining
        }
    }

    /// A wake that consumes a waker's reference.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_running() {
                s.0 |= NOTIFIED;
                s.ref_dec();
                debug_assert!(s.ref_count() > 0, "a running task holds a reference");
                (ToNotified::DoNothing, Some(s))
            } else if s.is_complete() || s.is_notified() {
                s.ref_dec();
                if s.ref_count() == 0 {
                    (ToNotified::Dealloc, Some(s))
                } else {
                    (ToNotified::DoNothing, Some(s))
                }
            } else {
                // The waker's reference backs the new `Notified`.
                s.0 |= NOTIFIED;
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// A wake through a borrowed waker.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.fetch_update(|mut s| {
            if s.is_complete() || s.is_notified() {
                (ToNotified::DoNothing, None)
            } else if s.is_running() {
                s.0 |= NOTIFIED;
                (ToNotified::DoNothing, Some(s))
            } else {
                s.0 |= NOTIFIED;
                s.ref_inc();
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// Requests cancellation (`JoinHandle::cancel`, shutdown): an idle
    /// task is claimed (`RUNNING`) for the caller to drop its future.
    pub(crate) fn transition_to_cancelled(&self) -> ToCancelled {
        self.cancel_with(ToCancelled::ClaimedIdle, |s| s.0 |= RUNNING)
    }

    /// Requests cancellation of a task whose future must be dropped on the
    /// thread that polls it (a local task, cancelled from another thread):
    /// never claims `RUNNING`; an idle task is notified instead (with a
    /// reference for the `Notified`), so its owner runs it and finds it
    /// cancelled.
    pub(crate) fn transition_to_cancelled_by_notify(&self) -> ToCancelled {
        self.cancel_with(ToCancelled::Submit, |s| {
            s.0 |= NOTIFIED;
            s.ref_inc();
        })
    }

    /// Sets `CANCELLED`; on an idle task also applies `claim` and answers
    /// `idle`.
    fn cancel_with(&self, idle: ToCancelled, claim: impl Fn(&mut Snapshot)) -> ToCancelled {
        self.fetch_update(|mut s| {
            if s.is_complete() || s.is_cancelled() {
                (ToCancelled::AlreadyDone, None)
            } else if s.is_running() || s.is_notified() {
                s.0 |= CANCELLED;
                (ToCancelled::Deferred, Some(s))
            } else {
                s.0 |= CANCELLED;
                claim(&mut s);
                (idle, Some(s))
            }
        })
    }

    /// Shutdown of a runtime whose workers have all stopped: claims the task
    /// even when it sits notified in a queue no worker will drain.
    pub(crate) fn transition_to_shutdown(&self) -> ToShutdown {
        self.fetch_update(|mut s| {
            if s.is_complete() || s.is_running() {
                // Complete, or someone else is dropping it right now.
                (
                    ToShutdown::NotOurs,
                    if s.is_cancelled() {
                        None
                    } else {
                        Some(s.with(CANCELLED))
                    },
                )
            } else {
                s.0 |= CANCELLED | RUNNING;
                (ToShutdown::Claimed, Some(s))
            }
        })
    }

    /// Adds one reference (a waker clone, a re-scheduled `Notified`).
    pub(crate) fn ref_inc(&self) {
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        // A count near `usize::MAX >> REF_SHIFT` means leaked wakers; abort
        // rather than wrap around into a use-after-free.
        if prev > isize::MAX as usize {
            std::process::abort();
        }
    }

    /// Drops one reference.
    pub(crate) fn ref_dec(&self) -> RefDec {
        self.ref_dec_by(1)
    }

    /// The `JoinHandle` drops its interest; see [`JoinDropped`] for what it
    /// must drop.
    pub(crate) fn transition_to_join_handle_dropped(&self) -> JoinDropped {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested());
            let mut next = s.0 & !JOIN_INTEREST;
            if !s.is_complete() {
                next &= !JOIN_WAKER;
            }
            let dropped = JoinDropped {
                drop_output: s.outcome(),
                drop_waker: !s.is_complete() && s.is_join_waker_set(),
            };
            (dropped, Some(Snapshot(next)))
        })
    }

    /// The `JoinHandle` that took the output goes away: clears
    /// `JOIN_INTEREST` and drops its reference in one step (the task is
    /// complete, so there is no join waker of its own to drop, and the bit
    /// is set: only the handle clears it).
    pub(crate) fn drop_join_handle_after_output(&self) -> RefDec {
        let prev = Snapshot(self.val.fetch_sub(JOIN_INTEREST + REF_ONE, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_interested() && prev.ref_count() > 0);
        if prev.ref_count() == 1 {
            RefDec::Last
        } else {
            RefDec::Remaining
        }
    }

    /// Publishes the join waker the `JoinHandle` just wrote. Fails with the
    /// current state if the task completed meanwhile.
    pub(crate) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                (Err(s), None)
            } else {
                let next = s.with(JOIN_WAKER);
                (Ok(next), Some(next))
            }
        })
    }

    /// Takes the join waker slot back so the `JoinHandle` can replace it.
    /// Fails if the task completed meanwhile.
    pub(crate) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.fetch_update(|s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                (Err(s), None)
            } else {
                let next = Snapshot(s.0 & !JOIN_WAKER);
                (Ok(next), Some(next))
            }
        })
    }

    /// The completer is done with the join waker; returns the state after.
    pub(crate) fn unset_join_waker_after_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    /// True if the task has not been touched since spawn except by the
    /// scheduler: used by tests.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_initial(&self) -> bool {
        self.val.load(Acquire) == INITIAL
    }
}

impl Snapshot {
    fn with(self, flag: usize) -> Snapshot {
        Snapshot(self.0 | flag)
    }
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn is_named(self) -> bool {
        self.0 & NAMED != 0
    }
    /// How the task ended; `None` while it is not complete.
    pub(crate) fn outcome(self) -> Option<Outcome> {
        if !self.is_complete() {
            None
        } else if self.0 & PANICKED != 0 {
            Some(Outcome::Panicked)
        } else if self.0 & FAILED != 0 {
            Some(Outcome::Cancelled)
        } else {
            Some(Outcome::Output)
        }
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }
    fn ref_dec(&mut self) {
        debug_assert!(self.ref_count() > 0);
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("notified", &self.is_notified())
            .field("complete", &self.is_complete())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("outcome", &self.outcome())
            .field("refs", &self.ref_count())
            .field("flags", &(self.0 & FLAG_MASK))
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fresh_task_runs_then_idles() {
        let s = State::new(false);
        assert!(s.is_initial());
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        let snap = s.load();
        assert!(snap.is_running() && !snap.is_notified());
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        assert!(!s.load().is_running());
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn wake_while_running_reschedules_once() {
        let s = State::new(false);
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(s.transition_to_idle(), ToIdle::OkNotified);
        assert!(s.load().is_notified());
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn wake_idle_submits_and_counts_a_reference() {
        let s = State::new(false);
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Submit);
        assert_eq!(s.load().ref_count(), 4);
        // A second wake while queued is a no-op.
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(s.load().ref_count(), 4);
    }

    #[test]
    fn wake_after_complete_is_a_no_op() {
        let s = State::new(false);
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        let snap = s.transition_to_complete(Outcome::Output);
        assert!(snap.is_complete() && !snap.is_running());
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        s.ref_inc();
        assert_eq!(s.transition_to_notified_by_val(), ToNotified::DoNothing);
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn last_waker_reference_deallocates_a_complete_task() {
        let s = State::new(false);
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        let _ = s.transition_to_complete(Outcome::Output);
        assert_eq!(s.ref_dec_by(2), RefDec::Remaining);
        assert_eq!(s.transition_to_notified_by_val(), ToNotified::Dealloc);
    }

    #[test]
    fn cancel_idle_claims_running() {
        let s = State::new(false);
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        assert_eq!(s.transition_to_cancelled(), ToCancelled::ClaimedIdle);
        assert!(s.load().is_running() && s.load().is_cancelled());
        assert_eq!(s.transition_to_cancelled(), ToCancelled::AlreadyDone);
    }

    #[test]
    fn cancel_queued_task_is_seen_by_the_poller() {
        let s = State::new(false);
        assert_eq!(s.transition_to_cancelled(), ToCancelled::Deferred);
        assert_eq!(s.transition_to_running(), ToRunning::Cancelled);
    }

    #[test]
    fn cancel_during_poll_is_seen_at_idle() {
        let s = State::new(false);
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert_eq!(s.transition_to_cancelled(), ToCancelled::Deferred);
        assert_eq!(s.transition_to_idle(), ToIdle::Cancelled);
        assert!(s.load().is_running());
    }

    #[test]
    fn the_outcome_is_set_with_complete_and_read_back() {
        for outcome in [Outcome::Output, Outcome::Cancelled, Outcome::Panicked] {
            let s = State::new(false);
            assert_eq!(s.load().outcome(), None);
            assert_eq!(s.transition_to_running(), ToRunning::Success);
            let snap = s.transition_to_complete(outcome);
            assert_eq!(snap.outcome(), Some(outcome));
            assert!(!snap.is_running() && snap.is_join_interested());
            assert_eq!(snap.ref_count(), 3, "the outcome bits left the count alone");
        }
    }

    #[test]
    fn join_waker_protocol() {
        let s = State::new(false);
        assert!(s.set_join_waker().is_ok());
        assert!(s.unset_join_waker().is_ok());
        assert!(s.set_join_waker().is_ok());
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        let snap = s.transition_to_complete(Outcome::Output);
        assert!(snap.is_join_waker_set());
        let after = s.unset_join_waker_after_complete();
        assert!(!after.is_join_waker_set() && after.is_join_interested());
        assert_eq!(
            s.transition_to_join_handle_dropped(),
            JoinDropped {
                drop_output: Some(Outcome::Output),
                drop_waker: false
            }
        );
    }

    #[test]
    fn join_handle_drop_before_complete_takes_the_waker_back() {
        let s = State::new(false);
        assert!(s.set_join_waker().is_ok());
        assert_eq!(
            s.transition_to_join_handle_dropped(),
            JoinDropped {
                drop_output: None,
                drop_waker: true
            }
        );
        assert!(!s.load().is_join_interested());
        assert!(!s.load().is_join_waker_set());
    }

    #[test]
    fn set_join_waker_fails_after_complete() {
        let s = State::new(false);
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        let _ = s.transition_to_complete(Outcome::Output);
        assert!(s.set_join_waker().is_err());
    }

    #[test]
    fn shutdown_claims_queued_tasks() {
        let s = State::new(false);
        assert_eq!(s.transition_to_shutdown(), ToShutdown::Claimed);
        // The queued `Notified` later fails to run and drops its reference.
        assert_eq!(s.transition_to_running(), ToRunning::Failed);
    }
}
