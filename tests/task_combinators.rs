//! Combinators: `race`.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use weave::{race, Either};

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

#[weave::test]
async fn race_returns_the_first_and_cancels_the_other() {
    let dropped = Arc::new(AtomicBool::new(false));
    let loser = {
        let guard = SetOnDrop(dropped.clone());
        async move {
            let _guard = guard;
            weave::sleep(Duration::from_secs(60)).await;
            "slow"
        }
    };
    let winner = async {
        weave::sleep(Duration::from_millis(5)).await;
        7
    };
    assert_eq!(race(loser, winner).await, Either::Right(7));
    assert!(
        dropped.load(SeqCst),
        "the loser was not dropped when race returned"
    );
}

#[weave::test]
async fn neither_side_starves_the_other() {
    // Both sides are always ready after a yield: alternation lets each make
    // progress; the left side finishes after 50 of its polls.
    let left_polls = Arc::new(AtomicUsize::new(0));
    let right_polls = Arc::new(AtomicUsize::new(0));
    let spin = |polls: Arc<AtomicUsize>, limit: usize| async move {
        loop {
            if polls.fetch_add(1, SeqCst) + 1 >= limit {
                return limit;
            }
            weave::yield_now().await;
        }
    };
    let out = race(
        spin(left_polls.clone(), 50),
        spin(right_polls.clone(), 1_000),
    )
    .await;
    assert_eq!(out, Either::Left(50));
    assert!(right_polls.load(SeqCst) >= 49, "the right side was starved");
}

#[weave::test]
async fn race_of_ready_futures_prefers_the_left_on_the_first_poll() {
    assert_eq!(
        race(async { 1 }, async { 2 }).await,
        Either::<i32, i32>::Left(1)
    );
}

// ---- gather / try_gather ----

use proptest::prelude::*;
use weave::{gather, try_gather};

/// Yields `yields` times, counting its polls, then returns `value`.
async fn counted<T>(polls: Arc<AtomicUsize>, yields: usize, value: T) -> T {
    struct Counted<'a>(&'a AtomicUsize, usize);
    impl std::future::Future for Counted<'_> {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            self.0.fetch_add(1, SeqCst);
            if self.1 == 0 {
                return std::task::Poll::Ready(());
            }
            self.1 -= 1;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
    Counted(&polls, yields).await;
    value
}

#[weave::test]
async fn gather_runs_children_concurrently_and_keeps_input_order() {
    // Each child waits at a barrier for all the others: this completes only
    // if every child is in flight at once.
    let barrier = weave::sync::Barrier::new(10);
    let outputs = gather((0..10).map(|i| {
        let barrier = barrier.clone();
        async move {
            weave::sleep(Duration::from_millis((10 - i) as u64)).await;
            barrier.wait().await;
            i
        }
    }))
    .await;
    assert_eq!(outputs, (0..10).collect::<Vec<_>>());
}

/// Counts the polls of the oneshot receiver it wraps.
struct CountPolls(weave::sync::oneshot::Receiver<usize>, Arc<AtomicUsize>);

impl std::future::Future for CountPolls {
    type Output = usize;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<usize> {
        self.1.fetch_add(1, SeqCst);
        std::pin::Pin::new(&mut self.0).poll(cx).map(|r| r.unwrap())
    }
}

#[weave::test]
async fn gather_repolls_only_the_woken_child() {
    let polls: Vec<Arc<AtomicUsize>> = (0..100).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..100).map(|_| weave::sync::oneshot::<usize>()).unzip();
    let gathered = weave::spawn(gather(
        receivers
            .into_iter()
            .zip(polls.clone())
            .map(|(rx, polls)| CountPolls(rx, polls)),
    ));
    let total = |p: &[Arc<AtomicUsize>]| p.iter().map(|c| c.load(SeqCst)).sum::<usize>();
    support::until("the first round polled every child", || {
        total(&polls) >= 100
    })
    .await;
    assert_eq!(total(&polls), 100, "first round: every child once");
    let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
    senders[42].take().unwrap().send(42).unwrap();
    support::until("the woken child was polled again", || {
        polls[42].load(SeqCst) >= 2
    })
    .await;
    assert_eq!(total(&polls), 101, "one wake must re-poll one child");
    assert_eq!(polls[42].load(SeqCst), 2);
    for (i, tx) in senders.into_iter().enumerate() {
        if let Some(tx) = tx {
            tx.send(i).unwrap();
        }
    }
    assert_eq!(gathered.await.unwrap(), (0..100).collect::<Vec<_>>());
}

