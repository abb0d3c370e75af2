//! Tasks as `tracing` spans, for tokio-console (feature `tracing`).
//!
//! console-subscriber recognises a task by the name of its span,
//! `runtime.spawn`, and reads its fields `kind`, `task.name`, `task.id`
//! and `loc.file` / `loc.line` / `loc.col`; a poll is the span entered
//! and exited; a wake is an event with target `runtime::waker` whose `op`
//! is `waker.wake`, `waker.wake_by_ref`, `waker.clone` or `waker.drop` and
//! whose `task.id` is the span's id. The span's target is
//! `runtime::spawn`, which the console's default filter
//! (`tokio=trace,runtime=trace`) lets through.
//!
//! Without the feature nothing here is compiled: the task header has no
//! span, and polls and wakes call nothing.

use super::raw::{Header, SpawnInfo};

/// The span of a new task of `kind` ("task", "local" or "blocking").
/// `parent: None`: a task spawned inside another task's poll is no child
/// of it (the console counts a poll for the innermost entered task span).
pub(crate) fn spawn_span(kind: &'static str, spawn: &SpawnInfo<'_>) -> tracing::Span {
    tracing::trace_span!(
        target: "runtime::spawn",
        parent: None,
        "runtime.spawn",
        kind = kind,
        task.name = spawn.name.unwrap_or_default(),
        task.id = spawn.id.as_u64(),
        loc.file = spawn.location.file(),
        loc.line = spawn.location.line(),
        loc.col = spawn.location.column(),
    )
}

/// A waker operation on the task of `header`, as console-subscriber reads
/// it.
#[inline]
pub(crate) fn waker_op(header: &Header, op: &'static str) {
    if let Some(id) = header.span.id() {
        tracing::trace!(target: "runtime::waker", op = op, task.id = id.into_u64());
    }
}
