//! The runtime: its builder, the worker threads, `block_on`, spawning, and
//! shutdown.
//!
//! Shutdown (on `Drop` or [`Runtime::shutdown_timeout`]), in steps:
//! 1. set the shutdown flag and unpark every worker;
//! 2. join the workers (each finishes its current poll, drops its queue);
//!    with a timeout, a worker still stuck in a poll at the deadline is
//!    left to exit on its own once the poll returns;
//! 3. close the owned-task list and cancel every task still in it, dropping
//!    each future exactly once on the shutting-down thread;
//! 4. shut the driver down (`Driver::shutdown`), if the runtime has one,
//!    so a blocking job waiting on a timer or a socket of this runtime is
//!    woken (and told the runtime is gone) instead of hanging;
//! 5. shut the blocking pool down: cancel jobs not started, wait for the
//!    running ones (bounded by what is left of the timeout, if one was
//!    given). A runtime dropped on one of its own blocking threads does
//!    not wait for that thread.

use crate::context;
use crate::metrics::Metrics;
use crate::shared::Shared;
use crate::task::{self, JoinHandle, SpawnInfo, TaskInfo};
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use weave_driver::Driver;

pub use crate::builder::Builder;

/// A multi-threaded, work-stealing executor with a blocking pool.
///
/// Dropping it cancels every task still alive (dropping each future exactly
/// once), joins the workers and waits for running blocking jobs.
///
/// ```
/// # use weave_scheduler::Runtime;
/// let rt = Runtime::builder().worker_threads(2).build().unwrap();
/// let sum = rt.block_on(async {
///     let handles: Vec<_> = (0..10u64).map(|i| weave_scheduler::spawn(async move { i * i })).collect();
///     let mut sum = 0;
///     for h in handles {
///         sum += h.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 285);
/// ```
pub struct Runtime {
    pub(crate) handle: Handle,
    pub(crate) threads: Vec<thread::JoinHandle<()>>,
    pub(crate) exits: Arc<WorkerExits>,
}

/// Worker threads that have left their loop, for a join with a deadline.
#[derive(Default)]
pub(crate) struct WorkerExits {
    count: parking_lot::Mutex<usize>,
    changed: parking_lot::Condvar,
}

/// Counts its worker out when dropped, at the end of the worker's thread
/// (also by unwinding): out of the exits the shutdown waits for, and out
/// of the driver's busy count, which counts a worker busy whenever it is
/// not parked — from the driver's creation to its first park, and from
/// its last park to its thread's end.
pub(crate) struct WorkerExit {
    pub(crate) exits: Arc<WorkerExits>,
    pub(crate) driver: Option<Arc<Driver>>,
}

impl Drop for WorkerExit {
    fn drop(&mut self) {
        if let Some(driver) = &self.driver {
            driver.leave_busy();
        }
        *self.exits.count.lock() += 1;
        self.exits.changed.notify_all();
    }
}

impl Runtime {
    /// A runtime with the default configuration (see [`Builder::new`]).
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A builder to configure a runtime.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// A handle to this runtime, usable from any thread.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns `future` onto the runtime's workers.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs `func` on the blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(func)
    }

    /// Drives `future` to completion on the calling thread, inside the
    /// runtime context (so it may `spawn`); it need not be `Send`.
    ///
    /// # Panics
    /// When called from a worker or from inside another `block_on`.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Shuts down, waiting at most `timeout` in all for workers stuck in
    /// a poll and for running blocking jobs (tasks are always cancelled;
    /// threads still busy at the deadline are left to finish detached).
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        let shared = self.handle.shared.clone();
        if self.threads.is_empty() && shared.is_shutdown() {
            return;
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        shared.begin_shutdown();
        self.join_workers(deadline);
        shared.cancel_all_tasks();
        if let Some(driver) = &shared.driver {
            driver.shutdown();
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        shared.blocking.shutdown(left.or(timeout));
    }

    /// Joins the workers; with a deadline, detaches those still in a poll
    /// when it passes (each exits once its poll returns).
    fn join_workers(&mut self, deadline: Option<Instant>) {
        let me = thread::current().id();
        // A runtime dropped by one of its own tasks cannot join the thread
        // it runs on; that worker exits once its poll returns.
        self.threads.retain(|t| t.thread().id() != me);
        if let Some(deadline) = deadline {
            let mut exited = self.exits.count.lock();
            while *exited < self.threads.len() {
                if self
                    .exits
                    .changed
                    .wait_until(&mut exited, deadline)
                    .timed_out()
                {
                    break;
                }
            }
        }
        let all_out = *self.exits.count.lock() >= self.threads.len();
        for thread in self.threads.drain(..) {
            if deadline.is_none() || all_out || thread.is_finished() {
                let _ = thread.join();
            }
        }
    }

    /// Tasks alive in this runtime (spawned and not yet finished).
    pub fn alive_tasks(&self) -> usize {
        self.handle.alive_tasks()
    }

    /// A snapshot of the runtime's counters; see [`Metrics`].
    pub fn metrics(&self) -> Metrics {
        self.handle.metrics()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("workers", &self.threads.len())
            .finish()
    }
}

