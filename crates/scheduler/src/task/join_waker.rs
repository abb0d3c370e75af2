//! The join waker slot of a task header, in one word.
//!
//! The `JoinHandle` leaves its waker here for the completer (the protocol
//! is in the module docs of [`super`]). Nearly always that waker is another
//! weave task's, whose `Waker` is the task's header pointer and a vtable
//! known here, so the slot keeps only the pointer: 8 bytes instead of the
//! 16 of an `Option<Waker>`. Any other waker (a `block_on` thread's, a
//! foreign executor's) is boxed, and the slot keeps the box's pointer with
//! the low bit set. Both pointers are at least 8-aligned, so the bit is
//! free; zero means empty.
//!
//! Whoever holds the slot (per the join-waker protocol) calls these
//! methods; the type itself does no synchronisation.

use super::waker;
use std::mem::ManuallyDrop;
use std::task::{RawWaker, Waker};
use weave_sync::contain::wake_by_ref_contained;

/// Tag of a boxed foreign waker.
const FOREIGN: usize = 1;

/// One optional `Waker`, in one word (see the module docs).
pub(crate) struct JoinWaker(usize);

/// What the slot holds, decoded.
enum Kind {
    Empty,
    /// A weave task's waker: its data pointer, owning one reference.
    Task(*const ()),
    /// Any other waker, boxed.
    Foreign(*mut Waker),
}

impl JoinWaker {
    /// An empty slot.
    pub(crate) const fn empty() -> JoinWaker {
        JoinWaker(0)
    }

    fn kind(&self) -> Kind {
        match self.0 {
            0 => Kind::Empty,
            word if word & FOREIGN != 0 => Kind::Foreign((word & !FOREIGN) as *mut Waker),
            word => Kind::Task(word as *const ()),
        }
    }

    /// Stores a clone of `waker`, dropping whatever was there.
    pub(crate) fn set(&mut self, waker: &Waker) {
        drop(self.take());
        let waker = waker.clone();
        self.0 = if std::ptr::eq(waker.vtable(), waker::vtable()) {
            let data = ManuallyDrop::new(waker).data();
            debug_assert!(!data.is_null() && data as usize & FOREIGN == 0);
            data as usize
        } else {
            Box::into_raw(Box::new(waker)) as usize | FOREIGN
        };
    }

    /// Whether the stored waker would wake the same task as `waker`.
    pub(crate) fn will_wake(&self, other: &Waker) -> bool {
        match self.kind() {
            Kind::Empty => false,
            Kind::Task(data) => {
                other.data() == data && std::ptr::eq(other.vtable(), waker::vtable())
            }
            // SAFETY: a `Foreign` word is a live box made by `set`.
            Kind::Foreign(boxed) => unsafe { (*boxed).will_wake(other) },
        }
    }

    /// Wakes the stored waker by reference, if any; a panic in it is
    /// contained (it must not unwind through the completer).
    pub(crate) fn wake_by_ref(&self) {
        match self.kind() {
            Kind::Empty => {}
            Kind::Task(data) => {
                // SAFETY: `data` came from a task waker with our vtable and
                // the slot owns its reference, which `ManuallyDrop` keeps.
                let waker = ManuallyDrop::new(unsafe {
                    Waker::from_raw(RawWaker::new(data, waker::vtable()))
                });
                // Contained as a foreign one is: whatever schedules the
                // task must not unwind through the completer.
                wake_by_ref_contained(&waker);
            }
            // SAFETY: a `Foreign` word is a live box made by `set`.
            Kind::Foreign(boxed) => wake_by_ref_contained(unsafe { &*boxed }),
        }
    }

    /// Takes the stored waker out, leaving the slot empty.
    pub(crate) fn take(&mut self) -> Option<Waker> {
        let kind = self.kind();
        self.0 = 0;
        match kind {
            Kind::Empty => None,
            Kind::Task(data) => {
                // SAFETY: `data` came from a task waker with our vtable and
                // the slot owned its reference, which the rebuilt waker now
                // owns.
                Some(unsafe { Waker::from_raw(RawWaker::new(data, waker::vtable())) })
            }
            // SAFETY: a `Foreign` word is a box made by `set`, taken once.
            Kind::Foreign(boxed) => Some(*unsafe { Box::from_raw(boxed) }),
        }
    }
}

impl Drop for JoinWaker {
    fn drop(&mut self) {
        drop(self.take());
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn a_foreign_waker_is_boxed_woken_compared_and_released() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut slot = JoinWaker::empty();
        assert!(!slot.will_wake(&waker));
        slot.set(&waker);
        assert!(matches!(slot.kind(), Kind::Foreign(_)));
        assert!(slot.will_wake(&waker));
        slot.wake_by_ref();
        slot.wake_by_ref();
        assert_eq!(count.0.load(SeqCst), 2);
        assert_eq!(Arc::strong_count(&count), 3);
        slot.set(&std::task::Waker::noop().clone());
        assert_eq!(
            Arc::strong_count(&count),
            2,
            "replacing drops the old waker"
        );
        drop(slot);
        let mut slot = JoinWaker::empty();
        slot.set(&waker);
        let taken = slot.take().unwrap();
        assert!(taken.will_wake(&waker));
        assert!(slot.take().is_none());
        drop((slot, taken));
        assert_eq!(Arc::strong_count(&count), 2);
    }
}
