//! The time driver: one timing wheel per runtime, its clock, and the
//! bookkeeping that lets a sleeping worker be woken for an earlier timer.
//!
//! Ground rules (all under `inner`'s lock):
//! - `wheel` holds an entry per registered `Sleep` (its waker) and per
//!   pending `call_later` / `call_at` (its callback);
//! - `sleeper` is the worker that sleeps until tick `sleeping_until` on
//!   behalf of the timers; inserting a timer with an earlier deadline
//!   takes it, and [`Driver::insert_timer`](crate::Driver::insert_timer)
//!   wakes it. The sleeper sets both under the lock before it sleeps, so an
//!   insert either sees them or happens before the sleeper computed its
//!   deadline;
//! - entries fire outside the lock: `process` moves them to a local list,
//!   unlocks, then wakes the wakers and runs the callbacks.
//!
//! The clock counts microseconds since the driver started. A deadline is
//! rounded up to a tick and the current time down, so nothing fires early.

use crate::call_soon::Callback;
use std::panic::{self, AssertUnwindSafe};
use std::task::Waker;
use std::time::{Duration, Instant};
use weave_sync::contain;
use weave_sync::loom::{
    AtomicBool, AtomicU64, Mutex,
    Ordering::{Acquire, Relaxed, Release},
};
use weave_sync::wait_list::{WaitKey, WaitList};
use weave_timer::{Key, Wheel};

/// What [`TimeDriver::with_entry`] found behind a key.
pub enum Lookup<R> {
    /// Still waiting: the closure ran on it.
    Waiting(R),
    /// Fired (or cancelled).
    Fired,
    /// The runtime is gone: the entry was dropped unfired, and will never
    /// fire.
    ShutDown,
}

