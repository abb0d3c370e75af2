//! Poll-level test helpers: a task stand-in that records wake-ups, so a
//! test drives every step itself (no sleeps, no timing).
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

#[derive(Default)]
struct Counter(AtomicUsize);

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A pinned future with its own waker.
pub struct Spawned<F: Future> {
    future: Pin<Box<F>>,
    counter: Arc<Counter>,
    waker: Waker,
}

pub fn spawn<F: Future>(future: F) -> Spawned<F> {
    let counter = Arc::new(Counter::default());
    Spawned {
        future: Box::pin(future),
        waker: Waker::from(counter.clone()),
        counter,
    }
}

impl<F: Future> Spawned<F> {
    pub fn poll(&mut self) -> Poll<F::Output> {
        self.future
            .as_mut()
            .poll(&mut Context::from_waker(&self.waker))
    }

    /// True if woken since the last call (resets).
    pub fn is_woken(&self) -> bool {
        self.counter.0.swap(0, SeqCst) > 0
    }

    #[track_caller]
    pub fn ready(&mut self) -> F::Output {
        match self.poll() {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("expected Ready, got Pending"),
        }
    }

    #[track_caller]
    pub fn pending(&mut self) {
        assert!(self.poll().is_pending(), "expected Pending, got Ready");
    }
}

/// Runs a future to completion on this thread (it must not block forever).
pub fn block_on<F: Future>(future: F) -> F::Output {
    weave_sync::__block_on(future)
}
pub mod explore;
