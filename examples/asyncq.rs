//! Producers and consumers around a `Queue`: each producer puts a random
//! number of items, pausing randomly; consumers take items until they are
//! cancelled. `join` waits until every item put has been marked done
//! (`task_done`), then the consumers are cancelled. The `asyncq.py` of the
//! asyncio walkthrough, ported.
//!
//! ```text
//! cargo run --release --example asyncq -- -p 2 -c 4
//! cargo run --release --example asyncq -- --nprod 5 --ncon 10 --scale 0.01 --seed 3
//! ```
//!
//! ```python
//! async def main(nprod: int, ncon: int):
//!     q = asyncio.Queue()
//!     producers = [asyncio.create_task(produce(n, q)) for n in range(nprod)]
//!     consumers = [asyncio.create_task(consume(n, q)) for n in range(ncon)]
//!     await asyncio.gather(*producers)
//!     await q.join()  # Implicitly awaits consumers, too
//!     for c in consumers:
//!         c.cancel()
//! ```
//!
//! The queue is a cheap-to-clone handle (as a Python object is shared by
//! reference). Cancelling a consumer drops its future wherever it waits
//! (here in `get` or in a sleep), which loses no item: `get` is
//! cancel-safe. Sleeps are random 0–10 s times `--scale`.

#[path = "support/rng.rs"]
mod rng;

use clap::Parser;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use weave::sync::Queue;

/// Producers and consumers sharing one queue.
#[derive(Parser)]
struct Args {
    /// Number of producers.
    #[arg(short = 'p', long, default_value_t = 5)]
    nprod: usize,
    /// Number of consumers.
    #[arg(short = 'c', long, default_value_t = 10)]
    ncon: usize,
    /// Real seconds per simulated second of sleep.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Seed for the random sleeps and items (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
}

/// An item: its hex name and when it was put.
type Item = (String, Instant);

struct Ctx {
    scale: f64,
    rng: Mutex<rng::Rng>,
}

impl Ctx {
    fn randint(&self, lo: u64, hi: u64) -> u64 {
        self.rng.lock().unwrap().randint(lo, hi)
    }

    async fn randsleep(&self, caller: &str) {
        let i = self.randint(0, 10);
        println!("{caller} sleeping for {i} seconds.");
        weave::sleep(Duration::from_secs_f64(i as f64 * self.scale)).await;
    }

    fn makeitem(&self) -> String {
        self.rng.lock().unwrap().hex(5)
    }
}

async fn produce(ctx: Arc<Ctx>, name: usize, q: Queue<Item>) -> usize {
    let n = ctx.randint(0, 10) as usize;
    for _ in 0..n {
        ctx.randsleep(&format!("Producer {name}")).await;
        let i = ctx.makeitem();
        q.put((i.clone(), Instant::now()))
            .await
            .expect("the queue is never shut down");
        println!("Producer {name} added <{i}> to queue.");
    }
    n
}

async fn consume(ctx: Arc<Ctx>, name: usize, q: Queue<Item>) {
    loop {
        ctx.randsleep(&format!("Consumer {name}")).await;
        let (i, t) = q.get().await.expect("the queue is never shut down");
        println!(
            "Consumer {name} got element <{i}> in {:.5} seconds.",
            t.elapsed().as_secs_f64() / ctx.scale
        );
        q.task_done().expect("one task_done per item taken");
    }
}

fn main() {
    let args = Args::parse();
    let ctx = Arc::new(Ctx {
        scale: args.scale,
        rng: Mutex::new(args.seed.map_or_else(rng::Rng::from_time, rng::Rng::new)),
    });
    let start = Instant::now();
    weave::run(async {
        let q = Queue::new(0);
        let producers: Vec<_> = (0..args.nprod)
            .map(|n| weave::spawn(produce(ctx.clone(), n, q.clone())))
            .collect();
        let consumers: Vec<_> = (0..args.ncon)
            .map(|n| weave::spawn(consume(ctx.clone(), n, q.clone())))
            .collect();
        let produced: usize = weave::gather(producers)
            .await
            .into_iter()
            .map(|r| r.expect("a producer failed"))
            .sum();
        q.join().await; // every item put has been marked done
        for c in &consumers {
            c.cancel();
        }
        let cancelled = weave::gather(consumers)
            .await
            .into_iter()
            .filter(|r| r.as_ref().is_err_and(|e| e.is_cancelled()))
            .count();
        println!("{produced} items produced and consumed; {cancelled} consumers cancelled.");
    });
    println!(
        "Program completed in {:0.5} seconds.",
        start.elapsed().as_secs_f64() / args.scale
    );
}
