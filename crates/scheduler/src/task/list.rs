//! The owned-task list: every live task of a runtime, so that shutdown can
//! cancel the idle ones that no queue holds.
//!
//! An intrusive doubly-linked list through [`Header::links`], split into
//! shards by task id so that spawning and completing on different workers
//! rarely meet on one lock. Ground rules: a task's `links` are read and
//! written only under the lock of its shard; a task is linked at most once
//! (at spawn) and unlinked at most once (at completion); once `closed`, no
//! task is linked.

use super::raw::{Header, Links, RawTask};
use super::{Task, TaskInfo};
use crate::loom::Mutex;
use crossbeam_utils::CachePadded;
use std::mem;
use std::ptr::NonNull;

#[cfg(not(loom))]
const SHARDS: usize = 64;
#[cfg(loom)]
const SHARDS: usize = 1;

struct Shard {
    head: Option<NonNull<Header>>,
    len: usize,
    /// Tasks ever linked here (the runtime's spawn count).
    linked: u64,
    closed: bool,
}

// SAFETY: the raw pointers are task headers, reachable only under the
// shard's lock (ground rules above); tasks themselves are `Send`.
unsafe impl Send for Shard {}

/// All live tasks of one runtime.
pub(crate) struct OwnedTasks {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
}

impl OwnedTasks {
    pub(crate) fn new() -> OwnedTasks {
        let shards = (0..SHARDS)
            .map(|_| {
                CachePadded::new(Mutex::new(Shard {
                    head: None,
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
        let head = shard.head;
        // SAFETY: `node` is live (we hold `task`) and we hold the lock of
        // the shard it is being linked into.
        unsafe { with_links(node, |l| (l.prev, l.next) = (None, head)) };
        if let Some(head) = head {
            // SAFETY: `head` is linked in this shard, whose lock we hold.
            unsafe { with_links(head, |l| l.prev = Some(node)) };
        }
        shard.head = Some(node);
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
        let (prev, next) = unsafe { with_links(node, |l| (l.prev, l.next)) };
        match prev {
            // SAFETY: a linked neighbour of this shard; under its lock.
            Some(prev) => unsafe { with_links(prev, |l| l.next = next) },
            None if shard.head == Some(node) => shard.head = next,
            None => return None,
        }
        if let Some(next) = next {
            // SAFETY: as above.
            unsafe { with_links(next, |l| l.prev = prev) };
        }
        // SAFETY: as for `node` above.
        unsafe { with_links(node, |l| (l.prev, l.next) = (None, None)) };
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
            let mut cursor = shard.head;
            while let Some(node) = cursor {
                // SAFETY: a linked task is live (the list holds a reference)
                // and we hold the shard's lock.
                let raw = unsafe { RawTask::from_raw(node) };
                raw.state().ref_inc();
                all.push(Task::from_raw(raw));
                // SAFETY: as above.
                cursor = unsafe { with_links(node, |l| l.next) };
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
            let mut cursor = shard.head;
            while let Some(node) = cursor {
                // SAFETY: a linked task is live (the list holds a reference)
                // and we hold the shard's lock.
                all.push(TaskInfo::of(unsafe { node.as_ref() }));
                // SAFETY: as above.
                cursor = unsafe { with_links(node, |l| l.next) };
            }
        }
        all
    }
}

/// Calls `f` with the links of the task at `node`.
///
/// # Safety
/// - `node` is a live task, and the caller holds the lock of the shard it
///   is (or is being) linked into, which guards its links.
unsafe fn with_links<R>(node: NonNull<Header>, f: impl FnOnce(&mut Links) -> R) -> R {
    // SAFETY: live per the contract.
    let header = unsafe { node.as_ref() };
    header.links.with_mut(|links| {
        // SAFETY: the shard lock the caller holds makes this access exclusive.
        f(unsafe { &mut *links })
    })
}
