//! `run`: asyncio's `asyncio.run`.

use crate::Runtime;
use std::future::Future;

/// Runs `future` to completion on a new multi-threaded runtime (one worker
/// per available core) and returns its output (asyncio's `asyncio.run`).
///
/// The future runs on the calling thread and need not be `Send`; tasks it
/// spawns run on the workers. When it returns, every task still alive is
/// cancelled (its future dropped), and every thread is joined.
///
/// ```
/// let answer = weave::run(async {
///     let task = weave::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
///
/// # Panics
/// - When called from inside a runtime (a task, or another `run` /
///   `block_on`): `.await` the future there instead, or `spawn` it.
/// - When the runtime's threads cannot be started.
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    if weave_scheduler::is_driving() {
        panic!(
            "weave::run called from inside a runtime: this thread is already running async code. \
             `.await` the future instead, or `weave::spawn` it and `.await` its JoinHandle"
        );
    }
    let rt = Runtime::new()
        .unwrap_or_else(|err| panic!("weave::run could not start the runtime: {err}"));
    rt.block_on(future)
}
