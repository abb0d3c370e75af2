//! The queue's errors. Those that carry an item hand it back with
//! `into_inner`, and print without needing `T: Debug`.

use std::fmt;

/// `put` on a queue that was shut down; the item comes back.
pub struct QueueShutDown<T>(pub T);

impl<T> QueueShutDown<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QueueShutDown(..)")
    }
}

impl<T> fmt::Display for QueueShutDown<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue was shut down")
    }
}

impl<T> std::error::Error for QueueShutDown<T> {}

/// Why `put_nowait` did not put; the item comes back.
pub enum PutError<T> {
    /// The queue is at its `maxsize`.
    Full(T),
    /// The queue was shut down.
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::ShutDown(item) => item,
        }
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("PutError::Full(..)"),
            PutError::ShutDown(_) => f.write_str("PutError::ShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => {
                f.write_str("the queue is full (use put().await to wait for room)")
            }
            PutError::ShutDown(_) => f.write_str("the queue was shut down"),
        }
    }
}

impl<T> std::error::Error for PutError<T> {}

/// Why `get_nowait` returned nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// No item is ready (use `get().await` to wait for one).
    Empty,
    /// The queue was shut down and is empty.
    ShutDown,
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Empty => {
                f.write_str("the queue is empty (use get().await to wait for an item)")
            }
            GetError::ShutDown => f.write_str("the queue was shut down and is empty"),
        }
    }
}

impl std::error::Error for GetError {}

/// `task_done` was called more times than items were put (asyncio's
/// `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDoneError(pub(crate) ());

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than there were items put in the queue")
    }
}

impl std::error::Error for TaskDoneError {}
