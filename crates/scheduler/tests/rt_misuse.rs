//! Bad input gets an error or a panic that names the mistake and the fix.

mod support;

use support::rt;
use weave_scheduler::{spawn, Handle, Runtime};

#[test]
fn zero_workers_is_an_error() {
    let err = Runtime::builder().worker_threads(0).build().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("worker_threads(0)"), "{err}");
    assert!(err.to_string().contains("at least one"), "{err}");
}

#[test]
fn zero_blocking_threads_is_an_error() {
    let err = Runtime::builder()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
#[should_panic(expected = "spawn called outside a runtime")]
fn spawn_outside_a_runtime_panics() {
    drop(spawn(async {}));
}

#[test]
fn the_outside_message_names_the_fix() {
    let err = std::panic::catch_unwind(|| spawn(async {})).unwrap_err();
    let msg = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned());
    let msg = msg.unwrap();
    assert!(
        msg.contains("Handle::spawn") && msg.contains("block_on"),
        "{msg}"
    );
}

#[test]
#[should_panic(expected = "Handle::current() called outside a runtime")]
fn handle_current_outside_a_runtime_panics() {
    let _ = Handle::current();
}

#[test]
fn try_current_outside_a_runtime_is_an_error() {
    let err = Handle::try_current().unwrap_err();
    assert!(err.to_string().contains("no runtime"));
}

#[test]
#[should_panic(expected = "block_on called from inside a runtime")]
fn nested_block_on_panics() {
    let rt = rt(1);
    let inner = rt.handle().clone();
    rt.block_on(async move { inner.block_on(async {}) });
}

#[test]
fn block_on_inside_a_task_panics_with_the_fix() {
    support::quiet_planned_panics();
    let rt = rt(1);
    let handle = rt.handle().clone();
    let err = rt
        .block_on(rt.spawn(async move { handle.block_on(async {}) }))
        .unwrap_err();
    let msg = err.to_string();
    assert!(err.is_panic(), "{msg}");
    assert!(
        msg.contains("from inside a runtime") && msg.contains(".await"),
        "{msg}"
    );
}
