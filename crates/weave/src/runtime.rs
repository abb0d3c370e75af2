//! `Runtime`, `Builder` and `Handle`: the runtime's owner, its
//! configuration, and the cheap handle any thread may hold.

use crate::{JoinHandle, Metrics, TaskInfo};
use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use weave_driver::Driver;

/// Restores the previous runtime context when dropped; returned by
/// [`Handle::enter`]. Not `Send`: it belongs to the thread that entered.
pub use weave_scheduler::EnterGuard;

/// Configures a [`Runtime`].
///
/// ```
/// let rt = weave::Builder::new()
///     .worker_threads(2)
///     .max_blocking_threads(64)
///     .thread_name("server")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 1 }), 1);
///
/// let err = weave::Builder::new().worker_threads(0).build().unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// ```
#[derive(Debug, Default)]
pub struct Builder {
    inner: weave_scheduler::Builder,
    workers: Option<usize>,
    start_paused: bool,
    shuffled: bool,
    dump_on_signal: bool,
}

impl Builder {
    /// The defaults: one worker per core, 512 blocking threads at most.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Number of worker threads; `build` fails with `InvalidInput` on 0.
    pub fn worker_threads(self, n: usize) -> Self {
        Builder {
            inner: self.inner.worker_threads(n),
            workers: Some(n),
            ..self
        }
    }

    /// Upper bound on blocking-pool threads (default 512).
    pub fn max_blocking_threads(self, n: usize) -> Self {
        Builder {
            inner: self.inner.max_blocking_threads(n),
            ..self
        }
    }

    /// How long an idle blocking thread lingers before exiting (default 10 s).
    pub fn blocking_keep_alive(self, keep_alive: Duration) -> Self {
        Builder {
            inner: self.inner.blocking_keep_alive(keep_alive),
            ..self
        }
    }

    /// Prefix of the runtime's thread names.
    pub fn thread_name(self, name: impl Into<String>) -> Self {
        Builder {
            inner: self.inner.thread_name(name),
            ..self
        }
    }

    /// Debug mode: report on stderr every task poll that holds a worker
    /// for `threshold` or longer, with the task's id, name and spawn
    /// location (asyncio's slow-callback warning in debug mode).
    /// `Duration::ZERO` reports every poll. Without this call the
    /// environment variable `WEAVE_SLOW_POLL_MS` (whole milliseconds)
    /// turns it on; with neither, polls are not timed.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weave::Builder::new()
    ///     .worker_threads(1)
    ///     .slow_poll_threshold(Duration::from_millis(50))
    ///     .build()
    ///     .unwrap();
    /// // stderr: weave: slow poll: task N "hog" (spawned at src/main.rs:L:C) held worker 0 for 80ms ...
    /// rt.block_on(async {
    ///     let hog = weave::task::Builder::new().name("hog");
    ///     hog.spawn(async { std::thread::sleep(Duration::from_millis(80)) }).await
    /// })
    /// .unwrap();
    /// ```
    pub fn slow_poll_threshold(self, threshold: Duration) -> Self {
        Builder {
            inner: self.inner.slow_poll_threshold(threshold),
            ..self
        }
    }

    /// Starts the runtime with its clock paused at its creation: virtual
    /// time from the first instruction, as if the first thing `block_on`
    /// did was [`time::pause`](crate::time::pause). See
    /// [`time`](crate::time) for auto-advance and its limits.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weave::Builder::new().worker_threads(2).start_paused(true).build().unwrap();
    /// let waited = rt.block_on(async {
    ///     let start = weave::now();
    ///     // Times out after a virtual minute, at once.
    ///     let slow = weave::wait_for(std::future::pending::<()>(), Duration::from_secs(60)).await;
    ///     assert!(slow.is_err());
    ///     weave::now() - start
    /// });
    /// assert_eq!(waited, Duration::from_secs(60));
    /// ```
    pub fn start_paused(self, paused: bool) -> Self {
        Builder {
            start_paused: paused,
            ..self
        }
    }

