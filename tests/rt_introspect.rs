//! Introspection through the `weave` facade: `Handle::dump` and
//! `Runtime::metrics`, and debug mode's slow-poll reports on stderr (run in
//! a child process so the parent can read its stderr).

mod support;

use std::process::Command;
use std::time::Duration;
use weave::{Builder, TaskGroup, TaskState};

/// The line of this file that spawns the child's slow task (the one
/// marked `// the slow spawn`), which its report must name.
fn slow_spawn_line() -> usize {
    let marker = ["// the slow", "spawn"].join(" ");
    include_str!("rt_introspect.rs")
        .lines()
        .position(|line| line.ends_with(&marker))
        .expect("marker line")
        + 1
}

/// The child's work: one task that blocks its worker for 1 s, many
/// quick ones that must not be reported.
fn run_slow_and_quick(rt: weave::Runtime) {
    rt.block_on(async {
        let quick: Vec<_> = (0..50)
            .map(|_| {
                weave::task::Builder::new()
                    .name("quick")
                    .spawn(weave::yield_now())
            })
            .collect();
        let sleepy = weave::task::Builder::new().name("sleepy");
        let slow = sleepy.spawn(async { std::thread::sleep(Duration::from_millis(1000)) }); // the slow spawn
        slow.await.unwrap();
        for q in quick {
            q.await.unwrap();
        }
    });
}

/// Runs this test binary's `introspect_child` in `mode`, with `env` set,
/// and returns (success, stderr).
fn child(mode: &str, env: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "introspect_child",
        "--include-ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("WEAVE_INTROSPECT_CHILD", mode)
    .env_remove("WEAVE_SLOW_POLL_MS");
    if let Some(value) = env {
        cmd.env("WEAVE_SLOW_POLL_MS", value);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn slow_reports(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("weave: slow poll:"))
        .collect()
}

fn assert_reports_only_the_sleepy_task(stderr: &str) {
    let reports = slow_reports(stderr);
    assert_eq!(
        reports.len(),
        1,
        "exactly the one slow poll is reported:\n{stderr}"
    );
    let report = reports[0];
    assert!(report.contains("\"sleepy\""), "{report}");
    let site = format!("spawned at {}:{}:", file!(), slow_spawn_line());
    assert!(report.contains(&site), "expected `{site}` in: {report}");
    assert!(report.contains("held worker"), "{report}");
    assert!(
        !stderr.contains("quick"),
        "a quick poll was reported:\n{stderr}"
    );
}

#[test]
fn env_var_turns_on_slow_poll_reports() {
    // 500 ms: far above a quick poll on a loaded machine, half the slow one.
    let (ok, stderr) = child("plain", Some("500"));
    assert!(ok, "child failed:\n{stderr}");
    assert_reports_only_the_sleepy_task(&stderr);
}

#[test]
fn builder_threshold_reports_slow_polls() {
    let (ok, stderr) = child("builder", None);
    assert!(ok, "child failed:\n{stderr}");
    assert_reports_only_the_sleepy_task(&stderr);
}

#[test]
fn without_a_threshold_nothing_is_reported() {
    let (ok, stderr) = child("plain", None);
    assert!(ok, "child failed:\n{stderr}");
    assert!(slow_reports(&stderr).is_empty(), "{stderr}");
}

#[test]
fn a_malformed_env_var_fails_build_with_a_message_naming_it() {
    let (ok, stderr) = child("bad-env", Some("100ms"));
    assert!(ok, "child failed:\n{stderr}");
}

/// The child half of the tests above; does nothing unless run by them.
#[test]
#[ignore = "run by the slow-poll tests in a child process"]
fn introspect_child() {
    match std::env::var("WEAVE_INTROSPECT_CHILD").as_deref() {
        Ok("plain") => run_slow_and_quick(Builder::new().worker_threads(2).build().unwrap()),
        Ok("builder") => run_slow_and_quick(
            Builder::new()
                .worker_threads(2)
                .slow_poll_threshold(Duration::from_millis(500))
                .build()
                .unwrap(),
        ),
        Ok("bad-env") => {
            let err = Builder::new().build().unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
            let msg = err.to_string();
            assert!(
                msg.contains("WEAVE_SLOW_POLL_MS=100ms") && msg.contains("milliseconds"),
                "{msg}"
            );
        }
        other => panic!("introspect_child is run by the slow-poll tests, not alone ({other:?})"),
    }
}

#[weave::test(worker_threads = 2)]
async fn dump_shows_task_group_members_where_they_were_spawned() {
    let mut group = TaskGroup::new();
    for _ in 0..3 {
        group.spawn(weave::sleep(Duration::from_secs(60)));
    }
    let line = line!() - 2;
    support::until("every member polled once and back to Idle", || {
        let tasks = weave::Handle::current().dump();
        tasks.len() == 3
            && tasks
                .iter()
                .all(|t| t.polls() >= 1 && t.state() == TaskState::Idle)
    })
    .await;
    let tasks = weave::Handle::current().dump();
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    for task in &tasks {
        assert_eq!(task.state(), TaskState::Idle, "{task}");
        assert_eq!(task.polls(), 1, "{task}");
        assert_eq!(
            (task.spawned_at().file(), task.spawned_at().line()),
            (file!(), line),
            "{task}"
        );
    }
    let m = weave::Handle::current().metrics();
    assert_eq!((m.spawned_tasks(), m.alive_tasks()), (3, 3));
    drop(group);
    assert!(
        weave::Handle::current().dump().is_empty(),
        "dropping the group cancels its tasks"
    );
}

#[test]
fn runtime_metrics_count_the_work_done() {
    let rt = Builder::new().worker_threads(2).build().unwrap();
    rt.block_on(async {
        let handles: Vec<_> = (0..100).map(|i| weave::spawn(async move { i })).collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    let m = rt.metrics();
    assert_eq!(
        (m.workers(), m.spawned_tasks(), m.alive_tasks()),
        (2, 100, 0)
    );
}
