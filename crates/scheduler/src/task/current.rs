//! Which task this thread is polling (asyncio's `current_task()`): set by
//! the harness around each poll and by `block_on` around its future.

use super::TaskId;
use std::cell::Cell;

thread_local! {
    static TASK: Cell<Option<TaskId>> = const { Cell::new(None) };
}

/// Restores the previous current task when dropped.
#[must_use = "the task stops being current when the guard drops"]
pub(crate) struct TaskGuard(Option<TaskId>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        let _ = TASK.try_with(|t| t.set(self.0));
    }
}

/// Records `id` as the task being polled on this thread.
pub(crate) fn enter_task(id: TaskId) -> TaskGuard {
    TaskGuard(TASK.with(|t| t.replace(Some(id))))
}

/// The id of the task being polled on this thread (asyncio's
/// `current_task()`), or `None` outside a task. The future driven by
/// `block_on` counts as a task.
///
/// ```
/// # use weave_scheduler::{current_task, Runtime};
/// assert!(current_task().is_none());
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// let handle = rt.spawn(async { current_task() });
/// let id = handle.id();
/// assert_eq!(rt.block_on(handle).unwrap(), Some(id));
/// ```
pub fn current_task() -> Option<TaskId> {
    TASK.try_with(|t| t.get()).ok().flatten()
}
