//! [`TaskInfo`]: what introspection reports about one live task (asyncio's
//! `all_tasks()` entry), read from its header without touching the future.

use super::raw::Header;
use super::TaskId;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

/// Where a live task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskState {
    /// Waiting for a wake (pending on I/O, a timer, a lock...).
    Idle,
    /// Woken, waiting in a queue for a worker.
    Scheduled,
    /// Being polled by a worker right now (or finishing).
    Running,
}

/// A snapshot of one live task, from the runtime handle's `dump`.
///
/// ```
/// use weave_scheduler::{Runtime, TaskBuilder, TaskState};
///
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// let (tx, rx) = std::sync::mpsc::channel::<()>();
/// let parked = TaskBuilder::new().name("parked").spawn_on(
///     async move { weave_scheduler::spawn_blocking(move || rx.recv()).await },
///     rt.handle(),
/// );
/// let line = line!() - 4; // the `spawn_on` call above
/// // `polls()` counts a poll as it starts: wait until the first one ended.
/// # while rt.handle().dump().iter().any(|t| t.polls() == 0 || t.state() != TaskState::Idle) {
/// #     std::thread::yield_now()
/// # }
/// let tasks = rt.handle().dump();
/// assert_eq!(tasks.len(), 1);
/// let info = &tasks[0];
/// assert_eq!(info.name(), Some("parked"));
/// assert_eq!(info.state(), TaskState::Idle);
/// assert_eq!(info.polls(), 1);
/// assert_eq!(info.spawned_at().line(), line);
/// assert_eq!(info.id(), parked.id());
/// tx.send(()).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct TaskInfo {
    id: TaskId,
    name: Option<Arc<str>>,
    state: TaskState,
    polls: u64,
    spawned_at: &'static Location<'static>,
    age: Duration,
}

impl TaskInfo {
    /// Reads the task behind `header`, which the caller keeps alive.
    pub(crate) fn of(header: &Header) -> TaskInfo {
        let snapshot = header.state.load();
        let state = if snapshot.is_running() || snapshot.is_complete() {
            TaskState::Running
        } else if snapshot.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        TaskInfo {
            id: header.id,
            name: header.name(),
            state,
            polls: u64::from(header.polls.load(Relaxed)),
            spawned_at: header.spawned_at.get(),
            age: header.spawned.elapsed(),
        }
    }

    /// The task's id (as `JoinHandle::id` and `current_task` report it).
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The name it was spawned with, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Idle, scheduled or running, when the snapshot was taken.
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// How many times it has been polled.
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// The `spawn` call that created it (file, line, column).
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.spawned_at
    }

    /// How long ago it was spawned, to within about 10 ms (and modulo
    /// about 417 days, after which it wraps).
    pub fn age(&self) -> Duration {
        self.age
    }
}

/// One line, like asyncio's task repr:
/// `task 7 "fetch-42" Idle, 3 polls, spawned at src/main.rs:10:5, 1.2s ago`.
impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(
            f,
            " {:?}, {} polls, spawned at {}, {:.1?} ago",
            self.state, self.polls, self.spawned_at, self.age
        )
    }
}
