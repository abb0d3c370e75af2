//! The chess exhibition: a master plays 24 opponents at once. She takes
//! 5 s per move, each opponent 55 s; a game is 30 move pairs. Playing the
//! boards one after another takes 12 hours; walking to the next board while
//! each opponent thinks takes one. The classic picture of what async
//! concurrency buys, run for real at `--speedup` times real speed.
//!
//! ```text
//! cargo run --release --example exhibition
//! cargo run --release --example exhibition -- --speedup 3600 --mode async -v
//! ```
//!
//! - **Synchronous**: a plain loop, no runtime. Each game runs to its end
//!   before the next begins: 24 × 30 × (5 + 55) s = 12 h.
//! - **Asynchronous**: one task per board. The master is a single person,
//!   so her moves are serialized by a `weave::sync::Lock` (in Python the
//!   single-threaded event loop does that; weave's workers run in
//!   parallel, so the program says it explicitly). While an opponent thinks
//!   (`weave::sleep`), her task on that board waits and she plays
//!   elsewhere: one round of 24 moves takes 24 × 5 = 120 s ≥ 55 s, so the
//!   exhibition takes 30 × 120 s = 1 h.
//!
//! At the default `--speedup 7200` the synchronous run takes 6 s and the
//! asynchronous one half a second.

use clap::{Parser, ValueEnum};
use std::time::{Duration, Instant};
use weave::sync::Lock;

/// Simulate a simultaneous chess exhibition, synchronously and
/// asynchronously.
#[derive(Parser)]
struct Args {
    /// Simulated seconds per real second.
    #[arg(long, default_value_t = 7200.0)]
    speedup: f64,
    /// Number of boards (opponents).
    #[arg(long, default_value_t = 24)]
    boards: u32,
    /// Move pairs per game.
    #[arg(long, default_value_t = 30)]
    moves: u32,
    /// Which version to run.
    #[arg(long, value_enum, default_value_t = Mode::Both)]
    mode: Mode,
    /// Print every move.
    #[arg(short, long)]
    verbose: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    Sync,
    Async,
    Both,
}

/// The master's time per move, simulated seconds.
const MASTER_SECS: f64 = 5.0;
/// An opponent's time per move, simulated seconds.
const OPPONENT_SECS: f64 = 55.0;

struct Plan {
    master: Duration,
    opponent: Duration,
    speedup: f64,
    moves: u32,
    verbose: bool,
}

impl Plan {
    /// A real duration, in simulated hours/minutes.
    fn simulated(&self, real: Duration) -> String {
        let secs = real.as_secs_f64() * self.speedup;
        if secs >= 3600.0 {
            format!("{:.1} h", secs / 3600.0)
        } else {
            format!("{:.1} min", secs / 60.0)
        }
    }

    /// The closing line of one version's run.
    fn report(&self, version: &str, took: Duration) {
        println!(
            "{version} exhibition: {:.2} s here, {} at real speed",
            took.as_secs_f64(),
            self.simulated(took)
        );
    }
}

fn play_sync(plan: &Plan, boards: u32) -> Duration {
    let start = Instant::now();
    for board in 1..=boards {
        let game_start = Instant::now();
        for i in 1..=plan.moves {
            std::thread::sleep(plan.master);
            if plan.verbose {
                println!("  BOARD-{board} {i} master made a move.");
            }
            std::thread::sleep(plan.opponent);
            if plan.verbose {
                println!("  BOARD-{board} {i} opponent made a move.");
            }
        }
        let took = game_start.elapsed();
        println!(
            "  BOARD-{board} done after {} moves in {}",
            plan.moves,
            plan.simulated(took)
        );
    }
    start.elapsed()
}

async fn board(plan: &Plan, master: Lock<()>, board: u32) -> Duration {
    let start = Instant::now();
    for i in 1..=plan.moves {
        {
            // She is at this board: nobody else gets her until she moves.
            let _at_board = master.lock().await;
            weave::sleep(plan.master).await;
        }
        if plan.verbose {
            println!("  BOARD-{board} {i} master made a move.");
        }
        weave::sleep(plan.opponent).await;
        if plan.verbose {
            println!("  BOARD-{board} {i} opponent made a move.");
        }
    }
    start.elapsed()
}

fn play_async(plan: &Plan, boards: u32) -> Duration {
    let start = Instant::now();
    weave::run(async {
        let master = Lock::new(());
        let games = (1..=boards).map(|b| board(plan, master.clone(), b));
        for (b, took) in weave::gather(games).await.into_iter().enumerate() {
            println!(
                "  BOARD-{} done after {} moves in {}",
                b + 1,
                plan.moves,
                plan.simulated(took)
            );
        }
    });
    start.elapsed()
}

fn main() {
    let args = Args::parse();
    assert!(
        args.speedup.is_finite() && args.speedup > 0.0,
        "--speedup must be a positive number of simulated seconds per real second, e.g. 7200"
    );
    let plan = Plan {
        master: Duration::from_secs_f64(MASTER_SECS / args.speedup),
        opponent: Duration::from_secs_f64(OPPONENT_SECS / args.speedup),
        speedup: args.speedup,
        moves: args.moves,
        verbose: args.verbose,
    };
    println!(
        "{} boards, {} move pairs each; master {MASTER_SECS} s per move, opponents {OPPONENT_SECS} s; \
         running at {}x real speed",
        args.boards, args.moves, args.speedup
    );
    let mut sync_time = None;
    if args.mode != Mode::Async {
        println!("Synchronous: one board after another");
        let took = play_sync(&plan, args.boards);
        plan.report("Synchronous", took);
        sync_time = Some(took);
    }
    if args.mode != Mode::Sync {
        println!("Asynchronous: she moves on while each opponent thinks");
        let took = play_async(&plan, args.boards);
        plan.report("Asynchronous", took);
        if let Some(sync_time) = sync_time {
            println!(
                "Concurrency made it {:.1}x faster.",
                sync_time.as_secs_f64() / took.as_secs_f64()
            );
        }
    }
}
