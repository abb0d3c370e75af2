//! `as_completed`: the outputs of several futures in the order they finish.

use super::children::Children;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The stream of [`as_completed`]: a `futures_core::Stream`, and
/// [`next`](AsCompleted::next) for use without a stream library.
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<F: Future> {
    children: Children<F>,
}

/// Runs the futures concurrently (inside the calling task) and yields each
/// output as soon as its future finishes (asyncio's `as_completed`). Only
/// the children that were woken are polled again.
///
/// ```
/// use std::time::Duration;
///
/// weave::run(async {
///     let mut done = weave::as_completed([30u64, 10, 20].map(|ms| async move {
///         weave::sleep(Duration::from_millis(ms)).await;
///         ms
///     }));
///     let mut order = Vec::new();
///     while let Some(ms) = done.next().await {
///         order.push(ms);
///     }
///     assert_eq!(order, [10, 20, 30]);
/// });
/// ```
pub fn as_completed<I>(futures: I) -> AsCompleted<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    AsCompleted {
        children: Children::new(futures),
    }
}

impl<F: Future> Unpin for AsCompleted<F> {}

impl<F: Future> AsCompleted<F> {
    /// The next output to finish; `None` once every future has been
    /// yielded.
    pub async fn next(&mut self) -> Option<F::Output> {
        std::future::poll_fn(|cx| self.poll_next_output(cx)).await
    }

    fn poll_next_output(&mut self, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        self.children
            .poll_next(cx, |_| {})
            .map(|next| next.map(|(_, output)| output))
    }
}

impl<F: Future> futures_core::Stream for AsCompleted<F> {
    type Item = F::Output;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        self.get_mut().poll_next_output(cx)
    }
}
