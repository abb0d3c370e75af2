//! `WeaveExecutor`: hyper's `rt::Executor` as a weave task per future
//! (HTTP/2 streams, the client's connection and pool tasks).

use std::future::Future;

/// Runs the futures hyper hands it as detached weave tasks
/// ([`weave::spawn`]); hyper-util's `TokioExecutor`, for weave.
///
/// ```
/// use hyper::rt::Executor;
/// use weave_hyper::WeaveExecutor;
///
/// weave::run(async {
///     let (tx, rx) = weave::sync::oneshot();
///     WeaveExecutor::new().execute(async move { tx.send(7).unwrap() });
///     assert_eq!(rx.await.unwrap(), 7);
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct WeaveExecutor;

impl WeaveExecutor {
    /// An executor spawning on the current runtime.
    pub fn new() -> WeaveExecutor {
        WeaveExecutor
    }
}

impl<F> hyper::rt::Executor<F> for WeaveExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    /// Spawns `fut` on the current runtime; dropping the handle detaches
    /// the task, which runs to completion.
    ///
    /// # Panics
    /// Outside a runtime (hyper calls it from inside its connection tasks).
    #[track_caller]
    fn execute(&self, fut: F) {
        drop(weave::spawn(fut));
    }
}
