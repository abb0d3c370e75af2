//! Queues: asyncio's `Queue`, `LifoQueue` and `PriorityQueue`, with
//! Python 3.13's `shutdown`.
//!
//! Ground rules (everything under `state`'s mutex):
//! - **Reservations, not barging.** A getter woken for an item leaves the
//!   getter list, and `reserved` counts one item kept for it; a putter woken
//!   for room leaves the putter list, and `slots_reserved` counts one slot
//!   kept for it. `get_nowait` only sees `len - reserved` items and
//!   `put_nowait` only `maxsize - len - slots_reserved` free slots, so
//!   nobody takes what a woken waiter was woken for.
//! - **Cancel safety.** A woken waiter dropped before it ran passes its
//!   reservation to the next waiter of its kind (or frees it). A putter's
//!   item stays in its future until it is put: a dropped put loses nothing
//!   that the queue had accepted.
//! - `unfinished` counts items put and not yet `task_done`; `join` waits
//!   for it to reach 0.
//! - **Shutdown** (Python 3.13): `put` fails at once, handing its item
//!   back; `get` drains what is left, then fails; `immediate` also empties
//!   the queue, counting each removed item as done. Waiting getters and
//!   putters are woken in place: their nodes stay, so a woken waiter can
//!   tell "granted" (its node is gone, a reservation is counted for it)
//!   from "woken by shutdown" (its node is still there, nothing is kept
//!   for it). A reservation made before the shutdown is honoured.

mod error;
mod store;

pub use error::{GetError, PutError, QueueShutDown, TaskDoneError};
pub use store::{Fifo, Lifo, Priority, Store};

use crate::block_on::block_on;
use crate::loom::{Arc, Mutex};
use crate::notify::{notify, poll_notified, wake_in_place, Waiters};
use crate::wait_list::WaitKey;
use crate::wake_list::WakeList;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

struct State<T, S> {
    store: S,
    maxsize: usize,
    reserved: usize,
    slots_reserved: usize,
    getters: Waiters,
    putters: Waiters,
    unfinished: usize,
    joiners: Waiters,
    shutdown: bool,
    _item: std::marker::PhantomData<fn(T) -> T>,
}

impl<T, S: Store<T>> State<T, S> {
    fn has_room(&self) -> bool {
        self.maxsize == 0 || self.store.len() + self.slots_reserved < self.maxsize
    }

    fn unreserved_items(&self) -> usize {
        self.store.len() - self.reserved
    }

    /// Stores `item` and, if a getter waits, reserves it an item.
    fn push(&mut self, item: T, wake: &mut WakeList) {
        self.store.push(item);
        self.unfinished += 1;
        if notify(&mut self.getters, 1, wake) == 1 {
            self.reserved += 1;
        }
    }

    /// Takes an item (the caller checked one is there for it), and, if a
    /// putter waits and there is room now, reserves it a slot.
    fn pop(&mut self, wake: &mut WakeList) -> T {
        let item = self.store.pop().expect("an item is available");
        if !self.shutdown
            && !self.putters.is_empty()
            && self.has_room()
            && notify(&mut self.putters, 1, wake) == 1
        {
            self.slots_reserved += 1;
        }
        item
    }

    /// A woken getter's poll: takes the item reserved for it, or, if the
    /// reservation is gone (shutdown), reports the shutdown.
    fn take_reserved(&mut self, wake: &mut WakeList) -> Result<T, QueueShutDown<()>> {
        if self.reserved > 0 {
            self.reserved -= 1;
            Ok(self.pop(wake))
        } else {
            debug_assert!(self.shutdown, "a getter was woken with nothing for it");
            Err(QueueShutDown(()))
        }
    }

    /// A woken getter dropped before it took its item: pass it on.
    fn release_reserved(&mut self, wake: &mut WakeList) {
        if self.reserved > 0 {
            self.reserved -= 1;
            if notify(&mut self.getters, 1, wake) == 1 {
                self.reserved += 1;
            }
        }
    }

    /// A woken putter dropped before it put: pass its slot on.
    fn release_slot(&mut self, wake: &mut WakeList) {
        if self.slots_reserved > 0 {
            self.slots_reserved -= 1;
            if !self.shutdown && self.has_room() && notify(&mut self.putters, 1, wake) == 1 {
                self.slots_reserved += 1;
            }
        }
    }
}

