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
///     // The next point of the grid (a later one if this one was missed).
///     let since = second - first;
///     assert!(since >= Duration::from_millis(10));
///     assert_eq!(since.as_nanos() % 10_000_000, 0);
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
    let now = super::now();
    Interval {
        period,
        next: Some(now),
        sleep: Sleep::new_due(now),
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

/// `period * periods`, for any number of periods (more than `u32::MAX`
/// missed periods of a nanosecond period happen in 4.3 s); `None` past
/// `Duration`'s range.
fn periods_of(period: Duration, periods: u128) -> Option<Duration> {
    let nanos = period.as_nanos().checked_mul(periods)?;
    let secs = u64::try_from(nanos / 1_000_000_000).ok()?;
    // The remainder is below 10^9: it fits.
    Some(Duration::new(secs, (nanos % 1_000_000_000) as u32))
}

/// The tick after the one `scheduled` for, seen at `now`: one period
/// later, or, if that has passed too, the first point of the grid after
/// `now` (missed ticks are skipped). `None` past `Instant`'s range.
fn next_on_grid(scheduled: Instant, period: Duration, now: Instant) -> Option<Instant> {
    let next = scheduled.checked_add(period)?;
    if next > now {
        return Some(next);
    }
    let behind = now.duration_since(next).as_nanos();
    let periods = behind / period.as_nanos() + 1;
    periods_of(period, periods).and_then(|d| next.checked_add(d))
}

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled for.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        let Some(scheduled) = self.next else {
            // Never again; the sleep (without end) is what the runtime's
            // shutdown wakes, so a waiter elsewhere does not hang.
            return Pin::new(&mut self.sleep)
                .poll(cx)
                .map(|()| unreachable!("a sleep without end completed"));
        };
        std::task::ready!(Pin::new(&mut self.sleep).poll(cx));
        let next = next_on_grid(scheduled, self.period, self.sleep.now());
        self.next = next;
        match next {
            Some(next) => self.sleep.reset(next),
            None => self.sleep.reset_never(),
        }
        Poll::Ready(scheduled)
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// Restarts the grid: the next tick is one period from now.
    pub fn reset(&mut self) {
        let next = self.sleep.now().checked_add(self.period);
        self.next = next;
        match next {
            Some(next) => self.sleep.reset(next),
            None => self.sleep.reset_never(),
        }
    }
}

/// The ticks as a `futures_core::Stream` (it never ends): each item is
/// the instant the tick was scheduled for, as [`Interval::tick`] returns.
impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}

/// Never terminated: an interval ticks forever.
impl futures_core::stream::FusedStream for Interval {
    fn is_terminated(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_missed_periods_than_u32_holds_stay_on_the_grid() {
        let start = Instant::now();
        let period = Duration::from_nanos(1);
        // 5 s behind a 1 ns grid: 5 * 10^9 missed periods, past u32::MAX.
        let now = start + Duration::from_secs(5);
        let next = next_on_grid(start, period, now).expect("the interval stalled");
        assert!(next > now);
        assert!(next - now <= period);
        let odd = Duration::from_nanos(7);
        let next = next_on_grid(start, odd, now).unwrap();
        assert_eq!((next - start).as_nanos() % 7, 0, "off the grid");
        assert!(next > now && next - now <= odd);
    }

    #[test]
    fn periods_of_is_exact_and_refuses_overflow() {
        assert_eq!(
            periods_of(Duration::from_millis(1500), 3),
            Some(Duration::from_millis(4500))
        );
        assert_eq!(
            periods_of(Duration::from_nanos(1), u128::from(u32::MAX) + 2),
            Some(Duration::from_nanos(u64::from(u32::MAX) + 2))
        );
        assert_eq!(periods_of(Duration::MAX, 2), None);
    }
}
