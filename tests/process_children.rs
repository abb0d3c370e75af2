//! `weave::process`: output, pipes both ways without deadlock, many
//! children, cancelled waits, exit codes and signals, and no zombies —
//! whether the `Child` is waited, dropped, killed on drop, or outlives its
//! runtime.

use futures::{AsyncReadExt, AsyncWriteExt};
use std::os::unix::process::ExitStatusExt;
use std::time::{Duration, Instant};
use weave::process::{Command, Stdio};

/// The state letter of process `pid` in `/proc`, or `None` once it is
/// gone (reaped).
fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ...": the state follows the last ')'.
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Waits (bounded far above a correct run) until none of `pids` is a
/// zombie or alive child: each is gone from `/proc`.
fn assert_reaped_eventually(pids: &[u32], mut poke: impl FnMut()) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let left: Vec<_> = pids.iter().filter(|&&p| proc_state(p).is_some()).collect();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "children not reaped: {:?}",
            left.iter()
                .map(|&&p| (p, proc_state(p)))
                .collect::<Vec<_>>()
        );
        poke();
        std::thread::yield_now();
    }
}

#[weave::test]
async fn output_of_echo() {
    let out = Command::new("echo")
        .args(["hello", "world"])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, b"hello world\n");
    assert!(out.stderr.is_empty());
    let out = Command::new("sh")
        .args(["-c", "echo oops >&2; exit 2"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stderr, b"oops\n");
}

#[weave::test]
async fn cat_through_both_pipes_at_once_does_not_deadlock() {
    const LEN: usize = 8 * 1024 * 1024;
    let data: Vec<u8> = (0..LEN).map(|i| (i % 253) as u8).collect();
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let expected = data.clone();
    // The writer outruns the 64 KiB pipe by far: it only gets through
    // because the reader drains cat's output meanwhile.
    let writer = weave::spawn(async move {
        stdin.write_all(&data).await.unwrap();
        stdin.close().await.unwrap();
    });
    let mut back = Vec::with_capacity(LEN);
    stdout.read_to_end(&mut back).await.unwrap();
    writer.await.unwrap();
    assert!(back == expected, "cat's output differs");
    assert!(child.wait().await.unwrap().success());
}

#[weave::test]
async fn two_hundred_children_at_once() {
    let children: Vec<_> = (0..200)
        .map(|i| {
            Command::new("sh")
                .args(["-c", &format!("exit {}", i % 7)])
                .spawn()
                .unwrap()
        })
        .collect();
    let pids: Vec<u32> = children.iter().map(|c| c.id().unwrap()).collect();
    let waits = children
        .into_iter()
        .map(|mut child| async move { child.wait().await.unwrap() });
    let statuses = weave::gather(waits).await;
    for (i, status) in statuses.iter().enumerate() {
        assert_eq!(status.code(), Some((i % 7) as i32));
    }
    for pid in pids {
        assert_eq!(proc_state(pid), None, "a waited child is reaped");
    }
}

#[weave::test]
async fn a_cancelled_wait_can_be_awaited_again_and_kill_reports_the_signal() {
    let mut child = Command::new("sleep").arg("1000").spawn().unwrap();
    let pid = child.id().unwrap();
    let timed_out = weave::wait_for(child.wait(), Duration::from_millis(20)).await;
    assert!(timed_out.is_err(), "sleep 1000 did not exit in 20 ms");
    assert!(child.try_wait().unwrap().is_none());
    assert_eq!(child.id(), Some(pid));
    child.kill().unwrap();
    let status = child.wait().await.unwrap();
    assert_eq!(status.signal(), Some(9));
    assert_eq!(status.code(), None);
    // The same answer again; the id is gone with the process.
    assert_eq!(child.wait().await.unwrap(), status);
    assert_eq!(child.try_wait().unwrap(), Some(status));
    assert_eq!(child.id(), None);
    child.kill().unwrap();
    assert_eq!(proc_state(pid), None);
}

