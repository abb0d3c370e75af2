//! `JoinError`: why a task produced no output (cancelled, or panicked).

use super::TaskId;
use std::any::Any;
use std::fmt;

/// How a task ended without an output, as stored inside the task.
pub(crate) enum Repr {
    /// The future was dropped before it completed.
    Cancelled,
    /// The future (or its `Drop`) panicked with this payload.
    Panic(Box<dyn Any + Send + 'static>),
}

/// The error a [`JoinHandle`](crate::JoinHandle) resolves to when its task
/// did not produce an output: it was cancelled, or it panicked.
///
/// ```
/// # use weave_scheduler::Runtime;
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// let err = rt.block_on(rt.spawn(async { panic!("boom") })).unwrap_err();
/// assert!(err.is_panic());
/// assert!(err.to_string().contains("boom"));
/// ```
pub struct JoinError {
    id: TaskId,
    name: Option<std::sync::Arc<str>>,
    kind: Kind,
}

enum Kind {
    Cancelled,
    /// The payload, and its message if it was a string (read at creation,
    /// so that `Display` never touches the payload).
    Panic(Payload, Option<String>),
}

/// A panic payload, reachable only by value, which makes sharing
/// `&JoinError` between threads sound although the payload is not `Sync`.
struct Payload(Box<dyn Any + Send + 'static>);

// SAFETY: no `&Payload` method exposes the payload: it is only moved out
// (in `try_into_panic`) by its owner, so no two threads can touch it at once.
unsafe impl Sync for Payload {}

impl JoinError {
    pub(crate) fn new(id: TaskId, name: Option<std::sync::Arc<str>>, repr: Repr) -> JoinError {
        let kind = match repr {
            Repr::Cancelled => Kind::Cancelled,
            Repr::Panic(payload) => {
                let message = panic_message(payload.as_ref()).map(str::to_owned);
                Kind::Panic(Payload(payload), message)
            }
        };
        JoinError { id, name, kind }
    }

    /// True if the task was cancelled (by `JoinHandle::cancel`, a
    /// `TaskGroup`, or the runtime shutting down).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, Kind::Cancelled)
    }

    /// True if the task panicked (while polled, or while its future was
    /// dropped).
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, Kind::Panic(..))
    }

    /// The panic payload, to resume it with `std::panic::resume_unwind`.
    ///
    /// # Panics
    ///
    /// If the task was cancelled rather than panicking: check
    /// [`is_panic`](Self::is_panic) first, or use
    /// [`try_into_panic`](Self::try_into_panic).
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic().unwrap_or_else(|err| {
            panic!("JoinError::into_panic called on a task that was cancelled, not one that panicked ({err}); check is_panic() first")
        })
    }

    /// The panic payload, or the error itself if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.kind {
            Kind::Panic(payload, _) => Ok(payload.0),
            Kind::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The name given at spawn, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    fn task(&self) -> String {
        match &self.name {
            Some(name) => format!("task {} ({name:?})", self.id),
            None => format!("task {}", self.id),
        }
    }
}

/// The message of a panic payload, if it is a string.
fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Cancelled => write!(f, "{} was cancelled", self.task()),
            Kind::Panic(_, Some(msg)) => write!(f, "{} panicked with message {msg:?}", self.task()),
            Kind::Panic(_, None) => write!(f, "{} panicked", self.task()),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Cancelled => write!(f, "JoinError::Cancelled({})", self.id),
            Kind::Panic(_, Some(msg)) => write!(f, "JoinError::Panic({}, {msg:?})", self.id),
            Kind::Panic(_, None) => write!(f, "JoinError::Panic({}, ..)", self.id),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(err: JoinError) -> std::io::Error {
        std::io::Error::other(err.to_string())
    }
}
