//! `#[weave::test]` (and, through the same expansion, `#[weave::main]`):
//! each test runs on its own fresh runtime, with `worker_threads = N`
//! honoured; results and `?` pass through.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

/// The names of the threads that ran `n` spawned tasks.
async fn worker_names(n: usize) -> BTreeSet<String> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            weave::spawn(async {
                // Long enough that idle workers steal some of the tasks.
                std::thread::sleep(Duration::from_millis(2));
                std::thread::current().name().unwrap_or("").to_owned()
            })
        })
        .collect();
    let mut names = BTreeSet::new();
    for t in tasks {
        names.insert(t.await.unwrap());
    }
    names
}

#[weave::test(worker_threads = 1)]
async fn one_worker_runs_everything() {
    let names = worker_names(20).await;
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names.iter().all(|n| n.starts_with("weave-worker")),
        "{names:?}"
    );
}

#[weave::test(worker_threads = 3)]
async fn three_workers_share_the_work() {
    // Two tasks that meet at a barrier cannot both run on one worker.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let met: Vec<_> = (0..2)
        .map(|_| {
            let barrier = barrier.clone();
            weave::spawn(async move {
                barrier.wait();
                std::thread::current().name().unwrap_or("").to_owned()
            })
        })
        .collect();
    let mut names = worker_names(60).await;
    for t in met {
        names.insert(t.await.unwrap());
    }
    assert!(names.len() > 1, "only {names:?} ran tasks");
    assert!(names.len() <= 3, "{names:?}");
}

#[weave::test]
async fn timers_and_results_pass_through() -> Result<(), weave::TimeoutError> {
    weave::wait_for(
        weave::sleep(Duration::from_millis(1)),
        Duration::from_secs(5),
    )
    .await?;
    Ok(())
}

static DROPPED: AtomicUsize = AtomicUsize::new(0);

struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, SeqCst);
    }
}

/// The same expansion as `#[weave::test]`, callable: a fresh runtime per
/// call, dropped (cancelling what is left) when the call returns.
#[weave::main(worker_threads = 2)]
async fn leave_a_task_behind() -> bool {
    let guard = Guard;
    let handle = weave::spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    weave::yield_now().await;
    !handle.is_finished()
}

#[test]
fn each_call_gets_a_fresh_runtime_that_ends_with_it() {
    assert!(leave_a_task_behind());
    assert_eq!(DROPPED.load(SeqCst), 1, "the task outlived its runtime");
    assert!(leave_a_task_behind());
    assert_eq!(DROPPED.load(SeqCst), 2);
}

#[rustfmt::skip] // keeps the trailing comma under test
#[weave::test(worker_threads = 1_usize, crate = "::weave",)]
async fn arguments_take_a_crate_path_and_a_trailing_comma() {
    let names = worker_names(20).await;
    assert_eq!(names.len(), 1, "worker_threads = 1_usize was honoured: {names:?}");
}

#[weave::test(start_paused = true, worker_threads = 2)]
async fn start_paused_gives_virtual_time_and_results_pass_through(
) -> Result<(), weave::TimeoutError> {
    let start = weave::now();
    weave::wait_for(
        weave::sleep(std::time::Duration::from_secs(90)),
        std::time::Duration::from_secs(100),
    )
    .await?;
    assert_eq!(weave::now() - start, std::time::Duration::from_secs(90));
    Ok(())
}

#[weave::test(shuffle = 8)]
async fn shuffle_runs_every_seed_and_a_result_passes_through() -> Result<(), String> {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let runs = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    let answer = weave::spawn(async { 42 })
        .await
        .map_err(|e| e.to_string())?;
    assert_eq!(answer, 42);
    // Every seed runs (one, under WEAVE_SEED).
    assert!(runs <= 8, "{runs} runs");
    Ok(())
}

/// A renamed dependency (`rt = { package = "weave" }`) with `crate = "rt"`,
/// and a type error in a body reported at the body: both need a crate of
/// their own, `tests/macro-fixture`, built by cargo here (with this build's
/// target directory, so weave is not compiled again).
mod fixture {
    use std::path::Path;
    use std::process::Command;

    fn cargo(args: &[&str]) -> std::process::Output {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let manifest = root.join("tests/macro-fixture/Cargo.toml");
        // The workspace's versions of every dependency (cargo drops what
        // the fixture does not use), so its build reuses this build's.
        // Once per test binary (the two tests run in parallel), through
        // a temporary file renamed into place.
        static LOCK: std::sync::Once = std::sync::Once::new();
        LOCK.call_once(|| {
            let lock = root.join("tests/macro-fixture/Cargo.lock");
            if !lock.exists() {
                let tmp = lock.with_extension(format!("tmp{}", std::process::id()));
                std::fs::copy(root.join("Cargo.lock"), &tmp).expect("copying Cargo.lock");
                std::fs::rename(&tmp, &lock).expect("placing Cargo.lock");
            }
        });
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or(target, Into::into);
        Command::new(env!("CARGO"))
            .args(args)
            .arg("--manifest-path")
            .arg(manifest)
            .env("CARGO_TARGET_DIR", target)
            .output()
            .expect("running cargo")
    }

    #[test]
    fn a_renamed_dependency_works_with_crate_path() {
        let out = cargo(&["run", "--quiet", "--bin", "renamed"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(stdout, "42 from a renamed weave\n");
        let out = cargo(&["test", "--quiet", "--bin", "renamed"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("2 passed"), "{stdout}");
    }

    #[test]
    fn a_type_error_in_the_body_is_reported_at_the_body() {
        let out = cargo(&[
            "build",
            "--quiet",
            "--bin",
            "body_error",
            "--features",
            "body_error",
            "--message-format=short",
        ]);
        assert!(!out.status.success(), "the fixture has a type error");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let error = stderr
            .lines()
            .find(|l| l.contains("error[E0308]"))
            .unwrap_or_else(|| panic!("no mismatched-types error:\n{stderr}"));
        // `src/bin/body_error.rs:LINE:COL: error[E0308]: mismatched types`
        let line: usize = error
            .split(':')
            .nth(1)
            .and_then(|l| l.parse().ok())
            .unwrap_or_else(|| panic!("no line in {error:?}"));
        let source = include_str!("macro-fixture/src/bin/body_error.rs");
        let at = source.lines().nth(line - 1).unwrap_or("");
        assert!(
            at.contains("the body's last statement"),
            "reported at line {line} ({at:?}), not at the body's end:\n{stderr}"
        );
    }
}
