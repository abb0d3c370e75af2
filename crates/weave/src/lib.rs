//! # weave
//!
//! A multi-threaded, work-stealing async runtime with the programming model
//! of Python's asyncio: [`run`] a main future, [`spawn`] tasks (asyncio's
//! `create_task`), await their [`JoinHandle`]s, [`cancel`](JoinHandle::cancel)
//! them, and push blocking work off the workers with [`to_thread`].
//!
//! ```
//! async fn square(x: u64) -> u64 {
//!     weave::yield_now().await; // asyncio.sleep(0)
//!     x * x
//! }
//!
//! let total = weave::run(async {
//!     let tasks: Vec<_> = (1..=10).map(|x| weave::spawn(square(x))).collect();
//!     let mut total = 0;
//!     for task in tasks {
//!         total += task.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 385);
//! ```
//!
//! ## Where things are
//!
//! | asyncio | weave |
//! |---|---|
//! | `asyncio.run`, `create_task`, `to_thread` | [`run`], [`spawn`], [`spawn_local`], [`to_thread`], [`task`] |
//! | `gather`, `as_completed`, `wait`, `TaskGroup` | [`gather()`], [`gather!`], [`as_completed`], [`wait`], [`TaskGroup`] |
//! | `sleep`, `wait_for`, `call_later`, `loop.time` | [`sleep`], [`wait_for`], [`call_later`], [`now`], [`time`] |
//! | `Lock`, `Semaphore`, `Event`, `Queue` | [`sync`] |
//! | `open_connection`, `start_server`, signals | [`net`], [`signal`] |
//! | aiofiles' `open`, `os` and `shutil` file calls | [`fs`] |
//! | `all_tasks()`, debug mode | [`Handle::dump`], [`Runtime::metrics`], [`Builder::slow_poll_threshold`] |
//!
//! The guide in the repository's `docs/guide.md` maps every asyncio name
//! of the tutorials to its weave spelling and lists where the semantics
//! differ (several worker threads, cancellation by drop, `Send` bounds).
//!
//! Concurrency inside one task, and a deadline:
//!
//! ```
//! use std::time::Duration;
//!
//! let (sum, late) = weave::run(async {
//!     let sum: u32 = weave::gather((1..=3).map(|i| async move { i * 10 })).await.iter().sum();
//!     let late = weave::wait_for(weave::sleep(Duration::from_secs(5)), Duration::from_millis(10)).await;
//!     (sum, late.is_err())
//! });
//! assert_eq!((sum, late), (60, true));
//! ```
//!
//! ## Thread safety
//!
//! Tasks run on any worker, so what is spawned must be `Send`; the
//! runtime, its handles and every future this crate returns are (and the
//! handles `Sync`), which `thread_safety.rs` checks at compile time. A
//! future holding an `Rc` across an `.await` is refused by `spawn`,
//!
//! ```compile_fail
//! weave::run(async {
//!     let shared = std::rc::Rc::new(1);
//!     weave::spawn(async move {
//!         weave::yield_now().await;
//!         drop(shared);
//!     });
//! });
//! ```
//!
//! by a `TaskGroup`,
//!
//! ```compile_fail
//! weave::run(async {
//!     let mut group = weave::TaskGroup::new();
//!     let shared = std::rc::Rc::new(1);
//!     group.spawn(async move {
//!         weave::yield_now().await;
//!         *shared
//!     });
//! });
//! ```
//!
//! and a callback for another thread must be `Send` too:
//!
//! ```compile_fail
//! let rt = weave::Runtime::new().unwrap();
//! let shared = std::rc::Rc::new(1);
//! rt.handle().call_soon(move || drop(shared));
//! ```
//!
//! (`Runtime::block_on` has no `Send` bound: its future runs on the calling
//! thread; neither has [`spawn_local`], whose task stays on the thread
//! that spawns it — see [`task`].)
//!
//! The lower crates are usable on their own: `weave_scheduler` (tasks and
//! workers), `weave_driver` (I/O, timers and how workers sleep on them),
//! `weave_timer`, `weave_sync` and `weave_reactor`.

mod call_soon;
pub(crate) mod combinators;
mod dump_signal;
#[doc(hidden)]
pub use combinators::join as __join;
mod entry;
pub mod fs;
pub mod net;
mod path_error;
pub mod process;
mod runtime;
mod shuffle_test;
pub mod signal;
#[doc(hidden)]
pub use shuffle_test::{__shuffle, Outcome as __ShuffleOutcome};
pub mod task;
mod thread_safety;
pub mod time;

pub use call_soon::call_soon;
pub use combinators::{
    as_completed, gather, race, try_gather, wait, AsCompleted, Either, Gather, Race, ReturnWhen,
    TaskGroup, TryGather,
};
pub use entry::run;
pub use runtime::{Builder, EnterGuard, Handle, Runtime};
pub use task::{
    current_task, spawn, spawn_blocking, spawn_local, to_thread, unconstrained, yield_now,
    JoinError, JoinHandle, TaskId,
};
pub use time::{
    call_at, call_later, interval, now, sleep, sleep_until, timeout_at, wait_for, Interval, Sleep,
    Timeout, TimeoutError, TimerHandle,
};
pub use weave_scheduler::{Metrics, NoRuntime, TaskState};

/// One live task as [`Handle::dump`] lists it (asyncio's `all_tasks()`,
/// with more detail).
pub use weave_scheduler::TaskInfo;

/// The cooperative budget every weave operation that can wait spends (see
/// [`unconstrained`] to opt out, and `poll_budgeted` / `consume_budget`
/// for futures of your own).
pub use weave_scheduler::coop;

/// `#[weave::main]` and `#[weave::test]`: run an `async fn` on a fresh
/// runtime (`worker_threads = N` optional). See the `weave-macros` crate.
pub use weave_macros::{main, test};

pub mod sync {
    //! asyncio's synchronization primitives: [`Lock`], [`RwLock`],
    //! [`Semaphore`], [`BoundedSemaphore`], [`Event`], [`Condition`],
    //! [`Barrier`], [`Queue`], [`PriorityQueue`], [`LifoQueue`],
    //! [`channel()`] and [`oneshot()`] — the `weave-sync` crate, which works
    //! on any executor. FIFO-fair and cancel-safe: a waiter dropped at any
    //! await point takes nothing with it.
    //!
    //! ```
    //! use weave::sync::{Lock, Queue};
    //!
    //! weave::run(async {
    //!     let queue = Queue::new(0);
    //!     let total = Lock::new(0);
    //!     for i in 1..=4 {
    //!         queue.put(i).await.unwrap();
    //!     }
    //!     let workers: Vec<_> = (0..2)
    //!         .map(|_| {
    //!             let (queue, total) = (queue.clone(), total.clone());
    //!             weave::spawn(async move {
    //!                 while let Ok(n) = queue.get_nowait() {
    //!                     *total.lock().await += n;
    //!                 }
    //!             })
    //!         })
    //!         .collect();
    //!     for w in workers {
    //!         w.await.unwrap();
    //!     }
    //!     assert_eq!(*total.lock().await, 10);
    //! });
    //! ```
    #[doc(inline)]
    pub use weave_sync::*;
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
