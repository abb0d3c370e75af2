//! Helpers shared by the integration tests: waiting on a condition instead
//! of sleeping for a guessed time.
#![allow(dead_code)]

use std::time::{Duration, Instant};

/// How long a condition may take before the test fails: far above a
/// correct run, even on a loaded machine.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// Waits inside a runtime until `cond` holds, checking every millisecond;
/// panics naming `what` after [`PATIENCE`].
#[track_caller]
pub fn until(what: &str, mut cond: impl FnMut() -> bool) -> impl std::future::Future<Output = ()> {
    let caller = std::panic::Location::caller();
    let what = what.to_owned();
    async move {
        let deadline = Instant::now() + PATIENCE;
        while !cond() {
            assert!(Instant::now() < deadline, "{caller}: never true: {what}");
            weave::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// As [`until`], on a plain thread (outside any runtime).
#[track_caller]
pub fn until_blocking(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !cond() {
        assert!(Instant::now() < deadline, "never true: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A Unix listener at a fresh path under the temp directory, with a
/// backlog of one connection, so that a few connects fill it. Returns the
/// std listener and its path (remove it when done).
pub fn tiny_backlog_listener(name: &str) -> (std::os::unix::net::UnixListener, std::path::PathBuf) {
    use rustix::net::{AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
    let path = std::env::temp_dir().join(format!("weave-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let fd = rustix::net::socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .expect("a Unix socket");
    rustix::net::bind(&fd, &SocketAddrUnix::new(&path).expect("a socket path")).expect("bind");
    rustix::net::listen(&fd, 1).expect("listen");
    (std::os::unix::net::UnixListener::from(fd), path)
}

/// Runs `f` on a thread of its own and returns its result (or its panic);
/// panics naming `what` if it has not returned within `limit` (a hang
/// fails the test instead of the suite). A hung `f` is left behind.
#[track_caller]
pub fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("hung: {what}: still running after {limit:?}"),
    }
}

/// [`within`] three times [`PATIENCE`].
#[track_caller]
pub fn watchdog<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    within(3 * PATIENCE, what, f)
}
