//! `WeaveTimer`: hyper's `rt::Timer` on weave's timers (header-read and
//! keep-alive timeouts, HTTP/2 pings, the client pool's idle expiry).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// hyper's timer on weave's timer wheel: `sleep`, `sleep_until`, `reset`
/// (in place: the same timer moves, nothing is allocated) and `now`
/// (through [`weave::now`], the runtime's clock).
///
/// ```
/// use hyper::rt::Timer;
/// use std::time::Duration;
/// use weave_hyper::WeaveTimer;
///
/// weave::run(async {
///     let timer = WeaveTimer::new();
///     let start = timer.now();
///     timer.sleep(Duration::from_millis(5)).await;
///     assert!(timer.now() >= start + Duration::from_millis(5));
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct WeaveTimer;

impl WeaveTimer {
    /// The timer of the current runtime.
    pub fn new() -> WeaveTimer {
        WeaveTimer
    }
}

/// The sleep hyper gets from [`WeaveTimer`]: a [`weave::Sleep`].
#[derive(Debug)]
struct WeaveSleep {
    inner: weave::Sleep,
}

impl Future for WeaveSleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl hyper::rt::Sleep for WeaveSleep {}

impl hyper::rt::Timer for WeaveTimer {
    /// # Panics
    /// Outside a runtime.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(WeaveSleep {
            inner: weave::sleep(duration),
        })
    }

    /// # Panics
    /// Outside a runtime.
    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(WeaveSleep {
            inner: weave::sleep_until(deadline),
        })
    }

    fn now(&self) -> Instant {
        weave::now()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<WeaveSleep>() {
            Some(mine) => mine.get_mut().inner.reset(new_deadline),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}
