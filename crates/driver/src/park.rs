//! Parking idle workers: the [`Park`] trait the scheduler parks its workers
//! through, and its implementation for [`ThreadPark`] (weave-sync's
//! condition-variable parker): the scheduler's default when it has no
//! driver, and the flag and sleeping place of every worker not in the
//! poller when it has one.

use std::time::Duration;

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

/// The scheduler's default `Park` and each driver worker's flag; it lives
/// in weave-sync, whose `block_on` sleeps on it too.
pub use weave_sync::ThreadPark;

impl Park for ThreadPark {
    fn park(&self, timeout: Option<Duration>) {
        ThreadPark::park(self, timeout);
    }

    fn unpark(&self) {
        ThreadPark::unpark(self);
    }
}
