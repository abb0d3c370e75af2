//! `wait_for` and `timeout_at`: results, cancellation of the inner future,
//! and the edge deadlines.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weave::{sleep, timeout_at, wait_for};

struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[weave::test]
async fn a_timeout_drops_the_inner_future_before_returning() {
    let drops = Arc::new(AtomicUsize::new(0));
    let guard = DropCount(drops.clone());
    let result = wait_for(
        async move {
            let _guard = guard;
            std::future::pending::<()>().await
        },
        Duration::from_millis(10),
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(
        drops.load(SeqCst),
        1,
        "the timed-out future was not dropped"
    );
    assert!(err.to_string().contains("cancelled"));
    assert!(Instant::now() >= err.deadline());
}

#[weave::test]
async fn a_ready_future_wins_even_with_zero_or_past_deadlines() {
    assert_eq!(wait_for(async { 1 }, Duration::ZERO).await.unwrap(), 1);
    let past = Instant::now() - Duration::from_secs(1);
    assert_eq!(timeout_at(async { 2 }, past).await.unwrap(), 2);
}

#[weave::test]
async fn duration_max_is_no_limit() {
    let (tx, rx) = weave::sync::oneshot::<()>();
    let mut t = std::pin::pin!(wait_for(rx, Duration::MAX));
    assert!(futures_lite::future::poll_once(t.as_mut()).await.is_none());
    assert!(t.deadline().is_none(), "no limit, even once started");
    tx.send(()).unwrap();
    t.await.unwrap().unwrap();
}

#[weave::test]
async fn the_wait_for_clock_starts_at_the_first_poll() {
    let t = wait_for(std::future::pending::<()>(), Duration::from_millis(20));
    assert!(t.deadline().is_none(), "not started yet");
    // Created long before it is awaited: the limit still counts from here.
    sleep(Duration::from_millis(40)).await;
    let started = Instant::now();
    let err = t.await.unwrap_err();
    assert!(err.deadline() >= started + Duration::from_millis(20));
}

#[weave::test]
async fn the_future_finishing_first_returns_its_output() {
    let out = wait_for(
        async {
            sleep(Duration::from_millis(5)).await;
            "done"
        },
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(out.unwrap(), "done");
}

#[weave::test]
async fn timeouts_nest() {
    let inner = wait_for(sleep(Duration::from_secs(30)), Duration::from_millis(5));
    let outer = wait_for(inner, Duration::from_secs(30)).await;
    assert!(outer.unwrap().is_err(), "the inner deadline fires first");
}

#[weave::test]
async fn timeout_error_converts_to_io_timed_out() {
    let err = wait_for(std::future::pending::<()>(), Duration::ZERO)
        .await
        .unwrap_err();
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
}
