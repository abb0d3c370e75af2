//! The runtime's driver and how workers park on it.
//!
//! Each worker parks through a [`WorkerPark`]. When a worker runs out of
//! work it tries to take the driver token: the one that holds it sleeps in
//! the I/O poller with the earliest timer deadline as timeout, then fires
//! the timers that are due (the poll itself woke the I/O waiters). The
//! other idle workers sleep on their [`ThreadPark`]. Waking worker `i`
//! raises its parker's flag and, if `i` is the one in the poller, notifies
//! the poller, so new work or an earlier timer wakes exactly the sleeper
//! that must wake. Busy workers call `park(Some(ZERO))` every few dozen
//! polls, which fires due timers and, if nobody holds the token, polls I/O
//! without blocking, so neither is starved while every worker is busy.
//!
//! The hand-off between the poller sleeper and its wakers is `handoff.rs`:
//! either the sleeper sees its flag and does not wait, or the waker sees
//! the sleeper and notifies the poller (a notify before the wait makes the
//! wait return at once). `src/tests/loom_driver.rs` runs this file's code
//! under the model checker, over a model of the poller.

use crate::activity::Activity;
use crate::call_soon::CallSoon;
use crate::handoff::PollerHandoff;
use crate::park::{Park, ThreadPark};
use crate::time::{Entry, TimeDriver, TimerKey};
use crate::token_waiters::TokenWaiters;
use std::io;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use weave_sync::loom::{AtomicBool, Mutex, MutexGuard, Ordering::SeqCst};

/// A timer due this soon is waited for by spinning, not in the poller:
/// a wait in the poller costs more than this (arming the poller's timer,
/// two re-registrations, the wait and the wake-up, and the `notify` system
/// call of whoever wakes the waiter early), so a worker that runs out of
/// tasks while timers fall due every few microseconds spent its time in
/// system calls (see docs/benchmarks.md, "Timers").
const NEAR_TIMER: Duration = Duration::from_micros(50);

/// The poller: the reactor, or under loom its model.
#[cfg(not(loom))]
pub(crate) type Io = weave_reactor::Reactor;
#[cfg(loom)]
pub(crate) type Io = crate::mock::Poller;

/// Everything a runtime drives besides tasks: the I/O poller, the timers
/// and the `call_soon` queue, and how its workers sleep.
///
/// ```
/// use std::sync::Arc;
/// use weave_driver::{Driver, Park};
///
/// let driver = Arc::new(Driver::new(2).unwrap());
/// let park = driver.worker_park(1);
/// driver.unpark(1); // before the park: the park returns at once
/// park.park(None);
/// ```
pub struct Driver {
    time: TimeDriver,
    call_soon: CallSoon,
    io: Arc<Io>,
    parkers: Box<[ThreadPark]>,
    token: Mutex<()>,
    /// Idle workers that found the token taken and sleep on their
    /// `ThreadPark`. A busy worker's zero-timeout poll releases the token
    /// with a hand-off: it wakes one of them, which takes the token on its
    /// next park (or, gone back to work instead, passes the hand-off on:
    /// `resume`). A sleeper leaving the poller for work does not hand off:
    /// that would cost a second thread wake per I/O event; the idle worker
    /// gets the token at that worker's next maintenance turn instead.
    token_waiters: TokenWaiters,
    /// Worker `i` was handed the token by a release (see `token_waiters`).
    handed: Box<[AtomicBool]>,
    handoff: PollerHandoff,
    /// Claimed by the runtime that drives it ([`claim`](Self::claim)).
    claimed: AtomicBool,
    /// What holds a paused clock (`activity.rs`).
    activity: Activity,
    /// True if every run queue of the runtime is empty (its scheduler
    /// sets it: [`set_idle_probe`](Self::set_idle_probe)).
    idle_probe: OnceLock<IdleProbe>,
}

/// See [`Driver::set_idle_probe`].
pub type IdleProbe = Box<dyn Fn() -> bool + Send + Sync>;

