//! The `tracing` feature: every task is a `runtime.spawn` span with the
//! fields tokio-console reads, each poll enters and exits it, and wakes
//! are `runtime::waker` events naming the span — checked with a
//! subscriber that records what it is given.

#![cfg(feature = "tracing")]

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

#[derive(Debug, Default, Clone)]
struct SpanRecord {
    name: &'static str,
    target: &'static str,
    fields: HashMap<String, String>,
    enters: u64,
    exits: u64,
    closed: bool,
}

#[derive(Debug, Default)]
struct Seen {
    spans: HashMap<u64, SpanRecord>,
    /// `runtime::waker` events: (op, task.id).
    wakes: Vec<(String, u64)>,
}

#[derive(Default)]
struct Recorder {
    next: AtomicU64,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Fields(HashMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

struct Shared(Arc<Recorder>);

impl Subscriber for Shared {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, SeqCst) + 1;
        let mut fields = Fields::default();
        span.record(&mut fields);
        let record = SpanRecord {
            name: span.metadata().name(),
            target: span.metadata().target(),
            fields: fields.0,
            ..SpanRecord::default()
        };
        self.0.seen.lock().unwrap().spans.insert(id, record);
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        if event.metadata().target() == "runtime::waker" {
            let mut fields = Fields::default();
            event.record(&mut fields);
            let op = fields.0.get("op").cloned().unwrap_or_default();
            let task = fields
                .0
                .get("task.id")
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            self.0.seen.lock().unwrap().wakes.push((op, task));
        }
    }
    fn enter(&self, span: &Id) {
        if let Some(s) = self.0.seen.lock().unwrap().spans.get_mut(&span.into_u64()) {
            s.enters += 1;
        }
    }
    fn exit(&self, span: &Id) {
        if let Some(s) = self.0.seen.lock().unwrap().spans.get_mut(&span.into_u64()) {
            s.exits += 1;
        }
    }
    fn try_close(&self, span: Id) -> bool {
        if let Some(s) = self.0.seen.lock().unwrap().spans.get_mut(&span.into_u64()) {
            s.closed = true;
        }
        true
    }
}

/// The process-wide recorder: the workers are other threads, so the
/// subscriber is the global default (set once for this test binary).
fn recorder() -> &'static Arc<Recorder> {
    static RECORDER: OnceLock<Arc<Recorder>> = OnceLock::new();
    RECORDER.get_or_init(|| {
        let recorder = Arc::new(Recorder::default());
        tracing::subscriber::set_global_default(Shared(recorder.clone())).unwrap();
        recorder
    })
}

fn spans_named(name_field: &str) -> Vec<(u64, SpanRecord)> {
    let seen = recorder().seen.lock().unwrap();
    seen.spans
        .iter()
        .filter(|(_, s)| {
            s.name == "runtime.spawn"
                && s.fields.get("task.name").map(String::as_str) == Some(name_field)
        })
        .map(|(id, s)| (*id, s.clone()))
        .collect()
}

#[test]
fn tasks_are_runtime_spawn_spans_entered_per_poll_and_wakes_name_them() {
    let recorder = recorder();
    // Paused: every sleep registers its timer and is woken through its
    // waker, however slow the machine (virtual time jumps to it).
    let rt = weave::Builder::new()
        .worker_threads(2)
        .start_paused(true)
        .build()
        .unwrap();
    let (line, task_id) = rt.block_on(async {
        let line = line!() + 1;
        let sleeper = weave::task::Builder::new().name("sleeper").spawn(async {
            for _ in 0..3 {
                weave::sleep(Duration::from_millis(1)).await;
            }
            // A timer cancelled unfired: its clone of the waker is dropped.
            let _ = weave::wait_for(
                weave::sleep(Duration::from_secs(60)),
                Duration::from_millis(1),
            )
            .await;
        });
        let id = sleeper.id();
        sleeper.await.unwrap();
        let local = weave::spawn_local(async {
            weave::yield_now().await;
        });
        local.await.unwrap();
        weave::spawn_blocking(|| ()).await.unwrap();
        (line, id)
    });
    drop(rt);
    let sleeper = spans_named("sleeper");
    assert_eq!(sleeper.len(), 1, "{sleeper:?}");
    let (span_id, span) = &sleeper[0];
    assert_eq!(span.target, "runtime::spawn");
    assert_eq!(span.fields["kind"], "task");
    assert_eq!(span.fields["task.id"], task_id.as_u64().to_string());
    assert_eq!(span.fields["loc.file"], file!());
    assert_eq!(span.fields["loc.line"], line.to_string());
    assert!(span.fields.contains_key("loc.col"), "{span:?}");
    // Four polls at least (three sleeps, then done), each entered and left.
    assert!(span.enters >= 4, "{span:?}");
    assert_eq!(span.enters, span.exits, "{span:?}");
    assert!(span.closed, "the span closes when the task is freed");
    // Each sleep's timer woke the task through its waker, by name.
    let seen = recorder.seen.lock().unwrap();
    let wakes: Vec<_> = seen.wakes.iter().filter(|(_, t)| t == span_id).collect();
    assert!(
        wakes
            .iter()
            .filter(|(op, _)| op == "waker.wake" || op == "waker.wake_by_ref")
            .count()
            >= 3,
        "{wakes:?}"
    );
    assert!(wakes.iter().any(|(op, _)| op == "waker.clone"), "{wakes:?}");
    assert!(wakes.iter().any(|(op, _)| op == "waker.drop"), "{wakes:?}");
    drop(seen);
    let seen = recorder.seen.lock().unwrap();
    assert!(
        seen.spans
            .values()
            .any(|s| s.name == "runtime.spawn" && s.fields["kind"] == "local"),
        "a local task is a span too"
    );
    assert!(
        seen.spans
            .values()
            .any(|s| s.name == "runtime.spawn" && s.fields["kind"] == "blocking"),
        "a blocking job is a span too"
    );
}
