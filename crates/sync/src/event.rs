//! `Event`: asyncio's `Event`, a flag tasks can wait on.

use crate::loom::{Arc, Mutex};
use crate::notify::{notify, poll_notified, Waiters};
use crate::wait_list::WaitKey;
use crate::wake_list::WakeList;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

struct State {
    set: bool,
    waiters: Waiters,
}

/// A flag that tasks wait on until it is set (asyncio's `Event`). Setting
/// it wakes every waiter; a waiter woken by `set` returns even if the flag
/// was cleared again before it ran. A cheap `Clone` handle.
///
/// # Cancel safety
/// Dropping a pending `wait()` future just leaves the list: it was handed
/// nothing another waiter needs. A `wait()` woken by `set` returns even if
/// the event is cleared before it runs (asyncio). Established by
/// `tests/sync_exhaustive_notify.rs`: every order of wait, cancel, `set`
/// and `clear` over two waiters (three to depth nine) — nobody returns
/// without a set, nobody released by one sleeps on, no lost wake-up.
///
/// ```
/// use weave_sync::Event;
/// # weave_sync::__block_on(async {
/// let ready = Event::new();
/// assert!(!ready.is_set());
/// ready.set();
/// ready.wait().await; // set: returns at once
/// ready.clear();
/// assert!(!ready.is_set());
/// # });
/// ```
#[derive(Clone)]
pub struct Event {
    state: Arc<Mutex<State>>,
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl Event {
    /// A cleared event.
    pub fn new() -> Event {
        Event {
            state: Arc::new(Mutex::new(State {
                set: false,
                waiters: Waiters::new(),
            })),
        }
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        let mut wake = WakeList::new();
        {
            let mut state = self.state.lock();
            state.set = true;
            notify(&mut state.waiters, usize::MAX, &mut wake);
        }
        wake.wake_all();
    }

    /// Clears the flag.
    pub fn clear(&self) {
        self.state.lock().set = false;
    }

    /// True if the flag is set.
    pub fn is_set(&self) -> bool {
        self.state.lock().set
    }

    /// Waits until the flag is set.
    pub fn wait(&self) -> EventWait {
        EventWait {
            event: self.clone(),
            key: None,
        }
    }
}

/// The future of [`Event::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct EventWait {
    event: Event,
    key: Option<WaitKey>,
}

impl Future for EventWait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        crate::coop::poll_budgeted(cx, |cx| {
            let mut state = this.event.state.lock();
            if this.key.is_none() && state.set {
                return Poll::Ready(());
            }
            poll_notified(&mut state.waiters, &mut this.key, cx)
        })
    }
}

impl Drop for EventWait {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.event.state.lock().waiters.remove(key);
        }
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}
