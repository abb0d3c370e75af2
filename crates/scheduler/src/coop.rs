//! The cooperative budget: a task may make a bounded number of
//! resource-level steps per poll (awaiting ready `JoinHandle`s, and later
//! timers, sockets and channels) before those steps start returning
//! `Pending`, so one task cannot hold a worker forever through an endless
//! stream of ready wake-ups.

use std::cell::Cell;
use std::future::Future;
use std::task::{Context, Poll};

/// Steps a task may take per poll.
pub const BUDGET: u8 = 128;

thread_local! {
    /// `None` when unconstrained (outside a task, or in `unconstrained`).
    static BUDGET_LEFT: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Restores the previous budget when dropped.
pub(crate) struct ResetGuard(Option<u8>);

impl Drop for ResetGuard {
    fn drop(&mut self) {
        let _ = BUDGET_LEFT.try_with(|b| b.set(self.0));
    }
}

/// Gives the current thread a full budget for one task poll.
pub(crate) fn reset_budget() -> ResetGuard {
    ResetGuard(BUDGET_LEFT.with(|b| b.replace(Some(BUDGET))))
}

/// Lifts the budget on this thread until the guard drops.
pub(crate) fn disable_budget() -> ResetGuard {
    ResetGuard(BUDGET_LEFT.with(|b| b.replace(None)))
}

/// Spends one unit of budget, or returns `Pending` (waking the task so it
/// is polled again later) if it is used up.
///
/// Resources call this at the top of their `poll`; if the resource then
/// turns out not to be ready, dropping the returned guard refunds the unit.
///
/// ```
/// use std::task::{Context, Poll};
/// use weave_scheduler::coop;
///
/// fn poll_resource(cx: &mut Context<'_>, ready: bool) -> Poll<()> {
///     let guard = std::task::ready!(coop::poll_proceed(cx));
///     if ready {
///         guard.made_progress();
///         Poll::Ready(())
///     } else {
///         Poll::Pending // the guard refunds the unit
///     }
/// }
/// let mut cx = Context::from_waker(std::task::Waker::noop());
/// assert!(poll_resource(&mut cx, true).is_ready());
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let left = BUDGET_LEFT.try_with(|b| b.get()).ok().flatten();
    match left {
        None => Poll::Ready(RestoreOnPending(None)),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            BUDGET_LEFT.with(|b| b.set(Some(n - 1)));
            Poll::Ready(RestoreOnPending(Some(n)))
        }
    }
}

/// A unit of budget spent by [`poll_proceed`]; dropping it without calling
/// [`made_progress`](RestoreOnPending::made_progress) refunds it.
#[must_use = "drop it to refund the unit, or call made_progress()"]
pub struct RestoreOnPending(Option<u8>);

impl RestoreOnPending {
    /// The step produced a result: keep the unit spent.
    pub fn made_progress(mut self) {
        self.0 = None;
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if let Some(before) = self.0 {
            let _ = BUDGET_LEFT.try_with(|b| b.set(Some(before)));
        }
    }
}

/// True if the current task has budget left (always true outside a task).
pub fn has_budget_remaining() -> bool {
    BUDGET_LEFT.try_with(|b| b.get() != Some(0)).unwrap_or(true)
}

/// Runs `future` without the cooperative budget: its resource steps never
/// return `Pending` for lack of budget.
///
/// ```
/// # use weave_scheduler::{coop, Runtime};
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// let n = rt.block_on(coop::unconstrained(async { 7 }));
/// assert_eq!(n, 7);
/// ```
pub async fn unconstrained<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let _restore = disable_budget();
        future.as_mut().poll(cx)
    })
    .await
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    #[test]
    fn budget_runs_out_and_refunds() {
        let _guard = reset_budget();
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..BUDGET {
            match poll_proceed(&mut cx) {
                Poll::Ready(g) => g.made_progress(),
                Poll::Pending => panic!("budget ran out early"),
            }
        }
        assert!(!has_budget_remaining());
        assert!(poll_proceed(&mut cx).is_pending());
    }

    #[test]
    fn unmade_progress_is_refunded() {
        let _guard = reset_budget();
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            let Poll::Ready(guard) = poll_proceed(&mut cx) else {
                panic!("refunded units must not run out")
            };
            drop(guard);
        }
    }

    #[test]
    fn outside_a_task_there_is_no_limit() {
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..1000 {
            assert!(poll_proceed(&mut cx).is_ready());
        }
    }
}
