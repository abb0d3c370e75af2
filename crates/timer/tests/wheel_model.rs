//! Property test: the wheel against a `BTreeMap` model, over random
//! interleavings of insert, cancel and advance, with small steps, huge
//! jumps and deadlines near `u64::MAX`.

use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};
use weave_timer::{Key, Wheel};

#[derive(Debug, Clone)]
enum Op {
    /// Insert at `elapsed + offset` (saturating), or at an absolute tick.
    InsertIn(u64),
    InsertAt(u64),
    /// Cancel the n-th key ever handed out (live, fired or cancelled).
    Cancel(usize),
    /// Advance by a delta (saturating).
    Advance(u64),
    /// Advance to exactly the wheel's `next_deadline`.
    AdvanceToNext,
}

fn offset() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..70,
        3 => 0u64..5_000,
        2 => 0u64..10_000_000,
        1 => any::<u64>(),
        1 => (0u64..64).prop_map(|k| 1u64 << k),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => offset().prop_map(Op::InsertIn),
        1 => prop_oneof![Just(u64::MAX), Just(u64::MAX - 1), Just(0u64), any::<u64>()].prop_map(Op::InsertAt),
        2 => any::<usize>().prop_map(Op::Cancel),
        3 => offset().prop_map(Op::Advance),
        2 => Just(Op::AdvanceToNext),
    ]
}

struct Model {
    /// (deadline, id) of every live entry.
    live: BTreeSet<(u64, usize)>,
    deadline_of: HashMap<usize, u64>,
    now: u64,
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut wheel: Wheel<usize> = Wheel::new();
    let mut model = Model {
        live: BTreeSet::new(),
        deadline_of: HashMap::new(),
        now: 0,
    };
    let mut keys: Vec<Key> = Vec::new();
    let mut fired_ever: BTreeSet<usize> = BTreeSet::new();
    // Entries inserted already due: they fire first, in no set order.
    let mut overdue: BTreeSet<usize> = BTreeSet::new();

    let advance = |wheel: &mut Wheel<usize>,
                   model: &mut Model,
                   fired_ever: &mut BTreeSet<usize>,
                   overdue: &BTreeSet<usize>,
                   to: u64|
     -> Result<(), TestCaseError> {
        let to = to.max(model.now);
        let mut fired = Vec::new();
        wheel.advance(to, |id| fired.push(id));
        model.now = to;
        let expected: Vec<usize> = model
            .live
            .iter()
            .take_while(|(when, _)| *when <= to)
            .map(|&(_, id)| id)
            .collect();
        let mut got = fired.clone();
        got.sort_unstable();
        let mut want = expected.clone();
        want.sort_unstable();
        prop_assert_eq!(&got, &want, "fired set at {}", to);
        // In deadline order, after the overdue ones.
        let deadlines: Vec<u64> = fired
            .iter()
            .filter(|id| !overdue.contains(id))
            .map(|id| model.deadline_of[id])
            .collect();
        prop_assert!(
            deadlines.windows(2).all(|w| w[0] <= w[1]),
            "out of order: {:?}",
            deadlines
        );
        for id in fired {
            prop_assert!(model.deadline_of[&id] <= to, "fired early");
            prop_assert!(fired_ever.insert(id), "fired twice");
            model.live.remove(&(model.deadline_of[&id], id));
        }
        prop_assert_eq!(wheel.elapsed(), to);
        Ok(())
    };

