//! The paused clock's side of the time driver: pausing and resuming, the
//! jump of auto-advance and `advance`'s steps through the deadlines, each
//! fired by the stepping thread alone (see `TimeDriver::stepping`).

use super::{fire, ticks_ceil, TimeDriver};
use std::time::Duration;
use weave_sync::loom::{
    AtomicBool, MutexGuard,
    Ordering::{Relaxed, SeqCst},
};

impl TimeDriver {
    /// The earliest deadline in any wheel, or a tick at or before it (see
    /// `Wheel::next_deadline`); `None` if every wheel is empty or the
    /// runtime shut down.
    fn next_deadline(&self) -> Option<u64> {
        let mut next: Option<u64> = None;
        for shard in self.shards.iter() {
            let wheel = shard.wheel.lock();
            if self.closed.load(Relaxed) {
                return None;
            }
            if let Some(n) = wheel.next_deadline() {
                next = Some(next.map_or(n, |m| m.min(n)));
            }
        }
        next
    }

    /// Auto-advance (the caller made sure nothing else can make a task
    /// ready): moves the paused clock to the next deadline and fires what
    /// is due there. A deadline far ahead is reached in steps, each to the
    /// start of its wheel slot (nothing fires early). False if there was
    /// no timer, or the clock runs.
    pub(crate) fn jump(&self) -> bool {
        let Some(_stepping) = self.start_stepping() else {
            return false;
        };
        while let Some(next) = self.next_deadline() {
            if !self.clock.set(next) {
                return false;
            }
            let (due, _) = self.advance_all(true);
            if !due.is_empty() {
                fire(self, due);
                return true;
            }
        }
        false
    }

    /// Makes this thread the one that steps the paused clock until the
    /// guard drops (see `stepping`); `None` if the clock runs (a running
    /// clock's timers are never left to a stepper).
    fn start_stepping(&self) -> Option<Stepping<'_>> {
        let lock = self.stepping_lock.lock();
        if !self.clock.is_paused() {
            return None;
        }
        self.stepping.store(true, SeqCst);
        Some(Stepping {
            flag: &self.stepping,
            _lock: lock,
        })
    }

    /// `weave::time::advance`: moves the paused clock forward by `by`,
    /// firing the timers due on the way in deadline order — each distinct
    /// deadline in turn, across the wheels; those of one tick in no set
    /// order. A timer that a fired callback registers for a tick already
    /// passed fires at the driver's next turn. False if the clock runs.
    pub(crate) fn advance_by(&self, by: Duration) -> bool {
        let Some(_stepping) = self.start_stepping() else {
            return false;
        };
        let target = self.now_tick().saturating_add(ticks_ceil(by));
        let mut last = None;
        while let Some(next) = self.next_deadline().filter(|&n| n <= target) {
            if last == Some(next) {
                break;
            }
            last = Some(next);
            if !self.clock.set(next) {
                return false;
            }
            let (due, _) = self.advance_all(true);
            fire(self, due);
        }
        if !self.clock.set(target) {
            return false;
        }
        let (due, _) = self.advance_all(true);
        fire(self, due);
        true
    }

    /// Freezes the clock (false if it was paused).
    pub(crate) fn pause(&self) -> bool {
        self.clock.pause()
    }

    /// Lets the clock run on from its reading (false if it ran).
    pub(crate) fn resume(&self) -> bool {
        self.clock.resume()
    }
}

/// Ends a stepping of the paused clock (see `TimeDriver::stepping`).
struct Stepping<'a> {
    flag: &'a AtomicBool,
    _lock: MutexGuard<'a, ()>,
}

impl Drop for Stepping<'_> {
    fn drop(&mut self) {
        self.flag.store(false, SeqCst);
    }
}
