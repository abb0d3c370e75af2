//! Turns the recorded benchmark results into the charts and tables of
//! `docs/benchmarks.md`.
//!
//! ```text
//! cargo bench                                              # records target/weave-bench/*.csv
//! cargo run -p weave-suite --example bench_report          # writes docs/img/*.svg, docs/results/*.csv
//! cargo run -p weave-suite --example bench_report -- --input target/weave-bench --out /tmp/report
//! ```
//!
//! Each bench run records its rows (workload, unit, weave, tokio, smol) in
//! `target/weave-bench/<bench>.csv`. This program reads them, prints one
//! markdown table per bench, copies the CSVs to `<out>/results/` (so the
//! charts' data is kept beside them) and draws, in `<out>/img/`, one SVG
//! bar chart per bench plus `benchmarks.svg` with every row.
//!
//! A chart shows, per workload, how many times better weave does than
//! tokio and than smol: other/weave for times, latencies and memory,
//! weave/other for throughputs (units ending in `/s`). Bars grow right of
//! the 1× line where weave is ahead and left where it is behind, on a log
//! scale. The SVG is written by hand (a few rectangles and labels), which
//! keeps a plotting library and its font handling out of the build.

use clap::Parser;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Draw the benchmark charts from recorded results.
#[derive(Parser)]
struct Args {
    /// Directory of `<bench>.csv` files recorded by `cargo bench`.
    #[arg(long, default_value = "target/weave-bench")]
    input: PathBuf,
    /// Where `img/` and `results/` are written.
    #[arg(long, default_value = "docs")]
    out: PathBuf,
}

/// One recorded row.
struct Row {
    workload: String,
    unit: String,
    weave: f64,
    tokio: f64,
    smol: f64,
}

impl Row {
    /// How many times better weave does than `other` (> 1: weave ahead).
    fn advantage(&self, other: f64) -> f64 {
        if self.unit.ends_with("/s") {
            self.weave / other
        } else {
            other / self.weave
        }
    }
}

/// The benches in the order the docs present them; others follow by name.
const ORDER: [&str; 7] = ["scheduler", "time", "sync", "net", "http", "gather", "io"];

fn read_bench(path: &Path) -> Result<Vec<Row>, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let bad = || {
            format!(
                "{}:{}: expected workload,unit,weave,tokio,smol, got {line:?}",
                path.display(),
                i + 1
            )
        };
        if fields.len() != 5 {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<f64>().map_err(|_| bad());
        rows.push(Row {
            workload: fields[0].to_owned(),
            unit: fields[1].to_owned(),
            weave: num(fields[2])?,
            tokio: num(fields[3])?,
            smol: num(fields[4])?,
        });
    }
    Ok(rows)
}

/// Every `<bench>.csv` in `dir`, in presentation order.
fn read_all(dir: &Path) -> Result<Vec<(String, Vec<Row>)>, String> {
    let entries = fs::read_dir(dir).map_err(|e| {
        format!(
            "{}: {e} (run `cargo bench` first, or pass --input docs/results)",
            dir.display()
        )
    })?;
    let mut benches = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "csv") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let rows = read_bench(&path)?;
            // Rows with a missing runtime (NaN) cannot be compared.
            let rows: Vec<Row> = rows
                .into_iter()
                .filter(|r| {
                    [r.weave, r.tokio, r.smol]
                        .iter()
                        .all(|v| v.is_finite() && *v > 0.0)
                })
                .collect();
            if !rows.is_empty() {
                benches.push((name, rows));
            }
        }
    }
    let rank = |name: &str| ORDER.iter().position(|o| *o == name).unwrap_or(ORDER.len());
    benches.sort_by(|a, b| (rank(&a.0), &a.0).cmp(&(rank(&b.0), &b.0)));
    Ok(benches)
}

fn format_value(v: f64, unit: &str) -> String {
    match unit {
        "ms" => format!("{v:.2} ms"),
        "µs" => format!("{v:.1} µs"),
        "/s" => format!("{v:.0}/s"),
        other => format!("{v:.0} {other}"),
    }
}

fn markdown_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| workload | weave | tokio | smol | weave/tokio | weave/smol |\n|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} | {:.2} |",
            r.workload,
            format_value(r.weave, &r.unit),
            format_value(r.tokio, &r.unit),
            format_value(r.smol, &r.unit),
            r.weave / r.tokio,
            r.weave / r.smol
        );
    }
    out
}

/// Escapes text for an SVG element.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Layout of the chart.
const LABEL_W: f64 = 230.0;
const PLOT_W: f64 = 560.0;
const BAR_H: f64 = 9.0;
const ROW_H: f64 = 26.0;
const TOP: f64 = 58.0;
/// The log2 range of the x axis: 1/4× to 64×.
const MIN_LOG: f64 = -2.0;
const MAX_LOG: f64 = 6.0;
const TOKIO_COLOR: &str = "#3b6fb6";
const SMOL_COLOR: &str = "#e08a2c";

fn x_of(advantage: f64) -> f64 {
    let l = advantage.log2().clamp(MIN_LOG, MAX_LOG);
    LABEL_W + (l - MIN_LOG) / (MAX_LOG - MIN_LOG) * PLOT_W
}

