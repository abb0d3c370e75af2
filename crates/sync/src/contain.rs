//! Containing panics of code that weave calls on behalf of others: wakers
//! (another executor's may panic), callbacks (`call_soon`, `call_later`)
//! and the drops of values it was handed (a future, an output, a captured
//! sender). None of them may unwind through a worker, or through a guard's
//! `Drop`, or leave the caller's state half-updated. Every weave crate uses
//! these three (the module is public for that, hidden from the docs).

use std::any::Any;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::task::Waker;

/// Reports a callback's panic on stderr and drops its payload, neither of
/// which may panic in turn (a payload whose `Drop` panics, a closed stderr).
pub fn report(what: &str, payload: Box<dyn Any + Send>) {
    let msg = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string payload)");
    let _ = writeln!(
        std::io::stderr(),
        "weave: a {what} callback panicked: {msg}; the runtime goes on"
    );
    drop_quietly(payload);
}

/// Wakes `waker`, swallowing a panic (and one from dropping its payload):
/// for code that wakes on behalf of others, where one foreign waker's
/// panic must not stop the rest.
#[inline]
pub fn wake_contained(waker: Waker) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| waker.wake())) {
        drop_quietly(payload);
    }
}

/// Wakes through a borrowed `waker`, as [`wake_contained`].
#[inline]
pub fn wake_by_ref_contained(waker: &Waker) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref())) {
        drop_quietly(payload);
    }
}

/// Drops `value`, swallowing a panic from its `Drop` (and from the drop of
/// that panic's payload).
pub fn drop_quietly<T>(value: T) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(value))) {
        std::mem::forget(payload);
    }
}
