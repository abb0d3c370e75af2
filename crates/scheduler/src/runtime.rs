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
//! 4. run the `on_shutdown` hook: the layer above shuts its drivers down
//!    there, so a blocking job waiting on a timer or a socket of this
//!    runtime is woken (and told the runtime is gone) instead of hanging;
//! 5. shut the blocking pool down: cancel jobs not started, wait for the
//!    running ones (bounded by what is left of the timeout, if one was
//!    given). A runtime dropped on one of its own blocking threads does
//!    not wait for that thread.

use crate::blocking::{self, BlockingPool};
use crate::context;
use crate::metrics::Metrics;
use crate::park::{Park, ThreadPark};
use crate::queue::Local;
use crate::shared::{Remote, Shared};
use crate::task::{self, JoinHandle, SpawnInfo, TaskId, TaskInfo};
use crate::worker::WorkerContext;
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::Location;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

type ParkFactory = Box<dyn Fn(usize) -> Box<dyn Park>>;
type ThreadHook = Arc<dyn Fn() + Send + Sync>;

/// Configures and builds a [`Runtime`].
///
/// ```
/// # use weave_scheduler::Runtime;
/// let rt = Runtime::builder()
///     .worker_threads(2)
///     .max_blocking_threads(16)
///     .thread_name("my-app")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub struct Builder {
    worker_threads: Option<usize>,
    max_blocking_threads: usize,
    keep_alive: Duration,
    thread_name: String,
    stack_size: Option<usize>,
    park: Option<ParkFactory>,
    on_thread_start: Option<ThreadHook>,
    on_shutdown: Option<ThreadHook>,
    extension: Option<Arc<dyn Any + Send + Sync>>,
    slow_poll: Option<Duration>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: one worker per available core, up to 512 blocking
    /// threads kept alive 10 s when idle, threads named `weave-worker-N`.
    pub fn new() -> Builder {
        Builder {
            worker_threads: None,
            max_blocking_threads: 512,
            keep_alive: Duration::from_secs(10),
            thread_name: "weave".to_owned(),
            stack_size: None,
            park: None,
            on_thread_start: None,
            on_shutdown: None,
            extension: None,
            slow_poll: None,
        }
    }

    /// Number of worker threads; must be at least 1 (`build` fails on 0).
    pub fn worker_threads(mut self, n: usize) -> Self {
        self.worker_threads = Some(n);
        self
    }

    /// Upper bound on blocking-pool threads (default 512); must be at least 1.
    pub fn max_blocking_threads(mut self, n: usize) -> Self {
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before exiting.
    pub fn blocking_keep_alive(mut self, keep_alive: Duration) -> Self {
        self.keep_alive = keep_alive;
        self
    }

    /// Prefix of the runtime's thread names (`PREFIX-worker-N`,
    /// `PREFIX-blocking-N`).
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.thread_name = name.into();
        self
    }

    /// Stack size of the runtime's threads, in bytes.
    pub fn thread_stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// How each worker parks: `factory(i)` builds the [`Park`] of worker
    /// `i`. The default is a [`ThreadPark`] per worker.
    pub fn park<P: Park>(mut self, factory: impl Fn(usize) -> P + 'static) -> Self {
        self.park = Some(Box::new(move |i| Box::new(factory(i))));
        self
    }

    /// Runs `hook` on every runtime thread (worker or blocking) as it starts,
    /// inside the runtime context.
    pub fn on_thread_start(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_thread_start = Some(Arc::new(hook));
        self
    }

    /// Runs `hook` once during shutdown, after every task was cancelled and
    /// before the blocking pool is waited for (step 4 of the module docs):
    /// where the layer above shuts down what its blocking jobs may wait on.
    pub fn on_shutdown(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_shutdown = Some(Arc::new(hook));
        self
    }

    /// Attaches `value` to the runtime, for the layer built on top of the
    /// scheduler (the `weave` facade keeps its timer driver here). Read it
    /// back with [`Handle::extension`] or [`current_extension`](crate::current_extension).
    pub fn extension<T: Any + Send + Sync>(mut self, value: Arc<T>) -> Self {
        self.extension = Some(value);
        self
    }

    /// Debug mode: report on stderr every task poll that holds a worker
    /// for `threshold` or longer, naming the task and where it was spawned
    /// (asyncio's slow-callback warning). `Duration::ZERO` reports every
    /// poll. Without this call, the environment variable
    /// `WEAVE_SLOW_POLL_MS` (whole milliseconds) turns it on; with neither,
    /// polls are not timed at all.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let rt = weave_scheduler::Runtime::builder()
    ///     .worker_threads(1)
    ///     .slow_poll_threshold(Duration::from_millis(100))
    ///     .build()
    ///     .unwrap();
    /// // Prints `weave: slow poll: task N (spawned at src/..:L:C) held worker 0 for 150ms ...`
    /// rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(150)) })).unwrap();
    /// ```
    pub fn slow_poll_threshold(mut self, threshold: Duration) -> Self {
        self.slow_poll = Some(threshold);
        self
    }

    /// Starts the worker threads.
    ///
    /// # Errors
    /// `InvalidInput` if `worker_threads` or `max_blocking_threads` is 0,
    /// or if `WEAVE_SLOW_POLL_MS` is set to something other than whole
    /// milliseconds; the OS error if a thread cannot be started.
    pub fn build(self) -> io::Result<Runtime> {
        let workers = match self.worker_threads {
            Some(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "worker_threads(0): a runtime needs at least one worker thread; \
                     pass worker_threads(1) or more, or leave it unset for one per core",
                ))
            }
            Some(n) => n,
            None => thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if self.max_blocking_threads == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "max_blocking_threads(0): spawn_blocking needs at least one thread; pass 1 or more",
            ));
        }
        let slow_poll = match self.slow_poll {
            Some(threshold) => Some(threshold),
            None => crate::slow_poll::threshold_from_env()?,
        };
        let park_factory = self
            .park
            .unwrap_or_else(|| Box::new(|_| Box::new(ThreadPark::new())));
        let locals: Vec<Local> = (0..workers).map(|_| Local::new()).collect();
        let remotes = locals
            .iter()
            .enumerate()
            .map(|(i, local)| Remote {
                stealer: local.stealer(),
                park: park_factory(i),
                stats: Default::default(),
            })
            .collect();
        let pool = BlockingPool::new(blocking::Config {
            max_threads: self.max_blocking_threads,
            keep_alive: self.keep_alive,
            thread_name: self.thread_name.clone(),
            on_thread_start: self.on_thread_start.clone(),
        });
        let handle = Handle {
            shared: Arc::new(Shared::new(remotes, pool, self.extension, slow_poll)),
        };
        let mut rt = Runtime {
            handle: handle.clone(),
            threads: Vec::with_capacity(workers),
            exits: Arc::new(WorkerExits::default()),
            on_shutdown: self.on_shutdown.clone(),
        };
        for (index, local) in locals.into_iter().enumerate() {
            let handle = handle.clone();
            let hook = self.on_thread_start.clone();
            let exits = rt.exits.clone();
            let mut builder =
                thread::Builder::new().name(format!("{}-worker-{index}", self.thread_name));
            if let Some(size) = self.stack_size {
                builder = builder.stack_size(size);
            }
            // On error, `rt` drops here and shuts down the workers started so far.
            let thread = builder.spawn(move || {
                // Counted on the way out, also when the loop panics.
                let _exit = WorkerExit(exits);
                let _enter = context::enter(handle.clone());
                let _driving = context::enter_driving("block_on");
                if let Some(hook) = hook {
                    hook();
                }
                WorkerContext::new(handle.shared, index, local).run();
            })?;
            rt.threads.push(thread);
        }
        Ok(rt)
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("thread_name", &self.thread_name)
            .field("slow_poll_threshold", &self.slow_poll)
            .finish_non_exhaustive()
    }
}

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
    handle: Handle,
    threads: Vec<thread::JoinHandle<()>>,
    exits: Arc<WorkerExits>,
    on_shutdown: Option<ThreadHook>,
}

