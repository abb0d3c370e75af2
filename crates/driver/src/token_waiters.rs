//! The idle workers that found the driver token taken and sleep on their
//! `ThreadPark` instead of in the poller.
//!
//! The token's holder may be a busy worker's zero-timeout poll, or a
//! sleeper about to leave the poller for the work it was woken for. Once it
//! releases the token nobody would sleep in the poller, and timers and I/O
//! would wait for a busy worker's next maintenance turn (one whole poll of
//! a long-running task, possibly) while a worker sits idle. So a releaser
//! wakes one listed waiter, which takes the token and sleeps in the poller.
//!
//! The hand-off is a store-load pattern like `handoff.rs`: a waiter lists
//! itself and then tries the token; a releaser releases the token and then
//! reads the list (a `SeqCst` fence between the write and the read on each
//! side). Either the waiter gets the token, or the releaser sees it listed.

use weave_sync::loom::{fence, AtomicU64, Ordering::SeqCst};

const BITS: usize = u64::BITS as usize;

/// A set of worker indices, one bit each.
#[derive(Debug)]
pub(crate) struct TokenWaiters {
    words: Box<[AtomicU64]>,
}

impl TokenWaiters {
    /// An empty set for workers `0..workers`.
    pub(crate) fn new(workers: usize) -> TokenWaiters {
        TokenWaiters {
            words: (0..workers.div_ceil(BITS))
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    fn bit(worker: usize) -> (usize, u64) {
        (worker / BITS, 1 << (worker % BITS))
    }

    /// Lists `worker`, before it tries the token.
    pub(crate) fn add(&self, worker: usize) {
        let (word, bit) = TokenWaiters::bit(worker);
        self.words[word].fetch_or(bit, SeqCst);
        // Write, then read the token (the other side's variable).
        fence(SeqCst);
    }

    /// Unlists `worker` (it got the token, or woke up).
    pub(crate) fn remove(&self, worker: usize) {
        let (word, bit) = TokenWaiters::bit(worker);
        self.words[word].fetch_and(!bit, SeqCst);
    }

    /// After releasing the token: unlists and returns one listed worker,
    /// the caller to wake it.
    #[must_use = "the worker taken off the list must be woken"]
    pub(crate) fn take_one(&self) -> Option<usize> {
        // Wrote the token (released it), then read the list.
        fence(SeqCst);
        for (i, word) in self.words.iter().enumerate() {
            // Read-modify-writes, not loads: each reads the latest value,
            // and one that reads a waiter's `add` synchronizes with it, so
            // the hand-off holds under loom (which treats `SeqCst` fences
            // as acquire-release) as well as under the fences.
            let mut listed = word.fetch_or(0, SeqCst);
            while listed != 0 {
                let bit = listed & listed.wrapping_neg();
                let prev = word.fetch_and(!bit, SeqCst);
                if prev & bit != 0 {
                    return Some(i * BITS + bit.trailing_zeros() as usize);
                }
                listed = prev & !bit;
            }
        }
        None
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn takes_each_listed_worker_once() {
        let waiters = TokenWaiters::new(130);
        for w in [3, 64, 129] {
            waiters.add(w);
        }
        waiters.remove(64);
        let mut taken = Vec::new();
        while let Some(w) = waiters.take_one() {
            taken.push(w);
        }
        assert_eq!(taken, [3, 129]);
    }
}
