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
use weave_sync::scoped::{self, Restore};

thread_local! {
    static CURRENT: RefCell<Option<Arc<Driver>>> = const { RefCell::new(None) };
}

pub use weave_reactor::BlockingJob;

/// Restores the previously current driver (and reactor) when dropped. Not
/// `Send`: it must be dropped on the thread that entered, in the reverse
/// order of entering.
#[must_use = "the driver stops being current when the guard drops"]
#[derive(Debug)]
pub struct EnterGuard {
    // Restored first (fields drop in order): the driver, then the reactor.
    _restore: Restore<Arc<Driver>>,
    #[cfg(not(loom))]
    _reactor: weave_reactor::EnterGuard,
}

impl EnterGuard {
    /// Makes no driver current until the guard drops (and the fallback
    /// reactor the sockets' one): for a runtime without a driver entered
    /// inside one with, so that its timers fail as outside any runtime
    /// instead of landing in the outer runtime's wheel.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weave_driver::{Driver, EnterGuard};
    ///
    /// let driver = Arc::new(Driver::new(1).unwrap());
    /// let _outer = driver.enter(|job| drop(std::thread::spawn(job)));
    /// {
    ///     let _inner = EnterGuard::no_driver();
    ///     assert!(Driver::current().is_none());
    /// }
    /// assert!(Driver::current().is_some());
    /// ```
    pub fn no_driver() -> EnterGuard {
        EnterGuard {
            #[cfg(not(loom))]
            _reactor: weave_reactor::enter_fallback(),
            _restore: scoped::replace(&CURRENT, None),
        }
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
            _restore: scoped::replace(&CURRENT, Some(self.clone())),
        }
    }

    /// The driver current on this thread, if any.
    #[inline]
    pub fn current() -> Option<Arc<Driver>> {
        scoped::current(&CURRENT)
    }

    /// Calls `f` with the driver current on this thread, if any, without
    /// cloning its `Arc` (for hot paths such as `weave::now()`).
    #[inline]
    pub fn with_current<R>(f: impl FnOnce(Option<&Driver>) -> R) -> R {
        scoped::with(&CURRENT, |d| f(d.map(|d| &**d)))
    }

    /// The driver current on this thread.
    ///
    /// # Panics
    /// Outside a runtime, naming `what` was called and the fix.
    #[track_caller]
    #[inline]
    pub fn expect_current(what: &str) -> Arc<Driver> {
        match Driver::current() {
            Some(driver) => driver,
            None => panic!(
                "{what} called outside a runtime: there is no runtime on this thread. \
                 Call it from inside `weave::run(...)`, `Runtime::block_on`, a task or a \
                 `spawn_blocking` closure"
            ),
        }
    }
}
