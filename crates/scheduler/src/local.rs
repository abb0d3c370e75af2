//! Local tasks: [`spawn_local`]'s `!Send` futures, each pinned to the
//! thread that spawned it.
//!
//! A thread that runs tasks owns at most one [`LocalSet`], made on its
//! first `spawn_local`: a worker's lasts as long as the worker, the thread
//! in `block_on` has one per `block_on` call. The set lists its tasks (its
//! own `OwnedTasks`, so the runtime's shutdown, which cancels on the
//! shutting-down thread, never touches them) and queues the ready ones.
//!
//! Ground rules, which together keep every local future on its thread:
//! - only the owner thread polls a local task: the set's `schedule` queues
//!   it in the set alone (never a worker deque or the injector), and only
//!   the owner pops from there;
//! - a cancel from another thread does not drop the future: the task
//!   tells it no (`Schedule::may_drop_here`), so the cancel flags and
//!   notifies the task and the owner drops the future when it runs it;
//! - the owner completes every task it lists before it goes away
//!   ([`LocalSet::close`]: a worker when it leaves its loop, also by
//!   unwinding, `block_on` when it returns or unwinds, or once it sees the
//!   runtime shut down): a reference dropped later on another thread frees
//!   a completed task, no future;
//! - a wake from another thread queues the task and wakes the owner (the
//!   worker's `Park`, or the `block_on` thread's parker); after `close`,
//!   the set drops such a `Notified` (its task is complete).
//!
//! On a worker the local tasks take turns with the worker's queue (see
//! `worker.rs`) under the same budget; one that yields waits, like any
//! yielded task, until the driver has had its turn. In `block_on`, the
//! tasks ready after each poll of the main future run once each before
//! the main future is polled again (if it was woken).

use crate::coop;
use crate::loom::{AtomicUsize, Mutex, Ordering::*};
use crate::shared::Shared;
use crate::task::list::OwnedTasks;
use crate::task::{self, JoinHandle, Notified, Schedule, SpawnInfo, Task, TaskInfo};
use std::cell::{Cell, OnceCell};
use std::collections::VecDeque;
use std::future::Future;
use std::mem;
use std::panic::Location;
use std::ptr;
use std::sync::{Arc, Weak};
use weave_driver::ThreadPark;

thread_local! {
    /// The set this thread owns, if any: the test for "on the owner".
    static OWNED: Cell<*const LocalSet> = const { Cell::new(ptr::null()) };
    /// The `block_on` running on this thread, if any.
    static BLOCK_ON: Cell<*const BlockOnLocal> = const { Cell::new(ptr::null()) };
}

/// How to wake the owner thread.
pub(crate) enum Owner {
    /// Worker `index` of the set's runtime, through its `Park`.
    Worker(usize),
    /// A thread in `block_on`, asleep on this parker.
    Thread(Arc<ThreadPark>),
}

struct Queue {
    ready: VecDeque<Notified>,
    closed: bool,
}

/// The local tasks of one thread.
pub(crate) struct LocalSet {
    runtime: Arc<Shared>,
    owned: OwnedTasks,
    queue: Mutex<Queue>,
    /// `queue.ready.len()`, written under the lock, read without it (the
    /// worker's loop looks at it every tick).
    ready: AtomicUsize,
    owner: Owner,
}

impl LocalSet {
    /// A set owned by the calling thread, listed with its runtime (for
    /// dumps, metrics and shutdown's wake-up).
    pub(crate) fn new_here(runtime: Arc<Shared>, owner: Owner) -> Arc<LocalSet> {
        let set = Arc::new(LocalSet {
            runtime,
            owned: OwnedTasks::new(),
            queue: Mutex::new(Queue {
                ready: VecDeque::new(),
                closed: false,
            }),
            ready: AtomicUsize::new(0),
            owner,
        });
        OWNED.with(|o| {
            debug_assert!(o.get().is_null(), "a thread owns one local set at a time");
            o.set(Arc::as_ptr(&set));
        });
        set.runtime.register_local(&set);
        set
    }

    /// True on the thread that owns the set (and only while it does).
    fn is_owner(&self) -> bool {
        OWNED.try_with(|o| ptr::eq(o.get(), self)).unwrap_or(false)
    }

