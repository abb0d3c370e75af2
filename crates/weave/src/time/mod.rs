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
//!
//! The clock can be paused for tests ([`pause`], [`advance`],
//! `Builder::start_paused`): see [`paused`] for virtual time and its
//! auto-advance.

mod callback;
mod interval;
mod paused;
mod sleep;
mod timeout;

pub use callback::{call_at, call_later, TimerHandle};
pub use interval::{interval, Interval};
pub use paused::{advance, pause, resume};
pub use sleep::{sleep, sleep_until, Sleep};
pub use timeout::{timeout_at, wait_for, Timeout, TimeoutError};

use std::time::Instant;
use weave_driver::Driver;

/// The runtime's clock (asyncio's `loop.time()`): the monotonic
/// [`Instant`] that every deadline here is measured against.
///
/// It is `Instant::now()` until the current runtime's clock is paused
/// ([`pause`], `Builder::start_paused`); from then on it is the runtime's
/// virtual clock, which every timer of that runtime follows. Outside a
/// runtime it is `Instant::now()`.
///
/// ```
/// let t = weave::now();
/// assert!(weave::now() >= t);
/// ```
#[inline]
pub fn now() -> Instant {
    Driver::with_current(|driver| driver.map_or_else(Instant::now, |d| d.time().now()))
}
