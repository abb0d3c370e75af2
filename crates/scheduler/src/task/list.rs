//! The owned-task list: every live task of a runtime, so that shutdown can
//! cancel the idle ones that no queue holds, and a dump can list them.
//!
//! Split into shards by task id, so that spawning and completing on
//! different workers rarely meet on one lock. Each shard is a vector of
//! task header pointers in the order the tasks were linked: linking
//! appends, unlinking empties the task's slot (and drops empty slots at
//! the end), and once more than half the slots are empty the shard is
//! compacted, in order, updating the index each moved task keeps
//! (`Header::slot`, 4 bytes, where an intrusive list would need two 8-byte
//! links). Appending keeps the slots of tasks spawned together side by
//! side, so a thread spawning in a loop and one completing older tasks
//! each write cache lines of their own; a free list reusing vacated slots
//! scattered them and cost a spawn-and-join loop a fifth of its speed.
//!
//! Ground rules: a task's `slot` is read and written only under the lock
//! of its shard; a task is linked at most once (at spawn) and unlinked at
//! most once (at completion); once `closed`, no task is linked. A shard's
//! vector is at most about twice its live tasks (plus `COMPACT_AT`), and
//! keeps its capacity.

use super::raw::{Header, RawTask};
use super::{Task, TaskInfo};
use crate::loom::Mutex;
use crossbeam_utils::CachePadded;
use std::mem;
use std::ptr::NonNull;

#[cfg(not(loom))]
const SHARDS: usize = 64;
#[cfg(loom)]
const SHARDS: usize = 1;

/// Ids in runs of `1 << RUN_SHIFT` share a shard. A thread's ids are
/// consecutive (`id.rs` hands them out in blocks), so a thread spawning in
/// a loop links into one shard for a run, whose lock and slots stay in its
/// cache, while a worker completing older tasks works in another shard;
/// with shards by single ids both would touch every shard and pass its
/// cache lines back and forth.
const RUN_SHIFT: u32 = 6;

/// The `slot` of a task that is in no shard.
pub(crate) const UNLINKED: u32 = u32::MAX;

/// Compact a shard once more than this many of its slots are vacant and
/// they are more than half of it.
const COMPACT_AT: usize = 64;

struct Shard {
    /// Task header pointers in the order they were linked; `None` where a
    /// task left (until the next compaction).
    slots: Vec<Option<NonNull<Header>>>,
    /// How many slots are `None`.
    vacant: usize,
    len: usize,
    /// Tasks ever linked here (the runtime's spawn count).
    linked: u64,
    closed: bool,
}

// SAFETY: the raw pointers are task headers, reachable only under the
// shard's lock (ground rules above); tasks themselves are `Send`.
unsafe impl Send for Shard {}

impl Shard {
    /// Every task in the shard.
    fn tasks(&self) -> impl Iterator<Item = NonNull<Header>> + '_ {
        self.slots.iter().flatten().copied()
    }

    /// Moves every task to the front, in order, and updates the slot index
    /// each moved task keeps.
    fn compact(&mut self) {
        let mut to = 0;
        for from in 0..self.slots.len() {
            let Some(node) = self.slots[from] else {
                continue;
            };
            if from != to {
                self.slots[to] = Some(node);
                // SAFETY: a linked task is live (the list holds a reference)
                // and we hold the shard's lock.
                unsafe { with_slot(node, |s| *s = to as u32) };
            }
            to += 1;
        }
        self.slots.truncate(to);
        self.vacant = 0;
    }
}

/// All live tasks of one runtime.
pub(crate) struct OwnedTasks {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
}

impl OwnedTasks {
    pub(crate) fn new() -> OwnedTasks {
        let shards = (0..SHARDS)
            .map(|_| {
                CachePadded::new(Mutex::new(Shard {
                    slots: Vec::new(),
                    vacant: 0,
                    len: 0,
                    linked: 0,
                    closed: false,
                }))
            })
            .collect();
        OwnedTasks { shards }
    }

    // Under loom there is one shard, so the modulo is always 0.
    #[cfg_attr(loom, allow(clippy::modulo_one))]
    fn shard(&self, task: RawTask) -> &Mutex<Shard> {
        &self.shards[(task.header().id.as_u64() >> RUN_SHIFT) as usize % SHARDS]
    }

    /// Links `task`, which the list now owns. Hands it back if the list is
    /// closed (the runtime is shutting down).
    pub(crate) fn bind(&self, task: Task) -> Result<(), Task> {
        let raw = task.raw();
        let mut shard = self.shard(raw).lock();
        if shard.closed {
            return Err(task);
        }
        let node = raw.as_ptr();
        let index = u32::try_from(shard.slots.len())
            .ok()
            .filter(|&i| i < UNLINKED)
            .expect("more than 4 billion live tasks in one shard");
        shard.slots.push(Some(node));
        // SAFETY: `node` is live (we hold `task`) and we hold the lock of
        // the shard it is being linked into.
        unsafe { with_slot(node, |s| *s = index) };
        shard.len += 1;
        shard.linked += 1;
        mem::forget(task);
        Ok(())
    }

