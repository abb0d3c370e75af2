//! [`ThreadPark`]: how a thread sleeps until another wakes it. The
//! scheduler's workers without a driver, every driver worker not in the
//! poller, and `block_on` all sleep on it.
//!
//! Under `--cfg loom` the atomics, mutex and condition variable are loom's
//! (`crate::loom`), so the driver's models run this code.

use crate::loom::{AtomicUsize, Condvar, Mutex, Ordering::SeqCst};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// A parker on a mutex and condition variable, with an atomic fast path
/// so an `unpark` of a thread that is not asleep costs one atomic swap.
/// An `unpark` before a `park` makes that `park` return at once.
///
/// ```
/// use std::time::Duration;
/// use weave_sync::ThreadPark;
///
/// let park = ThreadPark::new();
/// park.unpark();
/// park.park(None); // returns at once: the wake-up was already there
/// park.park(Some(Duration::from_millis(1))); // times out
/// ```
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

impl ThreadPark {
    /// Blocks until [`unpark`](Self::unpark) is called or `timeout` passes
    /// (`Some(ZERO)`: does not block); consumes the wake-up.
    pub fn park(&self, timeout: Option<Duration>) {
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

    /// Wakes the thread blocked in [`park`](Self::park), or makes its next
    /// `park` return at once.
    pub fn unpark(&self) {
        if self.state.swap(NOTIFIED, SeqCst) == PARKED {
            // Take the lock so the notification cannot fall between the
            // parker's state check and its wait.
            drop(self.lock.lock());
            self.condvar.notify_one();
        }
    }
}

/// A parker is the waker of the thread that sleeps on it:
/// `Waker::from(Arc<ThreadPark>)` unparks it.
impl std::task::Wake for ThreadPark {
    fn wake(self: std::sync::Arc<Self>) {
        self.unpark();
    }
    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.unpark();
    }
}
