//! `block_on`: driving one future to completion on the calling thread,
//! with the local tasks spawned there, and how that thread counts in its
//! driver's activity (what holds a paused clock).

use crate::local::BlockOnLocal;
use crate::shared::Shared;
use crate::task::{self, TaskId};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use weave_driver::{Driver, ThreadPark};

/// The waker of the future in `block_on`: flags it woken, then wakes the
/// thread.
///
/// Under a driver, a woken main future holds a paused clock until its
/// poll starts (`weave_driver::Driver::enter_busy`): the wake that sets
/// [`WOKEN`] enters for it, the poll that clears it leaves. After
/// [`DONE`] (the `block_on` returned or unwound) wakes count nothing.
pub(crate) struct MainWake {
    state: AtomicU8,
    wakes: Wakes,
    driver: Option<Arc<Driver>>,
}

/// What a wake of the main future wakes.
enum Wakes {
    /// The `block_on` thread's own parker.
    Thread(Arc<ThreadPark>),
    /// The worker a shuffled runtime's `block_on` runs (`shuffle.rs`).
    Worker(Arc<Shared>),
}

const WOKEN: u8 = 1;
const DONE: u8 = 2;

impl MainWake {
    /// A main future's waker state, woken to start with (the first poll),
    /// counted busy under `driver`.
    fn new(wakes: Wakes, driver: Option<Arc<Driver>>) -> Arc<MainWake> {
        if let Some(driver) = &driver {
            driver.enter_busy();
        }
        Arc::new(MainWake {
            state: AtomicU8::new(WOKEN),
            wakes,
            driver,
        })
    }

    /// Takes the wake-up; true if the future was woken.
    pub(crate) fn take(&self) -> bool {
        let woken = self.state.fetch_and(!WOKEN, SeqCst) & WOKEN != 0;
        if woken {
            self.leave_busy();
        }
        woken
    }

    pub(crate) fn is_woken(&self) -> bool {
        self.state.load(SeqCst) & WOKEN != 0
    }

    fn leave_busy(&self) {
        if let Some(driver) = &self.driver {
            driver.leave_busy();
        }
    }
}

impl Wake for MainWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        // Counted before the flag is set: the thread that takes the flag
        // counts out a wake that was counted in.
        if self.state.load(SeqCst) & (WOKEN | DONE) == 0 {
            if let Some(driver) = &self.driver {
                driver.enter_busy();
                if self.state.fetch_or(WOKEN, SeqCst) & (WOKEN | DONE) != 0 {
                    // Woken (or done) meanwhile by another: not ours.
                    driver.leave_busy();
                }
            } else {
                self.state.fetch_or(WOKEN, SeqCst);
            }
        }
        match &self.wakes {
            Wakes::Thread(park) => park.unpark(),
            Wakes::Worker(shared) => shared.remotes[0].park.unpark(),
        }
    }
}

/// The `block_on` thread's own count in its driver's activity: busy from
/// `block_on`'s start to its end (also by unwinding), except while it
/// sleeps; and the end of the main future's wake-ups.
pub(crate) struct MainActivity<'a>(&'a MainWake);

impl<'a> MainActivity<'a> {
    pub(crate) fn enter(main: &'a MainWake) -> MainActivity<'a> {
        if let Some(driver) = &main.driver {
            driver.enter_busy();
        }
        MainActivity(main)
    }

    /// Sleeps on the thread's parker, not counted busy meanwhile. On a
    /// blocking-pool thread of the same runtime, the job that called
    /// `Handle::block_on` is not counted either while it sleeps here: it
    /// waits for the runtime, and holding the clock would keep a timer it
    /// waits for from ever firing.
    fn park(&self, park: &ThreadPark) {
        let _job = crate::blocking::JobAsleep::new(self.0.driver.as_ref());
        self.0.leave_busy();
        park.park(None);
        if let Some(driver) = &self.0.driver {
            driver.enter_busy();
        }
    }
}

impl Drop for MainActivity<'_> {
    fn drop(&mut self) {
        // A wake-up not taken is counted out with the thread.
        if self.0.state.fetch_or(DONE, SeqCst) & WOKEN != 0 {
            self.0.leave_busy();
        }
        self.0.leave_busy();
    }
}

/// Polls `future` on this thread, sleeping between polls; each poll runs
/// as the block_on task with a fresh budget. Between polls it runs the
/// local tasks spawned on this thread (`spawn_local`), which are
/// cancelled here when it returns.
///
/// The thread sleeps on a parker of its own, not on `std::thread::park`: a
/// future that itself parks the thread (a blocking channel receive inside
/// a poll) could otherwise consume the wake-up meant for the loop.
///
/// A shuffled runtime's `block_on` runs its worker instead
/// (`shuffle.rs`), unless another `block_on` runs it already.
pub(crate) fn block_on<F: Future>(shared: &Arc<Shared>, future: F) -> F::Output {
    let future = match crate::shuffle::block_on(shared, future) {
        Ok(out) => return out,
        Err(future) => future,
    };
    let id = TaskId::next();
    let park = Arc::new(ThreadPark::new());
    let main = MainWake::new(Wakes::Thread(park.clone()), shared.driver.clone());
    let activity = MainActivity::enter(&main);
    let local = BlockOnLocal::new(shared.clone(), park.clone());
    // Declared before the future, so dropped after it: the main future
    // goes first, then the local tasks it left.
    let _local = local.enter();
    let waker = Waker::from(main.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    // The caller's budget is not the future's (a `blocking_*` call of a
    // task that spent its budget would otherwise be held back for good);
    // each poll gets a fresh one.
    let _unbudgeted = crate::coop::disable_budget();
    loop {
        if main.take() {
            if let Poll::Ready(out) = poll_main(id, future.as_mut(), &mut cx) {
                return out;
            }
        }
        let more = local.run_ready();
        if !more && !main.is_woken() {
            activity.park(&park);
        }
    }
}

/// Polls a `block_on` future once, as the task `id`, with a fresh budget.
pub(crate) fn poll_main<F: Future>(
    id: TaskId,
    future: std::pin::Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    let _task = task::enter_task(id);
    let _budget = crate::coop::reset_budget();
    future.poll(cx)
}

impl MainWake {
    /// The waker state of a shuffled runtime's main future: its wakes
    /// wake the worker the `block_on` thread runs.
    pub(crate) fn for_worker(shared: &Arc<Shared>) -> Arc<MainWake> {
        MainWake::new(Wakes::Worker(shared.clone()), shared.driver.clone())
    }
}
