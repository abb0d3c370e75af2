//! The blocking pool: threads for closures that block (file I/O, CPU-heavy
//! work, blocking libraries), so that they never hold up a worker.
//!
//! Threads are started on demand up to `max_threads`, and an idle thread
//! exits after `keep_alive`. Jobs queue when every thread is busy. A job is
//! a task like any other (same `JoinHandle`, same panic and cancel
//! reporting) whose future runs the closure in a single poll.
//!
//! Ground rules: `state` (under its mutex) holds the queue and the thread
//! counts; `num_idle` counts threads waiting on `condvar`, and `num_notify`
//! the wake-ups handed to them and not yet taken. Shutdown, in steps:
//! 1. set `shutdown` and wake every thread;
//! 2. cancel every queued job that has not started;
//! 3. wait (up to a timeout) for the running jobs' threads to exit — all
//!    but the calling thread, when the pool is shut down from one of its
//!    own jobs (that thread exits once the job returns).

use crate::runtime::Handle;
use crate::task::{self, JoinHandle, Notified, Schedule, SpawnInfo, Task};
use crate::{context, coop};
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

std::thread_local! {
    /// The pool this thread belongs to (its `Inner`'s address), 0 on other
    /// threads. Only compared, never dereferenced.
    static POOL_THREAD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// The driver whose busy count the job running on this thread holds
    /// (its address), 0 if none. Only compared, never dereferenced.
    static JOB_DRIVER: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// True on a pool thread running a job counted busy in `driver`.
fn runs_job_of(driver: &Arc<weave_driver::Driver>) -> bool {
    JOB_DRIVER
        .try_with(|d| d.get() == Arc::as_ptr(driver) as usize)
        .unwrap_or(false)
}

/// While a blocking job of the runtime sleeps in `Handle::block_on`
/// (which waits for the runtime), the job is not counted busy: holding a
/// paused clock would keep a timer it waits for from ever firing. Counts
/// it back in when dropped.
pub(crate) struct JobAsleep<'a>(Option<&'a weave_driver::Driver>);

impl<'a> JobAsleep<'a> {
    /// Counts the job of this thread out, if it is one of `driver`'s.
    pub(crate) fn new(driver: Option<&'a Arc<weave_driver::Driver>>) -> JobAsleep<'a> {
        let driver = driver.filter(|d| runs_job_of(d));
        if let Some(driver) = driver {
            driver.leave_busy();
        }
        JobAsleep(driver.map(|d| &**d))
    }
}

impl Drop for JobAsleep<'_> {
    fn drop(&mut self) {
        if let Some(driver) = self.0 {
            driver.enter_busy();
        }
    }
}

/// Configuration of the pool.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) max_threads: usize,
    pub(crate) keep_alive: Duration,
    pub(crate) thread_name: String,
    pub(crate) on_thread_start: Option<std::sync::Arc<dyn Fn() + Send + Sync>>,
}

struct State {
    queue: VecDeque<Notified>,
    num_threads: usize,
    num_idle: usize,
    num_notify: usize,
    /// Threads started and not yet at their first job (also on their
    /// way, like a wake-up in flight).
    num_starting: usize,
    shutdown: bool,
}

struct Inner {
    state: Mutex<State>,
    condvar: Condvar,
    /// Signalled when the last thread exits during shutdown.
    exited: Condvar,
    config: Config,
}

/// The pool's shared handle.
#[derive(Clone)]
pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

/// Blocking jobs are never re-scheduled (their single poll finishes them)
/// and are not in the owned-task list.
struct BlockingSchedule;

impl Schedule for BlockingSchedule {
    fn schedule(&self, _task: Notified, _is_yield: bool) {
        unreachable!("a blocking job finishes in its first poll and is never woken to run again")
    }

    fn release(&self, _task: &Task) -> Option<Task> {
        None
    }

    const KIND: &'static str = "blocking";
}

/// The future of a blocking job: runs the closure on its first poll.
struct BlockingTask<F> {
    func: Option<F>,
}

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let func = self.func.take().expect("blocking job polled after it ran");
        // Blocking code may await resources through `block_on`: no budget.
        let _unbudgeted = coop::disable_budget();
        Poll::Ready(func())
    }
}

