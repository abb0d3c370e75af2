//! The synchronization facade of every weave crate: each atomic, cell,
//! mutex, condition variable and thread that a lock-free state machine or
//! a waiter list uses comes through here, so that under `--cfg loom` the
//! model checker's instrumented types stand in for std's and
//! `parking_lot`'s. weave-sync, weave-scheduler and weave-driver all use
//! this one module (it is public, and hidden, for that reason only).
//!
//! Outside loom, [`UnsafeCell`] is a thin wrapper over
//! [`std::cell::UnsafeCell`] with loom's `with` / `with_mut` API, [`Mutex`]
//! is `parking_lot`'s behind loom's spelling, and [`model`] runs its body
//! once, so a loom model is also a plain unit test:
//!
//! ```
//! use weave_sync::loom::{model, thread, Arc, AtomicUsize, Ordering::SeqCst};
//!
//! model(|| {
//!     let n = Arc::new(AtomicUsize::new(0));
//!     let m = n.clone();
//!     thread::spawn(move || m.fetch_add(1, SeqCst)).join().unwrap();
//!     assert_eq!(n.load(SeqCst), 1);
//! });
//! ```

#![allow(missing_docs)]

#[cfg(loom)]
pub use loom::{
    cell::UnsafeCell,
    sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering},
    sync::Arc,
    thread,
};

#[cfg(not(loom))]
pub use std::{
    sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering},
    sync::Arc,
    thread,
};

/// Runs `body` under the model checker (every interleaving up to
/// `LOOM_MAX_PREEMPTIONS`); without `--cfg loom`, runs it once.
pub fn model<F: Fn() + Send + Sync + 'static>(body: F) {
    #[cfg(loom)]
    loom::model(body);
    #[cfg(not(loom))]
    body();
}

/// Drives `future` to completion on this thread: loom's executor under
/// `--cfg loom`, else [`crate::__block_on`].
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    #[cfg(loom)]
    return loom::future::block_on(future);
    #[cfg(not(loom))]
    crate::__block_on(future)
}

/// A mutual-exclusion lock without poisoning.
#[cfg(not(loom))]
pub type Mutex<T> = parking_lot::Mutex<T>;

/// The guard of a [`Mutex`].
#[cfg(not(loom))]
pub type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

/// The guard of a [`Mutex`] (loom's).
#[cfg(loom)]
pub type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

/// A mutual-exclusion lock without poisoning (loom's, unwrapped).
#[cfg(loom)]
#[derive(Debug, Default)]
pub struct Mutex<T>(loom::sync::Mutex<T>);

#[cfg(loom)]
impl<T> Mutex<T> {
    pub fn new(value: T) -> Self {
        Mutex(loom::sync::Mutex::new(value))
    }

    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().expect("poisoned loom mutex")
    }

    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.0.try_lock().ok()
    }
}

/// A condition variable over a [`Mutex`], with one API for both builds:
/// the guard goes in and comes back out.
#[derive(Debug, Default)]
pub struct Condvar {
    #[cfg(not(loom))]
    inner: parking_lot::Condvar,
    #[cfg(loom)]
    inner: loom::sync::Condvar,
}

impl Condvar {
    pub fn new() -> Condvar {
        Condvar::default()
    }

    /// Waits for a notification (or a spurious wake-up).
    #[cfg(not(loom))]
    pub fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.inner.wait(&mut guard);
        guard
    }

    /// Waits for a notification (or a spurious wake-up).
    #[cfg(loom)]
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.inner.wait(guard).expect("poisoned loom mutex")
    }

    /// Waits for a notification or `timeout`; true if it timed out.
    #[cfg(not(loom))]
    pub fn wait_for<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: std::time::Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        let timed_out = self.inner.wait_for(&mut guard, timeout).timed_out();
        (guard, timed_out)
    }

    /// Loom models no time: a timed wait is a wait that only a
    /// notification ends, so a model in which a wake-up is lost deadlocks
    /// (and fails) instead of passing on a timeout.
    #[cfg(loom)]
    pub fn wait_for<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        _timeout: std::time::Duration,
    ) -> (MutexGuard<'a, T>, bool) {
        (self.wait(guard), false)
    }

    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}

/// `std::cell::UnsafeCell` with loom's closure-based access API.
#[cfg(not(loom))]
#[derive(Debug)]
pub struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

#[cfg(not(loom))]
impl<T: ?Sized> UnsafeCell<T> {
    /// Calls `f` with a shared raw pointer to the contents.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a mutable raw pointer to the contents.
    #[inline(always)]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
