//! The task's memory: one allocation holding the header, the scheduler
//! handle and the future (later its output), and the type-erased pointer
//! [`RawTask`] that every handle (`Task`, `Notified`, `JoinHandle`, `Waker`)
//! wraps.
//!
//! Ground rules for the fields of [`Header`]:
//! - `state`: atomic, see [`super::state`];
//! - `vtable`, `id`, `spawned_at`, `spawned`: written at allocation,
//!   read-only after;
//! - `polls`: written only by the holder of `RUNNING` (a plain load and
//!   store, no read-modify-write), read by anyone (introspection);
//! - `slot`: read and written only under the owned-task list's shard lock;
//! - `join_waker`: see the join-waker rules in [`super::state`].
//!
//! The stage (future / output) of [`Cell`] is touched only by the holder of
//! the `RUNNING` bit, or after `COMPLETE` by whoever owns the output; which
//! of the two it holds follows from the state word (see [`Stage`]).
//!
//! The layout on a 64-bit target: a 48-byte header (state 8, vtable 8,
//! id 8, join waker 8, poll count and spawn time 4 + 4, owned-list slot
//! and spawn location id 4 + 4), the scheduler handle (8), then the stage,
//! as large as the largest of the future, the output and a panic payload
//! (16). A task with a 16-byte future is a 72-byte allocation, which
//! glibc's allocator serves from an 80-byte chunk; its owned-list slot is
//! 8 bytes more. With the `tracing` feature the header also holds the
//! task's span (`trace.rs`), a `tracing::Span` more.

use super::join_waker::JoinWaker;
use super::location::LocationId;
use super::state::State;
use super::{Schedule, TaskId};
use crate::clock::Tick;
use crate::loom::UnsafeCell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::task::Waker;

/// The type-independent part of a task, at the start of its allocation.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    pub(crate) id: TaskId,
    pub(crate) join_waker: UnsafeCell<JoinWaker>,
    /// How many times it was polled (saturating).
    pub(crate) polls: AtomicU32,
    /// When it was spawned (beside `polls`: the two share one word).
    pub(crate) spawned: Tick,
    /// Its slot in the owned-task list's shard (`list::UNLINKED` if none).
    pub(crate) slot: UnsafeCell<u32>,
    /// Where the task was spawned (`#[track_caller]` of the spawn call).
    pub(crate) spawned_at: LocationId,
    /// The task's `runtime.spawn` span (feature `tracing`, `trace.rs`):
    /// written at allocation, read-only after.
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
}

/// The typed operations of a task, reached through the header.
pub(crate) struct Vtable {
    /// Runs the task; consumes one `Notified` reference.
    pub(crate) poll: unsafe fn(NonNull<Header>),
    /// Hands one reference, as a `Notified`, to the scheduler.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation (the reference count reached zero).
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Moves the output into `*dst` (a `Poll<Result<T, JoinError>>`) if
    /// it is ready, else registers the waker.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// Whether the task finished, without taking the output: `None` (and
    /// the waker registered) while it runs, `Some(failed)` once complete.
    pub(crate) poll_finished: unsafe fn(NonNull<Header>, &Waker) -> Option<bool>,
    /// The `JoinHandle` is dropped; the flag says whether it took the
    /// output already.
    pub(crate) drop_join_handle: unsafe fn(NonNull<Header>, bool),
    /// Drops the future and completes the task as cancelled; the caller
    /// holds `RUNNING` and one reference, which this consumes.
    pub(crate) cancel: unsafe fn(NonNull<Header>),
    /// Whether the calling thread may drop the future (a local task's
    /// owner thread; any thread for other tasks).
    pub(crate) may_drop_here: unsafe fn(NonNull<Header>) -> bool,
}

/// What the task holds in place of its future over its life, with no tag
/// of its own: which field is there follows from the state word.
/// - Not `COMPLETE`: `future`. The holder of `RUNNING` drops it in place
///   (it is pinned) when the task completes, then writes the outcome, then
///   sets `COMPLETE` with the [`Outcome`](super::state::Outcome) bits; a
///   task freed before completing (never run, its runtime gone) drops it in
///   `dealloc`.
/// - `COMPLETE`: per the outcome, `output`, nothing (cancelled) or `panic`,
///   until its owner moves it out: the `JoinHandle` while `JOIN_INTEREST` is
///   set (which remembers that it did, so it neither reads nor drops it
///   twice), else the completer. Nothing is left to drop by the time the
///   task is freed.
///
/// So the stage is as large as the largest of the three, with no tag.
pub(crate) union Stage<F: Future> {
    pub(crate) future: ManuallyDrop<F>,
    pub(crate) output: ManuallyDrop<F::Output>,
    pub(crate) panic: ManuallyDrop<Box<dyn std::any::Any + Send + 'static>>,
}

/// The whole allocation of one task.
#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    /// First, so that a `NonNull<Header>` is a `NonNull<Cell<F, S>>`.
    pub(crate) header: Header,
    pub(crate) scheduler: S,
    pub(crate) stage: UnsafeCell<Stage<F>>,
}

impl Header {
    /// The task's name, if it was spawned with one.
    pub(crate) fn name(&self) -> Option<std::sync::Arc<str>> {
        if self.state.load().is_named() {
            super::name::get(self.id)
        } else {
            None
        }
    }

    /// Counts one poll; called by the holder of `RUNNING` only, so a load
    /// and a store suffice.
    #[inline]
    pub(crate) fn count_poll(&self) {
        let polls = self.polls.load(Relaxed);
        self.polls.store(polls.saturating_add(1), Relaxed);
    }
}