impl BlockingPool {
    pub(crate) fn new(config: Config) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    num_threads: 0,
                    num_idle: 0,
                    num_notify: 0,
                    num_starting: 0,
                    shutdown: false,
                }),
                condvar: Condvar::new(),
                exited: Condvar::new(),
                config,
            }),
        }
    }

    /// Queues `func` to run on a pool thread inside the runtime `handle`.
    #[track_caller]
    pub(crate) fn spawn<F, R>(&self, handle: &Handle, func: F, name: Option<&str>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let future = BlockingTask { func: Some(func) };
        let (owner, notified, join) =
            task::new_task(future, BlockingSchedule, SpawnInfo::here(name));
        let mut state = self.inner.state.lock();
        if state.shutdown {
            drop(state);
            owner.shutdown();
            drop(notified);
            return join;
        }
        // Blocking jobs have no owner list: drop that reference now.
        drop(owner);
        // A job holds a paused clock from here until its result is in
        // (`run_thread`): what it returns may make a task ready. (One
        // cancelled unstarted by the shutdown is not counted out: the
        // driver is shut down by then.)
        if let Some(driver) = &handle.shared.driver {
            driver.enter_busy();
        }
        state.queue.push_back(notified);
        if let Err(err) = self.wake_for_queue(&mut state, handle) {
            if state.num_threads == 0 {
                // Nobody will run it: taken back (the one just pushed) and
                // counted out before the panic.
                let job = state.queue.pop_back();
                drop(state);
                if let Some(job) = job {
                    job.shutdown();
                }
                if let Some(driver) = &handle.shared.driver {
                    driver.leave_busy();
                }
                panic!(
                    "spawn_blocking: could not start a blocking thread and none is running: {err}"
                );
            }
            // Another thread will take the job when it is free.
        }
        join
    }

    /// Gets a thread going for the queued jobs: wakes an idle one, or
    /// starts one (below the cap) if none is idle. While a woken thread
    /// is on its way, nothing more is done: that thread passes the wake-up
    /// on when it takes a job and more are queued (`run_thread`), so a
    /// burst of spawns costs the spawner one wake-up, not one per job, and
    /// the threads come up one after another as long as jobs wait.
    fn wake_for_queue(&self, state: &mut State, handle: &Handle) -> std::io::Result<()> {
        if state.num_notify > 0 || state.num_starting > 0 {
            return Ok(());
        }
        if state.num_idle > 0 {
            state.num_idle -= 1;
            state.num_notify += 1;
            self.inner.condvar.notify_one();
        } else if state.num_threads < self.inner.config.max_threads {
            self.start_thread(handle, state.num_threads)?;
            state.num_threads += 1;
            state.num_starting += 1;
        }
        Ok(())
    }

    /// True on one of this pool's threads.
    fn is_own_thread(&self) -> bool {
        POOL_THREAD.with(|p| p.get() == Arc::as_ptr(&self.inner) as usize)
    }

    fn start_thread(&self, handle: &Handle, id: usize) -> std::io::Result<()> {
        let pool = self.clone();
        let handle = handle.clone();
        let hook = self.inner.config.on_thread_start.clone();
        std::thread::Builder::new()
            .name(format!("{}-blocking-{id}", self.inner.config.thread_name))
            .spawn(move || {
                POOL_THREAD.with(|p| p.set(Arc::as_ptr(&pool.inner) as usize));
                pool.inner.state.lock().num_starting -= 1;
                let _enter = context::enter(handle.clone());
                if let Some(hook) = hook {
                    // A panicking hook (its message already printed) does
                    // not take the thread, and the jobs it owes, with it.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook()));
                }
                pool.run_thread(&handle);
            })
            .map(drop)
    }

    fn run_thread(&self, handle: &Handle) {
        let inner = &*self.inner;
        let mut state = inner.state.lock();
        'outer: loop {
            while let Some(job) = state.queue.pop_front() {
                if !state.queue.is_empty() {
                    // More jobs wait: pass the wake-up on (see
                    // `wake_for_queue`); if no thread can be started, the
                    // busy ones take them in turn.
                    let _ = self.wake_for_queue(&mut state, handle);
                }
                drop(state);
                // The job's result is delivered (its waiter woken and
                // queued) before the job stops holding the clock.
                let driver = handle.shared.driver.as_ref();
                let _ =
                    JOB_DRIVER.try_with(|d| d.set(driver.map_or(0, |d| Arc::as_ptr(d) as usize)));
                job.run();
                let _ = JOB_DRIVER.try_with(|d| d.set(0));
                if let Some(driver) = driver {
                    driver.leave_busy();
                }
                state = inner.state.lock();
            }
            if state.shutdown {
                break;
            }
            state.num_idle += 1;
            loop {
                let timed_out = inner
                    .condvar
                    .wait_for(&mut state, inner.config.keep_alive)
                    .timed_out();
                if state.num_notify > 0 {
                    state.num_notify -= 1;
                    continue 'outer;
                }
                if state.shutdown {
                    state.num_idle -= 1;
                    break 'outer;
                }
                if timed_out && state.queue.is_empty() {
                    // Idle past the keep-alive: let the thread go.
                    state.num_idle -= 1;
                    break 'outer;
                }
                if timed_out {
                    state.num_idle -= 1;
                    continue 'outer;
                }
            }
        }
        state.num_threads -= 1;
        // A waiter on one of our threads waits for all but itself.
        if state.num_threads <= 1 {
            inner.exited.notify_all();
        }
    }

    /// Shuts the pool down (see the module docs); waits at most `timeout`
    /// (`None`: without limit) for running jobs. True if all threads exited.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        let inner = &*self.inner;
        let queued: Vec<Notified> = {
            let mut state = inner.state.lock();
            state.shutdown = true;
            inner.condvar.notify_all();
            state.queue.drain(..).collect()
        };
        for job in queued {
            job.shutdown();
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        // Shut down from one of our own jobs: that thread cannot exit
        // before this returns, so it is not waited for.
        let me = usize::from(self.is_own_thread());
        let mut state = inner.state.lock();
        while state.num_threads > me {
            match (timeout, deadline) {
                (None, _) | (Some(_), None) => inner.exited.wait(&mut state),
                (Some(_), Some(deadline)) => {
                    if inner.exited.wait_until(&mut state, deadline).timed_out() {
                        return state.num_threads <= me;
                    }
                }
            }
        }
        true
    }

    /// Threads currently in the pool.
    pub(crate) fn num_threads(&self) -> usize {
        self.inner.state.lock().num_threads
    }
}
