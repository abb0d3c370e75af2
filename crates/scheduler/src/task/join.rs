//! `JoinHandle`: the awaitable, cancellable handle to a spawned task.

use super::raw::RawTask;
use super::{JoinError, TaskId};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An owned permission to await a task's output (asyncio's `Task`).
///
/// Awaiting gives `Ok(output)`, or a [`JoinError`] if the task panicked or
/// was cancelled. Dropping the handle detaches the task: it keeps running.
///
/// ```
/// # use weave_scheduler::Runtime;
/// let rt = Runtime::builder().worker_threads(2).build().unwrap();
/// let handle = rt.spawn(async { 6 * 7 });
/// assert_eq!(rt.block_on(handle).unwrap(), 42);
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    /// The output was moved out (the task's stage has no tag that would
    /// tell: see `raw::Stage`).
    taken: bool,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves `T` out of the task (requires `T: Send` to
// cross threads); every other access goes through the atomic state word.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads the state word (`is_finished`, `id`) or
// requests cancellation, both thread-safe; `T` is never reached through it.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(crate) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            taken: false,
            _output: PhantomData,
        }
    }

    /// Requests cancellation (asyncio's `Task.cancel()`): an idle task's
    /// future is dropped before this returns; a running one is dropped when
    /// its current poll returns; a queued one when a worker picks it up.
    /// A local task (`spawn_local`) cancelled from another thread than its
    /// own is woken instead, and its thread drops the future.
    /// Awaiting the handle then gives [`JoinError::is_cancelled`] (unless
    /// the running poll finished the task first).
    ///
    /// Returns false if the task had already finished.
    ///
    /// ```
    /// # use weave_scheduler::Runtime;
    /// let rt = Runtime::builder().worker_threads(1).build().unwrap();
    /// let handle = rt.spawn(std::future::pending::<()>());
    /// assert!(handle.cancel());
    /// assert!(rt.block_on(handle).unwrap_err().is_cancelled());
    /// ```
    pub fn cancel(&self) -> bool {
        super::cancel(self.raw)
    }

    /// True once the task has finished (asyncio's `Task.done()`): it
    /// returned, panicked or was cancelled.
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.raw.header().id
    }

    /// The task's name, if it was spawned with one.
    pub fn name(&self) -> Option<std::sync::Arc<str>> {
        self.raw.header().name()
    }

    /// Whether the task has finished, without taking its output (the
    /// handle can still be awaited for it): `Ready(false)` if it finished
    /// with its output, `Ready(true)` if it panicked or was cancelled,
    /// `Pending` (with `cx`'s waker registered) while it runs. For
    /// combinators such as asyncio's `wait`.
    ///
    /// ```
    /// use std::future::poll_fn;
    /// let rt = weave_scheduler::Runtime::builder().worker_threads(1).build().unwrap();
    /// let mut handle = rt.spawn(async { 5 });
    /// let failed = rt.block_on(poll_fn(|cx| handle.poll_finished(cx)));
    /// assert!(!failed);
    /// assert_eq!(rt.block_on(handle).unwrap(), 5); // the output is still there
    /// ```
    pub fn poll_finished(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        if self.taken {
            // Awaited to the end already; the failure, if any, was reported.
            return Poll::Ready(false);
        }
        // A completion spends a unit of the task's budget, as awaiting
        // the handle does.
        crate::coop::poll_budgeted(cx, |cx| {
            // SAFETY: we are this task's `JoinHandle` and have not taken the
            // output; `&mut self` excludes a concurrent read of it.
            match unsafe { self.raw.poll_finished(cx.waker()) } {
                Some(failed) => Poll::Ready(failed),
                None => Poll::Pending,
            }
        })
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.taken, "JoinHandle polled after it returned Ready");
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: we are this task's `JoinHandle`, have not taken the
        // output, and `out` has the type the task's output slot is read into.
        unsafe {
            self.raw.try_read_output(
                &mut out as *mut Poll<Result<T, JoinError>> as *mut (),
                cx.waker(),
            )
        };
        if out.is_ready() {
            self.taken = true;
            coop.made_progress();
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: called once, with the handle's reference; `taken` is
        // true exactly when the output was read.
        unsafe { self.raw.drop_join_handle(self.taken) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