/// The queue shared by [`Queue`], [`LifoQueue`] and [`PriorityQueue`]:
/// items in the order `S` gives them, at most `maxsize` of them (0 means no
/// limit). A cheap `Clone` handle.
///
/// # Cancel safety
/// Dropping a pending `get()` loses no item and a pending `put()` loses no
/// item the queue had accepted; a reservation the dropped future held goes
/// to the next waiter. A waiter woken by `shutdown` holds no reservation,
/// so dropping it takes nothing from a waiter woken for an item. Established
/// by `tests/sync_exhaustive_queues.rs`: every order, to depth nine, of two
/// getters and a putter polling and being cancelled, `put_nowait`,
/// `get_nowait` and both shutdowns on a queue of one slot — every item
/// taken, still queued, discarded by `shutdown(true)` or handed back, each
/// dropped once; FIFO order; no get fails while an item is left for it;
/// `task_done` / `join` agree; no lost wake-up.
pub struct BaseQueue<T, S> {
    state: Arc<Mutex<State<T, S>>>,
}

/// A first-in first-out queue (asyncio's `Queue`).
///
/// ```
/// use weave_sync::Queue;
/// # weave_sync::__block_on(async {
/// let queue = Queue::new(2);
/// queue.put("a").await.unwrap();
/// queue.put_nowait("b").unwrap();
/// assert!(queue.full());
/// let item = queue.put_nowait("c").unwrap_err().into_inner(); // handed back
/// assert_eq!(item, "c");
/// assert_eq!(queue.get().await.unwrap(), "a");
/// queue.task_done().unwrap();
/// # });
/// ```
pub type Queue<T> = BaseQueue<T, Fifo<T>>;

/// A last-in first-out queue (asyncio's `LifoQueue`).
///
/// ```
/// use weave_sync::LifoQueue;
/// let stack = LifoQueue::new(0);
/// stack.put_nowait(1).unwrap();
/// stack.put_nowait(2).unwrap();
/// assert_eq!(stack.get_nowait().unwrap(), 2);
/// ```
pub type LifoQueue<T> = BaseQueue<T, Lifo<T>>;

/// A queue that hands out its smallest item first (asyncio's
/// `PriorityQueue`).
///
/// ```
/// use weave_sync::PriorityQueue;
/// let jobs = PriorityQueue::new(0);
/// jobs.put_nowait((2, "later")).unwrap();
/// jobs.put_nowait((1, "first")).unwrap();
/// assert_eq!(jobs.get_nowait().unwrap(), (1, "first"));
/// ```
pub type PriorityQueue<T> = BaseQueue<T, Priority<T>>;

impl<T, S> Clone for BaseQueue<T, S> {
    fn clone(&self) -> Self {
        BaseQueue {
            state: self.state.clone(),
        }
    }
}

impl<T, S: Store<T>> BaseQueue<T, S> {
    /// A queue of at most `maxsize` items; 0 means no limit.
    pub fn new(maxsize: usize) -> Self {
        BaseQueue {
            state: Arc::new(Mutex::new(State {
                store: S::default(),
                maxsize,
                reserved: 0,
                slots_reserved: 0,
                getters: Waiters::new(),
                putters: Waiters::new(),
                unfinished: 0,
                joiners: Waiters::new(),
                shutdown: false,
                _item: std::marker::PhantomData,
            })),
        }
    }

    /// Puts `item`, waiting for room if the queue is full.
    ///
    /// # Errors
    /// If the queue is (or gets) shut down: the item comes back.
    pub async fn put(&self, item: T) -> Result<(), QueueShutDown<T>> {
        Put {
            queue: self,
            item: Some(item),
            key: None,
        }
        .await
    }

