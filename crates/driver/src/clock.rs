//! The runtime's clock: real time, or virtual time once it was paused.
//!
//! The clock counts microseconds since the driver started. Until the
//! first [`pause`](Clock::pause) it is the real monotonic clock, read with
//! one extra relaxed load. Paused, it stands still at a frozen reading
//! that only [`set`](Clock::set) moves, forward (auto-advance and
//! `weave::time::advance`). Resumed, it runs at real speed again from
//! where it stood: real time plus a skew, the virtual time gained (or
//! lost) while paused, so it never goes back.
//!
//! Ground rules:
//! - the writers (`pause`, `resume`, `set`) take `writer`, so they never
//!   interleave; readers take no lock;
//! - `adjusted` goes from false to true once, before anything else
//!   changes: a reader that sees it false reads real time, which is the
//!   clock's value until then;
//! - while `paused` is true, `frozen` is the clock; `skew` is written
//!   before `paused` is cleared (Release), so a reader that sees it clear
//!   (Acquire) reads the skew that goes with it.
//!
//! These are std atomics, also under loom: the models run with a clock
//! that stands still and never pause it.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::*};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A runtime's clock (see the module docs).
pub(crate) struct Clock {
    start: Instant,
    /// The clock was ever paused: it is no longer plain real time.
    adjusted: AtomicBool,
    paused: AtomicBool,
    /// The reading while paused (µs since `start`).
    frozen: AtomicU64,
    /// Added to real time while running (µs).
    skew: AtomicI64,
    writer: Mutex<()>,
}

impl Clock {
    /// A clock starting now, paused at zero if `paused`.
    pub(crate) fn new(paused: bool) -> Clock {
        Clock {
            start: Instant::now(),
            adjusted: AtomicBool::new(paused),
            paused: AtomicBool::new(paused),
            frozen: AtomicU64::new(0),
            skew: AtomicI64::new(0),
            writer: Mutex::new(()),
        }
    }

    /// The instant the clock reads zero at.
    #[inline]
    pub(crate) fn start(&self) -> Instant {
        self.start
    }

    /// Microseconds of real time since the start. Loom models no time:
    /// there the real clock stands still at the start.
    #[cfg(not(loom))]
    #[inline]
    fn real_micros(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    #[cfg(loom)]
    #[inline]
    fn real_micros(&self) -> u64 {
        0
    }

    /// The clock's reading in microseconds since the start.
    #[inline]
    pub(crate) fn micros(&self) -> u64 {
        if !self.adjusted.load(Acquire) {
            return self.real_micros();
        }
        self.adjusted_micros()
    }

    #[cold]
    fn adjusted_micros(&self) -> u64 {
        if self.paused.load(Acquire) {
            return self.frozen.load(Acquire);
        }
        let skew = self.skew.load(Acquire);
        self.real_micros().saturating_add_signed(skew)
    }

    /// The clock's reading as an [`Instant`]: `Instant::now()` until the
    /// clock is first paused.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        if !self.adjusted.load(Acquire) {
            return Instant::now();
        }
        self.start + Duration::from_micros(self.adjusted_micros())
    }

    /// True while paused.
    #[inline]
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Acquire)
    }

    /// Freezes the clock at its current reading; false if it was paused.
    pub(crate) fn pause(&self) -> bool {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if self.paused.load(Acquire) {
            return false;
        }
        self.frozen.store(self.micros(), Release);
        self.adjusted.store(true, Release);
        self.paused.store(true, Release);
        true
    }

    /// Lets the clock run again from its frozen reading; false if it was
    /// running.
    pub(crate) fn resume(&self) -> bool {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if !self.paused.load(Acquire) {
            return false;
        }
        let frozen = self.frozen.load(Acquire);
        let real = self.real_micros();
        let skew = i64::try_from(i128::from(frozen) - i128::from(real)).unwrap_or(i64::MAX);
        self.skew.store(skew, Release);
        self.paused.store(false, Release);
        true
    }

    /// Moves a paused clock forward to `micros` (an earlier reading
    /// changes nothing); false if the clock runs.
    pub(crate) fn set(&self, micros: u64) -> bool {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if !self.paused.load(Acquire) {
            return false;
        }
        self.frozen.fetch_max(micros, AcqRel);
        true
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clock")
            .field("paused", &self.is_paused())
            .field("micros", &self.micros())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_running_clock_is_real_time() {
        let clock = Clock::new(false);
        let before = Instant::now();
        let now = clock.now();
        assert!(now >= before && now <= Instant::now());
    }

    #[test]
    fn a_paused_clock_stands_still_until_set_and_never_goes_back() {
        let clock = Clock::new(true);
        assert_eq!(clock.micros(), 0);
        assert!(clock.set(5_000_000));
        assert_eq!(clock.micros(), 5_000_000);
        assert!(clock.set(10), "an earlier reading is no error");
        assert_eq!(clock.micros(), 5_000_000, "and changes nothing");
        assert_eq!(clock.now(), clock.start() + Duration::from_secs(5));
        assert!(!clock.pause(), "already paused");
    }

    #[test]
    fn a_resumed_clock_runs_on_from_its_virtual_reading() {
        let clock = Clock::new(true);
        assert!(clock.set(3_600_000_000));
        assert!(clock.resume());
        assert!(!clock.resume());
        assert!(!clock.set(u64::MAX), "a running clock is not set");
        let after = clock.micros();
        assert!(after >= 3_600_000_000, "{after}");
        // Pausing again freezes it where it runs, not back at the start.
        assert!(clock.pause());
        assert!(clock.micros() >= after);
    }
}
