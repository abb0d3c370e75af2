//! The machinery under `gather` and `try_gather`: N child futures polled
//! inside one task, each with a waker of its own, so that after the first
//! round only the children that were woken are polled again (the cost of a
//! poll is O(wakes), not O(N)).
//!
//! Ground rules: a child has a *slot* (where it lives, reused once it
//! finished: a long-lived `TaskGroup` holds as many slots as it ever had
//! members at once, not one per member ever spawned) and a *sequence
//! number* (its place in the order children were added, never reused:
//! what `done` and `poll_next` report, and what outputs are ordered by).
//! A waker of a finished child may still fire; it then queues its slot,
//! and at worst the slot's next occupant is polled once for nothing.

use parking_lot::Mutex;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// What the children's wakers share with the parent, under one lock: a
/// wake costs one lock.
#[derive(Default)]
struct Woken {
    /// Indices of woken children, in wake order.
    ready: Vec<usize>,
    /// The waker of the task that polls the parent.
    parent: Option<Waker>,
}

/// The waker of child `index`.
struct ChildWaker {
    index: usize,
    /// True while the child sits in `ready` (a second wake adds nothing).
    queued: AtomicBool,
    shared: Arc<Mutex<Woken>>,
}

impl Wake for ChildWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let parent = {
            let mut woken = self.shared.lock();
            woken.ready.push(self.index);
            woken.parent.clone()
        };
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
        /// The child's sequence number.
        seq: usize,
    },
    /// Finished: free for the next child pushed.
    Done,
}

/// A fixed set of child futures.
pub(crate) struct Children<F: Future> {
    slots: Vec<Slot<F>>,
    shared: Arc<Mutex<Woken>>,
    /// The children to poll, in order: those the budget held back at the
    /// end of the last `poll` first (see [`Children::poll`]).
    batch: VecDeque<usize>,
    /// Outputs finished and not yet handed out by `poll_next`, with their
    /// sequence numbers.
    finished: VecDeque<(usize, F::Output)>,
    remaining: usize,
    /// Slots of children not polled yet (all of them at first, then those
    /// pushed).
    fresh: Vec<usize>,
    /// Slots whose child finished, for reuse.
    free: Vec<usize>,
    /// The sequence number of the next child.
    next_seq: usize,
}

impl<F: Future> Children<F> {
    pub(crate) fn new(futures: impl IntoIterator<Item = F>) -> Children<F> {
        let mut children = Children {
            slots: Vec::new(),
            shared: Arc::new(Mutex::new(Woken::default())),
            batch: VecDeque::new(),
            finished: VecDeque::new(),
            remaining: 0,
            fresh: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        };
        for future in futures {
            children.push(future);
        }
        children
    }

    /// Adds a child (in a finished child's slot if there is one); it is
    /// first polled on the next `poll`, after the children added before
    /// it. Returns its sequence number.
    pub(crate) fn push(&mut self, future: F) -> usize {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.slots.push(Slot::Done);
                self.slots.len() - 1
            }
        };
        let flag = Arc::new(ChildWaker {
            index,
            queued: AtomicBool::new(false),
            shared: self.shared.clone(),
        });
        let seq = self.next_seq;
        self.next_seq += 1;
        self.slots[index] = Slot::Pending {
            future: Box::pin(future),
            waker: Waker::from(flag.clone()),
            flag,
            seq,
        };
        self.remaining += 1;
        self.fresh.push(index);
        seq
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

    /// How many children were ever added.
    pub(crate) fn len(&self) -> usize {
        self.next_seq
    }

    /// Slots held (the most children alive at once), for tests.
    #[cfg(test)]
    pub(crate) fn slots(&self) -> usize {
        self.slots.len()
    }

    /// The children still running, with their sequence numbers, in the
    /// order they were added.
    pub(crate) fn into_pending(self) -> Vec<(usize, F)>
    where
        F: Unpin,
    {
        let mut pending: Vec<(usize, F)> = self
            .slots
            .into_iter()
            .filter_map(|slot| match slot {
                Slot::Pending { future, seq, .. } => Some((seq, *Pin::into_inner(future))),
                Slot::Done => None,
            })
            .collect();
        pending.sort_unstable_by_key(|&(seq, _)| seq);
        pending
    }

    /// Polls the children that need it: those the task's budget held back
    /// last time, those never polled yet (in the order they were added),
    /// then those woken since the last poll. Once the budget is spent (at
    /// least one child polled), the rest wait for the next poll, first in
    /// line, and the task is woken for it: a child that spends the whole
    /// budget on every poll does not starve its siblings. Each output goes
    /// to `done(seq, output)`; returning `false` from it stops at once.
    /// `Ready(true)` when every child finished, `Ready(false)` when `done`
    /// stopped early.
    pub(crate) fn poll(
        &mut self,
        cx: &mut Context<'_>,
        mut done: impl FnMut(usize, F::Output) -> bool,
    ) -> Poll<bool> {
        // Children the budget held back last time go first, then the new
        // ones, then those woken since.
        self.batch.extend(self.fresh.drain(..));
        {
            let mut woken = self.shared.lock();
            match &woken.parent {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => woken.parent = Some(cx.waker().clone()),
            }
            self.batch.extend(woken.ready.drain(..));
        }
        let mut polled = 0;
        while let Some(&index) = self.batch.front() {
            if polled > 0 && !weave_scheduler::coop::has_budget_remaining() {
                // The task's budget is spent: the children not polled yet
                // stay first in line (still queued, so a wake does not add
                // them twice), and the task comes back for them.
                cx.waker().wake_by_ref();
                break;
            }
            self.batch.pop_front();
            polled += 1;
            let Slot::Pending {
                future,
                flag,
                waker,
                seq,
            } = &mut self.slots[index]
            else {
                continue;
            };
            let seq = *seq;
            // Before the poll: a wake during it queues the child again.
            flag.queued.store(false, Ordering::Release);
            if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(waker)) {
                self.slots[index] = Slot::Done;
                self.free.push(index);
                self.remaining -= 1;
                if !done(seq, output) {
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

    /// The next child to finish, with its sequence number, in finish order; `None`
    /// once every child has been handed out. `arrived` sees each output as
    /// it comes in (before it waits its turn to be handed out).
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
        mut arrived: impl FnMut(&F::Output),
    ) -> Poll<Option<(usize, F::Output)>> {
        if let Some(next) = self.finished.pop_front() {
            return Poll::Ready(Some(next));
        }
        let mut finished = std::mem::take(&mut self.finished);
        let all_done = self.poll(cx, |index, output| {
            arrived(&output);
            finished.push_back((index, output));
            true
        });
        self.finished = finished;
        match self.finished.pop_front() {
            Some(next) => Poll::Ready(Some(next)),
            None if all_done.is_ready() => Poll::Ready(None),
            None => Poll::Pending,
        }
    }

    /// Children finished and not yet handed out by `poll_next`.
    pub(crate) fn finished_len(&self) -> usize {
        self.finished.len()
    }
}

/// One empty output slot per child, filled by index as children finish.
pub(crate) fn output_slots<T>(n: usize) -> Vec<Option<T>> {
    (0..n).map(|_| None).collect()
}

/// The outputs in child order, once every slot is filled.
pub(crate) fn in_order<T>(slots: Vec<Option<T>>) -> Vec<T> {
    slots
        .into_iter()
        .map(|o| o.expect("every child finished"))
        .collect()
}
