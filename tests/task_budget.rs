//! The cooperative budget, one kind of operation at a time: with a fresh
//! budget, exactly `BUDGET` operations that could complete at once do, and
//! the next returns `Pending` having woken its task — and loses nothing
//! (the item stays queued, the permit free, the bytes unread).
//!
//! Each test polls fresh operations back to back inside one poll, the way
//! a task whose awaits are always ready would, on a context whose waker
//! counts its wakes.

mod support;

use std::future::Future;
use std::io::{Read as _, Write as _};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use weave::coop::{self, BUDGET};
use weave::net::{Async, TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use weave::sync::{
    channel, oneshot, Barrier, BoundedSemaphore, Condition, Event, LifoQueue, Lock, PriorityQueue,
    Queue, RwLock, Semaphore,
};

const BUDGET_OPS: usize = BUDGET as usize;

struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A context whose waker counts its wakes.
fn counting() -> (Arc<CountWakes>, Waker) {
    let count = Arc::new(CountWakes(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

/// Polls `future` once; true if it completed.
fn poll_once<F: Future>(future: F, cx: &mut Context<'_>) -> bool {
    pin!(future).poll(cx).is_ready()
}

/// On a fresh budget, runs `op` (one poll of one fresh operation, true if
/// it completed) until it is held back; asserts that exactly `BUDGET`
/// completed first and that the held-back one woke its task at once.
/// An operation that is `Pending` with budget left is not ready yet (data
/// still on its way through loopback): it is tried again a moment later.
fn assert_held_back_after_budget(what: &str, mut op: impl FnMut(&mut Context<'_>) -> bool) {
    let _budget = coop::reset_budget();
    let deadline = std::time::Instant::now() + support::PATIENCE;
    let mut done = 0;
    loop {
        // A fresh waker per try: one an earlier try left with the reactor
        // may be woken late, and must not count.
        let (wakes, waker) = counting();
        if op(&mut Context::from_waker(&waker)) {
            done += 1;
            assert!(done <= 4 * BUDGET_OPS, "{what}: never held back");
        } else if coop::has_budget_remaining() {
            assert!(std::time::Instant::now() < deadline, "{what}: never ready");
            std::thread::sleep(Duration::from_millis(1));
        } else {
            assert_eq!(
                wakes.0.load(SeqCst),
                1,
                "{what}: the held-back op must wake its task"
            );
            break;
        }
    }
    assert_eq!(done, BUDGET_OPS, "{what}: completed before being held back");
}

/// Spends `units` of the budget with waits on the set `event`.
fn spend(units: u8, event: &Event, cx: &mut Context<'_>) {
    for _ in 0..units {
        assert!(poll_once(event.wait(), cx));
    }
    assert_eq!(
        coop::has_budget_remaining(),
        units < BUDGET,
        "Event::wait spent no budget"
    );
}

fn runtime() -> weave::Runtime {
    weave::Runtime::builder().worker_threads(1).build().unwrap()
}

#[test]
fn lock_read_write_and_semaphores() {
    let lock = Lock::new(0);
    assert_held_back_after_budget("Lock::lock", |cx| poll_once(lock.lock(), cx));
    assert!(
        lock.try_lock().is_some(),
        "a held-back lock() took the lock"
    );
    let rw = RwLock::new(0);
    assert_held_back_after_budget("RwLock::read", |cx| poll_once(rw.read(), cx));
    assert_held_back_after_budget("RwLock::write", |cx| poll_once(rw.write(), cx));
    assert!(rw.try_write().is_some());
    let sem = Semaphore::new(2);
    assert_held_back_after_budget("Semaphore::acquire", |cx| poll_once(sem.acquire(), cx));
    assert_held_back_after_budget("Semaphore::acquire_many", |cx| {
        poll_once(sem.acquire_many(2), cx)
    });
    assert_eq!(
        sem.available_permits(),
        2,
        "a held-back acquire kept a permit"
    );
    let bounded = BoundedSemaphore::new(1);
    assert_held_back_after_budget("BoundedSemaphore::acquire", |cx| {
        poll_once(bounded.acquire(), cx)
    });
}

#[test]
fn event_barrier_and_oneshot() {
    let event = Event::new();
    event.set();
    assert_held_back_after_budget("Event::wait", |cx| poll_once(event.wait(), cx));
    let barrier = Barrier::new(1);
    assert_held_back_after_budget("Barrier::wait", |cx| poll_once(barrier.wait(), cx));
    assert_held_back_after_budget("oneshot recv", |cx| {
        let (tx, rx) = oneshot();
        tx.send(1).unwrap();
        poll_once(rx, cx)
    });
    // A held-back receive keeps its value for the next poll.
    let (wakes, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    let (tx, rx) = oneshot();
    tx.send(7).unwrap();
    let mut rx = pin!(rx);
    {
        let _budget = coop::reset_budget();
        spend(BUDGET, &event, &mut cx);
        assert!(rx.as_mut().poll(&mut cx).is_pending());
    }
    assert_eq!(wakes.0.load(SeqCst), 1);
    assert_eq!(rx.as_mut().poll(&mut cx), Poll::Ready(Ok(7)));
}

#[test]
fn condition_wait_and_its_lock_retake() {
    let lock = Lock::new(0);
    let cond = Condition::new(lock.clone());
    let (wakes, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    let guard = lock.try_lock().unwrap();
    let mut wait = pin!(cond.wait(guard));
    assert!(
        wait.as_mut().poll(&mut cx).is_pending(),
        "nobody notified yet"
    );
    cond.notify(1);
    assert_eq!(wakes.0.load(SeqCst), 1, "the notification wakes");
    let event = Event::new();
    event.set();
    {
        let _budget = coop::reset_budget();
        spend(BUDGET, &event, &mut cx);
        assert!(
            wait.as_mut().poll(&mut cx).is_pending(),
            "a notified wait with no budget left must wait its turn"
        );
        assert_eq!(wakes.0.load(SeqCst), 2, "and wake its task");
    }
    let Poll::Ready(guard) = wait.as_mut().poll(&mut cx) else {
        panic!("the notification was lost")
    };
    assert_eq!(*guard, 0);
    drop(guard);

    // With one unit left, the wait completes and the lock re-take is the
    // one held back: it keeps the notification and takes the lock later.
    let guard = lock.try_lock().unwrap();
    let mut wait = pin!(cond.wait(guard));
    assert!(wait.as_mut().poll(&mut cx).is_pending());
    cond.notify(1);
    {
        let _budget = coop::reset_budget();
        spend(BUDGET - 1, &event, &mut cx);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
    }
    assert!(matches!(wait.as_mut().poll(&mut cx), Poll::Ready(_)));
}

#[test]
fn queues_and_channels() {
    let queue = Queue::new(0);
    assert_held_back_after_budget("Queue::put", |cx| poll_once(queue.put(1), cx));
    assert_eq!(queue.qsize(), BUDGET_OPS, "a held-back put queued its item");
    assert_held_back_after_budget("Queue::get", |cx| poll_once(queue.get(), cx));
    assert_eq!(queue.qsize(), 0);
    for _ in 0..BUDGET_OPS {
        queue.task_done().unwrap();
    }
    assert_held_back_after_budget("Queue::join", |cx| poll_once(queue.join(), cx));

    let lifo = LifoQueue::new(0);
    assert_held_back_after_budget("LifoQueue::put", |cx| poll_once(lifo.put(1), cx));
    assert_held_back_after_budget("LifoQueue::get", |cx| poll_once(lifo.get(), cx));
    let prio = PriorityQueue::new(0);
    assert_held_back_after_budget("PriorityQueue::put", |cx| poll_once(prio.put(1), cx));
    assert_held_back_after_budget("PriorityQueue::get", |cx| poll_once(prio.get(), cx));

    let (tx, rx) = channel(0);
    assert_held_back_after_budget("Sender::send", |cx| poll_once(tx.send(1), cx));
    assert_eq!(rx.len(), BUDGET_OPS, "a held-back send sent");
    tx.try_send(2).unwrap();
    assert_held_back_after_budget("Receiver::recv", |cx| poll_once(rx.recv(), cx));
    assert_eq!(rx.try_recv(), Ok(2), "a held-back recv took a message");
    for _ in 0..BUDGET_OPS {
        tx.try_send(3).unwrap();
    }
    tx.try_send(4).unwrap();
    let mut rx = rx;
    assert_held_back_after_budget("Receiver::poll_recv", |cx| rx.poll_recv(cx).is_ready());
    assert_eq!(rx.try_recv(), Ok(4), "a held-back poll_recv took a message");
}

/// A connected TCP pair on the runtime's reactor.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap());
    let (client, accepted) = weave::gather!(client, listener.accept()).await;
    (client.unwrap(), accepted.unwrap().0)
}

#[test]
fn tcp_reads_writes_and_readiness() {
    runtime().block_on(async {
        let (mut a, mut b) = tcp_pair().await;
        b.write_all(&[7; 6 * BUDGET_OPS]).await.unwrap();
        let mut byte = [0; 1];
        assert_held_back_after_budget("TcpStream::read", |cx| poll_once(a.read(&mut byte), cx));
        let mut uninit = [std::mem::MaybeUninit::uninit(); 1];
        assert_held_back_after_budget("TcpStream::read_uninit", |cx| {
            poll_once(a.read_uninit(&mut uninit), cx)
        });
        assert_held_back_after_budget("TcpStream::poll_read_uninit", |cx| {
            a.poll_read_uninit(cx, &mut uninit).is_ready()
        });
        assert_held_back_after_budget("TcpStream::read_exact", |cx| {
            poll_once(a.read_exact(&mut byte), cx)
        });
        assert_held_back_after_budget("AsyncRead for &TcpStream", |cx| {
            use futures::io::AsyncRead;
            std::pin::Pin::new(&mut &a)
                .poll_read(cx, &mut byte)
                .is_ready()
        });
        assert_held_back_after_budget("TcpStream::readable", |cx| poll_once(a.readable(), cx));
        // Nothing a held-back read was owed went missing: 6 * BUDGET bytes
        // were sent, 5 * BUDGET read.
        let mut rest = vec![0; BUDGET_OPS];
        a.read_exact(&mut rest).await.unwrap();
        assert!(rest.iter().all(|&b| b == 7));

        assert_held_back_after_budget("TcpStream::write", |cx| poll_once(a.write(&[1]), cx));
        assert_held_back_after_budget("TcpStream::write_all", |cx| {
            poll_once(a.write_all(&[1]), cx)
        });
        assert_held_back_after_budget("AsyncWrite for &TcpStream", |cx| {
            use futures::io::AsyncWrite;
            std::pin::Pin::new(&mut &a).poll_write(cx, &[1]).is_ready()
        });
        assert_held_back_after_budget("TcpStream::writable", |cx| poll_once(a.writable(), cx));
        let mut got = vec![0; 3 * BUDGET_OPS];
        b.read_exact(&mut got).await.unwrap();
        assert!(got.iter().all(|&b| b == 1), "every completed write arrived");
    });
}

#[test]
fn tcp_and_unix_accept() {
    runtime().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let clients: Vec<_> = (0..BUDGET_OPS + 2)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        assert_held_back_after_budget("TcpListener::accept", |cx| poll_once(listener.accept(), cx));
        // The connection a held-back accept did not take is still there.
        listener.accept().await.unwrap();
        drop(clients);

        let dir = std::env::temp_dir().join(format!("weave-budget-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let listener = UnixListener::bind(&dir).await.unwrap();
        let clients: Vec<_> = (0..BUDGET_OPS + 2)
            .map(|_| std::os::unix::net::UnixStream::connect(&dir).unwrap())
            .collect();
        assert_held_back_after_budget("UnixListener::accept", |cx| {
            poll_once(listener.accept(), cx)
        });
        listener.accept().await.unwrap();
        drop(clients);
        let _ = std::fs::remove_file(&dir);
    });
}

#[test]
fn unix_streams_and_async_fds() {
    runtime().block_on(async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        b.write_all(&[3; 2 * BUDGET_OPS]).await.unwrap();
        let mut byte = [0; 1];
        assert_held_back_after_budget("UnixStream::read", |cx| poll_once(a.read(&mut byte), cx));
        assert_held_back_after_budget("UnixStream::write", |cx| poll_once(a.write(&[1]), cx));

        let (x, mut y) = std::os::unix::net::UnixStream::pair().unwrap();
        y.write_all(&[5; 4 * BUDGET_OPS]).unwrap();
        let mut x = Async::new(x).unwrap();
        assert_held_back_after_budget("Async::read_with", |cx| {
            poll_once(x.read_with(|mut s| s.read(&mut byte)), cx)
        });
        assert_held_back_after_budget("Async::readable", |cx| poll_once(x.readable(), cx));
        assert_held_back_after_budget("AsyncRead for Async", |cx| {
            use futures::io::AsyncRead;
            std::pin::Pin::new(&mut x)
                .poll_read(cx, &mut byte)
                .is_ready()
        });
        // Before the writes: a Unix socket polls writable only while under a
        // quarter of its send buffer is queued.
        assert_held_back_after_budget("Async::writable", |cx| poll_once(x.writable(), cx));
        assert_held_back_after_budget("Async::write_with", |cx| {
            poll_once(x.write_with(|mut s| s.write(&[1])), cx)
        });
        assert_held_back_after_budget("AsyncWrite for Async", |cx| {
            use futures::io::AsyncWrite;
            std::pin::Pin::new(&mut x).poll_write(cx, &[1]).is_ready()
        });
        // 4 * BUDGET sent, 2 * BUDGET read: the rest is there.
        let mut rest = vec![0; 2 * BUDGET_OPS];
        x.read_with(|mut s| s.read_exact(&mut rest)).await.unwrap();
        assert!(rest.iter().all(|&b| b == 5));
    });
}

#[test]
fn udp_send_and_receive() {
    runtime().block_on(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        assert_held_back_after_budget("UdpSocket::send_to", |cx| {
            poll_once(a.send_to(&[1], b_addr), cx)
        });
        let mut buf = [0; 8];
        assert_held_back_after_budget("UdpSocket::recv_from", |cx| {
            poll_once(b.recv_from(&mut buf), cx)
        });
        b.connect(a_addr).await.unwrap();
        a.connect(b_addr).await.unwrap();
        assert_held_back_after_budget("UdpSocket::send", |cx| poll_once(b.send(&[2]), cx));
        assert_held_back_after_budget("UdpSocket::recv", |cx| poll_once(a.recv(&mut buf), cx));
    });
}

#[test]
fn buffered_stream_reads() {
    runtime().block_on(async {
        let (a, mut b) = tcp_pair().await;
        let lines = "x\n".repeat(4 * BUDGET_OPS);
        b.write_all(lines.as_bytes()).await.unwrap();
        let (mut reader, _writer) = weave::net::split(a);
        let mut line = String::new();
        // Most of these lines come out of the reader's buffer, not the
        // socket: they spend budget all the same.
        assert_held_back_after_budget("StreamReader::read_line", |cx| {
            poll_once(reader.read_line(&mut line), cx)
        });
        assert_eq!(line, "x\n".repeat(BUDGET_OPS));
        assert_held_back_after_budget("AsyncBufRead for StreamReader", |cx| {
            use futures::io::AsyncBufRead;
            match std::pin::Pin::new(&mut reader).poll_fill_buf(cx) {
                Poll::Ready(data) => {
                    assert!(!data.unwrap().is_empty());
                    std::pin::Pin::new(&mut reader).consume(1);
                    true
                }
                Poll::Pending => false,
            }
        });
    });
}

#[test]
fn timers_and_join_handles() {
    runtime().block_on(async {
        assert_held_back_after_budget("sleep(0)", |cx| poll_once(weave::sleep(Duration::ZERO), cx));
        let mut handles: Vec<_> = (0..2 * BUDGET_OPS)
            .map(|_| weave::spawn(async {}))
            .collect();
        for h in &handles {
            while !h.is_finished() {
                weave::yield_now().await;
            }
        }
        assert_held_back_after_budget("JoinHandle::poll_finished", |cx| {
            handles[0].poll_finished(cx).is_ready()
        });
        assert_held_back_after_budget("JoinHandle", |cx| poll_once(handles.pop().unwrap(), cx));
    });
}

#[test]
fn unconstrained_is_never_held_back() {
    let event = Event::new();
    event.set();
    let (_, waker) = counting();
    let mut cx = Context::from_waker(&waker);
    let _budget = coop::reset_budget();
    let many = weave::unconstrained(async {
        for _ in 0..10 * BUDGET_OPS {
            event.wait().await;
        }
    });
    assert!(poll_once(many, &mut cx), "unconstrained work was held back");
    assert!(coop::has_budget_remaining(), "and spent the task's budget");
}

#[test]
fn blocking_calls_of_a_task_that_spent_its_budget_still_complete() {
    support::watchdog("blocking_lock with a spent budget", || {
        let lock = Lock::new(1);
        let queue = Queue::new(0);
        queue.put_nowait(2).unwrap();
        let event = Event::new();
        event.set();
        let (_, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let _budget = coop::reset_budget();
        spend(BUDGET, &event, &mut cx);
        // They poll on a loop of their own, outside the task's budget.
        assert_eq!(*lock.blocking_lock(), 1);
        assert_eq!(queue.blocking_get().unwrap(), 2);
        assert!(
            !coop::has_budget_remaining(),
            "the task's budget is its own again"
        );
    });
}

#[test]
fn a_fresh_timeout_polled_without_budget_waits_its_turn() {
    runtime().block_on(async {
        let event = Event::new();
        event.set();
        let (wakes, waker) = counting();
        let mut cx = Context::from_waker(&waker);
        let _budget = coop::reset_budget();
        spend(BUDGET, &event, &mut cx);
        let mut timed = pin!(weave::wait_for(event.wait(), Duration::ZERO));
        assert!(
            timed.as_mut().poll(&mut cx).is_pending(),
            "a ready future held back by the budget must not time out"
        );
        assert!(wakes.0.load(SeqCst) >= 1, "and its task is woken");
        let _fresh = coop::reset_budget();
        assert!(matches!(timed.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    });
}
