//! The wheel: levels of slots over the slab's lists, and the clock logic.
//!
//! Ground rules:
//! - `elapsed` is the wheel's time: every entry with a deadline at or
//!   before it has been handed out by `advance` or sits in the due list.
//! - An entry with `when > elapsed` sits in list `level * 64 + slot` of
//!   [`level_for`]`(elapsed, when)`; the level's bit `slot` in `occupied`
//!   is set exactly when that list is non-empty.
//! - `elapsed` only moves forward, and never past the start of an occupied
//!   slot without processing it: so every occupied slot lies ahead.

use crate::level::{level_for, next_occupied, slot_for, LEVELS, SLOTS};
use crate::slab::{Key, Slab};
use std::fmt;

/// The list of entries already due (deadline at or before `elapsed`).
const DUE: u16 = (LEVELS * SLOTS) as u16;

/// A hierarchical timing wheel holding values of type `T` until their
/// deadline (in ticks).
pub struct Wheel<T> {
    elapsed: u64,
    occupied: [u64; LEVELS],
    slab: Slab<T>,
}

impl<T> Default for Wheel<T> {
    fn default() -> Self {
        Wheel::new()
    }
}

impl<T> Wheel<T> {
    /// An empty wheel at tick 0.
    pub fn new() -> Wheel<T> {
        Wheel::starting_at(0)
    }

    /// An empty wheel whose clock reads `now`.
    pub fn starting_at(now: u64) -> Wheel<T> {
        Wheel {
            elapsed: now,
            occupied: [0; LEVELS],
            slab: Slab::new(LEVELS * SLOTS + 1),
        }
    }

    /// The wheel's time: the tick of the last `advance`.
    pub fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// Entries waiting to fire.
    pub fn len(&self) -> usize {
        self.slab.len()
    }

    /// True if nothing waits.
    pub fn is_empty(&self) -> bool {
        self.slab.len() == 0
    }

    /// Stores `value` until tick `when`. A deadline at or before the wheel's
    /// time fires on the next `advance`. O(1).
    pub fn insert(&mut self, when: u64, value: T) -> Key {
        let list = self.list_for(when);
        let key = self.slab.insert(when, value, list);
        self.mark(list);
        key
    }

    /// Removes the value behind `key` if it has not fired; `None` if it
    /// fired or was cancelled already. O(1).
    pub fn cancel(&mut self, key: Key) -> Option<T> {
        let entry = self.slab.remove(key)?;
        self.unmark_if_empty(entry.list);
        Some(entry.value)
    }

    /// Every value waiting, in no particular order (they stay in place).
    ///
    /// ```
    /// let mut wheel = weave_timer::Wheel::new();
    /// wheel.insert(5, 1);
    /// wheel.insert(9, 2);
    /// wheel.values_mut().for_each(|v| *v *= 10);
    /// let mut fired = Vec::new();
    /// wheel.advance(10, |v| fired.push(v));
    /// assert_eq!(fired, [10, 20]);
    /// ```
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.slab.values_mut()
    }

    /// The value behind `key`, if it has not fired.
    pub fn get_mut(&mut self, key: Key) -> Option<&mut T> {
        self.slab.get_mut(key).map(|e| &mut e.value)
    }

    /// The deadline of `key`, if it has not fired.
    pub fn deadline(&self, key: Key) -> Option<u64> {
        self.slab.get(key).map(|e| e.when)
    }

    /// Moves the wheel's time to `now` (an earlier `now` changes nothing)
    /// and hands every value whose deadline is at or before it to `fire`:
    /// in deadline order, except that values inserted with a deadline
    /// already passed come first, and values due on the same tick come in no
    /// set order.
    ///
    /// Costs O(values fired + occupied slots passed + levels).
    pub fn advance(&mut self, now: u64, mut fire: impl FnMut(T)) {
        loop {
            while let Some(entry) = self.slab.pop_front(DUE) {
                fire(entry.value);
            }
            match self.next_expiration() {
                Some((level, slot, start)) if start <= now => {
                    debug_assert!(
                        start >= self.elapsed,
                        "an occupied slot lies behind the clock"
                    );
                    self.elapsed = start;
                    self.cascade(level, slot);
                }
                _ => {
                    self.elapsed = self.elapsed.max(now);
                    return;
                }
            }
        }
    }

    /// A tick at or before the earliest deadline: exact for deadlines
    /// within 64 ticks of the wheel's time, otherwise the start of the slot
    /// holding the earliest one (advancing to it moves that entry to a
    /// finer level). `None` when empty.
    pub fn next_deadline(&self) -> Option<u64> {
        if !self.slab.list_is_empty(DUE) {
            return Some(self.elapsed);
        }
        self.next_expiration().map(|(_, _, start)| start)
    }

    /// The earliest occupied slot: lower levels always expire first.
    fn next_expiration(&self) -> Option<(usize, usize, u64)> {
        (0..LEVELS).find(|&l| self.occupied[l] != 0).map(|level| {
            let (slot, start) = next_occupied(level, self.occupied[level], self.elapsed);
            (level, slot, start)
        })
    }

    /// Empties one slot, refiling each entry relative to the new time
    /// (entries keep their keys).
    fn cascade(&mut self, level: usize, slot: usize) {
        let list = (level * SLOTS + slot) as u16;
        self.occupied[level] &= !(1 << slot);
        while let Some((index, when)) = self.slab.front(list) {
            let target = self.list_for(when);
            debug_assert!(
                target == DUE || (target as usize) < level * SLOTS,
                "cascading must move down"
            );
            self.slab.relink(index, target);
            self.mark(target);
        }
    }

    fn list_for(&self, when: u64) -> u16 {
        if when <= self.elapsed {
            DUE
        } else {
            let level = level_for(self.elapsed, when);
            (level * SLOTS + slot_for(when, level)) as u16
        }
    }

    fn mark(&mut self, list: u16) {
        if list != DUE {
            let (level, slot) = (list as usize / SLOTS, list as usize % SLOTS);
            self.occupied[level] |= 1 << slot;
        }
    }

    fn unmark_if_empty(&mut self, list: u16) {
        if list != DUE && self.slab.list_is_empty(list) {
            let (level, slot) = (list as usize / SLOTS, list as usize % SLOTS);
            self.occupied[level] &= !(1 << slot);
        }
    }
}

impl<T> fmt::Debug for Wheel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wheel")
            .field("elapsed", &self.elapsed)
            .field("len", &self.len())
            .field("next_deadline", &self.next_deadline())
            .finish()
    }
}
