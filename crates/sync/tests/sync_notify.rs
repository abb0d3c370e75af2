//! Event, Condition and Barrier at the poll level.

mod support;

use support::{block_on, spawn};
use weave_sync::{Barrier, Condition, Event, Lock};

#[test]
fn event_wakes_every_waiter_and_stays_set() {
    let ev = Event::new();
    let mut a = spawn(ev.wait());
    let mut b = spawn(ev.wait());
    a.pending();
    b.pending();
    ev.set();
    assert!(a.is_woken() && b.is_woken());
    // Woken by set: returns even if cleared before it runs (asyncio).
    ev.clear();
    a.ready();
    b.ready();
    let mut c = spawn(ev.wait());
    c.pending();
    ev.set();
    c.ready();
    spawn(ev.wait()).ready();
}

#[test]
fn a_dropped_event_waiter_leaves() {
    let ev = Event::new();
    let mut a = spawn(ev.wait());
    a.pending();
    drop(a);
    ev.set();
    assert!(ev.is_set());
}

#[test]
fn condition_notify_wakes_in_order_and_rechecks_the_predicate() {
    let cond = Condition::new(Lock::new(0));
    let c2 = cond.clone();
    let mut waiter = spawn(async move {
        let guard = c2.lock().await;
        let guard = c2.wait_for(guard, |v| *v >= 2).await;
        *guard
    });
    waiter.pending();
    for value in 1..=2 {
        let mut g = block_on(cond.lock());
        *g = value;
        drop(g);
        cond.notify(1);
        if value == 1 {
            assert!(waiter.is_woken());
            waiter.pending(); // predicate false: waits again
        }
    }
    assert_eq!(waiter.ready(), 2);
}

#[test]
fn a_dropped_condition_waiter_passes_its_notification_on() {
    let cond = Condition::new(Lock::new(()));
    let (c1, c2) = (cond.clone(), cond.clone());
    let mut a = spawn(async move {
        let g = c1.lock().await;
        drop(c1.wait(g).await);
    });
    let mut b = spawn(async move {
        let g = c2.lock().await;
        drop(c2.wait(g).await);
    });
    a.pending();
    b.pending();
    cond.notify(1); // goes to a
    assert!(a.is_woken());
    drop(a); // a never saw it
    assert!(b.is_woken(), "the notification moved to b");
    b.ready();
}

#[test]
#[should_panic(expected = "the guard belongs to another Lock")]
fn waiting_with_another_locks_guard_panics() {
    let cond = Condition::new(Lock::new(()));
    let other = Lock::new(());
    block_on(async {
        let g = other.lock().await;
        drop(cond.wait(g).await);
    });
}

#[test]
fn barrier_releases_all_with_one_leader_and_resets() {
    let barrier = Barrier::new(3);
    for _round in 0..2 {
        let mut a = spawn(barrier.wait());
        let mut b = spawn(barrier.wait());
        a.pending();
        b.pending();
        assert_eq!(barrier.n_waiting(), 2);
        let last = spawn(barrier.wait()).ready();
        assert!(last.is_leader());
        assert!(a.is_woken() && b.is_woken());
        assert!(!a.ready().is_leader());
        assert!(!b.ready().is_leader());
    }
}

#[test]
fn barrier_of_zero_behaves_as_one() {
    let barrier = Barrier::new(0);
    assert!(spawn(barrier.wait()).ready().is_leader());
    assert!(spawn(barrier.wait()).ready().is_leader());
}

#[test]
fn a_dropped_barrier_waiter_withdraws() {
    let barrier = Barrier::new(2);
    let mut a = spawn(barrier.wait());
    a.pending();
    drop(a);
    assert_eq!(barrier.n_waiting(), 0);
    let mut b = spawn(barrier.wait());
    b.pending(); // still needs a second party
    assert!(spawn(barrier.wait()).ready().is_leader());
    assert!(!b.ready().is_leader());
}

#[test]
fn a_waiter_cancelled_while_retaking_the_lock_passes_its_notification_on() {
    let lock = Lock::new(0);
    let cond = Condition::new(lock.clone());
    let mut a = spawn({
        let cond = cond.clone();
        async move {
            let g = cond.lock().await;
            drop(cond.wait(g).await);
        }
    });
    let mut b = spawn({
        let cond = cond.clone();
        async move {
            let g = cond.lock().await;
            drop(cond.wait(g).await);
        }
    });
    a.pending();
    b.pending();
    // The usual pattern: notify while holding the lock.
    let held = block_on(lock.lock());
    cond.notify(1);
    assert!(a.is_woken());
    a.pending(); // saw the notification, now waits for the lock
    drop(a); // cancelled while re-taking the lock
    assert!(b.is_woken(), "the notification was lost with a");
    drop(held);
    b.ready();
}
