//! The time driver: one timing wheel per runtime, its clock, and the
//! bookkeeping that lets a sleeping worker be woken for an earlier timer.
//!
//! Ground rules (all under `inner`'s lock):
//! - `wheel` holds an entry per registered `Sleep` (its waker) and per
//!   pending `call_later` / `call_at` (its callback);
//! - `sleeper` is the worker that sleeps until tick `sleeping_until` on
//!   behalf of the timers; a timer inserted with an earlier deadline unparks
//!   it. The sleeper sets both under the lock before it sleeps, so an
//!   insert either sees them or happens before the sleeper computed its
//!   deadline;
//! - entries fire outside the lock: `process` moves them to a local list,
//!   unlocks, then wakes the wakers and runs the callbacks.
//!
//! The clock counts microseconds since the driver started. A deadline is
//! rounded up to a tick and the current time down, so nothing fires early.

use crate::contain;
use parking_lot::Mutex;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::task::Waker;
use std::time::{Duration, Instant};
use weave_sync::wait_list::{WaitKey, WaitList};
use weave_timer::{Key, Wheel};

/// What [`TimeDriver::with_entry`] found behind a key.
pub(crate) enum Lookup<R> {
    /// Still waiting: the closure ran on it.
    Waiting(R),
    /// Fired (or cancelled).
    Fired,
    /// The runtime is gone: the entry was dropped unfired, and will never
    /// fire.
    ShutDown,
}

/// A `call_later` / `call_at` callback.
pub(crate) type Callback = Box<dyn FnOnce() + Send>;

/// What waits in the wheel.
pub(crate) enum Entry {
    /// A `Sleep`: wake its task.
    Wake(Waker),
    /// A `call_later` / `call_at` callback: run it.
    Call(Callback),
    /// Left by the runtime's shutdown in place of an entry that never
    /// fired: its `Sleep` finds it and knows it never will (a missing
    /// entry means the timer fired).
    Gone,
}

struct Inner {
    wheel: Wheel<Entry>,
    /// Sleeps that never end (`Duration::MAX`): not in the wheel, but
    /// listed so that the runtime's shutdown can wake them.
    forever: WaitList<Waker>,
    sleeper: Option<usize>,
    sleeping_until: u64,
}

/// The timers of one runtime.
pub(crate) struct TimeDriver {
    start: Instant,
    /// A tick at or before the current time: the clock as last read by
    /// the driver. Lets a timer far in the future skip reading the clock.
    seen: AtomicU64,
    inner: Mutex<Inner>,
    /// The runtime shut down. Set once, under `inner`'s lock, so what reads
    /// it under the lock (insert, process, arm) sees it with a consistent
    /// wheel; `fire` reads it without the lock between callbacks.
    closed: AtomicBool,
}

/// Ticks (microseconds) in a duration, rounded up.
fn ticks_ceil(d: Duration) -> u64 {
    let micros = d.as_nanos().div_ceil(1_000);
    u64::try_from(micros).unwrap_or(u64::MAX)
}

