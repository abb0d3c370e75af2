//! `ctrl_c` and `terminate` wake their waiters when the process receives
//! SIGINT / SIGTERM (sent to ourselves), and the process survives them
//! while a listener is installed.

use rustix::process::{getpid, kill_process, Signal};
use std::time::Duration;

fn send_until_done(signal: Signal, waiter: &weave::JoinHandle<std::io::Result<()>>) {
    // The waiter installs its handler on its first poll; keep signalling
    // until it has seen one (a signal that comes before the handler exists
    // would kill the process, so give the task time to start first).
    std::thread::sleep(Duration::from_millis(100));
    while !waiter.is_finished() {
        kill_process(getpid(), signal).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ctrl_c_and_terminate_are_delivered_through_the_reactor() {
    let rt = weave::Builder::new().worker_threads(2).build().unwrap();
    let sigint = rt.spawn(weave::signal::ctrl_c());
    send_until_done(Signal::INT, &sigint);
    rt.block_on(sigint).unwrap().unwrap();

    let sigterm = rt.spawn(weave::signal::terminate());
    send_until_done(Signal::TERM, &sigterm);
    rt.block_on(sigterm).unwrap().unwrap();

    // Several waiters on one signal all wake.
    let waiters: Vec<_> = (0..3).map(|_| rt.spawn(weave::signal::ctrl_c())).collect();
    std::thread::sleep(Duration::from_millis(100));
    while waiters.iter().any(|w| !w.is_finished()) {
        kill_process(getpid(), Signal::INT).unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    for w in waiters {
        rt.block_on(w).unwrap().unwrap();
    }
}
