//! Chained coroutines: for each `n`, `part1(n)` then `part2(n, result)`,
//! each sleeping a random 0–10 s; all chains run concurrently, so the
//! program takes as long as the slowest chain, not the sum. The
//! `chained.py` of the asyncio walkthrough, ported.
//!
//! ```text
//! cargo run --release --example chained -- 9 6 3
//! cargo run --release --example chained -- 9 6 3 --scale 0.1 --seed 7
//! ```
//!
//! ```python
//! async def chain(n):
//!     start = time.perf_counter()
//!     p1 = await part1(n)
//!     p2 = await part2(n, p1)
//!     end = time.perf_counter() - start
//!     print(f"-->Chained result{n} => {p2} (took {end:0.2f} seconds).")
//!
//! async def main(*args):
//!     await asyncio.gather(*(chain(n) for n in args))
//! ```
//!
//! Inside a chain the awaits are sequential (part2 needs part1's result);
//! across chains they overlap. Each line is stamped with the time since
//! start, so the timeline shows the interleaving. `--scale` shrinks every
//! sleep (0.1 = a tenth of a second per "second"); `--seed` makes the
//! random sleeps repeatable.

#[path = "support/rng.rs"]
mod rng;

use clap::Parser;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Run one part1 -> part2 chain per argument, all concurrently.
#[derive(Parser)]
struct Args {
    /// The chain numbers.
    #[arg(default_values_t = [1, 2, 3])]
    n: Vec<u32>,
    /// Real seconds per simulated second.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Seed for the random sleeps (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
}

/// What every part shares: the start time, the scale and the dice.
struct Ctx {
    start: Instant,
    scale: f64,
    rng: Mutex<rng::Rng>,
}

impl Ctx {
    fn log(&self, line: String) {
        println!(
            "[{:6.2}s] {line}",
            self.start.elapsed().as_secs_f64() / self.scale
        );
    }

    async fn random_sleep(&self, what: String) {
        let i = self.rng.lock().unwrap().randint(0, 10);
        self.log(format!("{what} sleeping for {i} seconds."));
        weave::sleep(Duration::from_secs_f64(i as f64 * self.scale)).await;
    }
}

async fn part1(ctx: &Ctx, n: u32) -> String {
    ctx.random_sleep(format!("part1({n})")).await;
    let result = format!("result{n}-1");
    ctx.log(format!("Returning part1({n}) == {result}."));
    result
}

async fn part2(ctx: &Ctx, n: u32, arg: String) -> String {
    ctx.random_sleep(format!("part2({n}, '{arg}')")).await;
    let result = format!("result{n}-2 derived from {arg}");
    ctx.log(format!("Returning part2({n}, '{arg}') == {result}."));
    result
}

async fn chain(ctx: Arc<Ctx>, n: u32) {
    let start = Instant::now();
    let p1 = part1(&ctx, n).await;
    let p2 = part2(&ctx, n, p1).await;
    let took = start.elapsed().as_secs_f64() / ctx.scale;
    ctx.log(format!(
        "-->Chained result{n} => {p2} (took {took:0.2} seconds)."
    ));
}

fn main() {
    let args = Args::parse();
    let ctx = Arc::new(Ctx {
        start: Instant::now(),
        scale: args.scale,
        rng: Mutex::new(args.seed.map_or_else(rng::Rng::from_time, rng::Rng::new)),
    });
    weave::run(async {
        weave::gather(args.n.iter().map(|&n| chain(ctx.clone(), n))).await;
    });
    println!(
        "Program finished in {:.2} seconds.",
        ctx.start.elapsed().as_secs_f64() / args.scale
    );
}
