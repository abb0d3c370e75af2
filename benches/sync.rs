//! Sync-primitive benchmarks: each runtime with its own primitives — weave
//! with `weave::sync`, tokio with `tokio::sync`, smol with `async-lock` /
//! `async-channel` (smol's own) — on the same work.
//!
//! ```text
//! cargo bench --bench sync
//! cargo bench --bench sync -- queue
//! ```
//!
//! - mutex: 100 tasks x 10,000 lock / increment / unlock of one counter
//! - semaphore: 1,000 tasks, 10 permits, each task 100 times acquire,
//!   yield once while holding the permit, release
//! - mpmc_queue: a bounded queue of 1,024, 4 producers x 4 consumers,
//!   2,000,000 items (tokio has no mpmc channel of its own: its column is
//!   `async-channel` on the tokio runtime)
//! - mpsc_queue: the same with 1 consumer, so tokio's column is its own
//!   `mpsc` channel
//! - ping_pong: 1,000 pairs of tasks x 100 bounces, every bounce a fresh
//!   oneshot carrying the sender for the reply (smol has no oneshot: its
//!   column is `async_channel::bounded(1)`)

#[path = "harness/mod.rs"]
mod harness;

use harness::{compare, Row, Runtimes};
use std::sync::Arc;

const MUTEX_TASKS: usize = 100;
const MUTEX_OPS: usize = 10_000;
const SEM_TASKS: usize = 1_000;
const SEM_PERMITS: usize = 10;
const SEM_OPS: usize = 100;
const QUEUE_CAP: usize = 1_024;
const QUEUE_ITEMS: usize = 2_000_000;
const PAIRS: usize = 1_000;
const BOUNCES: usize = 100;

/// Spawns `n` copies of a task made by `$make(i)` with `$spawn`, awaits
/// them all with `$join` (a closure from handle to unit future).
macro_rules! fan_out {
    ($spawn:expr, $n:expr, $make:expr, |$h:ident| $join:expr) => {{
        let handles: Vec<_> = (0..$n).map(|i| $spawn($make(i))).collect();
        for $h in handles {
            $join;
        }
    }};
}

fn mutex(rts: &Runtimes) -> Row {
    let expect = (MUTEX_TASKS * MUTEX_OPS) as u64;
    compare(
        "mutex",
        || {
            let total = rts.weave.block_on(async {
                let m = Arc::new(weave::sync::Lock::new(0u64));
                fan_out!(
                    weave::spawn,
                    MUTEX_TASKS,
                    |_| {
                        let m = m.clone();
                        async move {
                            for _ in 0..MUTEX_OPS {
                                *m.lock().await += 1;
                            }
                        }
                    },
                    |h| h.await.unwrap()
                );
                let total = *m.lock().await;
                total
            });
            assert_eq!(total, expect);
        },
        || {
            let total = rts.tokio.block_on(async {
                let m = Arc::new(tokio::sync::Mutex::new(0u64));
                fan_out!(
                    tokio::spawn,
                    MUTEX_TASKS,
                    |_| {
                        let m = m.clone();
                        async move {
                            for _ in 0..MUTEX_OPS {
                                *m.lock().await += 1;
                            }
                        }
                    },
                    |h| h.await.unwrap()
                );
                let total = *m.lock().await;
                total
            });
            assert_eq!(total, expect);
        },
        || {
            let ex = rts.smol.ex.clone();
            let total = rts.smol.block_on(async move {
                let m = Arc::new(async_lock::Mutex::new(0u64));
                fan_out!(
                    |f| ex.spawn(f),
                    MUTEX_TASKS,
                    |_| {
                        let m = m.clone();
                        async move {
                            for _ in 0..MUTEX_OPS {
                                *m.lock().await += 1;
                            }
                        }
                    },
                    |h| h.await
                );
                let total = *m.lock().await;
                total
            });
            assert_eq!(total, expect);
        },
    )
}

