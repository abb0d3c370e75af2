//! A hand-driven scheduler for the task tests and the loom models: it
//! queues `Notified`s for the test to run, lists tasks in a real
//! `OwnedTasks`, and counts its own drops (each task holds one `Mock`, so
//! a drop is a task freed). Built on the `loom` facade, so the same code
//! serves both.

use super::list::OwnedTasks;
use super::{new_task, JoinHandle, Notified, Schedule, SpawnInfo, Task};
use crate::loom::{Arc, AtomicUsize, Mutex, Ordering::SeqCst};
use std::collections::VecDeque;
use std::future::Future;

/// What the tests assert on.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) future_drops: AtomicUsize,
    /// Drops of a future off the thread that owns its (local) task.
    pub(crate) wrong_thread_drops: AtomicUsize,
    pub(crate) output_drops: AtomicUsize,
    pub(crate) deallocs: AtomicUsize,
}

pub(crate) struct Mock {
    rt: MockRt,
    /// A local task's owner thread: elsewhere, it may not be dropped.
    owner: Option<crate::loom::thread::ThreadId>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.rt.counters.deallocs.fetch_add(1, SeqCst);
    }
}

impl Schedule for Mock {
    fn schedule(&self, task: Notified, _is_yield: bool) {
        self.rt.queue.lock().push_back(task);
    }
    fn release(&self, task: &Task) -> Option<Task> {
        self.rt.owned.remove(task)
    }
    fn may_drop_here(&self) -> bool {
        self.owner
            .is_none_or(|owner| crate::loom::thread::current().id() == owner)
    }
}

/// The queue, the task list and the counters; cheap to clone.
#[derive(Clone)]
pub(crate) struct MockRt {
    pub(crate) queue: Arc<Mutex<VecDeque<Notified>>>,
    pub(crate) owned: Arc<OwnedTasks>,
    pub(crate) counters: Arc<Counters>,
}

// The loom models use only part of it.
#[cfg_attr(loom, allow(dead_code))]
impl MockRt {
    pub(crate) fn new() -> MockRt {
        MockRt {
            queue: Arc::new(Mutex::new(VecDeque::new())),
            owned: Arc::new(OwnedTasks::new()),
            counters: Arc::new(Counters::default()),
        }
    }

    /// A scheduler handle for a new task.
    pub(crate) fn mock(&self) -> Mock {
        Mock {
            rt: self.clone(),
            owner: None,
        }
    }

    /// Spawns `future` as a local task of the calling thread (its future
    /// may be dropped there only) and queues its first poll.
    pub(crate) fn spawn_local<F: Future>(&self, future: F) -> JoinHandle<F::Output> {
        let mock = Mock {
            rt: self.clone(),
            owner: Some(crate::loom::thread::current().id()),
        };
        let (task, notified, join) = new_task(future, mock, SpawnInfo::here(None));
        assert!(self.owned.bind(task).is_ok(), "the list is open");
        self.queue.lock().push_back(notified);
        join
    }

    /// Spawns `future` (named `name`) and queues its first poll.
    pub(crate) fn spawn_named<F: Future>(
        &self,
        future: F,
        name: Option<&str>,
    ) -> JoinHandle<F::Output> {
        let (task, notified, join) = new_task(future, self.mock(), SpawnInfo::here(name));
        assert!(self.owned.bind(task).is_ok(), "the list is open");
        self.queue.lock().push_back(notified);
        join
    }

    pub(crate) fn spawn<F: Future>(&self, future: F) -> JoinHandle<F::Output> {
        self.spawn_named(future, None)
    }

    /// Runs every queued task once; returns how many ran.
    pub(crate) fn tick(&self) -> usize {
        let batch: Vec<_> = self.queue.lock().drain(..).collect();
        let n = batch.len();
        for task in batch {
            task.run();
        }
        n
    }

    /// Runs queued tasks until the queue is empty.
    pub(crate) fn run_queue(&self) {
        loop {
            let next = self.queue.lock().pop_front();
            match next {
                Some(task) => task.run(),
                None => return,
            }
        }
    }

    pub(crate) fn future_drops(&self) -> usize {
        self.counters.future_drops.load(SeqCst)
    }
    pub(crate) fn output_drops(&self) -> usize {
        self.counters.output_drops.load(SeqCst)
    }
    pub(crate) fn deallocs(&self) -> usize {
        self.counters.deallocs.load(SeqCst)
    }
}
