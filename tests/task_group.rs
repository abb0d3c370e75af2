//! `TaskGroup`: results in spawn order, failure cancels the siblings,
//! dropping the group (or cancelling the task that holds it) cancels every
//! member — no orphan outlives its group.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weave::TaskGroup;

struct CountDrop(Arc<AtomicUsize>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A member that sleeps for a minute unless cancelled.
fn sleeper(dropped: &Arc<AtomicUsize>) -> impl std::future::Future<Output = u32> + Send + 'static {
    let guard = CountDrop(dropped.clone());
    async move {
        let _guard = guard;
        weave::sleep(Duration::from_secs(60)).await;
        0
    }
}

/// Waits (up to 10 s) until `counter` reaches `n`.
async fn until(counter: &AtomicUsize, n: usize) {
    let start = Instant::now();
    while counter.load(SeqCst) < n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "stuck at {} of {n}",
            counter.load(SeqCst)
        );
        weave::sleep(Duration::from_millis(1)).await;
    }
}

#[weave::test]
async fn join_all_returns_results_in_spawn_order() {
    let mut group = TaskGroup::new();
    for i in 0..10u64 {
        group.spawn(async move {
            weave::sleep(Duration::from_millis(10 - i)).await;
            i
        });
    }
    assert_eq!(group.len(), 10);
    assert_eq!(group.join_all().await.unwrap(), (0..10).collect::<Vec<_>>());
}

#[weave::test]
async fn join_all_after_join_next_returns_the_rest_in_spawn_order() {
    let mut group = TaskGroup::new();
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..5).map(|_| weave::sync::oneshot::<()>()).unzip();
    for (i, rx) in (0..5u64).zip(receivers) {
        group.spawn(async move {
            rx.await.unwrap();
            i
        });
    }
    // The first spawned finishes first; the others in reverse.
    let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
    senders[0].take().unwrap().send(()).unwrap();
    assert_eq!(group.join_next().await.unwrap().unwrap(), 0);
    for tx in senders.into_iter().rev().flatten() {
        tx.send(()).unwrap();
    }
    assert_eq!(group.join_all().await.unwrap(), vec![1, 2, 3, 4]);
}

#[weave::test]
async fn join_next_gives_results_as_they_finish() {
    let mut group = TaskGroup::new();
    let mut release = std::collections::HashMap::new();
    for id in [30u64, 10, 20] {
        let (tx, rx) = weave::sync::oneshot::<()>();
        release.insert(id, tx);
        group.spawn(async move {
            rx.await.unwrap();
            id
        });
    }
    // Finished in the order 10, 20, 30: each is released once the one
    // before it has been handed out.
    let mut order = Vec::new();
    for id in [10, 20, 30] {
        release.remove(&id).unwrap().send(()).unwrap();
        order.push(group.join_next().await.unwrap().unwrap());
    }
    assert_eq!(order, [10, 20, 30]);
    assert!(group.join_next().await.is_none());
    assert!(group.is_empty());
}

#[weave::test]
async fn a_panicking_member_cancels_its_siblings() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut group = TaskGroup::new();
    for _ in 0..5 {
        group.spawn(sleeper(&dropped));
    }
    group.spawn(async {
        weave::sleep(Duration::from_millis(5)).await;
        panic!("member failed")
    });
    let start = Instant::now();
    let err = group.join_all().await.unwrap_err();
    assert!(err.is_panic(), "{err}");
    assert_eq!(dropped.load(SeqCst), 5, "siblings still running");
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "waited for the siblings instead of cancelling them"
    );
}

#[weave::test]
async fn dropping_the_group_cancels_every_member() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let mut group = TaskGroup::new();
    for _ in 0..8 {
        group.spawn(sleeper(&dropped));
    }
    weave::sleep(Duration::from_millis(5)).await;
    drop(group);
    until(&dropped, 8).await;
}

#[weave::test]
async fn cancelling_the_owner_cancels_the_group_members() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicUsize::new(0));
    let owner = weave::spawn({
        let dropped = dropped.clone();
        let started = started.clone();
        async move {
            let mut group = TaskGroup::new();
            for _ in 0..4 {
                group.spawn(sleeper(&dropped));
            }
            started.store(1, SeqCst);
            group.join_all().await.unwrap()
        }
    });
    until(&started, 1).await;
    owner.cancel();
    assert!(owner.await.unwrap_err().is_cancelled());
    until(&dropped, 4).await;
}
