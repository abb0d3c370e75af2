//! Random task graphs under virtual time and shuffled schedules, against
//! a model: every task's clock readings are exactly the sums of its
//! sleeps (nothing early, no jump past a deadline, nothing lost while a
//! task was ready), and one seed replays one interleaving.

use proptest::prelude::*;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One step of a task.
#[derive(Debug, Clone)]
enum Op {
    /// `sleep` this many ms (0 included).
    Sleep(u64),
    /// `yield_now`.
    Yield,
    /// Send a token to the next task's inbox (a bounded channel of 1, so
    /// it may wait), or receive one if this task has one queued.
    Pass,
    /// `wait_for` a future that never completes, this many ms.
    TimeOut(u64),
    /// Stay ready for this many polls (`yield_now` in a loop), reading
    /// the clock each time: it must not move meanwhile.
    Spin(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u64..2_000).prop_map(Op::Sleep),
        Just(Op::Yield),
        Just(Op::Pass),
        (0u64..500).prop_map(Op::TimeOut),
        (1u32..3_000).prop_map(Op::Spin),
    ]
}

/// What a task's clock must read after each step: the sum of its sleeps
/// and timeouts so far (the model). A `Pass` may wait for the receiver,
/// so after one only a lower bound holds.
fn run_graph(rt: &weave::Runtime, graph: &[Vec<Op>]) -> (Vec<Vec<(Duration, bool)>>, Vec<String>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let n = graph.len();
    let readings = rt.block_on(async {
        let start = weave::now();
        let (senders, receivers): (Vec<_>, Vec<_>) =
            (0..n).map(|_| weave::sync::channel::<usize>(1)).unzip();
        let tasks: Vec<_> = graph
            .iter()
            .cloned()
            .zip(receivers)
            .enumerate()
            .map(|(i, (ops, inbox))| {
                let next = senders[(i + 1) % n].clone();
                let log = log.clone();
                weave::spawn(async move {
                    let mut readings = Vec::new();
                    let mut expected = Duration::ZERO;
                    let mut exact = true;
                    for (step, op) in ops.into_iter().enumerate() {
                        match op {
                            Op::Sleep(ms) => {
                                weave::sleep(Duration::from_millis(ms)).await;
                                expected += Duration::from_millis(ms);
                            }
                            Op::Yield => weave::yield_now().await,
                            Op::Spin(polls) => {
                                let at = weave::now();
                                for _ in 0..polls {
                                    weave::yield_now().await;
                                    assert_eq!(
                                        weave::now(),
                                        at,
                                        "task {i}: the clock moved while it was ready"
                                    );
                                }
                            }
                            Op::Pass => {
                                // Take a token if one is there, else give one.
                                match inbox.try_recv() {
                                    Ok(_) => {}
                                    Err(_) => {
                                        // Never waits for good: the receiver
                                        // may have finished, so bounded.
                                        let sent =
                                            weave::wait_for(next.send(i), Duration::from_secs(10))
                                                .await;
                                        if sent.is_err() {
                                            expected += Duration::from_secs(10);
                                        }
                                        exact = false;
                                    }
                                }
                            }
                            Op::TimeOut(ms) => {
                                let out = weave::wait_for(
                                    std::future::pending::<()>(),
                                    Duration::from_millis(ms),
                                )
                                .await;
                                assert!(out.is_err());
                                expected += Duration::from_millis(ms);
                            }
                        }
                        log.lock().unwrap().push(format!("{i}.{step}"));
                        let now = weave::now() - start;
                        readings.push((now, exact));
                        assert!(
                            now >= expected,
                            "task {i} step {step}: {now:?} before {expected:?}"
                        );
                        if exact {
                            assert_eq!(now, expected, "task {i} step {step}");
                        }
                    }
                    drop(inbox);
                    readings
                })
            })
            .collect();
        drop(senders);
        let mut all = Vec::new();
        for task in tasks {
            all.push(task.await.unwrap());
        }
        all
    });
    let log = Arc::try_unwrap(log).unwrap().into_inner().unwrap();
    (readings, log)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// On 1 or 2 workers with the clock paused: each task's clock reads
    /// exactly the sum of its own sleeps and timeouts until it first waits
    /// on another task, and never less after.
    #[test]
    fn virtual_time_matches_the_sum_of_each_tasks_sleeps(
        workers in 1usize..=2,
        graph in prop::collection::vec(prop::collection::vec(op(), 1..8), 1..6),
    ) {
        let rt = weave::Builder::new().worker_threads(workers).start_paused(true).build().unwrap();
        run_graph(&rt, &graph);
    }

    /// The same graphs shuffled: the model holds, and the same seed gives
    /// the same interleaving and the same readings.
    #[test]
    fn a_seed_replays_any_graph(
        seed in any::<u64>(),
        graph in prop::collection::vec(prop::collection::vec(op(), 1..8), 1..6),
    ) {
        let first = run_graph(&weave::Builder::new().shuffle_seed(seed).build().unwrap(), &graph);
        let again = run_graph(&weave::Builder::new().shuffle_seed(seed).build().unwrap(), &graph);
        prop_assert_eq!(first, again);
    }
}
