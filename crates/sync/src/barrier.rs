//! `Barrier`: `n` tasks wait until all have arrived.

use crate::loom::{Arc, Mutex};
use crate::notify::{notify, poll_notified, Waiters};
use crate::wait_list::WaitKey;
use crate::wake_list::WakeList;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

struct State {
    parties: usize,
    arrived: usize,
    waiters: Waiters,
}

/// Makes `n` tasks wait until all `n` have called [`wait`](Barrier::wait);
/// then all are released, one of them as the leader, and the barrier is
/// ready for the next round. A cheap `Clone` handle.
///
/// `Barrier::new(0)` behaves as `Barrier::new(1)`: every `wait` returns at
/// once, as the leader.
///
/// # Cancel safety
/// Dropping a pending `wait()` future withdraws that arrival: the barrier
/// then needs another party to trip. Dropped after the barrier tripped, it
/// takes nothing from the others. Established by
/// `tests/sync_exhaustive_notify.rs`: every order of arrival and cancel of
/// three parties on a barrier of two, to the end of every sequence — one
/// leader per trip, released parties all return, the count never drifts.
///
/// ```
/// use weave_sync::Barrier;
/// # weave_sync::__block_on(async {
/// let barrier = Barrier::new(1);
/// assert!(barrier.wait().await.is_leader());
/// # });
/// ```
#[derive(Clone)]
pub struct Barrier {
    state: Arc<Mutex<State>>,
}

/// What [`Barrier::wait`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    leader: bool,
}

impl BarrierWaitResult {
    /// True for exactly one task per round: the last to arrive.
    pub fn is_leader(&self) -> bool {
        self.leader
    }
}

impl Barrier {
    /// A barrier for `parties` tasks (0 behaves as 1).
    pub fn new(parties: usize) -> Barrier {
        Barrier {
            state: Arc::new(Mutex::new(State {
                parties: parties.max(1),
                arrived: 0,
                waiters: Waiters::new(),
            })),
        }
    }

    /// Waits until every party has arrived.
    pub fn wait(&self) -> BarrierWait {
        BarrierWait {
            barrier: self.clone(),
            key: None,
            done: false,
        }
    }

    /// Parties currently waiting.
    pub fn n_waiting(&self) -> usize {
        self.state.lock().arrived
    }
}

/// The future of [`Barrier::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait {
    barrier: Barrier,
    key: Option<WaitKey>,
    done: bool,
}

impl Future for BarrierWait {
    type Output = BarrierWaitResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let this = &mut *self;
        assert!(!this.done, "BarrierWait polled after it completed");
        crate::coop::poll_budgeted(cx, |cx| this.poll_wait(cx))
    }
}

impl BarrierWait {
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let this = self;
        let mut wake = WakeList::new();
        let result = {
            let mut state = this.barrier.state.lock();
            if this.key.is_none() {
                state.arrived += 1;
                if state.arrived == state.parties {
                    state.arrived = 0;
                    notify(&mut state.waiters, usize::MAX, &mut wake);
                    this.done = true;
                    Poll::Ready(BarrierWaitResult { leader: true })
                } else {
                    poll_notified(&mut state.waiters, &mut this.key, cx).map(|()| unreachable!())
                }
            } else {
                let ready = poll_notified(&mut state.waiters, &mut this.key, cx);
                if ready.is_ready() {
                    this.done = true;
                }
                ready.map(|()| BarrierWaitResult { leader: false })
            }
        };
        wake.wake_all();
        result
    }
}

impl Drop for BarrierWait {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut state = self.barrier.state.lock();
            if state.waiters.remove(key).is_some() {
                // Not tripped yet: withdraw the arrival.
                state.arrived -= 1;
            }
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Barrier")
            .field("parties", &state.parties)
            .field("arrived", &state.arrived)
            .finish()
    }
}
