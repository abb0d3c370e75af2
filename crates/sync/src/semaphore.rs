//! `Semaphore` and `BoundedSemaphore` (asyncio's), with RAII permits.

use crate::batch_semaphore::{Acquire, BatchSemaphore, HasSemaphore};
use crate::block_on::block_on;
use crate::loom::Arc;
use std::fmt;

pub use crate::batch_semaphore::MAX_PERMITS;

struct Inner {
    sem: BatchSemaphore,
    /// `BoundedSemaphore`'s initial count.
    bound: Option<usize>,
}

impl HasSemaphore for Arc<Inner> {
    fn semaphore(&self) -> &BatchSemaphore {
        &self.sem
    }
}

/// A counter of permits (asyncio's `Semaphore`): `acquire` waits for one,
/// the [`Permit`] gives it back when dropped.
///
/// FIFO-fair: a task that started waiting first gets the next permit, and
/// `try_acquire` does not barge past waiting tasks. A cheap `Clone` handle.
///
/// # Cancel safety
/// Dropping a pending `acquire()` / `acquire_many()` future loses no
/// permit: those it was handed (all, or some of a multi-permit request)
/// go to the next waiters. `acquire_many(0)` never waits. Established by
/// `tests/sync_exhaustive_locks.rs`: every order of poll, cancel, release,
/// `release()` and `forget()` over a one-, a two- and a zero-permit waiter,
/// to the end of every sequence — never more permits out than exist, FIFO,
/// no lost wake-up, every permit back at the end.
///
/// ```
/// use weave_sync::Semaphore;
/// # weave_sync::__block_on(async {
/// let sem = Semaphore::new(2);
/// let a = sem.acquire().await;
/// let _b = sem.acquire().await;
/// assert!(sem.try_acquire().is_none());
/// drop(a);
/// assert_eq!(sem.available_permits(), 1);
/// # });
/// ```
#[derive(Clone)]
pub struct Semaphore {
    inner: Arc<Inner>,
}

/// A held permit; returned to its semaphore when dropped.
#[must_use = "the permit is released as soon as it is dropped"]
pub struct Permit {
    inner: Arc<Inner>,
    n: usize,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    /// If `permits` exceeds [`MAX_PERMITS`], naming it.
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            inner: Arc::new(Inner {
                sem: BatchSemaphore::new(permits),
                bound: None,
            }),
        }
    }

    /// Waits for a permit.
    pub async fn acquire(&self) -> Permit {
        self.acquire_many(1).await
    }

    /// Waits for `n` permits at once (FIFO: it holds its place in line).
    pub async fn acquire_many(&self, n: usize) -> Permit {
        let inner = Acquire::new(self.inner.clone(), n).await;
        Permit { inner, n }
    }

    /// A permit now, if one is free and nobody is waiting.
    pub fn try_acquire(&self) -> Option<Permit> {
        self.inner.sem.try_acquire(1).then(|| Permit {
            inner: self.inner.clone(),
            n: 1,
        })
    }

    /// Waits for a permit, blocking the thread (for `spawn_blocking` code).
    pub fn blocking_acquire(&self) -> Permit {
        block_on(self.acquire())
    }

    /// Adds one permit (asyncio's `release()`: pairs with a
    /// [`Permit::forget`]).
    pub fn release(&self) {
        self.inner.sem.add_permits(1);
    }

    /// Adds `n` permits.
    ///
    /// # Panics
    /// If the total would exceed [`MAX_PERMITS`].
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.inner.sem.add_permits(n);
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        self.inner.sem.available()
    }

    /// True if no permit is free (asyncio's `locked()`).
    pub fn locked(&self) -> bool {
        self.available_permits() == 0
    }
}

impl Permit {
    /// Keeps the permit out of the semaphore for good (until someone calls
    /// `release`).
    pub fn forget(mut self) {
        self.inner.sem.forget_held(self.n);
        self.n = 0;
    }

    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.n
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if self.n > 0 {
            self.inner.sem.release_held(self.n);
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available", &self.available_permits())
            .field("waiters", &self.inner.sem.waiters())
            .finish()
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").field("n", &self.n).finish()
    }
}

/// A semaphore that refuses to grow past its initial count (asyncio's
/// `BoundedSemaphore`): a `release()` that would is an `Err`.
///
/// # Cancel safety
/// As [`Semaphore`]'s. `tests/sync_exhaustive_locks.rs` also checks, over
/// every order of acquire, cancel, `forget()` and `release()` of three
/// waiters, that `release()` is refused exactly when it would exceed the
/// bound.
///
/// ```
/// use weave_sync::BoundedSemaphore;
/// let sem = BoundedSemaphore::new(1);
/// assert!(sem.release().is_err(), "nothing was taken");
/// let permit = sem.try_acquire().unwrap();
/// permit.forget();
/// assert!(sem.release().is_ok());
/// assert!(sem.release().is_err());
/// ```
#[derive(Clone)]
pub struct BoundedSemaphore {
    inner: Arc<Inner>,
}

impl BoundedSemaphore {
    /// A semaphore with `permits` permits, never more.
    ///
    /// # Panics
    /// If `permits` exceeds [`MAX_PERMITS`].
    #[track_caller]
    pub fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            inner: Arc::new(Inner {
                sem: BatchSemaphore::new(permits),
                bound: Some(permits),
            }),
        }
    }

    /// Waits for a permit.
    pub async fn acquire(&self) -> Permit {
        let inner = Acquire::new(self.inner.clone(), 1).await;
        Permit { inner, n: 1 }
    }

    /// A permit now, if one is free and nobody is waiting.
    pub fn try_acquire(&self) -> Option<Permit> {
        self.inner.sem.try_acquire(1).then(|| Permit {
            inner: self.inner.clone(),
            n: 1,
        })
    }

    /// Waits for a permit, blocking the thread.
    pub fn blocking_acquire(&self) -> Permit {
        block_on(self.acquire())
    }

    /// Adds one permit back (after a [`Permit::forget`]).
    ///
    /// # Errors
    /// If the free permits plus those held by live `Permit`s already reach
    /// the initial count: the release would exceed it (asyncio raises
    /// `ValueError`). Nothing changes.
    pub fn release(&self) -> Result<(), BoundedSemaphoreError> {
        let bound = self.inner.bound.expect("a bounded semaphore has a bound");
        if self.inner.sem.add_one_bounded(bound) {
            Ok(())
        } else {
            Err(BoundedSemaphoreError { bound })
        }
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        self.inner.sem.available()
    }

    /// True if no permit is free.
    pub fn locked(&self) -> bool {
        self.available_permits() == 0
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available", &self.available_permits())
            .field("bound", &self.inner.bound)
            .finish()
    }
}

/// `BoundedSemaphore::release` would have exceeded the initial count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundedSemaphoreError {
    bound: usize,
}

impl fmt::Display for BoundedSemaphoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BoundedSemaphore released too many times: it would exceed its initial {} permit(s); \
             release only permits that were taken (and forgotten)",
            self.bound
        )
    }
}

impl std::error::Error for BoundedSemaphoreError {}
