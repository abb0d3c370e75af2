//! `gather` and `try_gather`: run futures concurrently inside one task and
//! collect their outputs in input order.

use super::children::{in_order, output_slots, Children};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The future of [`gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F: Future> {
    children: Children<F>,
    outputs: Vec<Option<F::Output>>,
}

/// Runs every future concurrently (inside the calling task) and returns
/// their outputs in input order (asyncio's `gather`). The first poll polls
/// each child in input order; after that only the children that were woken
/// are polled again. For parallelism across workers, gather spawned tasks:
/// `gather(items.map(|x| weave::spawn(work(x))))`.
///
/// ```
/// use std::time::Duration;
///
/// weave::run(async {
///     let delays = [30u64, 10, 20];
///     let outputs = weave::gather(delays.map(|ms| async move {
///         weave::sleep(Duration::from_millis(ms)).await;
///         ms
///     }))
///     .await;
///     assert_eq!(outputs, vec![30, 10, 20]); // input order, not finish order
/// });
/// ```
pub fn gather<I>(futures: I) -> Gather<I::Item>
where
    I: IntoIterator,
    I::Item: Future,
{
    let children = Children::new(futures);
    let outputs = output_slots(children.len());
    Gather { children, outputs }
}

impl<F: Future> Unpin for Gather<F> {}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let outputs = &mut this.outputs;
        match this.children.poll(cx, |i, out| {
            outputs[i] = Some(out);
            true
        }) {
            Poll::Ready(_) => Poll::Ready(in_order(std::mem::take(&mut this.outputs))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The future of [`try_gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct TryGather<F: Future<Output = Result<T, E>>, T, E> {
    children: Children<F>,
    outputs: Vec<Option<T>>,
    error: Option<E>,
}

/// Like [`gather`] for fallible futures: all `Ok` gives the values in input
/// order; the first `Err` wins at once and the futures still running are
/// dropped (cancelled).
///
/// ```
/// weave::run(async {
///     let check = |x: i32| async move { if x > 0 { Ok(x) } else { Err(format!("{x} is not positive")) } };
///     assert_eq!(weave::try_gather([1, 2, 3].map(check)).await, Ok(vec![1, 2, 3]));
///     assert_eq!(weave::try_gather([1, -2, 3].map(check)).await, Err("-2 is not positive".to_owned()));
/// });
/// ```
pub fn try_gather<I, T, E>(futures: I) -> TryGather<I::Item, T, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>>,
{
    let children = Children::new(futures);
    let outputs = output_slots(children.len());
    TryGather {
        children,
        outputs,
        error: None,
    }
}

impl<F: Future<Output = Result<T, E>>, T, E> Unpin for TryGather<F, T, E> {}

impl<F: Future<Output = Result<T, E>>, T, E> Future for TryGather<F, T, E> {
    type Output = Result<Vec<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let (outputs, error) = (&mut this.outputs, &mut this.error);
        let finished = this.children.poll(cx, |i, out| match out {
            Ok(value) => {
                outputs[i] = Some(value);
                true
            }
            Err(e) => {
                *error = Some(e);
                false
            }
        });
        match finished {
            Poll::Pending => Poll::Pending,
            Poll::Ready(true) => Poll::Ready(Ok(in_order(std::mem::take(&mut this.outputs)))),
            Poll::Ready(false) => {
                // Cancel the rest now, not when the caller drops us.
                this.children = Children::new(std::iter::empty());
                Poll::Ready(Err(this.error.take().expect("stopped on an error")))
            }
        }
    }
}
