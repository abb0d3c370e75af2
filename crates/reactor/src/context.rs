//! Which reactor is current on a thread: the typed way a socket finds the
//! reactor of the runtime it is created in.
//!
//! The runtime's driver enters its reactor wherever the runtime is entered
//! ([`enter`]); outside, [`Reactor::current`] is a process-wide reactor
//! driven by a thread of its own, so the I/O types work on any executor.

use crate::reactor::Reactor;
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use weave_sync::scoped::{self, Restore};

/// A job that must run off the async workers (name resolution).
pub type BlockingJob = Box<dyn FnOnce() + Send>;

/// The current reactor, and where its blocking jobs run.
#[derive(Clone)]
struct Current {
    reactor: Arc<Reactor>,
    blocking: fn(BlockingJob),
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// Restores the previously current reactor when dropped. Not `Send`: it
/// must be dropped on the thread that entered, in the reverse order of
/// entering.
#[must_use = "the reactor stops being current when the guard drops"]
#[derive(Debug)]
pub struct EnterGuard {
    _restore: Restore<Current>,
}

/// Makes `reactor` current on this thread until the guard drops: sockets
/// created meanwhile register with it, and their blocking jobs go to
/// `blocking`.
///
/// ```
/// use std::sync::Arc;
/// use weave_reactor::Reactor;
///
/// let reactor = Arc::new(Reactor::new().unwrap());
/// let _enter = weave_reactor::enter(reactor.clone(), |job| drop(std::thread::spawn(job)));
/// assert!(Arc::ptr_eq(&Reactor::current(), &reactor));
/// ```
pub fn enter(reactor: Arc<Reactor>, blocking: fn(BlockingJob)) -> EnterGuard {
    set(Some(Current { reactor, blocking }))
}

/// Makes no runtime's reactor current on this thread until the guard
/// drops: sockets created meanwhile use the process-wide fallback reactor
/// (for a runtime without an I/O driver entered inside one with).
///
/// ```
/// use std::sync::Arc;
/// use weave_reactor::Reactor;
///
/// let reactor = Arc::new(Reactor::new().unwrap());
/// let _outer = weave_reactor::enter(reactor.clone(), |job| drop(std::thread::spawn(job)));
/// {
///     let _inner = weave_reactor::enter_fallback();
///     assert!(!Arc::ptr_eq(&Reactor::current(), &reactor));
/// }
/// assert!(Arc::ptr_eq(&Reactor::current(), &reactor));
/// ```
pub fn enter_fallback() -> EnterGuard {
    set(None)
}

fn set(current: Option<Current>) -> EnterGuard {
    EnterGuard {
        _restore: scoped::replace(&CURRENT, current),
    }
}

impl Reactor {
    /// The reactor of the runtime this thread is inside, or the
    /// process-wide fallback reactor.
    pub fn current() -> Arc<Reactor> {
        CURRENT
            .try_with(|c| c.borrow().as_ref().map(|c| c.reactor.clone()))
            .ok()
            .flatten()
            .unwrap_or_else(fallback)
    }
}

/// Runs `job` off the async workers: on the current runtime's blocking
/// pool, else on a new thread.
pub(crate) fn run_blocking(job: BlockingJob) {
    let blocking = CURRENT
        .try_with(|c| c.borrow().as_ref().map(|c| c.blocking))
        .ok()
        .flatten();
    match blocking {
        Some(blocking) => blocking(job),
        None => {
            std::thread::Builder::new()
                .name("weave-resolve".into())
                .spawn(job)
                .expect("failed to spawn a thread for name resolution");
        }
    }
}

/// The process-wide reactor for I/O outside any runtime, driven by a
/// thread of its own.
fn fallback() -> Arc<Reactor> {
    static FALLBACK: OnceLock<Arc<Reactor>> = OnceLock::new();
    FALLBACK
        .get_or_init(|| {
            let reactor =
                Arc::new(Reactor::new().expect("failed to create the fallback I/O reactor"));
            let driven = reactor.clone();
            std::thread::Builder::new()
                .name("weave-reactor".into())
                .spawn(move || loop {
                    if let Err(e) = driven.poll(None) {
                        eprintln!("weave-reactor: polling failed: {e}");
                        std::thread::sleep(Duration::from_millis(10));
                    }
                })
                .expect("failed to spawn the fallback reactor thread");
            reactor
        })
        .clone()
}
