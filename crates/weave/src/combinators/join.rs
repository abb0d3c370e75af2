//! The futures behind `gather!`: a fixed tuple of differently-typed
//! futures, polled concurrently inside one task, finishing with the tuple
//! of their outputs.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One member of a join: still running, or finished with its output.
#[doc(hidden)]
pub enum MaybeDone<F: Future> {
    /// Running (boxed, so it stays pinned while the join moves).
    Running(Pin<Box<F>>),
    /// Finished; the output waits for the others.
    Done(Option<F::Output>),
}

impl<F: Future> MaybeDone<F> {
    #[doc(hidden)]
    pub fn new(future: F) -> Self {
        MaybeDone::Running(Box::pin(future))
    }

    fn take(&mut self) -> F::Output {
        match self {
            MaybeDone::Done(out) => out.take().expect("output taken once"),
            MaybeDone::Running(_) => unreachable!("taken before it finished"),
        }
    }
}

/// One member of a join, whatever its future's type (so the join can poll
/// its members in a rotating order).
trait PollDone {
    /// Polls if running; true once finished.
    fn poll_done(&mut self, cx: &mut Context<'_>) -> bool;
}

impl<F: Future> PollDone for MaybeDone<F> {
    fn poll_done(&mut self, cx: &mut Context<'_>) -> bool {
        if let MaybeDone::Running(future) = self {
            match future.as_mut().poll(cx) {
                Poll::Ready(out) => *self = MaybeDone::Done(Some(out)),
                Poll::Pending => return false,
            }
        }
        true
    }
}

macro_rules! join_type {
    ($name:ident; $($f:ident $field:ident),+) => {
        /// The future of `gather!` for this many futures.
        #[doc(hidden)]
        #[must_use = "futures do nothing unless awaited"]
        pub struct $name<$($f: Future),+> {
            $($field: MaybeDone<$f>,)+
            /// The member polled first next time: it moves on by one each
            /// poll, so a member that spends the task's whole budget does
            /// not leave the others none, poll after poll.
            first: usize,
        }

        impl<$($f: Future),+> $name<$($f),+> {
            #[doc(hidden)]
            #[allow(clippy::too_many_arguments)]
            pub fn new($($field: $f),+) -> Self {
                $name { $($field: MaybeDone::new($field),)+ first: 0 }
            }
        }

        impl<$($f: Future),+> Unpin for $name<$($f),+> {}

        impl<$($f: Future),+> Future for $name<$($f),+> {
            type Output = ($($f::Output,)+);

            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let this = &mut *self;
                let members: [&mut dyn PollDone; [$(stringify!($field)),+].len()] =
                    [$(&mut this.$field),+];
                let (n, first) = (members.len(), this.first);
                this.first = (first + 1) % n;
                // From `first` round to the one before it.
                let mut all = true;
                for k in 0..n {
                    all &= members[(first + k) % n].poll_done(cx);
                }
                if all {
                    Poll::Ready(($(this.$field.take(),)+))
                } else {
                    Poll::Pending
                }
            }
        }
    };
}

join_type!(Join1; A a);
join_type!(Join2; A a, B b);
join_type!(Join3; A a, B b, C c);
join_type!(Join4; A a, B b, C c, D d);
join_type!(Join5; A a, B b, C c, D d, E e);
join_type!(Join6; A a, B b, C c, D d, E e, F f);
join_type!(Join7; A a, B b, C c, D d, E e, F f, G g);
join_type!(Join8; A a, B b, C c, D d, E e, F f, G g, H h);

/// Runs up to eight futures of different types concurrently (inside the
/// calling task) and finishes with the tuple of their outputs, in argument
/// order (asyncio's `gather(a, b, c)`). For many futures of one type, use
/// [`gather`](fn@crate::gather).
///
/// ```
/// weave::run(async {
///     let (n, s, unit) = weave::gather!(async { 1 }, async { "two" }, weave::yield_now()).await;
///     assert_eq!((n, s, unit), (1, "two", ()));
/// });
/// ```
#[macro_export]
macro_rules! gather {
    ($a:expr $(,)?) => {
        $crate::__join::Join1::new($a)
    };
    ($a:expr, $b:expr $(,)?) => {
        $crate::__join::Join2::new($a, $b)
    };
    ($a:expr, $b:expr, $c:expr $(,)?) => {
        $crate::__join::Join3::new($a, $b, $c)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr $(,)?) => {
        $crate::__join::Join4::new($a, $b, $c, $d)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr $(,)?) => {
        $crate::__join::Join5::new($a, $b, $c, $d, $e)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr $(,)?) => {
        $crate::__join::Join6::new($a, $b, $c, $d, $e, $f)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr, $g:expr $(,)?) => {
        $crate::__join::Join7::new($a, $b, $c, $d, $e, $f, $g)
    };
    ($a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr, $g:expr, $h:expr $(,)?) => {
        $crate::__join::Join8::new($a, $b, $c, $d, $e, $f, $g, $h)
    };
}
