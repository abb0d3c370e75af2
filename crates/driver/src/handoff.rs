//! The wake-up handshake for a worker that sleeps outside its
//! [`ThreadPark`](crate::ThreadPark), e.g. in an I/O poller.
//!
//! Such a worker cannot be woken by the condition variable: the waker must
//! also poke the poller (`Poller::notify`). To poke only when needed, the
//! sleeper publishes its index in [`PollerHandoff`] and then checks its
//! wake flag; a waker raises the flag and then reads the published index
//! (each side with a `SeqCst` fence between its write and its read). In
//! every interleaving one of them sees the other: either the sleeper finds
//! the flag and does not wait, or the waker finds the sleeper and notifies
//! the poller (a notification before the wait makes the wait return at
//! once). `src/tests/loom_driver.rs` checks this through the driver's
//! own park, including a busy worker polling the same poller without
//! blocking.

use crate::park::ThreadPark;
use weave_sync::loom::{fence, AtomicUsize, Ordering::SeqCst};

/// A flag that records wake-ups for a sleeper.
pub(crate) trait WakeFlag {
    /// Records a wake-up (and wakes the owner if it sleeps on the flag
    /// itself).
    fn raise(&self);
    /// Consumes a recorded wake-up; true if there was one.
    fn take(&self) -> bool;
}

impl WakeFlag for ThreadPark {
    fn raise(&self) {
        crate::park::Park::unpark(self);
    }
    fn take(&self) -> bool {
        self.take_unpark()
    }
}

/// No worker sleeps in the poller.
const NONE: usize = usize::MAX;

/// Which worker, if any, sleeps in the poller. See the module docs.
#[derive(Debug)]
pub(crate) struct PollerHandoff {
    sleeper: AtomicUsize,
}

impl PollerHandoff {
    /// Nobody in the poller.
    pub(crate) fn new() -> PollerHandoff {
        PollerHandoff {
            sleeper: AtomicUsize::new(NONE),
        }
    }

    /// The sleeper `index`, before it waits in the poller: publishes it and
    /// returns true if it may wait (false: a wake-up is already pending,
    /// poll without blocking instead).
    #[must_use = "false: a wake-up is pending, do not wait"]
    pub(crate) fn enter(&self, index: usize, flag: &impl WakeFlag) -> bool {
        self.sleeper.store(index, SeqCst);
        // Store, then read the other side's variable: the fence orders the
        // two against the waker's raise-then-load (a store-load pattern
        // that needs a full fence on both sides).
        fence(SeqCst);
        !flag.take()
    }

    /// The sleeper, after its wait: unpublishes it and consumes a wake-up
    /// that came during the wait (it was delivered by the poller's notify).
    pub(crate) fn leave(&self, flag: &impl WakeFlag) {
        self.sleeper.store(NONE, SeqCst);
        flag.take();
    }

    /// Wakes worker `index` through `flag`; true if `index` may be waiting
    /// in the poller, so the caller must notify the poller.
    #[must_use = "true: the worker may be in the poller, notify it"]
    pub(crate) fn wake(&self, index: usize, flag: &impl WakeFlag) -> bool {
        flag.raise();
        fence(SeqCst);
        self.sleeper.load(SeqCst) == index
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_wake_notifies_only_for_the_worker_in_the_poller() {
        let handoff = PollerHandoff::new();
        let flag = ThreadPark::new();
        // The sleeper: publish, then wait only if no wake-up is pending.
        assert!(handoff.enter(0, &flag));
        // A waker: raise the flag; `true` means "notify the poller".
        assert!(handoff.wake(0, &flag));
        handoff.leave(&flag); // after the wait: the flag is consumed
        assert!(!flag.take());
        assert!(
            !handoff.wake(1, &ThreadPark::new()),
            "worker 1 is not in the poller"
        );
    }

    #[test]
    fn a_wake_before_the_wait_stops_the_wait() {
        let handoff = PollerHandoff::new();
        let flag = ThreadPark::new();
        assert!(!handoff.wake(0, &flag), "nobody in the poller yet");
        assert!(
            !handoff.enter(0, &flag),
            "the pending wake-up forbids the wait"
        );
        handoff.leave(&flag);
    }
}
