//! Task identifiers: unique per process, cheap to hand out.
//!
//! Threads reserve ids from one global counter in blocks of
//! [`BLOCK`], so spawning does not contend on a shared cache line.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many ids a thread reserves at once.
const BLOCK: u64 = 1024;

static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The thread's reserved range `[next, end)`.
    static RANGE: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

/// The identifier of a task: unique among all tasks of the process, over
/// its whole life (ids are never reused).
///
/// ```
/// # use weave_scheduler::Runtime;
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// let a = rt.spawn(async {});
/// let b = rt.spawn(async {});
/// assert_ne!(a.id(), b.id());
/// println!("spawned task {}", a.id());
/// ```
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId(NonZeroU64);

impl TaskId {
    /// A fresh id, never handed out before.
    #[inline]
    pub(crate) fn next() -> TaskId {
        let id = RANGE
            .try_with(|range| {
                let (next, end) = range.get();
                if next < end {
                    range.set((next + 1, end));
                    next
                } else {
                    let start = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
                    range.set((start + 1, start + BLOCK));
                    start
                }
            })
            // During thread teardown the thread-local is gone: take one id.
            .unwrap_or_else(|_| NEXT_BLOCK.fetch_add(1, Ordering::Relaxed));
        TaskId(NonZeroU64::new(id).expect("task id counter overflowed"))
    }

    /// The id as a number.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({})", self.0)
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_across_threads() {
        let handles: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| (0..5000).map(|_| TaskId::next()).collect::<Vec<_>>()))
            .collect();
        let mut seen = HashSet::new();
        for h in handles {
            for id in h.join().unwrap() {
                assert!(seen.insert(id), "duplicate id {id}");
            }
        }
        assert_eq!(seen.len(), 20_000);
    }
}