    /// A shuffled schedule, for tests: one worker, which is the thread in
    /// `block_on`, and the next task to poll is drawn from all the ready
    /// ones (the main future among them) with a generator seeded by
    /// `seed`; the clock starts paused, so timers follow the steps. The
    /// same seed replays the same interleaving of the work inside the
    /// runtime (blocking jobs and outside peers keep real timing). Tasks
    /// run only while a `block_on` runs. `#[weave::test(shuffle = N)]`
    /// runs a test under N seeds; see the guide's "Testing and debugging".
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// let order = |seed| {
    ///     let rt = weave::Builder::new().shuffle_seed(seed).build().unwrap();
    ///     let log = Arc::new(Mutex::new(Vec::new()));
    ///     rt.block_on(async {
    ///         let tasks: Vec<_> = (0..5)
    ///             .map(|i| {
    ///                 let log = log.clone();
    ///                 weave::spawn(async move { log.lock().unwrap().push(i) })
    ///             })
    ///             .collect();
    ///         weave::gather(tasks).await;
    ///     });
    ///     Arc::try_unwrap(log).unwrap().into_inner().unwrap()
    /// };
    /// assert_eq!(order(3), order(3));
    /// ```
    ///
    /// `worker_threads` other than 1 makes `build` fail with
    /// `InvalidInput`.
    pub fn shuffle_seed(self, seed: u64) -> Self {
        Builder {
            inner: self.inner.shuffle_seed(seed),
            start_paused: true,
            shuffled: true,
            ..self
        }
    }

    /// Prints the task dump ([`Handle::dump`]: id, name, state, polls,
    /// spawn location and age of every live task) on stderr each time the
    /// process gets SIGQUIT (Ctrl-\\ in a terminal, `kill -QUIT pid`), and
    /// keeps running, as a Go program dumps its goroutines. A thread of its
    /// own waits for the signal, so the dump prints also when every worker
    /// is stuck. SIGQUIT no longer ends the process once this is on (while
    /// the runtime lives, and after: see `weave::signal`).
    ///
    /// ```no_run
    /// let rt = weave::Builder::new().dump_on_signal(true).build().unwrap();
    /// rt.block_on(async {
    ///     // `kill -QUIT <pid>` prints, on stderr:
    ///     // weave: task dump: 1 tasks alive, 2 workers (2 parked), ...
    ///     //   task 2 "ticker" Idle, 12 polls, spawned at src/main.rs:5:10, 12.0s ago
    ///     // weave: end of task dump
    ///     weave::signal::ctrl_c().await.unwrap();
    /// });
    /// ```
    pub fn dump_on_signal(self, on: bool) -> Self {
        Builder {
            dump_on_signal: on,
            ..self
        }
    }

    /// Starts the runtime.
    ///
    /// # Errors
    /// `InvalidInput` for zero workers or zero blocking threads; the OS error
    /// if a thread cannot be started.
    pub fn build(self) -> io::Result<Runtime> {
        let workers = match (self.workers, self.shuffled) {
            (Some(n), _) => n,
            (None, true) => 1,
            (None, false) => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        // (With zero workers the scheduler refuses the build, naming it.)
        let driver = Arc::new(Driver::with_clock(workers.max(1), self.start_paused)?);
        // The workers park on the driver; the scheduler shuts it down after
        // the tasks are cancelled, before blocking jobs are awaited, so a
        // job blocked on a timer or socket then ends.
        let inner = self
            .inner
            .worker_threads(workers)
            .driver(driver.clone())
            .build()?;
        let dump = match self.dump_on_signal {
            true => Some(crate::dump_signal::DumpOnSignal::start(
                inner.handle().clone(),
            )?),
            false => None,
        };
        Ok(Runtime {
            inner: Some(inner),
            driver,
            dump,
        })
    }
}

/// The runtime: worker threads and a blocking pool.
///
/// Dropping it cancels every task still alive (each future dropped exactly
/// once), joins the workers and waits for running blocking jobs.
///
/// ```
/// let rt = weave::Runtime::new().unwrap();
/// let task = rt.spawn(async { "hello" });
/// assert_eq!(rt.block_on(task).unwrap(), "hello");
/// ```
pub struct Runtime {
    /// `None` only during shutdown.
    inner: Option<weave_scheduler::Runtime>,
    driver: Arc<Driver>,
    /// The SIGQUIT dump thread (`Builder::dump_on_signal`).
    dump: Option<crate::dump_signal::DumpOnSignal>,
}

impl Runtime {
    /// A runtime with one worker per core.
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A [`Builder`] to configure one.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Drives `future` to completion on the calling thread inside the
    /// runtime: it may `spawn`, and it need not be `Send`.
    ///
    /// # Panics
    /// From inside a runtime (a task, or another `block_on`): `.await` the
    /// future there instead.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.rt().block_on(future)
    }

