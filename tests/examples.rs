//! Runs the examples (built by `cargo test` alongside the tests) and checks
//! what they print, so that none of them can rot.

use std::path::PathBuf;
use std::process::Command;

/// The path of a built example: `target/<profile>/examples/<name>`.
fn example(name: &str) -> PathBuf {
    let mut dir = std::env::current_exe().unwrap();
    dir.pop(); // the test binary
    if dir.ends_with("deps") {
        dir.pop();
    }
    dir.join("examples").join(name)
}

fn run(name: &str, args: &[&str]) -> String {
    let path = example(name);
    if !path.exists() {
        // `cargo test` builds the examples, but a filtered run may not have.
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .status()
            .expect("running cargo");
        assert!(status.success(), "building example {name}");
    }
    let out = Command::new(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn tour() {
    let out = run("tour", &[]);
    assert!(out.contains("148933 primes below 2,000,000"), "{out}");
    assert!(out.contains("a ticker task ran 1000 steps"), "{out}");
    assert!(out.contains("was cancelled (is_cancelled = true)"), "{out}");
    assert!(
        out.contains("(\"parser\") panicked with message \"unexpected token\""),
        "{out}"
    );
    assert!(out.contains("the runtime is fine"), "{out}");
}
