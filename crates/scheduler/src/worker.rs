//! One worker thread: its local queue and LIFO slot, and the loop that
//! runs tasks, steals (when idle, or with only yielded tasks left, from a
//! peer that needs it) and parks when there is nothing to steal.
//!
//! Ground rules: a [`WorkerContext`] lives on its worker thread's stack and
//! is reached only from that thread (through [`crate::context`]), so its
//! fields are plain `Cell`s. Other threads reach the worker only through its
//! `Remote` in [`Shared`]: the stealer of its queue and its `Park`.
//!
//! The loop, each tick:
//! 1. every [`MAINTENANCE_INTERVAL`] ticks, poll the driver without
//!    blocking (`park(Some(ZERO))`) and move the deferred (yielded) tasks to
//!    the back of the local queue;
//! 2. take a task: the local queue (the injector first every
//!    [`GLOBAL_QUEUE_INTERVAL`] ticks, for fairness; this worker's local
//!    tasks, `spawn_local`'s, before it every other tick and after it
//!    always), then the injector;
//!    with no yielded tasks, search: steal from a random peer (at most half
//!    the workers searching at once); with yielded tasks, steal from a peer
//!    with more tasks queued than this worker has yielded, or one stuck in
//!    a single poll, and then run the yielded tasks, after step 1. So a
//!    task that keeps yielding never holds back remote spawns or a stuck
//!    peer's queue;
//! 3. run it with a fresh cooperative budget, then up to
//!    [`MAX_LIFO_POLLS`] tasks it woke through the LIFO slot on what is
//!    left of that budget (a chain of message passing shares one budget, as
//!    one task would);
//! 4. with nothing found, park (see [`crate::idle`] for the protocol).

use crate::context;
use crate::coop;
use crate::idle::{Searchers, SelfUnpark};
use crate::local::{LocalSet, Owner};
use crate::metrics::LocalStats;
use crate::queue::Local;
use crate::shared::{Remote, Shared};
use crate::slow_poll;
use crate::task::Notified;
use std::cell::{Cell, OnceCell, RefCell};
use std::sync::Arc;
use std::time::Duration;

/// Ticks between two looks at the injector before the local queue.
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 61;
/// Ticks between two non-blocking polls of the driver.
pub(crate) const MAINTENANCE_INTERVAL: u32 = 61;
/// Tasks run back to back through the LIFO slot (on one budget, and only
/// while it lasts) before the rest of the queue gets a turn.
pub(crate) const MAX_LIFO_POLLS: u32 = 3;

pub(crate) struct WorkerContext {
    pub(crate) shared: Arc<Shared>,
    index: usize,
    pub(crate) local: Local,
    pub(crate) lifo: Cell<Option<Notified>>,
    /// True while a task is being polled: a task it wakes goes to the LIFO
    /// slot; wakes from the driver go to the queue.
    pub(crate) in_task: Cell<bool>,
    /// True while this worker runs its driver (`Park::park`): the tasks the
    /// driver wakes are queued here without waking anyone; once the driver
    /// returns, one other worker is woken if more than one task is ready
    /// (see `share_queued`; waking a peer per I/O event made both workers
    /// bounce between sleeping and stealing single tasks).
    pub(crate) driving: Cell<bool>,
    searching: Cell<bool>,
    /// Tasks that yielded (woke themselves during their poll): they wait
    /// here until the driver has had its turn, then join the queue's back.
    pub(crate) deferred: RefCell<Vec<Notified>>,
    /// This worker's local tasks (`spawn_local`), made on first use.
    local_set: OnceCell<Arc<LocalSet>>,
    /// Local tasks that yielded: they wait here as `deferred` tasks do,
    /// then join the back of the local set's queue.
    pub(crate) local_deferred: RefCell<Vec<Notified>>,
    /// Each peer's published poll count at this worker's last look (see
    /// `steal_for_busy_peer`).
    peer_polls: RefCell<Vec<u64>>,
    tick: Cell<u32>,
    rng: Cell<u64>,
    /// Counts for `Metrics`, published at maintenance and before parking.
    stats: LocalStats,
    /// The worker of a shuffled runtime (`shuffle.rs`): every woken,
    /// spawned or yielded task goes to the local queue, for the draw.
    pub(crate) shuffled: Cell<bool>,
}

