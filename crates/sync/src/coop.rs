//! The cooperative budget: a task may complete a bounded number of
//! operations at once per poll before they start returning `Pending`, so a
//! task whose awaits are always ready cannot hold its worker forever.
//!
//! The rule (tokio's): every operation that can return `Pending` — each
//! weave-sync wait, each socket read, write, accept, send and receive,
//! every timer and `JoinHandle` — spends one unit when it completes, and
//! once the task's [`BUDGET`] is spent it returns `Pending` and wakes its
//! task instead: the task goes behind the other ready work, timers and I/O
//! get their turn, and its next poll starts with a full budget. The budget
//! is checked before the operation looks at its state, so the `Pending`
//! it returns for lack of budget changes nothing: no item, permit or
//! readiness is taken or lost.
//!
//! The budget lives in a thread-local that the runtime fills for one poll
//! of a task (and keeps across the tasks a worker runs back to back
//! through its LIFO slot). Outside a weave task — a plain `block_on`,
//! tokio, smol — there is no budget and operations are never held back.
//! Combinators that poll many futures inside one task (`gather`,
//! `as_completed`, `TaskGroup`, `race`, `join!`) share their task's
//! budget. [`unconstrained`] opts a future out.

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::task::{Context, Poll};

/// Steps a task may take per poll.
pub const BUDGET: u8 = 128;

thread_local! {
    /// `None` when unconstrained (outside a task, or in `unconstrained`).
    static BUDGET_LEFT: Cell<Option<u8>> = const { Cell::new(None) };
}

/// Restores the previous budget when dropped. Not `Send`: it restores
/// this thread's budget, and must drop on it, within the poll it was made
/// in.
#[doc(hidden)]
#[must_use = "the budget is restored when the guard drops"]
pub struct ResetGuard(Option<u8>, PhantomData<*const ()>);

impl Drop for ResetGuard {
    #[inline]
    fn drop(&mut self) {
        let _ = BUDGET_LEFT.try_with(|b| b.set(self.0));
    }
}

/// Gives the current thread a full budget for one task poll (the
/// runtime's; a future that calls it would lift its own limit).
#[doc(hidden)]
#[inline]
pub fn reset_budget() -> ResetGuard {
    ResetGuard(BUDGET_LEFT.with(|b| b.replace(Some(BUDGET))), PhantomData)
}

/// Lifts the budget on this thread until the guard drops.
#[doc(hidden)]
#[inline]
pub fn disable_budget() -> ResetGuard {
    ResetGuard(BUDGET_LEFT.with(|b| b.replace(None)), PhantomData)
}

/// Spends one unit of budget, or returns `Pending` (waking the task so it
/// is polled again later) if it is used up.
///
/// Resources call this at the top of their `poll`; if the resource then
/// turns out not to be ready, dropping the returned guard refunds the unit.
///
/// ```
/// use std::task::{Context, Poll};
/// use weave_sync::coop;
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
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let left = BUDGET_LEFT.try_with(|b| b.get()).ok().flatten();
    match left {
        None => Poll::Ready(RestoreOnPending(None, PhantomData)),
        Some(0) => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        Some(n) => {
            BUDGET_LEFT.with(|b| b.set(Some(n - 1)));
            Poll::Ready(RestoreOnPending(Some(n), PhantomData))
        }
    }
}

/// A unit of budget spent by [`poll_proceed`]; dropping it without calling
/// [`made_progress`](RestoreOnPending::made_progress) refunds it. Drop it
/// within the poll that made it (it is not `Send`, so a future cannot keep
/// it across an `.await` and still be spawned).
#[must_use = "drop it to refund the unit, or call made_progress()"]
pub struct RestoreOnPending(Option<u8>, PhantomData<*const ()>);

impl RestoreOnPending {
    /// The step produced a result: keep the unit spent.
    #[inline]
    pub fn made_progress(mut self) {
        self.0 = None;
    }
}

impl Drop for RestoreOnPending {
    #[inline]
    fn drop(&mut self) {
        if let Some(before) = self.0 {
            let _ = BUDGET_LEFT.try_with(|b| b.set(Some(before)));
        }
    }
}

/// True if the current task has budget left (always true outside a task).
#[inline]
pub fn has_budget_remaining() -> bool {
    BUDGET_LEFT.try_with(|b| b.get() != Some(0)).unwrap_or(true)
}

/// Polls `op` as one budgeted operation: `Pending` (waking the task)
/// without calling `op` if the budget is spent; otherwise `op`'s result,
/// with one unit spent if it is `Ready` and none if it is `Pending`.
///
/// Every weave-sync future and socket operation polls through this.
///
/// ```
/// use std::task::{Context, Poll, Waker};
/// use weave_sync::coop;
///
/// let _task = coop::reset_budget();
/// let mut cx = Context::from_waker(Waker::noop());
/// let mut done = 0;
/// while coop::poll_budgeted(&mut cx, |_| Poll::Ready(())).is_ready() {
///     done += 1;
/// }
/// assert_eq!(done, coop::BUDGET);
/// ```
#[inline]
pub fn poll_budgeted<T>(
    cx: &mut Context<'_>,
    op: impl FnOnce(&mut Context<'_>) -> Poll<T>,
) -> Poll<T> {
    let coop = std::task::ready!(poll_proceed(cx));
    let result = op(cx);
    if result.is_ready() {
        coop.made_progress();
    }
    result
}

/// Spends one unit of the task's budget, first yielding (returning
/// `Pending` once and waking the task) if none is left: for work that
/// completes without awaiting anything that could be pending, such as a
/// read served from a buffer.
///
/// ```
/// # weave_sync::__block_on(async {
/// for _ in 0..1000 {
///     weave_sync::coop::consume_budget().await; // outside a task: never held back
/// }
/// # });
/// ```
pub async fn consume_budget() {
    std::future::poll_fn(|cx| poll_budgeted(cx, |_| Poll::Ready(()))).await
}

/// Runs `f` with the budget lifted (for a timeout's own timer, polled
/// after the future it guards spent the budget: the timeout still fires).
#[doc(hidden)]
pub fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    let _restore = disable_budget();
    f()
}

/// Runs `future` without the cooperative budget: its resource steps never
/// return `Pending` for lack of budget.
///
/// ```
/// use std::future::{poll_fn, Future};
/// use std::task::{Context, Poll, Waker};
/// use weave_sync::coop;
///
/// let _task = coop::reset_budget(); // as the runtime does for a task poll
/// let mut cx = Context::from_waker(Waker::noop());
/// let ready_loop = async {
///     for _ in 0..10 * u32::from(coop::BUDGET) {
///         poll_fn(|cx| coop::poll_budgeted(cx, |_| Poll::Ready(()))).await;
///     }
/// };
/// let mut free = std::pin::pin!(coop::unconstrained(ready_loop));
/// assert!(free.as_mut().poll(&mut cx).is_ready(), "never held back");
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
