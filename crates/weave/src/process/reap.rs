//! The reaper: children whose `Child` was dropped before their exit was
//! seen. One thread per process (`weave-reaper`, started with the first
//! orphan) waits for all of them through the reactor — each orphan's
//! `ChildExit` in the process-wide fallback reactor, so it keeps working
//! whatever runtime the child was spawned in, and after that runtime is
//! gone — and reaps each as it exits. So no orphan waits for this process
//! to spawn again, and no thread waits per child.
//!
//! A child whose watcher cannot be made (no descriptors left) is checked
//! again every [`RETRY`] until one can. A process forked without exec
//! inherits no reaper thread: its own orphans are not reaped.

use parking_lot::Mutex;
use std::process::Child;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use weave_reactor::ChildExit;
use weave_sync::ThreadPark;

/// How often a child without a watcher is checked.
const RETRY: Duration = Duration::from_millis(100);

/// Orphans handed over and not yet picked up by the reaper thread, and
/// whether that thread runs.
struct Inbox {
    children: Vec<Child>,
    park: Option<Arc<ThreadPark>>,
}

static INBOX: Mutex<Inbox> = Mutex::new(Inbox {
    children: Vec::new(),
    park: None,
});

/// Reaps `child` now if it has exited (or is not ours to wait for), else
/// hands it to the reaper thread.
pub(crate) fn adopt(mut child: Child) {
    if !matches!(child.try_wait(), Ok(None)) {
        return;
    }
    let mut inbox = INBOX.lock();
    inbox.children.push(child);
    match &inbox.park {
        Some(park) => park.unpark(),
        None => {
            let park = Arc::new(ThreadPark::new());
            let started = std::thread::Builder::new()
                .name("weave-reaper".into())
                .spawn({
                    let park = park.clone();
                    move || reap_forever(park)
                });
            // If the thread cannot start now, the next orphan tries again.
            if started.is_ok() {
                inbox.park = Some(park);
            }
        }
    }
}

/// The reaper thread: waits for every orphan's exit and reaps it.
fn reap_forever(park: Arc<ThreadPark>) {
    let waker = Waker::from(park.clone());
    let mut cx = Context::from_waker(&waker);
    let mut watched: Vec<(Child, Option<ChildExit>)> = Vec::new();
    loop {
        watched.extend(INBOX.lock().children.drain(..).map(|child| (child, None)));
        // Made here, on this thread (not a runtime's): in the fallback
        // reactor, whose own thread drives it. A panic there (it could not
        // be made) leaves the child to the retry below.
        watched.retain_mut(|(child, exit)| {
            if exit.is_none() {
                *exit = std::panic::catch_unwind(|| ChildExit::new(child.id()))
                    .ok()
                    .and_then(Result::ok);
            }
            let waited = match exit {
                Some(watch) => match watch.poll_wait(&mut cx, || child.try_wait()) {
                    Poll::Ready(Ok(_)) => return false,
                    Poll::Ready(Err(_)) => {
                        // The watcher failed: checked again by the retry.
                        *exit = None;
                        child.try_wait()
                    }
                    Poll::Pending => return true,
                },
                None => child.try_wait(),
            };
            matches!(waited, Ok(None))
        });
        let retry = watched.iter().any(|(_, exit)| exit.is_none());
        park.park(retry.then_some(RETRY));
    }
}