/// What waits in the wheel.
pub enum Entry {
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

/// What [`TimeDriver::insert`] did.
#[must_use = "the worker in `wake` sleeps past the new deadline unless it is woken"]
pub(crate) struct Inserted {
    pub(crate) key: Key,
    /// The worker to wake: it sleeps until a later deadline.
    pub(crate) wake: Option<usize>,
}

/// The timers of one runtime: every `Sleep` and pending `call_later`, in
/// one wheel with a microsecond clock. Timers are inserted through
/// [`Driver::insert_timer`](crate::Driver::insert_timer) (which wakes the
/// worker sleeping for them if need be); the worker park fires them.
///
/// ```
/// use std::time::{Duration, Instant};
/// use weave_driver::{Driver, Entry, Lookup};
///
/// let driver = Driver::new(1).unwrap();
/// let key = driver.insert_timer(Instant::now() + Duration::from_secs(60), Entry::Gone).unwrap();
/// assert_eq!(driver.time().len(), 1);
/// assert!(matches!(driver.time().with_entry(key, |_| ()), Lookup::ShutDown), "a `Gone` entry reads as shut down");
/// assert!(driver.time().cancel(key).is_some());
/// assert!(driver.time().is_empty());
/// ```
pub struct TimeDriver {
    start: Instant,
    /// A tick at or before the current time: the clock as last read by
    /// the driver. Lets a timer far in the future skip reading the clock.
    seen: AtomicU64,
    /// The wheel's time after its last advance (stored under `inner`'s
    /// lock): an entry registered for a tick at or before it has been
    /// handed out to fire, so its `Sleep` may complete without taking the
    /// lock to look (see [`fired_tick`](Self::fired_tick)).
    fired: AtomicU64,
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
    /// An empty wheel whose clock starts now.
    pub(crate) fn new() -> TimeDriver {
        TimeDriver {
            start: Instant::now(),
            seen: AtomicU64::new(0),
            fired: AtomicU64::new(0),
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
    #[inline]
    pub fn deadline_tick(&self, deadline: Instant) -> u64 {
        ticks_ceil(deadline.saturating_duration_since(self.start))
    }

    /// The current tick, rounded down (reads the clock).
    #[inline]
    pub(crate) fn now_tick(&self) -> u64 {
        let now = self.elapsed_micros();
        self.seen.fetch_max(now, Relaxed);
        now
    }

    /// Microseconds since the start. Loom models no time: there the clock
    /// stands still at the start, so only what a model inserts as due
    /// (tick 0) is due.
    #[cfg(not(loom))]
    #[inline]
    fn elapsed_micros(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    #[cfg(loom)]
    #[inline]
    fn elapsed_micros(&self) -> u64 {
        0
    }

    /// A tick at or before the current time, without reading the clock.
    #[inline]
    pub fn seen_tick(&self) -> u64 {
        self.seen.load(Relaxed)
    }

    /// The wheel's time after its last advance. An entry inserted for a
    /// tick at or before it has left the wheel to fire (its waker is woken
    /// now or soon) — unless it was inserted after that advance with its
    /// tick already passed, when it waits for the next advance and fires
    /// then, a spurious wake. Either way its deadline has passed and its
    /// owner need not look it up or cancel it.
    #[inline]
    pub fn fired_tick(&self) -> u64 {
        self.fired.load(Acquire)
    }

    /// Advances the wheel to `now`, collecting what is due into `due`, and
    /// publishes the wheel's new time.
    fn advance(&self, inner: &mut Inner, now: u64, due: &mut Vec<Entry>) {
        inner.wheel.advance(now, |entry| due.push(entry));
        self.fired.store(inner.wheel.elapsed(), Release);
    }

    /// Registers `entry` for `deadline`. Returns `None` if the runtime has
    /// shut down (the entry is dropped), else its key and the worker that
    /// sleeps for the timers until a later deadline, which the caller must
    /// wake ([`Driver::insert_timer`](crate::Driver::insert_timer) does).
    #[inline]
    pub(crate) fn insert(&self, deadline: Instant, entry: Entry) -> Option<Inserted> {
        let tick = self.deadline_tick(deadline);
        let mut inner = self.inner.lock();
        if self.closed.load(Relaxed) {
            drop(inner);
            contain::drop_quietly(entry);
            return None;
        }
        let key = inner.wheel.insert(tick, entry);
        let mut wake = None;
        if tick < inner.sleeping_until {
            if let Some(sleeper) = inner.sleeper.take() {
                inner.sleeping_until = u64::MAX;
                wake = Some(sleeper);
            }
        }
        Some(Inserted { key, wake })
    }

    /// Calls `f` on the entry of `key` if it has not fired. A timer that
    /// fired before the runtime shut down reports `Fired`, not `ShutDown`.
    #[inline]
    pub fn with_entry<R>(&self, key: Key, f: impl FnOnce(&mut Entry) -> R) -> Lookup<R> {
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
    #[inline]
    pub fn wait_forever(&self, key: &mut Option<WaitKey>, waker: &Waker) -> bool {
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
    #[inline]
    pub fn forget_forever(&self, key: WaitKey) {
        let waker = self.inner.lock().forever.remove(key);
        drop(waker);
    }

    /// Removes the entry of `key`; `None` if it already fired.
    #[inline]
    pub fn cancel(&self, key: Key) -> Option<Entry> {
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
            self.advance(&mut inner, now, &mut due);
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
        self.advance(&mut inner, now, &mut due);
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
            self.advance(&mut inner, now, &mut due);
        }
        fire(self, due);
    }

    /// Entries waiting in the wheel.
    pub fn len(&self) -> usize {
        self.inner.lock().wheel.len()
    }

    /// True once the runtime shut down ([`close`](Self::close)).
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Relaxed)
    }

    /// True if no entry waits in the wheel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

#[cfg(all(test, not(loom)))]
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

    #[test]
    fn fired_tick_passes_a_deadline_only_once_its_entry_left_the_wheel() {
        let driver = crate::Driver::new(1).unwrap();
        let time = driver.time();
        let deadline = Instant::now() + Duration::from_millis(2);
        let tick = time.deadline_tick(deadline);
        let key = driver.insert_timer(deadline, Entry::Gone).unwrap();
        assert!(time.fired_tick() < tick, "nothing advanced past it yet");
        // Wait on the condition, not a guess at the time: process until the
        // wheel has passed the deadline (bounded far above a correct run).
        let start = Instant::now();
        while time.fired_tick() < tick {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the wheel never advanced"
            );
            std::thread::sleep(Duration::from_millis(1));
            time.process();
        }
        assert!(
            Instant::now() >= deadline,
            "the watermark passed a deadline early"
        );
        assert!(matches!(time.with_entry(key, |_| ()), Lookup::Fired));
        assert!(time.cancel(key).is_none());
    }
}