impl WorkerContext {
    pub(crate) fn new(shared: Arc<Shared>, index: usize, local: Local) -> WorkerContext {
        let peers = shared.remotes.len();
        WorkerContext {
            shared,
            index,
            local,
            lifo: Cell::new(None),
            in_task: Cell::new(false),
            driving: Cell::new(false),
            searching: Cell::new(false),
            deferred: RefCell::new(Vec::new()),
            local_set: OnceCell::new(),
            local_deferred: RefCell::new(Vec::new()),
            peer_polls: RefCell::new(vec![u64::MAX; peers]),
            tick: Cell::new(0),
            stats: LocalStats::default(),
            shuffled: Cell::new(false),
            rng: Cell::new(
                0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
            ),
        }
    }

    /// Makes this the worker of a shuffled runtime (see `shuffled`).
    pub(crate) fn set_shuffled(&self) {
        self.shuffled.set(true);
    }

    /// Moves every task ready here (queued, in the injector, yielded,
    /// local) to `pool`, for a shuffled draw.
    pub(crate) fn gather_ready(&self, pool: &mut Vec<Notified>) {
        while let Some(task) = self.local.pop() {
            pool.push(task);
        }
        while let Some(task) = self.shared.injector.pop() {
            pool.push(task);
        }
        pool.append(&mut self.deferred.borrow_mut());
        pool.append(&mut self.local_deferred.borrow_mut());
        while let Some(task) = self.pop_local_task() {
            pool.push(task);
        }
    }

    /// The worker's queue, once its loop is over (a shuffled runtime keeps
    /// it between `block_on` calls). A worker that leaves as a searcher
    /// (woken to search, then done before it ran a task) stops counting
    /// as one, or remote pushes would count on it to look.
    pub(crate) fn into_local(self) -> Local {
        self.stop_searching();
        self.local
    }

    /// Stops counting as a searcher, if it was one. The last searcher
    /// lets another worker look: there may be more work.
    #[inline]
    fn stop_searching(&self) {
        if self.searching.replace(false) && self.shared.idle.stop_searching() == Searchers::WasLast
        {
            self.shared.notify_parked();
        }
    }

    fn park_handle(&self) -> &dyn weave_driver::Park {
        &*self.shared.remotes[self.index].park
    }

    /// The worker's main loop; returns when the runtime shuts down.
    pub(crate) fn run(&self) {
        let _worker = context::enter_worker(self);
        // Also if the loop unwinds (a `Park` of the builder's panicking):
        // the local tasks are cancelled here, on their thread.
        let _locals = CloseLocals(self);
        while !self.shared.is_shutdown() {
            let tick = self.tick.get().wrapping_add(1);
            self.tick.set(tick);
            if tick % MAINTENANCE_INTERVAL == 0 {
                self.maintenance();
            }
            match self.next_task(tick) {
                Some(task) => self.run_task(task),
                None => self.park(),
            }
        }
        self.drain();
    }

    pub(crate) fn maintenance(&self) {
        self.publish_stats();
        self.drive(Some(Duration::ZERO));
        self.requeue_deferred();
        self.share_queued();
    }

    fn publish_stats(&self) {
        self.stats.publish(&self.shared.remotes[self.index].stats);
    }

    /// Runs the driver through `Park::park`; the tasks it wakes are queued
    /// here silently (see `driving`).
    fn drive(&self, timeout: Option<Duration>) {
        self.driving.set(true);
        self.park_handle().park(timeout);
        self.driving.set(false);
    }

    /// After driving or re-queueing: if more than one task is ready here
    /// (queued locally, or one queued and the injector not empty), wakes a
    /// peer to share them (this worker runs the first itself; one task
    /// alone is not worth a peer's wake-up).
    fn share_queued(&self) {
        let queued = self.local.len();
        if queued > 1 || (queued == 1 && !self.shared.injector.is_empty()) {
            self.shared.notify_parked();
        }
    }

    /// Moves the yielded tasks to the back of the local queue (local
    /// tasks to the back of the local set's).
    fn requeue_deferred(&self) {
        let mut deferred = self.deferred.borrow_mut();
        for task in deferred.drain(..) {
            self.local.push(task);
        }
        drop(deferred);
        let mut local_deferred = self.local_deferred.borrow_mut();
        if !local_deferred.is_empty() {
            if let Some(set) = self.local_set.get() {
                set.push_all(local_deferred.drain(..));
            }
        }
    }

