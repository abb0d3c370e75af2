//! `task::Builder`: spawning with options (a name).

use crate::runtime::Handle;
use crate::JoinHandle;
use std::future::Future;

/// Spawns a task with options; today, a name that `JoinError` messages and
/// `JoinHandle::name` report.
///
/// ```
/// # use weave_scheduler::{Runtime, TaskBuilder};
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// let err = rt.block_on(async {
///     TaskBuilder::new().name("fetch-42").spawn(async { panic!("no route") }).await
/// }).unwrap_err();
/// assert_eq!(err.name(), Some("fetch-42"));
/// assert!(err.to_string().contains("fetch-42"));
/// ```
#[derive(Debug, Default, Clone)]
pub struct TaskBuilder {
    name: Option<String>,
}

impl TaskBuilder {
    /// A builder with no options set.
    pub fn new() -> TaskBuilder {
        TaskBuilder::default()
    }

    /// Names the task.
    pub fn name(mut self, name: impl Into<String>) -> TaskBuilder {
        self.name = Some(name.into());
        self
    }

    /// Spawns `future` on the current runtime.
    ///
    /// # Panics
    /// Outside a runtime, like [`spawn`](crate::spawn).
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match Handle::try_current() {
            Ok(handle) => self.spawn_on(future, &handle),
            Err(err) => panic!("task::Builder::spawn called outside a runtime: {err}"),
        }
    }

    /// Spawns `future` on the runtime of `handle`.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_named(future, self.name.as_deref())
    }

    /// Runs `func` on the current runtime's blocking pool.
    ///
    /// # Panics
    /// Outside a runtime, like [`spawn_blocking`](crate::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        match Handle::try_current() {
            Ok(handle) => handle
                .shared
                .blocking
                .spawn(&handle, func, self.name.as_deref()),
            Err(err) => panic!("task::Builder::spawn_blocking called outside a runtime: {err}"),
        }
    }
}
