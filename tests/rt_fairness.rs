//! Fairness: a task whose awaits are always ready, or that keeps yielding,
//! never holds back timers, I/O, remote spawns or other tasks — on one
//! worker and on two. Each program runs under a watchdog, so a regression
//! fails instead of hanging the suite.

mod support;

use proptest::prelude::*;
use std::future::Future;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{until_blocking, watchdog};
use weave::coop;
use weave::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use weave::sync::{channel, oneshot, Barrier, Event, Lock, Queue, RwLock, Semaphore};

fn runtime(workers: usize) -> weave::Runtime {
    weave::Runtime::builder()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// On `workers` workers, runs one spinner per worker (`spin(stop)` loops
/// until `stop` is set) beside a task that sets `stop` after a 10 ms sleep;
/// returns once both are done. Hangs if a spinner starves the sleeper.
fn spinners_let_a_timer_fire<F, Fut>(what: &'static str, workers: usize, spin: F)
where
    F: Fn(Arc<AtomicBool>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    watchdog(what, move || {
        let rt = runtime(workers);
        let stop = Arc::new(AtomicBool::new(false));
        let spinners: Vec<_> = (0..workers).map(|_| rt.spawn(spin(stop.clone()))).collect();
        let setter = {
            let stop = stop.clone();
            rt.spawn(async move {
                weave::sleep(Duration::from_millis(10)).await;
                stop.store(true, SeqCst);
            })
        };
        rt.block_on(async {
            setter.await.unwrap();
            for s in spinners {
                s.await.unwrap();
            }
        });
    });
}

/// A connected TCP pair.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let connect = TcpStream::connect(listener.local_addr().unwrap());
    let (a, b) = weave::gather!(connect, listener.accept()).await;
    (a.unwrap(), b.unwrap().0)
}

/// The first program: `send` then `recv` on a `channel(1)`.
async fn channel_round_trips(stop: Arc<AtomicBool>) {
    let (tx, rx) = channel(1);
    while !stop.load(SeqCst) {
        tx.send(1).await.unwrap();
        rx.recv().await.unwrap();
    }
}

#[test]
fn channel_round_trips_let_a_timer_fire_on_one_worker() {
    spinners_let_a_timer_fire("channel round trips, 1 worker", 1, channel_round_trips);
}

#[test]
fn channel_round_trips_let_a_timer_fire_on_two_workers() {
    spinners_let_a_timer_fire("channel round trips, 2 workers", 2, channel_round_trips);
}

/// The second program: 1-byte reads from a Unix socket that a
/// thread keeps full, until a task sets the flag after sleeping 20 ms.
fn one_byte_reads_of_a_full_socket(workers: usize) {
    watchdog("1-byte reads of a full socket", move || {
        let rt = runtime(workers);
        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
        let filler = std::thread::spawn(move || {
            let mut theirs = theirs;
            // Ends when the reader closes its end.
            while theirs.write_all(&[1; 4096]).is_ok() {}
        });
        let stop = Arc::new(AtomicBool::new(false));
        let read = {
            let stop = stop.clone();
            rt.spawn(async move {
                let mut ours = UnixStream::from_std(ours).unwrap();
                let mut byte = [0; 1];
                let mut n = 0u64;
                while !stop.load(SeqCst) {
                    ours.read_exact(&mut byte).await.unwrap();
                    n += 1;
                }
                n
            })
        };
        let setter = rt.spawn(async move {
            weave::sleep(Duration::from_millis(20)).await;
            stop.store(true, SeqCst);
        });
        let n = rt.block_on(async {
            setter.await.unwrap();
            read.await.unwrap()
        });
        assert!(n > 0);
        drop(rt);
        filler.join().unwrap();
    });
}

#[test]
fn one_byte_reads_of_a_full_socket_let_a_timer_fire_on_one_worker() {
    one_byte_reads_of_a_full_socket(1);
}

#[test]
fn one_byte_reads_of_a_full_socket_let_a_timer_fire_on_two_workers() {
    one_byte_reads_of_a_full_socket(2);
}

/// Each kind of always-ready operation, looped on one worker and on two.
#[test]
fn every_kind_of_ready_operation_lets_a_timer_fire() {
    for workers in [1, 2] {
        spinners_let_a_timer_fire("Lock::lock", workers, |stop| async move {
            let lock = Lock::new(0);
            while !stop.load(SeqCst) {
                *lock.lock().await += 1;
            }
        });
        spinners_let_a_timer_fire("RwLock read and write", workers, |stop| async move {
            let lock = RwLock::new(0);
            while !stop.load(SeqCst) {
                drop(lock.read().await);
                *lock.write().await += 1;
            }
        });
        spinners_let_a_timer_fire("Semaphore::acquire", workers, |stop| async move {
            let sem = Semaphore::new(1);
            while !stop.load(SeqCst) {
                drop(sem.acquire().await);
            }
        });
        spinners_let_a_timer_fire("Event::wait", workers, |stop| async move {
            let event = Event::new();
            event.set();
            while !stop.load(SeqCst) {
                event.wait().await;
            }
        });
        spinners_let_a_timer_fire("Barrier::wait", workers, |stop| async move {
            let barrier = Barrier::new(1);
            while !stop.load(SeqCst) {
                barrier.wait().await;
            }
        });
        spinners_let_a_timer_fire("Queue put, get, join", workers, |stop| async move {
            let queue = Queue::new(1);
            while !stop.load(SeqCst) {
                queue.put(1).await.unwrap();
                queue.get().await.unwrap();
                queue.task_done().unwrap();
                queue.join().await;
            }
        });
        spinners_let_a_timer_fire("oneshot", workers, |stop| async move {
            while !stop.load(SeqCst) {
                let (tx, rx) = oneshot();
                tx.send(1).unwrap();
                rx.await.unwrap();
            }
        });
        spinners_let_a_timer_fire("sleep(0)", workers, |stop| async move {
            while !stop.load(SeqCst) {
                weave::sleep(Duration::ZERO).await;
            }
        });
        spinners_let_a_timer_fire("TCP write then read", workers, |stop| async move {
            let (mut a, mut b) = tcp_pair().await;
            let mut byte = [0; 1];
            while !stop.load(SeqCst) {
                a.write_all(&[1]).await.unwrap();
                b.read_exact(&mut byte).await.unwrap();
            }
        });
        spinners_let_a_timer_fire("UDP send_to then recv_from", workers, |stop| async move {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let me = socket.local_addr().unwrap();
            let mut buf = [0; 4];
            while !stop.load(SeqCst) {
                socket.send_to(&[1], me).await.unwrap();
                socket.recv_from(&mut buf).await.unwrap();
            }
        });
        spinners_let_a_timer_fire("buffered line reads", workers, |stop| async move {
            let (a, mut b) = tcp_pair().await;
            let (mut reader, _writer) = weave::net::split(a);
            let mut line = String::new();
            while !stop.load(SeqCst) {
                b.write_all(b"x\nx\nx\nx\n").await.unwrap();
                for _ in 0..4 {
                    line.clear();
                    reader.read_line(&mut line).await.unwrap();
                }
            }
        });
        spinners_let_a_timer_fire("wait_for around ready work", workers, |stop| async move {
            let event = Event::new();
            event.set();
            let spin = async {
                loop {
                    event.wait().await;
                }
            };
            // The deadline must fire although the guarded future spends
            // every unit of budget.
            let out = weave::wait_for(spin, Duration::from_millis(5)).await;
            assert!(out.is_err());
            while !stop.load(SeqCst) {
                weave::yield_now().await;
            }
        });
    }
}

/// Blocks the calling worker (the poll never returns) until `release`;
/// sets `running` first. Used to leave exactly one worker free.
async fn block_worker(running: Arc<AtomicBool>, release: Arc<AtomicBool>) {
    running.store(true, SeqCst);
    // Gives up well before the watchdog, so a failure shows its own message.
    let deadline = Instant::now() + support::PATIENCE;
    while !release.load(SeqCst) {
        assert!(Instant::now() < deadline, "never released");
        std::thread::yield_now();
    }
}

/// Sets its flag when dropped.
struct ReleaseOnDrop(Arc<AtomicBool>);

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

/// One free worker, one task on it that keeps yielding, 100 tasks spawned
/// from outside: once the last is spawned, they all run before the yielder
/// runs more than a couple of times (before, the injector was looked at
/// only every 61st tick while a task yielded: thousands of yields). On two
/// workers the other one is kept busy, so the count does not depend on
/// how the two threads are scheduled.
fn yields_do_not_hold_back_remote_spawns(workers: usize) {
    watchdog("yields and remote spawns", move || {
        let rt = runtime(workers);
        let release = Arc::new(AtomicBool::new(false));
        // Releases the blocked workers however the test ends.
        let _release = ReleaseOnDrop(release.clone());
        let blockers: Vec<_> = (1..workers)
            .map(|_| {
                let running = Arc::new(AtomicBool::new(false));
                let blocker = rt.spawn(block_worker(running.clone(), release.clone()));
                until_blocking("a worker is blocked", || running.load(SeqCst));
                blocker
            })
            .collect();
        let yields = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let yielder = {
            let (yields, stop) = (yields.clone(), stop.clone());
            rt.spawn(async move {
                while !stop.load(SeqCst) {
                    yields.fetch_add(1, SeqCst);
                    weave::yield_now().await;
                }
            })
        };
        until_blocking("the yielder runs", || yields.load(SeqCst) > 0);
        let done = Arc::new(AtomicUsize::new(0));
        // The yield count when the last of the 100 ran.
        let at_last_done = Arc::new(AtomicUsize::new(0));
        for _ in 0..100 {
            let (done, at_last_done, yields) = (done.clone(), at_last_done.clone(), yields.clone());
            drop(rt.spawn(async move {
                if done.fetch_add(1, SeqCst) == 99 {
                    at_last_done.store(yields.load(SeqCst), SeqCst);
                }
            }));
        }
        let at_last_spawn = yields.load(SeqCst);
        until_blocking("the remote spawns run", || done.load(SeqCst) == 100);
        let meanwhile = at_last_done.load(SeqCst).saturating_sub(at_last_spawn);
        stop.store(true, SeqCst);
        release.store(true, SeqCst);
        rt.block_on(async {
            yielder.await.unwrap();
            for b in blockers {
                b.await.unwrap();
            }
        });
        assert!(
            meanwhile <= 3,
            "{meanwhile} yields ran while 100 spawned tasks waited in the injector"
        );
    });
}

#[test]
fn yields_do_not_hold_back_remote_spawns_on_one_worker() {
    yields_do_not_hold_back_remote_spawns(1);
}

#[test]
fn yields_do_not_hold_back_remote_spawns_on_two_workers() {
    yields_do_not_hold_back_remote_spawns(2);
}

/// A busy peer's queue is stolen from while a task on the thief keeps
/// yielding: the yielder does not make its worker skip stealing.
#[test]
fn a_yielding_task_does_not_stop_its_worker_from_stealing() {
    watchdog("stealing beside a yielder", || {
        let rt = runtime(2);
        let ran = Arc::new(AtomicUsize::new(0));
        let yielding = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        // The blocker takes one worker and keeps it until the batch it
        // spawns into its own local queue has run (all but the last task,
        // which waits in its LIFO slot, not stealable) ...
        let started = Arc::new(AtomicBool::new(false));
        let blocker = {
            let (ran, yielding, started) = (ran.clone(), yielding.clone(), started.clone());
            rt.spawn(async move {
                started.store(true, SeqCst);
                let deadline = Instant::now() + support::PATIENCE;
                while !yielding.load(SeqCst) {
                    assert!(Instant::now() < deadline, "the yielder never ran");
                    std::thread::yield_now();
                }
                for _ in 0..50 {
                    let ran = ran.clone();
                    drop(weave::spawn(async move {
                        ran.fetch_add(1, SeqCst);
                    }));
                }
                while ran.load(SeqCst) < 49 {
                    assert!(Instant::now() < deadline, "the batch was never stolen");
                    std::thread::yield_now();
                }
            })
        };
        until_blocking("the blocker runs", || started.load(SeqCst));
        // ... so the yielder, spawned after it, runs on the other worker,
        // which must steal the batch between its yields.
        let yielder = {
            let (yielding, stop) = (yielding.clone(), stop.clone());
            rt.spawn(async move {
                while !stop.load(SeqCst) {
                    yielding.store(true, SeqCst);
                    weave::yield_now().await;
                }
            })
        };
        rt.block_on(blocker).unwrap();
        stop.store(true, SeqCst);
        rt.block_on(yielder).unwrap();
    });
}

/// Members of one task's `gather!` / `gather` share its budget: a member
/// that spends it on every poll does not starve the others (they are
/// polled first in turn), and a `wait_for` among them still times out.
#[test]
fn gathered_members_beside_a_spinning_one_make_progress() {
    watchdog("gather beside a spinner", || {
        weave::Runtime::builder()
            .worker_threads(1)
            .build()
            .unwrap()
            .block_on(async {
                let stop = Arc::new(AtomicBool::new(false));
                let spin = |stop: Arc<AtomicBool>| async move {
                    let event = Event::new();
                    event.set();
                    while !stop.load(SeqCst) {
                        event.wait().await;
                    }
                };
                // A sibling that needs many units, over many polls.
                let busy = |stop: Arc<AtomicBool>| async move {
                    let lock = Lock::new(0);
                    for _ in 0..1_000 {
                        *lock.lock().await += 1;
                    }
                    stop.store(true, SeqCst);
                };
                weave::gather!(spin(stop.clone()), busy(stop.clone())).await;

                stop.store(false, SeqCst);
                // The spinner always polled first, so the timeout always
                // starts with no budget left: it still fires.
                let mut spinner = std::pin::pin!(spin(stop.clone()));
                let mut timed = std::pin::pin!(weave::wait_for(
                    std::future::pending::<()>(),
                    Duration::from_millis(5)
                ));
                std::future::poll_fn(|cx| {
                    let _ = spinner.as_mut().poll(cx);
                    match timed.as_mut().poll(cx) {
                        std::task::Poll::Ready(out) => {
                            assert!(out.is_err());
                            stop.store(true, SeqCst);
                            std::task::Poll::Ready(())
                        }
                        std::task::Poll::Pending => std::task::Poll::Pending,
                    }
                })
                .await;

                stop.store(false, SeqCst);
                type Member = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;
                let members: Vec<Member> = vec![
                    Box::pin(spin(stop.clone())),
                    Box::pin(spin(stop.clone())),
                    Box::pin(busy(stop.clone())),
                ];
                weave::gather(members).await;
            });
    });
}

/// A yield wakes no parked peer when there is nothing to share: on two
/// workers, 20,000 yields of one task leave the other worker asleep (each
/// yield used to wake it, to steal the yielder or find nothing and park
/// again).
#[test]
fn a_yield_does_not_wake_a_parked_peer_for_nothing() {
    watchdog("yields and parked peers", || {
        let rt = runtime(2);
        rt.block_on(async {
            // Let both workers go idle first.
            weave::sleep(Duration::from_millis(5)).await;
        });
        let before = rt.metrics();
        rt.block_on(rt.spawn(async {
            for _ in 0..20_000 {
                weave::yield_now().await;
            }
        }))
        .unwrap();
        let after = rt.metrics();
        let parks = after.parks() - before.parks();
        let steals = after.steals() - before.steals();
        assert!(
            parks + steals < 500,
            "{parks} parks and {steals} steals during 20,000 yields"
        );
    });
}

/// Tasks woken through the LIFO slot share the budget of the task that
/// woke them: a chain of message passing is held back as one task would be.
#[test]
fn the_budget_survives_a_lifo_chain() {
    watchdog("the LIFO chain's budget", || {
        let rt = runtime(1);
        let (tx, rx) = oneshot::<()>();
        let waiting = Arc::new(AtomicBool::new(false));
        let woken = {
            let waiting = waiting.clone();
            rt.spawn(async move {
                waiting.store(true, SeqCst);
                rx.await.unwrap();
                // Polled from the LIFO slot right after the waker's poll.
                let event = Event::new();
                event.set();
                let mut left = 0;
                while coop::has_budget_remaining() && left < 1_000 {
                    event.wait().await;
                    left += 1;
                }
                left
            })
        };
        // On one worker, the waker (spawned now) runs after the poll in
        // which the woken task started waiting has ended.
        until_blocking("the woken task waits", || waiting.load(SeqCst));
        let waker = rt.spawn(async move {
            let event = Event::new();
            event.set();
            for _ in 0..100 {
                event.wait().await;
            }
            tx.send(()).unwrap();
        });
        rt.block_on(waker).unwrap();
        let left = rt.block_on(woken).unwrap();
        assert!(
            left < usize::from(coop::BUDGET) / 2,
            "the woken task got {left} units: a fresh budget for a LIFO poll"
        );
    });
}

/// One operation of a spinner in the proptest.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// Always ready.
    Event,
    Lock,
    Semaphore,
    Channel,
    Socket,
    Sleep0,
    /// Pending once.
    Yield,
    /// Pending until an echo task answers.
    Echo,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Event),
        Just(Op::Lock),
        Just(Op::Semaphore),
        Just(Op::Channel),
        Just(Op::Socket),
        Just(Op::Sleep0),
        Just(Op::Yield),
        Just(Op::Echo),
    ]
}

