//! Callbacks on the event loop's clock: `call_soon`, `call_later`,
//! `call_at` and `now` (asyncio's `loop.call_soon`, `loop.call_later`,
//! `loop.call_at` and `loop.time()`), and cancelling a scheduled callback
//! through its `TimerHandle`.
//!
//! ```text
//! cargo run --release --example scheduling
//! cargo run --release --example scheduling -- --unit-ms 10
//! ```
//!
//! ```python
//! loop = asyncio.get_running_loop()
//! t0 = loop.time()
//! loop.call_later(0.3, report, "call_later(0.3)")
//! loop.call_at(t0 + 0.2, report, "call_at(t0 + 0.2)")
//! loop.call_soon(report, "call_soon")
//! loop.call_later(0.1, report, "never").cancel()
//! ```
//!
//! Callbacks are plain closures (`FnOnce() + Send`); they run on a worker
//! and must not block. Each prints when it ran, relative to `t0 = now()`;
//! the program waits for the last one through a `oneshot`.

use clap::Parser;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use weave::sync::oneshot;

/// Schedule callbacks with call_soon / call_later / call_at.
#[derive(Parser)]
struct Args {
    /// Milliseconds per tenth of a "second" in the schedule (100 = real time).
    #[arg(long, default_value_t = 100)]
    unit_ms: u64,
}

fn main() {
    let args = Args::parse();
    let unit = Duration::from_millis(args.unit_ms);
    weave::run(async move {
        let t0: Instant = weave::now();
        let report = move |what: &str| {
            let units = t0.elapsed().as_secs_f64() / unit.as_secs_f64();
            println!("{what:<22} ran at t0 + {:.1}", units / 10.0);
        };
        let (done_tx, done_rx) = oneshot();
        let done_tx = Mutex::new(Some(done_tx));

        weave::call_later(3 * unit, move || {
            report("call_later(0.3)");
            if let Some(tx) = done_tx.lock().unwrap().take() {
                let _ = tx.send(());
            }
        });
        weave::call_at(t0 + 2 * unit, move || report("call_at(t0 + 0.2)"));
        weave::call_soon(move || report("call_soon"));
        let never = weave::call_later(unit, move || report("never (cancelled)"));
        println!("cancelled before it fired: {}", never.cancel());
        weave::call_later(Duration::ZERO, move || report("call_later(0)"));

        done_rx.await.expect("the last callback ran");
        println!(
            "loop time now: t0 + {:.1}",
            t0.elapsed().as_secs_f64() / unit.as_secs_f64() / 10.0
        );
    });
}
