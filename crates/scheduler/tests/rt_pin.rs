//! A task's future is pinned from its first poll until it is dropped: the
//! runtime drops it where it lies on every path (completion, cancel of an
//! idle task, runtime shutdown, a panic in `poll`). A future that records
//! its own address when polled checks that address again in `Drop`.

mod support;

use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};
use support::rt;

/// Pending for `pending_polls` polls (waking itself each time), then ready
/// (or pending forever when `pending_polls` is `usize::MAX`). Counts drops
/// that happened at an address other than the one it was polled at.
struct AddressCheck {
    polled_at: usize,
    pending_polls: usize,
    panic_on_poll: bool,
    started: Arc<AtomicBool>,
    moved: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
    _pin: PhantomPinned,
}

impl AddressCheck {
    fn new(pending_polls: usize, counters: &Counters) -> Self {
        AddressCheck {
            polled_at: 0,
            pending_polls,
            panic_on_poll: false,
            started: counters.started.clone(),
            moved: counters.moved.clone(),
            dropped: counters.dropped.clone(),
            _pin: PhantomPinned,
        }
    }
}

impl Future for AddressCheck {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: no field is moved out; we only read and write plain data.
        let this = unsafe { self.get_unchecked_mut() };
        let here = this as *const AddressCheck as usize;
        if this.polled_at != 0 && this.polled_at != here {
            this.moved.fetch_add(1, SeqCst);
        }
        this.polled_at = here;
        this.started.store(true, SeqCst);
        if this.panic_on_poll {
            panic!("poll panics on purpose");
        }
        match this.pending_polls {
            0 => Poll::Ready(()),
            usize::MAX => Poll::Pending,
            ref mut n => {
                *n -= 1;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    }
}

impl Drop for AddressCheck {
    fn drop(&mut self) {
        if self.polled_at != 0 && self.polled_at != self as *const AddressCheck as usize {
            self.moved.fetch_add(1, SeqCst);
        }
        self.dropped.fetch_add(1, SeqCst);
    }
}

#[derive(Default)]
struct Counters {
    started: Arc<AtomicBool>,
    moved: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

#[test]
fn a_completed_future_is_dropped_in_place() {
    let rt = rt(2);
    let c = Counters::default();
    rt.block_on(rt.spawn(AddressCheck::new(3, &c))).unwrap();
    assert_eq!(c.dropped.load(SeqCst), 1);
    assert_eq!(
        c.moved.load(SeqCst),
        0,
        "the future was moved after its first poll"
    );
}

#[test]
fn a_cancelled_idle_future_is_dropped_in_place() {
    let rt = rt(1);
    let c = Counters::default();
    let handle = rt.spawn(AddressCheck::new(usize::MAX, &c));
    while !c.started.load(SeqCst) || rt.handle().parked_workers() < 1 {
        std::thread::yield_now();
    }
    assert!(handle.cancel());
    assert_eq!(c.dropped.load(SeqCst), 1);
    assert_eq!(
        c.moved.load(SeqCst),
        0,
        "cancel moved the pinned future before dropping it"
    );
    assert!(rt.block_on(handle).unwrap_err().is_cancelled());
}

#[test]
fn futures_alive_at_shutdown_are_dropped_in_place() {
    let rt = rt(2);
    let c = Counters::default();
    for _ in 0..64 {
        drop(rt.spawn(AddressCheck::new(usize::MAX, &c)));
    }
    while !c.started.load(SeqCst) {
        std::thread::yield_now();
    }
    drop(rt);
    assert_eq!(c.dropped.load(SeqCst), 64);
    assert_eq!(c.moved.load(SeqCst), 0, "shutdown moved a pinned future");
}

#[test]
fn a_future_that_panics_in_poll_is_dropped_in_place() {
    let rt = rt(1);
    let c = Counters::default();
    let mut future = AddressCheck::new(usize::MAX, &c);
    future.panic_on_poll = true;
    assert!(rt.block_on(rt.spawn(future)).unwrap_err().is_panic());
    assert_eq!(c.dropped.load(SeqCst), 1);
    assert_eq!(c.moved.load(SeqCst), 0);
}
