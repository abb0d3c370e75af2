//! Blocking the current thread on a future: the `blocking_*` methods (code
//! on `spawn_blocking` threads or plain threads) and the doc examples of
//! every weave crate use this loop. (The scheduler's `block_on`, which
//! also runs local tasks between polls, has its own on the same parker.)
//!
//! The thread sleeps on a [`ThreadPark`] of its own, not on
//! `std::thread::park`:
//! a future that itself parks the thread (a blocking channel receive
//! inside a poll) could otherwise consume the wake-up meant for the loop,
//! which would then sleep forever.

use crate::thread_park::ThreadPark;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Polls `future` to completion on this thread, sleeping between polls.
///
/// Do not call it on an async runtime's worker thread: it would block the
/// worker (use `.await` there).
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let parker = Arc::new(ThreadPark::new());
    let waker = Waker::from(parker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    // The caller's budget is not the future's: a `blocking_lock` called by
    // a task that spent its budget would otherwise be held back forever,
    // each poll waking the loop for another that is held back too.
    let _unbudgeted = crate::coop::disable_budget();
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        parker.park(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_future_that_parks_the_thread_does_not_eat_the_wake_up() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let mut first = true;
        let out = block_on(std::future::poll_fn(move |cx| {
            if first {
                first = false;
                let waker = cx.waker().clone();
                let tx = tx.clone();
                std::thread::spawn(move || {
                    waker.wake();
                    tx.send(()).unwrap();
                });
                // Parks this thread (std's park) until the message comes:
                // the wake above may land while it does.
                rx.recv().unwrap();
                Poll::Pending
            } else {
                Poll::Ready(7)
            }
        }));
        assert_eq!(out, 7);
    }
}