/// A cheap, clonable handle to a runtime, usable from any thread.
#[derive(Clone)]
pub struct Handle {
    pub(crate) shared: Arc<Shared>,
}

/// The error of [`Handle::try_current`]: this thread is not inside a
/// runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRuntime(());

impl fmt::Display for NoRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "there is no runtime on this thread: call this from inside `run`, `block_on`, \
             a spawned task or a `spawn_blocking` closure, or keep a `Handle` and use it",
        )
    }
}

impl std::error::Error for NoRuntime {}

/// Restores the previous runtime context when dropped; see [`Handle::enter`].
#[must_use = "the runtime context lasts as long as the guard"]
pub struct EnterGuard {
    _inner: context::EnterGuard,
}

impl Handle {
    /// The runtime this thread is inside.
    ///
    /// # Panics
    /// Outside a runtime, with a message that says what to do instead.
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(err) => panic!("Handle::current() called outside a runtime: {err}"),
        }
    }

    /// The runtime this thread is inside, or an error.
    pub fn try_current() -> Result<Handle, NoRuntime> {
        context::handle().ok_or(NoRuntime(()))
    }

    /// Makes this runtime the current one on this thread until the guard
    /// drops, so that `spawn` and `Handle::current` work there, and its
    /// driver the current driver (timers, `call_soon` and sockets find it).
    /// The guard is not `Send`: drop it on this thread, guards of nested
    /// `enter`s in reverse order.
    ///
    /// ```compile_fail
    /// // Held across an `.await` in a task, the guard would leave a worker
    /// // inside the other runtime for good:
    /// let rt = weave_scheduler::Runtime::new().unwrap();
    /// let other = weave_scheduler::Runtime::new().unwrap().handle().clone();
    /// rt.spawn(async move {
    ///     let _inside = other.enter();
    ///     weave_scheduler::yield_now().await;
    /// });
    /// ```
    pub fn enter(&self) -> EnterGuard {
        EnterGuard {
            _inner: context::enter(self.clone()),
        }
    }

    /// Spawns `future` onto the runtime's workers.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_named(future, None)
    }

    /// Spawns `future` with an optional name (shown in `JoinError`s).
    #[track_caller]
    pub fn spawn_named<F>(&self, future: F, name: Option<&str>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        spawn_on(&self.shared, future, SpawnInfo::here(name))
    }

    /// Runs `func` on the blocking pool, inside this runtime's context.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.shared.blocking.spawn(self, func, None)
    }

    /// Drives `future` to completion on the calling thread, inside this
    /// runtime's context. Usable from any thread that is not already
    /// driving async code (a `spawn_blocking` closure, a plain thread).
    ///
    /// # Panics
    /// When called from a worker or from inside another `block_on`.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _driving = context::enter_driving("block_on");
        let _enter = context::enter(self.clone());
        crate::block_on::block_on(&self.shared, future)
    }

    /// Tasks alive in this runtime (spawned and not yet finished).
    pub fn alive_tasks(&self) -> usize {
        self.shared.task_counts().0
    }

    /// A snapshot of the runtime's counters; see [`Metrics`].
    pub fn metrics(&self) -> Metrics {
        self.shared.metrics()
    }

    /// Every live task (spawned, not finished), asyncio's `all_tasks()`:
    /// id, name, state, polls, spawn location and age; see [`TaskInfo`].
    /// Takes each of the task list's shard locks in turn, so spawns and
    /// completions wait a moment while it runs; the tasks themselves are
    /// not disturbed.
    pub fn dump(&self) -> Vec<TaskInfo> {
        self.shared.dump()
    }

    /// Workers parked right now.
    pub fn parked_workers(&self) -> usize {
        self.shared.idle.num_parked()
    }

    /// Worker threads of this runtime.
    pub fn num_workers(&self) -> usize {
        self.shared.remotes.len()
    }

    /// Threads in the blocking pool right now.
    pub fn blocking_threads(&self) -> usize {
        self.shared.blocking.num_threads()
    }

    /// Tasks waiting in the shared injector queue.
    pub fn global_queue_depth(&self) -> usize {
        self.shared.injector.len()
    }

    /// The driver attached with [`Builder::driver`], if any.
    pub fn driver(&self) -> Option<&Arc<Driver>> {
        self.shared.driver.as_ref()
    }

    /// True if both handles refer to the same runtime.
    pub fn ptr_eq(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.num_workers())
            .finish()
    }
}

