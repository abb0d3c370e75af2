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
//! # Virtual time
//!
//! The clock can be paused for tests ([`pause`], [`advance`],
//! `Builder::start_paused`; tokio's `time::pause`, on every runtime).
//!
//! While the clock is paused, [`now`] and every timer of the
//! runtime — `sleep`, `wait_for`, `interval`, `call_later`, hyper's
//! timer — follow a virtual clock that moves only forward, and only:
//! - by [`advance`], which fires the timers due on the way in deadline
//!   order; or
//! - by auto-advance: when nothing can make a task ready without it, the
//!   clock jumps to the next deadline. That is when
//!   - no task is ready or being polled, on any worker, and no
//!     `block_on` future is woken or being polled;
//!   - no blocking job (`spawn_blocking`, `weave::fs`) is queued or
//!     running;
//!   - the I/O poller, asked once more without waiting, has nothing ready.
//!
//! The limits of that rule: the runtime cannot see work outside itself.
//! A socket read waiting for a peer in another process or on a plain
//! thread, a child process, or a thread that will send on a channel does
//! not hold the clock: with nothing else to do, the clock jumps past
//! their timeouts at once. Give such waits real time ([`resume`]), or
//! keep both ends inside the runtime. The other way round, a blocking
//! job holds the clock while it runs: one that waits for the runtime's
//! timers must wait in `Handle::block_on` (which lets the clock go while
//! it sleeps), not on a plain channel, or it waits for good.
//! `std::time::Instant::now()` keeps real time throughout; so do task ages
//! in dumps and the slow-poll report.

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
