//! `yield_now`: asyncio's `await asyncio.sleep(0)`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler: the task goes behind every other ready task of
/// its worker (never into the LIFO slot), and the driver (timers, I/O) is
/// polled before it runs again.
///
/// ```
/// # use weave_scheduler::{yield_now, Runtime};
/// let rt = Runtime::builder().worker_threads(1).build().unwrap();
/// rt.block_on(async {
///     for _ in 0..3 {
///         yield_now().await;
///     }
/// });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // A task that wakes itself during its poll is re-scheduled as a
        // yield when the poll returns: deferred until the worker's driver
        // has run, then behind the rest of the queue.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
