//! `call_soon`: run a callback on the runtime as soon as possible
//! (asyncio's `loop.call_soon` / `call_soon_threadsafe`).
//!
//! Callbacks go into the driver's FIFO queue (`weave_driver::CallSoon`).
//! While the queue is not empty, exactly one drainer task runs them one
//! after another, so callbacks run in the order they were queued (from one
//! thread or many) and never two at once.
//!
//! When the runtime shuts down the queue is emptied and closed: callbacks
//! not run by then are dropped (asyncio drops the callbacks of a closed
//! loop), and one queued later is dropped at once. Nothing a callback owns
//! (a sender another thread waits on) outlives the runtime's shutdown.

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use weave_driver::{Callback, Driver};
use weave_sync::contain;

/// Callbacks run back to back before the drainer yields to other tasks.
const BATCH: usize = 64;

/// The drainer task: runs the queued callbacks in order, containing their
/// panics, until the queue is empty (the queue's `Drainer` hands the role
/// back if the task is cancelled first).
async fn drain(driver: Arc<Driver>) {
    let mut drainer = driver.call_soon().drainer();
    let mut ran = 0;
    while let Some(callback) = drainer.next() {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(callback)) {
            contain::report("call_soon", payload);
        }
        ran += 1;
        if ran % BATCH == 0 {
            weave_scheduler::yield_now().await;
        }
    }
}

/// Queues `callback` on `driver`'s runtime behind `handle`.
pub(crate) fn call_soon_on(
    handle: &weave_scheduler::Handle,
    driver: &Arc<Driver>,
    callback: Callback,
) {
    if driver.call_soon().push(callback) {
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
    let driver = Driver::expect_current("call_soon");
    let handle = weave_scheduler::Handle::current();
    call_soon_on(&handle, &driver, Box::new(callback));
}
