//! Sleeping: never early, many at once, zero and infinite durations, no
//! leaked entries, timers that fire while every worker is busy, and an
//! earlier timer waking a runtime that sleeps until a later one.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use weave::{sleep, sleep_until, wait_for, Runtime};

fn rt(workers: usize) -> Runtime {
    Runtime::builder().worker_threads(workers).build().unwrap()
}

/// A small deterministic generator, so runs are reproducible.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

#[test]
fn a_sleep_never_completes_before_its_deadline() {
    let rt = rt(2);
    rt.block_on(async {
        let mut seed = 7;
        let handles: Vec<_> = (0..500)
            .map(|_| {
                let micros = lcg(&mut seed) % 20_000;
                weave::spawn(async move {
                    let want = Duration::from_micros(micros);
                    let start = Instant::now();
                    sleep(want).await;
                    (start.elapsed(), want)
                })
            })
            .collect();
        for h in handles {
            let (slept, want) = h.await.unwrap();
            assert!(slept >= want, "woke after {slept:?}, asked for {want:?}");
        }
    });
    assert_eq!(rt.pending_timers(), 0);
}

#[test]
fn a_hundred_thousand_concurrent_sleeps_complete() {
    let rt = rt(2);
    let done = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut seed = 42;
        let handles: Vec<_> = (0..100_000)
            .map(|_| {
                let ms = 1 + lcg(&mut seed) % 50;
                let done = done.clone();
                weave::spawn(async move {
                    let deadline = Instant::now() + Duration::from_millis(ms);
                    sleep_until(deadline).await;
                    assert!(Instant::now() >= deadline);
                    done.fetch_add(1, SeqCst);
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(done.load(SeqCst), 100_000);
    assert_eq!(rt.pending_timers(), 0);
}

#[test]
fn zero_and_past_deadlines_complete_at_once_without_a_timer() {
    let rt = rt(1);
    rt.block_on(async {
        sleep(Duration::ZERO).await;
        sleep_until(Instant::now() - Duration::from_secs(5)).await;
    });
    assert_eq!(rt.pending_timers(), 0);
}

#[test]
fn duration_max_never_completes_and_registers_nothing() {
    let rt = rt(1);
    rt.block_on(async {
        let result = wait_for(sleep(Duration::MAX), Duration::from_millis(10)).await;
        assert!(result.is_err());
        assert!(sleep(Duration::MAX).deadline().is_none());
    });
    assert_eq!(rt.pending_timers(), 0);
}

#[test]
fn dropping_a_pending_sleep_removes_its_timer() {
    let rt = rt(2);
    rt.block_on(async {
        for _ in 0..10_000 {
            // Polled once (registers), then dropped by the timeout.
            let r = wait_for(sleep(Duration::from_secs(3600)), Duration::ZERO).await;
            assert!(r.is_err());
        }
    });
    assert_eq!(rt.pending_timers(), 0, "cancel churn left entries behind");
}

#[test]
fn timers_fire_while_every_worker_is_busy() {
    let rt = rt(2);
    let stop = Arc::new(AtomicBool::new(false));
    let hard_limit = Instant::now() + Duration::from_secs(60);
    rt.block_on(async {
        let spinners: Vec<_> = (0..2)
            .map(|_| {
                let stop = stop.clone();
                weave::spawn(async move {
                    // Keep both workers busy: always ready, never idle.
                    while !stop.load(SeqCst) {
                        assert!(Instant::now() < hard_limit, "the timer never fired");
                        weave::yield_now().await;
                    }
                })
            })
            .collect();
        let timer = weave::spawn({
            let stop = stop.clone();
            async move {
                sleep(Duration::from_millis(20)).await;
                stop.store(true, SeqCst);
            }
        });
        timer.await.unwrap();
        for s in spinners {
            s.await.unwrap();
        }
    });
}

#[test]
fn an_earlier_timer_wakes_a_driver_sleeping_until_a_later_one() {
    let rt = rt(2);
    let handle = rt.handle();
    // The idle runtime sleeps until this far timer.
    let far = rt.spawn(async { sleep(Duration::from_secs(600)).await });
    std::thread::sleep(Duration::from_millis(50));
    // Registered from a foreign thread, much earlier.
    let start = Instant::now();
    let near = std::thread::spawn(move || {
        handle.block_on(async { sleep(Duration::from_millis(5)).await })
    });
    near.join().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "the driver slept through an earlier timer"
    );
    far.cancel();
}

#[test]
#[should_panic(expected = "sleep called outside a runtime")]
fn sleep_outside_a_runtime_panics() {
    drop(sleep(Duration::from_millis(1)));
}

/// Polls `future` once with the task's own waker.
async fn poll_once<F: std::future::Future + Unpin>(future: &mut F) -> std::task::Poll<F::Output> {
    std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut *future).poll(cx)))
        .await
}

