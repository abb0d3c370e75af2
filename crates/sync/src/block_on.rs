//! Blocking the current thread on a future: the `blocking_*` methods (code
//! on `spawn_blocking` threads or plain threads), the doc examples of every
//! weave crate, and the scheduler's `block_on` all use this one loop.
//!
//! The thread sleeps on a parker of its own, not on `std::thread::park`:
//! a future that itself parks the thread (a blocking channel receive
//! inside a poll) could otherwise consume the wake-up meant for the loop,
//! which would then sleep forever.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Wake, Waker};

const EMPTY: u8 = 0;
const PARKED: u8 = 1;
const NOTIFIED: u8 = 2;

/// A wake-up flag the blocked thread sleeps on. A wake of a thread that is
/// not asleep (the common case: the future is being polled) costs one
/// atomic swap; only a sleeping thread is woken through the lock and the
/// condition variable.
#[derive(Default)]
struct Parker {
    state: AtomicU8,
    lock: Mutex<()>,
    condvar: Condvar,
}

impl Parker {
    fn park(&self) {
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        let mut guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if self
            .state
            .compare_exchange(EMPTY, PARKED, SeqCst, SeqCst)
            .is_err()
        {
            // Notified between the first check and the lock.
            self.state.store(EMPTY, SeqCst);
            return;
        }
        loop {
            guard = self.condvar.wait(guard).unwrap_or_else(|e| e.into_inner());
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                .is_ok()
            {
                return;
            }
        }
    }
}

impl Wake for Parker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if self.state.swap(NOTIFIED, SeqCst) == PARKED {
            // Take the lock so the notification cannot fall between the
            // sleeper's state change and its wait.
            drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
            self.condvar.notify_one();
        }
    }
}

/// Polls `future` to completion on this thread, sleeping between polls;
/// `around_poll` is called before each poll and what it returns is dropped
/// after it (the scheduler marks the thread as running a task that way).
///
/// Do not call it on an async runtime's worker thread: it would block the
/// worker (use `.await` there).
pub(crate) fn block_on_with<F: Future, G>(
    future: F,
    mut around_poll: impl FnMut() -> G,
) -> F::Output {
    let parker = Arc::new(Parker::default());
    let waker = Waker::from(parker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        let polled = {
            let _around = around_poll();
            future.as_mut().poll(&mut cx)
        };
        if let Poll::Ready(out) = polled {
            return out;
        }
        parker.park();
    }
}

/// Polls `future` to completion on this thread, sleeping between polls.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    block_on_with(future, || ())
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