    /// Spawns a local task; called on the owner thread.
    pub(crate) fn spawn<F>(
        self: &Arc<Self>,
        future: F,
        spawn: SpawnInfo<'_>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
    {
        debug_assert!(self.is_owner());
        let (owned, notified, join) = task::new_task(future, self.clone(), spawn);
        match self.owned.bind(owned) {
            Ok(()) => self.push(notified),
            Err(task) => {
                // Closed: cancelled at once, here on the owner thread.
                task.shutdown();
                drop(notified);
            }
        }
        join
    }

    fn push(&self, task: Notified) {
        self.push_all(std::iter::once(task));
    }

    /// Queues tasks (those that yielded, on the owner thread) under one
    /// lock.
    pub(crate) fn push_all(&self, tasks: impl Iterator<Item = Notified>) {
        let mut queue = self.queue.lock();
        if queue.closed {
            drop(queue);
            // Every listed task completed before the set closed: this only
            // frees references.
            tasks.for_each(drop);
            return;
        }
        queue.ready.extend(tasks);
        self.ready.store(queue.ready.len(), Release);
    }

    /// The next ready task; called on the owner thread.
    #[inline]
    pub(crate) fn pop(&self) -> Option<Notified> {
        if self.ready.load(Acquire) == 0 {
            return None;
        }
        let mut queue = self.queue.lock();
        let task = queue.ready.pop_front();
        self.ready.store(queue.ready.len(), Release);
        task
    }

    /// How many local tasks are ready.
    #[inline]
    pub(crate) fn ready_len(&self) -> usize {
        self.ready.load(Acquire)
    }

    /// Wakes the owner thread so that it runs its ready tasks (or sees the
    /// runtime shut down).
    pub(crate) fn wake_owner(&self) {
        match &self.owner {
            Owner::Worker(index) => self.runtime.remotes[*index].park.unpark(),
            Owner::Thread(park) => park.unpark(),
        }
    }

    /// Completes every task of the set (cancelling, here on the owner
    /// thread, those not finished), refuses new ones, and drops the queued
    /// references. Called by the owner when it stops running local tasks.
    pub(crate) fn close(&self) {
        if self.queue.lock().closed {
            return;
        }
        debug_assert!(self.is_owner());
        for task in self.owned.close_and_snapshot() {
            task.shutdown();
        }
        let queued = {
            let mut queue = self.queue.lock();
            queue.closed = true;
            self.ready.store(0, Release);
            mem::take(&mut queue.ready)
        };
        drop(queued);
        self.runtime.unregister_local(self);
    }

    /// The owner thread stops owning the set (after `close`): a later set
    /// may be made here. Until then the thread still counts as the owner,
    /// so what a closed set is asked to do on it (a spawn, a cancel) is
    /// done there.
    pub(crate) fn release_owner(&self) {
        let _ = OWNED.try_with(|o| {
            if ptr::eq(o.get(), self) {
                o.set(ptr::null());
            }
        });
    }

    /// Tasks alive in the set, and tasks ever spawned into it.
    pub(crate) fn counts(&self) -> (usize, u64) {
        self.owned.counts()
    }

    /// A snapshot of every live task of the set.
    pub(crate) fn dump(&self) -> Vec<TaskInfo> {
        self.owned.dump()
    }
}

impl Schedule for Arc<LocalSet> {
    fn schedule(&self, task: Notified, is_yield: bool) {
        if !self.is_owner() {
            self.push(task);
            self.wake_owner();
            return;
        }
        if is_yield && matches!(self.owner, Owner::Worker(_)) {
            // Behind the driver's turn, as any yielded task on a worker.
            crate::context::with_worker(|worker| match worker {
                Some(worker) => worker.local_deferred.borrow_mut().push(task),
                None => self.push(task),
            });
            return;
        }
        // On the owner, which looks at the queue before it sleeps.
        self.push(task);
    }

    fn release(&self, task: &Task) -> Option<Task> {
        self.owned.remove(task)
    }

    fn may_drop_here(&self) -> bool {
        self.is_owner()
    }

    const KIND: &'static str = "local";
}

/// The local tasks of one `block_on` call, on its stack.
pub(crate) struct BlockOnLocal {
    runtime: Arc<Shared>,
    park: Arc<ThreadPark>,
    set: OnceCell<Arc<LocalSet>>,
}

/// Ends a `block_on`'s local tasks when dropped: cancels those left.
pub(crate) struct BlockOnGuard<'a> {
    local: &'a BlockOnLocal,
    prev: *const BlockOnLocal,
}

impl BlockOnLocal {
    pub(crate) fn new(runtime: Arc<Shared>, park: Arc<ThreadPark>) -> BlockOnLocal {
        BlockOnLocal {
            runtime,
            park,
            set: OnceCell::new(),
        }
    }

