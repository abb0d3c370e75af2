//! Combinators: `race`.

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
