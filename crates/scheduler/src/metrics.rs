//! Runtime counters: [`Metrics`], a snapshot of what the workers, the
//! queues and the blocking pool have done and hold.
//!
//! Ground rules: each worker counts its polls, steals and parks in plain
//! `Cell`s on its own thread and publishes them to its [`WorkerStats`]
//! (single writer: a load and a store, no read-modify-write) at every
//! maintenance tick and before it parks, so the hot path pays no atomic
//! traffic and an idle runtime's numbers are exact. Spawns are counted in
//! the owned-task list under the shard lock the spawn takes anyway.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The published counters of one worker.
#[derive(Default)]
pub(crate) struct WorkerStats {
    polls: AtomicU64,
    steals: AtomicU64,
    parks: AtomicU64,
}

impl WorkerStats {
    /// The worker's poll count as last published (at each maintenance
    /// turn and before it parks): unchanged between two looks means it is
    /// stuck in one poll, parked, or has not reached its next maintenance
    /// turn yet.
    pub(crate) fn published_polls(&self) -> u64 {
        self.polls.load(Relaxed)
    }
}

/// A worker's own running counts, published to its [`WorkerStats`].
#[derive(Default)]
pub(crate) struct LocalStats {
    pub(crate) polls: Cell<u64>,
    pub(crate) steals: Cell<u64>,
    pub(crate) parks: Cell<u64>,
}

impl LocalStats {
    pub(crate) fn count(counter: &Cell<u64>) {
        counter.set(counter.get() + 1);
    }

    /// Makes the counts visible to [`Metrics`] readers.
    pub(crate) fn publish(&self, to: &WorkerStats) {
        to.polls.store(self.polls.get(), Relaxed);
        to.steals.store(self.steals.get(), Relaxed);
        to.parks.store(self.parks.get(), Relaxed);
    }
}

/// A snapshot of a runtime's counters (tokio's `RuntimeMetrics`, asyncio
/// has none). Counts since the runtime started; worker counts are
/// published at least every 61 ticks and whenever a worker goes idle.
///
/// ```
/// let rt = weave_scheduler::Runtime::builder().worker_threads(2).build().unwrap();
/// rt.block_on(async {
///     for _ in 0..10 {
///         weave_scheduler::spawn(async {}).await.unwrap();
///     }
/// });
/// let m = rt.handle().metrics();
/// assert_eq!(m.workers(), 2);
/// assert_eq!(m.spawned_tasks(), 10);
/// assert_eq!(m.alive_tasks(), 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metrics {
    pub(crate) workers: usize,
    pub(crate) spawned_tasks: u64,
    pub(crate) alive_tasks: usize,
    pub(crate) polls: u64,
    pub(crate) steals: u64,
    pub(crate) parks: u64,
    pub(crate) global_queue_depth: usize,
    pub(crate) blocking_threads: usize,
}

impl Metrics {
    /// Worker threads.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Tasks spawned since the runtime started (not counting
    /// `spawn_blocking` jobs).
    pub fn spawned_tasks(&self) -> u64 {
        self.spawned_tasks
    }

    /// Tasks spawned and not finished yet.
    pub fn alive_tasks(&self) -> usize {
        self.alive_tasks
    }

    /// Task polls run by the workers.
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// Times a worker took a batch of tasks from a peer's queue.
    pub fn steals(&self) -> u64 {
        self.steals
    }

    /// Times a worker went to sleep for lack of work.
    pub fn parks(&self) -> u64 {
        self.parks
    }

    /// Tasks waiting in the shared queue (woken or spawned from outside
    /// the workers).
    pub fn global_queue_depth(&self) -> usize {
        self.global_queue_depth
    }

    /// Threads in the blocking pool.
    pub fn blocking_threads(&self) -> usize {
        self.blocking_threads
    }

    /// Adds one worker's published counts.
    pub(crate) fn add_worker(&mut self, stats: &WorkerStats) {
        self.polls += stats.polls.load(Relaxed);
        self.steals += stats.steals.load(Relaxed);
        self.parks += stats.parks.load(Relaxed);
    }
}
