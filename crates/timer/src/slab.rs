//! Entry storage: a slab of entries threaded onto intrusive doubly-linked
//! lists (one per wheel slot, plus the list of entries already due), with
//! generational keys so a stale key never reaches a reused entry.
//!
//! Freed entries go on a free list and are reused: in steady state an
//! insert allocates nothing.

/// "No entry" in list links.
pub(crate) const NIL: u32 = u32::MAX;

/// A handle to an inserted value. Stays valid until the value is returned
/// by `advance` or `cancel`; after that every lookup with it misses, even if
/// its storage is reused.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    index: u32,
    generation: u32,
}

pub(crate) struct Entry<T> {
    pub(crate) when: u64,
    pub(crate) value: T,
    /// Which list holds the entry (see `Wheel`).
    pub(crate) list: u16,
    pub(crate) prev: u32,
    pub(crate) next: u32,
}

enum Slot<T> {
    Occupied { generation: u32, entry: Entry<T> },
    Vacant { generation: u32, next_free: u32 },
}

/// The entries and the list heads.
pub(crate) struct Slab<T> {
    slots: Vec<Slot<T>>,
    free: u32,
    len: usize,
    heads: Vec<u32>,
}

impl<T> Slab<T> {
    pub(crate) fn new(lists: usize) -> Slab<T> {
        Slab {
            slots: Vec::new(),
            free: NIL,
            len: 0,
            heads: vec![NIL; lists],
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Every stored value, in storage order.
    pub(crate) fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().filter_map(|slot| match slot {
            Slot::Occupied { entry, .. } => Some(&mut entry.value),
            Slot::Vacant { .. } => None,
        })
    }

    pub(crate) fn list_is_empty(&self, list: u16) -> bool {
        self.heads[list as usize] == NIL
    }

    fn entry_mut(&mut self, index: u32) -> &mut Entry<T> {
        match &mut self.slots[index as usize] {
            Slot::Occupied { entry, .. } => entry,
            Slot::Vacant { .. } => unreachable!("a list links a vacant slot"),
        }
    }

    /// Stores a new entry at the front of `list`.
    pub(crate) fn insert(&mut self, when: u64, value: T, list: u16) -> Key {
        let entry = Entry {
            when,
            value,
            list,
            prev: NIL,
            next: self.heads[list as usize],
        };
        let (index, generation) = if self.free != NIL {
            let index = self.free;
            let Slot::Vacant {
                generation,
                next_free,
            } = self.slots[index as usize]
            else {
                unreachable!("the free list links an occupied slot")
            };
            self.free = next_free;
            self.slots[index as usize] = Slot::Occupied { generation, entry };
            (index, generation)
        } else {
            let index = u32::try_from(self.slots.len())
                .ok()
                .filter(|&i| i != NIL)
                .expect("more than 4 billion timers at once");
            self.slots.push(Slot::Occupied {
                generation: 0,
                entry,
            });
            (index, 0)
        };
        let old_head = self.heads[list as usize];
        if old_head != NIL {
            self.entry_mut(old_head).prev = index;
        }
        self.heads[list as usize] = index;
        self.len += 1;
        Key { index, generation }
    }

    /// The entry behind `key`, if it is still live.
    pub(crate) fn get(&self, key: Key) -> Option<&Entry<T>> {
        match self.slots.get(key.index as usize) {
            Some(Slot::Occupied { generation, entry }) if *generation == key.generation => {
                Some(entry)
            }
            _ => None,
        }
    }

    /// The entry behind `key`, mutably, if it is still live.
    pub(crate) fn get_mut(&mut self, key: Key) -> Option<&mut Entry<T>> {
        match self.slots.get_mut(key.index as usize) {
            Some(Slot::Occupied { generation, entry }) if *generation == key.generation => {
                Some(entry)
            }
            _ => None,
        }
    }

    /// Removes the entry behind `key` (if live) and returns it.
    pub(crate) fn remove(&mut self, key: Key) -> Option<Entry<T>> {
        self.get(key)?;
        Some(self.remove_at(key.index))
    }

    /// The index and deadline of the first entry of `list`.
    pub(crate) fn front(&self, list: u16) -> Option<(u32, u64)> {
        let head = self.heads[list as usize];
        (head != NIL).then(|| match &self.slots[head as usize] {
            Slot::Occupied { entry, .. } => (head, entry.when),
            Slot::Vacant { .. } => unreachable!("a list links a vacant slot"),
        })
    }

    /// Moves the entry at `index` to the front of `list`, keeping its key.
    pub(crate) fn relink(&mut self, index: u32, list: u16) {
        self.unlink(index);
        let old_head = self.heads[list as usize];
        {
            let e = self.entry_mut(index);
            e.list = list;
            e.prev = NIL;
            e.next = old_head;
        }
        if old_head != NIL {
            self.entry_mut(old_head).prev = index;
        }
        self.heads[list as usize] = index;
    }

    /// Takes the entry at `index` off its list (it stays stored).
    fn unlink(&mut self, index: u32) {
        let (prev, next, list) = {
            let e = self.entry_mut(index);
            (e.prev, e.next, e.list)
        };
        if prev != NIL {
            self.entry_mut(prev).next = next;
        } else {
            self.heads[list as usize] = next;
        }
        if next != NIL {
            self.entry_mut(next).prev = prev;
        }
    }

    /// Removes and returns the first entry of `list`.
    pub(crate) fn pop_front(&mut self, list: u16) -> Option<Entry<T>> {
        let head = self.heads[list as usize];
        (head != NIL).then(|| self.remove_at(head))
    }

    fn remove_at(&mut self, index: u32) -> Entry<T> {
        self.unlink(index);
        let Slot::Occupied { generation, .. } = self.slots[index as usize] else {
            unreachable!()
        };
        let freed = Slot::Vacant {
            generation: generation.wrapping_add(1),
            next_free: self.free,
        };
        self.free = index;
        self.len -= 1;
        match std::mem::replace(&mut self.slots[index as usize], freed) {
            Slot::Occupied { entry, .. } => entry,
            Slot::Vacant { .. } => unreachable!(),
        }
    }
}
