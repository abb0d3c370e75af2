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
use std::marker::PhantomData;
use std::sync::Arc;

thread_local! {
    static CURRENT: RefCell<Option<Arc<Driver>>> = const { RefCell::new(None) };
}

/// A job for the blocking pool of the runtime being entered.
pub type BlockingJob = Box<dyn FnOnce() + Send>;

/// Restores the previously current driver (and reactor) when dropped. Not
/// `Send`: it must be dropped on the thread that entered, in the reverse
/// order of entering.
#[must_use = "the driver stops being current when the guard drops"]
pub struct EnterGuard {
    prev: Option<Arc<Driver>>,
    #[cfg(not(loom))]
    _reactor: weave_reactor::EnterGuard,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        // The driver replaced is dropped outside the borrow: if it is the
        // last reference, its timers' and callbacks' drops may look for
        // the current driver.
        let replaced = CURRENT.try_with(|c| c.replace(prev));
        drop(replaced);
    }
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
            prev: CURRENT.with(|c| c.replace(None)),
            _not_send: PhantomData,
        }
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
            prev: CURRENT.with(|c| c.replace(Some(self.clone()))),
            _not_send: PhantomData,
        }
    }

    /// The driver current on this thread, if any.
    #[inline]
    pub fn current() -> Option<Arc<Driver>> {
        CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
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
