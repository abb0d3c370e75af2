//! Queue, LifoQueue and PriorityQueue at the poll level: order, limits,
//! task_done / join, shutdown (Python 3.13), cancel safety, blocking use.

mod support;

use support::{block_on, spawn};
use weave_sync::{GetError, LifoQueue, PriorityQueue, PutError, Queue};

#[test]
fn the_three_orders() {
    let fifo = Queue::new(0);
    let lifo = LifoQueue::new(0);
    let prio = PriorityQueue::new(0);
    for v in [3, 1, 2] {
        fifo.put_nowait(v).unwrap();
        lifo.put_nowait(v).unwrap();
        prio.put_nowait(v).unwrap();
    }
    let drain =
        |f: &dyn Fn() -> Result<i32, GetError>| std::iter::from_fn(|| f().ok()).collect::<Vec<_>>();
    assert_eq!(drain(&|| fifo.get_nowait()), [3, 1, 2]);
    assert_eq!(drain(&|| lifo.get_nowait()), [2, 1, 3]);
    assert_eq!(drain(&|| prio.get_nowait()), [1, 2, 3]);
}

#[test]
fn a_full_queue_hands_the_item_back_and_a_put_waits_for_room() {
    let q = Queue::new(1);
    q.put_nowait("a").unwrap();
    assert!(q.full());
    match q.put_nowait("b") {
        Err(PutError::Full(item)) => assert_eq!(item, "b"),
        other => panic!("expected Full, got {other:?}"),
    }
    let mut put = spawn(q.put("c"));
    put.pending();
    assert_eq!(q.get_nowait().unwrap(), "a");
    assert!(put.is_woken());
    // The freed slot is kept for the waiting put: no barging.
    assert!(matches!(q.put_nowait("d"), Err(PutError::Full(_))));
    put.ready().unwrap();
    assert_eq!(q.get_nowait().unwrap(), "c");
    assert_eq!(q.get_nowait(), Err(GetError::Empty));
}

#[test]
fn a_woken_getter_owns_its_item() {
    let q = Queue::new(0);
    let mut a = spawn(q.get());
    a.pending();
    q.put_nowait(1).unwrap();
    assert!(a.is_woken());
    assert_eq!(
        q.get_nowait(),
        Err(GetError::Empty),
        "the item is kept for a"
    );
    assert_eq!(a.ready().unwrap(), 1);
}

#[test]
fn a_dropped_woken_getter_passes_its_item_on() {
    let q = Queue::new(0);
    let mut a = spawn(q.get());
    let mut b = spawn(q.get());
    a.pending();
    b.pending();
    q.put_nowait(7).unwrap();
    drop(a);
    assert!(b.is_woken());
    assert_eq!(b.ready().unwrap(), 7);
}

#[test]
fn a_dropped_woken_getter_with_nobody_behind_leaves_the_item_queued() {
    let q = Queue::new(0);
    let mut a = spawn(q.get());
    a.pending();
    q.put_nowait(7).unwrap();
    drop(a);
    assert_eq!(q.get_nowait().unwrap(), 7);
}

#[test]
fn a_dropped_woken_putter_passes_its_slot_on() {
    let q = Queue::new(1);
    q.put_nowait(0).unwrap();
    let mut a = spawn(q.put(1));
    let mut b = spawn(q.put(2));
    a.pending();
    b.pending();
    assert_eq!(q.get_nowait().unwrap(), 0);
    drop(a);
    assert!(b.is_woken());
    b.ready().unwrap();
    assert_eq!(q.get_nowait().unwrap(), 2);
}

#[test]
fn task_done_and_join() {
    let q = Queue::new(0);
    q.put_nowait(1).unwrap();
    q.put_nowait(2).unwrap();
    let mut join = spawn(q.join());
    join.pending();
    q.get_nowait().unwrap();
    q.task_done().unwrap();
    assert!(!join.is_woken());
    q.get_nowait().unwrap();
    q.task_done().unwrap();
    assert!(join.is_woken());
    join.ready();
    let err = q.task_done().unwrap_err();
    assert!(err.to_string().contains("more times"), "{err}");
}

