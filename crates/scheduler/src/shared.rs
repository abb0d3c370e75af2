//! The state all workers of one runtime share, and how a task gets
//! scheduled onto them.
//!
//! Ground rules:
//! - `injector`, each `Remote::stealer` and `idle` are thread-safe queues
//!   and counters; any thread may push, any worker may take.
//! - `shutdown` goes from false to true once. After it is set, nothing is
//!   left in the injector: a pusher that sees it drains the injector
//!   itself (see [`Shared::schedule_remote`]).
//! - `owned` lists every live task; see [`crate::task::list`].

use crate::blocking::BlockingPool;
use crate::idle::{Idle, Searchers};
use crate::local::LocalSet;
use crate::loom::{fence, AtomicBool, Mutex, Ordering::*};
use crate::metrics::{Metrics, WorkerStats};
use crate::queue::{Injector, Stealer};
use crate::shuffle::ShuffleSeat;
use crate::task::list::OwnedTasks;
use crate::task::{Task, TaskInfo};
use crossbeam_utils::CachePadded;
use std::sync::{Arc, Weak};
use std::time::Duration;
use weave_driver::{Driver, Park};

/// What other threads may reach of one worker.
pub(crate) struct Remote {
    pub(crate) stealer: Stealer,
    pub(crate) park: Box<dyn Park>,
    /// The worker's published counters (it is their only writer).
    pub(crate) stats: CachePadded<WorkerStats>,
}

pub(crate) struct Shared {
    pub(crate) injector: Injector,
    pub(crate) remotes: Box<[Remote]>,
    /// Written by every park, unpark and search: on cache lines of its
    /// own, so the read-mostly fields beside it (the remotes, the
    /// shutdown flag) do not move between cores with it.
    pub(crate) idle: CachePadded<Idle>,
    pub(crate) owned: OwnedTasks,
    pub(crate) blocking: BlockingPool,
    /// The driver the workers park on (`Builder::driver`), if any.
    pub(crate) driver: Option<Arc<Driver>>,
    /// Debug mode: polls at least this long are reported (`slow_poll`).
    pub(crate) slow_poll: Option<Duration>,
    pub(crate) shutdown: AtomicBool,
    /// The local sets of the threads running this runtime's tasks
    /// (`local.rs`).
    pub(crate) locals: Mutex<Vec<Weak<LocalSet>>>,
    /// Tasks ever spawned into local sets that have since closed.
    pub(crate) closed_local_spawns: std::sync::atomic::AtomicU64,
    /// A shuffled runtime's seed and worker queue (`shuffle.rs`).
    pub(crate) shuffle: Option<ShuffleSeat>,
}

impl Shared {
    pub(crate) fn new(
        remotes: Box<[Remote]>,
        blocking: BlockingPool,
        driver: Option<Arc<Driver>>,
        slow_poll: Option<Duration>,
        shuffle: Option<ShuffleSeat>,
    ) -> Shared {
        Shared {
            injector: Injector::new(),
            idle: CachePadded::new(Idle::new(remotes.len())),
            remotes,
            owned: OwnedTasks::new(),
            blocking,
            driver,
            slow_poll,
            shutdown: AtomicBool::new(false),
            locals: Mutex::new(Vec::new()),
            closed_local_spawns: std::sync::atomic::AtomicU64::new(0),
            shuffle,
        }
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Acquire)
    }

    /// Wakes a parked worker if new work needs one. The caller pushed the
    /// work before calling.
    pub(crate) fn notify_parked(&self) {
        fence(SeqCst);
        if let Some(worker) = self.idle.worker_to_notify() {
            self.remotes[worker].park.unpark();
        }
    }

    /// Records worker `index` as parked. If it was the last searcher, looks
    /// at every queue once more: work pushed while it searched may have
    /// skipped waking anyone, counting on it (see [`crate::idle`]).
    pub(crate) fn park_worker(&self, index: usize, was_searching: bool) {
        if self.idle.park(index, was_searching) == Searchers::WasLast {
            fence(SeqCst);
            if self.has_stealable_work() {
                self.notify_parked();
            }
        }
    }

    /// True if any queue a worker could take from is non-empty.
    pub(crate) fn has_stealable_work(&self) -> bool {
        !self.injector.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty())
    }

    /// True if no task is ready anywhere: the injector, every worker's
    /// queue and every local set's are empty (the driver's auto-advance
    /// asks, see `weave_driver::Driver::set_idle_probe`; a LIFO slot or a
    /// yielded task is held by a busy worker, which the driver counts).
    pub(crate) fn is_idle(&self) -> bool {
        !self.has_stealable_work() && self.local_sets().iter().all(|set| set.ready_len() == 0)
    }

    /// Starts shutdown: sets the flag and wakes every worker so it exits.
    pub(crate) fn begin_shutdown(&self) {
        self.shutdown.store(true, SeqCst);
        fence(SeqCst);
        for remote in self.remotes.iter() {
            remote.park.unpark();
        }
        // A thread in `block_on` cancels its local tasks once it sees the
        // flag (workers do as they leave their loop).
        for set in self.local_sets() {
            set.wake_owner();
        }
    }

    /// Ends shutdown once the workers have stopped: cancels every task still
    /// alive (dropping its future here) and empties the injector.
    pub(crate) fn cancel_all_tasks(&self) {
        debug_assert!(self.is_shutdown());
        for task in self.owned.close_and_snapshot() {
            task.shutdown();
        }
        self.drain_injector();
        if let Some(seat) = &self.shuffle {
            seat.drain();
        }
    }

    pub(crate) fn drain_injector(&self) {
        while let Some(task) = self.injector.pop() {
            drop(task);
        }
    }

    /// A snapshot of the runtime's counters.
    pub(crate) fn metrics(&self) -> Metrics {
        let (alive_tasks, spawned_tasks) = self.task_counts();
        let mut metrics = Metrics {
            workers: self.remotes.len(),
            spawned_tasks,
            alive_tasks,
            global_queue_depth: self.injector.len(),
            blocking_threads: self.blocking.num_threads(),
            ..Metrics::default()
        };
        for remote in self.remotes.iter() {
            metrics.add_worker(&remote.stats);
        }
        metrics
    }

    /// Tasks alive and tasks ever spawned, local ones included.
    pub(crate) fn task_counts(&self) -> (usize, u64) {
        let (alive, spawned) = self.owned.counts();
        // Read under the list's lock, which a closing set holds to move
        // its count over: each set is counted once, listed or closed.
        let (sets, closed) = {
            let locals = self.locals.lock();
            let closed = self
                .closed_local_spawns
                .load(std::sync::atomic::Ordering::Relaxed);
            let sets: Vec<_> = locals.iter().filter_map(Weak::upgrade).collect();
            (sets, closed)
        };
        sets.iter()
            .map(|set| set.counts())
            .fold((alive, spawned + closed), |(a, s), (la, ls)| {
                (a + la, s + ls)
            })
    }

    /// Every live task, local ones included.
    pub(crate) fn dump(&self) -> Vec<TaskInfo> {
        let mut all = self.owned.dump();
        for set in self.local_sets() {
            all.extend(set.dump());
        }
        all
    }

    /// Links a new task into the owned list, or cancels it at once if the
    /// runtime is shutting down. Returns whether to schedule it.
    pub(crate) fn bind(&self, task: Task) -> bool {
        match self.owned.bind(task) {
            Ok(()) => true,
            Err(task) => {
                task.shutdown();
                false
            }
        }
    }
}