/// Loops `ops` until `stop`.
async fn spin(ops: Vec<Op>, stop: Arc<AtomicBool>) {
    let event = Event::new();
    event.set();
    let lock = Lock::new(0u64);
    let sem = Semaphore::new(1);
    let (tx, rx) = channel(1);
    let (mut a, mut b) = UnixStream::pair().unwrap();
    let (to_echo, echo_in) = channel::<u8>(1);
    let (echo_out, from_echo) = channel::<u8>(1);
    let echo = weave::spawn(async move {
        while let Ok(v) = echo_in.recv().await {
            if echo_out.send(v).await.is_err() {
                break;
            }
        }
    });
    let mut byte = [0; 1];
    while !stop.load(SeqCst) {
        for op in &ops {
            match op {
                Op::Event => event.wait().await,
                Op::Lock => *lock.lock().await += 1,
                Op::Semaphore => drop(sem.acquire().await),
                Op::Channel => {
                    tx.send(1).await.unwrap();
                    rx.recv().await.unwrap();
                }
                Op::Socket => {
                    a.write_all(&[1]).await.unwrap();
                    b.read_exact(&mut byte).await.unwrap();
                }
                Op::Sleep0 => weave::sleep(Duration::ZERO).await,
                Op::Yield => weave::yield_now().await,
                Op::Echo => {
                    to_echo.send(1).await.unwrap();
                    from_echo.recv().await.unwrap();
                }
            }
        }
    }
    drop(to_echo);
    echo.await.unwrap();
}

