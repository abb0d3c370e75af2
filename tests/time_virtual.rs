//! Virtual time: `time::pause` / `resume` / `advance`, `start_paused`, and
//! auto-advance on multi-worker runtimes — it jumps only when nothing else
//! can make a task ready, and then exactly to the next deadline.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use weave::time;

const SEC: Duration = Duration::from_secs(1);

/// A runtime of `workers` workers whose clock starts paused.
fn paused_runtime(workers: usize) -> weave::Runtime {
    weave::Builder::new()
        .worker_threads(workers)
        .start_paused(true)
        .build()
        .unwrap()
}

/// On a plain thread: returns once all `workers` are parked, and a while
/// after (long enough for the one holding the driver to look at the
/// clock; a shorter while only makes a test miss a jump, never fail).
fn until_workers_idle(handle: &weave::Handle, workers: usize) {
    while handle.parked_workers() < workers {
        std::thread::yield_now();
    }
    for _ in 0..20_000 {
        std::thread::yield_now();
    }
}

#[weave::test(start_paused = true, worker_threads = 2)]
async fn an_hour_of_sleeps_takes_no_real_hour() {
    let real = Instant::now();
    let start = weave::now();
    // One task sleeps an hour in 3600 steps while 8 others sleep in
    // parallel steps of their own.
    let others: Vec<_> = (1..=8u64)
        .map(|i| {
            weave::spawn(async move {
                for _ in 0..60 {
                    weave::sleep(Duration::from_secs(i)).await;
                }
                weave::now()
            })
        })
        .collect();
    for _ in 0..3600 {
        weave::sleep(SEC).await;
    }
    assert_eq!(weave::now() - start, Duration::from_secs(3600));
    for (i, other) in (1..=8u64).zip(others) {
        assert_eq!(other.await.unwrap() - start, Duration::from_secs(60 * i));
    }
    // An upper bound far above a correct run (a few ms), far below an hour.
    assert!(
        real.elapsed() < Duration::from_secs(120),
        "{:?}",
        real.elapsed()
    );
}

#[weave::test(start_paused = true)]
async fn wait_for_times_out_exactly_at_its_virtual_deadline() {
    let start = weave::now();
    let slow = weave::wait_for(std::future::pending::<()>(), Duration::from_secs(600)).await;
    assert!(slow.is_err());
    assert_eq!(weave::now() - start, Duration::from_secs(600));
    let fast = weave::wait_for(weave::sleep(5 * SEC), 10 * SEC).await;
    assert!(fast.is_ok());
    assert_eq!(weave::now() - start, Duration::from_secs(605));
}

/// A task that is always ready (it yields in a loop) holds the clock on
/// any number of workers: a sleeper elsewhere wakes only after it is done.
fn never_jumps_while_a_task_is_ready(workers: usize) {
    let rt = paused_runtime(workers);
    rt.block_on(async {
        let start = weave::now();
        let spinning_done = Arc::new(AtomicBool::new(false));
        let done = spinning_done.clone();
        let sleeper = weave::spawn(async move {
            weave::sleep(SEC).await;
            (done.load(SeqCst), weave::now())
        });
        let done = spinning_done.clone();
        let spinner = weave::spawn(async move {
            for i in 0..20_000 {
                assert_eq!(
                    weave::now(),
                    start,
                    "the clock moved at step {i} of a ready task"
                );
                weave::yield_now().await;
            }
            done.store(true, SeqCst);
        });
        spinner.await.unwrap();
        let (spinner_was_done, woke_at) = sleeper.await.unwrap();
        assert!(spinner_was_done, "the sleeper woke while a task was ready");
        assert_eq!(woke_at - start, SEC);
    });
}

#[test]
fn auto_advance_never_jumps_while_a_task_is_ready_on_one_worker() {
    never_jumps_while_a_task_is_ready(1);
}

#[test]
fn auto_advance_never_jumps_while_a_task_is_ready_on_two_workers() {
    never_jumps_while_a_task_is_ready(2);
}

#[test]
fn auto_advance_never_jumps_while_a_task_is_ready_on_four_workers() {
    never_jumps_while_a_task_is_ready(4);
}

