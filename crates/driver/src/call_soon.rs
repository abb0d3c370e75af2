//! The `call_soon` queue of a runtime (asyncio's `loop.call_soon` /
//! `call_soon_threadsafe`): one FIFO of callbacks, and the role of the one
//! drainer that runs them.
//!
//! While the queue is not empty exactly one [`Drainer`] exists and will see
//! anything queued, so callbacks run in the order they were queued (from
//! one thread or many) and never two at once. The facade runs the drainer
//! as a task.
//!
//! When the runtime shuts down the queue is emptied and closed: callbacks
//! not run by then are handed back to be dropped (asyncio drops the
//! callbacks of a closed loop), and one queued later is dropped at once.

use std::collections::VecDeque;
use weave_sync::contain;
use weave_sync::loom::Mutex;

/// A `call_soon` callback.
pub type Callback = Box<dyn FnOnce() + Send>;

/// The queue; see the module docs.
///
/// ```
/// use weave_driver::CallSoon;
///
/// let queue = CallSoon::new();
/// assert!(queue.push(Box::new(|| println!("first"))), "the first push starts a drainer");
/// assert!(!queue.push(Box::new(|| println!("second"))), "the drainer will see this one");
/// let mut drainer = queue.drainer();
/// while let Some(callback) = drainer.next() {
///     callback();
/// }
/// assert!(queue.push(Box::new(|| {})), "the queue ran dry: the next push starts a drainer");
/// ```
pub struct CallSoon {
    state: Mutex<State>,
}

struct State {
    queue: VecDeque<Callback>,
    /// A drainer exists and will see anything queued now.
    draining: bool,
    /// The runtime shut down: nothing is queued any more.
    closed: bool,
}

impl Default for CallSoon {
    fn default() -> Self {
        CallSoon::new()
    }
}

impl CallSoon {
    /// An empty, open queue.
    pub fn new() -> CallSoon {
        CallSoon {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                draining: false,
                closed: false,
            }),
        }
    }

    /// Queues `callback`; returns true if the caller must start a drainer
    /// ([`drainer`](Self::drainer)). After shutdown the callback is dropped
    /// at once (outside the lock, its `Drop` panics contained) instead.
    #[must_use = "true means no drainer runs: start one, or the callback never runs"]
    pub fn push(&self, callback: Callback) -> bool {
        let mut state = self.state.lock();
        if state.closed {
            drop(state);
            contain::drop_quietly(callback);
            return false;
        }
        state.queue.push_back(callback);
        !std::mem::replace(&mut state.draining, true)
    }

    /// The drainer's role, for the caller that `push` told to start one.
    pub fn drainer(&self) -> Drainer<'_> {
        Drainer {
            queue: self,
            emptied: false,
        }
    }

    /// The runtime shut down: refuses callbacks from now on (they are
    /// dropped at once) and returns those still queued, for the caller to
    /// drop once it has woken what waits on the runtime.
    pub fn close(&self) -> Vec<Callback> {
        let mut state = self.state.lock();
        state.closed = true;
        state.queue.drain(..).collect()
    }

    /// Callbacks queued and not yet taken by the drainer.
    pub fn len(&self) -> usize {
        self.state.lock().queue.len()
    }

    /// True if no callback is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The one drainer of a [`CallSoon`] queue.
///
/// Dropped with callbacks left (its task cancelled at shutdown, or an
/// unwind that got past the callbacks' containment), it hands its role
/// back, so that a later `push` starts a new one. A drainer that found the
/// queue empty has already handed it back in [`next`](Self::next) —
/// another may hold it by now, so its drop leaves the flag alone.
pub struct Drainer<'a> {
    queue: &'a CallSoon,
    emptied: bool,
}

impl Drainer<'_> {
    /// The next callback; `None` once the queue is empty, which also ends
    /// this drainer's role (the next `push` starts another).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Callback> {
        if self.emptied {
            return None;
        }
        let mut state = self.queue.state.lock();
        let next = state.queue.pop_front();
        if next.is_none() {
            state.draining = false;
            self.emptied = true;
        }
        next
    }
}

impl Drop for Drainer<'_> {
    fn drop(&mut self) {
        if !self.emptied {
            self.queue.state.lock().draining = false;
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;

    #[test]
    fn a_drainer_dropped_early_hands_its_role_back() {
        let queue = CallSoon::new();
        assert!(queue.push(Box::new(|| {})));
        assert!(!queue.push(Box::new(|| {})));
        let mut drainer = queue.drainer();
        drainer.next().unwrap()();
        drop(drainer);
        assert!(queue.push(Box::new(|| {})), "a new drainer must be started");
        assert_eq!(queue.len(), 2);
    }

    #[test]
    fn after_close_callbacks_are_dropped_unrun() {
        let ran = Arc::new(AtomicUsize::new(0));
        let queue = CallSoon::new();
        let r = ran.clone();
        assert!(queue.push(Box::new(move || {
            r.fetch_add(1, SeqCst);
        })));
        let left = queue.close();
        assert_eq!(left.len(), 1);
        drop(left);
        let r = ran.clone();
        assert!(!queue.push(Box::new(move || {
            r.fetch_add(1, SeqCst);
        })));
        assert!(queue.is_empty());
        assert_eq!(ran.load(SeqCst), 0);
        assert_eq!(Arc::strong_count(&ran), 1, "both callbacks were dropped");
    }
}
