//! Shuffled schedules: one worker whose next task is drawn, with a seeded
//! generator, from every task ready (`Builder::shuffle_seed`).
//!
//! A test that passes under the usual schedule may still hold an ordering
//! bug that another interleaving shows. A shuffled runtime explores those:
//! - its one worker is the thread in `block_on`, which polls the main
//!   future as one of the ready tasks. There is no worker thread, so the
//!   main future, the spawned tasks and the local ones interleave on one
//!   thread, one step at a time;
//! - at each step every ready task (spawned, woken, yielded, local, and
//!   the main future if woken) is in one pool, and the next one is drawn
//!   from it with the seed's generator. There is no LIFO slot and no
//!   deferral of yields: a wake, a spawn and a yield all just make a task
//!   ready, and the draw decides;
//! - the facade starts a shuffled runtime's clock paused, so timers fire
//!   in virtual time, where they are due in the order the steps make them
//!   due, not when a real clock says so.
//!
//! So one seed replays one interleaving, as long as the test's work stays
//! inside the runtime: blocking jobs run on real threads, and I/O with a
//! peer outside the runtime arrives when it does.
//!
//! Tasks run only while a `block_on` runs the worker (as on a
//! current-thread runtime): a task spawned from another thread waits for
//! the next `block_on`. A second `block_on` at the same time (from a
//! blocking job) runs as usual, its spawns and timers served by the first
//! — as long as the first runs: one left waiting after the first returned
//! is served again only by the next `block_on` that runs the worker.

use crate::block_on::{poll_main, MainActivity, MainWake};
use crate::context;
use crate::coop;
use crate::queue::Local;
use crate::shared::Shared;
use crate::task::{Notified, TaskId};
use crate::worker::{CloseLocals, WorkerContext, MAINTENANCE_INTERVAL};
use parking_lot::Mutex;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// What a shuffled runtime keeps between `block_on` calls: its seed and
/// its one worker's queue.
pub(crate) struct ShuffleSeat {
    seed: u64,
    /// Taken by the `block_on` that runs the worker, given back after.
    local: Mutex<Option<Local>>,
}

impl ShuffleSeat {
    pub(crate) fn new(seed: u64, local: Local) -> ShuffleSeat {
        ShuffleSeat {
            seed,
            local: Mutex::new(Some(local)),
        }
    }

    /// Drops the queued references (the runtime's shutdown cancels the
    /// tasks through their list).
    pub(crate) fn drain(&self) {
        if let Some(local) = self.local.lock().as_ref() {
            while let Some(task) = local.pop() {
                drop(task);
            }
        }
    }
}

/// The draw: the generator and the pool of ready tasks.
pub(crate) struct Shuffle {
    state: Cell<u64>,
    pool: RefCell<Vec<Notified>>,
}

/// What the draw picked.
pub(crate) enum Pick {
    /// The `block_on` future.
    Main,
    Task(Notified),
}

impl Shuffle {
    pub(crate) fn new(seed: u64) -> Shuffle {
        Shuffle {
            state: Cell::new(seed),
            pool: RefCell::new(Vec::new()),
        }
    }

    /// splitmix64: every seed, 0 included, gives a full-period stream.
    fn next(&self) -> u64 {
        let state = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.state.set(state);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Gathers every ready task of `worker` into the pool and draws the
    /// next to run (`main_ready`: the main future is one of them).
    pub(crate) fn draw(&self, worker: &WorkerContext, main_ready: bool) -> Option<Pick> {
        let mut pool = self.pool.borrow_mut();
        worker.gather_ready(&mut pool);
        let n = pool.len() + usize::from(main_ready);
        if n == 0 {
            return None;
        }
        let drawn = (self.next() % n as u64) as usize;
        if drawn == pool.len() {
            return Some(Pick::Main);
        }
        Some(Pick::Task(pool.swap_remove(drawn)))
    }

    /// Puts the tasks drawn from but not run back in the queue, in order.
    fn give_back(&self, local: &Local) {
        for task in self.pool.borrow_mut().drain(..) {
            local.push(task);
        }
    }
}

/// Runs `future` as the shuffled worker of `shared`; gives the future
/// back if the runtime is not shuffled or another `block_on` runs its
/// worker.
pub(crate) fn block_on<F: Future>(shared: &Arc<Shared>, future: F) -> Result<F::Output, F> {
    let Some(seat) = &shared.shuffle else {
        return Err(future);
    };
    let Some(local) = seat.local.lock().take() else {
        return Err(future);
    };
    let seated = Seated {
        seat,
        shuffle: Shuffle::new(seat.seed),
        worker: Some(WorkerContext::new(shared.clone(), 0, local)),
    };
    let worker = seated.worker.as_ref().expect("seated");
    Ok(run(worker, &seated.shuffle, future))
}

/// The worker a `block_on` runs; gives its queue back to the seat when
/// the `block_on` ends, also by unwinding (a panicking future), with the
/// tasks drawn from but not run back in it, so that the next `block_on`
/// runs them.
struct Seated<'a> {
    seat: &'a ShuffleSeat,
    shuffle: Shuffle,
    worker: Option<WorkerContext>,
}

impl Drop for Seated<'_> {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            self.shuffle.give_back(&worker.local);
            *self.seat.local.lock() = Some(worker.into_local());
        }
    }
}

/// The shuffled worker's loop, until the main future completes.
fn run<F: Future>(worker: &WorkerContext, shuffle: &Shuffle, future: F) -> F::Output {
    let _worker = context::enter_worker(worker);
    worker.set_shuffled();
    // Dropped after the future and the activity: the local tasks left are
    // cancelled here, on this thread, as the worker's are.
    let _locals = CloseLocals(worker);
    let main = MainWake::for_worker(&worker.shared);
    let _activity = MainActivity::enter(&main);
    let waker = Waker::from(main.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    let id = TaskId::next();
    let _unbudgeted = coop::disable_budget();
    let mut tick = 0u32;
    loop {
        tick = tick.wrapping_add(1);
        if tick % MAINTENANCE_INTERVAL == 0 {
            worker.maintenance();
        }
        match shuffle.draw(worker, main.is_woken()) {
            Some(Pick::Main) => {
                main.take();
                if let Poll::Ready(out) = poll_main(id, future.as_mut(), &mut cx) {
                    return out;
                }
            }
            Some(Pick::Task(task)) => worker.run_task(task),
            None => {
                // A blocking job's `Handle::block_on` may run the worker:
                // asleep, it holds no clock (see `JobAsleep`).
                let _job = crate::blocking::JobAsleep::new(worker.shared.driver.as_ref());
                worker.park_until(|| main.is_woken());
            }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_seed_gives_one_stream_and_seeds_differ() {
        let draws = |seed| {
            let s = Shuffle::new(seed);
            (0..8).map(|_| s.next()).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        assert!(draws(0).iter().all(|&x| x != 0), "seed 0 is a seed too");
    }
}
