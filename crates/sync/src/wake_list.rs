//! Wakers collected under a lock and woken after it is released, without
//! allocating for the common case of a few.

use std::task::Waker;

const INLINE: usize = 16;

/// Up to 16 wakers inline; more spill into a `Vec`.
#[derive(Default)]
pub(crate) struct WakeList {
    inline: [Option<Waker>; INLINE],
    len: usize,
    spill: Vec<Waker>,
}

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList::default()
    }

    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.len < INLINE {
            self.inline[self.len] = Some(waker);
            self.len += 1;
        } else {
            self.spill.push(waker);
        }
    }

    /// Wakes them all. Call with no lock held.
    pub(crate) fn wake_all(mut self) {
        for slot in &mut self.inline[..self.len] {
            if let Some(waker) = slot.take() {
                waker.wake();
            }
        }
        for waker in self.spill.drain(..) {
            waker.wake();
        }
    }
}
