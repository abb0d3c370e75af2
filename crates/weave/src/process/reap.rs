//! The reaper: children whose `Child` was dropped before their exit was
//! seen. Each is reaped by a task of the current runtime that waits for
//! its exit; without a runtime (or if that task is cancelled by a
//! shutdown) it joins a process-wide list that every spawn and every
//! completed wait sweeps with a non-blocking `waitpid`.

use parking_lot::Mutex;
use std::future::poll_fn;
use std::process::Child;
use weave_reactor::ChildExit;

/// Children left to reap without a task.
static ORPHANS: Mutex<Vec<Child>> = Mutex::new(Vec::new());

/// Reaps `child` now if it exited, else later (see the module docs).
pub(crate) fn adopt(mut child: Child, exit: ChildExit) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let Ok(handle) = crate::Handle::try_current() else {
        ORPHANS.lock().push(child);
        return;
    };
    let mut orphan = Orphan(Some(child));
    drop(handle.spawn(async move {
        let reaped = poll_fn(|cx| {
            let child = orphan.0.as_mut().expect("the orphan is there until reaped");
            exit.poll_wait(cx, || child.try_wait())
        })
        .await;
        if reaped.is_ok() {
            // Reaped: nothing for the list.
            drop(orphan.0.take());
        }
    }));
}

/// A child whose reaping task may be cancelled: then the list takes it.
struct Orphan(Option<Child>);

impl Drop for Orphan {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            ORPHANS.lock().push(child);
        }
    }
}

/// Reaps the listed children that have exited.
pub(crate) fn sweep() {
    let mut orphans = ORPHANS.lock();
    if !orphans.is_empty() {
        orphans.retain_mut(|child| matches!(child.try_wait(), Ok(None)));
    }
}
