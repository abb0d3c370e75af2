//! `ChildExit`: a child's exit seen through the reactor, by pidfd and by
//! the SIGCHLD fallback, with several children at once and an exit that
//! comes before the first poll.

use std::future::poll_fn;
use std::process::Command;
use weave_reactor::{__block_on, ChildExit};

#[test]
fn the_pidfd_watch_sees_an_exit() {
    let mut child = Command::new("sh").args(["-c", "exit 5"]).spawn().unwrap();
    let exit = ChildExit::new(child.id()).unwrap();
    assert!(exit.is_pidfd(), "Linux 5.3+ has pidfd_open");
    let status = __block_on(poll_fn(|cx| exit.poll_wait(cx, || child.try_wait()))).unwrap();
    assert_eq!(status.code(), Some(5));
}

#[test]
fn the_sigchld_fallback_sees_each_of_several_exits() {
    // Each watcher is woken by every child's SIGCHLD and checks its own.
    let mut children: Vec<_> = (0..8)
        .map(|i| {
            let child = Command::new("sh")
                .args(["-c", &format!("sleep 0.0{i}; exit {i}")])
                .spawn()
                .unwrap();
            (child, ChildExit::on_sigchld().unwrap())
        })
        .collect();
    for (i, (child, exit)) in children.iter_mut().enumerate().rev() {
        assert!(!exit.is_pidfd());
        let status = __block_on(poll_fn(|cx| exit.poll_wait(cx, || child.try_wait()))).unwrap();
        assert_eq!(status.code(), Some(i as i32));
    }
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit_once(')').unwrap().1.trim_start().starts_with('Z'))
        .unwrap_or(false)
}

#[test]
fn an_exit_before_the_first_poll_is_not_missed() {
    let watches: [fn(u32) -> std::io::Result<ChildExit>; 2] =
        [ChildExit::new, |_| ChildExit::on_sigchld()];
    for watch in watches {
        let mut child = Command::new("true").spawn().unwrap();
        let exit = watch(child.id()).unwrap();
        // Let it exit (a zombie until reaped) before anyone polls.
        while !is_zombie(child.id()) {
            std::thread::yield_now();
        }
        let status = __block_on(poll_fn(|cx| exit.poll_wait(cx, || child.try_wait()))).unwrap();
        assert!(status.success());
    }
}