    for op in ops {
        match op {
            Op::InsertIn(off) => {
                let when = model.now.saturating_add(off);
                let id = keys.len();
                if when <= model.now {
                    overdue.insert(id);
                }
                keys.push(wheel.insert(when, id));
                model.live.insert((when, id));
                model.deadline_of.insert(id, when);
            }
            Op::InsertAt(when) => {
                let id = keys.len();
                if when <= model.now {
                    overdue.insert(id);
                }
                keys.push(wheel.insert(when, id));
                model.live.insert((when, id));
                model.deadline_of.insert(id, when);
            }
            Op::Cancel(n) => {
                if keys.is_empty() {
                    continue;
                }
                let id = n % keys.len();
                let got = wheel.cancel(keys[id]);
                let when = model.deadline_of[&id];
                let was_live = model.live.remove(&(when, id));
                prop_assert_eq!(got, was_live.then_some(id), "cancel of {}", id);
            }
            Op::Advance(delta) => {
                let to = model.now.saturating_add(delta);
                advance(&mut wheel, &mut model, &mut fired_ever, &overdue, to)?;
            }
            Op::AdvanceToNext => {
                if let Some(next) = wheel.next_deadline() {
                    advance(&mut wheel, &mut model, &mut fired_ever, &overdue, next)?;
                }
            }
        }
        prop_assert_eq!(wheel.len(), model.live.len());
        match (wheel.next_deadline(), model.live.iter().next()) {
            (None, None) => {}
            (Some(next), Some(&(earliest, _))) => {
                prop_assert!(
                    next <= earliest.max(model.now),
                    "next_deadline {} later than {}",
                    next,
                    earliest
                );
                prop_assert!(
                    next >= model.now,
                    "next_deadline {} behind the clock {}",
                    next,
                    model.now
                );
            }
            (next, earliest) => prop_assert!(
                false,
                "next_deadline {:?} but earliest {:?}",
                next,
                earliest
            ),
        }
    }
    // Draining by following next_deadline reaches every entry, each within
    // a bounded number of steps (one per level at most, plus the exact one).
    let mut steps = 0;
    while let Some(next) = wheel.next_deadline() {
        let before = wheel.len();
        advance(&mut wheel, &mut model, &mut fired_ever, &overdue, next)?;
        steps = if wheel.len() < before { 0 } else { steps + 1 };
        prop_assert!(steps <= 12, "next_deadline made no progress");
    }
    prop_assert!(model.live.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn wheel_matches_the_model(ops in prop::collection::vec(op(), 1..200)) {
        run(ops)?;
    }
}

#[test]
fn cancel_heavy_churn_leaves_the_wheel_empty_and_reuses_storage() {
    let mut wheel = Wheel::new();
    for round in 0..1_000u64 {
        let keys: Vec<Key> = (0..100)
            .map(|i| wheel.insert(round * 10 + 50 + i, i))
            .collect();
        for key in keys {
            assert!(wheel.cancel(key).is_some());
            assert!(wheel.cancel(key).is_none(), "a second cancel must miss");
        }
        wheel.advance(round * 10, |_| panic!("nothing is due"));
    }
    assert!(wheel.is_empty());
    assert_eq!(wheel.next_deadline(), None);
}

#[test]
fn a_stale_key_never_reaches_a_reused_entry() {
    let mut wheel = Wheel::new();
    let old = wheel.insert(10, "old");
    wheel.advance(10, |_| {});
    let new = wheel.insert(20, "new"); // reuses the storage of "old"
    assert_eq!(wheel.cancel(old), None);
    assert_eq!(wheel.get_mut(old), None);
    assert_eq!(wheel.cancel(new), Some("new"));
}

#[test]
fn u64_max_deadlines_fire_only_at_u64_max() {
    let mut wheel = Wheel::new();
    wheel.insert(u64::MAX, 1);
    wheel.insert(u64::MAX - 1, 2);
    let mut fired = Vec::new();
    wheel.advance(u64::MAX - 2, |v| fired.push(v));
    assert!(fired.is_empty());
    wheel.advance(u64::MAX - 1, |v| fired.push(v));
    assert_eq!(fired, [2]);
    wheel.advance(u64::MAX, |v| fired.push(v));
    assert_eq!(fired, [2, 1]);
}

#[test]
fn past_deadlines_fire_on_the_next_advance() {
    let mut wheel = Wheel::starting_at(1_000);
    wheel.insert(5, 'a');
    wheel.insert(1_000, 'b');
    assert_eq!(wheel.next_deadline(), Some(1_000));
    let mut fired = Vec::new();
    wheel.advance(1_000, |v| fired.push(v));
    fired.sort();
    assert_eq!(fired, ['a', 'b']);
}
