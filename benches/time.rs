//! Timer benchmarks: weave against tokio and smol (async-io timers).
//!
//! ```text
//! cargo bench --bench time
//! cargo bench --bench time -- churn
//! ```
//!
//! - timers: 100,000 tasks each sleep until a random deadline 1–50 ms out
//!   (fixed seed): wall time until all are done, and lateness (wake time
//!   minus deadline) p50 / p99 / max over every task of every round
//! - timers_light: the same with 1,000 tasks: accuracy under light load
//! - timer_churn: 1,000,000 `wait_for(ready, 10 s)` then 1,000,000 timeouts
//!   on a pending future, each polled once (registering its timer) and
//!   dropped (cancelling it)

#[path = "harness/mod.rs"]
mod harness;

use futures_lite::FutureExt as _;
use harness::{percentile, rounds, Row, Runtimes};
use std::future::{pending, ready, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

const CHURN: usize = 1_000_000;

/// Deadlines 1–50 ms after `start`, from a fixed seed.
fn offsets(n: usize) -> Vec<Duration> {
    let mut seed: u64 = 0x5eed;
    (0..n)
        .map(|_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            Duration::from_micros(1_000 + (seed >> 33) % 49_000)
        })
        .collect()
}

/// Lateness of one sleeper, in microseconds.
fn late(deadline: Instant) -> f64 {
    let now = Instant::now();
    assert!(now >= deadline, "a timer fired early");
    (now - deadline).as_secs_f64() * 1e6
}

/// (wall ms, lateness µs per task) of one round.
type Round = (f64, Vec<f64>);

fn timers_round_weave(rts: &Runtimes, n: usize) -> Round {
    let offs = offsets(n);
    let start = Instant::now();
    let lateness = rts
        .weave
        .block_on(rts.weave.spawn(async move {
            let begin = Instant::now();
            let hs: Vec<_> = offs
                .into_iter()
                .map(|d| {
                    let deadline = begin + d;
                    weave::spawn(async move {
                        weave::sleep_until(deadline).await;
                        late(deadline)
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(hs.len());
            for h in hs {
                out.push(h.await.unwrap());
            }
            out
        }))
        .unwrap();
    (start.elapsed().as_secs_f64() * 1e3, lateness)
}

fn timers_round_tokio(rts: &Runtimes, n: usize) -> Round {
    let offs = offsets(n);
    let start = Instant::now();
    let lateness = rts
        .tokio
        .block_on(rts.tokio.spawn(async move {
            let begin = Instant::now();
            let hs: Vec<_> = offs
                .into_iter()
                .map(|d| {
                    let deadline = begin + d;
                    tokio::spawn(async move {
                        tokio::time::sleep_until(deadline.into()).await;
                        late(deadline)
                    })
                })
                .collect();
            let mut out = Vec::with_capacity(hs.len());
            for h in hs {
                out.push(h.await.unwrap());
            }
            out
        }))
        .unwrap();
    (start.elapsed().as_secs_f64() * 1e3, lateness)
}

fn timers_round_smol(rts: &Runtimes, n: usize) -> Round {
    let offs = offsets(n);
    let ex = rts.smol.ex.clone();
    let start = Instant::now();
    let lateness = rts.smol.block_on(async move {
        let begin = Instant::now();
        let hs: Vec<_> = offs
            .into_iter()
            .map(|d| {
                let deadline = begin + d;
                ex.spawn(async move {
                    async_io::Timer::at(deadline).await;
                    late(deadline)
                })
            })
            .collect();
        let mut out = Vec::with_capacity(hs.len());
        for h in hs {
            out.push(h.await);
        }
        out
    });
    (start.elapsed().as_secs_f64() * 1e3, lateness)
}

fn timers(rts: &Runtimes, name: &str, n: usize, rounds_n: usize, with_wall: bool) {
    let [w, t, s] = rounds(
        rounds_n,
        || timers_round_weave(rts, n),
        || timers_round_tokio(rts, n),
        || timers_round_smol(rts, n),
    );
    let split = |v: Vec<Round>| {
        let walls: Vec<f64> = v.iter().map(|r| r.0).collect();
        let lates: Vec<f64> = v.into_iter().flat_map(|r| r.1).collect();
        (walls, lates)
    };
    let (ww, mut wl) = split(w);
    let (tw, mut tl) = split(t);
    let (sw, mut sl) = split(s);
    if with_wall {
        Row {
            name: format!("{name} wall"),
            unit: "ms",
            weave: harness::median_of(ww),
            tokio: harness::median_of(tw),
            smol: harness::median_of(sw),
        }
        .print();
    }
    for (label, p) in [("p50", 0.5), ("p99", 0.99), ("max", 1.0)] {
        Row {
            name: format!("{name} late {label}"),
            unit: "µs",
            weave: percentile(&mut wl, p),
            tokio: percentile(&mut tl, p),
            smol: percentile(&mut sl, p),
        }
        .print();
    }
}

/// Polls `future` once, then drops it.
async fn poll_once_then_drop<F: Future>(future: F) {
    let mut future = pin!(future);
    std::future::poll_fn(|cx| {
        let _ = future.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await
}

fn timer_churn(rts: &Runtimes) -> Row {
    let ten = Duration::from_secs(10);
    harness::compare(
        "timer_churn (2M ops)",
        || {
            rts.weave
                .block_on(rts.weave.spawn(async move {
                    for i in 0..CHURN {
                        assert_eq!(weave::wait_for(ready(i), ten).await.unwrap(), i);
                    }
                    for _ in 0..CHURN {
                        poll_once_then_drop(weave::wait_for(pending::<()>(), ten)).await;
                    }
                }))
                .unwrap()
        },
        || {
            rts.tokio
                .block_on(rts.tokio.spawn(async move {
                    for i in 0..CHURN {
                        assert_eq!(tokio::time::timeout(ten, ready(i)).await.unwrap(), i);
                    }
                    for _ in 0..CHURN {
                        poll_once_then_drop(tokio::time::timeout(ten, pending::<()>())).await;
                    }
                }))
                .unwrap()
        },
        || {
            rts.smol.block_on(async move {
                for i in 0..CHURN {
                    let out = async { Some(ready(i).await) }
                        .or(async {
                            async_io::Timer::after(ten).await;
                            None
                        })
                        .await;
                    assert_eq!(out, Some(i));
                }
                for _ in 0..CHURN {
                    let timed = async {
                        pending::<()>().await;
                        Some(())
                    }
                    .or(async {
                        async_io::Timer::after(ten).await;
                        None
                    });
                    poll_once_then_drop(timed).await;
                }
            })
        },
    )
}

fn main() {
    println!(
        "timer benchmarks: {} workers each; wall: median of rounds; lateness: every task of every round\n",
        harness::workers()
    );
    Row::print_header();
    let rts = Runtimes::new();
    if harness::selected("timers") && !harness::selected_exactly("timers_light") {
        timers(&rts, "timers", 100_000, 5, true);
    }
    if harness::selected("timers_light") {
        timers(&rts, "timers_light", 1_000, 15, false);
    }
    if harness::selected("timer_churn") {
        timer_churn(&rts);
    }
}
