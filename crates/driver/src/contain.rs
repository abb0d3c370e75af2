//! Containing panics of user code that the runtime calls: callbacks
//! (`call_soon`, `call_later`) and the drops of what they captured. Wakes
//! go through `weave_sync::wake_contained`. None of them may unwind
//! through a worker or leave the runtime's own state half-updated.

use std::any::Any;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};

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

/// Drops `value`, swallowing a panic from its `Drop` (and from the drop of
/// that panic's payload).
pub fn drop_quietly<T>(value: T) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(value))) {
        std::mem::forget(payload);
    }
}
