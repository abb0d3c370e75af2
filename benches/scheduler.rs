//! Scheduler benchmarks: weave against tokio and smol on the same work.
//!
//! ```text
//! cargo bench --bench scheduler              # every workload
//! cargo bench --bench scheduler -- yield     # only matching names
//! ```
//!
//! - spawn_many: from inside a task, spawn 100,000 tiny tasks, await them all
//! - spawn_remote: spawn 100,000 tasks from a thread outside the runtime
//! - yield_many: 200 tasks x 1,000 `yield_now`
//! - chained_spawn: each task spawns the next, depth 1,000, 100 times
//! - idle_task_memory: RSS bytes per parked task, 200,000 tasks, measured
//!   in a fresh child process per runtime
//! - fairness: 2 tasks doing always-ready channel round trips (each on its
//!   own `channel(1)`: send, then receive) beside 1,000 tasks that each
//!   sleep 1 ms 20 times; the sleepers' p99 lateness (how long after its
//!   deadline a sleep returned). A runtime without a cooperative budget
//!   runs its sleepers only once the spinners give up (after 500 ms).

#[path = "harness/mod.rs"]
mod harness;

use harness::{compare, median_of, percentile, rounds, Row, Runtimes};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SPAWN_MANY: usize = 100_000;
const YIELD_TASKS: usize = 200;
const YIELDS: usize = 1_000;
const CHAIN_DEPTH: usize = 1_000;
const CHAINS: usize = 100;
const IDLE_TASKS: usize = 200_000;
const SPINNERS: usize = 2;
const SLEEPERS: usize = 1_000;
const SLEEPS: usize = 20;
const SLEEP: Duration = Duration::from_millis(1);
/// A spinner stops by itself after this long, so that a runtime whose
/// spinners never yield still finishes the round.
const SPIN_LIMIT: Duration = Duration::from_millis(500);

fn spawn_many(rts: &Runtimes) -> Row {
    compare(
        "spawn_many",
        || {
            rts.weave
                .block_on(rts.weave.spawn(async {
                    let handles: Vec<_> = (0..SPAWN_MANY).map(|_| weave::spawn(async {})).collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                }))
                .unwrap()
        },
        || {
            rts.tokio
                .block_on(rts.tokio.spawn(async {
                    let handles: Vec<_> = (0..SPAWN_MANY).map(|_| tokio::spawn(async {})).collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                }))
                .unwrap()
        },
        || {
            let ex = rts.smol.ex.clone();
            rts.smol.block_on(async move {
                let handles: Vec<_> = (0..SPAWN_MANY).map(|_| ex.spawn(async {})).collect();
                for h in handles {
                    h.await;
                }
            })
        },
    )
}

fn spawn_remote(rts: &Runtimes) -> Row {
    compare(
        "spawn_remote",
        || {
            let handles: Vec<_> = (0..SPAWN_MANY).map(|_| rts.weave.spawn(async {})).collect();
            rts.weave.block_on(async {
                for h in handles {
                    h.await.unwrap();
                }
            })
        },
        || {
            let handles: Vec<_> = (0..SPAWN_MANY).map(|_| rts.tokio.spawn(async {})).collect();
            rts.tokio.block_on(async {
                for h in handles {
                    h.await.unwrap();
                }
            })
        },
        || {
            let handles: Vec<_> = (0..SPAWN_MANY)
                .map(|_| rts.smol.ex.spawn(async {}))
                .collect();
            futures_lite::future::block_on(async {
                for h in handles {
                    h.await;
                }
            })
        },
    )
}

