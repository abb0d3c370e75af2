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

/// The example, built (or found up to date) by cargo first: a filtered
/// `cargo test --test rt_examples` does not rebuild examples, and running a
/// stale binary would test old code.
fn built(name: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap();
    if !built.iter().any(|b| b == name) {
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "--quiet", "--example", name]);
        if example(name)
            .components()
            .any(|c| c.as_os_str() == "release")
        {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("running cargo");
        assert!(status.success(), "building example {name}");
        built.push(name.to_owned());
    }
    example(name)
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

/// Starts server example `name` on a free port; returns the child, its
/// stdout, and the address from its first line, `{banner}ADDR`.
fn start_server(
    name: &str,
    banner: &str,
) -> (
    Running,
    std::io::BufReader<std::process::ChildStdout>,
    String,
) {
    use std::io::BufRead;
    let mut child = Running(
        Command::new(built(name))
            .arg("127.0.0.1:0")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out = std::io::BufReader::new(child.0.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix(banner)
        .unwrap_or_else(|| panic!("{name} printed {line:?}, not {banner:?}ADDR"))
        .to_owned();
    (child, out, addr)
}

/// One HTTP request made with weave-hyper's client: `(version, status,
/// body)`.
struct Answer {
    version: http::Version,
    status: u16,
    body: String,
}

/// Sends each of `requests` (method, path, JSON body or "") to `addr` in
/// turn over one pooled client (`http2`: HTTP/2 with prior knowledge).
fn http_requests(addr: &str, http2: bool, requests: &[(&str, &str, &str)]) -> Vec<Answer> {
    use http_body_util::BodyExt;
    let requests: Vec<_> = requests
        .iter()
        .map(|&(method, path, body)| {
            let mut req = http::Request::builder()
                .method(method)
                .uri(format!("http://{addr}{path}"));
            if !body.is_empty() {
                req = req.header("content-type", "application/json");
            }
            req.body(body.to_owned()).unwrap()
        })
        .collect();
    weave::run(async move {
        let client = weave_hyper::client_builder()
            .http2_only(http2)
            .build::<_, String>(weave_hyper::Connector::new());
        let mut answers = Vec::new();
        for req in requests {
            let response = client.request(req).await.expect("request");
            let (version, status) = (response.version(), response.status().as_u16());
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            let body = String::from_utf8(bytes.to_vec()).unwrap();
            answers.push(Answer {
                version,
                status,
                body,
            });
        }
        answers
    })
}

/// `curl -sS ARGS`'s output, or `None` (and a note) if curl is not
/// installed, or (`http2`) was built without HTTP/2.
fn curl_with(http2: bool, args: &[&str]) -> Option<String> {
    let Ok(version) = Command::new("curl").arg("--version").output() else {
        eprintln!("curl is not installed: its checks are skipped");
        return None;
    };
    if http2 && !String::from_utf8_lossy(&version.stdout).contains("HTTP2") {
        eprintln!("this curl has no HTTP/2: its HTTP/2 check is skipped");
        return None;
    }
    let out = Command::new("curl").arg("-sS").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

fn curl(args: &[&str]) -> Option<String> {
    curl_with(false, args)
}

/// A server example's process, killed if the test ends (or fails) before
/// it exits.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends SIGINT (Ctrl-C) to a server example and checks that it stops
/// cleanly, printing `stopped`, within a bound far above a correct run.
fn interrupt(mut server: Running, mut out: impl std::io::Read) {
    let child = &mut server.0;
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still running 20 s after Ctrl-C"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let mut log = String::new();
    out.read_to_string(&mut log).unwrap();
    assert!(status.success(), "{status}: {log}");
    assert!(log.ends_with("stopped\n"), "{log}");
}

#[test]
fn echo_server_dumps_its_tasks_on_sigquit_and_keeps_serving() {
    use std::io::{BufRead, BufReader, Write};
    use std::time::{Duration, Instant};
    let mut child = Running(
        Command::new(built("echo_server"))
            .arg("127.0.0.1:0")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut banner = String::new();
    out.read_line(&mut banner).unwrap();
    let addr = banner
        .trim()
        .strip_prefix("echoing on ")
        .unwrap()
        .to_owned();
    // stderr, line by line, on a thread: the test waits on it with a bound.
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stderr = BufReader::new(child.0.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    // A client connected: its handler task is alive in the dump.
    let mut client = std::net::TcpStream::connect(&addr).unwrap();
    let mut echoes = BufReader::new(client.try_clone().unwrap());
    let mut echo = |client: &mut std::net::TcpStream, text: &str| {
        client.write_all(text.as_bytes()).unwrap();
        let mut line = String::new();
        echoes.read_line(&mut line).unwrap();
        line
    };
    assert_eq!(echo(&mut client, "before\n"), "before\n");
    let pid = rustix::process::Pid::from_raw(child.0.id() as i32).unwrap();
    let mut dumps = Vec::new();
    for _ in 0..2 {
        rustix::process::kill_process(pid, rustix::process::Signal::QUIT).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut dump = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no complete dump within 20 s: {dump:?}"));
            if line == "weave: end of task dump" {
                break;
            }
            if line.starts_with("weave: task dump") || !dump.is_empty() {
                dump.push(line);
            }
        }
        dumps.push(dump);
    }
    for dump in &dumps {
        assert!(
            dump[0].contains("tasks alive") && dump[0].contains("workers"),
            "{dump:?}"
        );
        let tasks: Vec<_> = dump[1..]
            .iter()
            .filter(|l| l.starts_with("  task "))
            .collect();
        assert!(
            tasks.len() >= 2,
            "the accept loop and the connection: {dump:?}"
        );
        for task in &tasks {
            assert!(
                task.contains(" polls, spawned at ") && task.ends_with(" ago"),
                "{task}"
            );
        }
    }
    // Still serving, on the same connection and a new one.
    assert_eq!(echo(&mut client, "after\n"), "after\n");
    // Both ends of the client (the server waits for its connections).
    drop(client);
    drop(echoes);
    let mut other = std::net::TcpStream::connect(&addr).unwrap();
    other.write_all(b"again\n").unwrap();
    let mut line = String::new();
    BufReader::new(&other).read_line(&mut line).unwrap();
    assert_eq!(line, "again\n");
    drop(other);
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running 20 s after Ctrl-C");
        std::thread::yield_now();
    };
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(rest.ends_with("server closed\n"), "{rest}");
}

#[test]
fn http_hello_answers_http1_keep_alive_pipelined_and_http2() {
    use std::io::{Read, Write};
    let (child, out, addr) = start_server("http_hello", "listening on http://");
    let get = ("GET", "/", "");
    for answer in http_requests(&addr, false, &[get, get, get]) {
        assert_eq!(
            (answer.version, answer.status),
            (http::Version::HTTP_11, 200)
        );
        assert_eq!(answer.body, "Hello, world!");
    }
    let h2 = http_requests(&addr, true, &[get]);
    assert_eq!((h2[0].version, h2[0].status), (http::Version::HTTP_2, 200));
    assert_eq!(h2[0].body, "Hello, world!");

    // Two requests in one write (pipelined), a third on the same
    // connection (keep-alive), then one that asks to close.
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    let request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    conn.write_all(format!("{request}{request}").as_bytes())
        .unwrap();
    conn.write_all(request.as_bytes()).unwrap();
    conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut all = String::new();
    conn.read_to_string(&mut all).unwrap();
    assert_eq!(all.matches("HTTP/1.1 200 OK").count(), 4, "{all}");
    assert_eq!(all.matches("Hello, world!").count(), 4);

    if let Some(body) = curl(&[&format!("http://{addr}/")]) {
        assert_eq!(body, "Hello, world!");
        let version = curl_with(
            true,
            &[
                "--http2-prior-knowledge",
                "-o",
                "/dev/null",
                "-w",
                "%{http_version}",
                &format!("http://{addr}/"),
            ],
        );
        if let Some(version) = version {
            assert_eq!(version, "2");
        }
    }
    interrupt(child, out);
}

#[test]
fn axum_hello_routes_json_and_a_sleeping_handler() {
    let (child, out, addr) = start_server("axum_hello", "listening on http://");
    let big = format!(r#"{{"text":"{}","times":1000}}"#, "x".repeat(100));
    let answers = http_requests(
        &addr,
        false,
        &[
            ("GET", "/", ""),
            ("GET", "/users/7", ""),
            ("POST", "/repeat", r#"{"text":"hi","times":3}"#),
            ("POST", "/repeat", r#"{"text":"hi","times":5000}"#),
            ("POST", "/repeat", r#"{"text":"hi"}"#),
            ("POST", "/repeat", &big),
            ("GET", "/users/seven", ""),
            ("GET", "/nowhere", ""),
        ],
    );
    let got: Vec<(u16, &str)> = answers
        .iter()
        .map(|a| (a.status, a.body.as_str()))
        .collect();
    assert_eq!(got[0], (200, "Hello from axum on weave!"));
    assert_eq!(got[1], (200, r#"{"id":7,"name":"user 7"}"#));
    assert_eq!(got[2], (200, r#"{"text":"hi hi hi","length":8}"#));
    assert_eq!(got[3], (422, "times is 5000; at most 1000 repeats"));
    assert_eq!(got[4].0, 422, "a missing field: {}", got[4].1);
    assert!(
        got[4].1.contains("times"),
        "axum names the missing field: {}",
        got[4].1
    );
    assert_eq!(
        got[5],
        (
            422,
            "1000 repeats of 100 bytes is more than the 64 KiB answer limit"
        )
    );
    assert_eq!(got[6].0, 400, "{}", got[6].1);
    assert_eq!(got[7].0, 404);

    let start = std::time::Instant::now();
    let slow = http_requests(&addr, false, &[("GET", "/slow/40", "")]);
    assert!(start.elapsed() >= std::time::Duration::from_millis(40));
    assert_eq!(
        (slow[0].status, slow[0].body.as_str()),
        (200, "waited 40 ms")
    );

    if let Some(body) = curl(&[&format!("http://{addr}/users/3")]) {
        assert_eq!(body, r#"{"id":3,"name":"user 3"}"#);
        let posted = curl(&[
            "-H",
            "content-type: application/json",
            "-d",
            r#"{"text":"a","times":2}"#,
            &format!("http://{addr}/repeat"),
        ]);
        assert_eq!(posted.as_deref(), Some(r#"{"text":"a a","length":3}"#));
    }
    interrupt(child, out);
}

/// The number after `prefix` in `text` (e.g. "executed in 0.31 seconds").
fn number_after(text: &str, prefix: &str) -> f64 {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in {text}"))
        + prefix.len();
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {prefix:?} in {text}"))
}

#[test]
fn count_runs_three_sleeps_concurrently() {
    let out = run("count", &["--seconds", "0.3"]);
    // Together they take one sleep, 0.3 s; one after another, 0.9 s.
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..6],
        ["One", "One", "One", "Two", "Two", "Two"],
        "{out}"
    );
    let took = number_after(&out, "count executed in ");
    assert!(
        (0.29..0.85).contains(&took),
        "three 0.3 s sleeps took {took} s together"
    );
}

#[test]
fn count_sync_runs_them_one_after_another() {
    let out = run("count_sync", &["--seconds", "0.1"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..6],
        ["One", "Two", "One", "Two", "One", "Two"],
        "{out}"
    );
    assert!(
        number_after(&out, "count_sync executed in ") >= 0.29,
        "{out}"
    );
}

#[test]
fn chained_overlaps_the_chains() {
    let out = run(
        "chained",
        &["9", "6", "3", "--scale", "0.01", "--seed", "7"],
    );
    let mut longest: f64 = 0.0;
    let mut sum = 0.0;
    for n in [9, 6, 3] {
        assert!(
            out.contains(&format!("Returning part1({n}) == result{n}-1.")),
            "{out}"
        );
        let took = number_after(
            &out,
            &format!("result{n}-2 derived from result{n}-1 (took "),
        );
        longest = longest.max(took);
        sum += took;
    }
    let total = number_after(&out, "Program finished in ");
    assert!(total >= longest - 0.5, "{out}");
    assert!(total < sum, "the chains ran one after another: {out}");
}

#[test]
fn asyncq_consumes_every_item_then_cancels_the_consumers() {
    let out = run(
        "asyncq",
        &["-p", "3", "-c", "4", "--scale", "0.001", "--seed", "5"],
    );
    let added = out.matches(" to queue.").count();
    let got = out.matches(" got element <").count();
    assert!(added > 0, "{out}");
    assert_eq!(added, got, "every item put was taken: {out}");
    assert!(
        out.contains(&format!(
            "{added} items produced and consumed; 4 consumers cancelled."
        )),
        "{out}"
    );
}

#[test]
fn exhibition_async_beats_sync_by_the_expected_factor() {
    let out = run(
        "exhibition",
        &["--speedup", "1000", "--boards", "6", "--moves", "4"],
    );
    assert_eq!(out.matches("done after 4 moves").count(), 12, "{out}");
    let sync = number_after(&out, "Synchronous exhibition: ");
    let concurrent = number_after(&out, "Asynchronous exhibition: ");
    // 6 boards x 4 x 60 s = 1440 s vs 4 x max(6 x 5, 5 + 55) = 240 s: 6x.
    assert!(
        sync > 2.5 * concurrent,
        "sync {sync} s vs async {concurrent} s:\n{out}"
    );
    assert!(out.contains("Concurrency made it"), "{out}");
}

#[test]
fn fetch_many_limits_concurrency_and_times_out_the_slow_requests() {
    let out = run(
        "fetch_many",
        &[
            "--requests",
            "40",
            "--limit",
            "5",
            "--timeout-ms",
            "1000",
            "--seed",
            "11",
        ],
    );
    let slow = out
        .matches("GET /delay/2000 -> timed out after 1000 ms")
        .count();
    let fast = out.matches("-> HTTP/1.1 200 OK \"Hello, world!\"").count();
    assert_eq!(slow + fast, 40, "{out}");
    assert!(slow > 0 && fast > 0, "{out}");
    assert!(
        !out.contains("/delay/2000 -> HTTP"),
        "a slow request beat its deadline: {out}"
    );
    assert!(
        out.contains(&format!("{fast} ok, {slow} timed out, 0 failed")),
        "{out}"
    );
    let most = number_after(&out, "at most ");
    assert!(
        (1.0..=5.0).contains(&most),
        "the semaphore let {most} in flight:\n{out}"
    );
}

#[test]
fn to_thread_keeps_the_ticker_going_and_a_blocking_task_stops_it() {
    let out = run("to_thread", &["--n", "30000000", "--tick-ms", "1"]);
    let during_to_thread = number_after(&out, "the ticker ticked ");
    assert!(during_to_thread >= 1.0, "{out}");
    let blocked = out.lines().find(|l| l.starts_with("in a task:")).unwrap();
    assert!(
        blocked.ends_with("the ticker ticked 0 times meanwhile"),
        "{out}"
    );
}

#[test]
fn scheduling_runs_callbacks_in_deadline_order_and_skips_the_cancelled() {
    let out = run("scheduling", &["--unit-ms", "100"]);
    let at = |what: &str| {
        out.find(what)
            .unwrap_or_else(|| panic!("no {what:?} in {out}"))
    };
    assert!(at("call_soon ") < at("call_at(t0 + 0.2)"), "{out}");
    assert!(at("call_later(0) ") < at("call_at(t0 + 0.2)"), "{out}");
    assert!(at("call_at(t0 + 0.2)") < at("call_later(0.3)"), "{out}");
    assert!(out.contains("cancelled before it fired: true"), "{out}");
    assert!(!out.contains("never"), "{out}");
    let fired_at = number_after(&out, "call_later(0.3)        ran at t0 + ");
    assert!(fired_at >= 0.3, "{out}");
}

#[test]
fn graceful_shutdown_finishes_in_flight_requests_on_sigterm() {
    use std::io::{BufRead, BufReader, Write};
    let (mut child, mut out, addr) = start_server("graceful_shutdown", "listening on ");
    let mut line = String::new();
    let busy = std::net::TcpStream::connect(&addr).unwrap();
    let idle = std::net::TcpStream::connect(&addr).unwrap();
    (&busy).write_all(b"work 400\n").unwrap();
    // Signal only once the server has the request in hand.
    line.clear();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "working on `work 400`\n");
    let pid = rustix::process::Pid::from_raw(child.0.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let mut reply = String::new();
    BufReader::new(&busy).read_line(&mut reply).unwrap();
    assert_eq!(reply, "done 400\n", "the in-flight request is answered");
    let mut rest = String::new();
    // Closed: end of stream, or a reset if the server closed it before
    // accepting it (it never reached the handler).
    match BufReader::new(&idle).read_line(&mut rest) {
        Ok(0) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        other => panic!("the idle connection was not closed: {other:?} {rest:?}"),
    }
    let status = child.0.wait().unwrap();
    assert!(status.success(), "{status}");
    let mut log = String::new();
    std::io::Read::read_to_string(&mut out, &mut log).unwrap();
    assert!(
        log.contains("SIGTERM: no new connections; finishing 1 request(s) in flight"),
        "{log}"
    );
    assert!(
        log.contains("shut down cleanly: 1 request(s) served"),
        "{log}"
    );
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "still accepting after shutdown"
    );
}

#[test]
fn bench_report_draws_a_chart_per_bench_and_an_overview() {
    let dir = std::env::temp_dir().join(format!("weave-bench-report-{}", std::process::id()));
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("scheduler.csv"),
        "workload,unit,weave,tokio,smol\nspawn_many,ms,10,40,20\nidle <memory>,B/task,100,300,50\n",
    )
    .unwrap();
    std::fs::write(
        input.join("net.csv"),
        "workload,unit,weave,tokio,smol\necho,/s,200,100,400\n",
    )
    .unwrap();
    let out_dir = dir.join("out");
    let out = run(
        "bench_report",
        &[
            "--input",
            input.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("| spawn_many | 10.00 ms | 40.00 ms | 20.00 ms | 0.25 | 0.50 |"),
        "{out}"
    );
    // Presentation order: scheduler before net.
    assert!(
        out.find("## scheduler").unwrap() < out.find("## net").unwrap(),
        "{out}"
    );
    let chart = std::fs::read_to_string(out_dir.join("img/bench-scheduler.svg")).unwrap();
    assert!(chart.starts_with("<svg") && chart.trim_end().ends_with("</svg>"));
    // tokio 4x slower, smol 2x slower; memory: 3x better than tokio, 2x worse than smol.
    for label in ["4.00×", "2.00×", "3.00×", "0.50×"] {
        assert!(
            chart.contains(&format!(">{label}</text>")),
            "{label} missing"
        );
    }
    assert!(chart.contains("idle &lt;memory&gt;"), "labels are escaped");
    let overview = std::fs::read_to_string(out_dir.join("img/benchmarks.svg")).unwrap();
    // Throughput: weave/other, so 2x better than tokio and half of smol.
    assert!(
        overview.contains("net: echo")
            && overview.contains(">2.00×<")
            && overview.contains(">0.50×<")
    );
    assert_eq!(
        overview.matches("<rect x=").count(),
        2 + 3 * 2,
        "legend + two bars per row"
    );
    assert!(
        out_dir.join("results/net.csv").exists(),
        "the data is kept beside the charts"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fetch_to_files_appends_every_link_of_every_page() {
    let out_path =
        std::env::temp_dir().join(format!("weave-example-links-{}.tsv", std::process::id()));
    let out = run(
        "fetch_to_files",
        &["--pages", "24", "--out", out_path.to_str().unwrap()],
    );
    // Page n links to n%4+1 pages: 6 rounds of 1+2+3+4.
    assert!(
        out.contains("fetched 24 pages; wrote 60 links (61 lines with the header)"),
        "{out}"
    );
    let written = std::fs::read_to_string(&out_path).unwrap();
    std::fs::remove_file(&out_path).unwrap();
    let mut lines = written.lines();
    assert_eq!(lines.next(), Some("source\tlink"));
    let mut pairs: Vec<(u32, u32)> = lines
        .map(|line| {
            let (source, link) = line.split_once('\t').unwrap();
            let source = source.rsplit('/').next().unwrap().parse().unwrap();
            let link = link.strip_prefix("/page/").unwrap().parse().unwrap();
            (source, link)
        })
        .collect();
    pairs.sort();
    let expected: Vec<(u32, u32)> = (0..24)
        .flat_map(|n| (1..=n % 4 + 1).map(move |k| (n, n + k)))
        .collect();
    assert_eq!(pairs, expected);
}

#[test]
fn subprocesses_run_at_most_limit_at_once_and_report_in_order() {
    let out = run(
        "subprocesses",
        &["--jobs", "9", "--limit", "3", "--sleep-ms", "100"],
    );
    let jobs: Vec<&str> = out.lines().filter(|l| l.starts_with("job ")).collect();
    assert_eq!(jobs.len(), 9, "{out}");
    for (i, line) in jobs.iter().enumerate() {
        let code = if i == 5 { 3 } else { 0 };
        assert_eq!(
            *line,
            format!("job {i}: exit {code} \"job {i} done\""),
            "{out}"
        );
    }
    // The limit held, and it was reached (9 jobs of 100 ms, 3 at a time).
    assert!(out.contains("9 jobs in "), "{out}");
    assert!(out.contains("at most 3 at once (limit 3)"), "{out}");
}

#[test]
fn local_state_shares_an_rc_between_local_tasks() {
    let out = run("local_state", &[]);
    assert!(out.contains("visited 100 pages, each once"), "{out}");
    for word in ["async", "await", "task", "loop"] {
        assert!(out.contains(&format!("{word:>5}: 25")), "{out}");
    }
    assert!(out.contains("1 reference to the state is left"), "{out}");
}