    /// True if tasks of this worker yielded and wait for the driver's turn.
    fn has_deferred(&self) -> bool {
        !self.deferred.borrow().is_empty() || !self.local_deferred.borrow().is_empty()
    }

    /// This worker's local set, made (and listed with the runtime) on
    /// first use.
    pub(crate) fn local_set(&self) -> Arc<LocalSet> {
        self.local_set
            .get_or_init(|| LocalSet::new_here(self.shared.clone(), Owner::Worker(self.index)))
            .clone()
    }

    /// The next ready local task, if this worker has any.
    #[inline]
    fn pop_local_task(&self) -> Option<Notified> {
        self.local_set.get()?.pop()
    }

    /// True if local tasks of this worker are ready.
    fn has_local_ready(&self) -> bool {
        self.local_set.get().is_some_and(|set| set.ready_len() > 0)
    }

    /// The next task to run: see the module docs, step 2.
    fn next_task(&self, tick: u32) -> Option<Notified> {
        if tick % GLOBAL_QUEUE_INTERVAL == 0 {
            if let Some(task) = self.shared.injector.pop() {
                return Some(task);
            }
        }
        // Local tasks take every other turn while the queue is busy, and
        // every turn once it is empty.
        if tick & 1 == 0 {
            if let Some(task) = self.pop_local_task() {
                return Some(task);
            }
        }
        if let Some(task) = self.local.pop() {
            return Some(task);
        }
        if let Some(task) = self.pop_local_task() {
            return Some(task);
        }
        if let Some(task) = self.shared.injector.steal_into(&self.local) {
            return Some(task);
        }
        if !self.has_deferred() {
            // Idle: search (with the other idle workers), then park.
            return self.steal();
        }
        // Busy with its own yielded tasks, this worker is no searcher (it
        // will not park, and counting it would keep a producer from waking
        // a parked worker for new work): it steals from a peer that needs
        // it, then runs the yielded tasks.
        if let Some(task) = self.steal_for_busy_peer() {
            return Some(task);
        }
        self.next_deferred()
    }

    /// Nothing else to run here (the local queue and the injector are
    /// empty, no peer needs help): the driver gets its turn, then the
    /// yielded tasks theirs.
    fn next_deferred(&self) -> Option<Notified> {
        debug_assert!(!self.searching.get(), "a searcher has no yielded tasks");
        self.maintenance();
        self.local.pop().or_else(|| self.pop_local_task())
    }

    /// Searches for work as an idle worker: at most half the workers
    /// search at once (see [`crate::idle`]).
    fn steal(&self) -> Option<Notified> {
        if !self.searching.get() {
            if !self.shared.idle.try_start_searching() {
                return None;
            }
            self.searching.set(true);
        }
        self.steal_from_peers(|_, _| true)
            .or_else(|| self.shared.injector.steal_into(&self.local))
    }

    /// With yielded tasks of its own: steals a batch from a peer whose
    /// queue holds more tasks than this worker has yielded (the busier
    /// one), or from a peer that may be stuck in one poll (its published
    /// poll count did not move since this worker's last look; a busy peer
    /// between two maintenance turns looks the same, and is stolen from
    /// too). Stealing from an equally busy, yielding peer would only move
    /// tasks between caches (yield_many lost 7 % to that).
    fn steal_for_busy_peer(&self) -> Option<Notified> {
        let yielded = self.deferred.borrow().len() + self.local_deferred.borrow().len();
        let mut seen = self.peer_polls.borrow_mut();
        self.steal_from_peers(|victim, remote| {
            let polls = remote.stats.published_polls();
            let stuck = std::mem::replace(&mut seen[victim], polls) == polls;
            stuck || remote.stealer.len() > yielded
        })
    }

