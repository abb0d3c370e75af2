//! The time driver: one timing wheel per worker, their clock, and the
//! bookkeeping that lets a sleeping worker be woken for an earlier timer.
//!
//! Ground rules:
//! - each shard's wheel (under its own lock) holds an entry per `Sleep`
//!   registered on that shard (its waker) and per pending `call_later` /
//!   `call_at` (its callback). A timer goes to the shard of the worker
//!   that registers it (other threads spread over the shards), so workers
//!   registering timers at once neither wait for one lock nor pass its
//!   wheel's cache lines back and forth; its [`TimerKey`] names the shard;
//! - a busy worker's maintenance fires what is due in every shard (each
//!   publishes its earliest deadline, so one with nothing due costs an
//!   atomic load, not its lock); the worker that sleeps for the timers
//!   fires what is due in all of them, and sleeps until the earliest
//!   deadline of any;
//! - `sleeper` is that worker, sleeping until tick `sleeping_until`. Before
//!   it reads the wheels it publishes itself with `sleeping_until` at its
//!   maximum (SeqCst): every deadline is earlier, so an insert that its
//!   reading misses (the insert takes the shard lock later) reads that
//!   after its own write and wakes it; an insert that finds it sleeping
//!   until a later tick takes it (swap) and wakes it ([`Driver::insert_timer`](crate::Driver::insert_timer));
//! - `closed` is set with every shard's lock held, so what reads it under
//!   a shard lock (insert, process, arm) sees it with a consistent wheel;
//! - entries fire outside the locks: they are moved to a local list, the
//!   locks released, then the wakers woken and the callbacks run.
//!
//! The clock counts microseconds since the driver started (`clock.rs`:
//! real, or virtual once paused). A deadline is rounded up to a tick and
//! the current time down, so nothing fires early. A paused clock's jumps
//! and steps are in `time/paused.rs`.

use crate::call_soon::Callback;
use crate::clock::Clock;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::task::Waker;
use std::time::{Duration, Instant};
use weave_sync::contain;
use weave_sync::loom::{
    AtomicBool, AtomicU64, AtomicUsize, Mutex, MutexGuard,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
};
use weave_sync::wait_list::{WaitKey, WaitList};
use weave_timer::{Key, Wheel};

mod paused;

/// The handle of one registered timer: its shard and its key there.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TimerKey {
    key: Key,
    shard: u32,
}

/// No worker sleeps for the timers.
const NO_SLEEPER: usize = usize::MAX;

