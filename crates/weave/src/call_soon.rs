//! `call_soon`: run a callback on the runtime as soon as possible
//! (asyncio's `loop.call_soon` / `call_soon_threadsafe`).
//!
//! Callbacks go into one FIFO queue per runtime. While the queue is not
//! empty, exactly one drainer task runs them one after another, so
//! callbacks run in the order they were queued (from one thread or many)
//! and never two at once.
//!
//! When the runtime shuts down the queue is emptied and closed: callbacks
//! not run by then are dropped (asyncio drops the callbacks of a closed
//! loop), and one queued later is dropped at once. Nothing a callback owns
//! (a sender another thread waits on) outlives the runtime's shutdown.

use crate::contain;
use crate::driver::Driver;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

type Callback = Box<dyn FnOnce() + Send>;

/// Callbacks run back to back before the drainer yields to other tasks.
const BATCH: usize = 64;

pub(crate) struct CallSoon {
    state: Mutex<State>,
}

struct State {
    queue: VecDeque<Callback>,
    /// A drainer task exists and will see anything queued now.
    draining: bool,
    /// The runtime shut down: nothing is queued any more.
    closed: bool,
}

impl CallSoon {
    pub(crate) fn new() -> CallSoon {
        CallSoon {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                draining: false,
                closed: false,
            }),
        }
    }

    /// Queues `callback`; returns true if the caller must start a drainer.
    /// After shutdown the callback is dropped (outside the lock) instead.
    fn push(&self, callback: Callback) -> bool {
        let mut state = self.state.lock();
        if state.closed {
            drop(state);
            contain::drop_quietly(callback);
            return false;
        }
        state.queue.push_back(callback);
        !std::mem::replace(&mut state.draining, true)
    }

    /// The runtime shut down: refuses callbacks from now on (they are
    /// dropped at once) and returns those still queued, for the caller to
    /// drop once it has woken what waits on the runtime.
    pub(crate) fn close(&self) -> Vec<Callback> {
        let mut state = self.state.lock();
        state.closed = true;
        state.queue.drain(..).collect()
    }

    fn pop(&self) -> Option<Callback> {
        let mut state = self.state.lock();
        let next = state.queue.pop_front();
        if next.is_none() {
            state.draining = false;
        }
        next
    }
}

/// Hands the drainer's role back if the drainer goes away with callbacks
/// left (cancelled at shutdown, or an unwind that got past the callbacks'
/// containment), so that a later `call_soon` starts a new one.
/// (A drainer that found the queue empty has already handed the role back
/// in `pop`; another may hold it by now, so it must not touch the flag.)
struct Draining<'a> {
    call_soon: &'a CallSoon,
    emptied: bool,
}

impl Drop for Draining<'_> {
    fn drop(&mut self) {
        if !self.emptied {
            self.call_soon.state.lock().draining = false;
        }
    }
}

async fn drain(driver: Arc<Driver>) {
    let mut role = Draining {
        call_soon: &driver.call_soon,
        emptied: false,
    };
    let mut ran = 0;
    while let Some(callback) = driver.call_soon.pop() {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(callback)) {
            contain::report("call_soon", payload);
        }
        ran += 1;
        if ran % BATCH == 0 {
            weave_scheduler::yield_now().await;
        }
    }
    role.emptied = true;
}

/// Queues `callback` on `driver`'s runtime behind `handle`.
pub(crate) fn call_soon_on(
    handle: &weave_scheduler::Handle,
    driver: &Arc<Driver>,
    callback: Callback,
) {
    if driver.call_soon.push(callback) {
        drop(handle.spawn(drain(driver.clone())));
    }
}

/// Runs `callback` on the current runtime as soon as possible, after the
/// callbacks queued before it (asyncio's `loop.call_soon`). Use
/// [`Handle::call_soon`](crate::Handle::call_soon) from other threads.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// weave::run(async {
///     let log = Arc::new(Mutex::new(Vec::new()));
///     for i in 0..5 {
///         let log = log.clone();
///         weave::call_soon(move || log.lock().unwrap().push(i));
///     }
///     // Callbacks run in order: once a last one has run, so have these.
///     let (done, ran) = weave::sync::oneshot();
///     weave::call_soon(move || done.send(()).unwrap());
///     ran.await.unwrap();
///     assert_eq!(*log.lock().unwrap(), [0, 1, 2, 3, 4]);
/// });
/// ```
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn call_soon(callback: impl FnOnce() + Send + 'static) {
    let driver = Driver::current("call_soon");
    let handle = weave_scheduler::Handle::current();
    call_soon_on(&handle, &driver, Box::new(callback));
}