#[weave::test]
async fn exit_codes_and_signals_are_reported() {
    let code = Command::new("sh")
        .args(["-c", "exit 42"])
        .status()
        .await
        .unwrap();
    assert_eq!(code.code(), Some(42));
    assert!(!code.success());
    let term = Command::new("sh")
        .args(["-c", "kill -TERM $$"])
        .status()
        .await
        .unwrap();
    assert_eq!(term.signal(), Some(15));
    let err = Command::new("/definitely/not/here")
        .status()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(err.to_string().contains("/definitely/not/here"), "{err}");
    // Not executable (no x bit: refused even to root).
    let script = std::env::temp_dir().join(format!("weave-not-exec-{}", std::process::id()));
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    let err = Command::new(&script).spawn().unwrap_err();
    std::fs::remove_file(&script).unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{err}");
}

#[test]
fn dropped_children_leave_no_zombies_and_kill_on_drop_kills() {
    let rt = weave::Runtime::new().unwrap();
    let (short, killed) = rt.block_on(async {
        let short: Vec<u32> = (0..50)
            .map(|_| {
                let child = Command::new("sh").args(["-c", "exit 0"]).spawn().unwrap();
                child.id().unwrap()
            })
            .collect();
        let killed: Vec<u32> = (0..10)
            .map(|_| {
                let child = Command::new("sleep")
                    .arg("1000")
                    .kill_on_drop(true)
                    .spawn()
                    .unwrap();
                child.id().unwrap()
            })
            .collect();
        (short, killed)
    });
    // The runtime lives on (its reaper tasks do the work).
    assert_reaped_eventually(&short, || {});
    assert_reaped_eventually(&killed, || {});
    drop(rt);
}

#[test]
fn a_child_outliving_its_runtime_is_reaped_when_dropped() {
    let rt = weave::Runtime::new().unwrap();
    let child = rt.block_on(async { Command::new("sh").args(["-c", "exit 0"]).spawn().unwrap() });
    let pid = child.id().unwrap();
    drop(rt);
    // No runtime now: the reaper thread takes it, with no later spawn
    // needed.
    drop(child);
    assert_reaped_eventually(&[pid], || {});
}

#[test]
fn a_runtime_dropped_while_a_task_waits_kills_and_reaps_its_kill_on_drop_child() {
    let rt = weave::Runtime::new().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        let mut child = Command::new("sleep")
            .arg("1000")
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        tx.send(child.id().unwrap()).unwrap();
        let _ = child.wait().await;
    });
    let pid = rx.recv().unwrap();
    drop(rt);
    assert_reaped_eventually(&[pid], || {});
}

#[weave::test]
async fn env_dir_and_stdin_reach_the_child() {
    let dir = std::env::temp_dir();
    let mut child = Command::new("sh")
        .args(["-c", "read line; echo \"$line $GREETING $(pwd)\""])
        .env("GREETING", "hi")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"well\n")
        .await
        .unwrap();
    let out = child.wait_with_output().await.unwrap();
    let expected = format!(
        "well hi {}\n",
        std::fs::canonicalize(&dir).unwrap().display()
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
}

#[weave::test]
async fn status_with_a_piped_chatty_stdout_does_not_hang() {
    // 1 MiB of output, far more than a pipe holds, and nobody reading.
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "head -c 1048576 /dev/zero; exit 0"])
        .stdout(Stdio::piped());
    let status = weave::wait_for(cmd.status(), Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    // The closed pipe ends the writer (SIGPIPE) or it finishes first.
    assert!(
        status.success() || status.signal() == Some(13),
        "{status:?}"
    );
    // output() then status() on one Command, as the docs allow.
    let out = cmd.output().await.unwrap();
    assert_eq!(out.stdout.len(), 1 << 20);
    let again = weave::wait_for(cmd.status(), Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert!(again.success() || again.signal() == Some(13), "{again:?}");
}

#[test]
fn output_gives_the_child_an_empty_stdin_unless_set() {
    let rt = weave::Runtime::new().unwrap();
    let out = rt
        .block_on(Command::new("sh").args(["-c", "cat; echo end"]).output())
        .unwrap();
    assert_eq!(out.stdout, b"end\n");
}