#[test]
fn a_running_blocking_job_holds_the_clock() {
    let rt = paused_runtime(2);
    let handle = rt.handle();
    rt.block_on(async move {
        let start = weave::now();
        let job = handle.spawn_blocking({
            let handle = handle.clone();
            move || {
                // Every worker idle, the main future waiting on us: were the
                // job not holding the clock, the timeout would fire now.
                until_workers_idle(&handle, 2);
                7
            }
        });
        let got = weave::wait_for(job, SEC).await;
        assert_eq!(got.expect("timed out while the job ran").unwrap(), 7);
        assert!(weave::now() - start < SEC);
    });
}

#[weave::test(start_paused = true, worker_threads = 2)]
async fn advance_fires_exactly_the_due_timers_in_deadline_order() {
    let fired = Arc::new(Mutex::new(Vec::new()));
    // A task that stays ready holds the clock, so that only `advance`
    // moves it while the timers are registered from several threads.
    let hold = Arc::new(AtomicBool::new(true));
    let holder = weave::spawn({
        let hold = hold.clone();
        async move {
            while hold.load(SeqCst) {
                weave::yield_now().await;
            }
        }
    });
    let register = |secs: u64| {
        let fired = fired.clone();
        weave::call_later(Duration::from_secs(secs), move || {
            fired.lock().unwrap().push(secs)
        });
    };
    for secs in [5, 1, 30] {
        register(secs);
    }
    // Others from the workers (their own wheels).
    let from_workers: Vec<_> = [4u64, 2, 3, 9]
        .into_iter()
        .map(|secs| {
            let fired = fired.clone();
            weave::spawn(async move {
                weave::call_later(Duration::from_secs(secs), move || {
                    fired.lock().unwrap().push(secs)
                });
            })
        })
        .collect();
    weave::gather(from_workers).await;
    let start = weave::now();
    assert!(fired.lock().unwrap().is_empty(), "nothing is due yet");
    time::advance(Duration::from_millis(4_500)).await;
    assert_eq!(*fired.lock().unwrap(), [1, 2, 3, 4]);
    assert_eq!(weave::now() - start, Duration::from_millis(4_500));
    time::advance(5 * SEC).await;
    assert_eq!(*fired.lock().unwrap(), [1, 2, 3, 4, 5, 9]);
    hold.store(false, SeqCst);
    holder.await.unwrap();
    // Nothing holds the clock now: it jumps to the last one.
    weave::sleep(Duration::from_secs(60)).await;
    assert_eq!(*fired.lock().unwrap(), [1, 2, 3, 4, 5, 9, 30]);
}

#[weave::test(start_paused = true)]
async fn interval_and_call_later_follow_the_virtual_clock() {
    let start = weave::now();
    let mut every_minute = weave::interval(Duration::from_secs(60));
    for n in 0..5u32 {
        let tick = every_minute.tick().await;
        assert_eq!(tick - start, Duration::from_secs(60) * n);
    }
    let (tx, rx) = weave::sync::oneshot();
    weave::call_later(Duration::from_secs(3600), move || {
        let _ = tx.send(weave::now());
    });
    let at = rx.await.unwrap();
    assert_eq!(at - start, Duration::from_secs(4 * 60 + 3600));
}

#[weave::test(worker_threads = 2)]
async fn pause_and_resume_mid_run() {
    let real = Instant::now();
    time::pause();
    time::pause(); // idempotent
    let paused_at = weave::now();
    weave::sleep(Duration::from_secs(86_400)).await;
    assert_eq!(weave::now() - paused_at, Duration::from_secs(86_400));
    time::resume();
    time::resume();
    let resumed_at = weave::now();
    assert!(resumed_at >= paused_at + Duration::from_secs(86_400));
    // Real time again: a short sleep takes at least its length.
    let before = Instant::now();
    weave::sleep(Duration::from_millis(20)).await;
    assert!(before.elapsed() >= Duration::from_millis(20));
    assert!(weave::now() >= resumed_at + Duration::from_millis(20));
    assert!(real.elapsed() < Duration::from_secs(86_400));
}

#[weave::test]
#[should_panic(expected = "call weave::time::pause() first")]
async fn advance_on_a_running_clock_says_to_pause_first() {
    time::advance(SEC).await;
}

