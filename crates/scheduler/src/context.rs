//! What the current thread is doing for a runtime, in thread-locals: which
//! runtime it is inside (for `spawn` and `Handle::current`), whether it is
//! a worker (for the local queues), and whether it is driving futures (so
//! that a nested `block_on` can be refused). Which task it is polling is
//! the task module's own (`task/current.rs`).

use crate::runtime::Handle;
use crate::shared::Shared;
use crate::worker::WorkerContext;
use std::cell::{Cell, RefCell};
use std::ptr;
use std::sync::Arc;
use weave_sync::scoped::{self, Restore};

thread_local! {
    static HANDLE: RefCell<Option<Handle>> = const { RefCell::new(None) };
    static WORKER: Cell<*const WorkerContext> = const { Cell::new(ptr::null()) };
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

/// The runtime this thread is inside, if any.
pub(crate) fn handle() -> Option<Handle> {
    scoped::current(&HANDLE)
}

/// Calls `f` with the shared state of the runtime this thread is inside.
/// On a worker of that runtime it lends the worker's own reference, so the
/// hot spawn path does no reference-count traffic; elsewhere it clones.
pub(crate) fn with_current_shared<R>(f: impl FnOnce(Option<&Arc<Shared>>) -> R) -> R {
    let current = HANDLE
        .try_with(|h| h.borrow().as_ref().map(|h| Arc::as_ptr(&h.shared)))
        .ok()
        .flatten();
    with_worker(|worker| match (worker, current) {
        (Some(worker), Some(current)) if Arc::as_ptr(&worker.shared) == current => {
            f(Some(&worker.shared))
        }
        _ => f(handle().as_ref().map(|h| &h.shared)),
    })
}

/// Restores the previous runtime context when dropped (and the driver's,
/// which it entered with the runtime).
/// Not `Send`: it must be dropped on the thread that entered.
#[must_use]
pub(crate) struct EnterGuard {
    _handle: Restore<Handle>,
    _driver: weave_driver::EnterGuard,
}

/// Makes `handle` the current runtime until the guard drops, and its
/// driver the current driver: timers, `call_soon` and sockets find it
/// through `Driver::current` and `Reactor::current`. A runtime without a
/// driver makes no driver current (not the one of a runtime entered
/// around it), so what it runs finds the same runtime on every thread.
pub(crate) fn enter(handle: Handle) -> EnterGuard {
    let driver = match &handle.shared.driver {
        Some(driver) => driver.enter(run_blocking),
        None => weave_driver::EnterGuard::no_driver(),
    };
    EnterGuard {
        _handle: scoped::replace(&HANDLE, Some(handle)),
        _driver: driver,
    }
}

/// Where the driver's sockets send their blocking jobs (name resolution):
/// the pool of the runtime current on the calling thread, or a thread of
/// their own if there is none (the thread is tearing its thread-locals
/// down, and the runtime's went first).
fn run_blocking(job: weave_driver::BlockingJob) {
    match handle() {
        Some(handle) => drop(handle.spawn_blocking(job)),
        None => {
            std::thread::Builder::new()
                .name("weave-resolve".into())
                .spawn(job)
                .expect("failed to spawn a thread for name resolution");
        }
    }
}

/// Marks the thread as driving futures until dropped.
#[must_use]
pub(crate) struct DrivingGuard(());

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        let _ = DRIVING.try_with(|d| d.set(false));
    }
}

/// Marks the thread as driving futures (a worker, or inside `block_on`).
///
/// # Panics
/// If it already is: a nested `block_on` would stall the tasks this thread
/// is responsible for.
#[track_caller]
pub(crate) fn enter_driving(what: &str) -> DrivingGuard {
    if DRIVING.with(|d| d.replace(true)) {
        panic!(
            "{what} called from inside a runtime: this thread is already running async code, \
             and blocking it would stall its tasks. Inside async code, `.await` the future instead, \
             or `spawn` it and `.await` its JoinHandle; to run blocking code that calls {what}, \
             use `spawn_blocking`."
        );
    }
    DrivingGuard(())
}

/// True if this thread is driving async code: it is a runtime worker, or
/// inside `block_on`. Blocking here (a nested `block_on`, a new runtime's
/// `run`) would stall its tasks.
///
/// ```
/// # use weave_scheduler::{is_driving, Runtime};
/// assert!(!is_driving());
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// assert!(rt.block_on(async { is_driving() }));
/// ```
pub fn is_driving() -> bool {
    DRIVING.try_with(|d| d.get()).unwrap_or(false)
}

/// Clears the worker pointer when dropped.
pub(crate) struct WorkerGuard(());

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        let _ = WORKER.try_with(|w| w.set(ptr::null()));
    }
}

/// Records that this thread is the worker `cx` until the guard drops.
pub(crate) fn enter_worker(cx: &WorkerContext) -> WorkerGuard {
    WORKER.with(|w| w.set(cx));
    WorkerGuard(())
}

/// Calls `f` with this thread's worker context, if it is a worker.
pub(crate) fn with_worker<R>(f: impl FnOnce(Option<&WorkerContext>) -> R) -> R {
    let ptr = WORKER.try_with(|w| w.get()).unwrap_or(ptr::null());
    // SAFETY: the pointer is set by `enter_worker` to a context that lives
    // on the worker thread's stack for as long as the guard (and thus the
    // pointer) exists, and it is only read on that same thread.
    f(unsafe { ptr.as_ref() })
}
