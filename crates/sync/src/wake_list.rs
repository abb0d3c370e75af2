//! Wakers collected under a lock and woken after it is released, without
//! allocating for the common case.
//!
//! Nearly every operation wakes nobody or one waiter, so the list keeps the
//! first waker inline and the rest in a `Vec`, which allocates only when a
//! second waker arrives (a broadcast such as `Event::set`). Creating and
//! dropping an empty list touches two words, not an array of slots.

use crate::contain::wake_contained;
use std::task::Waker;

/// The first waker inline, the others in a `Vec`.
#[derive(Default)]
pub(crate) struct WakeList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    #[inline]
    pub(crate) fn new() -> WakeList {
        WakeList::default()
    }

    #[inline]
    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Wakes them all, in the order they were pushed. Call with no lock
    /// held. Inlined: on the common paths the list is empty or holds one.
    ///
    /// Every waiter here was already granted what it waited for (it left
    /// its list), so one panicking waker (another executor's) must not keep
    /// the others from being woken: each wake's panic is contained and
    /// swallowed. It is not passed on: `wake_all` runs in guards' and
    /// futures' `Drop` (where a second panic aborts) and after state that
    /// must not be undone (an item already taken), and the panic is the
    /// waker's owner's bug, not the caller's.
    #[inline]
    pub(crate) fn wake_all(self) {
        if let Some(first) = self.first {
            wake_contained(first);
        }
        if !self.rest.is_empty() {
            wake_each(self.rest);
        }
    }
}

/// The broadcast case, kept out of line.
#[cold]
fn wake_each(wakers: Vec<Waker>) {
    for waker in wakers {
        wake_contained(waker);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::task::Wake;

    struct Recorder(usize, Arc<Mutex<Vec<usize>>>);

    impl Wake for Recorder {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    #[test]
    fn wakes_every_waker_once_in_push_order() {
        for n in [0, 1, 2, 40] {
            let log = Arc::new(Mutex::new(Vec::new()));
            let mut list = WakeList::new();
            list.push(None);
            for i in 0..n {
                list.push(Some(Waker::from(Arc::new(Recorder(i, log.clone())))));
                list.push(None);
            }
            list.wake_all();
            assert_eq!(*log.lock().unwrap(), (0..n).collect::<Vec<_>>());
        }
    }
}

#[cfg(all(test, not(loom)))]
mod panics {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::Wake;

    struct Panics;
    impl Wake for Panics {
        fn wake(self: Arc<Self>) {
            panic!("a foreign waker panicked");
        }
    }

    struct Counts(AtomicUsize);
    impl Wake for Counts {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn a_panicking_waker_does_not_keep_the_others_from_waking() {
        let counts = Arc::new(Counts(AtomicUsize::new(0)));
        let mut list = WakeList::new();
        list.push(Some(Waker::from(Arc::new(Panics))));
        for _ in 0..3 {
            list.push(Some(Waker::from(counts.clone())));
        }
        list.wake_all();
        assert_eq!(counts.0.load(SeqCst), 3, "every other waiter was woken");
    }
}
