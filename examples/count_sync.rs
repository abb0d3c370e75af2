//! The blocking version of `count`: three counters that each sleep one
//! second, one after the other, so the program takes three seconds. The
//! `countsync.py` of the asyncio walkthrough, ported.
//!
//! ```text
//! cargo run --release --example count_sync
//! cargo run --release --example count_sync -- --seconds 0.2
//! ```
//!
//! ```python
//! def count():
//!     print("One")
//!     time.sleep(1)
//!     print("Two")
//!
//! def main():
//!     for _ in range(3):
//!         count()
//! ```
//!
//! No runtime here: `std::thread::sleep` blocks the only thread, so
//! nothing else can happen meanwhile. Run `count` to see the difference.

use clap::Parser;
use std::time::{Duration, Instant};

/// Run three counters, one after the other.
#[derive(Parser)]
struct Args {
    /// How long each counter sleeps, in seconds.
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
}

fn count(pause: Duration) {
    println!("One");
    std::thread::sleep(pause);
    println!("Two");
}

fn main() {
    let args = Args::parse();
    let pause = Duration::from_secs_f64(args.seconds);
    let start = Instant::now();
    for _ in 0..3 {
        count(pause);
    }
    println!(
        "count_sync executed in {:.2} seconds.",
        start.elapsed().as_secs_f64()
    );
}