impl Driver {
    /// A driver for `workers` workers (indices `0..workers`).
    ///
    /// # Errors
    /// If the system refuses a new poller (e.g. out of file descriptors).
    pub fn new(workers: usize) -> io::Result<Driver> {
        Driver::with_clock(workers, false)
    }

    /// A driver for `workers` workers whose clock starts paused if
    /// `paused` (`Builder::start_paused`; see [`pause_clock`](Self::pause_clock)).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_clock(workers: usize, paused: bool) -> io::Result<Driver> {
        Ok(Driver {
            time: TimeDriver::new(workers, paused),
            call_soon: CallSoon::new(),
            io: Arc::new(Io::new()?),
            parkers: (0..workers).map(|_| ThreadPark::new()).collect(),
            token: Mutex::new(()),
            token_waiters: TokenWaiters::new(workers),
            handed: (0..workers).map(|_| AtomicBool::new(false)).collect(),
            handoff: PollerHandoff::new(),
            claimed: AtomicBool::new(false),
            // Each worker is busy until its first park; its runtime counts
            // it out (`leave_busy`) when its thread ends.
            activity: Activity::new(workers),
            idle_probe: OnceLock::new(),
        })
    }

    /// Sets how the driver learns that every run queue of its runtime is
    /// empty, for auto-advance (the scheduler's `Builder::build` does;
    /// once: a second probe is refused and returned). Without one, a
    /// paused clock only moves by [`advance_clock`](Self::advance_clock).
    ///
    /// # Errors
    /// The probe, if one was set before.
    pub fn set_idle_probe(&self, probe: IdleProbe) -> Result<(), IdleProbe> {
        self.idle_probe.set(probe)
    }

    /// A thread (or job) of the runtime starts being busy: until the
    /// matching [`leave_busy`](Self::leave_busy), a paused clock does not
    /// auto-advance. Workers are counted by their park; `block_on` and
    /// the blocking pool call this.
    #[inline]
    pub fn enter_busy(&self) {
        self.activity.enter();
    }

    /// The end of an [`enter_busy`](Self::enter_busy). The last one to go
    /// idle under a paused clock wakes the worker sleeping for the timers,
    /// so that it looks again whether the clock may jump.
    #[inline]
    pub fn leave_busy(&self) {
        if self.activity.leave() && self.time.is_paused() {
            self.wake_timer_sleeper();
        }
    }

    /// Threads and jobs counted busy right now.
    pub fn busy(&self) -> usize {
        self.activity.busy()
    }

    /// Freezes the runtime's clock (`weave::time::pause`): `now()` and
    /// every timer stop following real time; the clock moves only by
    /// [`advance_clock`](Self::advance_clock) and by auto-advance. False
    /// if it was paused already.
    pub fn pause_clock(&self) -> bool {
        let paused = self.time.pause();
        if paused {
            // It sleeps until a real deadline: it re-arms for virtual time.
            self.wake_timer_sleeper();
        }
        paused
    }

    /// Lets a paused clock run on in real time from its reading
    /// (`weave::time::resume`); false if it was running.
    pub fn resume_clock(&self) -> bool {
        let resumed = self.time.resume();
        if resumed {
            // It sleeps until woken: it re-arms for a real deadline.
            self.wake_timer_sleeper();
        }
        resumed
    }

    /// Moves a paused clock forward by `by`, firing the timers due on the
    /// way in deadline order (`weave::time::advance`); false (and nothing
    /// moves) if the clock runs.
    pub fn advance_clock(&self, by: Duration) -> bool {
        let advanced = self.time.advance_by(by);
        // The worker sleeping for the timers left them to the steps (or a
        // resume raced them): it looks again.
        self.wake_timer_sleeper();
        advanced
    }

    fn wake_timer_sleeper(&self) {
        if let Some(worker) = self.time.take_sleeper() {
            self.unpark(worker);
        }
    }

    /// Under a paused clock, with the token and nothing due: jumps the
    /// clock to the next deadline if nothing else can make a task ready
    /// (see `activity.rs` for the rule). True if the caller must not
    /// sleep: the clock jumped, the I/O poll on the way queued tasks, or
    /// something became busy meanwhile (look again). False with no timer
    /// to jump to: then the caller sleeps until woken (an insert, the last
    /// busy thread going idle, I/O), instead of looking again at once.
    fn auto_advance(&self) -> bool {
        let Some(probe) = self.idle_probe.get() else {
            return false;
        };
        let Some(quiet) = self.activity.quiet() else {
            return false;
        };
        if !probe() {
            return false;
        }
        // I/O ready now holds the clock: its tasks run first.
        self.poll_io(Some(Duration::ZERO));
        if !probe() || !self.activity.still(quiet) {
            return true;
        }
        self.time.jump()
    }

    /// Claims the driver for the one runtime that will drive it (the
    /// scheduler's `Builder::build` does).
    ///
    /// # Errors
    /// `InvalidInput` if a runtime claimed it before (two runtimes would
    /// park two workers on one parker, and the first one's shutdown would
    /// shut the other's timers and sockets down) or it was shut down.
    pub fn claim(&self) -> io::Result<()> {
        if self.claimed.swap(true, SeqCst) || self.time.is_closed() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "driver(..): this driver already drives a runtime (or drove one, or was shut down); \
                 give each runtime a driver of its own: Driver::new(workers)",
            ));
        }
        Ok(())
    }

    /// The timers.
    #[inline]
    pub fn time(&self) -> &TimeDriver {
        &self.time
    }

    /// The `call_soon` queue.
    #[inline]
    pub fn call_soon(&self) -> &CallSoon {
        &self.call_soon
    }

    /// The reactor the runtime's sockets register with.
    #[cfg(not(loom))]
    #[inline]
    pub fn reactor(&self) -> &Arc<weave_reactor::Reactor> {
        &self.io
    }

    /// Workers this driver parks.
    pub fn workers(&self) -> usize {
        self.parkers.len()
    }

    /// Registers `entry` for `deadline` and, if a worker sleeps for the
    /// timers until a later deadline, wakes it to sleep again for this
    /// one. `None` if the runtime has shut down (the entry is dropped).
    #[inline]
    pub fn insert_timer(&self, deadline: Instant, entry: Entry) -> Option<TimerKey> {
        self.time
            .insert(deadline, entry)
            .map(|i| self.wake_sleeper(i))
    }

    /// [`insert_timer`](Self::insert_timer) on timer shard `shard`, for the
    /// models of a timer registered on another worker's shard.
    #[cfg(test)]
    pub(crate) fn insert_timer_on(
        &self,
        shard: usize,
        deadline: Instant,
        entry: Entry,
    ) -> Option<TimerKey> {
        self.time
            .insert_on(shard, deadline, entry)
            .map(|i| self.wake_sleeper(i))
    }

    /// Wakes the worker an insert took off its later sleep; the key.
    fn wake_sleeper(&self, inserted: crate::time::Inserted) -> TimerKey {
        if let Some(worker) = inserted.wake {
            self.unpark(worker);
        }
        inserted.key
    }

    /// The runtime is going away (its tasks are cancelled): callbacks are
    /// dropped, and every sleep and socket still waited on — by a blocking
    /// job in `Handle::block_on`, or another executor — is woken to learn
    /// that its runtime is gone, so none waits forever. Idempotent.
    ///
    /// Everything is closed first, then every sleep and socket woken, and
    /// only then are the callbacks dropped: a callback's captures may wait
    /// (in their `Drop`) on a job that these wakes release.
    pub fn shutdown(&self) {
        let queued = self.call_soon.close();
        let (sleeps, timed) = self.time.close();
        self.io.shutdown();
        sleeps.into_iter().for_each(weave_sync::wake_contained);
        for callback in queued.into_iter().chain(timed) {
            weave_sync::contain::drop_quietly(callback);
        }
    }

    /// Wakes worker `index`, wherever it sleeps (or makes its next park
    /// return at once).
    ///
    /// # Panics
    /// If `index` is not below [`workers`](Self::workers).
    #[inline]
    pub fn unpark(&self, index: usize) {
        if self.handoff.wake(index, &self.parkers[index]) {
            self.io.notify();
        }
    }

    /// Parks worker `index` for at most `timeout` (`None`: until woken),
    /// driving I/O and timers meanwhile; `Some(ZERO)` drives them without
    /// blocking. See the module docs. May return early (spuriously).
    pub(crate) fn park(&self, index: usize, timeout: Option<Duration>) {
        // This thread is worker `index`: its timers go to its own shard.
        crate::time::set_current_shard(index);
        if timeout == Some(Duration::ZERO) {
            self.time.process(index);
            // Only with the token: a zero-timeout poll consumes a pending
            // `Poller::notify`, and one meant for the token holder (who may
            // be between publishing itself and entering the wait) must not
            // be eaten by anyone else.
            if let Some(token) = self.token.try_lock() {
                self.poll_io(Some(Duration::ZERO));
                self.release(token);
            }
            return;
        }
        // Parked, the worker holds no paused clock (`activity.rs`); busy
        // again on the way out, also by unwinding.
        self.leave_busy();
        let _busy = BusyAgain(&self.activity);
        self.park_idle(index, timeout);
    }

    /// The sleeping part of [`park`](Self::park).
    fn park_idle(&self, index: usize, timeout: Option<Duration>) {
        let parker = &self.parkers[index];
        // Parking again: a hand-off to us is taken up here.
        self.handed[index].store(false, SeqCst);
        // Listed before trying the token, so that a holder releasing it
        // after our try sees us (see `token_waiters.rs`).
        self.token_waiters.add(index);
        match self.token.try_lock() {
            Some(token) => {
                self.token_waiters.remove(index);
                let mut until_timer = self.time.arm(index);
                if until_timer.is_none() && self.time.is_paused() && self.auto_advance() {
                    until_timer = Some(Duration::ZERO);
                }
                if until_timer == Some(Duration::ZERO) {
                    self.poll_io(Some(Duration::ZERO));
                } else if let Some(near) = until_timer.filter(|&d| d <= NEAR_TIMER) {
                    // I/O first (one non-blocking wait), so a worker that
                    // keeps finding a near timer does not leave sockets
                    // unpolled until its maintenance turn.
                    self.poll_io(Some(Duration::ZERO));
                    self.wait_near_timer(parker, near);
                } else {
                    let sleep = match (until_timer, timeout) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    let may_wait = self.handoff.enter(index, parker);
                    self.poll_io(if may_wait {
                        sleep
                    } else {
                        Some(Duration::ZERO)
                    });
                    self.handoff.leave(parker);
                }
                self.time.disarm(index);
                // No hand-off (see `token_waiters`): if this worker found
                // nothing to do it takes the token again at once.
                drop(token);
            }
            None => {
                // If the holder is a busy worker's zero-timeout poll, its
                // release wakes us to take the token; if it is a sleeper,
                // it stays in the poller or, leaving for work, hands the
                // token over at its next maintenance turn.
                parker.park(timeout);
                self.token_waiters.remove(index);
            }
        }
    }

    /// Worker `index` goes back to work after parking. If a release handed
    /// it the token (while it was also woken for work, or just before it
    /// unlisted itself), the hand-off goes on to another listed worker.
    pub(crate) fn resume(&self, index: usize) {
        if self.handed[index].swap(false, SeqCst) {
            if let Some(token) = self.token.try_lock() {
                self.release(token);
            }
        }
    }

    /// Releases the driver token and hands it off: wakes an idle worker
    /// that found it taken, so that it takes the token on its next park.
    fn release(&self, token: MutexGuard<'_, ()>) {
        drop(token);
        if let Some(waiter) = self.token_waiters.take_one() {
            self.handed[waiter].store(true, SeqCst);
            self.unpark(waiter);
        }
    }

    /// Waits out a timer due within [`NEAR_TIMER`] without the poller
    /// (the caller polled I/O just before, without blocking): returns when
    /// it is due or a wake-up comes (the wake-up is consumed, as
    /// `handoff.leave` would; the scheduler looks for work next). I/O that
    /// comes meanwhile is polled at the next park, at most `NEAR_TIMER`
    /// later.
    #[cfg(not(loom))]
    fn wait_near_timer(&self, parker: &ThreadPark, near: Duration) {
        let until = Instant::now() + near;
        loop {
            for _ in 0..16 {
                std::hint::spin_loop();
            }
            if parker.take_unpark() || Instant::now() >= until {
                return;
            }
        }
    }

    /// Loom models no time: a near timer is not waited for (the model's
    /// clock stands still), the poll returns at once.
    #[cfg(loom)]
    fn wait_near_timer(&self, _parker: &ThreadPark, _near: Duration) {}

    /// Polls I/O, reporting (not propagating) a failure of the poller.
    fn poll_io(&self, timeout: Option<Duration>) {
        if let Err(e) = self.io.poll(timeout) {
            eprintln!("weave: polling for I/O failed: {e}");
        }
    }

    /// The [`Park`] of worker `index`, for the scheduler.
    pub fn worker_park(self: &Arc<Self>, index: usize) -> WorkerPark {
        assert!(
            index < self.workers(),
            "worker {index} of a driver for {} workers",
            self.workers()
        );
        WorkerPark {
            driver: self.clone(),
            index,
        }
    }
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("workers", &self.workers())
            .field("timers", &self.time.len())
            .finish_non_exhaustive()
    }
}

