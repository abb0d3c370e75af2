//! The semaphore at the core of `Semaphore`, `BoundedSemaphore`, `Lock` and
//! `RwLock`: permits, and a FIFO list of waiters that may each need
//! several permits (a `RwLock` writer needs all of them).
//!
//! Ground rules (everything under `state`'s mutex):
//! - **FIFO, no barging**: while anyone waits, `permits` is 0. Released
//!   permits go to the first waiter until it has all it needs (then it
//!   leaves the list, granted) or the permits run out. A newcomer queues
//!   behind the waiters even if its request would fit.
//! - **Grant by removal**: a waiter whose key is gone from the list was
//!   granted; its future sees that on its next poll.
//! - **Cancel safety**: a dropped acquire future gives back what it was
//!   handed: the permits assigned to it so far, or all of them if it was
//!   granted but never saw it. They go to the next waiters.
//! - `held` counts permits owned by live guards (`Permit`, lock guards);
//!   `BoundedSemaphore` uses it to refuse a release beyond its bound.
//!
//! # Memory ordering
//! The mutex orders everything: a guard's release happens-before the
//! grant it causes, and the granted task's poll.

use crate::loom::Mutex;
use crate::wait_list::{WaitKey, WaitList};
use crate::wake_list::WakeList;
use std::task::{Context, Poll, Waker};

/// The most permits a semaphore can hold.
pub const MAX_PERMITS: usize = usize::MAX >> 3;

struct Waiter {
    /// Permits asked for.
    needed: usize,
    /// Permits still missing.
    remaining: usize,
    waker: Option<Waker>,
}

struct State {
    permits: usize,
    held: usize,
    waiters: WaitList<Waiter>,
}

pub(crate) struct BatchSemaphore {
    state: Mutex<State>,
}

impl BatchSemaphore {
    /// # Panics
    /// If `permits` exceeds [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn new(permits: usize) -> BatchSemaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore holds at most MAX_PERMITS = {MAX_PERMITS} permits; {permits} were asked for"
        );
        BatchSemaphore {
            state: Mutex::new(State {
                permits,
                held: 0,
                waiters: WaitList::new(),
            }),
        }
    }

    /// Takes `n` permits now, if nobody waits and they are free. Zero
    /// permits are always there: nobody is passed by taking nothing.
    pub(crate) fn try_acquire(&self, n: usize) -> bool {
        if n == 0 {
            return true;
        }
        let mut state = self.state.lock();
        if state.waiters.is_empty() && state.permits >= n {
            state.permits -= n;
            state.held += n;
            true
        } else {
            false
        }
    }

    /// Polls an acquisition of `n` permits; `key` is the future's place in
    /// line (`None` before the first poll and after it completed). On
    /// `Ready`, the caller owns `n` permits (counted in `held`). A request
    /// for zero permits needs nothing and never queues, not even behind
    /// other waiters.
    pub(crate) fn poll_acquire(
        &self,
        n: usize,
        key: &mut Option<WaitKey>,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        if n == 0 && key.is_none() {
            return Poll::Ready(());
        }
        let mut state = self.state.lock();
        match *key {
            None => {
                if state.waiters.is_empty() && state.permits >= n {
                    state.permits -= n;
                    state.held += n;
                    return Poll::Ready(());
                }
                // Whatever is free now is ours (it is 0 when others wait).
                let take = state.permits.min(n);
                state.permits -= take;
                *key = Some(state.waiters.push_back(Waiter {
                    needed: n,
                    remaining: n - take,
                    waker: Some(cx.waker().clone()),
                }));
                Poll::Pending
            }
            Some(k) => match state.waiters.get_mut(k) {
                Some(waiter) => {
                    match &mut waiter.waker {
                        Some(w) if w.will_wake(cx.waker()) => {}
                        slot => *slot = Some(cx.waker().clone()),
                    }
                    Poll::Pending
                }
                None => {
                    *key = None;
                    Poll::Ready(())
                }
            },
        }
    }

    /// A pending acquisition of `n` permits is dropped: give back what it
    /// was handed.
    pub(crate) fn cancel_acquire(&self, n: usize, key: WaitKey) {
        let mut wake = WakeList::new();
        {
            let mut state = self.state.lock();
            let handed = match state.waiters.remove(key) {
                Some(waiter) => waiter.needed - waiter.remaining,
                // Granted but never observed: the permits are counted as held.
                None => {
                    state.held -= n;
                    n
                }
            };
            if handed > 0 {
                Self::add_locked(&mut state, handed, &mut wake);
            }
        }
        wake.wake_all();
    }

    /// Returns `n` held permits (a guard dropped).
    pub(crate) fn release_held(&self, n: usize) {
        let mut wake = WakeList::new();
        {
            let mut state = self.state.lock();
            state.held -= n;
            Self::add_locked(&mut state, n, &mut wake);
        }
        wake.wake_all();
    }

    /// Forgets `n` held permits: they leave the semaphore for good.
    pub(crate) fn forget_held(&self, n: usize) {
        self.state.lock().held -= n;
    }

    /// Adds `n` new permits.
    #[track_caller]
    pub(crate) fn add_permits(&self, n: usize) {
        let mut wake = WakeList::new();
        {
            let mut state = self.state.lock();
            Self::add_locked(&mut state, n, &mut wake);
        }
        wake.wake_all();
    }

    /// Adds one permit unless the permits free or held would then exceed
    /// `bound`; false if they would.
    pub(crate) fn add_one_bounded(&self, bound: usize) -> bool {
        let mut wake = WakeList::new();
        {
            let mut state = self.state.lock();
            if state.permits + state.held >= bound {
                return false;
            }
            Self::add_locked(&mut state, 1, &mut wake);
        }
        wake.wake_all();
        true
    }

    /// Permits free right now.
    pub(crate) fn available(&self) -> usize {
        self.state.lock().permits
    }

    /// Acquisitions waiting.
    pub(crate) fn waiters(&self) -> usize {
        self.state.lock().waiters.len()
    }

    #[track_caller]
    fn add_locked(state: &mut State, n: usize, wake: &mut WakeList) {
        let total = state
            .permits
            .checked_add(n)
            .filter(|&t| t + state.held <= MAX_PERMITS);
        let Some(mut permits) = total else {
            panic!("adding {n} permits would exceed MAX_PERMITS = {MAX_PERMITS}");
        };
        while permits > 0 {
            let Some((_, waiter)) = state.waiters.front_mut() else {
                break;
            };
            let give = waiter.remaining.min(permits);
            waiter.remaining -= give;
            permits -= give;
            if waiter.remaining > 0 {
                break;
            }
            let waiter = state.waiters.pop_front().expect("the front waiter exists");
            state.held += waiter.needed;
            wake.push(waiter.waker);
        }
        state.permits = permits;
    }
}

