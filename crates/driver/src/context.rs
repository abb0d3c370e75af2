//! Which driver is current on a thread: the typed way timers, `call_soon`
//! and sockets reach the driver of the runtime they run in.
//!
//! The scheduler enters its runtime's driver wherever it enters the
//! runtime (its workers, `block_on`, blocking-pool threads,
//! `Handle::enter`); [`Driver::enter`] sets this crate's thread-local and
//! the reactor's (`weave_reactor::Reactor::current`), and its guard
//! restores both.

use crate::driver::Driver;
use std::cell::RefCell;
use std::sync::Arc;

thread_local! {
    static CURRENT: RefCell<Option<Arc<Driver>>> = const { RefCell::new(None) };
}

/// A job for the blocking pool of the runtime being entered.
pub type BlockingJob = Box<dyn FnOnce() + Send>;

/// Restores the previously current driver when dropped.
#[must_use = "the driver stops being current when the guard drops"]
pub struct EnterGuard {
    prev: Option<Arc<Driver>>,
    #[cfg(not(loom))]
    _reactor: weave_reactor::EnterGuard,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

impl std::fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl Driver {
    /// Makes this driver current on the calling thread until the guard
    /// drops; `blocking` runs the blocking jobs of the sockets created
    /// meanwhile (name resolution) on the runtime's blocking pool.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weave_driver::Driver;
    ///
    /// let driver = Arc::new(Driver::new(1).unwrap());
    /// assert!(Driver::current().is_none());
    /// {
    ///     let _enter = driver.enter(|job| drop(std::thread::spawn(job)));
    ///     assert!(Arc::ptr_eq(&Driver::current().unwrap(), &driver));
    ///     assert!(Arc::ptr_eq(&weave_reactor::Reactor::current(), driver.reactor()));
    /// }
    /// assert!(Driver::current().is_none());
    /// ```
    pub fn enter(self: &Arc<Self>, blocking: fn(BlockingJob)) -> EnterGuard {
        #[cfg(loom)]
        let _ = blocking;
        EnterGuard {
            #[cfg(not(loom))]
            _reactor: weave_reactor::enter(self.reactor().clone(), blocking),
            prev: CURRENT.with(|c| c.borrow_mut().replace(self.clone())),
        }
    }

    /// The driver current on this thread, if any.
    pub fn current() -> Option<Arc<Driver>> {
        CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
    }

    /// The driver current on this thread.
    ///
    /// # Panics
    /// Outside a runtime, naming `what` was called and the fix.
    #[track_caller]
    pub fn expect_current(what: &str) -> Arc<Driver> {
        Driver::current().unwrap_or_else(|| {
            panic!(
                "{what} called outside a runtime: there is no runtime on this thread. \
                 Call it from inside `weave::run(...)`, `Runtime::block_on`, a task or a \
                 `spawn_blocking` closure"
            )
        })
    }
}
