//! A server that runs out of file descriptors (`EMFILE`) backs off instead
//! of spinning, and accepts the waiting connections once descriptors free
//! up. The server runs in a child process (this test binary, re-run with
//! a lowered `RLIMIT_NOFILE`); the clients live here.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CLIENTS: usize = 100;
/// Descriptors the child may hold: enough for the runtime and a few dozen
/// connections, far fewer than `CLIENTS`.
const CHILD_LIMIT: u64 = 64;

/// The child's CPU time (user + system) in clock ticks, from /proc.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn accept_backs_off_on_emfile_and_recovers() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "emfile_server_child",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("WEAVE_EMFILE_CHILD", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the child exited before listening"
        );
        if let Some(at) = line.find("listening on ") {
            break line[at + "listening on ".len()..].trim().to_owned();
        }
    };
    // Every client connects (the kernel completes the handshake into the
    // backlog) and sends a line; only some can be accepted.
    let mut clients: Vec<TcpStream> = (0..CLIENTS)
        .map(|i| {
            let mut c = TcpStream::connect(&addr).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            writeln!(c, "client {i}").unwrap();
            c
        })
        .collect();
    // Let the server hit the limit and sit in it for a while.
    std::thread::sleep(Duration::from_millis(300));
    let before = cpu_ticks(child.id());
    std::thread::sleep(Duration::from_secs(1));
    let spent = cpu_ticks(child.id()) - before;
    // Clock ticks are 1/100 s: a spinning accept loop burns ~100 a second.
    assert!(
        spent < 30,
        "the server spun while out of descriptors: {spent} ticks in 1 s"
    );
    // Free descriptors: the clients served so far hang up.
    let mut served = 0;
    let mut pending = Vec::new();
    for mut c in clients.drain(..) {
        c.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
        let mut buf = [0u8; 64];
        match c.read(&mut buf) {
            Ok(n) if n > 0 => served += 1, // echoed: accepted; drop it
            _ => pending.push(c),
        }
    }
    assert!(
        served > 0 && !pending.is_empty(),
        "served {served}, pending {}",
        pending.len()
    );
    // Every remaining client is now accepted and echoed.
    let start = Instant::now();
    for mut c in pending {
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut buf = [0u8; 64];
        let n = c.read(&mut buf).expect("a waiting client was never served");
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("client "));
    }
    assert!(start.elapsed() < Duration::from_secs(20));
    child.kill().unwrap();
    let _ = child.wait();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(
        err.contains("backing off"),
        "no back-off message on stderr: {err}"
    );
}

/// The server half, run only as the child of the test above.
#[test]
#[ignore = "run by accept_backs_off_on_emfile_and_recovers in a child process"]
fn emfile_server_child() {
    assert_eq!(
        std::env::var("WEAVE_EMFILE_CHILD").as_deref(),
        Ok("1"),
        "only meaningful as the child of accept_backs_off_on_emfile_and_recovers"
    );
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let hard = getrlimit(Resource::Nofile).maximum;
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(CHILD_LIMIT),
            maximum: hard,
        },
    )
    .unwrap();
    weave::Builder::new()
        .worker_threads(2)
        .build()
        .unwrap()
        .block_on(async {
            let server =
                weave::net::start_server("127.0.0.1:0", |mut reader, mut writer| async move {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) > 0 {
                        let _ = writer.write_all(line.as_bytes()).await;
                    }
                    // Hold the descriptor until the client hangs up.
                    let mut rest = Vec::new();
                    let _ = reader.read_until(b'\n', &mut rest).await;
                })
                .await
                .unwrap();
            println!("listening on {}", server.local_addr().unwrap());
            server.serve_forever().await;
        });
}
