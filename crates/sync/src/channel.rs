//! `channel`: a multi-producer, multi-consumer channel over a [`Queue`].

use crate::loom::{Arc, Mutex};
use crate::queue::{GetError, PutError, Queue};
use crate::wait_list::WaitKey;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::AcqRel, Ordering::Relaxed};
use std::task::{Context, Poll};

struct Ends {
    senders: AtomicUsize,
    receivers: AtomicUsize,
}

/// A channel holding at most `capacity` messages (0: no limit). Both ends
/// are `Clone`; when every `Sender` is gone, receivers get what is left and
/// then an error; when every `Receiver` is gone, sends fail and hand their
/// message back.
///
/// # Cancel safety
/// As [`Queue`]'s (a channel is a queue whose ends close it).
/// `tests/sync_exhaustive_queues.rs` explores, to depth eight, two
/// receiving and one sending task, `try_send`, `try_recv` and the drop of
/// either outside end: a receive fails only once the senders are gone and
/// nothing is left for it, a send only once the receivers are gone, and
/// every message is received, still queued, or dropped once.
///
/// ```
/// # weave_sync::__block_on(async {
/// let (tx, rx) = weave_sync::channel(16);
/// tx.send("hello").await.unwrap();
/// drop(tx);
/// assert_eq!(rx.recv().await.unwrap(), "hello");
/// assert!(rx.recv().await.is_err(), "every sender is gone");
/// # });
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let queue = Queue::new(capacity);
    let ends = Arc::new(Ends {
        senders: AtomicUsize::new(1),
        receivers: AtomicUsize::new(1),
    });
    (
        Sender {
            queue: queue.clone(),
            ends: ends.clone(),
        },
        Receiver {
            queue,
            ends,
            next: Mutex::new(None),
            stream_waiting: AtomicBool::new(false),
            done: false,
        },
    )
}

/// The sending end of a [`channel`].
pub struct Sender<T> {
    queue: Queue<T>,
    ends: Arc<Ends>,
}

/// The receiving end of a [`channel`]; also a `futures_core::Stream` of
/// the messages, which ends once every sender is gone and the channel is
/// empty.
///
/// ```
/// # weave_sync::__block_on(async {
/// use futures_core::Stream;
/// use std::pin::Pin;
///
/// let (tx, mut rx) = weave_sync::channel(4);
/// tx.send(1).await.unwrap();
/// tx.send(2).await.unwrap();
/// drop(tx);
/// let mut got = Vec::new();
/// while let Some(n) = std::future::poll_fn(|cx| Pin::new(&mut rx).poll_next(cx)).await {
///     got.push(n);
/// }
/// assert_eq!(got, [1, 2]);
/// # });
/// ```
pub struct Receiver<T> {
    queue: Queue<T>,
    ends: Arc<Ends>,
    /// The place in line of a receive through [`poll_recv`](Self::poll_recv)
    /// (the stream), kept between its polls. `recv` and `try_recv` settle
    /// it first (see [`settle_stream`](Self::settle_stream)).
    next: Mutex<Option<WaitKey>>,
    /// `next` may hold a key: `recv` and `try_recv` skip its lock when not.
    /// Written by `poll_recv` (through `&mut self`, so never while another
    /// receive on this receiver runs) and cleared by `settle_stream`.
    stream_waiting: AtomicBool,
    /// The stream has ended (for `FusedStream`).
    done: bool,
}

impl<T> Sender<T> {
    /// Sends `message`, waiting for room.
    ///
    /// # Errors
    /// If every receiver is gone: the message comes back.
    ///
    /// # Cancel safety
    /// As `Queue::put`: a dropped send loses nothing the channel accepted.
    pub async fn send(&self, message: T) -> Result<(), SendError<T>> {
        self.queue
            .put(message)
            .await
            .map_err(|e| SendError(e.into_inner()))
    }

    /// Sends `message` now.
    ///
    /// # Errors
    /// `Full(message)` at capacity, `Closed(message)` with no receiver.
    pub fn try_send(&self, message: T) -> Result<(), TrySendError<T>> {
        self.queue.put_nowait(message).map_err(|e| match e {
            PutError::Full(m) => TrySendError::Full(m),
            PutError::ShutDown(m) => TrySendError::Closed(m),
        })
    }

    /// True if every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.queue.is_shut_down()
    }
}

impl<T> Receiver<T> {
    /// Receives the next message, waiting for one.
    ///
    /// # Errors
    /// Once every sender is gone and the channel is empty.
    ///
    /// # Cancel safety
    /// As `Queue::get`: a dropped receive loses no message.
    pub async fn recv(&self) -> Result<T, RecvError> {
        if let Some(held) = self.settle_stream() {
            return held.map_err(|_| RecvError(()));
        }
        self.queue.get().await.map_err(|_| RecvError(()))
    }