#[test]
fn zero_and_past_deadlines_complete_on_the_first_poll_after_the_timers_went_quiet() {
    let rt = rt(1);
    rt.block_on(async {
        // The driver last read the clock for this sleep; then nothing uses
        // timers for a while, so its reading goes stale.
        sleep(Duration::from_millis(1)).await;
        std::thread::sleep(Duration::from_millis(10));
        let mut zero = sleep(Duration::ZERO);
        assert!(
            poll_once(&mut zero).await.is_ready(),
            "sleep(ZERO) was pending"
        );
        let mut past = sleep_until(Instant::now() - Duration::from_millis(1));
        assert!(
            poll_once(&mut past).await.is_ready(),
            "sleep_until(past) was pending"
        );
        let mut timeout = Box::pin(wait_for(std::future::pending::<()>(), Duration::ZERO));
        let polled = poll_once(&mut timeout).await;
        assert!(
            matches!(polled, std::task::Poll::Ready(Err(_))),
            "wait_for(pending, ZERO) did not time out at once"
        );
    });
}

/// A `Sleep` of a dropped runtime: its poll panics with a message that
/// says why; it never completes (that would be early) and never hangs.
fn poll_orphan(mut sleep: weave::time::Sleep) -> String {
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        std::future::Future::poll(std::pin::Pin::new(&mut sleep), &mut cx)
    }));
    match polled {
        Ok(poll) => panic!("a sleep of a dropped runtime returned {poll:?}"),
        Err(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    }
}

#[test]
fn a_sleep_that_outlives_its_runtime_never_fires_early() {
    let rt = rt(1);
    let (registered, unpolled) = rt.block_on(async {
        let mut registered = sleep(Duration::from_secs(30));
        assert!(poll_once(&mut registered).await.is_pending());
        (registered, sleep(Duration::from_secs(30)))
    });
    drop(rt);
    for orphan in [registered, unpolled] {
        let msg = poll_orphan(orphan);
        assert!(
            msg.contains("after its runtime was dropped"),
            "unclear message: {msg}"
        );
    }
}

#[test]
fn a_sleep_that_fired_before_its_runtime_was_dropped_still_completes() {
    let rt = rt(2);
    // A registered sleep: one whose first poll found its deadline still
    // ahead. (On a loaded machine the thread can lose the millisecond
    // between creating a sleep and polling it: then take another.)
    let fired = rt.block_on(async {
        for _ in 0..1_000 {
            let mut fired = sleep(Duration::from_millis(1));
            if poll_once(&mut fired).await.is_pending() {
                return Some(fired);
            }
        }
        None
    });
    let fired = fired.expect("no sleep of 1 ms was still pending at its first poll");
    // Fired by a worker (its entry leaves the wheel), not yet polled again.
    let deadline = Instant::now() + Duration::from_secs(20);
    while rt.pending_timers() > 0 {
        assert!(Instant::now() < deadline, "the timer never fired");
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(rt);
    let mut fired = fired;
    let waker = std::task::Waker::noop();
    let polled = std::future::Future::poll(
        std::pin::Pin::new(&mut fired),
        &mut std::task::Context::from_waker(waker),
    );
    assert!(
        polled.is_ready(),
        "a fired sleep must complete, even after its runtime is gone"
    );
}
