//! `weave-scheduler`: the tasks and the multi-threaded, work-stealing
//! executor of the weave runtime, plus its blocking pool.
//!
//! - **Tasks** are one allocation each (header, scheduler handle, future or
//!   output). Their flags and reference count share one atomic word, so a
//!   task is never polled by two threads at once, a wake during a poll
//!   re-runs it exactly once, and a wake after completion does nothing.
//! - **Workers** each own a FIFO deque and a LIFO slot for the task they
//!   just woke; a shared injector takes work from other threads. An idle
//!   worker steals a batch from a random peer (at most half of them search
//!   at once) and then parks through the [`Park`] trait: with a
//!   [`Driver`] (`Builder::driver`, as the `weave` facade builds it), the
//!   driver's `WorkerPark`, which drives timers and I/O while it sleeps.
//! - **The blocking pool** runs [`spawn_blocking`] closures on threads that
//!   are started on demand and retired when idle.
//!
//! The crate works on its own with a [`ThreadPark`]:
//!
//! ```
//! use weave_scheduler::{spawn, Runtime};
//!
//! let rt = Runtime::builder().worker_threads(2).build().unwrap();
//! let total = rt.block_on(async {
//!     let handles: Vec<_> = (1..=100u64).map(|i| spawn(async move { i })).collect();
//!     let mut total = 0;
//!     for h in handles {
//!         total += h.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 5050);
//! ```
//!
//! Under `RUSTFLAGS="--cfg loom"` the crate's atomics, cells and queues are
//! loom's, and `cargo test -p weave-scheduler --lib` runs the model tests in
//! `src/tests/`.

mod block_on;
mod blocking;
mod builder;
mod clock;
mod context;
mod idle;
mod local;
mod metrics;
mod queue;
mod runtime;
mod schedule;
mod shared;
mod shuffle;
mod slow_poll;
mod task;
mod task_builder;
mod worker;
mod yield_now;

pub use context::is_driving;
pub use local::spawn_local;
pub use metrics::Metrics;
pub use runtime::{spawn, spawn_blocking, Builder, EnterGuard, Handle, NoRuntime, Runtime};
pub use task::{current_task, JoinError, JoinHandle, TaskId, TaskInfo, TaskState};
pub use task_builder::TaskBuilder;
pub use weave_driver::{Driver, Park, ThreadPark};
/// The cooperative budget (it lives in weave-sync, the crate every
/// budgeted operation can reach).
pub use weave_sync::coop;
pub use weave_sync::coop::unconstrained;
pub use yield_now::yield_now;

/// The synchronization facade (loom's types under `--cfg loom`).
use weave_sync::loom;

#[cfg(test)]
mod tests;

/// Compile-time checks of the thread-safety the API promises.
#[allow(dead_code)]
fn _assert_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Runtime>();
    send_sync::<Handle>();
    send_sync::<Builder>();
    send_sync::<JoinHandle<()>>();
    send_sync::<JoinError>();
    send_sync::<TaskId>();
    send_sync::<Metrics>();
    send_sync::<TaskInfo>();
}
