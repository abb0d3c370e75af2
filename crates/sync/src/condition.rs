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
/// Dropping a pending `wait` future re-sends a notification it had
/// received but not seen, so no notification is lost (as Python 3.13 does).
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
        let wait = CondWait {
            key: Some(self.waiters.lock().push_back(None)),
            waiters: self.waiters.clone(),
            done: false,
        };
        drop(guard);
        wait.await;
        self.lock.lock().await
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

struct CondWait {
    waiters: Arc<Mutex<Waiters>>,
    key: Option<WaitKey>,
    done: bool,
}

impl Future for CondWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let ready = poll_notified(&mut this.waiters.lock(), &mut this.key, cx);
        if ready.is_ready() {
            this.done = true;
        }
        ready
    }
}

impl Drop for CondWait {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        if self.done {
            return;
        }
        let mut wake = WakeList::new();
        {
            let mut waiters = self.waiters.lock();
            if waiters.remove(key).is_none() {
                // Notified but never saw it: hand the notification on.
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
