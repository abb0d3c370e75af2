//! Loom models of the waiter list under the semaphore core and the queue:
//! every interleaving (up to the preemption bound) of 2–3 threads keeps
//! permits and items conserved, including when a future that was handed
//! something is dropped.

use crate::loom::{block_on, model, thread, Arc, AtomicUsize, Ordering::SeqCst};
use crate::{Lock, Queue, Semaphore};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn loom_semaphore_is_a_mutex_with_one_permit() {
    model(|| {
        let sem = Semaphore::new(1);
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let sem = sem.clone();
                let inside = inside.clone();
                thread::spawn(move || {
                    let permit = block_on(sem.acquire());
                    assert_eq!(inside.fetch_add(1, SeqCst), 0, "two holders at once");
                    inside.fetch_sub(1, SeqCst);
                    drop(permit);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn loom_a_dropped_lock_waiter_never_strands_the_lock() {
    model(|| {
        let lock = Lock::new(0);
        let guard = lock.try_lock().unwrap();
        let releaser = thread::spawn(move || drop(guard));
        {
            let mut waiter = pin!(lock.lock());
            if let Poll::Ready(g) = poll_once(waiter.as_mut()) {
                drop(g);
            }
            // Dropped here: pending, or granted but unseen.
        }
        releaser.join().unwrap();
        assert!(lock.try_lock().is_some(), "the lock was lost");
    });
}

#[test]
fn loom_queue_hands_items_over_in_order_across_a_full_bound() {
    model(|| {
        let q = Queue::new(1);
        let producer = {
            let q = q.clone();
            thread::spawn(move || {
                block_on(q.put(1)).unwrap();
                block_on(q.put(2)).unwrap();
            })
        };
        let a = block_on(q.get()).unwrap();
        let b = block_on(q.get()).unwrap();
        producer.join().unwrap();
        assert_eq!((a, b), (1, 2));
        assert!(q.empty());
    });
}

#[test]
fn loom_a_dropped_getter_loses_no_item() {
    model(|| {
        let q = Queue::new(0);
        let producer = {
            let q = q.clone();
            thread::spawn(move || q.put_nowait(5).unwrap())
        };
        let mut got = None;
        {
            let mut getter = pin!(q.get());
            if let Poll::Ready(v) = poll_once(getter.as_mut()) {
                got = Some(v.unwrap());
            }
        }
        producer.join().unwrap();
        let item = got.or_else(|| q.get_nowait().ok());
        assert_eq!(item, Some(5), "the item was lost");
        assert!(q.empty());
    });
}