#[weave::test]
async fn try_gather_first_error_wins_and_the_rest_are_dropped_at_once() {
    let dropped = Arc::new(AtomicUsize::new(0));
    struct Count(Arc<AtomicUsize>);
    impl Drop for Count {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let futures = (0..5).map(|i| {
        let guard = Count(dropped.clone());
        async move {
            let _guard = guard;
            if i == 3 {
                weave::sleep(Duration::from_millis(5)).await;
                return Err(format!("child {i} failed"));
            }
            weave::sleep(Duration::from_secs(60)).await;
            Ok(i)
        }
    });
    let mut fut = std::pin::pin!(try_gather(futures));
    let result = (&mut fut).await;
    assert_eq!(result, Err("child 3 failed".to_owned()));
    assert_eq!(
        dropped.load(SeqCst),
        5,
        "children still alive after the error"
    );
}

#[weave::test]
async fn gather_of_nothing_is_empty() {
    let none: Vec<std::future::Ready<u8>> = Vec::new();
    assert!(gather(none).await.is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random numbers of self-wakes per child: outputs come back in input
    /// order, and each child is polled exactly once per wake plus once.
    #[test]
    fn gather_polls_each_child_once_per_wake(yields in proptest::collection::vec(0usize..20, 0..40)) {
        let polls: Vec<Arc<AtomicUsize>> = yields.iter().map(|_| Arc::new(AtomicUsize::new(0))).collect();
        let outputs = weave::Builder::new().worker_threads(2).build().unwrap().block_on(gather(
            yields.iter().zip(&polls).enumerate().map(|(i, (&y, p))| counted(p.clone(), y, i)),
        ));
        prop_assert_eq!(outputs, (0..yields.len()).collect::<Vec<_>>());
        for (y, p) in yields.iter().zip(&polls) {
            prop_assert_eq!(p.load(SeqCst), y + 1);
        }
    }
}

// ---- as_completed ----

#[weave::test]
async fn as_completed_yields_in_finish_order_then_none() {
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..5).map(|_| weave::sync::oneshot::<usize>()).unzip();
    let mut done = weave::as_completed(
        receivers
            .into_iter()
            .map(|rx| async move { rx.await.unwrap() }),
    );
    let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
    for i in [3usize, 0, 4, 1, 2] {
        senders[i].take().unwrap().send(i).unwrap();
        assert_eq!(done.next().await, Some(i));
    }
    assert_eq!(done.next().await, None);
    assert_eq!(done.next().await, None, "stays finished");
}

#[weave::test]
async fn as_completed_is_a_stream() {
    use futures_core::Stream;
    let mut done = weave::as_completed([1, 2].map(|v| async move { v }));
    let mut got = Vec::new();
    while let Some(v) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut done).poll_next(cx)).await
    {
        got.push(v);
    }
    got.sort();
    assert_eq!(got, [1, 2]);
}

// ---- gather! ----

#[weave::test]
async fn gather_macro_runs_different_futures_concurrently() {
    // All three meet at a barrier: only possible if they run at once.
    let barrier = weave::sync::Barrier::new(3);
    let (b1, b2, b3) = (barrier.clone(), barrier.clone(), barrier);
    let (n, s, v) = weave::gather!(
        async move {
            b1.wait().await;
            1u8
        },
        async move {
            weave::sleep(Duration::from_millis(5)).await;
            b2.wait().await;
            "two"
        },
        async move {
            b3.wait().await;
            vec![3]
        },
    )
    .await;
    assert_eq!((n, s, v), (1, "two", vec![3]));
}

#[weave::test]
async fn gather_macro_of_eight() {
    let out = weave::gather!(
        async { 1 },
        async { 2 },
        async { 3 },
        async { 4 },
        async { 5 },
        async { 6 },
        async { 7 },
        async { 8 }
    )
    .await;
    assert_eq!(out, (1, 2, 3, 4, 5, 6, 7, 8));
}

