//! A cheap monotonic clock for task spawn times.
//!
//! Every spawn stamps its task with the time, so the clock must cost a few
//! nanoseconds, not the ~20 ns of `Instant::now()`. On Linux it reads
//! `CLOCK_MONOTONIC_COARSE` (the last timer tick, a few ms of resolution,
//! no hardware counter read); elsewhere it falls back to `Instant`.
//! Values are nanoseconds since an arbitrary fixed point, only ever
//! compared with each other.
//!
//! A task stores its spawn time as a 32-bit [`Tick`] of 2^23 ns (about
//! 8.4 ms, twice the coarse clock's resolution), so that it fits beside
//! the poll counter in one word of the header; ages computed from ticks
//! wrap after 2^32 ticks, about 417 days.

use std::time::Duration;

/// Nanoseconds on the coarse clock.
#[cfg(target_os = "linux")]
#[inline]
pub(crate) fn now_nanos() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec, and CLOCK_MONOTONIC_COARSE
    // exists on every Linux since 2.6.32, so the call only writes `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) };
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

/// Nanoseconds since the first call in this process.
#[cfg(not(target_os = "linux"))]
pub(crate) fn now_nanos() -> u64 {
    use std::sync::LazyLock;
    use std::time::Instant;
    static START: LazyLock<Instant> = LazyLock::new(Instant::now);
    START.elapsed().as_nanos() as u64
}

/// A point in time, in units of 2^23 ns, truncated to 32 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tick(pub(crate) u32);

const TICK_SHIFT: u32 = 23;

impl Tick {
    /// The current tick.
    #[inline]
    pub(crate) fn now() -> Tick {
        Tick((now_nanos() >> TICK_SHIFT) as u32)
    }

    /// The time from `self` to now, to within one tick (modulo ~417 days).
    pub(crate) fn elapsed(self) -> Duration {
        let ticks = Tick::now().0.wrapping_sub(self.0);
        Duration::from_nanos(u64::from(ticks) << TICK_SHIFT)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn advances_with_real_time() {
        let start = now_nanos();
        std::thread::sleep(Duration::from_millis(30));
        let waited = Duration::from_nanos(now_nanos() - start);
        // The coarse clock ticks every few ms: allow one tick either side.
        assert!(waited >= Duration::from_millis(20), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
        assert!(now_nanos() >= start);
    }

    #[test]
    fn ticks_measure_elapsed_time_to_within_a_tick() {
        let start = Tick::now();
        std::thread::sleep(Duration::from_millis(100));
        let waited = start.elapsed();
        // One tick (8.4 ms) of truncation plus one coarse-clock step.
        assert!(waited >= Duration::from_millis(85), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    }

    #[test]
    fn ticks_wrap_around() {
        let old = Tick(u32::MAX - 1);
        let now = Tick::now();
        let ticks = u64::from(now.0.wrapping_sub(old.0));
        assert_eq!(ticks, u64::from(now.0) + 2);
    }
}
