//! The reaper: children whose `Child` was dropped before their exit was
//! seen. One thread per process (`weave-reaper`, started with the first
//! orphan) waits for all of them through the reactor — each orphan's
//! `ChildExit` in the process-wide fallback reactor, so it keeps working
//! whatever runtime the child was spawned in, and after that runtime is
//! gone — and reaps each as it exits. So no orphan waits for this process
//! to spawn again, and no thread waits per child.

use parking_lot::Mutex;
use std::future::poll_fn;
use std::process::Child;
use std::sync::OnceLock;
use std::task::{Poll, Waker};
use weave_reactor::ChildExit;

/// Orphans handed over and not yet picked up by the reaper thread, and
/// its waker.
struct Inbox {
    children: Vec<Child>,
    waker: Option<Waker>,
}

static INBOX: Mutex<Inbox> = Mutex::new(Inbox {
    children: Vec::new(),
    waker: None,
});
static REAPER: OnceLock<()> = OnceLock::new();

/// Reaps `child` now if it has exited, else hands it to the reaper thread.
pub(crate) fn adopt(mut child: Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let waker = {
        let mut inbox = INBOX.lock();
        inbox.children.push(child);
        inbox.waker.take()
    };
    REAPER.get_or_init(|| {
        std::thread::Builder::new()
            .name("weave-reaper".into())
            .spawn(reap_forever)
            .expect("failed to start the thread that reaps dropped children");
    });
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The reaper thread: waits for every orphan's exit and reaps it.
fn reap_forever() {
    let mut watched: Vec<(Child, Option<ChildExit>)> = Vec::new();
    weave_reactor::__block_on(poll_fn(|cx| {
        {
            let mut inbox = INBOX.lock();
            inbox.waker = Some(cx.waker().clone());
            for child in inbox.children.drain(..) {
                watched.push((child, None));
            }
        }
        watched.retain_mut(|(child, exit)| {
            if exit.is_none() {
                // Made here, on this thread: in the fallback reactor. If
                // that fails (no descriptors left), the child is checked
                // again at the next wake-up.
                *exit = ChildExit::new(child.id()).ok();
            }
            match exit {
                Some(watch) => match watch.poll_wait(cx, || child.try_wait()) {
                    Poll::Ready(Ok(_)) => false,
                    // The watcher failed: checked again at each wake-up.
                    Poll::Ready(Err(_)) => {
                        *exit = None;
                        matches!(child.try_wait(), Ok(None))
                    }
                    Poll::Pending => true,
                },
                None => matches!(child.try_wait(), Ok(None)),
            }
        });
        Poll::<()>::Pending
    }));
}
