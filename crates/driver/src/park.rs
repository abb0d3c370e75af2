//! Parking idle workers: the [`Park`] trait the scheduler parks its workers
//! through, and [`ThreadPark`], the condition-variable implementation: the
//! scheduler's default when it has no driver, and the flag and sleeping
//! place of every worker not in the poller when it has one.
//!
//! Under `--cfg loom` the atomics, mutex and condition variable are loom's
//! (through `weave_sync::loom`), so the driver's models run this code.

use std::time::Duration;
use weave_sync::loom::{AtomicUsize, Condvar, Mutex, Ordering::SeqCst};

/// How an idle worker sleeps and how it is woken.
///
/// The scheduler gives each worker one `Park` value. It calls
/// `park(None)` when the worker has nothing to do, and `park(Some(ZERO))`
/// every few dozen polls so that a driver behind it (timers, I/O) makes
/// progress even while every worker is busy. `unpark` may be called from any
/// thread, before or during `park`; an `unpark` that comes before a `park`
/// makes that `park` return at once.
///
/// ```
/// use std::time::Duration;
/// use weave_driver::{Park, ThreadPark};
///
/// let park = ThreadPark::new();
/// park.unpark();
/// park.park(None); // returns at once: the token was already there
/// park.park(Some(Duration::from_millis(1))); // times out
/// ```
pub trait Park: Send + Sync + 'static {
    /// Blocks the calling worker until [`unpark`](Park::unpark) is called
    /// or `timeout` passes; it may also return early, and the scheduler
    /// parks again if it finds nothing to do. `Some(Duration::ZERO)` must
    /// not block.
    fn park(&self, timeout: Option<Duration>);

    /// Wakes the worker blocked in [`park`](Park::park), or makes its next
    /// `park` return at once.
    fn unpark(&self);

    /// The worker stops parking and goes back to work. A driver that keeps
    /// one idle worker in its poller hands that role to another idle
    /// worker here, in case it had been handed to this one. The default
    /// does nothing.
    fn resume(&self) {}
}

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// A [`Park`] on a mutex and condition variable, with an atomic fast path
/// so an `unpark` of a worker that is not asleep costs one atomic swap.
#[derive(Debug, Default)]
pub struct ThreadPark {
    state: AtomicUsize,
    lock: Mutex<()>,
    condvar: Condvar,
}

impl ThreadPark {
    /// A parker with no pending wake-up.
    pub fn new() -> ThreadPark {
        ThreadPark::default()
    }

    /// Consumes a pending wake-up without blocking; true if there was one.
    /// For a driver that sleeps elsewhere (e.g. in an I/O poller) and uses
    /// this parker only as the flag that records `unpark` calls.
    pub fn take_unpark(&self) -> bool {
        self.state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
    }
}

impl Park for ThreadPark {
    fn park(&self, timeout: Option<Duration>) {
        if self.take_unpark() {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        let mut guard = self.lock.lock();
        match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.store(EMPTY, SeqCst);
                return;
            }
            Err(other) => unreachable!("two threads parked on one ThreadPark (state {other})"),
        }
        loop {
            let timed_out;
            (guard, timed_out) = match timeout {
                Some(timeout) => self.condvar.wait_for(guard, timeout),
                None => (self.condvar.wait(guard), false),
            };
            if self.take_unpark() {
                return;
            }
            if timed_out {
                // Consume a wake that raced with the timeout as well.
                self.state.store(EMPTY, SeqCst);
                return;
            }
        }
    }

    fn unpark(&self) {
        if self.state.swap(NOTIFIED, SeqCst) == PARKED {
            // Take the lock so the notification cannot fall between the
            // parker's state check and its wait.
            drop(self.lock.lock());
            self.condvar.notify_one();
        }
    }
}
