//! The waiting half shared by `Event`, `Condition` and `Barrier`: a list of
//! wakers where being removed means being notified.

use crate::wait_list::{WaitKey, WaitList};
use crate::wake_list::WakeList;
use std::task::{Context, Poll, Waker};

/// Waiters that a notification removes.
pub(crate) type Waiters = WaitList<Option<Waker>>;

/// Registers a waiter (first poll) or checks whether it was notified.
pub(crate) fn poll_notified(
    waiters: &mut Waiters,
    key: &mut Option<WaitKey>,
    cx: &mut Context<'_>,
) -> Poll<()> {
    match *key {
        None => {
            *key = Some(waiters.push_back(Some(cx.waker().clone())));
            Poll::Pending
        }
        Some(k) => match waiters.get_mut(k) {
            Some(slot) => {
                match slot {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    slot => *slot = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            None => {
                *key = None;
                Poll::Ready(())
            }
        },
    }
}

/// Notifies up to `n` waiters, oldest first.
#[inline]
pub(crate) fn notify(waiters: &mut Waiters, n: usize, wake: &mut WakeList) -> usize {
    if waiters.is_empty() {
        return 0;
    }
    let mut done = 0;
    while done < n {
        match waiters.pop_front() {
            Some(waker) => {
                wake.push(waker);
                done += 1;
            }
            None => break,
        }
    }
    done
}

/// Wakes every waiter but leaves each in the list: a broadcast (such as a
/// queue's shutdown) that grants nothing, so a woken waiter's future can
/// still tell it was not handed anything (its key is still there).
pub(crate) fn wake_in_place(waiters: &mut Waiters, wake: &mut WakeList) {
    for slot in waiters.iter_mut() {
        wake.push(slot.take());
    }
}
