//! The synchronization facade: the mutex and `Arc` the primitives use come
//! through here, so that under `--cfg loom` the model checker's types stand
//! in for `parking_lot`'s and std's.

#[cfg(not(loom))]
pub(crate) use std::sync::Arc;

#[cfg(loom)]
pub(crate) use loom::sync::Arc;

/// A mutual-exclusion lock without poisoning.
#[cfg(not(loom))]
pub(crate) type Mutex<T> = parking_lot::Mutex<T>;

/// A mutual-exclusion lock without poisoning (loom's, unwrapped).
#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

#[cfg(loom)]
impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Mutex(loom::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
        self.0.lock().expect("poisoned loom mutex")
    }
}
