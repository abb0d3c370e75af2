//! Semaphore and BoundedSemaphore at the poll level: FIFO, no barging,
//! cancel safety, multi-permit grants, bad input.

mod support;

use support::spawn;
use weave_sync::{BoundedSemaphore, Semaphore, MAX_PERMITS};

#[test]
fn waiters_are_served_in_order_and_nobody_barges() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut a = spawn(sem.acquire());
    let mut b = spawn(sem.acquire());
    a.pending();
    b.pending();
    drop(held);
    assert!(
        a.is_woken() && !b.is_woken(),
        "the first waiter is woken, only it"
    );
    // The permit is a's: a newcomer cannot take it.
    assert!(sem.try_acquire().is_none());
    assert_eq!(sem.available_permits(), 0);
    let pa = a.ready();
    drop(pa);
    assert!(b.is_woken());
    let _pb = b.ready();
}

#[test]
fn a_dropped_waiter_that_was_handed_a_permit_passes_it_on() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut a = spawn(sem.acquire());
    let mut b = spawn(sem.acquire());
    a.pending();
    b.pending();
    drop(held); // granted to a
    drop(a); // a never saw it
    assert!(b.is_woken(), "the permit went on to b");
    drop(b.ready());
    assert_eq!(sem.available_permits(), 1, "no permit lost");
}

#[test]
fn a_dropped_pending_waiter_just_leaves() {
    let sem = Semaphore::new(0);
    let mut a = spawn(sem.acquire());
    a.pending();
    drop(a);
    sem.release();
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.try_acquire().is_some());
}

#[test]
fn acquire_many_holds_its_place_and_collects_permits() {
    let sem = Semaphore::new(1);
    let mut big = spawn(sem.acquire_many(3));
    big.pending(); // took the one free permit, needs 2 more
    let mut small = spawn(sem.acquire());
    small.pending();
    sem.release();
    assert!(!big.is_woken());
    sem.release();
    assert!(big.is_woken());
    assert!(
        !small.is_woken(),
        "the small request waits behind the big one"
    );
    let p = big.ready();
    assert_eq!(p.num_permits(), 3);
    drop(p);
    assert!(small.is_woken());
    drop(small.ready());
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn a_dropped_partial_waiter_gives_back_what_it_had() {
    let sem = Semaphore::new(2);
    let mut big = spawn(sem.acquire_many(5));
    big.pending();
    assert_eq!(sem.available_permits(), 0);
    drop(big);
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn forget_and_release_pair_up() {
    let sem = Semaphore::new(1);
    sem.try_acquire().unwrap().forget();
    assert_eq!(sem.available_permits(), 0);
    sem.release();
    assert_eq!(sem.available_permits(), 1);
    sem.add_permits(4);
    assert_eq!(sem.available_permits(), 5);
}

#[test]
fn bounded_semaphore_refuses_over_release() {
    let sem = BoundedSemaphore::new(2);
    let err = sem.release().unwrap_err();
    assert!(err.to_string().contains("initial 2 permit"), "{err}");
    let p = sem.try_acquire().unwrap();
    // One permit is held by a live guard: still at the bound.
    assert!(sem.release().is_err());
    p.forget();
    assert!(sem.release().is_ok());
    assert!(sem.release().is_err());
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn too_many_permits_is_a_clear_panic() {
    let err = std::panic::catch_unwind(|| Semaphore::new(MAX_PERMITS + 1)).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains(&format!("MAX_PERMITS = {MAX_PERMITS}")),
        "{msg}"
    );
}

#[test]
fn blocking_acquire_from_threads() {
    let sem = Semaphore::new(1);
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    std::thread::scope(|s| {
        for _ in 0..4 {
            let sem = sem.clone();
            let count = count.clone();
            s.spawn(move || {
                for _ in 0..1000 {
                    let _p = sem.blocking_acquire();
                    assert_eq!(
                        count.fetch_add(1, std::sync::atomic::Ordering::SeqCst),
                        0,
                        "two holders"
                    );
                    count.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn acquiring_zero_permits_never_waits_even_behind_a_waiter() {
    let sem = Semaphore::new(0);
    let mut waiter = spawn(sem.acquire());
    waiter.pending();
    let mut zero = spawn(sem.acquire_many(0));
    let permit = zero.ready();
    assert_eq!(permit.num_permits(), 0);
    drop(permit);
    waiter.pending();
    sem.release();
    drop(waiter.ready());
}