impl TimeDriver {
    pub(crate) fn new() -> TimeDriver {
        TimeDriver {
            start: Instant::now(),
            seen: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                forever: WaitList::new(),
                sleeper: None,
                sleeping_until: u64::MAX,
            }),
        }
    }

    /// The tick of `deadline`, rounded up (a past deadline is tick 0).
    pub(crate) fn deadline_tick(&self, deadline: Instant) -> u64 {
        ticks_ceil(deadline.saturating_duration_since(self.start))
    }

    /// The current tick, rounded down (reads the clock).
    pub(crate) fn now_tick(&self) -> u64 {
        let micros = self.start.elapsed().as_micros();
        let now = u64::try_from(micros).unwrap_or(u64::MAX);
        self.seen.fetch_max(now, Relaxed);
        now
    }

    /// A tick at or before the current time, without reading the clock.
    pub(crate) fn seen_tick(&self) -> u64 {
        self.seen.load(Relaxed)
    }

    /// Registers `entry` for `deadline`. Returns `None` if the runtime has
    /// shut down (the entry is dropped). `unpark` wakes a sleeping worker
    /// when this deadline comes before the one it sleeps until.
    pub(crate) fn insert(
        &self,
        deadline: Instant,
        entry: Entry,
        unpark: impl FnOnce(usize),
    ) -> Option<Key> {
        let tick = self.deadline_tick(deadline);
        let mut inner = self.inner.lock();
        if self.closed.load(Relaxed) {
            return None;
        }
        let key = inner.wheel.insert(tick, entry);
        if tick < inner.sleeping_until {
            if let Some(sleeper) = inner.sleeper.take() {
                inner.sleeping_until = u64::MAX;
                drop(inner);
                unpark(sleeper);
            }
        }
        Some(key)
    }

    /// Calls `f` on the entry of `key` if it has not fired. A timer that
    /// fired before the runtime shut down reports `Fired`, not `ShutDown`.
    pub(crate) fn with_entry<R>(&self, key: Key, f: impl FnOnce(&mut Entry) -> R) -> Lookup<R> {
        let mut inner = self.inner.lock();
        match inner.wheel.get_mut(key) {
            Some(Entry::Gone) => Lookup::ShutDown,
            Some(entry) => Lookup::Waiting(f(entry)),
            None => Lookup::Fired,
        }
    }

    /// Registers (or refreshes) a sleep that never ends, so that shutdown
    /// reaches it; `false` once the runtime is gone (it never will end,
    /// and nothing will wake it again).
    pub(crate) fn wait_forever(&self, key: &mut Option<WaitKey>, waker: &Waker) -> bool {
        let mut inner = self.inner.lock();
        if self.closed.load(Relaxed) {
            return false;
        }
        match key.and_then(|k| inner.forever.get_mut(k)) {
            Some(w) if w.will_wake(waker) => {}
            Some(w) => w.clone_from(waker),
            None => *key = Some(inner.forever.push_back(waker.clone())),
        }
        true
    }

    /// A never-ending sleep goes away.
    pub(crate) fn forget_forever(&self, key: WaitKey) {
        let waker = self.inner.lock().forever.remove(key);
        drop(waker);
    }

    /// Removes the entry of `key`; `None` if it already fired.
    pub(crate) fn cancel(&self, key: Key) -> Option<Entry> {
        self.inner.lock().wheel.cancel(key)
    }

    /// Fires everything due, unless another thread holds the lock (it is
    /// processing or inserting, and a busy worker need not queue behind it).
    pub(crate) fn process(&self) {
        let mut due = Vec::new();
        {
            let Some(mut inner) = self.inner.try_lock() else {
                return;
            };
            if self.closed.load(Relaxed) {
                // The `Gone` entries stay put: their sleeps must not see
                // them fire.
                return;
            }
            let Some(next) = inner.wheel.next_deadline() else {
                return;
            };
            let now = self.now_tick();
            if next > now {
                return;
            }
            inner.wheel.advance(now, |entry| due.push(entry));
        }
        fire(self, due);
    }

    /// Prepares `worker` to sleep for the timers: fires what is due (then
    /// returns `Some(ZERO)`: the fired tasks want running, do not sleep), or
    /// records `worker` as the sleeper and returns how long it may sleep
    /// (`None`: no timer, sleep until woken).
    pub(crate) fn arm(&self, worker: usize) -> Option<Duration> {
        let mut inner = self.inner.lock();
        if inner.wheel.is_empty() || self.closed.load(Relaxed) {
            // No timer (or none that will fire): no need to read the clock.
            inner.sleeper = Some(worker);
            inner.sleeping_until = u64::MAX;
            return None;
        }
        let now = self.now_tick();
        let mut due = Vec::new();
        inner.wheel.advance(now, |entry| due.push(entry));
        if !due.is_empty() {
            drop(inner);
            fire(self, due);
            return Some(Duration::ZERO);
        }
        let next = inner.wheel.next_deadline();
        inner.sleeper = Some(worker);
        inner.sleeping_until = next.unwrap_or(u64::MAX);
        next.map(|next| Duration::from_micros(next.saturating_sub(now)))
    }

    /// The sleeper woke up: nobody sleeps for the timers any more; fires
    /// what is due.
    pub(crate) fn disarm(&self, worker: usize) {
        let mut due = Vec::new();
        {
            let mut inner = self.inner.lock();
            if inner.sleeper == Some(worker) {
                inner.sleeper = None;
                inner.sleeping_until = u64::MAX;
            }
            if inner.wheel.is_empty() || self.closed.load(Relaxed) {
                return;
            }
            let now = self.now_tick();
            inner.wheel.advance(now, |entry| due.push(entry));
        }
        fire(self, due);
    }

    /// Entries waiting in the wheel.
    pub(crate) fn len(&self) -> usize {
        self.inner.lock().wheel.len()
    }

    /// The runtime is gone: refuses new entries, hands back every callback
    /// unrun, and wakes every sleep — not to fire it (each entry is left
    /// in place as `Gone`, so a woken `Sleep` sees the shutdown and panics,
    /// never completes early, while one that had fired still sees that)
    /// but so that one awaited outside the workers (`Handle::block_on` on
    /// a blocking thread, another executor) does not hang. Idempotent.
    ///
    /// Returns the sleeps' wakers and the callbacks, for the caller to wake
    /// and then drop outside the lock (a waker's drop may free a task whose
    /// future touches the driver; a callback's captures may wait on
    /// something that needs the wakes first).
    pub(crate) fn close(&self) -> (Vec<Waker>, Vec<Callback>) {
        let mut inner = self.inner.lock();
        self.closed.store(true, Relaxed);
        let (mut wakers, mut callbacks) = (Vec::new(), Vec::new());
        for entry in inner.wheel.values_mut() {
            match std::mem::replace(entry, Entry::Gone) {
                Entry::Wake(waker) => wakers.push(waker),
                Entry::Call(callback) => callbacks.push(callback),
                Entry::Gone => {}
            }
        }
        while let Some(waker) = inner.forever.pop_front() {
            wakers.push(waker);
        }
        (wakers, callbacks)
    }
}