    /// Puts `item` now.
    ///
    /// # Errors
    /// `Full(item)` at `maxsize`, `ShutDown(item)` after shutdown.
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        let mut wake = WakeList::new();
        let result = {
            let mut state = self.state.lock();
            if state.shutdown {
                Err(PutError::ShutDown(item))
            } else if !state.has_room() {
                Err(PutError::Full(item))
            } else {
                state.push(item, &mut wake);
                Ok(())
            }
        };
        wake.wake_all();
        result
    }

    /// Takes the next item, waiting for one if the queue is empty.
    ///
    /// # Errors
    /// Once the queue is shut down and empty.
    pub async fn get(&self) -> Result<T, QueueShutDown<()>> {
        Get {
            queue: self,
            key: None,
        }
        .await
    }

    /// Takes the next item now.
    ///
    /// # Errors
    /// `Empty` when no item is ready, `ShutDown` when shut down and empty.
    pub fn get_nowait(&self) -> Result<T, GetError> {
        let mut wake = WakeList::new();
        let result = {
            let mut state = self.state.lock();
            if state.unreserved_items() > 0 {
                Ok(state.pop(&mut wake))
            } else if state.shutdown {
                Err(GetError::ShutDown)
            } else {
                Err(GetError::Empty)
            }
        };
        wake.wake_all();
        result
    }

    /// Puts `item`, blocking the thread (for `spawn_blocking` code).
    ///
    /// # Errors
    /// As [`put`](Self::put).
    pub fn blocking_put(&self, item: T) -> Result<(), QueueShutDown<T>> {
        block_on(self.put(item))
    }

    /// Takes the next item, blocking the thread.
    ///
    /// # Errors
    /// As [`get`](Self::get).
    pub fn blocking_get(&self) -> Result<T, QueueShutDown<()>> {
        block_on(self.get())
    }

    /// Marks one item taken with `get` as processed.
    ///
    /// # Errors
    /// If there is no unfinished item (more calls than items put).
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut wake = WakeList::new();
        {
            let mut state = self.state.lock();
            if state.unfinished == 0 {
                return Err(TaskDoneError(()));
            }
            state.unfinished -= 1;
            if state.unfinished == 0 {
                notify(&mut state.joiners, usize::MAX, &mut wake);
            }
        }
        wake.wake_all();
        Ok(())
    }

    /// Waits until every item put has been marked done.
    pub async fn join(&self) {
        Join {
            queue: self,
            key: None,
        }
        .await
    }

    /// Shuts the queue down (Python 3.13): puts fail from now on; gets
    /// drain what is left, then fail. With `immediate`, the items left are
    /// discarded (each counted as done, which may release `join`).
    /// Every waiting `put` and `get` is woken.
    pub fn shutdown(&self, immediate: bool) {
        let mut wake = WakeList::new();
        let mut discarded = Vec::new();
        {
            let mut state = self.state.lock();
            state.shutdown = true;
            if immediate {
                while let Some(item) = state.store.pop() {
                    discarded.push(item);
                }
                state.reserved = 0;
                state.unfinished = state.unfinished.saturating_sub(discarded.len());
                if state.unfinished == 0 {
                    notify(&mut state.joiners, usize::MAX, &mut wake);
                }
            }
            // Woken in place, not granted: a waiter still in its list was
            // handed nothing, so dropping it passes nothing on, and a
            // getter or putter woken earlier for an item or a slot keeps
            // its reservation.
            wake_in_place(&mut state.getters, &mut wake);
            wake_in_place(&mut state.putters, &mut wake);
        }
        wake.wake_all();
        drop(discarded);
    }

    /// Items in the queue.
    pub fn qsize(&self) -> usize {
        self.state.lock().store.len()
    }

    /// True if the queue holds no item.
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// True if the queue is at its `maxsize` (never, for 0).
    pub fn full(&self) -> bool {
        let state = self.state.lock();
        state.maxsize > 0 && state.store.len() >= state.maxsize
    }

    /// The limit given at creation (0: none).
    pub fn maxsize(&self) -> usize {
        self.state.lock().maxsize
    }

    /// True once `shutdown` was called.
    pub fn is_shut_down(&self) -> bool {
        self.state.lock().shutdown
    }
}

/// The future of `put`: its item waits here until there is room.
struct Put<'a, T, S: Store<T>> {
    queue: &'a BaseQueue<T, S>,
    item: Option<T>,
    key: Option<WaitKey>,
}

impl<T, S: Store<T>> Unpin for Put<'_, T, S> {}

impl<T, S: Store<T>> Future for Put<'_, T, S> {
    type Output = Result<(), QueueShutDown<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        crate::coop::poll_budgeted(cx, |cx| this.poll_put(cx))
    }
}

impl<T, S: Store<T>> Put<'_, T, S> {
    fn poll_put(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), QueueShutDown<T>>> {
        let this = self;
        let mut wake = WakeList::new();
        let result = {
            let mut state = this.queue.state.lock();
            let mut item = || this.item.take().expect("Put polled after it completed");
            match this.key {
                None if state.shutdown => Poll::Ready(Err(QueueShutDown(item()))),
                None if state.has_room() => {
                    state.push(item(), &mut wake);
                    Poll::Ready(Ok(()))
                }
                // Still waiting when the queue shut down: nothing was kept
                // for us.
                Some(key) if state.shutdown && state.putters.remove(key).is_some() => {
                    this.key = None;
                    Poll::Ready(Err(QueueShutDown(item())))
                }
                _ => match poll_notified(&mut state.putters, &mut this.key, cx) {
                    Poll::Pending => Poll::Pending,
                    // Woken: a slot was kept for us, or the queue shut down.
                    Poll::Ready(()) => {
                        state.slots_reserved -= 1;
                        if state.shutdown {
                            Poll::Ready(Err(QueueShutDown(item())))
                        } else {
                            state.push(item(), &mut wake);
                            Poll::Ready(Ok(()))
                        }
                    }
                },
            }
        };
        wake.wake_all();
        result
    }
}