/// A horizontal bar chart of weave's advantage over tokio and smol.
fn svg_chart(title: &str, rows: &[(String, &Row)]) -> String {
    let width = LABEL_W + PLOT_W + 70.0;
    let height = TOP + rows.len() as f64 * ROW_H + 40.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="12">"##
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        s,
        r##"<text x="10" y="20" font-size="15" font-weight="bold">{}</text>"##,
        esc(title)
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="38" fill="#555">How many times better weave does (time, latency, memory: other/weave; throughput: weave/other). Right of 1× = weave ahead.</text>"##
    );
    // Legend.
    for (i, (name, color)) in [("vs tokio", TOKIO_COLOR), ("vs smol", SMOL_COLOR)]
        .iter()
        .enumerate()
    {
        let x = LABEL_W + PLOT_W - 150.0 + i as f64 * 80.0;
        let _ = writeln!(
            s,
            r##"<rect x="{x}" y="46" width="10" height="10" fill="{color}"/>"##
        );
        let _ = writeln!(s, r##"<text x="{}" y="55">{name}</text>"##, x + 14.0);
    }
    let bottom = TOP + rows.len() as f64 * ROW_H;
    // Grid: powers of two.
    let mut l = MIN_LOG;
    while l <= MAX_LOG {
        let x = x_of(2f64.powf(l));
        let (stroke, w) = if l == 0.0 {
            ("#222", 1.5)
        } else {
            ("#ddd", 1.0)
        };
        let _ = writeln!(
            s,
            r##"<line x1="{x}" y1="{TOP}" x2="{x}" y2="{bottom}" stroke="{stroke}" stroke-width="{w}"/>"##
        );
        let label = if l < 0.0 {
            format!("1/{}×", 2f64.powf(-l))
        } else {
            format!("{}×", 2f64.powf(l))
        };
        let _ = writeln!(
            s,
            r##"<text x="{x}" y="{}" text-anchor="middle" fill="#555">{label}</text>"##,
            bottom + 16.0
        );
        l += 1.0;
    }
    let one = x_of(1.0);
    for (i, (label, row)) in rows.iter().enumerate() {
        let y = TOP + i as f64 * ROW_H + 4.0;
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{}" text-anchor="end">{}</text>"##,
            LABEL_W - 8.0,
            y + BAR_H + 3.0,
            esc(label)
        );
        for (j, (other, color)) in [(row.tokio, TOKIO_COLOR), (row.smol, SMOL_COLOR)]
            .iter()
            .enumerate()
        {
            let adv = row.advantage(*other);
            let x = x_of(adv);
            let (left, w) = if x >= one {
                (one, x - one)
            } else {
                (x, one - x)
            };
            let by = y + j as f64 * BAR_H;
            let _ = writeln!(
                s,
                r##"<rect x="{left:.1}" y="{by:.1}" width="{:.1}" height="{BAR_H}" fill="{color}"><title>{}: weave {} vs {}</title></rect>"##,
                w.max(1.0),
                esc(label),
                format_value(row.weave, &row.unit),
                format_value(*other, &row.unit)
            );
            let (tx, anchor) = if x >= one {
                (x + 4.0, "start")
            } else {
                (x - 4.0, "end")
            };
            let _ = writeln!(
                s,
                r##"<text x="{tx:.1}" y="{:.1}" font-size="10" text-anchor="{anchor}" fill="#333">{adv:.2}×</text>"##,
                by + BAR_H - 1.0
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

fn main() {
    let args = Args::parse();
    let benches = match read_all(&args.input) {
        Ok(b) if !b.is_empty() => b,
        Ok(_) => {
            eprintln!(
                "no results in {}: run `cargo bench` first",
                args.input.display()
            );
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let img = args.out.join("img");
    let results = args.out.join("results");
    fs::create_dir_all(&img).expect("creating the image directory");
    fs::create_dir_all(&results).expect("creating the results directory");
    let mut all = Vec::new();
    for (bench, rows) in &benches {
        println!("## {bench}\n\n{}", markdown_table(rows));
        let labeled: Vec<(String, &Row)> = rows.iter().map(|r| (r.workload.clone(), r)).collect();
        let path = img.join(format!("bench-{bench}.svg"));
        fs::write(
            &path,
            svg_chart(&format!("weave vs tokio and smol: {bench}"), &labeled),
        )
        .expect("writing a chart");
        println!("chart: {}\n", path.display());
        let src = args.input.join(format!("{bench}.csv"));
        let dst = results.join(format!("{bench}.csv"));
        if fs::canonicalize(&src).ok() != fs::canonicalize(&dst).ok() {
            fs::copy(&src, &dst).expect("copying the results");
        }
        all.extend(rows.iter().map(|r| (format!("{bench}: {}", r.workload), r)));
    }
    let path = img.join("benchmarks.svg");
    fs::write(
        &path,
        svg_chart("weave vs tokio and smol, 2 worker threads each", &all),
    )
    .expect("writing the chart");
    println!("overview chart: {}", path.display());
}