fn semaphore(rts: &Runtimes) -> Row {
    compare(
        "semaphore",
        || {
            rts.weave.block_on(async {
                let sem = Arc::new(weave::sync::Semaphore::new(SEM_PERMITS));
                fan_out!(
                    weave::spawn,
                    SEM_TASKS,
                    |_| {
                        let sem = sem.clone();
                        async move {
                            for _ in 0..SEM_OPS {
                                let _permit = sem.acquire().await;
                                weave::yield_now().await;
                            }
                        }
                    },
                    |h| h.await.unwrap()
                );
                assert_eq!(sem.available_permits(), SEM_PERMITS);
            })
        },
        || {
            rts.tokio.block_on(async {
                let sem = Arc::new(tokio::sync::Semaphore::new(SEM_PERMITS));
                fan_out!(
                    tokio::spawn,
                    SEM_TASKS,
                    |_| {
                        let sem = sem.clone();
                        async move {
                            for _ in 0..SEM_OPS {
                                let _permit = sem.acquire().await.unwrap();
                                tokio::task::yield_now().await;
                            }
                        }
                    },
                    |h| h.await.unwrap()
                );
                assert_eq!(sem.available_permits(), SEM_PERMITS);
            })
        },
        || {
            let ex = rts.smol.ex.clone();
            rts.smol.block_on(async move {
                let sem = Arc::new(async_lock::Semaphore::new(SEM_PERMITS));
                fan_out!(
                    |f| ex.spawn(f),
                    SEM_TASKS,
                    |_| {
                        let sem = sem.clone();
                        async move {
                            for _ in 0..SEM_OPS {
                                let _permit = sem.acquire().await;
                                futures_lite::future::yield_now().await;
                            }
                        }
                    },
                    |h| h.await
                );
                assert!(sem.try_acquire().is_some());
            })
        },
    )
}

/// The sum of `0..QUEUE_ITEMS`, which the consumers must add up to.
fn queue_sum() -> u64 {
    (QUEUE_ITEMS as u64 - 1) * QUEUE_ITEMS as u64 / 2
}

/// Items of producer `p` out of `producers`: a strided share of the range.
fn share(p: usize, producers: usize) -> impl Iterator<Item = u64> {
    (p..QUEUE_ITEMS).step_by(producers).map(|i| i as u64)
}

/// The queue workload on `async-channel`, with tasks started by `spawn`
/// (which must start the task at once and return its output's future):
/// the tokio and smol columns differ only in `spawn`.
async fn async_channel_queue<H>(
    producers: usize,
    consumers: usize,
    spawn: impl Fn(std::pin::Pin<Box<dyn std::future::Future<Output = u64> + Send>>) -> H,
) -> u64
where
    H: std::future::Future<Output = u64>,
{
    let (tx, rx) = async_channel::bounded(QUEUE_CAP);
    let cons: Vec<_> = (0..consumers)
        .map(|_| {
            let rx = rx.clone();
            spawn(Box::pin(async move {
                let mut sum = 0u64;
                while let Ok(v) = rx.recv().await {
                    sum += v;
                }
                sum
            }))
        })
        .collect();
    let prods: Vec<_> = (0..producers)
        .map(|p| {
            let tx = tx.clone();
            spawn(Box::pin(async move {
                for v in share(p, producers) {
                    tx.send(v).await.unwrap();
                }
                0
            }))
        })
        .collect();
    for p in prods {
        p.await;
    }
    drop(tx);
    let mut sum = 0;
    for c in cons {
        sum += c.await;
    }
    sum
}

fn queue(rts: &Runtimes, name: &str, producers: usize, consumers: usize) -> Row {
    compare(
        name,
        || {
            let sum = rts.weave.block_on(async {
                let q = weave::sync::Queue::new(QUEUE_CAP);
                let cons: Vec<_> = (0..consumers)
                    .map(|_| {
                        let q = q.clone();
                        weave::spawn(async move {
                            let mut sum = 0u64;
                            while let Ok(v) = q.get().await {
                                sum += v;
                            }
                            sum
                        })
                    })
                    .collect();
                fan_out!(
                    weave::spawn,
                    producers,
                    |p| {
                        let q = q.clone();
                        async move {
                            for v in share(p, producers) {
                                q.put(v).await.unwrap();
                            }
                        }
                    },
                    |h| h.await.unwrap()
                );
                q.shutdown(false);
                let mut sum = 0;
                for c in cons {
                    sum += c.await.unwrap();
                }
                sum
            });
            assert_eq!(sum, queue_sum());
        },
        || {
            let sum = rts.tokio.block_on(async {
                if consumers == 1 {
                    let (tx, mut rx) = tokio::sync::mpsc::channel(QUEUE_CAP);
                    let con = tokio::spawn(async move {
                        let mut sum = 0u64;
                        while let Some(v) = rx.recv().await {
                            sum += v;
                        }
                        sum
                    });
                    fan_out!(
                        tokio::spawn,
                        producers,
                        |p| {
                            let tx = tx.clone();
                            async move {
                                for v in share(p, producers) {
                                    tx.send(v).await.unwrap();
                                }
                            }
                        },
                        |h| h.await.unwrap()
                    );
                    drop(tx);
                    return con.await.unwrap();
                }
                async_channel_queue(producers, consumers, |f| {
                    let task = tokio::spawn(f);
                    async move { task.await.unwrap() }
                })
                .await
            });
            assert_eq!(sum, queue_sum());
        },
        || {
            let ex = rts.smol.ex.clone();
            let sum = rts.smol.block_on(async move {
                async_channel_queue(producers, consumers, |f| ex.spawn(f)).await
            });
            assert_eq!(sum, queue_sum());
        },
    )
}

