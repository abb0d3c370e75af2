//! The machinery under `gather` and `try_gather`: N child futures polled
//! inside one task, each with a waker of its own, so that after the first
//! round only the children that were woken are polled again (the cost of a
//! poll is O(wakes), not O(N)).

use parking_lot::Mutex;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// What the children's wakers share with the parent.
#[derive(Default)]
struct Shared {
    /// Indices of woken children, in wake order.
    ready: Mutex<Vec<usize>>,
    /// The waker of the task that polls the parent.
    parent: Mutex<Option<Waker>>,
}

/// The waker of child `index`.
struct ChildWaker {
    index: usize,
    /// True while the child sits in `ready` (a second wake adds nothing).
    queued: AtomicBool,
    shared: Arc<Shared>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        self.shared.ready.lock().push(self.index);
        let parent = self.shared.parent.lock().clone();
        if let Some(parent) = parent {
            parent.wake();
        }
    }
}

enum Slot<F: Future> {
    Pending {
        future: Pin<Box<F>>,
        flag: Arc<ChildWaker>,
        waker: Waker,
    },
    Done,
}

/// A fixed set of child futures.
pub(crate) struct Children<F: Future> {
    slots: Vec<Slot<F>>,
    shared: Arc<Shared>,
    remaining: usize,
    /// Children not polled yet (all of them at first, then those pushed).
    fresh: Vec<usize>,
}

impl<F: Future> Children<F> {
    pub(crate) fn new(futures: impl IntoIterator<Item = F>) -> Children<F> {
        let mut children = Children {
            slots: Vec::new(),
            shared: Arc::new(Shared::default()),
            remaining: 0,
            fresh: Vec::new(),
        };
        for future in futures {
            children.push(future);
        }
        children
    }

    /// Adds a child; it is first polled on the next `poll`, after the
    /// children added before it.
    pub(crate) fn push(&mut self, future: F) -> usize {
        let index = self.slots.len();
        let flag = Arc::new(ChildWaker {
            index,
            queued: AtomicBool::new(false),
            shared: self.shared.clone(),
        });
        self.slots.push(Slot::Pending {
            future: Box::pin(future),
            waker: Waker::from(flag.clone()),
            flag,
        });
        self.remaining += 1;
        self.fresh.push(index);
        index
    }

    /// Children still running.
    pub(crate) fn remaining(&self) -> usize {
        self.remaining
    }

    /// Calls `f` on every child still running.
    pub(crate) fn for_each_pending(&mut self, mut f: impl FnMut(Pin<&mut F>)) {
        for slot in &mut self.slots {
            if let Slot::Pending { future, .. } = slot {
                f(future.as_mut());
            }
        }
    }

    /// How many children there are.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Polls the children that need it: those never polled yet (in the
    /// order they were added), then those woken since the last poll. Each output goes to
    /// `done(index, output)`; returning `false` from it stops at once.
    /// `Ready(true)` when every child finished, `Ready(false)` when `done`
    /// stopped early.
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        mut done: impl FnMut(usize, F::Output) -> bool,
    ) -> Poll<bool> {
        {
            let mut parent = self.shared.parent.lock();
            match &*parent {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *parent = Some(cx.waker().clone()),
            }
        }
        let mut batch = std::mem::take(&mut self.fresh);
        batch.append(&mut self.shared.ready.lock());
        for index in batch {
            let Slot::Pending {
                future,
                flag,
                waker,
            } = &mut self.slots[index]
            else {
                continue;
            };
            // Before the poll: a wake during it queues the child again.
            flag.queued.store(false, Ordering::Release);
            if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(waker)) {
                self.slots[index] = Slot::Done;
                self.remaining -= 1;
                if !done(index, output) {
                    return Poll::Ready(false);
                }
            }
        }
        if self.remaining == 0 {
            Poll::Ready(true)
        } else {
            Poll::Pending
        }
    }
}
