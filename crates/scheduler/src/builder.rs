//! [`Builder`]: a runtime's configuration, and how `build` starts its
//! worker threads.

use crate::blocking::{self, BlockingPool};
use crate::context;
use crate::queue::Local;
use crate::runtime::{Handle, Runtime, WorkerExit, WorkerExits};
use crate::shared::{Remote, Shared};
use crate::worker::WorkerContext;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::thread;
use std::time::Duration;
use weave_driver::{Driver, Park, ThreadPark};

type ParkFactory = Box<dyn Fn(usize) -> Box<dyn Park> + Send + Sync>;
pub(crate) type ThreadHook = Arc<dyn Fn() + Send + Sync>;

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
    driver: Option<Arc<Driver>>,
    slow_poll: Option<Duration>,
    shuffle: Option<u64>,
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
            shuffle: None,
            on_thread_start: None,
            driver: None,
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
    /// `i`. The default is a [`ThreadPark`] per worker; a
    /// [`driver`](Self::driver) replaces both.
    pub fn park<P: Park>(mut self, factory: impl Fn(usize) -> P + Send + Sync + 'static) -> Self {
        self.park = Some(Box::new(move |i| Box::new(factory(i))));
        self
    }

    /// Runs `hook` on every runtime thread (worker or blocking) as it starts,
    /// inside the runtime context.
    pub fn on_thread_start(mut self, hook: impl Fn() + Send + Sync + 'static) -> Self {
        self.on_thread_start = Some(Arc::new(hook));
        self
    }

    /// Drives `driver` (I/O, timers, `call_soon`) with this runtime: worker
    /// `i` parks through `driver.worker_park(i)`, every thread that enters
    /// the runtime enters the driver (so its sockets and timers find it),
    /// and the runtime's shutdown shuts the driver down once the tasks are
    /// cancelled (step 4 of `Runtime`'s shutdown). `build` fails with
    /// `InvalidInput` unless the driver was made for as many workers and
    /// drives no other runtime (see `Driver::claim`).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weave_scheduler::{Driver, Runtime};
    ///
    /// let driver = Arc::new(Driver::new(2).unwrap());
    /// let rt = Runtime::builder().worker_threads(2).driver(driver.clone()).build().unwrap();
    /// let current = rt.block_on(async { Driver::current().unwrap() });
    /// assert!(Arc::ptr_eq(&current, &driver));
    ///
    /// let err = Runtime::builder().worker_threads(3).driver(driver).build().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// ```
    pub fn driver(mut self, driver: Arc<Driver>) -> Self {
        self.driver = Some(driver);
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

    /// A shuffled schedule for tests (see `shuffle.rs`): one worker, run
    /// by the thread in `block_on`, whose next task is drawn from all the
    /// ready ones (the main future among them) with a generator seeded by
    /// `seed`. The same seed replays the same interleaving of the work
    /// that stays inside the runtime. Tasks run only while a `block_on`
    /// runs; `worker_threads` other than 1 is refused.
    ///
    /// ```
    /// # use weave_scheduler::{spawn, yield_now, Runtime};
    /// use std::sync::{Arc, Mutex};
    /// let order = |seed| {
    ///     let rt = Runtime::builder().shuffle_seed(seed).build().unwrap();
    ///     let log = Arc::new(Mutex::new(Vec::new()));
    ///     rt.block_on(async {
    ///         let tasks: Vec<_> = (0..4)
    ///             .map(|i| {
    ///                 let log = log.clone();
    ///                 spawn(async move {
    ///                     yield_now().await;
    ///                     log.lock().unwrap().push(i);
    ///                 })
    ///             })
    ///             .collect();
    ///         for task in tasks {
    ///             task.await.unwrap();
    ///         }
    ///     });
    ///     Arc::try_unwrap(log).unwrap().into_inner().unwrap()
    /// };
    /// assert_eq!(order(7), order(7), "one seed, one interleaving");
    /// ```
    pub fn shuffle_seed(mut self, seed: u64) -> Self {
        self.shuffle = Some(seed);
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
            Some(n) if n != 1 && self.shuffle.is_some() => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "worker_threads({n}) with shuffle_seed(..): a shuffled runtime runs one \
                         worker, the thread in block_on; drop worker_threads, or set it to 1"
                    ),
                ))
            }
            None if self.shuffle.is_some() => 1,
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
        if let Some(driver) = &self.driver {
            if driver.workers() != workers {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "driver(..): the driver was made for {} workers and the runtime has {workers}; \
                         create it with Driver::new({workers})",
                        driver.workers()
                    ),
                ));
            }
            driver.claim()?;
        }
        let park_factory: ParkFactory = match (&self.driver, self.park) {
            (Some(driver), _) => {
                let driver = driver.clone();
                Box::new(move |i| Box::new(driver.worker_park(i)))
            }
            (None, Some(factory)) => factory,
            (None, None) => Box::new(|_| Box::new(ThreadPark::new())),
        };
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
        let mut locals = locals;
        let shuffle = self.shuffle.map(|seed| {
            let local = locals.pop().expect("one worker");
            crate::shuffle::ShuffleSeat::new(seed, local)
        });
        if shuffle.is_some() {
            if let Some(driver) = &self.driver {
                // The driver counts each worker busy until its first park;
                // this one has no thread to end (see `WorkerExit`): it runs
                // inside `block_on`, which counts itself.
                driver.leave_busy();
            }
        }
        let handle = Handle {
            shared: Arc::new(Shared::new(remotes, pool, self.driver, slow_poll, shuffle)),
        };
        if let Some(driver) = &handle.shared.driver {
            // Auto-advance of a paused clock asks it whether a task is
            // ready; the driver outlives the runtime's state, so it holds it
            // weakly (a gone runtime has none).
            let shared = Arc::downgrade(&handle.shared);
            let probe = Box::new(move || shared.upgrade().is_none_or(|s| s.is_idle()));
            // (A probe set on the driver before it was handed over stays.)
            let _ = driver.set_idle_probe(probe);
        }
        let mut rt = Runtime {
            handle: handle.clone(),
            threads: Vec::with_capacity(workers),
            exits: Arc::new(WorkerExits::default()),
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
                // Counted on the way out, also when the hook or the loop
                // panics.
                let _exit = WorkerExit {
                    exits,
                    driver: handle.shared.driver.clone(),
                };
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
