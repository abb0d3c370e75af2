//! The primitives on a foreign executor (tokio's multi-thread runtime):
//! they need nothing but a `Waker`.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weave_sync::{Barrier, Event, Lock, Queue, Semaphore};

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn lock_contention_on_tokio() {
    tokio_rt().block_on(async {
        let lock = Lock::new(0u64);
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let lock = lock.clone();
                tokio::spawn(async move {
                    for _ in 0..1000 {
                        let mut g = lock.lock().await;
                        *g += 1;
                        tokio::task::yield_now().await; // held across an await
                        drop(g);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*lock.lock().await, 16_000);
    });
}

#[test]
fn semaphore_bounds_concurrency_on_tokio() {
    tokio_rt().block_on(async {
        let sem = Semaphore::new(3);
        let inside = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (sem, inside, peak) = (sem.clone(), inside.clone(), peak.clone());
                tokio::spawn(async move {
                    let _permit = sem.acquire().await;
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    peak.fetch_max(now, SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    inside.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        assert!(peak.load(SeqCst) <= 3);
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn queue_event_and_barrier_on_tokio() {
    tokio_rt().block_on(async {
        let q = Queue::new(4);
        let start = Event::new();
        let barrier = Barrier::new(3);
        let producer = {
            let (q, start, barrier) = (q.clone(), start.clone(), barrier.clone());
            tokio::spawn(async move {
                start.wait().await;
                for i in 0..500u32 {
                    q.put(i).await.unwrap();
                }
                barrier.wait().await;
            })
        };
        let consumer = {
            let (q, barrier) = (q.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut got = Vec::new();
                for _ in 0..500 {
                    got.push(q.get().await.unwrap());
                    q.task_done().unwrap();
                }
                barrier.wait().await;
                got
            })
        };
        start.set();
        q.join().await;
        barrier.wait().await;
        producer.await.unwrap();
        assert_eq!(consumer.await.unwrap(), (0..500).collect::<Vec<_>>());
    });
}
