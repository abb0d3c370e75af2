//! `wait`: asyncio's `wait` over task handles.

use super::children::{output_slots, Children};
use crate::JoinHandle;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

/// When [`wait`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any task finishes.
    FirstCompleted,
    /// As soon as any task panics or is cancelled; if none does, when all
    /// have finished.
    FirstException,
    /// When every task has finished.
    AllCompleted,
}

/// Waits for the tasks behind `handles` as `when` says, and splits them
/// into `(done, pending)`, each in input order (asyncio's `wait`). Nothing
/// is cancelled and no output is taken: await the done handles for their
/// results, and keep, await or cancel the pending ones.
///
/// ```
/// use std::time::Duration;
/// use weave::ReturnWhen;
///
/// weave::run(async {
///     let quick = weave::spawn(async { 1 });
///     let slow = weave::spawn(weave::sleep(Duration::from_secs(60)));
///     let (done, pending) = weave::wait(vec![quick], ReturnWhen::FirstCompleted).await;
///     assert_eq!((done.len(), pending.len()), (1, 0));
///     slow.cancel();
/// });
/// ```
pub async fn wait<T>(
    handles: Vec<JoinHandle<T>>,
    when: ReturnWhen,
) -> (Vec<JoinHandle<T>>, Vec<JoinHandle<T>>) {
    // Each handle is a child with a waker of its own: after the first
    // round only the handles whose task finished are looked at again, so
    // a wait over N tasks costs O(N) in all, not O(N) per finishing task.
    let mut children = Children::new(handles.into_iter().map(|h| Finished(Some(h))));
    let mut done = output_slots(children.len());
    let (mut any_done, mut any_failed) = (false, false);
    poll_fn(|cx| {
        let all_done = children.poll(cx, |seq, (handle, failed)| {
            done[seq] = Some(handle);
            any_done = true;
            any_failed |= failed;
            true
        });
        let all_done = all_done.is_ready();
        let ready = match when {
            ReturnWhen::FirstCompleted => any_done || all_done,
            ReturnWhen::FirstException => any_failed || all_done,
            ReturnWhen::AllCompleted => all_done,
        };
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    let pending = children
        .into_pending()
        .into_iter()
        .map(|(_, probe)| probe.0.expect("a pending probe holds its handle"))
        .collect();
    (done.into_iter().flatten().collect(), pending)
}

/// Resolves once its task has finished, to the handle and whether the task
/// failed; takes no output.
struct Finished<T>(Option<JoinHandle<T>>);

impl<T> Future for Finished<T> {
    type Output = (JoinHandle<T>, bool);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handle = self.0.as_mut().expect("Finished polled after it completed");
        let failed = std::task::ready!(handle.poll_finished(cx));
        Poll::Ready((self.0.take().expect("checked above"), failed))
    }
}
