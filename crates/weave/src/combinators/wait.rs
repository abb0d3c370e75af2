//! `wait`: asyncio's `wait` over task handles.

use crate::JoinHandle;
use std::future::poll_fn;
use std::task::Poll;

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
    mut handles: Vec<JoinHandle<T>>,
    when: ReturnWhen,
) -> (Vec<JoinHandle<T>>, Vec<JoinHandle<T>>) {
    let mut finished = vec![false; handles.len()];
    poll_fn(|cx| {
        let mut any_done = false;
        let mut any_failed = false;
        let mut all_done = true;
        for (handle, done) in handles.iter_mut().zip(finished.iter_mut()) {
            match handle.poll_finished(cx) {
                Poll::Ready(failed) => {
                    *done = true;
                    any_done = true;
                    any_failed |= failed;
                }
                Poll::Pending => all_done = false,
            }
        }
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
    let mut done = Vec::new();
    let mut pending = Vec::new();
    for (handle, finished) in handles.into_iter().zip(finished) {
        if finished {
            done.push(handle);
        } else {
            pending.push(handle);
        }
    }
    (done, pending)
}