/// What a task records about its spawn.
#[derive(Clone, Copy)]
pub(crate) struct SpawnInfo<'a> {
    pub(crate) id: TaskId,
    pub(crate) name: Option<&'a str>,
    pub(crate) location: &'static Location<'static>,
}

impl<'a> SpawnInfo<'a> {
    /// A fresh id, `name`, and the location of the caller's caller chain
    /// (through every `#[track_caller]` frame).
    #[track_caller]
    #[inline]
    pub(crate) fn here(name: Option<&'a str>) -> SpawnInfo<'a> {
        SpawnInfo::at(name, Location::caller())
    }

    /// A fresh id, `name`, and `location`.
    #[inline]
    pub(crate) fn at(name: Option<&'a str>, location: &'static Location<'static>) -> SpawnInfo<'a> {
        SpawnInfo {
            id: TaskId::next(),
            name,
            location,
        }
    }
}

impl<F: Future, S: Schedule> Cell<F, S> {
    /// Allocates a task; the state starts as described in `state`.
    #[inline]
    pub(crate) fn allocate(future: F, scheduler: S, spawn: SpawnInfo<'_>) -> NonNull<Header> {
        let cell = Box::new(Cell {
            header: Header {
                state: State::new(spawn.name.is_some()),
                vtable: super::harness::vtable::<F, S>(),
                id: spawn.id,
                join_waker: UnsafeCell::new(JoinWaker::empty()),
                polls: AtomicU32::new(0),
                spawned: Tick::now(),
                slot: UnsafeCell::new(super::list::UNLINKED),
                spawned_at: LocationId::of(spawn.location),
                #[cfg(feature = "tracing")]
                span: super::trace::spawn_span(S::KIND, &spawn),
            },
            scheduler,
            stage: UnsafeCell::new(Stage {
                future: ManuallyDrop::new(future),
            }),
        });
        NonNull::from(Box::leak(cell)).cast()
    }
}

/// A type-erased pointer to a task. Copy; owns nothing by itself: the
/// handle types around it own one reference each.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a task is shared between threads by design; its fields follow the
// ground rules above (atomic state, or access gated by state bits or locks).
// The future and output are `Send` for `spawn`; a local task's (`local.rs`)
// are touched only on its owner thread: its scheduler queues it there
// alone, a cancel elsewhere notifies it instead of dropping
// (`may_drop_here`), and the owner completes every task it lists before it
// goes away, so a last reference dropped elsewhere frees no future.
unsafe impl Send for RawTask {}
// SAFETY: as for `Send`: every shared access goes through the state word.
unsafe impl Sync for RawTask {}

impl RawTask {
    #[inline]
    pub(crate) fn new<F, S>(future: F, scheduler: S, spawn: SpawnInfo<'_>) -> RawTask
    where
        F: Future,
        S: Schedule,
    {
        RawTask {
            ptr: Cell::allocate(future, scheduler, spawn),
        }
    }

    /// # Safety
    /// - `ptr` points to a live task header.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn as_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: every `RawTask` in use stands for a counted reference, so
        // the allocation is live while `self` is borrowed.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn state(&self) -> &State {
        &self.header().state
    }

    /// Runs the task, consuming the caller's `Notified` reference.
    pub(crate) fn poll(self) {
        // SAFETY: the caller hands over a `Notified` reference, which the
        // vtable's `poll` consumes; the header is live while it is held.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// Schedules the task, handing one reference to the scheduler.
    pub(crate) fn schedule(self) {
        // SAFETY: the caller transferred one reference to the `Notified`
        // created inside `schedule`.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// Frees the task.
    ///
    /// # Safety
    /// - The reference count just dropped to zero.
    pub(crate) unsafe fn dealloc(self) {
        // SAFETY: per this function's contract no reference is left.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// # Safety
    /// - The caller is the task's `JoinHandle`, not reading the output at
    ///   the same time, and has not taken the output.
    pub(crate) unsafe fn poll_finished(self, waker: &Waker) -> Option<bool> {
        // SAFETY: forwarded contract.
        unsafe { (self.header().vtable.poll_finished)(self.ptr, waker) }
    }

    /// # Safety
    /// - The caller is the `JoinHandle` of this task, has not taken the
    ///   output yet, and `dst` points to a `Poll<Result<T, JoinError>>` with
    ///   `T` the task's output type.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded contract.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// # Safety
    /// - Called once, by the `JoinHandle`, giving up its reference;
    ///   `output_taken` says truly whether it read the output.
    pub(crate) unsafe fn drop_join_handle(self, output_taken: bool) {
        // SAFETY: forwarded contract.
        unsafe { (self.header().vtable.drop_join_handle)(self.ptr, output_taken) }
    }

    /// # Safety
    /// - The caller holds `RUNNING` (claimed through a cancel transition)
    ///   and one reference, which this consumes.
    pub(crate) unsafe fn cancel(self) {
        // SAFETY: forwarded contract.
        unsafe { (self.header().vtable.cancel)(self.ptr) }
    }

    /// Whether the calling thread may drop the future: true except for a
    /// local task off its owner thread.
    pub(crate) fn may_drop_here(self) -> bool {
        // SAFETY: the header is live while `self` stands for a reference.
        unsafe { (self.header().vtable.may_drop_here)(self.ptr) }
    }

    /// Drops one reference, freeing the task if it was the last.
    pub(crate) fn drop_reference(self) {
        if self.state().ref_dec() == super::state::RefDec::Last {
            // SAFETY: that was the last reference.
            unsafe { self.dealloc() }
        }
    }
}