/// Far above a correct run's lateness on a loaded machine; a starved timer
/// never fires at all.
const LATE_BOUND: Duration = Duration::from_secs(5);

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random mixes of always-ready and pending operations on random
    /// spinners: a timer set for `t` fires after `t`, and before
    /// `t + LATE_BOUND`, while they run.
    #[test]
    fn a_timer_fires_in_time_beside_any_mix_of_ready_and_pending_work(
        workers in 1usize..=2,
        spinners in prop::collection::vec(prop::collection::vec(op(), 1..6), 1..4),
        t_ms in 1u64..20,
    ) {
        let late = watchdog("the proptest's timer", move || {
            let rt = runtime(workers);
            let stop = Arc::new(AtomicBool::new(false));
            let handles: Vec<_> = spinners
                .into_iter()
                .map(|ops| rt.spawn(spin(ops, stop.clone())))
                .collect();
            let t = Duration::from_millis(t_ms);
            let timer = rt.spawn(async move {
                // Let the spinners get going first.
                weave::yield_now().await;
                let start = Instant::now();
                weave::sleep(t).await;
                start.elapsed()
            });
            let elapsed = rt.block_on(timer).unwrap();
            stop.store(true, SeqCst);
            rt.block_on(async {
                for h in handles {
                    h.await.unwrap();
                }
            });
            elapsed.checked_sub(t).expect("a timer fired early")
        });
        prop_assert!(late < LATE_BOUND, "the timer fired {late:?} late");
    }
}
