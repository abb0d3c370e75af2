//! `race`: the first of two futures to finish; the other is dropped
//! (cancelled) at once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One of two outcomes: which future of a [`race`] finished first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Either<L, R> {
    /// The first future finished first.
    Left(L),
    /// The second future finished first.
    Right(R),
}

pin_project_lite::pin_project! {
    /// The future of [`race`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Race<A, B> {
        #[pin]
        a: A,
        #[pin]
        b: B,
        a_first: bool,
    }
}

/// Runs `a` and `b` concurrently (in this task) and returns the output of
/// whichever finishes first; the other is dropped when `race` returns, which
/// cancels it. Each poll tries the futures in turn, starting with the one
/// that went second last time, so neither can starve the other.
///
/// ```
/// use std::time::Duration;
/// use weave::{race, Either};
///
/// weave::run(async {
///     let quick = async { "quick" };
///     let slow = weave::sleep(Duration::from_secs(60));
///     assert_eq!(race(quick, slow).await, Either::Left("quick"));
/// });
/// ```
pub fn race<A: Future, B: Future>(a: A, b: B) -> Race<A, B> {
    Race {
        a,
        b,
        a_first: true,
    }
}

impl<A: Future, B: Future> Future for Race<A, B> {
    type Output = Either<A::Output, B::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let a_first = *this.a_first;
        *this.a_first = !a_first;
        if a_first {
            if let Poll::Ready(out) = this.a.poll(cx) {
                return Poll::Ready(Either::Left(out));
            }
            this.b.poll(cx).map(Either::Right)
        } else {
            if let Poll::Ready(out) = this.b.poll(cx) {
                return Poll::Ready(Either::Right(out));
            }
            this.a.poll(cx).map(Either::Left)
        }
    }
}
