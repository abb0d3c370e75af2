//! Lock and RwLock at the poll level.

mod support;

use support::spawn;
use weave_sync::{Lock, RwLock};

#[test]
fn the_lock_is_exclusive_and_fifo() {
    let lock = Lock::new(0);
    let mut g = lock.try_lock().unwrap();
    *g += 1;
    let mut a = spawn(lock.lock());
    let mut b = spawn(lock.lock());
    a.pending();
    b.pending();
    assert!(lock.locked());
    assert!(lock.try_lock().is_none());
    drop(g);
    assert!(a.is_woken() && !b.is_woken());
    assert!(lock.try_lock().is_none(), "handed to a: no barging");
    let mut ga = a.ready();
    *ga += 1;
    drop(ga);
    let gb = b.ready();
    assert_eq!(*gb, 2);
}

#[test]
fn a_dropped_waiter_handed_the_lock_passes_it_on() {
    let lock = Lock::new(());
    let g = lock.try_lock().unwrap();
    let mut a = spawn(lock.lock());
    let mut b = spawn(lock.lock());
    a.pending();
    b.pending();
    drop(g);
    drop(a);
    assert!(b.is_woken());
    drop(b.ready());
    assert!(!lock.locked(), "the lock is not left held");
}

#[test]
fn guards_are_send_and_static() {
    fn assert_send_static<T: Send + 'static>(_: &T) {}
    let lock = Lock::new(vec![1]);
    let g = lock.try_lock().unwrap();
    assert_send_static(&g);
    let moved = std::thread::spawn(move || g.len()).join().unwrap();
    assert_eq!(moved, 1);
}

#[test]
fn blocking_lock_from_threads_counts_right() {
    let lock = Lock::new(0u64);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let lock = lock.clone();
            s.spawn(move || {
                for _ in 0..2000 {
                    *lock.blocking_lock() += 1;
                }
            });
        }
    });
    assert_eq!(*lock.try_lock().unwrap(), 8000);
}

#[test]
fn readers_share_and_a_waiting_writer_holds_back_new_readers() {
    let rw = RwLock::new(1);
    let r1 = rw.try_read().unwrap();
    let r2 = rw.try_read().unwrap();
    let mut w = spawn(rw.write());
    w.pending();
    // A writer waits: a new reader queues behind it (no writer starvation).
    assert!(rw.try_read().is_none());
    let mut r3 = spawn(rw.read());
    r3.pending();
    drop(r1);
    assert!(!w.is_woken());
    drop(r2);
    assert!(w.is_woken());
    let mut wg = w.ready();
    *wg = 5;
    drop(wg);
    assert!(r3.is_woken());
    assert_eq!(*r3.ready(), 5);
}

#[test]
fn a_dropped_writer_gives_readers_their_turn() {
    let rw = RwLock::new(0);
    let r = rw.try_read().unwrap();
    let mut w = spawn(rw.write());
    w.pending();
    let mut r2 = spawn(rw.read());
    r2.pending();
    drop(w); // it held the permits released so far
    assert!(r2.is_woken(), "the reader behind the dropped writer goes");
    let _g2 = r2.ready();
    drop(r);
    assert!(rw.try_write().is_none(), "r2 still reads");
}
