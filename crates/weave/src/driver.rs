//! The runtime's driver and how workers park on it.
//!
//! Each worker parks through a [`WorkerPark`]. When a worker runs out of
//! work it tries to take the driver token: the one that holds it sleeps in
//! the I/O poller with the earliest timer deadline as timeout, then fires
//! the timers that are due (the poll itself woke the I/O waiters). The
//! other idle workers sleep on their condition variable. Waking worker `i`
//! sets its parker's flag and, if `i` is the one in the poller, notifies the
//! poller, so new work or an earlier timer wakes exactly the sleeper that
//! must wake. Busy workers call `park(Some(ZERO))` every few dozen polls,
//! which fires due timers and, if nobody holds the token, polls I/O without
//! blocking, so neither is starved while every worker is busy.
//!
//! The hand-off between the poller sleeper and its wakers is
//! [`weave_scheduler::PollerHandoff`] (loom-checked there): either the
//! sleeper sees its flag and does not wait, or the waker sees the sleeper
//! and notifies the poller (a notify before the wait makes the wait return
//! at once).

use crate::call_soon::CallSoon;
use crate::time::driver::TimeDriver;
use parking_lot::Mutex;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use weave_reactor::Reactor;
use weave_scheduler::{Park, PollerHandoff, ThreadPark};

/// Everything the runtime drives besides tasks.
pub(crate) struct Driver {
    pub(crate) time: TimeDriver,
    pub(crate) call_soon: CallSoon,
    pub(crate) reactor: Arc<Reactor>,
    parkers: Box<[ThreadPark]>,
    token: Mutex<()>,
    handoff: PollerHandoff,
}

impl Driver {
    pub(crate) fn new(workers: usize) -> io::Result<Driver> {
        Ok(Driver {
            time: TimeDriver::new(),
            call_soon: CallSoon::new(),
            reactor: Arc::new(Reactor::new()?),
            parkers: (0..workers).map(|_| ThreadPark::new()).collect(),
            token: Mutex::new(()),
            handoff: PollerHandoff::new(),
        })
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

    /// The runtime is going away (its tasks are cancelled): callbacks are
    /// dropped, and every sleep and socket still waited on — by a blocking
    /// job in `Handle::block_on`, or another executor — is woken to learn
    /// that its runtime is gone, so none waits forever. Idempotent.
    ///
    /// Everything is closed first, then every sleep and socket woken, and
    /// only then are the callbacks dropped: a callback's captures may wait
    /// (in their `Drop`) on a job that these wakes release.
    pub(crate) fn shutdown(&self) {
        let queued = self.call_soon.close();
        let (sleeps, timed) = self.time.close();
        self.reactor.shutdown();
        sleeps.into_iter().for_each(weave_sync::wake_contained);
        for callback in queued.into_iter().chain(timed) {
            crate::contain::drop_quietly(callback);
        }
    }

    /// Wakes worker `index`, wherever it sleeps.
    pub(crate) fn unpark(&self, index: usize) {
        if self.handoff.wake(index, &self.parkers[index]) {
            self.reactor.notify();
        }
    }
}

/// How worker `index` parks.
pub(crate) struct WorkerPark {
    pub(crate) driver: Arc<Driver>,
    pub(crate) index: usize,
}

impl WorkerPark {
    /// Polls I/O, reporting (not propagating) a failure of the poller.
    fn poll_io(&self, timeout: Option<Duration>) {
        if let Err(e) = self.driver.reactor.poll(timeout) {
            eprintln!("weave: polling for I/O failed: {e}");
        }
    }
}

impl Park for WorkerPark {
    fn park(&self, timeout: Option<Duration>) {
        let driver = &*self.driver;
        if timeout == Some(Duration::ZERO) {
            driver.time.process();
            // Only with the token: a zero-timeout poll consumes a pending
            // `Poller::notify`, and one meant for the token holder (who may
            // be between publishing itself and entering the wait) must not
            // be eaten by anyone else.
            if let Some(_token) = driver.token.try_lock() {
                self.poll_io(Some(Duration::ZERO));
            }
            return;
        }
        let parker = &driver.parkers[self.index];
        match driver.token.try_lock() {
            Some(_token) => {
                let until_timer = driver.time.arm(self.index);
                if until_timer == Some(Duration::ZERO) {
                    self.poll_io(Some(Duration::ZERO));
                } else {
                    let sleep = match (until_timer, timeout) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    let may_wait = driver.handoff.enter(self.index, parker);
                    self.poll_io(if may_wait {
                        sleep
                    } else {
                        Some(Duration::ZERO)
                    });
                    driver.handoff.leave(parker);
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