/// Wakes the wakers and runs the callbacks, containing their panics: one
/// panicking waker (another executor's) must not keep the others' entries,
/// already out of the wheel, from being woken. A callback whose turn comes
/// after the runtime shut down (this batch was taken before, and a worker
/// left running by `shutdown_timeout` is still at it) is dropped unrun.
fn fire(driver: &TimeDriver, due: Vec<Entry>) {
    for entry in due {
        match entry {
            Entry::Gone => {}
            // Due before the shutdown: waking it is not early.
            Entry::Wake(waker) => weave_sync::wake_contained(waker),
            Entry::Call(callback) if driver.closed.load(Relaxed) => contain::drop_quietly(callback),
            Entry::Call(callback) => {
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(callback)) {
                    contain::report("timer (call_later / call_at)", payload);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_round_up_and_never_overflow() {
        assert_eq!(ticks_ceil(Duration::ZERO), 0);
        assert_eq!(ticks_ceil(Duration::from_nanos(1)), 1);
        assert_eq!(ticks_ceil(Duration::from_micros(5)), 5);
        assert_eq!(ticks_ceil(Duration::from_nanos(5_001)), 6);
        assert_eq!(ticks_ceil(Duration::MAX), u64::MAX);
    }

    #[test]
    fn a_past_deadline_is_tick_zero() {
        let driver = TimeDriver::new();
        assert_eq!(
            driver.deadline_tick(driver.start - Duration::from_secs(1)),
            0
        );
    }
}