    /// Makes this the `block_on` of the thread until the guard drops.
    pub(crate) fn enter(&self) -> BlockOnGuard<'_> {
        let prev = BLOCK_ON.with(|b| b.replace(self));
        BlockOnGuard { local: self, prev }
    }

    fn set(&self) -> Arc<LocalSet> {
        self.set
            .get_or_init(|| {
                LocalSet::new_here(self.runtime.clone(), Owner::Thread(self.park.clone()))
            })
            .clone()
    }

    /// Runs each local task that is ready now once (tasks woken meanwhile
    /// wait for the next round), each with a fresh budget. Returns whether
    /// tasks are ready again. Once the runtime is shut down, cancels them
    /// all instead (their `JoinHandle`s report it).
    pub(crate) fn run_ready(&self) -> bool {
        let Some(set) = self.set.get() else {
            return false;
        };
        if self.runtime.is_shutdown() {
            set.close();
            return false;
        }
        for _ in 0..set.ready_len() {
            let Some(task) = set.pop() else { break };
            let _budget = coop::reset_budget();
            task.run();
        }
        set.ready_len() > 0
    }
}

impl Drop for BlockOnGuard<'_> {
    fn drop(&mut self) {
        // Closed while this is still the thread's `block_on`: a local
        // future whose `Drop` spawns a local task gets a cancelled task,
        // not a panic.
        if let Some(set) = self.local.set.get() {
            set.close();
            set.release_owner();
        }
        let _ = BLOCK_ON.try_with(|b| b.set(self.prev));
    }
}

/// The current thread's local set, made on first use: the worker's, or
/// the running `block_on`'s.
fn current_set() -> Option<Arc<LocalSet>> {
    if let Some(set) = crate::context::with_worker(|worker| worker.map(|w| w.local_set())) {
        return Some(set);
    }
    let block_on = BLOCK_ON.try_with(|b| b.get()).unwrap_or(ptr::null());
    // SAFETY: the pointer is set by `BlockOnLocal::enter` to a value that
    // the returned guard borrows, so it lives (unmoved) until the guard
    // drops and resets the pointer; it is read on this thread only.
    unsafe { block_on.as_ref() }.map(BlockOnLocal::set)
}

/// Spawns a `!Send` future onto the current thread (asyncio's
/// `create_task` for a coroutine that holds plain objects across awaits).
///
/// The task runs on this thread only: in `block_on` (and so in `run`),
/// between polls of the main future; on a worker, on that worker (never
/// stolen), taking turns with its other tasks. Its `JoinHandle` is `Send`
/// only if the output is. When the thread stops running tasks (the
/// `block_on` returns, the runtime shuts down) the local tasks left are
/// cancelled there: a local future is never dropped on another thread.
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// # use weave_scheduler::{spawn_local, yield_now, Runtime};
///
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// let log = rt.block_on(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let tasks: Vec<_> = (0..3)
///         .map(|i| {
///             let log = log.clone();
///             spawn_local(async move {
///                 yield_now().await; // an Rc held across an await
///                 log.borrow_mut().push(i);
///             })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     Rc::try_unwrap(log).unwrap().into_inner()
/// });
/// assert_eq!(log, [0, 1, 2]);
/// ```
///
/// # Panics
/// On a thread that runs no tasks of a runtime (outside `block_on` and the
/// workers, e.g. in a `spawn_blocking` closure), with a message naming the
/// alternatives.
#[track_caller]
pub fn spawn_local<F: Future + 'static>(future: F) -> JoinHandle<F::Output> {
    let location = Location::caller();
    match current_set() {
        Some(set) => set.spawn(future, SpawnInfo::at(None, location)),
        None => panic!(
            "spawn_local called on a thread that runs no tasks: a local task runs on the thread \
             that spawns it, so call it from inside `run(...)`, `Runtime::block_on` or a task; \
             from a `spawn_blocking` closure or a plain thread, use `Handle::block_on` there, \
             or `spawn` a `Send` future instead"
        ),
    }
}

impl Shared {
    /// Lists a new local set (see `begin_shutdown`, `dump`, `metrics`).
    pub(crate) fn register_local(&self, set: &Arc<LocalSet>) {
        {
            let mut locals = self.locals.lock();
            locals.retain(|w| w.strong_count() > 0);
            locals.push(Arc::downgrade(set));
        }
        // Either the shutdown's wake-up pass saw the set listed, or the set
        // sees the flag here (both sides are SeqCst around the lock).
        if self.shutdown.load(SeqCst) {
            set.wake_owner();
        }
    }

    /// Takes a closed set off the list; its spawn count stays in the
    /// runtime's (`Metrics::spawned_tasks` never goes down).
    pub(crate) fn unregister_local(&self, set: &LocalSet) {
        let mut locals = self.locals.lock();
        locals.retain(|w| w.strong_count() > 0 && !ptr::eq(w.as_ptr(), set));
        self.closed_local_spawns
            .fetch_add(set.counts().1, std::sync::atomic::Ordering::Relaxed);
    }

    /// The live local sets.
    pub(crate) fn local_sets(&self) -> Vec<Arc<LocalSet>> {
        self.locals
            .lock()
            .iter()
            .filter_map(Weak::upgrade)
            .collect()
    }
}