#[weave::test(start_paused = true, worker_threads = 2)]
async fn io_between_tasks_of_the_runtime_holds_the_clock_until_it_is_read() {
    use weave::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = weave::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4];
        conn.read_exact(&mut buf).await.unwrap();
        // Answer after five virtual seconds.
        weave::sleep(5 * SEC).await;
        conn.write_all(&buf).await.unwrap();
    });
    let start = weave::now();
    let mut client = TcpStream::connect(addr).await.unwrap();
    client.write_all(b"ping").await.unwrap();
    let mut reply = [0u8; 4];
    weave::wait_for(client.read_exact(&mut reply), 60 * SEC)
        .await
        .expect("the reply came within the timeout")
        .unwrap();
    assert_eq!(&reply, b"ping");
    assert_eq!(weave::now() - start, 5 * SEC);
    server.await.unwrap();
}

#[weave::test(start_paused = true)]
async fn local_tasks_and_many_sleepers_wake_in_deadline_order() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = [7u64, 3, 5, 1, 9, 2]
        .into_iter()
        .map(|secs| {
            let (order, count) = (order.clone(), count.clone());
            weave::spawn_local(async move {
                weave::sleep(Duration::from_secs(secs)).await;
                order.lock().unwrap().push(secs);
                count.fetch_add(1, SeqCst);
            })
        })
        .collect();
    weave::gather(tasks).await;
    assert_eq!(*order.lock().unwrap(), [1, 2, 3, 5, 7, 9]);
}

#[cfg(target_os = "linux")]
/// User and system CPU time, in clock ticks, of this process's threads
/// whose name starts with `prefix` (other tests run beside this one).
fn cpu_ticks(prefix: &str) -> u64 {
    let mut ticks = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap() {
        let Ok(stat) = std::fs::read_to_string(task.unwrap().path().join("stat")) else {
            continue;
        };
        let (head, rest) = stat.rsplit_once(')').unwrap();
        if !head.split_once('(').unwrap().1.starts_with(prefix) {
            continue;
        }
        // The fields after the name: utime and stime are the 12th and 13th.
        let fields: Vec<&str> = rest.split_whitespace().collect();
        ticks += fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    }
    ticks
}

#[cfg(target_os = "linux")]
#[test]
fn an_idle_paused_runtime_without_timers_sleeps_instead_of_spinning() {
    let rt = weave::Builder::new()
        .worker_threads(2)
        .thread_name("idlecheck")
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {});
    // Idle: nothing to run and no timer to jump to. A real half second
    // passes outside the runtime; the workers must sleep through it.
    let before = cpu_ticks("idlecheck");
    let (_tx, rx) = std::sync::mpsc::channel::<()>();
    let _ = rx.recv_timeout(Duration::from_millis(500));
    let used = cpu_ticks("idlecheck") - before;
    // A spinning worker would use ~50 ticks (100 per second).
    assert!(
        used < 10,
        "an idle runtime used {used} ticks of CPU in 0.5 s"
    );
}

#[test]
fn a_blocking_job_in_handle_block_on_lets_the_clock_advance() {
    let rt = paused_runtime(2);
    let handle = rt.handle();
    let waited = rt.block_on(async move {
        let start = weave::now();
        let inner = handle.clone();
        weave::spawn_blocking(move || {
            inner.block_on(async {
                weave::sleep(Duration::from_secs(30)).await;
                weave::now()
            })
        })
        .await
        .unwrap()
            - start
    });
    assert_eq!(waited, Duration::from_secs(30));
}

#[test]
fn a_never_callback_survives_every_jump_and_cancels() {
    let rt = paused_runtime(2);
    let handle = rt.handle();
    rt.block_on(async move {
        let ran = Arc::new(AtomicBool::new(false));
        let never = weave::call_later(Duration::MAX, {
            let ran = ran.clone();
            move || ran.store(true, SeqCst)
        });
        assert_eq!(never.when(), None);
        weave::sleep(Duration::from_secs(3600)).await;
        // Idle with only the never-callback left, until a plain thread
        // answers once every worker has parked.
        let (tx, rx) = weave::sync::oneshot();
        let peer = std::thread::spawn(move || {
            until_workers_idle(&handle, 2);
            let _ = tx.send(());
        });
        rx.await.unwrap();
        peer.join().unwrap();
        time::advance(Duration::from_secs(100 * 365 * 86_400)).await;
        assert!(!ran.load(SeqCst), "a never-callback ran");
        assert!(never.cancel());
        assert!(!never.cancel());
    });
}
