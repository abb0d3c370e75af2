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

/// The built example, building it first if a filtered run did not.
fn built(name: &str) -> PathBuf {
    let path = example(name);
    if !path.exists() {
        // `cargo test` builds the examples, but a filtered run may not have.
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .status()
            .expect("running cargo");
        assert!(status.success(), "building example {name}");
    }
    path
}

fn run(name: &str, args: &[&str]) -> String {
    let path = built(name);
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

#[test]
fn echo_server_demo() {
    let out = run("echo_server", &["127.0.0.1:0", "--demo"]);
    assert!(out.starts_with("echoing on 127.0.0.1:"), "{out}");
    for i in 0..3 {
        assert!(
            out.contains(&format!("echo: hello from client {i}\n")),
            "{out}"
        );
    }
    assert!(out.ends_with("server closed\n"), "{out}");
}

#[test]
fn http_hello_answers_keep_alive_and_pipelined_requests() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = Command::new(built("http_hello"))
        .arg("127.0.0.1:0")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap()
        .to_owned();
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    let request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    // Two requests in one write (pipelined), then a third on the same
    // connection (keep-alive), then one that asks to close.
    conn.write_all(format!("{request}{request}").as_bytes())
        .unwrap();
    conn.write_all(request.as_bytes()).unwrap();
    conn.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut all = String::new();
    conn.read_to_string(&mut all).unwrap();
    assert_eq!(all.matches("HTTP/1.1 200 OK").count(), 4, "{all}");
    assert_eq!(all.matches("Hello, world!").count(), 4);
    child.kill().unwrap();
    let _ = child.wait();
}
