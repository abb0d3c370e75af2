//! `#[weave::test]` (and, through the same expansion, `#[weave::main]`):
//! each test runs on its own fresh runtime, with `worker_threads = N`
//! honoured; results and `?` pass through.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

/// The names of the threads that ran `n` spawned tasks.
async fn worker_names(n: usize) -> BTreeSet<String> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            weave::spawn(async {
                // Long enough that idle workers steal some of the tasks.
                std::thread::sleep(Duration::from_millis(2));
                std::thread::current().name().unwrap_or("").to_owned()
            })
        })
        .collect();
    let mut names = BTreeSet::new();
    for t in tasks {
        names.insert(t.await.unwrap());
    }
    names
}

#[weave::test(worker_threads = 1)]
async fn one_worker_runs_everything() {
    let names = worker_names(20).await;
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("weave-worker")),
        "{names:?}"
    );
}

#[weave::test(worker_threads = 3)]
async fn three_workers_share_the_work() {
    // Two tasks that meet at a barrier cannot both run on one worker.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let met: Vec<_> = (0..2)
        .map(|_| {
            let barrier = barrier.clone();
            weave::spawn(async move {
                barrier.wait();
                std::thread::current().name().unwrap_or("").to_owned()
            })
        })
        .collect();
    let mut names = worker_names(60).await;
    for t in met {
        names.insert(t.await.unwrap());
    }
    assert!(names.len() > 1, "only {names:?} ran tasks");
    assert!(names.len() <= 3, "{names:?}");
}

#[weave::test]
async fn timers_and_results_pass_through() -> Result<(), weave::TimeoutError> {
    weave::wait_for(
        weave::sleep(Duration::from_millis(1)),
        Duration::from_secs(5),
    )
    .await?;
    Ok(())
}

static DROPPED: AtomicUsize = AtomicUsize::new(0);

struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, SeqCst);
    }
}

/// The same expansion as `#[weave::test]`, callable: a fresh runtime per
/// call, dropped (cancelling what is left) when the call returns.
#[weave::main(worker_threads = 2)]
async fn leave_a_task_behind() -> bool {
    let guard = Guard;
    let handle = weave::spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    weave::yield_now().await;
    !handle.is_finished()
}

#[test]
fn each_call_gets_a_fresh_runtime_that_ends_with_it() {
    assert!(leave_a_task_behind());
    assert_eq!(DROPPED.load(SeqCst), 1, "the task outlived its runtime");
    assert!(leave_a_task_behind());
    assert_eq!(DROPPED.load(SeqCst), 2);
}
