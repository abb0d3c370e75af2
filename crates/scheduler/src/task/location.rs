//! Spawn locations as 4-byte ids: a process-wide table of the
//! `&'static Location`s that spawned tasks, so that a task header keeps a
//! `u32` instead of an 8-byte pointer.
//!
//! The table grows by one entry per distinct spawn call site (bounded by
//! the program's code, never by how many tasks run) and is never shrunk.
//! Each thread keeps a small direct-mapped cache of the sites it spawned
//! from, so a spawn in a loop or a server's accept loop costs one
//! thread-local compare; a miss takes the table's read lock (and, for a
//! site never seen, its write lock once).

use parking_lot::RwLock;
use std::cell::Cell;
use std::collections::HashMap;
use std::panic::Location;
use std::sync::LazyLock;

/// The id of a spawn location in the table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct LocationId(u32);

struct Table {
    sites: Vec<&'static Location<'static>>,
    ids: HashMap<usize, u32>,
}

static TABLE: LazyLock<RwLock<Table>> = LazyLock::new(|| {
    RwLock::new(Table {
        sites: Vec::new(),
        ids: HashMap::new(),
    })
});

/// Cache slots per thread (a power of two).
const CACHE: usize = 8;

thread_local! {
    /// `(address of the Location, id + 1)`; zero is an empty slot.
    static RECENT: [Cell<(usize, u32)>; CACHE] = const { [const { Cell::new((0, 0)) }; CACHE] };
}

impl LocationId {
    /// The id of `location`, entering it into the table on first sight.
    #[inline]
    pub(crate) fn of(location: &'static Location<'static>) -> LocationId {
        let key = location as *const Location<'static> as usize;
        // Locations are at least 4-aligned; mix the bits above that.
        let slot = ((key >> 3) ^ (key >> 9)) & (CACHE - 1);
        let cached = RECENT
            .try_with(|recent| {
                let (k, id) = recent[slot].get();
                if k == key && id != 0 {
                    return Some(LocationId(id - 1));
                }
                let id = lookup(location, key);
                recent[slot].set((key, id.0 + 1));
                Some(id)
            })
            .ok()
            .flatten();
        // During thread teardown the cache is gone: go to the table.
        cached.unwrap_or_else(|| lookup(location, key))
    }

    /// The location this id stands for.
    pub(crate) fn get(self) -> &'static Location<'static> {
        TABLE.read().sites[self.0 as usize]
    }
}

#[cold]
fn lookup(location: &'static Location<'static>, key: usize) -> LocationId {
    if let Some(&id) = TABLE.read().ids.get(&key) {
        return LocationId(id);
    }
    let mut table = TABLE.write();
    if let Some(&id) = table.ids.get(&key) {
        return LocationId(id);
    }
    let id = u32::try_from(table.sites.len())
        .ok()
        .filter(|&id| id < u32::MAX)
        .expect("more than 4 billion distinct spawn locations");
    table.sites.push(location);
    table.ids.insert(key, id);
    LocationId(id)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[track_caller]
    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    #[test]
    fn each_site_gets_one_id_that_maps_back_to_it() {
        let sites: Vec<_> = (0..3).map(|_| here()).chain([here(), here()]).collect();
        let ids: Vec<_> = sites.iter().map(|&s| LocationId::of(s)).collect();
        assert_eq!(ids[0], ids[1], "one call site, one id");
        assert_eq!(ids[0], ids[2]);
        assert_ne!(ids[0], ids[3]);
        assert_ne!(ids[3], ids[4]);
        for (&site, &id) in sites.iter().zip(&ids) {
            assert_eq!(id.get(), site);
            assert_eq!(LocationId::of(site), id, "cached lookups agree");
        }
        let from_other_thread = std::thread::spawn(move || LocationId::of(sites[3]))
            .join()
            .unwrap();
        assert_eq!(from_other_thread, ids[3], "ids are process-wide");
    }
}