thread_local! {
    /// The shard this thread registers timers on: a worker's index once
    /// it has parked (`Driver::park` sets it), else one handed out per
    /// thread in turn.
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Threads that are no worker take shards in turn.
static NEXT_SHARD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Makes this thread register its timers on shard `index` (modulo the
/// shard count): called by worker `index` when it parks.
#[inline]
pub(crate) fn set_current_shard(index: usize) {
    let _ = SHARD.try_with(|shard| shard.set(index));
}

/// The shard this thread registers on, out of `shards`. Under loom always
/// the first: the thread-local would carry over from one explored
/// execution to the next and make the model nondeterministic.
#[cfg(loom)]
fn current_shard(_shards: usize) -> usize {
    0
}

/// The shard this thread registers on, out of `shards`.
#[cfg(not(loom))]
#[inline]
fn current_shard(shards: usize) -> usize {
    let index = SHARD
        .try_with(|shard| {
            let mut index = shard.get();
            if index == usize::MAX {
                index = NEXT_SHARD.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                shard.set(index);
            }
            index
        })
        .unwrap_or(0);
    index % shards
}

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

/// One shard: a wheel, and its time after its last advance.
// Apart from its neighbours: each is written by its own worker.
#[repr(align(128))]
struct Shard {
    wheel: Mutex<Wheel<Entry>>,
    /// A tick at or before the wheel's earliest deadline (`u64::MAX`:
    /// empty), kept under the lock (an insert lowers it, an advance sets
    /// it; a cancel leaves it early, which costs one look): lets a busy
    /// worker's maintenance skip a wheel with nothing due without its lock.
    next: AtomicU64,
    /// The wheel's time after its last advance (stored under the lock):
    /// an entry registered for a tick at or before it has been handed out
    /// to fire, so its `Sleep` may complete without taking the lock to
    /// look (see [`TimeDriver::fired_tick`]).
    fired: AtomicU64,
}

/// What [`TimeDriver::insert`] did.
#[must_use = "the worker in `wake` sleeps past the new deadline unless it is woken"]
pub(crate) struct Inserted {
    pub(crate) key: TimerKey,
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
    /// Real time, or virtual time once paused (`clock.rs`).
    clock: Clock,
    /// A tick at or before the current time: the clock as last read by
    /// the driver. Lets a timer far in the future skip reading the clock.
    seen: AtomicU64,
    shards: Box<[Shard]>,
    /// Sleeps that never end (`Duration::MAX`): not in a wheel, but
    /// listed so that the runtime's shutdown can wake them.
    forever: Mutex<WaitList<Waker>>,
    /// Callbacks that never run (`call_later(Duration::MAX)`): not in a
    /// wheel either (no jump of a paused clock may reach them), but kept
    /// until cancelled or the runtime goes away, as a pending callback is.
    never: Mutex<WaitList<Callback>>,
    /// A paused clock is being moved by [`jump`](Self::jump) or
    /// [`advance_by`](Self::advance_by) (under `stepping_lock`): the others
    /// that fire timers leave it the wheels, so that each deadline's
    /// entries fire, in turn, on the stepping thread.
    stepping: AtomicBool,
    stepping_lock: Mutex<()>,
    /// The worker that sleeps for the timers, or `NO_SLEEPER`.
    sleeper: AtomicUsize,
    /// The tick it sleeps until (the maximum while it reads the wheels,
    /// see the module docs).
    sleeping_until: AtomicU64,
    /// The runtime shut down. Set once, with every shard's lock held, so
    /// what reads it under a shard lock (insert, process, arm) sees it
    /// with a consistent wheel; `fire` reads it without a lock between
    /// callbacks.
    closed: AtomicBool,
}

/// Ticks (microseconds) in a duration, rounded up.
#[inline]
fn ticks_ceil(d: Duration) -> u64 {
    // In u64 (a u128 division is a library call on every registration).
    d.as_secs()
        .checked_mul(1_000_000)
        .and_then(|micros| micros.checked_add(u64::from(d.subsec_nanos().div_ceil(1_000))))
        .unwrap_or(u64::MAX)
}

impl TimeDriver {
    /// `shards` empty wheels (at least one) whose clock starts now,
    /// paused if `paused`.
    pub(crate) fn new(shards: usize, paused: bool) -> TimeDriver {
        TimeDriver {
            clock: Clock::new(paused),
            seen: AtomicU64::new(0),
            shards: (0..shards.max(1))
                .map(|_| Shard {
                    wheel: Mutex::new(Wheel::new()),
                    next: AtomicU64::new(u64::MAX),
                    fired: AtomicU64::new(0),
                })
                .collect(),
            forever: Mutex::new(WaitList::new()),
            never: Mutex::new(WaitList::new()),
            stepping: AtomicBool::new(false),
            stepping_lock: Mutex::new(()),
            sleeper: AtomicUsize::new(NO_SLEEPER),
            sleeping_until: AtomicU64::new(u64::MAX),
            closed: AtomicBool::new(false),
        }
    }

    fn shard(&self, key: TimerKey) -> &Shard {
        &self.shards[key.shard as usize]
    }

    /// The tick of `deadline`, rounded up (a past deadline is tick 0).
    #[inline]
    pub fn deadline_tick(&self, deadline: Instant) -> u64 {
        ticks_ceil(deadline.saturating_duration_since(self.clock.start()))
    }

    /// The current tick, rounded down (reads the clock). Never below an
    /// earlier reading, also across a pause or a resume racing it.
    #[inline]
    pub(crate) fn now_tick(&self) -> u64 {
        let now = self.clock.micros();
        self.seen.fetch_max(now, Relaxed).max(now)
    }

    /// The runtime's time (`weave::now()`): `Instant::now()` until the
    /// clock is first paused, then the virtual clock.
    #[inline]
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// True while the clock is paused.
    #[inline]
    pub fn is_paused(&self) -> bool {
        self.clock.is_paused()
    }

    /// A tick at or before the current time, without reading the clock.
    #[inline]
    pub fn seen_tick(&self) -> u64 {
        self.seen.load(Relaxed)
    }

    /// The time of `key`'s wheel after its last advance. An entry inserted
    /// for a tick at or before it has left the wheel to fire (its waker is
    /// woken now or soon) — unless it was inserted after that advance with
    /// its tick already passed, when it waits for the next advance and
    /// fires then, a spurious wake. Either way its deadline has passed and
    /// its owner need not look it up or cancel it.
    #[inline]
    pub fn fired_tick(&self, key: TimerKey) -> u64 {
        self.shard(key).fired.load(Acquire)
    }

    /// Advances `shard`'s wheel (locked as `wheel`) to `now`, collecting
    /// what is due into `due`, and publishes the wheel's new time.
    fn advance(shard: &Shard, wheel: &mut Wheel<Entry>, now: u64, due: &mut Vec<Entry>) {
        wheel.advance(now, |entry| due.push(entry));
        shard.fired.store(wheel.elapsed(), Release);
        shard
            .next
            .store(wheel.next_deadline().unwrap_or(u64::MAX), Relaxed);
    }

    /// Registers `entry` for `deadline` on this thread's shard. Returns
    /// `None` if the runtime has shut down (the entry is dropped), else its
    /// key and the worker that sleeps for the timers until a later
    /// deadline, which the caller must wake
    /// ([`Driver::insert_timer`](crate::Driver::insert_timer) does).
    #[inline]
    pub(crate) fn insert(&self, deadline: Instant, entry: Entry) -> Option<Inserted> {
        self.insert_on(current_shard(self.shards.len()), deadline, entry)
    }

    /// [`insert`](Self::insert) on shard `index`.
    #[inline]
    pub(crate) fn insert_on(
        &self,
        index: usize,
        deadline: Instant,
        entry: Entry,
    ) -> Option<Inserted> {
        let tick = self.deadline_tick(deadline);
        let mut wheel = self.shards[index].wheel.lock();
        if self.closed.load(Relaxed) {
            drop(wheel);
            contain::drop_quietly(entry);
            return None;
        }
        let key = TimerKey {
            key: wheel.insert(tick, entry),
            shard: index as u32,
        };
        let shard = &self.shards[index];
        if tick < shard.next.load(Relaxed) {
            shard.next.store(tick, Relaxed);
        }
        drop(wheel);
        // After the insert, read the sleeper's deadline (see the module
        // docs: SeqCst against its publish-then-read).
        let mut wake = None;
        // The load first: with every worker busy nobody sleeps, and a swap
        // by every insert would pass the line between the workers. (A
        // sleeper this load misses read the wheels after the insert.)
        if tick < self.sleeping_until.load(SeqCst) && self.sleeper.load(SeqCst) != NO_SLEEPER {
            let sleeper = self.sleeper.swap(NO_SLEEPER, SeqCst);
            if sleeper != NO_SLEEPER {
                wake = Some(sleeper);
            }
        }
        Some(Inserted { key, wake })
    }

    /// Calls `f` on the entry of `key` if it has not fired. A timer that
    /// fired before the runtime shut down reports `Fired`, not `ShutDown`.
    #[inline]
    pub fn with_entry<R>(&self, key: TimerKey, f: impl FnOnce(&mut Entry) -> R) -> Lookup<R> {
        let mut wheel = self.shard(key).wheel.lock();
        match wheel.get_mut(key.key) {
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
        let mut forever = self.forever.lock();
        // `close` sets the flag before it empties this list, under its lock.
        if self.closed.load(Relaxed) {
            return false;
        }
        match key.and_then(|k| forever.get_mut(k)) {
            Some(w) if w.will_wake(waker) => {}
            Some(w) => w.clone_from(waker),
            None => *key = Some(forever.push_back(waker.clone())),
        }
        true
    }

    /// Keeps a callback that never runs until it is cancelled
    /// ([`cancel_never`](Self::cancel_never)) or the runtime goes away;
    /// `None` (and the callback dropped) if it has.
    pub fn insert_never(&self, callback: Callback) -> Option<WaitKey> {
        let mut never = self.never.lock();
        if self.closed.load(Relaxed) {
            drop(never);
            contain::drop_quietly(callback);
            return None;
        }
        Some(never.push_back(callback))
    }

    /// Drops a never-run callback; true if it was still kept.
    pub fn cancel_never(&self, key: WaitKey) -> bool {
        let callback = self.never.lock().remove(key);
        let kept = callback.is_some();
        contain::drop_quietly(callback);
        kept
    }

    /// A never-ending sleep goes away.
    #[inline]
    pub fn forget_forever(&self, key: WaitKey) {
        let waker = self.forever.lock().remove(key);
        drop(waker);
    }

    /// Removes the entry of `key`; `None` if it already fired.
    #[inline]
    pub fn cancel(&self, key: TimerKey) -> Option<Entry> {
        self.shard(key).wheel.lock().cancel(key.key)
    }

    /// Fires everything due, for a busy worker's maintenance: every wheel
    /// whose published earliest deadline has passed, starting with
    /// `worker`'s own, each unless another thread holds its lock (it is
    /// processing or inserting, and a busy worker need not queue behind
    /// it). A wheel with nothing due costs one atomic load, and the clock
    /// is read only if some wheel has a timer.
    pub(crate) fn process(&self, worker: usize) {
        let shards = self.shards.len();
        let earliest = self
            .shards
            .iter()
            .map(|s| s.next.load(Relaxed))
            .min()
            .unwrap_or(u64::MAX);
        if earliest == u64::MAX || self.closed.load(Relaxed) {
            return;
        }
        let now = self.now_tick();
        // A stepper's clock seen means its flag is seen (set before).
        if earliest > now || self.stepping.load(SeqCst) {
            return;
        }
        let mut due = Vec::new();
        for i in 0..shards {
            let shard = &self.shards[(worker + i) % shards];
            if shard.next.load(Relaxed) > now {
                continue;
            }
            let Some(mut wheel) = shard.wheel.try_lock() else {
                continue;
            };
            if self.closed.load(Relaxed) {
                // The `Gone` entries stay put: their sleeps must not see
                // them fire. What earlier wheels handed out was due before
                // the shutdown and is fired below.
                break;
            }
            Self::advance(shard, &mut wheel, now, &mut due);
        }
        fire(self, due);
    }

    /// Advances every shard to now and returns what is due and the
    /// earliest deadline left (`None`: every wheel is empty, or the
    /// runtime shut down). Unless `stepper`, fires nothing while a paused
    /// clock is being stepped (see `stepping`).
    fn advance_all(&self, stepper: bool) -> (Vec<Entry>, Option<u64>) {
        let mut due = Vec::new();
        let mut next: Option<u64> = None;
        let mut now = None;
        for shard in self.shards.iter() {
            let mut wheel = shard.wheel.lock();
            if self.closed.load(Relaxed) {
                return (due, None);
            }
            if wheel.is_empty() {
                // No timer: no need to read the clock for it.
                continue;
            }
            let now = *now.get_or_insert_with(|| self.now_tick());
            if !stepper && self.stepping.load(SeqCst) {
                // What is due is the stepper's to fire; `next` is only a
                // hint for a sleep (a paused clock sleeps until woken).
                return (due, None);
            }
            Self::advance(shard, &mut wheel, now, &mut due);
            if let Some(n) = wheel.next_deadline() {
                next = Some(next.map_or(n, |m| m.min(n)));
            }
        }
        (due, next)
    }

    /// Prepares `worker` to sleep for the timers: fires what is due (then
    /// returns `Some(ZERO)`: the fired tasks want running, do not sleep), or
    /// records `worker` as the sleeper and returns how long it may sleep
    /// (`None`: no timer, sleep until woken).
    pub(crate) fn arm(&self, worker: usize) -> Option<Duration> {
        // Publish first, then read the wheels (see the module docs).
        self.sleeper.store(worker, SeqCst);
        self.sleeping_until.store(u64::MAX, SeqCst);
        let (due, next) = self.advance_all(false);
        if !due.is_empty() {
            self.unpublish(worker);
            fire(self, due);
            return Some(Duration::ZERO);
        }
        self.sleeping_until.store(next.unwrap_or(u64::MAX), SeqCst);
        if self.clock.is_paused() {
            // Real time moves no timer: sleep until woken (an earlier
            // insert, the last busy thread going idle, a resume).
            return None;
        }
        let now = self.seen_tick();
        next.map(|next| Duration::from_micros(next.saturating_sub(now)))
    }

    /// Takes the worker sleeping for the timers off its sleep, for the
    /// caller to wake (its sleep must be re-armed: the clock was paused or
    /// resumed, or the last busy thread went idle).
    pub(crate) fn take_sleeper(&self) -> Option<usize> {
        // As an insert takes it: `sleeping_until` is left to the sleeper,
        // which stores it again when it re-arms.
        match self.sleeper.swap(NO_SLEEPER, SeqCst) {
            NO_SLEEPER => None,
            worker => Some(worker),
        }
    }

    /// `worker` no longer sleeps for the timers (unless an insert already
    /// took it off).
    fn unpublish(&self, worker: usize) {
        if self
            .sleeper
            .compare_exchange(worker, NO_SLEEPER, SeqCst, SeqCst)
            .is_ok()
        {
            self.sleeping_until.store(u64::MAX, SeqCst);
        }
    }

    /// The sleeper woke up: nobody sleeps for the timers any more; fires
    /// what is due.
    pub(crate) fn disarm(&self, worker: usize) {
        self.unpublish(worker);
        let (due, _) = self.advance_all(false);
        fire(self, due);
    }

    /// Entries waiting in the wheels.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.wheel.lock().len()).sum()
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
        // Every shard locked (in order) while the flag is set.
        let mut wheels: Vec<MutexGuard<'_, Wheel<Entry>>> =
            self.shards.iter().map(|s| s.wheel.lock()).collect();
        self.closed.store(true, Relaxed);
        let (mut wakers, mut callbacks) = (Vec::new(), Vec::new());
        for wheel in wheels.iter_mut() {
            for entry in wheel.values_mut() {
                match std::mem::replace(entry, Entry::Gone) {
                    Entry::Wake(waker) => wakers.push(waker),
                    Entry::Call(callback) => callbacks.push(callback),
                    Entry::Gone => {}
                }
            }
        }
        drop(wheels);
        let mut forever = self.forever.lock();
        while let Some(waker) = forever.pop_front() {
            wakers.push(waker);
        }
        drop(forever);
        let mut never = self.never.lock();
        while let Some(callback) = never.pop_front() {
            callbacks.push(callback);
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
        let driver = TimeDriver::new(1, false);
        assert_eq!(
            driver.deadline_tick(driver.clock.start() - Duration::from_secs(1)),
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
        assert!(time.fired_tick(key) < tick, "nothing advanced past it yet");
        // Wait on the condition, not a guess at the time: process until the
        // wheel has passed the deadline (bounded far above a correct run).
        let start = Instant::now();
        while time.fired_tick(key) < tick {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the wheel never advanced"
            );
            std::thread::sleep(Duration::from_millis(1));
            time.process(0);
        }
        assert!(
            Instant::now() >= deadline,
            "the watermark passed a deadline early"
        );
        assert!(matches!(time.with_entry(key, |_| ()), Lookup::Fired));
        assert!(time.cancel(key).is_none());
    }
}
