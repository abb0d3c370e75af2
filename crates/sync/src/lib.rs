//! `weave-sync`: asyncio's synchronization primitives for any Rust
//! executor.
//!
//! They need only a `Waker`: they run on weave, tokio, smol or a plain
//! `block_on` alike. Each is a cheap `Clone` handle to shared state (an
//! asyncio object is shared by reference); guards and permits own a handle,
//! so they are `Send + 'static` and may be held across `.await`.
//!
//! | asyncio | weave-sync |
//! |---|---|
//! | `Lock` | [`Lock<T>`] (guards its data) |
//! | — | [`RwLock<T>`] |
//! | `Semaphore`, `BoundedSemaphore` | [`Semaphore`], [`BoundedSemaphore`] |
//! | `Event` | [`Event`] |
//! | `Condition` | [`Condition<T>`] |
//! | `Barrier` | [`Barrier`] |
//! | `Queue`, `PriorityQueue`, `LifoQueue` | [`Queue`], [`PriorityQueue`], [`LifoQueue`] |
//! | `Future` | [`oneshot`](fn@oneshot) |
//! | — | [`channel`] (mpmc) |
//!
//! Shared design: one FIFO waiter list under each primitive's mutex.
//! **FIFO-fair**: a waiter that was woken owns what it was woken for; nobody
//! barges past it. **Cancel-safe**: dropping a pending `acquire` / `lock` /
//! `get` / `put` / `wait` future loses nothing; what it was handed goes to
//! the next waiter.
//!
//! ```
//! use weave_sync::{Lock, Queue};
//! # weave_sync::__block_on(async {
//! let queue = Queue::new(0);
//! let total = Lock::new(0);
//! for n in 1..=3 {
//!     queue.put(n).await.unwrap();
//! }
//! while let Ok(n) = queue.get_nowait() {
//!     *total.lock().await += n;
//!     queue.task_done().unwrap();
//! }
//! queue.join().await;
//! assert_eq!(*total.lock().await, 6);
//! # });
//! ```
//!
//! ## Thread safety
//!
//! Every primitive, guard, permit and wait future is `Send` (and `Sync`)
//! when the data it holds is (`thread_safety.rs` checks the whole list at
//! compile time). A value that must stay on its thread stays there: a
//! lock around it cannot be shared,
//!
//! ```compile_fail
//! fn shared_across_threads<T: Send + Sync>(_: T) {}
//! shared_across_threads(weave_sync::Lock::new(std::rc::Rc::new(1)));
//! ```
//!
//! a queue of it cannot be handed to another thread,
//!
//! ```compile_fail
//! fn sent<T: Send>(_: T) {}
//! sent(weave_sync::Queue::<std::rc::Rc<u8>>::new(1));
//! ```
//!
//! and a guard of data that is not `Sync` cannot be shared while held:
//!
//! ```compile_fail
//! fn shared<T: Sync>(_: &T) {}
//! # weave_sync::__block_on(async {
//! let lock = weave_sync::Lock::new(std::cell::Cell::new(1));
//! let guard = lock.lock().await;
//! shared(&guard);
//! # });
//! ```

mod barrier;
mod batch_semaphore;
mod block_on;
mod channel;
mod condition;
#[doc(hidden)]
pub mod contain;
pub mod coop;
mod event;
mod lock;
#[doc(hidden)]
pub mod loom;
mod notify;
pub mod oneshot;
pub mod queue;
mod rwlock;
#[doc(hidden)]
pub mod scoped;
mod semaphore;
mod thread_park;
mod thread_safety;
#[doc(hidden)]
pub mod wait_list;
mod wake_list;

pub use barrier::{Barrier, BarrierWait, BarrierWaitResult};
pub use channel::{channel, Receiver, RecvError, SendError, Sender, TryRecvError, TrySendError};
pub use condition::Condition;
pub use event::{Event, EventWait};
pub use lock::{Lock, LockGuard};
pub use queue::{
    GetError, LifoQueue, PriorityQueue, PutError, Queue, QueueShutDown, TaskDoneError,
};
pub use rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use semaphore::{BoundedSemaphore, BoundedSemaphoreError, Permit, Semaphore, MAX_PERMITS};

/// The earlier name of the [`oneshot`](mod@oneshot) module.
#[doc(hidden)]
pub use oneshot as oneshot_channel;
pub use oneshot::oneshot;

#[doc(hidden)]
pub use contain::wake_contained;
#[doc(hidden)]
pub use thread_park::ThreadPark;

/// Blocks the thread on a future (the doc examples of every weave crate).
#[doc(hidden)]
pub fn __block_on<F: std::future::Future>(future: F) -> F::Output {
    block_on::block_on(future)
}

#[cfg(test)]
mod tests;