#[test]
fn shutdown_fails_puts_drains_gets_then_fails_them() {
    let q = Queue::new(0);
    q.put_nowait(1).unwrap();
    q.shutdown(false);
    assert_eq!(
        block_on(q.put(2)).unwrap_err().into_inner(),
        2,
        "the item comes back"
    );
    assert!(matches!(q.put_nowait(3), Err(PutError::ShutDown(3))));
    assert_eq!(block_on(q.get()).unwrap(), 1, "what was left drains");
    assert!(block_on(q.get()).is_err());
    assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
}

#[test]
fn shutdown_wakes_waiting_getters_and_putters() {
    let empty = Queue::<u8>::new(0);
    let mut getter = spawn(empty.get());
    getter.pending();
    let full = Queue::new(1);
    full.put_nowait(0).unwrap();
    let mut putter = spawn(full.put(9));
    putter.pending();
    empty.shutdown(false);
    full.shutdown(false);
    assert!(getter.is_woken() && putter.is_woken());
    assert!(getter.ready().is_err());
    assert_eq!(putter.ready().unwrap_err().into_inner(), 9);
}

#[test]
fn immediate_shutdown_discards_counts_done_and_releases_join() {
    let q = Queue::new(0);
    for i in 0..3 {
        q.put_nowait(i).unwrap();
    }
    let mut join = spawn(q.join());
    join.pending();
    q.shutdown(true);
    assert_eq!(q.qsize(), 0);
    assert!(join.is_woken());
    join.ready();
}

#[test]
fn blocking_producers_and_consumers_on_threads() {
    let q = Queue::new(8);
    let total = std::thread::scope(|s| {
        let producers: Vec<_> = (0..3u64)
            .map(|p| {
                let q = q.clone();
                s.spawn(move || {
                    for i in 0..1000 {
                        q.blocking_put(p * 1000 + i).unwrap();
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = q.clone();
                s.spawn(move || {
                    let mut sum = 0;
                    while let Ok(v) = q.blocking_get() {
                        sum += v;
                        q.task_done().unwrap();
                    }
                    sum
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        // Every item is in; wait until each is processed, then close.
        block_on(q.join());
        q.shutdown(false);
        consumers
            .into_iter()
            .map(|c| c.join().unwrap())
            .sum::<u64>()
    });
    let want: u64 = (0..3u64)
        .flat_map(|p| (0..1000).map(move |i| p * 1000 + i))
        .sum();
    assert_eq!(total, want);
}

#[test]
fn a_getter_woken_by_shutdown_and_dropped_keeps_no_reservation_of_another() {
    // G1 is handed 7; shutdown wakes G2, which is dropped unpolled. G1 must
    // still get 7: a shutdown wake is not a grant.
    let q = Queue::new(0);
    let mut g1 = spawn(q.get());
    let mut g2 = spawn(q.get());
    g1.pending();
    g2.pending();
    q.put_nowait(7).unwrap();
    q.shutdown(false);
    assert!(g2.is_woken(), "shutdown wakes every getter");
    drop(g2);
    assert_eq!(
        g1.ready().ok(),
        Some(7),
        "the item reserved for g1 was lost"
    );
    assert_eq!(q.qsize(), 0);
    q.task_done().unwrap();
    block_on(q.join());
}

#[test]
fn a_putter_woken_by_shutdown_and_dropped_frees_no_slot_of_another() {
    let q = Queue::new(1);
    q.put_nowait(1).unwrap();
    let mut p1 = spawn(q.put(2));
    let mut p2 = spawn(q.put(3));
    p1.pending();
    p2.pending();
    assert_eq!(q.get_nowait().unwrap(), 1); // a slot is kept for p1
    q.shutdown(false);
    drop(p2);
    assert_eq!(
        p1.ready().map_err(|e| e.into_inner()),
        Err(2),
        "puts fail after shutdown, item back"
    );
    assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
}

#[test]
fn a_shutdown_getter_still_waiting_fails_and_a_granted_one_takes_its_item() {
    let q = Queue::new(0);
    let mut g1 = spawn(q.get());
    let mut g2 = spawn(q.get());
    g1.pending();
    g2.pending();
    q.put_nowait("x").unwrap();
    q.shutdown(false);
    assert!(g2.ready().is_err(), "nothing was kept for g2");
    assert_eq!(g1.ready().ok(), Some("x"));
}
