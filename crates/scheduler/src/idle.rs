//! Which workers are parked and which are searching for work, and the
//! protocol that makes sure new work never waits while a worker sleeps.
//!
//! `state` packs two counters: the number of unparked workers (high half)
//! and the number of searching workers (low half). `sleepers` lists parked
//! workers; it and every increment of `state` are changed under its lock.
//!
//! No lost wake-up: a producer pushes its task, issues a `SeqCst` fence and
//! then reads `state` ([`Idle::worker_to_notify`]); a worker going to sleep
//! decrements `state` with `SeqCst` and then, if it was the last searcher,
//! looks at every queue once more. Either the producer sees that nobody is
//! searching and wakes a sleeper, or the last searcher sees the task.

use crate::loom::{AtomicUsize, Mutex, Ordering::SeqCst};

const UNPARK_SHIFT: usize = 16;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;
const SEARCH_MASK: usize = UNPARK_ONE - 1;

pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
    workers: usize,
}

fn searching(state: usize) -> usize {
    state & SEARCH_MASK
}

fn unparked(state: usize) -> usize {
    state >> UNPARK_SHIFT
}

/// Whether the worker that stopped searching (found work, or parked) was
/// the last searcher.
#[must_use = "the last searcher must wake another (found work) or re-check the queues (parked)"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Searchers {
    /// It was: nobody searches now.
    WasLast,
    /// Others still search, or it was not searching.
    Remain,
}

impl Searchers {
    fn after(was_last: bool) -> Searchers {
        if was_last {
            Searchers::WasLast
        } else {
            Searchers::Remain
        }
    }
}

/// What [`Idle::unpark_self`] found.
#[must_use = "a worker someone else woke was made a searcher by them"]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SelfUnpark {
    /// It was still listed as parked, and is not any more.
    Unparked,
    /// Someone woke it meanwhile (as a searcher).
    AlreadyWoken,
}

impl Idle {
    pub(crate) fn new(workers: usize) -> Idle {
        assert!(workers < SEARCH_MASK, "too many workers");
        Idle {
            state: AtomicUsize::new(workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(workers)),
            workers,
        }
    }

    fn should_wake(&self) -> bool {
        let state = self.state.load(SeqCst);
        searching(state) == 0 && unparked(state) < self.workers
    }

    /// Picks a parked worker to wake for new work, marking it unparked and
    /// searching; `None` if someone is already searching or nobody sleeps.
    /// The caller has pushed the work and issued a `SeqCst` fence.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_wake() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.should_wake() {
            return None;
        }
        let worker = sleepers.pop()?;
        self.state.fetch_add(UNPARK_ONE | 1, SeqCst);
        Some(worker)
    }

    /// Lets a worker start searching, unless half the workers already are.
    #[must_use = "false: half the workers search already, do not search"]
    pub(crate) fn try_start_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * searching(state) >= self.workers.max(2) {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searching worker found work. [`Searchers::WasLast`]: it should
    /// wake another worker to keep searching.
    pub(crate) fn stop_searching(&self) -> Searchers {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(prev) > 0);
        Searchers::after(searching(prev) == 1)
    }

    /// Records `worker` as parked. [`Searchers::WasLast`]: it was the last
    /// searcher, and must re-check every queue before sleeping.
    pub(crate) fn park(&self, worker: usize, was_searching: bool) -> Searchers {
        let mut sleepers = self.sleepers.lock();
        let prev = self
            .state
            .fetch_sub(UNPARK_ONE | usize::from(was_searching), SeqCst);
        sleepers.push(worker);
        Searchers::after(was_searching && searching(prev) == 1)
    }

    /// True if `worker` is still listed as parked (nobody woke it).
    pub(crate) fn is_parked(&self, worker: usize) -> bool {
        self.sleepers.lock().contains(&worker)
    }

    /// Takes `worker` off the sleepers list by itself (it found work in its
    /// own queue after waking).
    pub(crate) fn unpark_self(&self, worker: usize) -> SelfUnpark {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&w| w == worker) {
            Some(at) => {
                sleepers.swap_remove(at);
                self.state.fetch_add(UNPARK_ONE, SeqCst);
                SelfUnpark::Unparked
            }
            None => SelfUnpark::AlreadyWoken,
        }
    }

    /// Parked workers right now (for tests and metrics).
    pub(crate) fn num_parked(&self) -> usize {
        self.workers - unparked(self.state.load(SeqCst))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn notify_wakes_one_sleeper_as_searcher() {
        let idle = Idle::new(2);
        assert_eq!(idle.worker_to_notify(), None, "nobody sleeps");
        assert_eq!(idle.park(0, false), Searchers::Remain);
        assert_eq!(idle.num_parked(), 1);
        assert_eq!(idle.worker_to_notify(), Some(0));
        // Worker 0 is searching now, so nobody else is woken.
        assert_eq!(idle.park(1, false), Searchers::Remain);
        assert_eq!(idle.worker_to_notify(), None);
        assert_eq!(idle.stop_searching(), Searchers::WasLast);
        assert_eq!(idle.worker_to_notify(), Some(1));
    }

    #[test]
    fn at_most_half_search() {
        let idle = Idle::new(4);
        assert!(idle.try_start_searching());
        assert!(idle.try_start_searching());
        assert!(!idle.try_start_searching());
        assert_eq!(idle.stop_searching(), Searchers::Remain);
        assert_eq!(idle.stop_searching(), Searchers::WasLast);
    }

    #[test]
    fn last_searcher_parking_is_reported() {
        let idle = Idle::new(2);
        assert!(idle.try_start_searching());
        assert_eq!(idle.park(0, true), Searchers::WasLast);
        assert!(idle.is_parked(0));
        assert_eq!(idle.unpark_self(0), SelfUnpark::Unparked);
        assert_eq!(idle.unpark_self(0), SelfUnpark::AlreadyWoken);
    }
}