fn yield_many(rts: &Runtimes) -> Row {
    compare(
        "yield_many",
        || {
            rts.weave
                .block_on(rts.weave.spawn(async {
                    let handles: Vec<_> = (0..YIELD_TASKS)
                        .map(|_| {
                            weave::spawn(async {
                                for _ in 0..YIELDS {
                                    weave::yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                }))
                .unwrap()
        },
        || {
            rts.tokio
                .block_on(rts.tokio.spawn(async {
                    let handles: Vec<_> = (0..YIELD_TASKS)
                        .map(|_| {
                            tokio::spawn(async {
                                for _ in 0..YIELDS {
                                    tokio::task::yield_now().await;
                                }
                            })
                        })
                        .collect();
                    for h in handles {
                        h.await.unwrap();
                    }
                }))
                .unwrap()
        },
        || {
            let ex = rts.smol.ex.clone();
            rts.smol.block_on(async move {
                let handles: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        ex.spawn(async {
                            for _ in 0..YIELDS {
                                futures_lite::future::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.await;
                }
            })
        },
    )
}

fn weave_chain(done: async_channel::Sender<()>, n: usize) {
    if n == 0 {
        done.try_send(()).unwrap();
    } else {
        weave::spawn(async move { weave_chain(done, n - 1) });
    }
}

fn tokio_chain(done: async_channel::Sender<()>, n: usize) {
    if n == 0 {
        done.try_send(()).unwrap();
    } else {
        tokio::spawn(async move { tokio_chain(done, n - 1) });
    }
}

fn smol_chain(
    ex: Arc<async_executor::Executor<'static>>,
    done: async_channel::Sender<()>,
    n: usize,
) {
    if n == 0 {
        done.try_send(()).unwrap();
    } else {
        ex.clone()
            .spawn(async move { smol_chain(ex, done, n - 1) })
            .detach();
    }
}

fn chained_spawn(rts: &Runtimes) -> Row {
    compare(
        "chained_spawn",
        || {
            rts.weave
                .block_on(rts.weave.spawn(async {
                    let (tx, rx) = async_channel::bounded(1);
                    for _ in 0..CHAINS {
                        weave_chain(tx.clone(), CHAIN_DEPTH);
                        rx.recv().await.unwrap();
                    }
                }))
                .unwrap()
        },
        || {
            rts.tokio
                .block_on(rts.tokio.spawn(async {
                    let (tx, rx) = async_channel::bounded(1);
                    for _ in 0..CHAINS {
                        tokio_chain(tx.clone(), CHAIN_DEPTH);
                        rx.recv().await.unwrap();
                    }
                }))
                .unwrap()
        },
        || {
            let ex = rts.smol.ex.clone();
            rts.smol.block_on(async move {
                let (tx, rx) = async_channel::bounded(1);
                for _ in 0..CHAINS {
                    smol_chain(ex.clone(), tx.clone(), CHAIN_DEPTH);
                    rx.recv().await.unwrap();
                }
            })
        },
    )
}

/// A task that counts its first poll and then waits forever.
struct Idle {
    polled: Arc<AtomicUsize>,
    counted: bool,
}

impl std::future::Future for Idle {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if !self.counted {
            self.counted = true;
            self.polled.fetch_add(1, SeqCst);
        }
        std::task::Poll::Pending
    }
}

/// Bytes of RSS per idle task: spawns `IDLE_TASKS` of them with `spawn`
/// (which drops or detaches the handle), waits until all were polled, and
/// leaks the runtime so nothing is freed before the measurement.
fn rss_per_idle_task<R>(rt: R, spawn: impl Fn(&R, Idle)) -> f64 {
    let polled = Arc::new(AtomicUsize::new(0));
    let before = harness::rss_bytes();
    for _ in 0..IDLE_TASKS {
        spawn(
            &rt,
            Idle {
                polled: polled.clone(),
                counted: false,
            },
        );
    }
    while polled.load(SeqCst) < IDLE_TASKS {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let bytes = (harness::rss_bytes() as f64 - before as f64) / IDLE_TASKS as f64;
    std::mem::forget(rt);
    bytes
}

/// In a child process: bytes of RSS per idle task on one runtime.
fn idle_memory_child(which: &str) -> f64 {
    let workers = harness::workers();
    match which {
        "weave" => rss_per_idle_task(
            weave::Runtime::builder()
                .worker_threads(workers)
                .build()
                .unwrap(),
            |rt, task| drop(rt.spawn(task)),
        ),
        "tokio" => rss_per_idle_task(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .build()
                .unwrap(),
            |rt, task| drop(rt.spawn(task)),
        ),
        "smol" => rss_per_idle_task(harness::Smol::new(workers), |rt, task| {
            rt.ex.spawn(task).detach()
        }),
        other => panic!("unknown runtime {other}"),
    }
}

fn idle_task_memory() -> Row {
    let row = Row {
        name: "idle_task_memory".into(),
        unit: "B/task",
        weave: harness::in_child("mem:weave"),
        tokio: harness::in_child("mem:tokio"),
        smol: harness::in_child("mem:smol"),
    };
    row.print();
    row
}

/// The lateness of one sleep that should have ended at `deadline`, in µs.
fn lateness(deadline: Instant) -> f64 {
    Instant::now()
        .saturating_duration_since(deadline)
        .as_secs_f64()
        * 1e6
}

/// Whether a spinner goes on: not stopped, and (looked at every 256
/// round trips) within its time limit.
fn spin_on(stop: &AtomicBool, start: Instant, n: u64) -> bool {
    !stop.load(Relaxed) && (n % 256 != 0 || start.elapsed() < SPIN_LIMIT)
}

/// The p99 of every sleep's lateness in one round.
fn p99_of(per_task: Vec<Vec<f64>>) -> f64 {
    let mut all: Vec<f64> = per_task.into_iter().flatten().collect();
    percentile(&mut all, 0.99)
}

/// One round of the fairness workload on one runtime: `$spawn` spawns a
/// task, `$channel` makes a `(sender, receiver)` of capacity 1, `$sleep`
/// sleeps for a `Duration`, `$join` turns an awaited handle into its
/// output, `$block_on` runs the collecting future on this thread. Returns
/// the sleepers' p99 lateness.
macro_rules! fairness_round {
    ($spawn:expr, $channel:expr, $sleep:expr, $join:expr, $block_on:expr) => {{
        let stop = Arc::new(AtomicBool::new(false));
        let spinners: Vec<_> = (0..SPINNERS)
            .map(|_| {
                let stop = stop.clone();
                $spawn(async move {
                    #[allow(unused_mut)]
                    let (tx, mut rx) = $channel;
                    let (start, mut n) = (Instant::now(), 0u64);
                    while spin_on(&stop, start, n) {
                        tx.send(n).await.unwrap();
                        rx.recv().await.unwrap();
                        n += 1;
                    }
                })
            })
            .collect();
        let sleepers: Vec<_> = (0..SLEEPERS)
            .map(|_| {
                $spawn(async {
                    let mut late = Vec::with_capacity(SLEEPS);
                    for _ in 0..SLEEPS {
                        let deadline = Instant::now() + SLEEP;
                        $sleep(SLEEP).await;
                        late.push(lateness(deadline));
                    }
                    late
                })
            })
            .collect();
        $block_on(async {
            let mut per_task = Vec::with_capacity(SLEEPERS);
            for h in sleepers {
                per_task.push($join(h.await));
            }
            stop.store(true, Relaxed);
            for h in spinners {
                $join(h.await);
            }
            p99_of(per_task)
        })
    }};
}

fn fairness(rts: &Runtimes) -> Row {
    let weave_round = || {
        fairness_round!(
            |f| rts.weave.spawn(f),
            weave::sync::channel(1),
            weave::sleep,
            |r: Result<_, weave::JoinError>| r.unwrap(),
            |f| rts.weave.block_on(f)
        )
    };
    let tokio_round = || {
        fairness_round!(
            |f| rts.tokio.spawn(f),
            tokio::sync::mpsc::channel(1),
            tokio::time::sleep,
            |r: Result<_, tokio::task::JoinError>| r.unwrap(),
            |f| rts.tokio.block_on(f)
        )
    };
    let smol_round = || {
        fairness_round!(
            |f| rts.smol.ex.spawn(f),
            async_channel::bounded(1),
            async_io::Timer::after,
            |r| r,
            futures_lite::future::block_on
        )
    };
    let [w, t, s] = rounds(harness::samples(), weave_round, tokio_round, smol_round);
    let row = Row {
        name: "fairness p99 lateness".into(),
        unit: "µs",
        weave: median_of(w),
        tokio: median_of(t),
        smol: median_of(s),
    };
    row.print();
    row
}

/// A timed workload: runs its rounds on the three runtimes.
type Workload = fn(&Runtimes) -> Row;

fn main() {
    if let Some(arg) = harness::child_arg() {
        let which = arg.strip_prefix("mem:").expect("unknown child mode");
        println!("{}", idle_memory_child(which));
        return;
    }
    println!(
        "scheduler benchmarks: {} workers each, median of {} rounds\n",
        harness::workers(),
        harness::samples()
    );
    Row::print_header();
    let rts = Runtimes::new();
    let workloads: [(&str, Workload); 4] = [
        ("spawn_many", spawn_many),
        ("spawn_remote", spawn_remote),
        ("yield_many", yield_many),
        ("chained_spawn", chained_spawn),
    ];
    for (name, run) in workloads {
        if harness::selected(name) {
            run(&rts);
        }
    }
    if harness::selected("idle_task_memory") {
        idle_task_memory();
    }
    if harness::selected("fairness") {
        fairness(&rts);
    }
}
