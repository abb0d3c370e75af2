//! The `Waker` of a task: a `RawWaker` whose data pointer is the task
//! header and which owns one reference to the task, and what a wake does
//! to the task's state (the placement of the woken task is `schedule.rs`).

use super::raw::{Header, RawTask};
use super::state::ToNotified;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

/// The vtable of every task waker (the join waker slot recognises it).
pub(crate) fn vtable() -> &'static RawWakerVTable {
    &VTABLE
}

/// A `RawWaker` for the task at `ptr`; counts no reference by itself.
pub(crate) fn raw_waker(ptr: NonNull<Header>) -> RawWaker {
    RawWaker::new(ptr.as_ptr() as *const (), &VTABLE)
}

/// # Safety
/// - `data` is the header pointer of a live task.
unsafe fn raw(data: *const ()) -> RawTask {
    // SAFETY: wakers are only built from task header pointers.
    unsafe { RawTask::from_raw(NonNull::new_unchecked(data as *mut Header)) }
}

/// # Safety
/// - `data` is the header pointer of a live task, kept alive by the waker
///   being cloned; the clone gets a reference of its own.
unsafe fn clone(data: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned keeps the task alive.
    let task = unsafe { raw(data) };
    #[cfg(feature = "tracing")]
    super::trace::waker_op(task.header(), "waker.clone");
    task.state().ref_inc();
    raw_waker(task.as_ptr())
}

/// # Safety
/// - `data` is the header pointer of a live task, and the waker owns one
///   reference to it, consumed here (`wake` takes the waker by value).
unsafe fn wake(data: *const ()) {
    // SAFETY: this waker owns a reference, consumed here.
    let task = unsafe { raw(data) };
    #[cfg(feature = "tracing")]
    super::trace::waker_op(task.header(), "waker.wake");
    wake_by_val(task)
}

/// # Safety
/// - `data` is the header pointer of a live task, kept alive by the
///   borrowed waker.
unsafe fn wake_by_ref(data: *const ()) {
    // SAFETY: the borrowed waker keeps the task alive.
    let task = unsafe { raw(data) };
    #[cfg(feature = "tracing")]
    super::trace::waker_op(task.header(), "waker.wake_by_ref");
    wake_by_ref_raw(task)
}

/// # Safety
/// - `data` is the header pointer of a live task, and the waker owns one
///   reference to it, dropped here.
unsafe fn drop_waker(data: *const ()) {
    // SAFETY: this waker owns a reference, dropped here.
    let task = unsafe { raw(data) };
    // Before the reference goes: it may be the last.
    #[cfg(feature = "tracing")]
    super::trace::waker_op(task.header(), "waker.drop");
    task.drop_reference()
}

/// Wakes a task by value (consuming one reference).
fn wake_by_val(raw: RawTask) {
    match raw.state().transition_to_notified_by_val() {
        ToNotified::Submit => raw.schedule(),
        ToNotified::DoNothing => {}
        // SAFETY: that was the last reference.
        ToNotified::Dealloc => unsafe { raw.dealloc() },
    }
}

/// Wakes a task through a borrowed reference.
fn wake_by_ref_raw(raw: RawTask) {
    match raw.state().transition_to_notified_by_ref() {
        ToNotified::Submit => raw.schedule(),
        ToNotified::DoNothing => {}
        ToNotified::Dealloc => unreachable!("a borrowed wake drops no reference"),
    }
}