    /// A stream receive left pending (its `next()` dropped by a `select!`
    /// or a timeout) ends before another receive on this receiver: the
    /// message already held for it is that receive's (`Some`); otherwise
    /// it leaves the line (`None`).
    fn settle_stream(&self) -> Option<Result<T, crate::queue::QueueShutDown<()>>> {
        if !self.stream_waiting.load(Relaxed) {
            return None;
        }
        self.stream_waiting.store(false, Relaxed);
        self.queue.settle_get(&mut self.next.lock())
    }

    /// Receives a message now.
    ///
    /// # Errors
    /// `Empty` when none is ready, `Closed` when every sender is gone and
    /// the channel is empty.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        if let Some(held) = self.settle_stream() {
            return held.map_err(|_| TryRecvError::Closed);
        }
        self.queue.get_nowait().map_err(|e| match e {
            GetError::Empty => TryRecvError::Empty,
            GetError::ShutDown => TryRecvError::Closed,
        })
    }

    /// The `poll` form of [`recv`](Self::recv) (what the `Stream` impl
    /// uses): the receiver keeps its place in line between polls, and a
    /// receiver dropped while waiting loses no message. Spends one unit of
    /// the task's budget per message (see [`coop`](crate::coop)).
    ///
    /// A receive left pending keeps that place, as a `recv()` future kept
    /// but not polled does: the next message in line for it waits until
    /// this receiver is polled again, receives through `recv` /
    /// `try_recv`, or is dropped. (So a clone left pending in its stream
    /// for good holds one message back from the other receivers: drop it.)
    ///
    /// # Errors
    /// Once every sender is gone and the channel is empty.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let this = self;
        crate::coop::poll_budgeted(cx, |cx| {
            let mut key = this.next.lock();
            let polled = this.queue.poll_get_keyed(&mut key, cx);
            this.stream_waiting.store(key.is_some(), Relaxed);
            polled.map_err(|_| RecvError(()))
        })
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.queue.qsize()
    }

    /// True if no message waits.
    pub fn is_empty(&self) -> bool {
        self.queue.empty()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.ends.senders.fetch_add(1, AcqRel);
        Sender {
            queue: self.queue.clone(),
            ends: self.ends.clone(),
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.ends.receivers.fetch_add(1, AcqRel);
        Receiver {
            queue: self.queue.clone(),
            ends: self.ends.clone(),
            next: Mutex::new(None),
            stream_waiting: AtomicBool::new(false),
            done: false,
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.ends.senders.fetch_sub(1, AcqRel) == 1 {
            // Receivers drain what is left, then see the end.
            self.queue.shutdown(false);
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // A stream receive in progress leaves the line (or passes on the
        // message it was woken for) before the last receiver closes.
        self.queue.cancel_get(&mut self.next.lock());
        if self.ends.receivers.fetch_sub(1, AcqRel) == 1 {
            // Nobody will read: drop the messages, fail the senders.
            self.queue.shutdown(true);
        }
    }
}

impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        match std::task::ready!(this.poll_recv(cx)) {
            Ok(message) => Poll::Ready(Some(message)),
            Err(RecvError(())) => {
                this.done = true;
                Poll::Ready(None)
            }
        }
    }
}

impl<T> futures_core::FusedStream for Receiver<T> {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("len", &self.len())
            .finish()
    }
}

/// `send` failed: every receiver is gone. The message comes back.
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The message that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// `try_send` failed; the message comes back.
pub enum TrySendError<T> {
    /// The channel is at capacity.
    Full(T),
    /// Every receiver is gone.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(m) | TrySendError::Closed(m) => m,
        }
    }
}

/// `recv` failed: every sender is gone and the channel is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError(pub(crate) ());

/// `try_recv` found nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// No message is ready.
    Empty,
    /// Every sender is gone and the channel is empty.
    Closed,
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}
impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a channel whose receivers are all gone")
    }
}
impl<T> std::error::Error for SendError<T> {}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("TrySendError::Full(..)"),
            TrySendError::Closed(_) => f.write_str("TrySendError::Closed(..)"),
        }
    }
}
impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => {
                f.write_str("the channel is full (use send().await to wait for room)")
            }
            TrySendError::Closed(_) => {
                f.write_str("sending on a channel whose receivers are all gone")
            }
        }
    }
}
impl<T> std::error::Error for TrySendError<T> {}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on a channel whose senders are all gone, and it is empty")
    }
}
impl std::error::Error for RecvError {}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("the channel is empty (use recv().await to wait)"),
            TryRecvError::Closed => f.write_str("the channel is closed and empty"),
        }
    }
}
impl std::error::Error for TryRecvError {}