/// Owns a place in a semaphore's line: cancels it if dropped while
/// waiting. Primitives embed it in their acquire futures.
pub(crate) struct AcquireSlot {
    pub(crate) n: usize,
    pub(crate) key: Option<WaitKey>,
}

impl AcquireSlot {
    pub(crate) fn new(n: usize) -> AcquireSlot {
        AcquireSlot { n, key: None }
    }

    pub(crate) fn poll(&mut self, sem: &BatchSemaphore, cx: &mut Context<'_>) -> Poll<()> {
        sem.poll_acquire(self.n, &mut self.key, cx)
    }

    /// Call from the owning future's `Drop`.
    pub(crate) fn cancel(&mut self, sem: &BatchSemaphore) {
        if let Some(key) = self.key.take() {
            sem.cancel_acquire(self.n, key);
        }
    }
}

/// Something that owns a semaphore (the shared state of a primitive).
pub(crate) trait HasSemaphore {
    fn semaphore(&self) -> &BatchSemaphore;
}

/// Acquires `n` permits of `holder`'s semaphore and yields the holder
/// back, for the caller to wrap in its guard. Cancel-safe (see the module
/// docs).
pub(crate) struct Acquire<H: HasSemaphore> {
    holder: Option<H>,
    slot: AcquireSlot,
}

impl<H: HasSemaphore> Acquire<H> {
    pub(crate) fn new(holder: H, n: usize) -> Acquire<H> {
        Acquire {
            holder: Some(holder),
            slot: AcquireSlot::new(n),
        }
    }
}

impl<H: HasSemaphore + Unpin> std::future::Future for Acquire<H> {
    type Output = H;

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<H> {
        let this = &mut *self;
        crate::coop::poll_budgeted(cx, |cx| {
            let holder = this
                .holder
                .as_ref()
                .expect("Acquire polled after it completed");
            std::task::ready!(this.slot.poll(holder.semaphore(), cx));
            Poll::Ready(this.holder.take().expect("checked above"))
        })
    }
}

impl<H: HasSemaphore> Drop for Acquire<H> {
    fn drop(&mut self) {
        if let Some(holder) = &self.holder {
            self.slot.cancel(holder.semaphore());
        }
    }
}