    /// Unlinks `task` and returns the list's reference; `None` if it was
    /// never linked (spawned after `close`).
    pub(crate) fn remove(&self, task: &Task) -> Option<Task> {
        let raw = task.raw();
        let node = raw.as_ptr();
        let mut shard = self.shard(raw).lock();
        // SAFETY: `node` is live (the caller holds `task`); under the lock.
        let index = unsafe { with_slot(node, |s| mem::replace(s, UNLINKED)) };
        if index == UNLINKED {
            return None;
        }
        let slot = &mut shard.slots[index as usize];
        debug_assert!(*slot == Some(node), "a task's slot names it");
        *slot = None;
        shard.vacant += 1;
        while shard.slots.last() == Some(&None) {
            shard.slots.pop();
            shard.vacant -= 1;
        }
        if shard.vacant > COMPACT_AT && shard.vacant * 2 > shard.slots.len() {
            shard.compact();
        }
        shard.len -= 1;
        Some(Task::from_raw(raw))
    }

    /// Closes the list to new tasks and returns a counted reference to
    /// every task still in it.
    pub(crate) fn close_and_snapshot(&self) -> Vec<Task> {
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            shard.closed = true;
            all.reserve(shard.len);
            for node in shard.tasks() {
                // SAFETY: a linked task is live (the list holds a reference)
                // and we hold the shard's lock.
                let raw = unsafe { RawTask::from_raw(node) };
                raw.state().ref_inc();
                all.push(Task::from_raw(raw));
            }
        }
        all
    }

    /// How many tasks are linked.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.counts().0
    }

    /// How many tasks are linked now, and how many ever were; one lock per
    /// shard.
    pub(crate) fn counts(&self) -> (usize, u64) {
        self.shards.iter().fold((0, 0), |(len, linked), shard| {
            let shard = shard.lock();
            (len + shard.len, linked + shard.linked)
        })
    }

    /// A snapshot of every linked task, taken shard by shard under its
    /// lock (which keeps each task linked, hence alive, while it is read).
    pub(crate) fn dump(&self) -> Vec<TaskInfo> {
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            let shard = shard.lock();
            all.reserve(shard.len);
            all.extend(shard.tasks().map(|node| {
                // SAFETY: a linked task is live (the list holds a reference)
                // and we hold the shard's lock.
                TaskInfo::of(unsafe { node.as_ref() })
            }));
        }
        all
    }
}

/// Calls `f` with the slot index of the task at `node`.
///
/// # Safety
/// - `node` is a live task, and the caller holds the lock of the shard it
///   is (or is being) linked into, which guards its slot index.
unsafe fn with_slot<R>(node: NonNull<Header>, f: impl FnOnce(&mut u32) -> R) -> R {
    // SAFETY: live per the contract.
    let header = unsafe { node.as_ref() };
    header.slot.with_mut(|slot| {
        // SAFETY: the shard lock the caller holds makes this access exclusive.
        f(unsafe { &mut *slot })
    })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::super::mock::MockRt;
    use super::*;

    fn slots(h: &MockRt) -> usize {
        h.owned.shards.iter().map(|s| s.lock().slots.len()).sum()
    }

    #[test]
    fn compaction_bounds_the_slots_and_keeps_every_task_findable() {
        let h = MockRt::new();
        let n = 20_000;
        let joins: Vec<_> = (0..n)
            .map(|_| h.spawn(std::future::pending::<()>()))
            .collect();
        assert_eq!(
            h.tick(),
            n,
            "all idle now, so a cancel completes them at once"
        );
        assert_eq!(slots(&h), n);
        // Leave every tenth task: each shard passes its compaction point.
        for (i, join) in joins.iter().enumerate() {
            if i % 10 != 0 {
                assert!(join.cancel());
            }
        }
        let live = n / 10;
        assert_eq!(h.owned.len(), live);
        let bound = 2 * live + (COMPACT_AT + 1) * SHARDS;
        assert!(slots(&h) <= bound, "{} slots for {live} tasks", slots(&h));
        // Every moved task's index was updated: each one unlinks cleanly
        // (a stale index trips the debug assertion in `remove`).
        let mut ids: Vec<_> = h.owned.dump().iter().map(|t| t.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), live);
        for join in joins.iter().step_by(10) {
            assert!(join.cancel());
        }
        assert_eq!(h.owned.len(), 0);
        assert_eq!(slots(&h), 0, "empty slots at the end are dropped");
        h.queue.lock().clear();
        drop(joins);
        assert_eq!(h.deallocs(), n);
    }

    #[test]
    fn close_lists_every_task_once_and_refuses_new_ones() {
        let h = MockRt::new();
        let joins: Vec<_> = (0..300)
            .map(|_| h.spawn(std::future::pending::<()>()))
            .collect();
        assert_eq!(h.tick(), 300);
        for join in joins.iter().step_by(3) {
            assert!(join.cancel());
        }
        let all = h.owned.close_and_snapshot();
        assert_eq!(all.len(), 200);
        for task in &all {
            task.shutdown();
        }
        drop(all);
        assert_eq!(h.owned.len(), 0);
        let (task, notified, join) = super::super::new_task(
            std::future::ready(()),
            h.mock(),
            super::super::SpawnInfo::here(None),
        );
        assert!(h.owned.bind(task).is_err(), "a closed list refuses tasks");
        drop((notified, join));
        h.queue.lock().clear();
        drop(joins);
        assert_eq!(h.deallocs(), 301);
    }
}