/// Worker threads that have left their loop, for a join with a deadline.
#[derive(Default)]
struct WorkerExits {
    count: parking_lot::Mutex<usize>,
    changed: parking_lot::Condvar,
}

/// Counts its worker out when dropped.
struct WorkerExit(Arc<WorkerExits>);

impl Drop for WorkerExit {
    fn drop(&mut self) {
        *self.0.count.lock() += 1;
        self.0.changed.notify_all();
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
        if let Some(hook) = self.on_shutdown.take() {
            hook();
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
    /// drops, so that `spawn` and `Handle::current` work there.
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
        block_on(future)
    }

    /// Tasks alive in this runtime (spawned and not yet finished).
    pub fn alive_tasks(&self) -> usize {
        self.shared.owned.len()
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
        self.shared.owned.dump()
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

    /// The value attached with [`Builder::extension`], if it is a `T`.
    pub fn extension<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.shared.extension.clone()?.downcast().ok()
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

/// Wakes a thread blocked in `block_on`.
struct ThreadWaker {
    park: ThreadPark,
}

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.park.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.park.unpark();
    }
}

/// Polls `future` on this thread, parking between polls.
fn block_on<F: Future>(future: F) -> F::Output {
    let thread_waker = Arc::new(ThreadWaker {
        park: ThreadPark::new(),
    });
    let waker = Waker::from(thread_waker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let id = TaskId::next();
    loop {
        let polled = {
            let _task = context::enter_task(id);
            let _budget = crate::coop::reset_budget();
            future.as_mut().poll(&mut cx)
        };
        if let Poll::Ready(output) = polled {
            return output;
        }
        thread_waker.park.park(None);
    }
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
