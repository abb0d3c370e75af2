//! `wait_for` / `timeout_at`: a deadline on any future (asyncio's
//! `asyncio.wait_for` and `asyncio.timeout_at`).

use super::sleep::Sleep;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use weave_scheduler::coop;

/// Runs `future` with a time limit (asyncio's `asyncio.wait_for`): its
/// output, or [`TimeoutError`] once `timeout` has passed, in which case the
/// future has been dropped (cancelled).
///
/// The future is polled before the clock is looked at, so a future that is
/// ready at once is `Ok` even with `Duration::ZERO`. As with asyncio's
/// `wait_for`, the clock starts when the `Timeout` is first polled (awaited),
/// not when it is created. `Duration::MAX` means no limit. The clock is not
/// read and no timer is registered unless the future is pending.
///
/// ```
/// use std::time::Duration;
/// weave::run(async {
///     let fast = weave::wait_for(async { 7 }, Duration::ZERO).await;
///     assert_eq!(fast.unwrap(), 7);
///     let slow = weave::wait_for(weave::sleep(Duration::from_secs(60)), Duration::from_millis(10)).await;
///     assert!(slow.is_err());
/// });
/// ```
pub fn wait_for<F: Future>(future: F, timeout: Duration) -> Timeout<F> {
    Timeout::new(future, Limit::After(timeout))
}

/// Runs `future` until `deadline` (asyncio's `asyncio.timeout_at`); see
/// [`wait_for`]. A deadline in the past still lets a ready future finish.
///
/// ```
/// use std::time::{Duration, Instant};
/// weave::run(async {
///     let deadline = Instant::now() + Duration::from_millis(10);
///     let result = weave::timeout_at(std::future::pending::<()>(), deadline).await;
///     assert!(result.is_err());
/// });
/// ```
pub fn timeout_at<F: Future>(future: F, deadline: Instant) -> Timeout<F> {
    Timeout::new(future, Limit::At(deadline))
}

/// The time limit of a `Timeout`.
#[derive(Debug, Clone, Copy)]
enum Limit {
    /// `wait_for`: this long after the first pending poll.
    After(Duration),
    /// A known deadline.
    At(Instant),
    /// No limit (the deadline does not fit in an `Instant`).
    Never,
}

pin_project_lite::pin_project! {
    /// The future of [`wait_for`] and [`timeout_at`].
    #[must_use = "a Timeout does nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: Option<F>,
        limit: Limit,
        sleep: Option<Sleep>,
    }
}

impl<F> Timeout<F> {
    fn new(future: F, limit: Limit) -> Timeout<F> {
        Timeout {
            future: Some(future),
            limit,
            sleep: None,
        }
    }

    /// The deadline, once known: `timeout_at`'s at once, `wait_for`'s from
    /// its first pending poll. `None` before that, and for no limit.
    pub fn deadline(&self) -> Option<Instant> {
        match self.limit {
            Limit::At(deadline) => Some(deadline),
            Limit::After(_) | Limit::Never => None,
        }
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let future = this
            .future
            .as_mut()
            .as_pin_mut()
            .expect("Timeout polled after it completed");
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(output) = future.poll(cx) {
            this.future.set(None);
            *this.sleep = None;
            return Poll::Ready(Ok(output));
        }
        let deadline = match *this.limit {
            Limit::At(deadline) => deadline,
            Limit::Never => return Poll::Pending,
            Limit::After(timeout) => match super::now().checked_add(timeout) {
                Some(deadline) => {
                    *this.limit = Limit::At(deadline);
                    deadline
                }
                None => {
                    *this.limit = Limit::Never;
                    return Poll::Pending;
                }
            },
        };
        let polled_before = this.sleep.is_some();
        // Registered lazily: most futures under a deadline finish in time
        // without ever needing the timer.
        let sleep = this
            .sleep
            .get_or_insert_with(|| super::sleep::sleep_until(deadline));
        // With the task's budget spent by the guarded future, or spent
        // before a timeout that has waited before (by a sibling in a
        // `gather`), the timer is polled without it: a future whose awaits
        // are always ready still times out. A fresh timeout polled with no
        // budget left waits its turn instead: its future was held back,
        // not late, and a loop of `wait_for(.., ZERO)` must still yield.
        let expired = if !coop::has_budget_remaining() && (had_budget || polled_before) {
            coop::with_unconstrained(|| Pin::new(&mut *sleep).poll(cx))
        } else {
            Pin::new(sleep).poll(cx)
        };
        match expired {
            Poll::Ready(()) => {
                // Cancel the inner future: drop it now.
                this.future.set(None);
                *this.sleep = None;
                Poll::Ready(Err(TimeoutError { deadline }))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("limit", &self.limit)
            .finish()
    }
}

/// The error of [`wait_for`] and [`timeout_at`]: the deadline passed first,
/// and the future was dropped (cancelled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutError {
    deadline: Instant,
}

impl TimeoutError {
    /// The deadline that passed.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline elapsed before the future completed; it was cancelled")
    }
}

impl std::error::Error for TimeoutError {}

impl From<TimeoutError> for std::io::Error {
    fn from(err: TimeoutError) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, err)
    }
}
