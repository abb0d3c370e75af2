//! Where a woken task goes: the one place that decides it.
//!
//! A task is woken through its `Waker` (`task/waker.rs`), which calls
//! [`Schedule::schedule`] on the runtime it belongs to. The rules, in
//! order:
//! 1. on another thread, or a worker of another runtime: the injector
//!    ([`Shared::schedule_remote`]); if the runtime is shutting down the
//!    pusher drains the injector itself, so no reference is stranded; then
//!    a parked worker is woken for it;
//! 2. on one of its own workers, a task that woke itself during its poll
//!    (`is_yield`, also a task its cooperative budget held back): the
//!    worker's deferred list, which joins the back of the local queue once
//!    nothing else is ready and the driver has had its turn;
//! 3. while that worker runs its driver (I/O and timer wakes): the local
//!    queue, waking nobody (the worker wakes one peer afterwards if more
//!    than one task is ready);
//! 4. outside any task poll and outside the driver (a waker called on the
//!    worker between polls): the local queue, and a parked worker is
//!    woken;
//! 5. from inside a task poll: the LIFO slot, so the woken task runs next
//!    on this worker (message passing stays on one core); a task already
//!    in the slot moves to the local queue, and a parked worker is woken
//!    to steal it.

use crate::context;
use crate::loom::{fence, Ordering::*};
use crate::shared::Shared;
use crate::task::{Notified, Schedule, Task};
use crate::worker::WorkerContext;
use std::ptr;
use std::sync::Arc;

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified, is_yield: bool) {
        context::with_worker(|worker| match worker {
            Some(worker) if ptr::eq(&*worker.shared, &**self) => {
                worker.schedule_local(task, is_yield)
            }
            _ => self.schedule_remote(task),
        })
    }

    fn release(&self, task: &Task) -> Option<Task> {
        self.owned.remove(task)
    }
}

impl Shared {
    /// Queues a task from outside the workers (or for another runtime's
    /// worker) and wakes a worker for it.
    pub(crate) fn schedule_remote(&self, task: Notified) {
        self.injector.push(task);
        fence(SeqCst);
        if self.shutdown.load(Relaxed) {
            // Shutdown may already have drained the injector: drain it here
            // so no reference is stranded.
            self.drain_injector();
            return;
        }
        self.notify_parked();
    }
}

impl WorkerContext {
    /// Queues a task woken on this worker.
    pub(crate) fn schedule_local(&self, task: Notified, is_yield: bool) {
        if self.shuffled.get() {
            // Ready, and the draw decides (`shuffle.rs`): no LIFO slot, no
            // deferred yields, and no peer to wake.
            self.local.push(task);
            return;
        }
        if is_yield {
            self.deferred.borrow_mut().push(task);
            return;
        }
        if self.driving.get() {
            self.local.push(task);
            return;
        }
        if !self.in_task.get() {
            self.local.push(task);
        } else if let Some(prev) = self.lifo.replace(Some(task)) {
            self.local.push(prev);
        } else {
            // Only the LIFO slot holds it and this worker runs it next:
            // nothing for other workers to take.
            return;
        }
        self.shared.notify_parked();
    }
}
