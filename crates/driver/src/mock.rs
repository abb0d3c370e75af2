//! The poller as the loom models see it (`--cfg loom` only): a sticky
//! notification under a lock, as an eventfd and `epoll_wait` behave. A
//! `notify` before a wait makes the wait return at once; a zero-timeout
//! poll consumes a pending one.
//!
//! Loom models no time, so a timed wait is taken at its word by length: a
//! short one ([`EXPIRES`] or less, e.g. for a timer due almost now)
//! returns as if it had run out, a longer one only ends by a notification.
//! A model in which a wake-up is lost then deadlocks, and fails, instead of
//! passing on a timeout.

use std::io;
use std::time::Duration;
use weave_sync::loom::{Condvar, Mutex};

/// Timed waits this short run out within a model.
pub(crate) const EXPIRES: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub(crate) struct Poller {
    notified: Mutex<bool>,
    condvar: Condvar,
}

impl Poller {
    pub(crate) fn new() -> io::Result<Poller> {
        Ok(Poller {
            notified: Mutex::new(false),
            condvar: Condvar::new(),
        })
    }

    pub(crate) fn poll(&self, timeout: Option<Duration>) -> io::Result<usize> {
        let mut notified = self.notified.lock();
        match timeout {
            Some(t) if t <= EXPIRES => {}
            _ => {
                while !*notified {
                    notified = self.condvar.wait(notified);
                }
            }
        }
        *notified = false;
        Ok(0)
    }

    pub(crate) fn notify(&self) {
        *self.notified.lock() = true;
        self.condvar.notify_all();
    }

    /// The reactor's shutdown wakes the tasks waiting on its sockets; the
    /// model has no sockets.
    pub(crate) fn shutdown(&self) {}
}
