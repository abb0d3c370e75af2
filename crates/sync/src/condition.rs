//! `Condition<T>`: asyncio's `Condition`, over a [`Lock`].

use crate::lock::{Lock, LockGuard};
use crate::loom::{Arc, Mutex};
use crate::notify::{notify, poll_notified, Waiters};
use crate::wait_list::WaitKey;
use crate::wake_list::WakeList;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Tasks wait, with a lock released, until another task notifies them
/// (asyncio's `Condition`). A cheap `Clone` handle.
///
/// # Cancel safety
/// A notification is consumed only by a `wait` that returns its guard.
/// Dropping a `wait` future after it was notified — before it saw the
/// notification, or while it was re-taking the lock — sends the
/// notification on to the next waiter (Python 3.13 re-notifies on any
/// exception in `wait`), so `notify(n)` always reaches `n` live waiters
/// when there are that many. The exhaustive tests in
/// `tests/sync_exhaustive.rs` check this over every order of notify,
/// poll, lock release and drop of two and three waiters.
///
/// ```
/// use weave_sync::{Condition, Lock};
/// # weave_sync::__block_on(async {
/// let cond = Condition::new(Lock::new(0));
/// let mut guard = cond.lock().await;
/// *guard = 1;
/// // Returns at once: the predicate already holds.
/// let guard = cond.wait_for(guard, |v| *v == 1).await;
/// assert_eq!(*guard, 1);
/// # });
/// ```
pub struct Condition<T> {
    lock: Lock<T>,
    waiters: Arc<Mutex<Waiters>>,
}

impl<T> Clone for Condition<T> {
    fn clone(&self) -> Self {
        Condition {
            lock: self.lock.clone(),
            waiters: self.waiters.clone(),
        }
    }
}

impl<T> Condition<T> {
    /// A condition over `lock`.
    pub fn new(lock: Lock<T>) -> Condition<T> {
        Condition {
            lock,
            waiters: Arc::new(Mutex::new(Waiters::new())),
        }
    }

    /// Locks the underlying lock.
    pub async fn lock(&self) -> LockGuard<T> {
        self.lock.lock().await
    }

    /// Releases `guard`, waits for a notification, re-acquires the lock.
    ///
    /// # Panics
    /// If `guard` belongs to another lock.
    pub async fn wait(&self, guard: LockGuard<T>) -> LockGuard<T> {
        assert!(
            self.lock.owns(&guard),
            "Condition::wait: the guard belongs to another Lock; pass a guard of this condition's lock"
        );
        // Registered before the lock is released, so no notification sent
        // after the release can be missed.
        let mut wait = CondWait {
            key: Some(self.waiters.lock().push_back(None)),
            waiters: self.waiters.clone(),
            notified: false,
            consumed: false,
        };
        drop(guard);
        (&mut wait).await;
        // Still held while the lock is re-taken: dropped here (cancelled),
        // it passes the notification on.
        let guard = self.lock.lock().await;
        wait.consumed = true;
        guard
    }

    /// Waits until `predicate` holds, re-checking it after each
    /// notification (asyncio's `wait_for`). Returns at once if it holds.
    pub async fn wait_for(
        &self,
        mut guard: LockGuard<T>,
        mut predicate: impl FnMut(&mut T) -> bool,
    ) -> LockGuard<T> {
        while !predicate(&mut guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes up to `n` waiters, oldest first.
    pub fn notify(&self, n: usize) {
        let mut wake = WakeList::new();
        notify(&mut self.waiters.lock(), n, &mut wake);
        wake.wake_all();
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) {
        self.notify(usize::MAX);
    }
}

/// One waiter's place in the condition's list. Ground rules: `key` is
/// `Some` while it waits; `notified` once its poll saw the notification;
/// `consumed` once `wait` re-took the lock and returns. Dropped notified
/// (seen or not) and not consumed, it notifies the next waiter.
struct CondWait {
    waiters: Arc<Mutex<Waiters>>,
    key: Option<WaitKey>,
    notified: bool,
    consumed: bool,
}

impl Future for CondWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        crate::coop::poll_budgeted(cx, |cx| {
            if this.notified {
                return Poll::Ready(());
            }
            let ready = poll_notified(&mut this.waiters.lock(), &mut this.key, cx);
            if ready.is_ready() {
                this.notified = true;
            }
            ready
        })
    }
}

impl Drop for CondWait {
    fn drop(&mut self) {
        if self.consumed {
            return;
        }
        let mut wake = WakeList::new();
        {
            let mut waiters = self.waiters.lock();
            let notified = match self.key.take() {
                // Still in the list: never notified, leave quietly.
                Some(key) => waiters.remove(key).is_none(),
                None => self.notified,
            };
            if notified {
                // Notified, but the notification never reached the caller
                // (unseen, or cancelled while re-taking the lock): pass it on.
                notify(&mut waiters, 1, &mut wake);
            }
        }
        wake.wake_all();
    }
}

impl<T> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.waiters.lock().len())
            .finish()
    }
}
