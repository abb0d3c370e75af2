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
//! - `seq` is a sequence lock over `paused`, `frozen` and `skew`: odd
//!   while a writer changes them. A reader of the adjusted clock retries
//!   until it read them, and the real time, within one even `seq`;
//! - `adjusted` goes from false to true once, as the first write of the
//!   first pause, before that pause reads the real time it freezes at
//!   (rounded up to the microsecond). A reader that sees it false before
//!   and after reading real time read it before the pause did: what it
//!   returns is not later than the frozen reading, so the clock never
//!   goes back across a pause.
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
    /// The sequence lock (see the module docs).
    seq: AtomicU64,
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
            seq: AtomicU64::new(0),
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
            let real = self.real_micros();
            if !self.adjusted.load(SeqCst) {
                return real;
            }
        }
        self.adjusted_micros()
    }

    #[cold]
    fn adjusted_micros(&self) -> u64 {
        let mut spins = 0u32;
        loop {
            let seq = self.seq.load(SeqCst);
            if seq & 1 == 1 {
                // A writer is mid-change; one preempted there is waited
                // for without burning the reader's timeslice.
                spins += 1;
                if spins % 64 == 0 {
                    std::thread::yield_now();
                } else {
                    std::hint::spin_loop();
                }
                continue;
            }
            let reading = if self.paused.load(SeqCst) {
                self.frozen.load(SeqCst)
            } else {
                let skew = self.skew.load(SeqCst);
                self.real_micros().saturating_add_signed(skew)
            };
            if self.seq.load(SeqCst) == seq {
                return reading;
            }
        }
    }

    /// The clock's reading as an [`Instant`]: `Instant::now()` until the
    /// clock is first paused.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        if !self.adjusted.load(Acquire) {
            let now = Instant::now();
            if !self.adjusted.load(SeqCst) {
                return now;
            }
        }
        self.start + Duration::from_micros(self.adjusted_micros())
    }

    /// Runs a writer's change inside the sequence lock.
    fn write<R>(&self, change: impl FnOnce() -> R) -> R {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        self.seq.fetch_add(1, SeqCst);
        let result = change();
        self.seq.fetch_add(1, SeqCst);
        result
    }

    /// Real microseconds since the start, rounded up: not earlier than
    /// any `Instant::now()` read before.
    #[cfg(not(loom))]
    fn real_micros_ceil(&self) -> u64 {
        let elapsed = self.start.elapsed();
        let micros = elapsed.as_micros() + u128::from(elapsed.subsec_nanos() % 1_000 != 0);
        u64::try_from(micros).unwrap_or(u64::MAX)
    }

    #[cfg(loom)]
    fn real_micros_ceil(&self) -> u64 {
        0
    }

    /// True while paused.
    #[inline]
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.load(Acquire)
    }

    /// Freezes the clock at its current reading; false if it was paused.
    pub(crate) fn pause(&self) -> bool {
        self.write(|| {
            if self.paused.load(SeqCst) {
                return false;
            }
            let first = !self.adjusted.swap(true, SeqCst);
            // Read after `adjusted` is set (see the module docs).
            let now = if first {
                self.real_micros_ceil()
            } else {
                self.real_micros()
                    .saturating_add_signed(self.skew.load(SeqCst))
            };
            self.frozen.fetch_max(now, SeqCst);
            self.paused.store(true, SeqCst);
            true
        })
    }

    /// Lets the clock run again from its frozen reading; false if it was
    /// running.
    pub(crate) fn resume(&self) -> bool {
        self.write(|| {
            if !self.paused.load(SeqCst) {
                return false;
            }
            let frozen = self.frozen.load(SeqCst);
            let real = self.real_micros();
            let skew = i64::try_from(i128::from(frozen) - i128::from(real)).unwrap_or(i64::MAX);
            self.skew.store(skew, SeqCst);
            self.paused.store(false, SeqCst);
            true
        })
    }

    /// Moves a paused clock forward to `micros` (an earlier reading
    /// changes nothing); false if the clock runs.
    pub(crate) fn set(&self, micros: u64) -> bool {
        self.write(|| {
            if !self.paused.load(SeqCst) {
                return false;
            }
            self.frozen.fetch_max(micros, SeqCst);
            true
        })
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
    fn pausing_never_sets_the_clock_back_from_a_reading_before() {
        for _ in 0..1_000 {
            let clock = Clock::new(false);
            let before = clock.now();
            assert!(clock.pause());
            assert!(clock.now() >= before);
        }
        // Readers on other threads across pauses, resumes and sets.
        let clock = std::sync::Arc::new(Clock::new(false));
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let clock = clock.clone();
                std::thread::spawn(move || {
                    let mut last = clock.now();
                    for _ in 0..200_000 {
                        let now = clock.now();
                        assert!(now >= last, "the clock went back");
                        last = now;
                    }
                })
            })
            .collect();
        for i in 0..2_000u64 {
            clock.pause();
            clock.set(clock.micros() + i % 7);
            clock.resume();
        }
        for reader in readers {
            reader.join().unwrap();
        }
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