/// The ball of the ping-pong game: the sender on which to send it back.
struct WeaveBall(weave::sync::oneshot::Sender<WeaveBall>);
struct TokioBall(tokio::sync::oneshot::Sender<TokioBall>);
struct SmolBall(async_channel::Sender<SmolBall>);

/// One player: `BOUNCES / 2` times, receive the ball, send back a ball
/// that carries a fresh sender to itself. The last return finds the other
/// player gone, which is fine.
macro_rules! player {
    ($rx:expr, $ball:ident, $oneshot:expr, $send:ident, $recv:expr) => {{
        let mut rx = $rx;
        async move {
            for _ in 0..BOUNCES / 2 {
                let $ball(reply) = $recv(rx).await.unwrap();
                let (tx, next) = $oneshot;
                let _ = reply.$send($ball(tx));
                rx = next;
            }
        }
    }};
}

fn ping_pong(rts: &Runtimes) -> Row {
    compare(
        "ping_pong",
        || {
            rts.weave.block_on(async {
                use weave::sync::oneshot;
                let games: Vec<_> = (0..PAIRS)
                    .flat_map(|_| {
                        let (serve, a_rx) = oneshot();
                        let (b_tx, b_rx) = oneshot();
                        let _ = serve.send(WeaveBall(b_tx));
                        [
                            weave::spawn(player!(a_rx, WeaveBall, oneshot(), send, |rx| rx)),
                            weave::spawn(player!(b_rx, WeaveBall, oneshot(), send, |rx| rx)),
                        ]
                    })
                    .collect();
                for g in games {
                    g.await.unwrap();
                }
            })
        },
        || {
            rts.tokio.block_on(async {
                use tokio::sync::oneshot::channel as oneshot;
                let games: Vec<_> = (0..PAIRS)
                    .flat_map(|_| {
                        let (serve, a_rx) = oneshot();
                        let (b_tx, b_rx) = oneshot();
                        let _ = serve.send(TokioBall(b_tx));
                        [
                            tokio::spawn(player!(a_rx, TokioBall, oneshot(), send, |rx| rx)),
                            tokio::spawn(player!(b_rx, TokioBall, oneshot(), send, |rx| rx)),
                        ]
                    })
                    .collect();
                for g in games {
                    g.await.unwrap();
                }
            })
        },
        || {
            let ex = rts.smol.ex.clone();
            rts.smol.block_on(async move {
                let oneshot = || async_channel::bounded(1);
                let recv = |rx: async_channel::Receiver<SmolBall>| async move { rx.recv().await };
                let games: Vec<_> = (0..PAIRS)
                    .flat_map(|_| {
                        let (serve, a_rx) = oneshot();
                        let (b_tx, b_rx) = oneshot();
                        let _ = serve.try_send(SmolBall(b_tx));
                        [
                            ex.spawn(player!(a_rx, SmolBall, oneshot(), try_send, recv)),
                            ex.spawn(player!(b_rx, SmolBall, oneshot(), try_send, recv)),
                        ]
                    })
                    .collect();
                for g in games {
                    g.await;
                }
            })
        },
    )
}

fn main() {
    println!(
        "sync benchmarks: {} workers each, median of {} rounds\n",
        harness::workers(),
        harness::samples()
    );
    Row::print_header();
    let rts = Runtimes::new();
    if harness::selected("mutex") {
        mutex(&rts);
    }
    if harness::selected("semaphore") {
        semaphore(&rts);
    }
    if harness::selected("mpmc_queue") {
        queue(&rts, "mpmc_queue", 4, 4);
    }
    if harness::selected("mpsc_queue") {
        queue(&rts, "mpsc_queue", 4, 1);
    }
    if harness::selected("ping_pong") {
        ping_pong(&rts);
    }
}
