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
use std::sync::{Arc, Mutex};
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
        // When each tick happened: a tick counts for a phase if it falls
        // inside the phase's time window.
        let ticks: Arc<Mutex<Vec<Instant>>> = Arc::default();
        let ticks_between = {
            let ticks = ticks.clone();
            move |from: Instant, to: Instant| {
                ticks
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|t| **t > from && **t < to)
                    .count()
            }
        };
        let ticker = {
            let ticks = ticks.clone();
            let period = Duration::from_millis(args.tick_ms);
            weave::spawn(async move {
                let mut interval = weave::interval(period);
                loop {
                    interval.tick().await;
                    ticks.lock().unwrap().push(Instant::now());
                }
            })
        };
        weave::sleep(Duration::from_millis(args.tick_ms)).await;

        let start = Instant::now();
        let total = weave::to_thread(move || blocking_sum(args.n)).await;
        let end = Instant::now();
        println!(
            "to_thread: sum = {total} in {:.2} s; the ticker ticked {} times meanwhile",
            (end - start).as_secs_f64(),
            ticks_between(start, end)
        );

        // Spawned, so it runs on the worker (the block_on thread is not one).
        let (total, start, end) = weave::spawn(async move {
            let start = Instant::now();
            let total = blocking_sum(args.n);
            (total, start, Instant::now())
        })
        .await
        .unwrap();
        println!(
            "in a task: sum = {total} in {:.2} s; the ticker ticked {} times meanwhile",
            (end - start).as_secs_f64(),
            ticks_between(start, end)
        );
        ticker.cancel();
    });
}
