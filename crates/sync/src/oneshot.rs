//! `oneshot`: one value, sent once (asyncio's `Future`).

use crate::loom::{Arc, Mutex};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

struct State<T> {
    value: Option<T>,
    sender_gone: bool,
    receiver_gone: bool,
    waker: Option<Waker>,
}

/// A single-value channel (asyncio's `Future`): `set_result` from anywhere
/// with [`Sender::send`], `await` the [`Receiver`]. If the sender is dropped
/// without sending, the receiver gets a [`RecvError`] rather than hanging.
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
    let state = Arc::new(Mutex::new(State {
        value: None,
        sender_gone: false,
        receiver_gone: false,
        waker: None,
    }));
    (
        Sender {
            state: Some(state.clone()),
        },
        Receiver { state },
    )
}

/// Sends the value (consumed by `send`).
pub struct Sender<T> {
    state: Option<Arc<Mutex<State<T>>>>,
}

/// Awaits the value.
pub struct Receiver<T> {
    state: Arc<Mutex<State<T>>>,
}

impl<T> Sender<T> {
    /// Sends `value` and wakes the receiver.
    ///
    /// # Errors
    /// If the receiver is gone: the value comes back.
    pub fn send(mut self, value: T) -> Result<(), T> {
        let state = self.state.take().expect("a sender sends once");
        let waker = {
            let mut state = state.lock();
            if state.receiver_gone {
                return Err(value);
            }
            state.value = Some(value);
            state.sender_gone = true;
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// True if the receiver is gone (sending would fail).
    pub fn is_closed(&self) -> bool {
        self.state.as_ref().is_none_or(|s| s.lock().receiver_gone)
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            let waker = {
                let mut state = state.lock();
                state.sender_gone = true;
                state.waker.take()
            };
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl<T> Receiver<T> {
    /// The value, if it was sent.
    ///
    /// # Errors
    /// `Ok(None)`-like states are reported as: `Err(TryRecvError::Empty)`
    /// while the sender lives, `Err(TryRecvError::Closed)` once it is gone.
    pub fn try_recv(&mut self) -> Result<T, crate::channel::TryRecvError> {
        let mut state = self.state.lock();
        match state.value.take() {
            Some(v) => Ok(v),
            None if state.sender_gone => Err(crate::channel::TryRecvError::Closed),
            None => Err(crate::channel::TryRecvError::Empty),
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.state.lock();
        if let Some(value) = state.value.take() {
            return Poll::Ready(Ok(value));
        }
        if state.sender_gone {
            return Poll::Ready(Err(RecvError(())));
        }
        match &mut state.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.state.lock();
        state.receiver_gone = true;
        state.waker = None;
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