impl<T, S: Store<T>> Drop for Put<'_, T, S> {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let mut wake = WakeList::new();
        {
            let mut state = self.queue.state.lock();
            if state.putters.remove(key).is_none() {
                // Woken for a slot we will not use: pass it on.
                state.release_slot(&mut wake);
            }
        }
        wake.wake_all();
    }
}

/// The future of `get`.
struct Get<'a, T, S: Store<T>> {
    queue: &'a BaseQueue<T, S>,
    key: Option<WaitKey>,
}

impl<T, S: Store<T>> Future for Get<'_, T, S> {
    type Output = Result<T, QueueShutDown<()>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        crate::coop::poll_budgeted(cx, |cx| this.poll_get(cx))
    }
}

impl<T, S: Store<T>> Get<'_, T, S> {
    fn poll_get(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, QueueShutDown<()>>> {
        self.queue.poll_get_keyed(&mut self.key, cx)
    }
}

impl<T, S: Store<T>> Drop for Get<'_, T, S> {
    fn drop(&mut self) {
        self.queue.cancel_get(&mut self.key);
    }
}

impl<T, S: Store<T>> BaseQueue<T, S> {
    /// One poll of a get whose place in line is `key` (kept by the caller
    /// between polls: the future of `get`, or a channel receiver's stream
    /// state). No budget here: the caller spends it.
    pub(crate) fn poll_get_keyed(
        &self,
        key: &mut Option<WaitKey>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, QueueShutDown<()>>> {
        let mut wake = WakeList::new();
        let result = {
            let mut state = self.state.lock();
            match *key {
                None if state.unreserved_items() > 0 => Poll::Ready(Ok(state.pop(&mut wake))),
                None if state.shutdown => Poll::Ready(Err(QueueShutDown(()))),
                // Still waiting when the queue shut down: no item was kept
                // for us (a waiting getter means every item was reserved).
                Some(k) if state.shutdown && state.getters.remove(k).is_some() => {
                    *key = None;
                    if state.unreserved_items() > 0 {
                        Poll::Ready(Ok(state.pop(&mut wake)))
                    } else {
                        Poll::Ready(Err(QueueShutDown(())))
                    }
                }
                _ => match poll_notified(&mut state.getters, key, cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(state.take_reserved(&mut wake)),
                },
            }
        };
        wake.wake_all();
        result
    }

    /// Ends a get whose place in line was `key` without waiting: if it was
    /// already woken for an item, that item (or the shutdown it was woken
    /// for); otherwise it leaves the line and `None`.
    pub(crate) fn settle_get(
        &self,
        key: &mut Option<WaitKey>,
    ) -> Option<Result<T, QueueShutDown<()>>> {
        let k = key.take()?;
        let mut wake = WakeList::new();
        let taken = {
            let mut state = self.state.lock();
            if state.getters.remove(k).is_some() {
                None
            } else {
                Some(state.take_reserved(&mut wake))
            }
        };
        wake.wake_all();
        taken
    }

    /// A get given up while its place in line was `key`: leaves the line,
    /// or, if it was already woken for an item, passes the item on.
    pub(crate) fn cancel_get(&self, key: &mut Option<WaitKey>) {
        let Some(k) = key.take() else { return };
        let mut wake = WakeList::new();
        {
            let mut state = self.state.lock();
            if state.getters.remove(k).is_none() {
                // Woken for an item we will not take: pass it on.
                state.release_reserved(&mut wake);
            }
        }
        wake.wake_all();
    }
}

/// The future of `join`.
struct Join<'a, T, S> {
    queue: &'a BaseQueue<T, S>,
    key: Option<WaitKey>,
}

impl<T, S> Future for Join<'_, T, S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        crate::coop::poll_budgeted(cx, |cx| this.poll_join(cx))
    }
}

impl<T, S> Join<'_, T, S> {
    fn poll_join(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let this = self;
        let mut state = this.queue.state.lock();
        loop {
            if this.key.is_none() && state.unfinished == 0 {
                return Poll::Ready(());
            }
            match poll_notified(&mut state.joiners, &mut this.key, cx) {
                Poll::Pending => return Poll::Pending,
                // Woken at zero; if items came back since, wait again.
                Poll::Ready(()) => continue,
            }
        }
    }
}

impl<T, S> Drop for Join<'_, T, S> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.queue.state.lock().joiners.remove(key);
        }
    }
}

impl<T, S: Store<T>> fmt::Debug for BaseQueue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Queue")
            .field("qsize", &state.store.len())
            .field("maxsize", &state.maxsize)
            .field("unfinished", &state.unfinished)
            .field("shutdown", &state.shutdown)
            .finish()
    }
}
