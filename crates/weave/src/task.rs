//! Tasks: spawning, joining, cancelling, yielding, and blocking work.
//!
//! | asyncio                      | weave                                  |
//! |------------------------------|----------------------------------------|
//! | `asyncio.create_task(coro)`  | [`spawn`]`(fut)`                       |
//! | `task.cancel()`              | [`JoinHandle::cancel`]                 |
//! | `task.done()`                | [`JoinHandle::is_finished`]            |
//! | `await task`                 | `handle.await` (a `Result`)            |
//! | `asyncio.sleep(0)`           | [`yield_now`]`().await`                |
//! | `asyncio.to_thread(f)`       | [`to_thread`]`(f).await`               |
//! | `asyncio.current_task()`     | [`current_task`]`()`                   |
//! | `create_task(coro, name=..)` | [`Builder`]`::new().name(..).spawn(..)` |
//! | `create_task` of a coroutine holding plain objects | [`spawn_local`]`(fut)` |
//!
//! `spawn` needs a `Send` future, because a task may run on any worker; a
//! future that holds an `Rc` or a `RefCell` borrow across an `.await` is
//! refused at compile time ("future cannot be sent between threads
//! safely") — spawn it with [`spawn_local`], which keeps it on the calling
//! thread:
//!
//! ```compile_fail,E0277
//! weave::run(async {
//!     let shared = std::rc::Rc::new(1);
//!     // error[E0277]: future cannot be sent between threads safely;
//!     // the fix: weave::spawn_local(async move { ... })
//!     weave::spawn(async move {
//!         weave::yield_now().await;
//!         drop(shared);
//!     });
//! });
//! ```
//!
//! ```
//! weave::run(async {
//!     let shared = std::rc::Rc::new(1);
//!     let n = weave::spawn_local(async move {
//!         weave::yield_now().await;
//!         *shared + 1
//!     });
//!     assert_eq!(n.await.unwrap(), 2);
//! });
//! ```
//!
//! The `JoinHandle` of a local task with a `!Send` output stays on its
//! thread too:
//!
//! ```compile_fail,E0277
//! weave::run(async {
//!     let handle = weave::spawn_local(async { std::rc::Rc::new(1) });
//!     weave::spawn(async move { handle.await });
//! });
//! ```

pub use weave_scheduler::{
    current_task, spawn, spawn_blocking, spawn_local, unconstrained, yield_now, JoinError,
    JoinHandle, TaskBuilder as Builder, TaskId,
};

/// Runs `func` on the blocking pool and awaits its result (asyncio's
/// `asyncio.to_thread`). A panic in `func` resumes in the awaiting task.
///
/// ```
/// let sum = weave::run(async {
///     weave::to_thread(|| (1..=1_000_000u64).sum::<u64>()).await
/// });
/// assert_eq!(sum, 500_000_500_000);
/// ```
///
/// # Panics
/// Outside a runtime; when `func` panics (with its payload); when the
/// runtime shuts down before `func` started (the job is then cancelled).
pub async fn to_thread<F, R>(func: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match spawn_blocking(func).await {
        Ok(value) => value,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(err) => {
            panic!("to_thread: the blocking job did not run: {err} (the runtime is shutting down)")
        }
    }
}
