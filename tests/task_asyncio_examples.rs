//! The examples of the asyncio documentation for `gather`, `wait_for`,
//! `as_completed` and `TaskGroup`, ported: the same programs, the same
//! observable results (durations scaled down).

use std::sync::{Arc, Mutex};
use std::time::Duration;

/// asyncio's `factorial` example for `gather`: three concurrent tasks,
/// results in argument order.
async fn factorial(name: &'static str, n: u64, log: Arc<Mutex<Vec<String>>>) -> u64 {
    let mut f = 1;
    for i in 2..=n {
        log.lock().unwrap().push(format!(
            "Task {name}: Compute factorial({i}), currently i={i}..."
        ));
        weave::sleep(Duration::from_millis(1)).await;
        f *= i;
    }
    log.lock()
        .unwrap()
        .push(format!("Task {name}: factorial({n}) = {f}"));
    f
}

#[weave::test]
async fn gather_factorials_in_argument_order() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let results = weave::gather!(
        factorial("A", 2, log.clone()),
        factorial("B", 3, log.clone()),
        factorial("C", 4, log.clone()),
    )
    .await;
    assert_eq!(results, (2, 6, 24));
    let log = log.lock().unwrap();
    // Concurrent: B and C start computing before A is done.
    let a_done = log
        .iter()
        .position(|l| l == "Task A: factorial(2) = 2")
        .unwrap();
    let c_starts = log
        .iter()
        .position(|l| l.starts_with("Task C: Compute"))
        .unwrap();
    assert!(c_starts < a_done, "{log:?}");
}

#[weave::test]
async fn gather_with_errors_keeps_them_in_place() {
    // asyncio.gather(..., return_exceptions=True): each result or error in
    // its position; the failures do not stop the others.
    async fn job(i: u32) -> Result<u32, String> {
        weave::sleep(Duration::from_millis(u64::from(5 - i))).await;
        if i % 2 == 1 {
            Err(format!("job {i} failed"))
        } else {
            Ok(i * 10)
        }
    }
    let results = weave::gather((0..5).map(job)).await;
    assert_eq!(
        results,
        vec![
            Ok(0),
            Err("job 1 failed".into()),
            Ok(20),
            Err("job 3 failed".into()),
            Ok(40)
        ]
    );
    // Without return_exceptions: the first error propagates.
    assert_eq!(
        weave::try_gather((0..5).map(job)).await,
        Err("job 3 failed".into())
    );
}

#[weave::test]
async fn wait_for_eternity_times_out() {
    // asyncio's example: `await asyncio.wait_for(eternity(), timeout=1.0)`.
    let start = std::time::Instant::now();
    let eternity = weave::sleep(Duration::from_secs(3600));
    let result: Result<(), weave::TimeoutError> =
        weave::wait_for(eternity, Duration::from_millis(10)).await;
    assert!(result.is_err(), "eternity finished");
    assert!(
        start.elapsed() >= Duration::from_millis(10),
        "timed out early"
    );
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "the timeout did not fire"
    );
}

#[weave::test]
async fn as_completed_gives_the_earliest_first() {
    let mut done = weave::as_completed([40u64, 10, 30, 20].map(|ms| async move {
        weave::sleep(Duration::from_millis(ms)).await;
        ms
    }));
    let mut order = Vec::new();
    while let Some(ms) = done.next().await {
        order.push(ms);
    }
    assert_eq!(order, [10, 20, 30, 40]);
}

#[weave::test]
async fn task_group_failure_cancels_the_rest_and_propagates() {
    // asyncio's TaskGroup: one task raises, the group cancels the others
    // and the error comes out of the `async with` block.
    let finished = Arc::new(Mutex::new(Vec::new()));
    // "broken" fails only once "quick" is done, whatever the machine's load.
    let quick_done = weave::sync::Event::new();
    let mut group = weave::TaskGroup::new();
    for (name, ms, fail) in [
        ("slow", 60_000u64, false),
        ("broken", 5, true),
        ("quick", 1, false),
    ] {
        let (finished, quick_done) = (finished.clone(), quick_done.clone());
        group.spawn(async move {
            weave::sleep(Duration::from_millis(ms)).await;
            if fail {
                quick_done.wait().await;
                panic!("{name} failed");
            }
            finished.lock().unwrap().push(name);
            quick_done.set();
        });
    }
    let err = group.join_all().await.unwrap_err();
    assert!(err.is_panic());
    assert_eq!(
        *finished.lock().unwrap(),
        ["quick"],
        "the slow task was not cancelled"
    );
}
