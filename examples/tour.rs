//! A tour of weave's task model, asyncio style.
//!
//! ```text
//! cargo run --release --example tour
//! ```
//!
//! It shows, in order:
//! 1. `weave::run` driving a main future (asyncio.run);
//! 2. `spawn` fanning CPU work out over every worker (create_task + gather):
//!    counting primes below 2,000,000 in 200 chunks, with the threads each
//!    chunk ran on, so work stealing is visible;
//! 3. `to_thread` running a blocking call while tasks keep going;
//! 4. `JoinHandle::cancel` stopping a task that would run forever;
//! 5. a panicking task reported through its `JoinHandle`, the runtime intact.

use std::collections::BTreeMap;
use std::time::Instant;

fn is_prime(n: u64) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| n % d != 0)
}

async fn count_primes(lo: u64, hi: u64) -> (usize, String) {
    let mut count = 0;
    for n in lo..hi {
        if is_prime(n) {
            count += 1;
        }
        if n % 2_000 == 0 {
            // Let other tasks on this worker have a turn.
            weave::yield_now().await;
        }
    }
    let thread = std::thread::current().name().unwrap_or("?").to_owned();
    (count, thread)
}

fn main() {
    weave::run(async {
        println!(
            "1. weave::run: the main future runs on {:?}",
            std::thread::current().name()
        );

        let start = Instant::now();
        let chunk = 10_000;
        let tasks: Vec<_> = (0..200u64)
            .map(|i| weave::spawn(count_primes(i * chunk, (i + 1) * chunk)))
            .collect();
        let mut total = 0;
        let mut per_thread = BTreeMap::new();
        for task in tasks {
            let (count, thread) = task.await.expect("a chunk failed");
            total += count;
            *per_thread.entry(thread).or_insert(0) += 1;
        }
        println!(
            "2. {total} primes below 2,000,000 in {:.0?}; chunks per worker: {per_thread:?}",
            start.elapsed()
        );

        let ticker = weave::spawn(async {
            let mut ticks = 0u64;
            for _ in 0..1_000 {
                ticks += 1;
                weave::yield_now().await;
            }
            ticks
        });
        let digest = weave::to_thread(|| {
            // A blocking call: it holds a blocking-pool thread, not a worker.
            std::thread::sleep(std::time::Duration::from_millis(50));
            (1..=1_000_000u64).map(|x| x * x % 1_000_007).sum::<u64>()
        })
        .await;
        println!(
            "3. to_thread returned {digest} while a ticker task ran {} steps",
            ticker.await.unwrap()
        );

        let forever = weave::spawn(async {
            loop {
                weave::yield_now().await;
            }
        });
        forever.cancel();
        let err = forever.await.unwrap_err();
        println!("4. cancel(): {err} (is_cancelled = {})", err.is_cancelled());

        std::panic::set_hook(Box::new(|_| {})); // keep the demo's output tidy
        let failing = weave::task::Builder::new()
            .name("parser")
            .spawn(async { panic!("unexpected token") });
        let err = failing.await.unwrap_err();
        let _ = std::panic::take_hook();
        println!("5. a panic stays in its task: {err}");
        let after = weave::spawn(async { "the runtime is fine" }).await.unwrap();
        println!("   and afterwards: {after}");
    });
}
