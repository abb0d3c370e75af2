//! Virtual time: pausing the runtime's clock, advancing it by hand, and
//! letting it jump; the rule is in the [`time`](crate::time) module docs.

use std::time::Duration;
use weave_driver::Driver;

/// Freezes the current runtime's clock (idempotent): from now on
/// [`now`](crate::now) stands still, and moves only by [`advance`] and by
/// auto-advance (see the [`time`](crate::time) module docs).
///
/// ```
/// use std::time::{Duration, Instant};
/// weave::run(async {
///     weave::time::pause();
///     let (real, virt) = (Instant::now(), weave::now());
///     // An hour of sleeping, at once: nothing else was ready.
///     weave::sleep(Duration::from_secs(3600)).await;
///     assert_eq!(weave::now() - virt, Duration::from_secs(3600));
///     assert!(real.elapsed() < Duration::from_secs(3600));
/// });
/// ```
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn pause() {
    Driver::expect_current("time::pause").pause_clock();
}

/// Lets the current runtime's clock run in real time again, on from its
/// virtual reading (it never goes back; idempotent).
///
/// ```
/// use std::time::Duration;
/// weave::run(async {
///     weave::time::pause();
///     weave::time::advance(Duration::from_secs(60)).await;
///     let paused_at = weave::now();
///     weave::time::resume();
///     assert!(weave::now() >= paused_at);
/// });
/// ```
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn resume() {
    Driver::expect_current("time::resume").resume_clock();
}

/// Moves the paused clock forward by `by`, firing every timer due on the
/// way, each distinct deadline in turn (a `call_later` callback runs
/// before one due later; those due at one instant in no set order), then
/// yields so that the woken tasks run.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// weave::run(async {
///     weave::time::pause();
///     let fired = Arc::new(Mutex::new(Vec::new()));
///     for secs in [3, 1, 2, 9] {
///         let fired = fired.clone();
///         weave::call_later(Duration::from_secs(secs), move || fired.lock().unwrap().push(secs));
///     }
///     weave::time::advance(Duration::from_secs(5)).await;
///     assert_eq!(*fired.lock().unwrap(), [1, 2, 3]);
/// });
/// ```
///
/// # Panics
/// Outside a runtime, and when the clock is not paused (call
/// [`pause`] first, or build the runtime with `start_paused(true)`).
pub async fn advance(by: Duration) {
    let driver = Driver::expect_current("time::advance");
    if !driver.advance_clock(by) {
        panic!(
            "time::advance({by:?}) called while the clock runs in real time: call \
             weave::time::pause() first, or build the runtime with Builder::start_paused(true) \
             (#[weave::test(start_paused = true)])"
        );
    }
    drop(driver);
    weave_scheduler::yield_now().await;
}
