//! `ctrl_c` and `terminate` wake their waiters when the process receives
//! SIGINT / SIGTERM (sent to ourselves), and the process survives them
//! while a listener is installed.

use rustix::process::{getpid, kill_process, Signal};
use std::time::Duration;

/// Waits until `waiter`'s first poll is over (it is back to Idle): its
/// handler is installed then, and a signal no longer kills the process.
fn wait_polled(rt: &weave::Runtime, waiter: &weave::JoinHandle<std::io::Result<()>>) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !waiter.is_finished()
        && !rt
            .handle()
            .dump()
            .iter()
            .any(|t| t.id() == waiter.id() && t.polls() > 0 && t.state() == weave::TaskState::Idle)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the waiter was never polled"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn send_until_done(
    rt: &weave::Runtime,
    signal: Signal,
    waiter: &weave::JoinHandle<std::io::Result<()>>,
) {
    wait_polled(rt, waiter);
    while !waiter.is_finished() {
        kill_process(getpid(), signal).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_and_terminate_are_delivered_through_the_reactor() {
    let rt = weave::Builder::new().worker_threads(2).build().unwrap();
    let sigint = rt.spawn(weave::signal::ctrl_c());
    send_until_done(&rt, Signal::INT, &sigint);
    rt.block_on(sigint).unwrap().unwrap();

    let sigterm = rt.spawn(weave::signal::terminate());
    send_until_done(&rt, Signal::TERM, &sigterm);
    rt.block_on(sigterm).unwrap().unwrap();

    // Several waiters on one signal all wake.
    let waiters: Vec<_> = (0..3).map(|_| rt.spawn(weave::signal::ctrl_c())).collect();
    for w in &waiters {
        wait_polled(&rt, w);
    }
    while waiters.iter().any(|w| !w.is_finished()) {
        kill_process(getpid(), Signal::INT).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    for w in waiters {
        rt.block_on(w).unwrap().unwrap();
    }
}
