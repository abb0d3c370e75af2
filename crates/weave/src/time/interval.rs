//! `Interval`: ticks at a fixed period.

use super::sleep::Sleep;
use std::future::{poll_fn, Future as _};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Ticks every `period`; the first tick completes at once.
///
/// **Missed ticks are skipped**: if a tick is awaited late (the task was
/// busy for longer than a period), it completes at once, and the next one is
/// scheduled at the next multiple of `period` after now, counted from the
/// start, so the ticks stay on their original grid and never burst to catch
/// up.
///
/// ```
/// use std::time::{Duration, Instant};
/// weave::run(async {
///     let mut ticks = weave::interval(Duration::from_millis(10));
///     let first = ticks.tick().await; // immediate
///     let second = ticks.tick().await;
///     assert_eq!(second - first, Duration::from_millis(10));
/// });
/// ```
///
/// # Panics
/// If `period` is zero (a tick stream that never waits would spin), or
/// outside a runtime.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "interval(Duration::ZERO): the period must be positive; use yield_now() in a loop \
         to run as often as possible"
    );
    let now = Instant::now();
    Interval {
        period,
        next: Some(now),
        sleep: Sleep::new(Some(now)),
    }
}

/// A stream of ticks at a fixed period; see [`interval`].
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    /// The scheduled instant of the next tick; `None` once past `Instant`'s
    /// range (the interval then never ticks again).
    next: Option<Instant>,
    sleep: Sleep,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled for.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        let Some(scheduled) = self.next else {
            return Poll::Pending;
        };
        std::task::ready!(Pin::new(&mut self.sleep).poll(cx));
        let now = Instant::now();
        let mut next = scheduled.checked_add(self.period);
        if let Some(n) = next {
            if n <= now {
                // Skip the missed ticks: the next point of the grid after now.
                let behind = now.duration_since(n).as_nanos();
                let periods = behind / self.period.as_nanos() + 1;
                next = u32::try_from(periods)
                    .ok()
                    .and_then(|p| self.period.checked_mul(p))
                    .and_then(|d| n.checked_add(d));
            }
        }
        self.next = next;
        if let Some(next) = next {
            self.sleep.reset(next);
        }
        Poll::Ready(scheduled)
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Restarts the grid: the next tick is one period from now.
    pub fn reset(&mut self) {
        let next = Instant::now().checked_add(self.period);
        self.next = next;
        if let Some(next) = next {
            self.sleep.reset(next);
        }
    }
}
