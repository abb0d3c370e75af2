//! Wakers collected under a lock and woken after it is released, without
//! allocating for the common case.
//!
//! Nearly every operation wakes nobody or one waiter, so the list keeps the
//! first waker inline and the rest in a `Vec`, which allocates only when a
//! second waker arrives (a broadcast such as `Event::set`). Creating and
//! dropping an empty list touches two words, not an array of slots.

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
    #[inline]
    pub(crate) fn wake_all(self) {
        if let Some(first) = self.first {
            first.wake();
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
        waker.wake();
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
