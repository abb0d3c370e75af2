//! Three counters that each sleep one second, run concurrently: the whole
//! program takes about one second, not three. The `countasync.py` of the
//! asyncio walkthrough, ported.
//!
//! ```text
//! cargo run --release --example count
//! cargo run --release --example count -- --seconds 0.2
//! ```
//!
//! ```python
//! async def count():
//!     print("One")
//!     await asyncio.sleep(1)
//!     print("Two")
//!
//! async def main():
//!     await asyncio.gather(count(), count(), count())
//! ```
//!
//! `weave::gather` polls the three futures inside one task: each prints
//! "One", then sleeps; while one sleeps the others run, so all three "One"s
//! come first, then the three "Two"s. Compare `count_sync`, the blocking
//! version, which takes three times as long.

use clap::Parser;
use std::time::{Duration, Instant};

/// Run three concurrent counters.
#[derive(Parser)]
struct Args {
    /// How long each counter sleeps, in seconds.
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
}

async fn count(pause: Duration) {
    println!("One");
    weave::sleep(pause).await;
    println!("Two");
}

fn main() {
    let args = Args::parse();
    let pause = Duration::from_secs_f64(args.seconds);
    let start = Instant::now();
    weave::run(async {
        weave::gather([count(pause), count(pause), count(pause)]).await;
    });
    println!(
        "count executed in {:.2} seconds.",
        start.elapsed().as_secs_f64()
    );
}
