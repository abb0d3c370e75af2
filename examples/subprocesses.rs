//! Several commands at once, the asyncio way: `create_subprocess_exec`
//! for each, a `Semaphore` capping how many run together, and `gather`
//! collecting their output in the order they were given.
//!
//! ```text
//! cargo run --release --example subprocesses
//! cargo run --release --example subprocesses -- --jobs 12 --limit 4
//! ```
//!
//! In asyncio terms:
//!
//! ```python
//! sem = asyncio.Semaphore(limit)
//! async def run(*cmd):
//!     async with sem:
//!         proc = await asyncio.create_subprocess_exec(*cmd, stdout=PIPE, stderr=PIPE)
//!         out, err = await proc.communicate()
//!         return cmd, proc.returncode, out
//! results = await asyncio.gather(*(run(*cmd) for cmd in cmds))
//! ```

use clap::Parser;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weave::process::Command;
use weave::sync::Semaphore;

/// Run shell jobs concurrently, at most `--limit` at a time.
#[derive(Parser)]
struct Args {
    /// Number of jobs (each sleeps, prints a line, and exits with a code).
    #[arg(long, default_value_t = 8)]
    jobs: usize,
    /// At most this many running at once.
    #[arg(long, default_value_t = 3)]
    limit: usize,
    /// How long each job sleeps, in milliseconds.
    #[arg(long, default_value_t = 200)]
    sleep_ms: u64,
}

fn main() {
    let args = Args::parse();
    assert!(args.limit > 0, "--limit must be at least 1 (jobs at once)");
    weave::run(async move {
        let sem = Semaphore::new(args.limit);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let seconds = Duration::from_millis(args.sleep_ms).as_secs_f64();
        let jobs = (0..args.jobs).map(|i| {
            let (sem, running, most) = (sem.clone(), running.clone(), most.clone());
            // Job 5 fails on purpose, to show an exit code coming back.
            let script = format!(
                "sleep {seconds}; echo job {i} done; exit {}",
                if i == 5 { 3 } else { 0 }
            );
            async move {
                let _permit = sem.acquire().await;
                most.fetch_max(running.fetch_add(1, SeqCst) + 1, SeqCst);
                let output = Command::new("sh").args(["-c", &script]).output().await;
                running.fetch_sub(1, SeqCst);
                (i, output)
            }
        });
        for (i, output) in weave::gather(jobs).await {
            match output {
                Ok(out) => println!(
                    "job {i}: exit {} {:?}",
                    out.status
                        .code()
                        .map_or("by a signal".to_owned(), |c| c.to_string()),
                    String::from_utf8_lossy(&out.stdout).trim_end()
                ),
                Err(err) => println!("job {i}: failed to run: {err}"),
            }
        }
        println!(
            "{} jobs in {:.2} s, at most {} at once (limit {})",
            args.jobs,
            start.elapsed().as_secs_f64(),
            most.load(SeqCst),
            args.limit
        );
    });
}
