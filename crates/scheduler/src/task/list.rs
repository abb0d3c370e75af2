//! The owned-task list: every live task of a runtime, so that shutdown can
//! cancel the idle ones that no queue holds, and a dump can list them.
//!
//! Split into shards by task id, so that spawning and completing on
//! different workers rarely meet on one lock. Each shard is a slab: a
//! vector of slots, each holding a task's header pointer or, when vacant,
//! the index of the next vacant slot. A task keeps the index of its slot
//! (`Header::slot`, 4 bytes, where an intrusive list would need two
//! 8-byte links), so unlinking is one slot write.
//!
//! Ground rules: a task's `slot` is read and written only under the lock
//! of its shard; a task is linked at most once (at spawn) and unlinked at
//! most once (at completion); once `closed`, no task is linked. A shard's
//! vector keeps its high-water length (a burst of a million tasks leaves
//! 8 bytes per task of slots behind, reused by later spawns); a dump or a
//! shutdown walks it whole.

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

/// The `slot` of a task that is in no shard.
pub(crate) const UNLINKED: u32 = u32::MAX;

/// One slot: a task header pointer (low bit clear: headers are aligned),
/// or `(next vacant index << 1) | 1`.
#[derive(Copy, Clone)]
struct Slot(usize);

/// End of the vacant chain.
const NO_VACANT: u32 = u32::MAX;

impl Slot {
    fn occupied(node: NonNull<Header>) -> Slot {
        Slot(node.as_ptr() as usize)
    }
    fn vacant(next: u32) -> Slot {
        Slot(((next as usize) << 1) | 1)
    }
    fn task(self) -> Option<NonNull<Header>> {
        if self.0 & 1 == 0 {
            NonNull::new(self.0 as *mut Header)
        } else {
            None
        }
    }
    fn next_vacant(self) -> u32 {
        debug_assert!(self.0 & 1 == 1);
        (self.0 >> 1) as u32
    }
}

struct Shard {
    slots: Vec<Slot>,
    /// The first vacant slot, or `NO_VACANT`.
    vacant: u32,
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
        self.slots.iter().filter_map(|slot| slot.task())
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
                    vacant: NO_VACANT,
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
        &self.shards[task.header().id.as_u64() as usize % SHARDS]
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
        let index = match shard.vacant {
            NO_VACANT => {
                let index = u32::try_from(shard.slots.len())
                    .ok()
                    .filter(|&i| i < NO_VACANT)
                    .expect("more than 4 billion live tasks in one shard");
                shard.slots.push(Slot::occupied(node));
                index
            }
            index => {
                let slot = &mut shard.slots[index as usize];
                let next = slot.next_vacant();
                *slot = Slot::occupied(node);
                shard.vacant = next;
                index
            }
        };
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
        let vacant = shard.vacant;
        let slot = &mut shard.slots[index as usize];
        debug_assert!(slot.task() == Some(node), "a task's slot names it");
        *slot = Slot::vacant(vacant);
        shard.vacant = index;
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
            // SAFETY: a linked task is live (the list holds a reference)
            // and we hold the shard's lock.
            all.extend(
                shard
                    .tasks()
                    .map(|node| TaskInfo::of(unsafe { node.as_ref() })),
            );
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

    #[test]
    fn vacant_slots_are_reused_and_every_linked_task_is_listed_once() {
        let h = MockRt::new();
        let mut joins: Vec<_> = (0..200)
            .map(|_| h.spawn(std::future::pending::<()>()))
            .collect();
        assert_eq!(
            h.tick(),
            200,
            "all idle now, so a cancel completes them at once"
        );
        assert_eq!(h.owned.len(), 200);
        let high_water: usize = h.owned.shards.iter().map(|s| s.lock().slots.len()).sum();
        // Cancel every other task: their slots become vacant.
        for join in joins.iter().step_by(2) {
            assert!(join.cancel());
        }
        assert_eq!(h.owned.len(), 100);
        assert_eq!(h.owned.dump().len(), 100);
        joins.extend((0..100).map(|_| h.spawn(std::future::pending::<()>())));
        let after: usize = h.owned.shards.iter().map(|s| s.lock().slots.len()).sum();
        assert!(
            after <= high_water + SHARDS,
            "vacant slots were not reused: {high_water} → {after}"
        );
        let mut ids: Vec<_> = h.owned.dump().iter().map(|t| t.id()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 200);
        let all = h.owned.close_and_snapshot();
        assert_eq!(all.len(), 200);
        for task in &all {
            task.shutdown();
        }
        drop(all);
        assert_eq!(h.owned.len(), 0);
        h.queue.lock().clear();
        drop(joins);
        assert_eq!(h.deallocs(), 300);
    }
}
