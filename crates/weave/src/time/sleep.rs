//! `Sleep`: a future that completes at a deadline (`asyncio.sleep`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use weave_driver::{Driver, Entry, Lookup, TimerKey};
use weave_scheduler::coop;

/// Waits until `duration` has passed (asyncio's `asyncio.sleep`).
///
/// `Duration::ZERO` completes on the first poll (use
/// [`yield_now`](crate::yield_now) to let other tasks run); `Duration::MAX`
/// never completes. Dropping the `Sleep` before it fires removes its timer.
///
/// ```
/// use std::time::{Duration, Instant};
/// weave::run(async {
///     let start = Instant::now();
///     weave::sleep(Duration::from_millis(20)).await;
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// });
/// ```
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let driver = Driver::expect_current("sleep");
    let deadline = driver.time().now().checked_add(duration);
    let mut sleep = Sleep::with_driver(driver, deadline);
    sleep.due = duration.is_zero();
    sleep
}

/// Waits until `deadline` (a deadline in the past completes at once).
///
/// ```
/// use std::time::{Duration, Instant};
/// weave::run(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     weave::sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    let mut sleep = Sleep::new(Some(deadline));
    sleep.due = deadline <= sleep.now();
    sleep
}

/// Deadlines closer than this (in ticks, µs) to the driver's last clock
/// reading are checked against the clock before registering.
const NEAR_TICKS: u64 = 2_000;

/// The future of [`sleep`] and [`sleep_until`].
#[must_use = "a Sleep does nothing unless awaited"]
pub struct Sleep {
    /// `None`: never (the deadline does not fit in an `Instant`).
    deadline: Option<Instant>,
    driver: Arc<Driver>,
    key: Option<TimerKey>,
    /// The deadline's tick on the driver's clock, while `key` is set.
    tick: u64,
    /// A sleep without deadline: its place in the driver's list of those.
    forever: Option<weave_sync::wait_list::WaitKey>,
    done: bool,
    /// The deadline was known to have passed when it was set (a zero
    /// sleep, a past deadline): the first poll completes without asking
    /// the driver, whose last clock reading may be stale.
    due: bool,
}

impl Sleep {
    #[track_caller]
    pub(crate) fn new(deadline: Option<Instant>) -> Sleep {
        Sleep::with_driver(Driver::expect_current("sleep"), deadline)
    }

    fn with_driver(driver: Arc<Driver>, deadline: Option<Instant>) -> Sleep {
        Sleep {
            deadline,
            driver,
            key: None,
            tick: 0,
            forever: None,
            done: false,
            due: false,
        }
    }

    /// A sleep that completes on its first poll (its deadline is now).
    #[track_caller]
    pub(crate) fn new_due(deadline: Instant) -> Sleep {
        let mut sleep = Sleep::new(Some(deadline));
        sleep.due = true;
        sleep
    }

    /// The runtime's time (`weave::now()`: virtual while paused).
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        self.driver.time().now()
    }

    /// The deadline; `None` if it is never reached.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// True once the deadline has passed and the sleep completed.
    pub fn is_elapsed(&self) -> bool {
        self.done || self.deadline.is_some_and(|d| self.now() >= d)
    }

    /// Makes it a sleep that never ends (for an `Interval` past
    /// `Instant`'s range).
    pub(crate) fn reset_never(&mut self) {
        self.unregister();
        self.deadline = None;
        self.done = false;
        self.due = false;
    }

    /// Moves the deadline (the sleep becomes pending again if it was done).
    pub fn reset(&mut self, deadline: Instant) {
        self.unregister();
        self.deadline = Some(deadline);
        self.done = false;
        self.due = deadline <= self.now();
    }

    fn unregister(&mut self) {
        if let Some(key) = self.key.take() {
            let time = self.driver.time();
            // An entry the wheel has handed out needs no cancel (and no
            // lock); see `fired_tick`.
            if self.tick > time.fired_tick(key) {
                time.cancel(key);
            }
        }
        if let Some(key) = self.forever.take() {
            self.driver.time().forget_forever(key);
        }
    }

    /// True if `deadline` has passed. Reads the clock only when the
    /// deadline is near the driver's last reading (a lower bound of now): a
    /// deadline far ahead of it cannot have passed by much, and registering
    /// it fires it on the driver's next turn, never early.
    fn passed(&self, deadline: Instant, tick: u64) -> bool {
        if self.due {
            return true;
        }
        let seen = self.driver.time().seen_tick();
        if tick <= seen {
            return true;
        }
        tick - seen < NEAR_TICKS && self.now() >= deadline
    }

    fn complete(&mut self) -> Poll<()> {
        self.unregister();
        self.done = true;
        Poll::Ready(())
    }
}

/// Terminated once it has completed (until a [`reset`](Sleep::reset)), so
/// `futures::select!` takes a `Sleep` as it is, without `.fuse()`.
impl futures_core::future::FusedFuture for Sleep {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let Some(deadline) = self.deadline else {
            // Never: only the runtime's shutdown wakes it, to say so.
            let this = &mut *self;
            if !this
                .driver
                .time()
                .wait_forever(&mut this.forever, cx.waker())
            {
                runtime_gone();
            }
            return Poll::Pending;
        };
        let coop = std::task::ready!(coop::poll_proceed(cx));
        match self.key {
            None => {
                let tick = self.driver.time().deadline_tick(deadline);
                if self.passed(deadline, tick) {
                    coop.made_progress();
                    return self.complete();
                }
                let entry = Entry::Wake(cx.waker().clone());
                let key = self.driver.insert_timer(deadline, entry);
                if key.is_none() {
                    runtime_gone();
                }
                (self.key, self.tick) = (key, tick);
            }
            Some(key) => {
                if self.tick <= self.driver.time().fired_tick(key) {
                    // The wheel has passed the deadline: the entry left it
                    // to fire (see `fired_tick`); no lock to look it up.
                    self.key = None;
                    coop.made_progress();
                    return self.complete();
                }
                let registered = self.driver.time().with_entry(key, |entry| {
                    if let Entry::Wake(waker) = entry {
                        if !waker.will_wake(cx.waker()) {
                            waker.clone_from(cx.waker());
                        }
                    }
                });
                match registered {
                    Lookup::Waiting(()) => {}
                    // The timer fired (its entry is gone).
                    Lookup::Fired => {
                        self.key = None;
                        coop.made_progress();
                        return self.complete();
                    }
                    Lookup::ShutDown => {
                        // Its entry is a tombstone now: take it out.
                        self.unregister();
                        // Due meanwhile (nobody drives the wheel any
                        // more): completing is not early.
                        if self.now() >= deadline {
                            coop.made_progress();
                            return self.complete();
                        }
                        runtime_gone();
                    }
                }
            }
        }
        Poll::Pending
    }
}

/// A `Sleep` whose runtime was dropped can never fire: completing it would
/// be early, and waiting would hang, so its poll says so.
#[cold]
#[track_caller]
fn runtime_gone() -> ! {
    panic!(
        "a weave Sleep (sleep, wait_for, interval) was polled after its runtime was dropped: \
         its timer can never fire. Await timers inside the runtime that created them, and drop \
         the runtime only once they are done"
    )
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.unregister();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("registered", &self.key.is_some())
            .finish()
    }
}
