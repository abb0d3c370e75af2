//! Loom models of `Driver::park` / `Driver::unpark` / `insert_timer` /
//! `shutdown`, run on the real code. Under loom the poller's timed wait
//! only ends by a notification unless it is short (`mock.rs`), so a lost
//! wake-up shows up as a deadlock, which fails the model.

use crate::{Driver, Entry};
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};
use weave_sync::loom::{model, thread, AtomicBool, Ordering::SeqCst};

/// A waker that records that it was woken.
#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

/// Joins the model's threads. Under loom, plainly: a thread that never
/// ends is the defect the model looks for (loom reports the deadlock).
/// Without loom the clock runs and the real poller is used, so a model's
/// premise (timers never fire by themselves) does not hold, and a thread
/// may legitimately sleep on: it is unparked until it ends.
fn finish(driver: &Arc<Driver>, threads: Vec<thread::JoinHandle<()>>) {
    #[cfg(not(loom))]
    while !threads.iter().all(|t| t.is_finished()) {
        (0..driver.workers()).for_each(|i| driver.unpark(i));
        std::thread::sleep(Duration::from_millis(1));
    }
    #[cfg(loom)]
    let _ = driver;
    for t in threads {
        t.join().unwrap();
    }
}

fn driver(workers: usize) -> Arc<Driver> {
    Arc::new(Driver::new(workers).expect("a driver"))
}

/// A wake for the worker between its decision to park (it took the token
/// and armed the timers) and its wait in the poller is never lost: the
/// park returns.
#[test]
fn loom_a_wake_reaches_the_worker_about_to_wait_in_the_poller() {
    model(|| {
        let driver = driver(1);
        let d = driver.clone();
        let sleeper = thread::spawn(move || d.park(0, None));
        driver.unpark(0);
        sleeper.join().unwrap();
    });
}

/// A busy worker's zero-timeout park (which may hold the token, so the
/// sleeper parks on its condition variable instead, or may poll the
/// poller) does not eat the sleeper's wake-up.
#[test]
fn loom_a_busy_worker_does_not_eat_the_sleepers_wake_up() {
    model(|| {
        let driver = driver(2);
        let d = driver.clone();
        let sleeper = thread::spawn(move || d.park(0, None));
        let d = driver.clone();
        let busy = thread::spawn(move || d.park(1, Some(Duration::ZERO)));
        driver.unpark(0);
        sleeper.join().unwrap();
        busy.join().unwrap();
    });
}

/// A timer inserted with a deadline earlier than the one the worker in the
/// poller sleeps until wakes that worker (or, inserted before it armed,
/// shortens its sleep): it never sleeps past the new deadline.
#[test]
fn loom_an_earlier_timer_wakes_the_worker_sleeping_for_a_later_one() {
    model(|| {
        let driver = driver(1);
        let now = Instant::now();
        let noop = || Entry::Wake(Waker::noop().clone());
        assert!(driver
            .insert_timer(now + Duration::from_secs(3600), noop())
            .is_some());
        let d = driver.clone();
        let sleeper = thread::spawn(move || d.park(0, None));
        assert!(driver
            .insert_timer(now + Duration::from_millis(1), noop())
            .is_some());
        sleeper.join().unwrap();
        // The hour-long timer is still there; under loom the clock stands
        // still, so the other one is too.
        let left = driver.time().len();
        assert!(
            left == 2 || (left == 1 && !cfg!(loom)),
            "{left} timers left"
        );
    });
}

/// The runtime's shutdown (which unparks every worker, then shuts the
/// driver down) while a worker sleeps in the poller: the worker returns,
/// the sleep still registered is woken, and no timer is taken afterwards.
#[test]
fn loom_shutdown_while_a_worker_sleeps_in_the_poller() {
    model(|| {
        let driver = driver(1);
        let flag = Arc::new(Flag::default());
        let deadline = Instant::now() + Duration::from_secs(3600);
        let entry = Entry::Wake(Waker::from(flag.clone()));
        assert!(driver.insert_timer(deadline, entry).is_some());
        let d = driver.clone();
        let sleeper = thread::spawn(move || d.park(0, None));
        driver.unpark(0);
        driver.shutdown();
        sleeper.join().unwrap();
        assert!(flag.0.load(SeqCst), "the shutdown woke the sleep");
        let late = Entry::Call(Box::new(|| unreachable!("a timer after shutdown ran")));
        assert!(driver.insert_timer(deadline, late).is_none());
    });
}

