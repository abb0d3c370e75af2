//! The runtime's driver and how workers park on it.
//!
//! Each worker parks through a [`WorkerPark`]. When a worker runs out of
//! work it tries to take the driver token: the one that holds it sleeps
//! until the earliest timer (or until woken), then fires what is due; the
//! others sleep until woken. A timer inserted with an earlier deadline than
//! the one the token holder sleeps until wakes that worker. Busy workers
//! call `park(Some(ZERO))` every few dozen polls, which fires due timers
//! without blocking, so timers fire while every worker is busy.

use crate::call_soon::CallSoon;
use crate::time::driver::TimeDriver;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;
use weave_scheduler::{Park, ThreadPark};

/// Everything the runtime drives besides tasks.
pub(crate) struct Driver {
    pub(crate) time: TimeDriver,
    pub(crate) call_soon: CallSoon,
    parkers: Box<[ThreadPark]>,
    token: Mutex<()>,
}

impl Driver {
    pub(crate) fn new(workers: usize) -> Driver {
        Driver {
            time: TimeDriver::new(),
            call_soon: CallSoon::new(),
            parkers: (0..workers).map(|_| ThreadPark::new()).collect(),
            token: Mutex::new(()),
        }
    }

    /// The driver of the runtime this thread is inside.
    ///
    /// # Panics
    /// Outside a runtime, naming `what` was called and the fix.
    #[track_caller]
    pub(crate) fn current(what: &str) -> Arc<Driver> {
        weave_scheduler::current_extension::<Driver>().unwrap_or_else(|| {
            panic!(
                "{what} called outside a runtime: there is no runtime on this thread. \
                 Call it from inside `weave::run(...)`, `Runtime::block_on`, a task or a \
                 `spawn_blocking` closure"
            )
        })
    }

    /// Wakes worker `index` (it sleeps for the timers, or on its own).
    pub(crate) fn unpark(&self, index: usize) {
        self.parkers[index].unpark();
    }
}

/// How worker `index` parks.
pub(crate) struct WorkerPark {
    pub(crate) driver: Arc<Driver>,
    pub(crate) index: usize,
}

impl Park for WorkerPark {
    fn park(&self, timeout: Option<Duration>) {
        let driver = &*self.driver;
        if timeout == Some(Duration::ZERO) {
            driver.time.process();
            return;
        }
        let parker = &driver.parkers[self.index];
        match driver.token.try_lock() {
            Some(_token) => {
                let until_timer = driver.time.arm(self.index);
                if until_timer != Some(Duration::ZERO) {
                    let sleep = match (until_timer, timeout) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    parker.park(sleep);
                }
                driver.time.disarm(self.index);
            }
            None => parker.park(timeout),
        }
    }

    fn unpark(&self) {
        self.driver.unpark(self.index);
    }
}