    /// Steals a batch from the first non-empty peer queue that `wanted`
    /// accepts, starting at a random peer.
    fn steal_from_peers(&self, mut wanted: impl FnMut(usize, &Remote) -> bool) -> Option<Notified> {
        let remotes = &self.shared.remotes;
        let n = remotes.len();
        let start = self.next_random() as usize % n;
        for i in 0..n {
            let victim = (start + i) % n;
            let remote = &remotes[victim];
            if victim == self.index || remote.stealer.is_empty() || !wanted(victim, remote) {
                continue;
            }
            if let Some(task) = remote.stealer.steal_into(&self.local) {
                LocalStats::count(&self.stats.steals);
                return Some(task);
            }
        }
        None
    }

    fn next_random(&self) -> u64 {
        // xorshift64*
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    // Inlined into the worker loop, its hot caller (a call of its own
    // cost yield_many 34 instructions per poll, callgrind).
    #[inline(always)]
    pub(crate) fn run_task(&self, task: Notified) {
        // It found work.
        self.stop_searching();
        self.in_task.set(true);
        let _budget = coop::reset_budget();
        self.poll(task);
        let mut lifo_polls = 0;
        while let Some(next) = self.lifo.take() {
            lifo_polls += 1;
            if lifo_polls > MAX_LIFO_POLLS || !coop::has_budget_remaining() {
                // The chain has had its share: the woken task queues up
                // behind the rest (a peer may take it).
                self.local.push(next);
                self.shared.notify_parked();
                break;
            }
            self.poll(next);
        }
        self.in_task.set(false);
    }

    /// Polls one task, timing it in debug mode (see [`crate::slow_poll`]).
    fn poll(&self, task: Notified) {
        LocalStats::count(&self.stats.polls);
        match self.shared.slow_poll {
            None => task.run(),
            Some(threshold) => slow_poll::run_timed(task, threshold, self.index),
        }
    }

    fn park(&self) {
        self.park_until(|| false);
    }

    /// Parks until there is work, or `ready()` (checked before each sleep
    /// and after it: a shuffled `block_on`'s main future was woken).
    pub(crate) fn park_until(&self, ready: impl Fn() -> bool) {
        // `next_task` runs the yielded tasks before it gives up, so this
        // does not happen today; kept so that a worker never sleeps on
        // tasks only it can run.
        if self.has_deferred() {
            self.maintenance();
            return;
        }
        let shared = &*self.shared;
        if self.shuffled.get() && shared.is_shutdown() {
            // A shuffled `block_on` outliving its runtime's shutdown: only
            // its main future is left to wake it.
            if !ready() {
                self.drive(None);
            }
            return;
        }
        LocalStats::count(&self.stats.parks);
        self.publish_stats();
        let was_searching = self.searching.replace(false);
        shared.park_worker(self.index, was_searching);
        loop {
            if shared.is_shutdown() {
                return;
            }
            if !ready() {
                self.drive(None);
            }
            if ready() || !self.local.is_empty() || self.has_local_ready() {
                // The driver woke tasks on this thread while it slept (or
                // another thread woke one of its local tasks).
                if shared.idle.unpark_self(self.index) == SelfUnpark::AlreadyWoken {
                    // Someone woke us as a searcher meanwhile.
                    self.searching.set(true);
                }
                self.park_handle().resume();
                self.share_queued();
                return;
            }
            if !shared.idle.is_parked(self.index) {
                // Woken for new work: we count as searching.
                self.searching.set(true);
                self.park_handle().resume();
                return;
            }
        }
    }

    /// Drops the queued references when the runtime shuts down; the tasks
    /// themselves are cancelled through the owned list, except the local
    /// ones, which are cancelled here, on their thread.
    fn drain(&self) {
        drop(self.lifo.take());
        while let Some(task) = self.local.pop() {
            drop(task);
        }
        self.deferred.borrow_mut().clear();
        self.close_locals();
    }

    /// Cancels the local tasks left (on this thread) and drops their
    /// queued references; idempotent.
    fn close_locals(&self) {
        if let Some(set) = self.local_set.get() {
            set.close();
            if let Ok(mut deferred) = self.local_deferred.try_borrow_mut() {
                deferred.clear();
            }
            set.release_owner();
        }
    }
}

/// Closes the worker's local set when its loop ends, also by unwinding.
pub(crate) struct CloseLocals<'a>(pub(crate) &'a WorkerContext);

impl Drop for CloseLocals<'_> {
    fn drop(&mut self) {
        self.0.close_locals();
    }
}
