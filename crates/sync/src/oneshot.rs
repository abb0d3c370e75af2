//! `oneshot`: one value, sent once (asyncio's `Future`).

use crate::loom::{
    Arc, AtomicUsize,
    Ordering::{AcqRel, Acquire},
    UnsafeCell,
};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

// The state word. Each cell has one owner at a time, handed over by it:
// - `value` belongs to the sender until it sets `VALUE`, then to the
//   receiver (or back to the sender if `RX_GONE` was already set);
// - `waker` belongs to the receiver while `RX_WAKER` is clear; setting
//   `RX_WAKER` lends it to the sender, who takes it only in the same
//   `fetch_or` that sets `TX_DONE`. The receiver clears `RX_WAKER` before
//   touching the cell again, and leaves it alone if `TX_DONE` was set.
/// The value is in `value`.
const VALUE: usize = 1;
/// The sender sent or was dropped: it touches nothing any more.
const TX_DONE: usize = 2;
/// `waker` holds the receiver's waker, lent to the sender.
const RX_WAKER: usize = 4;
/// The receiver was dropped.
const RX_GONE: usize = 8;

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the cells are only accessed by the side that owns them under the
// hand-over rules of the state word above, so sharing `Inner` between the
// two threads of a sender and a receiver moves a `T` (hence `T: Send`) but
// never shares one.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for Inner<T> {}

/// A single-value channel (asyncio's `Future`): `set_result` from anywhere
/// with [`Sender::send`], `await` the [`Receiver`]. If the sender is dropped
/// without sending, the receiver gets a [`RecvError`] rather than hanging.
///
/// # Cancel safety
/// Dropping the receiver before a send makes the send fail and hand the
/// value back; after it, the value is dropped with the receiver, once.
/// Established by `tests/sync_exhaustive_queues.rs` over every order of
/// send, sender drop, poll and receiver drop.
///
/// ```
/// # weave_sync::__block_on(async {
/// let (tx, rx) = weave_sync::oneshot();
/// std::thread::spawn(move || tx.send(42).unwrap());
/// assert_eq!(rx.await.unwrap(), 42);
///
/// let (tx, rx) = weave_sync::oneshot::<u8>();
/// drop(tx);
/// assert!(rx.await.is_err());
/// # });
/// ```
pub fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        waker: UnsafeCell::new(None),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner },
    )
}

/// Sends the value (consumed by `send`).
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// Awaits the value.
pub struct Receiver<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Inner<T> {
    /// The sender is done (`extra` = `VALUE` if it sent); wakes the
    /// receiver if it lent its waker. Returns the previous state.
    fn finish_sender(&self, extra: usize) -> usize {
        let prev = self.state.fetch_or(TX_DONE | extra, AcqRel);
        if prev & RX_WAKER != 0 {
            // SAFETY: `RX_WAKER` was set when we set `TX_DONE`: the waker is
            // lent to us and the receiver will not touch it again.
            let waker = self.waker.with_mut(|w| unsafe { (*w).take() });
            if let Some(waker) = waker {
                waker.wake();
            }
        }
        prev
    }

    /// The receiver's view once `TX_DONE` is set.
    fn take_value(&self, state: usize) -> Result<T, RecvError> {
        if state & VALUE == 0 {
            return Err(RecvError(()));
        }
        // SAFETY: `VALUE` is set (observed with `Acquire`), so the value
        // cell belongs to the receiver, which calls this with `&mut self`.
        self.value
            .with_mut(|v| unsafe { (*v).take() })
            .ok_or(RecvError(()))
    }
}

impl<T> Sender<T> {
    /// Sends `value` and wakes the receiver.
    ///
    /// # Errors
    /// If the receiver is gone: the value comes back.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("a sender sends once");
        // SAFETY: `VALUE` is not set yet, so the value cell is the sender's.
        inner.value.with_mut(|v| unsafe { *v = Some(value) });
        let prev = inner.finish_sender(VALUE);
        if prev & RX_GONE != 0 {
            // SAFETY: the receiver was gone before the value was published:
            // it will never read the cell, which is ours again.
            let value = inner.value.with_mut(|v| unsafe { (*v).take() });
            return Err(value.expect("the value we just stored"));
        }
        Ok(())
    }

    /// True if the receiver is gone (sending would fail).
    pub fn is_closed(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(|i| i.state.load(Acquire) & RX_GONE != 0)
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            inner.finish_sender(0);
        }
    }
}

impl<T> Receiver<T> {
    /// The value, if it was sent.
    ///
    /// # Errors
    /// `Err(TryRecvError::Empty)` while the sender lives,
    /// `Err(TryRecvError::Closed)` once it is gone without a value (or the
    /// value was already taken).
    pub fn try_recv(&mut self) -> Result<T, crate::channel::TryRecvError> {
        let state = self.inner.state.load(Acquire);
        if state & TX_DONE == 0 {
            return Err(crate::channel::TryRecvError::Empty);
        }
        self.inner
            .take_value(state)
            .map_err(|_| crate::channel::TryRecvError::Closed)
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        crate::coop::poll_budgeted(cx, |cx| self.poll_recv(cx))
    }
}

impl<T> Receiver<T> {
    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let inner = &*self.inner;
        let state = inner.state.load(Acquire);
        if state & TX_DONE != 0 {
            return Poll::Ready(inner.take_value(state));
        }
        if state & RX_WAKER != 0 {
            // Take the waker back before touching it.
            let prev = inner.state.fetch_and(!RX_WAKER, AcqRel);
            if prev & TX_DONE != 0 {
                // The sender finished meanwhile (and took the waker).
                return Poll::Ready(inner.take_value(prev));
            }
        }
        // SAFETY: `RX_WAKER` is clear: the waker cell is the receiver's.
        inner.waker.with_mut(|w| unsafe {
            match &mut *w {
                Some(old) if old.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            }
        });
        let prev = inner.state.fetch_or(RX_WAKER, AcqRel);
        if prev & TX_DONE != 0 {
            // Finished before it could see our waker: nobody will wake us.
            return Poll::Ready(inner.take_value(prev));
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.inner.state.fetch_or(RX_GONE, AcqRel);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Receiver").finish_non_exhaustive()
    }
}

/// The sender was dropped without sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError(());

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the oneshot sender was dropped without sending a value")
    }
}

impl std::error::Error for RecvError {}
