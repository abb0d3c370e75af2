//! Where a deadline lives in the wheel: the level and slot math, kept apart
//! so its boundaries can be tested on their own.
//!
//! Level `L` has 64 slots of `64^L` ticks each. An entry is filed on the
//! level of the highest 6-bit group in which its deadline differs from the
//! wheel's current time (`elapsed`), in the slot given by that group of
//! the deadline. Eleven levels cover 66 bits, so every `u64` fits.

/// Bits of the tick count per level.
pub(crate) const LEVEL_BITS: u32 = 6;
/// Slots per level.
pub(crate) const SLOTS: usize = 1 << LEVEL_BITS;
/// Levels: `LEVELS * LEVEL_BITS >= 64`.
pub(crate) const LEVELS: usize = 11;

/// The level on which a deadline `when > elapsed` is filed.
pub(crate) fn level_for(elapsed: u64, when: u64) -> usize {
    // `| (SLOTS - 1)` makes deadlines within the current level-0 range
    // land on level 0 rather than computing a negative level.
    let masked = (elapsed ^ when) | (SLOTS as u64 - 1);
    let significant = 63 - masked.leading_zeros();
    (significant / LEVEL_BITS) as usize
}

/// The slot of `when` on `level`.
pub(crate) fn slot_for(when: u64, level: usize) -> usize {
    ((when >> (level as u32 * LEVEL_BITS)) & (SLOTS as u64 - 1)) as usize
}

/// The first tick of the earliest occupied slot of `level` at or after
/// `elapsed`, given the level's occupancy bitmap (non-zero).
pub(crate) fn next_occupied(level: usize, occupied: u64, elapsed: u64) -> (usize, u64) {
    debug_assert_ne!(occupied, 0);
    let shift = level as u32 * LEVEL_BITS;
    let now_slot = slot_for(elapsed, level) as u32;
    let slot = ((occupied.rotate_right(now_slot).trailing_zeros() + now_slot) as usize) % SLOTS;
    // Level 10 spans 2^66 ticks: do the range arithmetic in u128.
    let slot_range = 1u128 << shift;
    let level_range = slot_range << LEVEL_BITS;
    let level_start = u128::from(elapsed) & !(level_range - 1);
    let mut start = level_start + slot as u128 * slot_range;
    if start + slot_range <= u128::from(elapsed) {
        // The slot lies in the next turn of this level.
        start += level_range;
    }
    (slot, start.min(u128::from(u64::MAX)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_boundaries() {
        assert_eq!(level_for(0, 1), 0);
        assert_eq!(level_for(0, 63), 0);
        assert_eq!(level_for(0, 64), 1);
        assert_eq!(level_for(0, 4095), 1);
        assert_eq!(level_for(0, 4096), 2);
        assert_eq!(level_for(0, u64::MAX), 10);
        assert_eq!(level_for(u64::MAX - 1, u64::MAX), 0);
        // Same upper groups: the level is that of the highest differing group.
        assert_eq!(level_for(64, 127), 0);
        assert_eq!(level_for(63, 64), 1);
        assert_eq!(level_for(1 << 36, (1 << 36) + (1 << 30)), 5);
    }

    #[test]
    fn slots() {
        assert_eq!(slot_for(0, 0), 0);
        assert_eq!(slot_for(63, 0), 63);
        assert_eq!(slot_for(64, 1), 1);
        assert_eq!(slot_for(u64::MAX, 10), 15);
    }

    #[test]
    fn next_occupied_slot_starts() {
        // Level 0, elapsed 10, slot 12 occupied: starts at tick 12.
        assert_eq!(next_occupied(0, 1 << 12, 10), (12, 12));
        // Level 1, elapsed 70 (slot 1), slot 3 occupied: tick 192.
        assert_eq!(next_occupied(1, 1 << 3, 70), (3, 192));
        // Level 10, elapsed 0, slot 15: tick 15 * 2^60.
        assert_eq!(next_occupied(10, 1 << 15, 0), (15, 15 << 60));
        // A slot behind the current one belongs to the next turn.
        assert_eq!(next_occupied(0, 1 << 2, 10), (2, 66));
    }
}
