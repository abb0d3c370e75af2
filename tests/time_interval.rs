//! `interval`: the immediate first tick, no early ticks, skipped missed
//! ticks, and the zero-period panic.

use std::time::{Duration, Instant};

#[weave::test]
async fn ticks_come_on_the_grid_and_never_early() {
    let period = Duration::from_millis(5);
    let mut ticks = weave::interval(period);
    let first = ticks.tick().await;
    assert!(first <= Instant::now());
    for n in 1..=5u32 {
        let t = ticks.tick().await;
        assert_eq!(t, first + period * n, "tick {n} off the grid");
        assert!(Instant::now() >= t, "tick {n} came early");
    }
}

#[weave::test]
async fn missed_ticks_are_skipped() {
    let period = Duration::from_millis(10);
    let mut ticks = weave::interval(period);
    let first = ticks.tick().await;
    // Busy for 3.5 periods: three ticks are missed.
    std::thread::sleep(Duration::from_millis(35));
    let late = ticks.tick().await;
    assert_eq!(late, first + period, "the overdue tick comes at once");
    let next = ticks.tick().await;
    let since = next - first;
    assert_eq!(
        since.as_nanos() % period.as_nanos(),
        0,
        "off the grid: {since:?}"
    );
    assert!(
        next >= first + period * 4,
        "the missed ticks were replayed: {since:?}"
    );
}

#[test]
#[should_panic(expected = "interval(Duration::ZERO)")]
fn a_zero_period_panics() {
    weave::run(async {
        let _ = weave::interval(Duration::ZERO);
    });
}