// ---- wait ----

use weave::ReturnWhen;

fn after(ms: u64, fail: bool) -> weave::JoinHandle<u64> {
    weave::spawn(async move {
        weave::sleep(Duration::from_millis(ms)).await;
        if fail {
            panic!("task of {ms} ms failed");
        }
        ms
    })
}

#[weave::test]
async fn wait_first_completed_returns_the_early_one_and_keeps_outputs() {
    let handles = vec![after(60_000, false), after(5, false), after(60_000, false)];
    let (done, pending) = weave::wait(handles, ReturnWhen::FirstCompleted).await;
    assert_eq!((done.len(), pending.len()), (1, 2));
    for h in done {
        assert_eq!(
            h.await.unwrap(),
            5,
            "the output must still be in the handle"
        );
    }
    for h in pending {
        assert!(h.cancel());
    }
}

#[weave::test]
async fn wait_first_exception_returns_on_the_first_failure() {
    // The failure comes only once the first task is done.
    let first = after(5, false);
    let gate = weave::sync::Event::new();
    let failing = {
        let gate = gate.clone();
        weave::spawn(async move {
            gate.wait().await;
            if gate.is_set() {
                panic!("task of 10 ms failed");
            }
            10u64
        })
    };
    support::until("the first task finished", || first.is_finished()).await;
    gate.set();
    let handles = vec![first, failing, after(60_000, false)];
    let (done, pending) = weave::wait(handles, ReturnWhen::FirstException).await;
    assert_eq!((done.len(), pending.len()), (2, 1));
    let mut outcomes = Vec::new();
    for h in done {
        outcomes.push(h.await.map_err(|e| e.is_panic()));
    }
    assert_eq!(outcomes, vec![Ok(5), Err(true)]);
    pending.into_iter().for_each(|h| {
        h.cancel();
    });
}

#[weave::test]
async fn wait_first_exception_without_failures_waits_for_all() {
    let handles = vec![after(5, false), after(10, false)];
    let (done, pending) = weave::wait(handles, ReturnWhen::FirstException).await;
    assert_eq!((done.len(), pending.len()), (2, 0));
}

#[weave::test]
async fn wait_all_completed_and_empty_input() {
    let (done, pending) = weave::wait(
        vec![after(1, false), after(3, true), after(2, false)],
        ReturnWhen::AllCompleted,
    )
    .await;
    assert_eq!((done.len(), pending.len()), (3, 0));
    let (done, pending) = weave::wait(
        Vec::<weave::JoinHandle<()>>::new(),
        ReturnWhen::AllCompleted,
    )
    .await;
    assert!(done.is_empty() && pending.is_empty());
}

#[weave::test]
async fn wait_splits_in_input_order_and_the_pending_ones_still_deliver() {
    let mut senders = Vec::new();
    let mut handles = Vec::new();
    for i in 0..6u32 {
        let (tx, rx) = weave::sync::oneshot::<u32>();
        senders.push(tx);
        handles.push(weave::spawn(async move { rx.await.unwrap() + i }));
    }
    // Finish 4 and 1 (out of order); the rest stay pending.
    let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
    senders[4].take().unwrap().send(40).unwrap();
    senders[1].take().unwrap().send(10).unwrap();
    let (done, pending) = loop {
        let (done, pending) = weave::wait(handles, weave::ReturnWhen::FirstCompleted).await;
        if done.len() == 2 {
            break (done, pending);
        }
        handles = done.into_iter().chain(pending).collect();
        handles.sort_by_key(|h| h.id());
        weave::yield_now().await;
    };
    let mut outs = Vec::new();
    for h in done {
        outs.push(h.await.unwrap());
    }
    assert_eq!(outs, [11, 44], "done in input order");
    assert_eq!(pending.len(), 4);
    for (i, tx) in senders.into_iter().enumerate() {
        if let Some(tx) = tx {
            tx.send(i as u32 * 100).unwrap();
        }
    }
    let mut rest = Vec::new();
    for h in pending {
        rest.push(h.await.unwrap());
    }
    assert_eq!(
        rest,
        [0, 202, 303, 505],
        "pending in input order, outputs kept"
    );
}
