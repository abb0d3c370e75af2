//! Time: sleeping, deadlines, periodic ticks and timed callbacks.
//!
//! | asyncio                          | weave                          |
//! |----------------------------------|--------------------------------|
//! | `await asyncio.sleep(s)`         | [`sleep`]`(d).await`           |
//! | `await asyncio.wait_for(aw, s)`  | [`wait_for`]`(fut, d).await`   |
//! | `asyncio.timeout_at(when)`       | [`timeout_at`]`(fut, when)`    |
//! | `loop.call_later(s, cb)`         | [`call_later`]`(d, cb)`        |
//! | `loop.call_at(when, cb)`         | [`call_at`]`(when, cb)`        |
//! | `loop.call_soon(cb)`             | [`call_soon`](crate::call_soon)`(cb)` |
//! | `loop.time()`                    | [`now`]`()`                    |
//! | `TimerHandle.cancel()`           | [`TimerHandle::cancel`]        |
//!
//! Timers live in hierarchical wheels, one per worker, with a 1 µs tick
//! (`weave-timer`). A timer never fires before its deadline; an idle
//! runtime sleeps exactly until the next one; busy workers fire due timers
//! every few dozen polls. `Duration::ZERO`, `Duration::MAX` and deadlines in
//! the past are valid everywhere: they mean "now" or "never".

mod callback;
mod interval;
mod sleep;
mod timeout;

pub use callback::{call_at, call_later, TimerHandle};
pub use interval::{interval, Interval};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout_at, wait_for, Timeout, TimeoutError};

use std::time::Instant;

/// The runtime's clock (asyncio's `loop.time()`): the monotonic
/// [`Instant`] that every deadline here is measured against.
///
/// ```
/// let t = weave::now();
/// assert!(weave::now() >= t);
/// ```
pub fn now() -> Instant {
    Instant::now()
}
