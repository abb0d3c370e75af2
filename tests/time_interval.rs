//! `interval`: the immediate first tick, no early ticks, skipped missed
//! ticks, and the zero-period panic.

use std::time::{Duration, Instant};

#[weave::test]
async fn ticks_come_on_the_grid_and_never_early() {
    let period = Duration::from_millis(5);
    let mut ticks = weave::interval(period);
    let first = ticks.tick().await;
    assert!(first <= Instant::now());
    let mut last = first;
    for n in 1..=5 {
        let t = ticks.tick().await;
        // A tick late by more than a period (a loaded machine) skips the
        // missed ones: on the grid and after the last, not necessarily the
        // next point of it.
        let since = t - first;
        assert_eq!(
            since.as_nanos() % period.as_nanos(),
            0,
            "tick {n} off the grid: {since:?}"
        );
        assert!(t > last, "tick {n} did not move forward");
        assert!(Instant::now() >= t, "tick {n} came early");
        last = t;
    }
}

#[weave::test]
async fn missed_ticks_are_skipped() {
    let period = Duration::from_millis(10);
    let mut ticks = weave::interval(period);
    let first = ticks.tick().await;
    // Busy for 3.5 periods: three ticks are missed.
    std::thread::sleep(Duration::from_millis(35));
    let before = Instant::now();
    let late = ticks.tick().await;
    // The overdue tick comes at once (it is already past), on the grid.
    assert!(
        late > first && late <= before,
        "the overdue tick was not the one due"
    );
    assert_eq!(
        (late - first).as_nanos() % period.as_nanos(),
        0,
        "off the grid"
    );
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
