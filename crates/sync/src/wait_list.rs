//! The FIFO waiter list every primitive is built on.
//!
//! Waiters live in a slab with generational keys; their order lives in a
//! queue of keys. Removing a waiter from the middle (its future was
//! dropped) is O(1): the slot is freed and its key in the order queue
//! becomes a tombstone, skipped when it reaches the front and swept when
//! tombstones outnumber live waiters. A key whose waiter is gone never
//! reaches a later waiter that reuses the slot.
//!
//! The list is always used under its primitive's mutex; a primitive grants
//! a waiter by removing it (its future then finds its key gone) or by
//! writing into it (`front_mut`). The I/O reactor (`weave-reactor`) keeps
//! its per-socket waiters in it too, which is why it is public (hidden
//! from the docs: it is not part of the user-facing API).

use std::collections::VecDeque;

/// A waiter's place in a [`WaitList`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct WaitKey {
    index: u32,
    generation: u32,
}

enum Slot<W> {
    Live { generation: u32, waiter: W },
    Free { generation: u32, next: Option<u32> },
}

/// Waiters of type `W` in arrival order.
pub struct WaitList<W> {
    slots: Vec<Slot<W>>,
    free: Option<u32>,
    order: VecDeque<WaitKey>,
    live: usize,
}

impl<W> Default for WaitList<W> {
    fn default() -> Self {
        WaitList::new()
    }
}

impl<W> WaitList<W> {
    /// An empty list.
    pub const fn new() -> WaitList<W> {
        WaitList {
            slots: Vec::new(),
            free: None,
            order: VecDeque::new(),
            live: 0,
        }
    }

    /// Waiters in the list.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True if nobody waits.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Appends a waiter; returns its key.
    pub fn push_back(&mut self, waiter: W) -> WaitKey {
        let key = match self.free {
            Some(index) => {
                let Slot::Free { generation, next } = self.slots[index as usize] else {
                    unreachable!("the free list holds a live slot")
                };
                self.free = next;
                self.slots[index as usize] = Slot::Live { generation, waiter };
                WaitKey { index, generation }
            }
            None => {
                let index = u32::try_from(self.slots.len()).expect("more than 4 billion waiters");
                self.slots.push(Slot::Live {
                    generation: 0,
                    waiter,
                });
                WaitKey {
                    index,
                    generation: 0,
                }
            }
        };
        self.order.push_back(key);
        self.live += 1;
        key
    }

    fn is_live(&self, key: WaitKey) -> bool {
        matches!(self.slots.get(key.index as usize), Some(Slot::Live { generation, .. }) if *generation == key.generation)
    }

    /// The waiter behind `key`, if it is still in the list.
    pub fn get_mut(&mut self, key: WaitKey) -> Option<&mut W> {
        match self.slots.get_mut(key.index as usize) {
            Some(Slot::Live { generation, waiter }) if *generation == key.generation => {
                Some(waiter)
            }
            _ => None,
        }
    }

    /// Takes the waiter behind `key` out of the list, if it is still there.
    pub fn remove(&mut self, key: WaitKey) -> Option<W> {
        let waiter = self.take(key)?;
        self.sweep_if_sparse();
        Some(waiter)
    }

    /// Frees the slot of `key` and returns its waiter, if `key` is live.
    /// Leaves the key in the order queue (a tombstone there, if it was).
    fn take(&mut self, key: WaitKey) -> Option<W> {
        let slot = self.slots.get_mut(key.index as usize)?;
        match slot {
            Slot::Live { generation, .. } if *generation == key.generation => {}
            _ => return None,
        }
        let freed = Slot::Free {
            generation: key.generation.wrapping_add(1),
            next: self.free,
        };
        let Slot::Live { waiter, .. } = std::mem::replace(slot, freed) else {
            unreachable!("checked live above")
        };
        self.free = Some(key.index);
        self.live -= 1;
        Some(waiter)
    }

    /// Drops tombstones from the front so `front` is a live waiter.
    fn skip_dead(&mut self) {
        while let Some(&key) = self.order.front() {
            if self.is_live(key) {
                return;
            }
            self.order.pop_front();
        }
    }

    /// Rebuilds the order queue when tombstones dominate, so cancelled
    /// waiters cost O(1) amortized space and time.
    fn sweep_if_sparse(&mut self) {
        if self.order.len() > 2 * self.live + 32 {
            let slots = &self.slots;
            self.order
                .retain(|k| matches!(slots.get(k.index as usize), Some(Slot::Live { generation, .. }) if *generation == k.generation));
        }
    }

    /// The first waiter and its key.
    pub fn front_mut(&mut self) -> Option<(WaitKey, &mut W)> {
        self.skip_dead();
        let key = *self.order.front()?;
        self.get_mut(key).map(|w| (key, w))
    }

    /// Every waiter still in the list, in no particular order (for a
    /// broadcast that leaves the waiters where they are).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut W> {
        self.slots.iter_mut().filter_map(|slot| match slot {
            Slot::Live { waiter, .. } => Some(waiter),
            Slot::Free { .. } => None,
        })
    }

    /// Takes the first waiter out of the list.
    pub fn pop_front(&mut self) -> Option<W> {
        // Popping from the front leaves no tombstone behind, so no sweep.
        while let Some(key) = self.order.pop_front() {
            if let Some(waiter) = self.take(key) {
                return Some(waiter);
            }
        }
        None
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn fifo_with_removal_from_the_middle() {
        let mut list = WaitList::new();
        let a = list.push_back('a');
        let b = list.push_back('b');
        let c = list.push_back('c');
        assert_eq!(list.remove(b), Some('b'));
        assert_eq!(list.remove(b), None, "a second removal misses");
        assert_eq!(list.len(), 2);
        assert_eq!(list.front_mut().map(|(k, w)| (k, *w)), Some((a, 'a')));
        assert_eq!(list.pop_front(), Some('a'));
        assert_eq!(list.pop_front(), Some('c'));
        assert_eq!(list.pop_front(), None);
        assert!(list.get_mut(c).is_none());
    }

    #[test]
    fn stale_keys_miss_reused_slots() {
        let mut list = WaitList::new();
        let old = list.push_back(1);
        assert_eq!(list.pop_front(), Some(1));
        let new = list.push_back(2);
        assert_eq!(list.get_mut(old), None);
        assert_eq!(list.remove(old), None);
        assert_eq!(list.remove(new), Some(2));
    }

    #[test]
    fn cancellation_churn_does_not_grow_the_order_queue() {
        let mut list = WaitList::new();
        let keep = list.push_back(0);
        for i in 0..100_000 {
            let k = list.push_back(i);
            list.remove(k);
        }
        assert!(
            list.order.len() < 100,
            "tombstones piled up: {}",
            list.order.len()
        );
        assert_eq!(list.pop_front(), Some(0));
        assert!(list.get_mut(keep).is_none());
    }
}
