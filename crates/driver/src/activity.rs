//! What holds a paused clock: the runtime's busy threads, counted.
//!
//! Auto-advance may move a paused clock only while nothing could still
//! make a task ready without the clock. One word counts the busy ones:
//! workers outside their park, threads in `block_on` that are awake or
//! whose main future is woken, and blocking jobs from their spawn until
//! their result is delivered. Its high half counts every
//! [`enter`](Activity::enter), so two equal readings mean that nothing
//! entered between them.
//!
//! The rule that makes a jump safe (`Driver::try_auto_advance`): read the
//! word and find no one busy, find every run queue empty, read the word
//! again unchanged. A ready task is in a queue, or held by a busy thread;
//! a task pushed after the first look was pushed by a thread busy then
//! (the first reading would show it) or by one that entered since (the
//! second would differ). What is left are threads outside the runtime
//! (a peer over a socket, a plain thread sending on a channel): they do
//! not hold the clock, and the docs say so.

// A std atomic also under loom: the models never pause the clock, and
// counting every park in them would only widen what they explore.
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

/// One busy thread, and one enter, in the word.
const ENTER: u64 = 1 | (1 << 32);
const BUSY_MASK: u64 = u32::MAX as u64;

/// The busy count and its enter count (see the module docs).
#[derive(Debug)]
pub(crate) struct Activity {
    word: AtomicU64,
}

/// A reading of the word with nobody busy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quiet(u64);

impl Activity {
    /// `busy` threads busy to start with.
    pub(crate) fn new(busy: usize) -> Activity {
        Activity {
            word: AtomicU64::new(busy as u64),
        }
    }

    /// One more thread (or job) is busy.
    #[inline]
    pub(crate) fn enter(&self) {
        self.word.fetch_add(ENTER, SeqCst);
    }

    /// One fewer; true if it was the last.
    #[inline]
    pub(crate) fn leave(&self) -> bool {
        let prev = self.word.fetch_sub(1, SeqCst);
        debug_assert!(prev & BUSY_MASK != 0, "a leave without an enter");
        prev & BUSY_MASK == 1
    }

    /// A reading with nobody busy, or `None`.
    pub(crate) fn quiet(&self) -> Option<Quiet> {
        let word = self.word.load(SeqCst);
        (word & BUSY_MASK == 0).then_some(Quiet(word))
    }

    /// True if nothing entered since `quiet` was read.
    pub(crate) fn still(&self, quiet: Quiet) -> bool {
        self.word.load(SeqCst) == quiet.0
    }

    /// Busy threads and jobs right now.
    pub(crate) fn busy(&self) -> usize {
        (self.word.load(SeqCst) & BUSY_MASK) as usize
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn quiet_only_with_nobody_busy_and_still_only_without_an_enter() {
        let activity = Activity::new(1);
        assert_eq!(activity.quiet(), None);
        assert!(activity.leave(), "the last one left");
        let quiet = activity.quiet().unwrap();
        assert!(activity.still(quiet));
        activity.enter();
        activity.enter();
        assert!(!activity.leave(), "one is still busy");
        assert!(activity.leave());
        // Busy and back: the same count, but an enter in between.
        assert!(activity.quiet().is_some());
        activity.enter();
        activity.leave();
        assert!(!activity.still(quiet));
        assert_eq!(activity.busy(), 0);
    }
}
