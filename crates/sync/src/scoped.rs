//! A value made current in a thread-local slot until a guard drops: how
//! the scheduler, the driver and the reactor each make "the current
//! runtime" known on a thread (public, hidden from the docs, for them).
//!
//! The guard restores what it replaced, is not `Send` (it must drop on the
//! thread that entered), and drops the value it takes back out of the
//! slot outside the `RefCell` borrow: that value may be the last reference
//! to a runtime, whose drop may look up the current one.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::thread::LocalKey;

/// A thread-local slot for [`replace`].
pub type Slot<T> = LocalKey<RefCell<Option<T>>>;

/// Restores the slot's previous value when dropped.
#[must_use = "the value stops being current when the guard drops"]
pub struct Restore<T: 'static> {
    slot: &'static Slot<T>,
    prev: Option<T>,
    _not_send: PhantomData<*const ()>,
}

/// Puts `value` in `slot` until the returned guard drops.
///
/// # Panics
/// If the slot's thread-local was already destroyed (a thread tearing down).
pub fn replace<T>(slot: &'static Slot<T>, value: Option<T>) -> Restore<T> {
    Restore {
        slot,
        prev: slot.with(|c| c.replace(value)),
        _not_send: PhantomData,
    }
}

/// The slot's current value, cloned (`None` also while the thread tears
/// its thread-locals down).
#[inline]
pub fn current<T: Clone>(slot: &'static Slot<T>) -> Option<T> {
    slot.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// Calls `f` with the slot's current value, borrowed (no clone: a
/// reference count shared by every worker stays put); `None` also while
/// the thread tears its thread-locals down.
///
/// `f` must not replace the slot's value (it runs inside the borrow).
#[inline]
pub fn with<T, R>(slot: &'static Slot<T>, f: impl FnOnce(Option<&T>) -> R) -> R {
    let mut f = Some(f);
    let borrowed = slot.try_with(|c| match c.try_borrow() {
        Ok(value) => Some((f.take().expect("called once"))(value.as_ref())),
        Err(_) => None,
    });
    match borrowed {
        Ok(Some(r)) => r,
        _ => (f.take().expect("called once"))(None),
    }
}

impl<T> Drop for Restore<T> {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let replaced = self.slot.try_with(|c| c.replace(prev));
        drop(replaced);
    }
}

impl<T> std::fmt::Debug for Restore<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Restore").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static SLOT: RefCell<Option<u32>> = const { RefCell::new(None) };
    }

    #[test]
    fn nested_guards_restore_in_turn() {
        let outer = replace(&SLOT, Some(1));
        let inner = replace(&SLOT, Some(2));
        assert_eq!(current(&SLOT), Some(2));
        drop(inner);
        assert_eq!(current(&SLOT), Some(1));
        drop(outer);
        assert_eq!(current(&SLOT), None);
    }
}
