//! Blocking work off the workers: a CPU-bound sum runs on the blocking
//! pool through `to_thread` while a ticker task keeps ticking. Then the
//! same sum runs inside a task, on the runtime's only worker, and the
//! ticker stops until it is done. asyncio's `asyncio.to_thread`, ported.
//!
//! ```text
//! cargo run --release --example to_thread
//! cargo run --release --example to_thread -- --n 50000000 --tick-ms 5
//! ```
//!
//! ```python
//! async def main():
//!     ticker = asyncio.create_task(tick_forever())
//!     total = await asyncio.to_thread(blocking_sum, n)   # ticks go on
//!     total = blocking_sum(n)                             # ticks stop
//! ```
//!
//! The runtime has one worker so the effect is plain to see; with more
//! workers, blocking one still takes a worker away from every other task.

use clap::Parser;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Compare `to_thread` with blocking a worker.
#[derive(Parser)]
struct Args {
    /// Sum the integers below this.
    #[arg(long, default_value_t = 400_000_000)]
    n: u64,
    /// Ticker period, in milliseconds.
    #[arg(long, default_value_t = 100)]
    tick_ms: u64,
}

/// The CPU-bound work: no await inside, so it would hold a worker.
fn blocking_sum(n: u64) -> u64 {
    (0..n).fold(0u64, |acc, i| black_box(acc.wrapping_add(i)))
}

fn main() {
    let args = Args::parse();
    let rt = weave::Builder::new()
        .worker_threads(1)
        .build()
        .expect("runtime");
    rt.block_on(async {
        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = {
            let ticks = ticks.clone();
            let period = Duration::from_millis(args.tick_ms);
            weave::spawn(async move {
                let mut interval = weave::interval(period);
                loop {
                    interval.tick().await;
                    ticks.fetch_add(1, SeqCst);
                }
            })
        };
        weave::sleep(Duration::from_millis(args.tick_ms)).await;

        let before = ticks.load(SeqCst);
        let start = Instant::now();
        let total = weave::to_thread(move || blocking_sum(args.n)).await;
        println!(
            "to_thread: sum = {total} in {:.2} s; the ticker ticked {} times meanwhile",
            start.elapsed().as_secs_f64(),
            ticks.load(SeqCst) - before
        );

        let start = Instant::now();
        // Spawned, so it runs on the worker (the block_on thread is not one).
        let total = weave::spawn(async move {
            let before = ticks.load(SeqCst);
            let total = blocking_sum(args.n);
            (total, ticks.load(SeqCst) - before)
        })
        .await
        .unwrap();
        println!(
            "in a task: sum = {} in {:.2} s; the ticker ticked {} times meanwhile",
            total.0,
            start.elapsed().as_secs_f64(),
            total.1
        );
        ticker.cancel();
    });
}
