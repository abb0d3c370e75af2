//! The side-by-side benchmark harness: the same workload on weave, tokio
//! (multi-thread scheduler) and smol (`async-executor` on dedicated
//! threads), each with the same number of worker threads, measured in
//! interleaved rounds in one process run, reported as medians and ratios.
//!
//! Environment: `WEAVE_BENCH_SAMPLES` (rounds per workload, default 15),
//! `WEAVE_BENCH_WORKERS` (default 2), `WEAVE_BENCH_ONLY` (`weave`, `tokio`
//! or `smol`: run only that runtime, for profiling). Positional arguments
//! filter the workloads by substring.
//!
//! Every printed row is also recorded in `target/weave-bench/<bench>.csv`
//! (replacing that workload's earlier row), which `cargo run -p weave-suite
//! --example bench_report` turns into the charts and tables of
//! docs/benchmarks.md.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// Worker threads for every runtime.
pub fn workers() -> usize {
    std::env::var("WEAVE_BENCH_WORKERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
}

/// Rounds per workload.
pub fn samples() -> usize {
    std::env::var("WEAVE_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15)
}

/// True if the command line selects `name` (no filter selects all).
pub fn selected(name: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

/// True if the command line names exactly `name` (and nothing else).
pub fn selected_exactly(name: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    filters.len() == 1 && filters[0] == name
}

/// smol's executor on `n` dedicated threads, each driving it with
/// `async_io::block_on` (as `smol::block_on` does), so async-io timers run.
pub struct Smol {
    pub ex: Arc<async_executor::Executor<'static>>,
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Smol {
    pub fn new(n: usize) -> Smol {
        let ex = Arc::new(async_executor::Executor::new());
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let threads = (0..n)
            .map(|_| {
                let ex = ex.clone();
                let stopped = stopped.clone();
                std::thread::spawn(move || async_io::block_on(ex.run(stopped.recv())).unwrap_or(()))
            })
            .collect();
        Smol {
            ex,
            stop: Some(stop),
            threads,
        }
    }

    /// Runs `future` as a task on the executor threads and waits for it.
    pub fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        async_io::block_on(self.ex.spawn(future))
    }
}

impl Drop for Smol {
    fn drop(&mut self) {
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The three runtimes, each with `workers()` threads.
pub struct Runtimes {
    pub weave: weave::Runtime,
    pub tokio: tokio::runtime::Runtime,
    pub smol: Smol,
}

impl Runtimes {
    pub fn new() -> Runtimes {
        let n = workers();
        Runtimes {
            weave: weave::Runtime::builder().worker_threads(n).build().unwrap(),
            tokio: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(n)
                .enable_all()
                .build()
                .unwrap(),
            smol: Smol::new(n),
        }
    }
}

/// One line of the results table.
pub struct Row {
    pub name: String,
    pub unit: &'static str,
    pub weave: f64,
    pub tokio: f64,
    pub smol: f64,
}

impl Row {
    pub fn print_header() {
        println!(
            "| {:<24} | {:>12} | {:>12} | {:>12} | {:>11} | {:>10} |",
            "workload", "weave", "tokio", "smol", "weave/tokio", "weave/smol"
        );
        println!(
            "|{:-<26}|{:->14}|{:->14}|{:->14}|{:->13}|{:->12}|",
            "", "", "", "", "", ""
        );
    }

    pub fn print(&self) {
        self.record();
        let fmt = |v: f64| match self.unit {
            "ms" => format!("{v:.2} ms"),
            "µs" => format!("{v:.1} µs"),
            other => format!("{v:.0} {other}"),
        };
        println!(
            "| {:<24} | {:>12} | {:>12} | {:>12} | {:>11.2} | {:>10.2} |",
            self.name,
            fmt(self.weave),
            fmt(self.tokio),
            fmt(self.smol),
            self.weave / self.tokio,
            self.weave / self.smol
        );
    }
}

/// Runs one iteration of each closure per round, rotating which goes
/// first, after one warm-up each; returns every round's result per runtime
/// (`[weave, tokio, smol]`). `WEAVE_BENCH_ONLY` skips the other runtimes.
pub fn rounds<T>(
    rounds: usize,
    mut weave: impl FnMut() -> T,
    mut tokio: impl FnMut() -> T,
    mut smol: impl FnMut() -> T,
) -> [Vec<T>; 3] {
    let only = std::env::var("WEAVE_BENCH_ONLY").ok();
    let runs = |which: usize| match only.as_deref() {
        None => true,
        Some(name) => ["weave", "tokio", "smol"][which] == name,
    };
    let mut run = |which: usize| match which {
        0 => weave(),
        1 => tokio(),
        _ => smol(),
    };
    for which in 0..3 {
        if runs(which) {
            run(which);
        }
    }
    let mut out: [Vec<T>; 3] = Default::default();
    for round in 0..rounds {
        for k in 0..3 {
            let which = (round + k) % 3;
            if runs(which) {
                out[which].push(run(which));
            }
        }
    }
    out
}

/// The median of `v` in the unit of `scale` (NaN when empty).
pub fn median_of(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The `p`-th percentile (0.0..=1.0) of `v` (NaN when empty).
pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Times one iteration of each closure per round (see [`rounds`]) and
/// prints the medians in milliseconds.
pub fn compare(
    name: &str,
    mut weave: impl FnMut(),
    mut tokio: impl FnMut(),
    mut smol: impl FnMut(),
) -> Row {
    let timed = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_secs_f64() * 1e3
    };
    let [w, t, s] = rounds(
        samples(),
        || timed(&mut weave),
        || timed(&mut tokio),
        || timed(&mut smol),
    );
    let row = Row {
        name: name.to_owned(),
        unit: "ms",
        weave: median_of(w),
        tokio: median_of(t),
        smol: median_of(s),
    };
    row.print();
    row
}

/// Resident set size of this process, in bytes.
pub fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm (Linux only)");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// Runs this bench binary again with `WEAVE_BENCH_CHILD=arg` and parses the
/// number it prints on its last line: measurements that need a fresh heap.
pub fn in_child(arg: &str) -> f64 {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env("WEAVE_BENCH_CHILD", arg)
        .output()
        .expect("re-running the bench binary");
    assert!(
        out.status.success(),
        "child {arg} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("child {arg} printed no number"))
}

/// The child-process argument, if this run is a child.
pub fn child_arg() -> Option<String> {
    std::env::var("WEAVE_BENCH_CHILD").ok()
}

/// The CSV header of the recorded rows.
pub const CSV_HEADER: &str = "workload,unit,weave,tokio,smol";

impl Row {
    /// Records this row in the bench's CSV, replacing an earlier row of
    /// the same workload (so a filtered run updates its rows and keeps the
    /// others). Runs of one runtime (`WEAVE_BENCH_ONLY`) are not recorded.
    /// Best-effort: a read-only target directory loses the record, never
    /// the run.
    fn record(&self) {
        if std::env::var_os("WEAVE_BENCH_ONLY").is_some() {
            return;
        }
        let exe = std::env::current_exe().unwrap_or_default();
        let stem = exe.file_stem().and_then(|s| s.to_str()).unwrap_or("bench");
        // Cargo names bench binaries `<bench>-<hash>`.
        let bench = stem.rsplit_once('-').map_or(stem, |(name, _)| name);
        let dir = std::path::Path::new("target/weave-bench");
        let path = dir.join(format!("{bench}.csv"));
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        let mut lines: Vec<String> = old
            .lines()
            .skip(1)
            .filter(|line| line.split(',').next() != Some(self.name.as_str()))
            .map(str::to_owned)
            .collect();
        lines.push(format!(
            "{},{},{},{},{}",
            self.name, self.unit, self.weave, self.tokio, self.smol
        ));
        let _ = std::fs::create_dir_all(dir);
        let _ = std::fs::write(&path, format!("{CSV_HEADER}\n{}\n", lines.join("\n")));
    }
}
