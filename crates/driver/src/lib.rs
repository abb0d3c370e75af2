//! `weave-driver`: everything a weave runtime drives besides its tasks, and
//! how an idle worker drives it.
//!
//! - [`Driver`]: the runtime's I/O poller (a [`weave_reactor::Reactor`]),
//!   its timing wheels, one per worker ([`TimeDriver`]) and its `call_soon` queue
//!   ([`CallSoon`]), plus one [`ThreadPark`] per worker.
//! - [`WorkerPark`]: the [`Park`] of one worker. The idle worker that takes
//!   the driver token sleeps in the poller until the next timer deadline;
//!   the others sleep on their condition variable. Waking a worker wakes
//!   exactly the place it sleeps in (see `driver.rs`).
//! - The typed way in: [`Driver::enter`] makes a driver current on a thread
//!   (the scheduler calls it wherever it enters its runtime), after which
//!   [`Driver::current`] finds it for timers and `call_soon`, and
//!   `weave_reactor::Reactor::current` finds its reactor for sockets. No
//!   global hook, no downcast.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, Instant};
//! use weave_driver::{Driver, Entry, Park};
//!
//! let driver = Arc::new(Driver::new(1).unwrap());
//! let (tx, rx) = std::sync::mpsc::channel();
//! let deadline = Instant::now() + Duration::from_millis(5);
//! driver.insert_timer(deadline, Entry::Call(Box::new(move || tx.send(()).unwrap())));
//! // An idle worker parks: it sleeps in the poller until the timer is due,
//! // and fires it on waking.
//! let park = driver.worker_park(0);
//! while rx.try_recv().is_err() {
//!     park.park(None);
//! }
//! assert!(Instant::now() >= deadline);
//! ```
//!
//! Under `RUSTFLAGS="--cfg loom"` the poller is a model (`mock.rs`) and
//! `cargo test -p weave-driver --lib --release -- loom` runs the park and
//! hand-off code that ships under the model checker (`src/tests/`).

mod activity;
mod call_soon;
mod clock;
mod context;
mod driver;
mod handoff;
#[cfg(loom)]
mod mock;
mod park;
mod time;
mod token_waiters;

pub use call_soon::{CallSoon, Callback, Drainer};
pub use context::{BlockingJob, EnterGuard};
pub use driver::{Driver, IdleProbe, WorkerPark};
pub use park::{Park, ThreadPark};
pub use time::{Entry, Lookup, TimeDriver, TimerKey};

#[cfg(test)]
mod tests;

/// Compile-time checks of the thread-safety the API promises.
#[allow(dead_code)]
fn _assert_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Driver>();
    send_sync::<WorkerPark>();
    send_sync::<ThreadPark>();
    send_sync::<TimeDriver>();
    send_sync::<CallSoon>();
}