/// Two idle workers, one in the poller and one on its condition variable
/// (which is which depends on who takes the token): waking both wakes
/// each where it sleeps.
#[test]
fn loom_each_worker_is_woken_where_it_sleeps() {
    model(|| {
        let driver = driver(2);
        let sleepers: Vec<_> = (0..2)
            .map(|i| {
                let d = driver.clone();
                thread::spawn(move || d.park(i, None))
            })
            .collect();
        driver.unpark(1);
        driver.unpark(0);
        for s in sleepers {
            s.join().unwrap();
        }
    });
}

/// An idle worker that finds the token held by a busy worker's
/// zero-timeout poll is woken by its release, and takes the token when it
/// parks again (as the scheduler's loop does), so the timers still have a
/// sleeper: a timer inserted meanwhile wakes it, or is due by the time it
/// arms.
#[test]
fn loom_an_idle_worker_takes_the_token_a_busy_worker_released() {
    model(|| {
        let driver = driver(2);
        let d = driver.clone();
        let idle = thread::spawn(move || {
            d.park(0, None);
            d.park(0, None);
        });
        let d = driver.clone();
        let busy = thread::spawn(move || d.park(1, Some(Duration::ZERO)));
        // Due soon: a sleeper that arms after this insert waits briefly
        // (the model lets a short wait run out); one armed before is woken.
        // A worker left on its condition variable is reached by neither.
        // (Not after joining the busy worker: loom blocks a `try_lock`
        // pending when another thread takes the lock, so the busy worker
        // would wait for the sleeper, which waits for this insert.)
        let entry = Entry::Wake(Waker::noop().clone());
        assert!(driver
            .insert_timer(Instant::now() + Duration::from_millis(1), entry)
            .is_some());
        finish(&driver, vec![busy, idle]);
    });
}

/// A sleeper that leaves the poller for work does not hand the token off
/// (that would cost a second thread wake per I/O event); an idle worker
/// that found the token taken gets it at the busy worker's next
/// maintenance turn (its zero-timeout park), so the timer inserted
/// meanwhile reaches a sleeper in the poller.
#[test]
fn loom_the_next_maintenance_turn_hands_the_token_to_the_idle_worker() {
    model(|| {
        let driver = driver(2);
        let d = driver.clone();
        let working = thread::spawn(move || {
            d.park(0, None);
            d.resume(0);
            d.park(0, Some(Duration::ZERO));
        });
        let d = driver.clone();
        let idle = thread::spawn(move || {
            d.park(1, None);
            d.park(1, None);
        });
        driver.unpark(0); // new work for worker 0
        let entry = Entry::Wake(Waker::noop().clone());
        assert!(driver
            .insert_timer(Instant::now() + Duration::from_millis(1), entry)
            .is_some());
        finish(&driver, vec![working, idle]);
    });
}

/// With a timer wheel per worker: a timer registered on another worker's
/// shard, earlier than the one the sleeping worker waits for, wakes it
/// (or, registered before it read the wheels, shortens its sleep).
#[test]
fn loom_an_earlier_timer_on_another_shard_wakes_the_sleeper() {
    model(|| {
        let driver = driver(2);
        let now = Instant::now();
        let noop = || Entry::Wake(Waker::noop().clone());
        assert!(driver
            .insert_timer_on(0, now + Duration::from_secs(3600), noop())
            .is_some());
        let d = driver.clone();
        let sleeper = thread::spawn(move || d.park(0, None));
        assert!(driver
            .insert_timer_on(1, now + Duration::from_millis(1), noop())
            .is_some());
        sleeper.join().unwrap();
        assert_eq!(
            driver.time().len(),
            if cfg!(loom) { 2 } else { driver.time().len() }
        );
    });
}
