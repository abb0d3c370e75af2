//! Debug mode: report polls that hold a worker too long (asyncio's
//! slow-callback warning).
//!
//! Turned on by `Builder::slow_poll_threshold` or, when that is not set,
//! by the environment variable `WEAVE_SLOW_POLL_MS`. When it is on, the
//! worker times each poll; one that takes at least the threshold is
//! reported on stderr with the task's id, name and spawn location. When it
//! is off, the poll loop does not read the clock at all.

use crate::task::Notified;
use std::io;
use std::time::{Duration, Instant};

/// The environment variable read when the builder sets no threshold.
pub(crate) const ENV: &str = "WEAVE_SLOW_POLL_MS";

/// The threshold `WEAVE_SLOW_POLL_MS` asks for, if it is set.
///
/// # Errors
/// `InvalidInput`, naming the variable and the expected form, if it is not
/// a whole number of milliseconds.
pub(crate) fn threshold_from_env() -> io::Result<Option<Duration>> {
    match std::env::var(ENV) {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Ok(value) => parse_ms(&value).map(Some),
        Err(std::env::VarError::NotUnicode(value)) => Err(bad_value(&format!("{value:?}"))),
    }
}

fn parse_ms(value: &str) -> io::Result<Duration> {
    value
        .trim()
        .parse::<u64>()
        .map(Duration::from_millis)
        .map_err(|_| bad_value(value))
}

fn bad_value(value: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{ENV}={value}: expected a whole number of milliseconds, e.g. {ENV}=100 \
             (unset it to turn slow-poll reports off)"
        ),
    )
}

/// Runs `task` and reports the poll on stderr if it took `threshold` or
/// more on worker `worker`.
pub(crate) fn run_timed(task: Notified, threshold: Duration, worker: usize) {
    // Our own reference: the poll may complete and release the task.
    let keep = task.to_task();
    let start = Instant::now();
    task.run();
    let held = start.elapsed();
    if held >= threshold {
        eprintln!("{}", report(&keep.info(), held, threshold, worker));
    }
}

/// The report line.
fn report(task: &crate::TaskInfo, held: Duration, threshold: Duration, worker: usize) -> String {
    let name = task.name().map(|n| format!(" {n:?}")).unwrap_or_default();
    format!(
        "weave: slow poll: task {}{name} (spawned at {}) held worker {worker} for {:.1?} \
         (threshold {threshold:?}); move blocking work to spawn_blocking / to_thread",
        task.id(),
        task.spawned_at(),
        held,
    )
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn whole_milliseconds_parse_and_anything_else_names_the_variable() {
        assert_eq!(parse_ms("250").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_ms(" 0 ").unwrap(), Duration::ZERO);
        for bad in ["", "1.5", "-3", "100ms", "ten"] {
            let err = parse_ms(bad).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            let msg = err.to_string();
            assert!(
                msg.contains("WEAVE_SLOW_POLL_MS") && msg.contains("milliseconds"),
                "{msg}"
            );
        }
    }
}
