//! `call_later` / `call_at`: callbacks at a time (asyncio's
//! `loop.call_later` and `loop.call_at`), and their `TimerHandle`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use weave_driver::{Driver, Entry, TimerKey};
use weave_sync::wait_list::WaitKey;

/// Runs `callback` once `delay` has passed, on a worker thread, inside the
/// runtime (it may `spawn`). A panic in it is reported on stderr and the
/// runtime goes on. `Duration::MAX` means never.
///
/// ```
/// use std::sync::mpsc;
/// use std::time::Duration;
/// weave::run(async {
///     let (tx, rx) = mpsc::channel();
///     weave::call_later(Duration::from_millis(5), move || tx.send("ran").unwrap());
///     weave::sleep(Duration::from_millis(50)).await;
///     assert_eq!(rx.try_recv(), Ok("ran"));
/// });
/// ```
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn call_later(delay: Duration, callback: impl FnOnce() + Send + 'static) -> TimerHandle {
    let driver = Driver::expect_current("call_later");
    let deadline = driver.time().now().checked_add(delay);
    schedule(driver, deadline, Box::new(callback))
}

/// Runs `callback` at `deadline` (at once if it passed); see [`call_later`].
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn call_at(deadline: Instant, callback: impl FnOnce() + Send + 'static) -> TimerHandle {
    let driver = Driver::expect_current("call_at");
    schedule(driver, Some(deadline), Box::new(callback))
}

fn schedule(
    driver: Arc<Driver>,
    deadline: Option<Instant>,
    callback: Box<dyn FnOnce() + Send>,
) -> TimerHandle {
    // "Never" is kept beside the wheel, unrun, until it is cancelled or the
    // runtime goes away: no jump of a paused clock reaches it.
    let key = match deadline {
        Some(deadline) => driver
            .insert_timer(deadline, Entry::Call(callback))
            .map(Key::Wheel),
        None => driver.time().insert_never(callback).map(Key::Never),
    };
    TimerHandle {
        driver,
        key,
        deadline,
    }
}

/// Where a callback waits.
#[derive(Clone, Copy)]
enum Key {
    Wheel(TimerKey),
    Never(WaitKey),
}

/// A scheduled callback. Dropping it does **not** cancel the callback
/// (as in asyncio); call [`cancel`](TimerHandle::cancel).
pub struct TimerHandle {
    driver: Arc<Driver>,
    key: Option<Key>,
    deadline: Option<Instant>,
}

impl TimerHandle {
    /// Cancels the callback; true if it had not run (nor been cancelled).
    ///
    /// ```
    /// use std::time::Duration;
    /// weave::run(async {
    ///     let handle = weave::call_later(Duration::from_secs(3600), || unreachable!());
    ///     assert!(handle.cancel());
    ///     assert!(!handle.cancel());
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        match self.key {
            Some(Key::Wheel(key)) => self.driver.time().cancel(key).is_some(),
            Some(Key::Never(key)) => self.driver.time().cancel_never(key),
            None => false,
        }
    }

    /// When the callback is due; `None` for never.
    pub fn when(&self) -> Option<Instant> {
        self.deadline
    }
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerHandle")
            .field("when", &self.deadline)
            .finish()
    }
}
