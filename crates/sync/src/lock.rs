//! `Lock<T>`: asyncio's `Lock`, guarding a value as a mutex does.

use crate::batch_semaphore::{Acquire, BatchSemaphore, HasSemaphore};
use crate::block_on::block_on;
use crate::loom::Arc;
use crate::loom::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};

pub(crate) struct Inner<T: ?Sized> {
    sem: BatchSemaphore,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reached only through a guard, and one guard exists
// at a time (the semaphore has one permit), so sharing the lock between
// threads only ever moves `T` between them: `T: Send` suffices.
unsafe impl<T: ?Sized + Send> Send for Inner<T> {}
// SAFETY: as above: `&Inner` gives no access to `T` without the permit.
unsafe impl<T: ?Sized + Send> Sync for Inner<T> {}

impl<T: ?Sized> HasSemaphore for Arc<Inner<T>> {
    fn semaphore(&self) -> &BatchSemaphore {
        &self.sem
    }
}

/// An async mutual-exclusion lock around a `T` (asyncio's `Lock`, holding
/// the data it protects). A cheap `Clone` handle; the guard owns a handle
/// too, so it is `Send + 'static` and may be held across `.await`.
///
/// FIFO-fair: the lock goes to the longest waiter.
///
/// # Cancel safety
/// Dropping a pending `lock()` future never leaves the lock held: if it was
/// handed the lock, it passes it on to the next waiter. Established by
/// `tests/sync_exhaustive_locks.rs`: every order of lock, spurious poll,
/// cancel and unlock of three tasks, to the end of every sequence — one
/// holder at a time, first come first served, no lost wake-up, and the lock
/// free once every guard is gone.
///
/// ```
/// use weave_sync::Lock;
/// # weave_sync::__block_on(async {
/// let counter = Lock::new(0);
/// *counter.lock().await += 1;
/// assert_eq!(*counter.lock().await, 1);
/// # });
/// ```
pub struct Lock<T: ?Sized> {
    inner: Arc<Inner<T>>,
}

impl<T: ?Sized> Clone for Lock<T> {
    fn clone(&self) -> Self {
        Lock {
            inner: self.inner.clone(),
        }
    }
}

/// Exclusive access to a [`Lock`]'s value; unlocks when dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<T: ?Sized> {
    inner: Arc<Inner<T>>,
}

// SAFETY: the guard gives `&T` (so sharing it needs `T: Sync`) ...
unsafe impl<T: ?Sized + Sync> Sync for LockGuard<T> {}
// SAFETY: ... and `&mut T` on the thread that holds it (so sending it needs
// `T: Send`).
unsafe impl<T: ?Sized + Send> Send for LockGuard<T> {}

impl<T> Lock<T> {
    /// An unlocked lock around `value`.
    pub fn new(value: T) -> Lock<T> {
        Lock {
            inner: Arc::new(Inner {
                sem: BatchSemaphore::new(1),
                value: UnsafeCell::new(value),
            }),
        }
    }
}

impl<T: ?Sized> Lock<T> {
    /// Waits for the lock.
    pub async fn lock(&self) -> LockGuard<T> {
        LockGuard {
            inner: Acquire::new(self.inner.clone(), 1).await,
        }
    }

    /// The lock now, if it is free and nobody waits for it.
    pub fn try_lock(&self) -> Option<LockGuard<T>> {
        self.inner.sem.try_acquire(1).then(|| LockGuard {
            inner: self.inner.clone(),
        })
    }

    /// Waits for the lock, blocking the thread (for `spawn_blocking` code).
    pub fn blocking_lock(&self) -> LockGuard<T> {
        block_on(self.lock())
    }

    /// True if someone holds the lock (asyncio's `locked()`).
    pub fn locked(&self) -> bool {
        self.inner.sem.available() == 0
    }

    /// True if `guard` is a guard of this lock.
    pub(crate) fn owns(&self, guard: &LockGuard<T>) -> bool {
        Arc::ptr_eq(&self.inner, &guard.inner)
    }
}

impl<T: ?Sized> Deref for LockGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock's only permit, so no other
        // reference to the value exists while it lives.
        self.inner.value.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized> DerefMut for LockGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only use.
        self.inner.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T: ?Sized> Drop for LockGuard<T> {
    fn drop(&mut self) {
        self.inner.sem.release_held(1);
    }
}

impl<T: ?Sized> fmt::Debug for Lock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish()
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for LockGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}
