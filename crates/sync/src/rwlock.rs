//! `RwLock<T>`: many readers or one writer, FIFO-fair.

use crate::batch_semaphore::{Acquire, BatchSemaphore, HasSemaphore};
use crate::loom::Arc;
use crate::loom::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};

/// Concurrent readers at most; a writer takes all of these permits.
const MAX_READERS: usize = (u32::MAX >> 3) as usize;

struct Inner<T: ?Sized> {
    sem: BatchSemaphore,
    value: UnsafeCell<T>,
}

// SAFETY: writers get exclusive access (all permits), readers shared
// access (one each), so the value is shared across threads only as `&T`
// (needs `Sync`) or moved (needs `Send`).
unsafe impl<T: ?Sized + Send> Send for Inner<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for Inner<T> {}

impl<T: ?Sized> HasSemaphore for Arc<Inner<T>> {
    fn semaphore(&self) -> &BatchSemaphore {
        &self.sem
    }
}

/// A reader-writer lock: any number of readers, or one writer. FIFO: a
/// writer waiting holds back readers that came after it (no writer
/// starvation). A cheap `Clone` handle.
///
/// # Cancel safety
/// Dropping a pending `read()` or `write()` future gives back any permits
/// it was handed. Established by `tests/sync_exhaustive_locks.rs`: every
/// order of poll, cancel and release of two readers and a writer, and of a
/// reader and two writers, to the end of every sequence — never a writer
/// beside anyone, FIFO, no lost wake-up, free at the end.
///
/// ```
/// use weave_sync::RwLock;
/// # weave_sync::__block_on(async {
/// let config = RwLock::new(String::from("v1"));
/// {
///     let a = config.read().await;
///     let b = config.read().await; // readers share
///     assert_eq!(*a, *b);
///     assert!(config.try_write().is_none());
/// }
/// config.write().await.push_str("+patch");
/// assert_eq!(*config.read().await, "v1+patch");
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    inner: Arc<Inner<T>>,
}

impl<T: ?Sized> Clone for RwLock<T> {
    fn clone(&self) -> Self {
        RwLock {
            inner: self.inner.clone(),
        }
    }
}

/// Shared access; released when dropped.
#[must_use = "the read lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<T: ?Sized> {
    inner: Arc<Inner<T>>,
}

/// Exclusive access; released when dropped.
#[must_use = "the write lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<T: ?Sized> {
    inner: Arc<Inner<T>>,
}

// SAFETY: a read guard hands out `&T` only.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<T> {}
// SAFETY: a write guard hands out `&mut T` on its own thread.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<T> {}
// SAFETY: `&RwLockWriteGuard` gives `&T` only.
unsafe impl<T: ?Sized + Sync> Sync for RwLockWriteGuard<T> {}

impl<T> RwLock<T> {
    /// An unlocked lock around `value`.
    pub fn new(value: T) -> RwLock<T> {
        RwLock {
            inner: Arc::new(Inner {
                sem: BatchSemaphore::new(MAX_READERS),
                value: UnsafeCell::new(value),
            }),
        }
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Waits for shared access.
    pub async fn read(&self) -> RwLockReadGuard<T> {
        RwLockReadGuard {
            inner: Acquire::new(self.inner.clone(), 1).await,
        }
    }

    /// Waits for exclusive access.
    pub async fn write(&self) -> RwLockWriteGuard<T> {
        RwLockWriteGuard {
            inner: Acquire::new(self.inner.clone(), MAX_READERS).await,
        }
    }

    /// Shared access now, if no writer holds or waits for the lock.
    pub fn try_read(&self) -> Option<RwLockReadGuard<T>> {
        self.inner.sem.try_acquire(1).then(|| RwLockReadGuard {
            inner: self.inner.clone(),
        })
    }

    /// Exclusive access now, if nobody holds or waits for the lock.
    pub fn try_write(&self) -> Option<RwLockWriteGuard<T>> {
        self.inner
            .sem
            .try_acquire(MAX_READERS)
            .then(|| RwLockWriteGuard {
                inner: self.inner.clone(),
            })
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read permit excludes writers (they need every permit).
        self.inner.value.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<T> {
    fn drop(&mut self) {
        self.inner.sem.release_held(1);
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit: no other guard exists.
        self.inner.value.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only use.
        self.inner.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.inner.sem.release_held(MAX_READERS);
    }
}

impl<T: ?Sized> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock").finish_non_exhaustive()
    }
}