    /// Spawns `future` on the workers.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt().spawn(future)
    }

    /// Runs `func` on the blocking pool.
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.rt().spawn_blocking(func)
    }

    /// A handle to this runtime, for any thread.
    pub fn handle(&self) -> Handle {
        Handle {
            inner: self.rt().handle().clone(),
        }
    }

    fn rt(&self) -> &weave_scheduler::Runtime {
        self.inner.as_ref().expect("the runtime is shutting down")
    }

    /// A snapshot of the runtime's counters; see [`Metrics`].
    ///
    /// ```
    /// let rt = weave::Builder::new().worker_threads(2).build().unwrap();
    /// rt.block_on(async { weave::spawn(async {}).await.unwrap() });
    /// let m = rt.metrics();
    /// assert_eq!((m.workers(), m.spawned_tasks(), m.alive_tasks()), (2, 1, 0));
    /// ```
    pub fn metrics(&self) -> Metrics {
        self.rt().metrics()
    }

    /// Timers waiting in this runtime's wheel (registered sleeps and
    /// pending `call_later` / `call_at` callbacks; not those that never
    /// run, `call_later(Duration::MAX, ..)`, which wait beside it).
    pub fn pending_timers(&self) -> usize {
        self.driver.time().len()
    }

    /// Cancels every task and waits at most `timeout` in all for workers
    /// stuck in a poll and for blocking jobs still running (what is still
    /// busy at the deadline is left to finish detached).
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = weave::Runtime::new().unwrap();
    /// rt.spawn_blocking(|| std::thread::sleep(Duration::from_millis(300)));
    /// rt.shutdown_timeout(Duration::from_millis(10)); // returns well before 300 ms
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        drop(self.dump.take());
        if let Some(inner) = self.inner.take() {
            inner.shutdown_timeout(timeout);
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Tasks first (their sleeps leave the wheel as they drop), then the
        // driver: the callbacks and wakers still in the wheel. The dump
        // thread before them: it holds a handle.
        drop(self.dump.take());
        drop(self.inner.take());
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// A cheap, clonable handle to a runtime, usable from any thread.
///
/// ```
/// let rt = weave::Runtime::new().unwrap();
/// let handle = rt.handle();
/// let n = std::thread::spawn(move || handle.block_on(async { 5 })).join().unwrap();
/// assert_eq!(n, 5);
/// ```
#[derive(Clone)]
pub struct Handle {
    inner: weave_scheduler::Handle,
}

impl Handle {
    /// The runtime this thread is inside.
    ///
    /// # Panics
    /// Outside a runtime, with a message naming the alternatives.
    #[track_caller]
    pub fn current() -> Handle {
        Handle {
            inner: weave_scheduler::Handle::current(),
        }
    }

    /// The runtime this thread is inside, or [`NoRuntime`](crate::NoRuntime).
    pub fn try_current() -> Result<Handle, crate::NoRuntime> {
        weave_scheduler::Handle::try_current().map(|inner| Handle { inner })
    }

    /// Spawns `future` on the runtime's workers.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs `func` on the runtime's blocking pool.
    pub fn spawn_blocking<R: Send + 'static>(
        &self,
        func: impl FnOnce() -> R + Send + 'static,
    ) -> JoinHandle<R> {
        self.inner.spawn_blocking(func)
    }

    /// Drives `future` on the calling thread, inside this runtime. For
    /// threads that are not running async code (plain threads,
    /// `spawn_blocking` closures).
    ///
    /// # Panics
    /// From inside a runtime's worker or another `block_on`.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.inner.block_on(future)
    }

    /// A snapshot of the runtime's counters; see [`Metrics`].
    pub fn metrics(&self) -> Metrics {
        self.inner.metrics()
    }

    /// Worker threads parked (idle) right now.
    ///
    /// ```
    /// let rt = weave::Builder::new().worker_threads(2).build().unwrap();
    /// assert!(rt.handle().parked_workers() <= 2);
    /// ```
    pub fn parked_workers(&self) -> usize {
        self.inner.parked_workers()
    }

    /// Every live task, asyncio's `all_tasks()`: id, name, state, polls,
    /// where it was spawned and how long ago; see [`TaskInfo`].
    ///
    /// ```
    /// use std::time::Duration;
    /// weave::run(async {
    ///     let sleeper = weave::task::Builder::new()
    ///         .name("sleeper")
    ///         .spawn(weave::sleep(Duration::from_secs(60)));
    ///     weave::sleep(Duration::from_millis(10)).await;
    /// #   // On a loaded machine the sleeper's first poll may not be over yet.
    /// #   let polled = |t: &weave::TaskInfo| t.polls() > 0 && t.state() == weave::TaskState::Idle;
    /// #   while !weave::Handle::current().dump().iter().any(|t| t.name() == Some("sleeper") && polled(t)) {
    /// #       weave::sleep(Duration::from_millis(1)).await;
    /// #   }
    ///     for task in weave::Handle::current().dump() {
    ///         println!("{task}"); // task 3 "sleeper" Idle, 1 polls, spawned at src/main.rs:5:10, 10ms ago
    ///     }
    ///     let tasks = weave::Handle::current().dump();
    ///     let info = tasks.iter().find(|t| t.name() == Some("sleeper")).unwrap();
    ///     assert_eq!(info.state(), weave::TaskState::Idle);
    ///     assert_eq!(info.polls(), 1);
    ///     sleeper.cancel();
    /// });
    /// ```
    pub fn dump(&self) -> Vec<TaskInfo> {
        self.inner.dump()
    }

    /// Runs `callback` on this runtime as soon as possible, after the
    /// callbacks queued before it (asyncio's `loop.call_soon_threadsafe`):
    /// usable from any thread.
    ///
    /// ```
    /// let rt = weave::Runtime::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let handle = rt.handle();
    /// std::thread::spawn(move || handle.call_soon(move || tx.send(1).unwrap()));
    /// assert_eq!(rx.recv().unwrap(), 1);
    /// ```
    pub fn call_soon(&self, callback: impl FnOnce() + Send + 'static) {
        let driver = self.driver();
        crate::call_soon::call_soon_on(&self.inner, &driver, Box::new(callback));
    }

    fn driver(&self) -> Arc<Driver> {
        self.inner
            .driver()
            .expect("every weave runtime carries its driver")
            .clone()
    }

    /// Makes this runtime current on this thread until the returned
    /// [`EnterGuard`] drops: `spawn`, `sleep`, sockets and
    /// [`Handle::current`] work there, from a plain thread (tokio's
    /// `Handle::enter`). The guard is not `Send`; drop nested guards in
    /// reverse order.
    ///
    /// ```
    /// let rt = weave::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// std::thread::spawn(move || {
    ///     let _inside = handle.enter();
    ///     let task = weave::spawn(async { 6 * 7 }); // no runtime of its own
    ///     assert_eq!(handle.block_on(task).unwrap(), 42);
    /// })
    /// .join()
    /// .unwrap();
    /// ```
    pub fn enter(&self) -> EnterGuard {
        self.inner.enter()
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
