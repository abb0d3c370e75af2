//! What `#[weave::test(shuffle = N)]` expands to: the test body run under
//! N seeds of a shuffled schedule (`Builder::shuffle_seed`), or under the
//! one seed `WEAVE_SEED` names; a failing run names its seed and how to
//! replay it.

use std::panic::{self, AssertUnwindSafe};

/// A test's outcome: `()` or a `Result` (a test returning `Err` failed).
#[doc(hidden)]
pub trait Outcome {
    /// True if the run failed without panicking.
    fn failed(&self) -> bool;
}

impl Outcome for () {
    fn failed(&self) -> bool {
        false
    }
}

impl<T, E> Outcome for Result<T, E> {
    fn failed(&self) -> bool {
        self.is_err()
    }
}

/// The seeds to run: `WEAVE_SEED`'s one, or `0..runs`.
fn seeds(runs: u64) -> Vec<u64> {
    match std::env::var("WEAVE_SEED") {
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(seed) => vec![seed],
            Err(_) => panic!(
                "WEAVE_SEED={text:?}: the seed to replay is a whole number (the one a failing \
                 shuffled run named, e.g. WEAVE_SEED=42); unset it to run every seed"
            ),
        },
        Err(_) => (0..runs).collect(),
    }
}

/// Runs `run(seed)` for each seed (see the module docs). `test` is the
/// test's path, for the replay command.
#[doc(hidden)]
pub fn __shuffle<R: Outcome>(runs: u64, test: &str, mut run: impl FnMut(u64) -> R) -> R {
    // The filter is the test's path without its crate.
    let filter = test.split_once("::").map_or(test, |(_, rest)| rest);
    let mut last = None;
    for seed in seeds(runs) {
        match panic::catch_unwind(AssertUnwindSafe(|| run(seed))) {
            Ok(outcome) if outcome.failed() => {
                eprintln!(
                    "weave: {test} failed under shuffle seed {seed}; replay it with \
                     WEAVE_SEED={seed} cargo test -- --exact {filter}"
                );
                return outcome;
            }
            Ok(outcome) => last = Some(outcome),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned());
                let Some(message) = message else {
                    // Not text: the seed on stderr, and the payload as it
                    // was (for `should_panic` and `catch_unwind` callers).
                    eprintln!(
                        "weave: {test} failed under shuffle seed {seed}; replay it with \
                         WEAVE_SEED={seed} cargo test -- --exact {filter}"
                    );
                    panic::resume_unwind(payload);
                };
                panic!(
                    "{test} failed under shuffle seed {seed}: {message}\n\
                     replay it with: WEAVE_SEED={seed} cargo test -- --exact {filter}"
                );
            }
        }
    }
    last.expect("a shuffled test runs at least once (`shuffle = 0` does not compile)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_runs_until_one_fails_and_the_failure_names_it() {
        let mut ran = Vec::new();
        let out: Result<(), String> = __shuffle(5, "t::x", |seed| {
            ran.push(seed);
            if seed == 3 {
                Err(format!("bad {seed}"))
            } else {
                Ok(())
            }
        });
        if std::env::var("WEAVE_SEED").is_err() {
            assert_eq!(ran, [0, 1, 2, 3]);
            assert_eq!(out, Err("bad 3".to_owned()));
        }
        let panicked =
            panic::catch_unwind(|| __shuffle(4, "krate::m::t", |seed| assert_ne!(seed, 2)));
        if std::env::var("WEAVE_SEED").is_err() {
            let payload = panicked.unwrap_err();
            let message = payload.downcast_ref::<String>().unwrap();
            assert!(message.contains("seed 2"), "{message}");
            assert!(
                message.contains("WEAVE_SEED=2 cargo test -- --exact m::t"),
                "{message}"
            );
        }
    }
}