/// Spawns `future` onto the runtime behind `shared`.
#[inline]
fn spawn_on<F>(shared: &Arc<Shared>, future: F, spawn: SpawnInfo<'_>) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (owned, notified, join) = task::new_task(future, shared.clone(), spawn);
    if shared.bind(owned) {
        crate::task::Schedule::schedule(shared, notified, false);
    } else {
        drop(notified);
    }
    join
}

/// Spawns `future` onto the current runtime (asyncio's `create_task`).
///
/// # Panics
/// Outside a runtime, with a message naming the alternatives.
///
/// ```
/// # use weave_scheduler::{spawn, Runtime};
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// let n = rt.block_on(async { spawn(async { 40 + 2 }).await.unwrap() });
/// assert_eq!(n, 42);
/// ```
///
/// Spawned futures run on any worker, so they must be `Send`; a future
/// holding an `Rc` across an `.await` is refused at compile time (run it in
/// `block_on`, which has no such bound, instead):
///
/// ```compile_fail
/// # use weave_scheduler::Runtime;
/// let rt = Runtime::new().unwrap();
/// let shared = std::rc::Rc::new(1);
/// rt.spawn(async move {
///     weave_scheduler::yield_now().await;
///     drop(shared);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    // Read here: `#[track_caller]` does not reach into the closure below.
    let location = Location::caller();
    context::with_current_shared(|shared| {
        match shared {
        Some(shared) => spawn_on(shared, future, SpawnInfo::at(None, location)),
        None => panic!(
            "spawn called outside a runtime: there is no runtime on this thread. \
             Call it from inside `run(...)`, `Runtime::block_on`, a task or a `spawn_blocking` closure, \
             or use `Runtime::spawn` / `Handle::spawn` with a runtime handle"
        ),
    }
    })
}

/// Runs `func` on the current runtime's blocking pool.
///
/// # Panics
/// Outside a runtime, like [`spawn`].
///
/// ```
/// # use weave_scheduler::{spawn_blocking, Runtime};
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// let n = rt.block_on(async { spawn_blocking(|| 6 * 7).await.unwrap() });
/// assert_eq!(n, 42);
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(func: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match context::handle() {
        Some(handle) => handle.spawn_blocking(func),
        None => panic!(
            "spawn_blocking called outside a runtime: there is no runtime on this thread. \
             Call it from inside `run(...)`, `Runtime::block_on` or a task, \
             or use `Runtime::spawn_blocking` / `Handle::spawn_blocking`"
        ),
    }
}
