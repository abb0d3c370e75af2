//! Loom model of the poller hand-off: a worker about to wait in the I/O
//! poller, a thread waking it, and a busy worker that polls the same poller
//! without blocking. The poller is modelled by its sticky notification (a
//! `notify` before the wait makes the wait return; a zero-timeout poll
//! consumes a pending one). No wake-up may be lost: when the sleeper waits,
//! a notification that ends the wait is pending at the end.

use crate::handoff::{PollerHandoff, WakeFlag};
use crate::loom::{Arc, AtomicBool, Mutex, Ordering::SeqCst};
use loom::thread;

#[derive(Default)]
struct Flag(AtomicBool);

impl WakeFlag for Flag {
    fn raise(&self) {
        self.0.store(true, SeqCst);
    }
    fn take(&self) -> bool {
        self.0.swap(false, SeqCst)
    }
}

/// The poller's notification. The kernel serializes `notify` against the
/// wait (an eventfd write and `epoll_wait`), so it is modelled under a
/// lock; what the model checks is the hand-off's own atomics.
#[derive(Default)]
struct Poller {
    notified: Mutex<bool>,
}

impl Poller {
    fn notify(&self) {
        *self.notified.lock() = true;
    }
    /// A wait or a zero-timeout poll: true if a notification ended it.
    fn consume(&self) -> bool {
        std::mem::take(&mut *self.notified.lock())
    }
    fn pending(&self) -> bool {
        *self.notified.lock()
    }
}

struct World {
    handoff: PollerHandoff,
    flag: Flag,
    poller: Poller,
    /// The driver token (a try-lock): only its holder may poll. A sleeper
    /// keeps it for as long as it waits.
    token: AtomicBool,
}

#[test]
fn loom_a_wake_reaches_the_worker_in_the_poller() {
    loom::model(|| {
        let world = Arc::new(World {
            handoff: PollerHandoff::new(),
            flag: Flag::default(),
            poller: Poller::default(),
            token: AtomicBool::new(false),
        });
        let sleeper = {
            let w = world.clone();
            thread::spawn(move || {
                if w.token.swap(true, SeqCst) {
                    // The busy worker polls right now: this worker would
                    // sleep on its condition variable instead (not modelled).
                    return false;
                }
                // The wait: `blocked` if nothing has ended it yet. A blocked
                // sleeper keeps the token for as long as it waits.
                let blocked = w.handoff.enter(0, &w.flag) && !w.poller.consume();
                if !blocked {
                    w.handoff.leave(&w.flag);
                    w.token.store(false, SeqCst);
                }
                blocked
            })
        };
        let busy = {
            let w = world.clone();
            thread::spawn(move || {
                // A busy worker's non-blocking poll, only with the token.
                if !w.token.swap(true, SeqCst) {
                    w.poller.consume();
                    w.token.store(false, SeqCst);
                }
            })
        };
        if world.handoff.wake(0, &world.flag) {
            world.poller.notify();
        }
        let blocked = sleeper.join().unwrap();
        busy.join().unwrap();
        assert!(
            !blocked || world.poller.pending(),
            "the worker waits in the poller and no notification will end the wait"
        );
    });
}