/// Counts a parked worker busy again when dropped.
struct BusyAgain<'a>(&'a Activity);

impl Drop for BusyAgain<'_> {
    fn drop(&mut self) {
        self.0.enter();
    }
}

/// How worker `index` parks on its driver: see the module docs.
#[derive(Debug, Clone)]
pub struct WorkerPark {
    driver: Arc<Driver>,
    index: usize,
}

impl Park for WorkerPark {
    fn park(&self, timeout: Option<Duration>) {
        self.driver.park(self.index, timeout);
    }

    fn unpark(&self) {
        self.driver.unpark(self.index);
    }

    fn resume(&self) {
        self.driver.resume(self.index);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_worker_handed_the_token_passes_it_on_when_it_goes_back_to_work() {
        let driver = Driver::new(3).unwrap();
        // Worker 2 sleeps listed; a release picked worker 1, which was
        // also woken for work and goes back to it.
        driver.token_waiters.add(2);
        driver.handed[1].store(true, SeqCst);
        driver.resume(1);
        assert!(
            driver.parkers[2].take_unpark(),
            "worker 2 was handed the token"
        );
        assert!(driver.handed[2].load(SeqCst));
        assert!(!driver.handed[1].load(SeqCst));
        // A worker nobody handed the token to passes nothing on.
        driver.token_waiters.add(2);
        driver.resume(0);
        assert!(!driver.parkers[2].take_unpark());
    }

    #[test]
    fn a_busy_workers_zero_timeout_park_hands_the_token_to_a_listed_worker() {
        let driver = Driver::new(2).unwrap();
        driver.token_waiters.add(0);
        driver.park(1, Some(Duration::ZERO));
        assert!(driver.parkers[0].take_unpark());
        assert!(driver.handed[0].load(SeqCst));
        // Parking again takes the hand-off up.
        driver.unpark(0);
        driver.park(0, None);
        assert!(!driver.handed[0].load(SeqCst));
    }
}
