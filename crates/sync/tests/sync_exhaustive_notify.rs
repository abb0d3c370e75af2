//! Exhaustive poll-level tests of Event, Condition and Barrier: every
//! order of poll, spurious poll, cancel, set / clear, notify / notify_all
//! and an outside holder of the condition's lock, over two or three
//! waiters, against a model: no waiter returns without being released, no
//! release (set, notification, a full barrier) is lost, cancelled waiters
//! pass on what they were handed.

mod support;

use std::cell::Cell;
use std::rc::Rc;
use support::explore::{actor_ops, explore, explore_all, no_lost_wakeup, settle, Actor, Model};
use weave_sync::{Barrier, BarrierWaitResult, Condition, Event, Lock, LockGuard};

// ---------------------------------------------------------------- Event

/// `N` waiters; ops `2N` and `2N + 1` set and clear the event.
struct EventModel<const N: usize> {
    event: Event,
    actors: Vec<Actor<()>>,
    clock: usize,
    /// Released by a `set` while waiting: must return, even if cleared.
    owed: [bool; N],
    sets: usize,
    clears: usize,
}

impl<const N: usize> EventModel<N> {
    /// The op that sets the event; the one after it clears it.
    const SET: usize = 2 * N;
}

impl<const N: usize> Model for EventModel<N> {
    fn ops() -> Vec<String> {
        let names: Vec<String> = (0..N).map(|i| format!("w{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut ops = actor_ops(&refs);
        ops.push("set".into());
        ops.push("clear".into());
        ops
    }

    fn new() -> Self {
        let event = Event::new();
        let actors = (0..N)
            .map(|_| {
                let event = event.clone();
                Actor::new(move || async move { event.wait().await })
            })
            .collect();
        EventModel {
            event,
            actors,
            clock: 0,
            owed: [false; N],
            sets: 0,
            clears: 0,
        }
    }

    fn enabled(&self, op: usize) -> bool {
        if op < N {
            self.actors[op].can_poll()
        } else if op < 2 * N {
            self.actors[op - N].can_drop()
        } else if op == Self::SET {
            self.sets < 2
        } else {
            self.clears < 1
        }
    }

    fn apply(&mut self, op: usize) -> Result<(), String> {
        match op {
            _ if op < N => {
                let set = self.event.is_set();
                if self.actors[op].poll(&mut self.clock) {
                    if !set && !self.owed[op] {
                        return Err(format!(
                            "actor {op} returned though the event was never set for it"
                        ));
                    }
                    // Nothing is held after an event wait: done.
                    let _ = self.actors[op].drop_now();
                }
            }
            _ if op < 2 * N => drop(self.actors[op - N].drop_now()),
            _ if op == Self::SET => {
                self.sets += 1;
                for (i, a) in self.actors.iter().enumerate() {
                    if a.is_pending() && a.queued_at.is_some() {
                        self.owed[i] = true;
                    }
                }
                self.event.set();
            }
            _ => {
                self.clears += 1;
                self.event.clear();
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        settle(
            &mut self,
            N,
            |m, i| m.actors[i].is_holding(),
            |m, i| m.actors[i].woken(),
        )?;
        no_lost_wakeup(&mut self.actors, &mut self.clock)?;
        for (i, a) in self.actors.iter().enumerate() {
            if a.is_pending() && (self.owed[i] || self.event.is_set()) {
                return Err(format!("actor {i} still waits for a set that happened"));
            }
        }
        Ok(())
    }
}

#[test]
fn event_every_order_of_two_waiters_set_and_clear() {
    explore_all::<EventModel<2>>(12);
}

#[test]
fn event_three_waiters_to_depth_nine() {
    explore::<EventModel<3>>(9);
}

// ---------------------------------------------------------------- Condition

/// Where a condition actor's future is, as its own code reports it.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum Stage {
    Locking,
    Waiting,
}

/// Model of one waiter, Python's semantics.
#[derive(Copy, Clone, Default, Debug)]
struct CondState {
    /// In the condition's list since this clock value.
    registered: Option<usize>,
    /// Notified and not yet returned from `wait`.
    notified: bool,
}

const NOTIFY_ONE: usize = 0;
const NOTIFY_ALL: usize = 1;
const HOLD: usize = 2;
const UNHOLD: usize = 3;

/// `N` actors, each: lock, `wait(guard)`, return holding the guard.
struct CondModel<const N: usize> {
    lock: Lock<u32>,
    cond: Condition<u32>,
    actors: Vec<Actor<LockGuard<u32>>>,
    stages: Vec<Rc<Cell<Stage>>>,
    model: Vec<CondState>,
    clock: usize,
    reg_clock: usize,
    outside: Option<LockGuard<u32>>,
    notifies: usize,
    holds: usize,
}

impl<const N: usize> CondModel<N> {
    /// The condition's own count of waiters not yet notified.
    fn listed(&self) -> usize {
        let debug = format!("{:?}", self.cond);
        debug
            .split("waiters: ")
            .nth(1)
            .and_then(|rest| rest.trim_end_matches([' ', '}']).parse().ok())
            .unwrap_or_else(|| panic!("cannot read the waiter count from {debug}"))
    }

    /// Notifies the first `n` registered waiters, in registration order.
    fn notify_model(&mut self, n: usize) {
        let mut order: Vec<usize> = (0..N)
            .filter(|&i| self.model[i].registered.is_some())
            .collect();
        order.sort_by_key(|&i| self.model[i].registered);
        for &i in order.iter().take(n) {
            self.model[i].registered = None;
            self.model[i].notified = true;
        }
    }

    fn check_count(&self) -> Result<(), String> {
        let expected = self.model.iter().filter(|s| s.registered.is_some()).count();
        let listed = self.listed();
        if listed != expected {
            return Err(format!(
                "the condition lists {listed} waiters, the model {expected}: {:?}",
                self.model
            ));
        }
        Ok(())
    }
}

impl<const N: usize> Model for CondModel<N> {
    fn ops() -> Vec<String> {
        let names: Vec<String> = (0..N).map(|i| format!("w{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut ops = actor_ops(&refs);
        for op in ["notify(1)", "notify_all", "outside lock", "outside unlock"] {
            ops.push(op.into());
        }
        ops
    }

    fn new() -> Self {
        let lock = Lock::new(0);
        let cond = Condition::new(lock.clone());
        let stages: Vec<_> = (0..N).map(|_| Rc::new(Cell::new(Stage::Locking))).collect();
        let actors = stages
            .iter()
            .map(|stage| {
                let (cond, stage) = (cond.clone(), stage.clone());
                Actor::new(move || async move {
                    let guard = cond.lock().await;
                    stage.set(Stage::Waiting);
                    cond.wait(guard).await
                })
            })
            .collect();
        CondModel {
            lock,
            cond,
            actors,
            stages,
            model: vec![CondState::default(); N],
            clock: 0,
            reg_clock: 0,
            outside: None,
            notifies: 0,
            holds: 0,
        }
    }

    fn enabled(&self, op: usize) -> bool {
        if op < N {
            return self.actors[op].can_poll();
        }
        if op < 2 * N {
            return self.actors[op - N].can_drop();
        }
        match op - 2 * N {
            NOTIFY_ONE | NOTIFY_ALL => self.notifies < 2,
            HOLD => self.outside.is_none() && self.holds < 1,
            UNHOLD => self.outside.is_some(),
            _ => false,
        }
    }

    fn apply(&mut self, op: usize) -> Result<(), String> {
        if op < N {
            let before = self.stages[op].get();
            let done = self.actors[op].poll(&mut self.clock);
            if done {
                if !self.model[op].notified {
                    return Err(format!("w{op} returned from wait without a notification"));
                }
                self.model[op].notified = false;
            } else if before == Stage::Locking && self.stages[op].get() == Stage::Waiting {
                // It took the lock, registered, and released the lock.
                self.reg_clock += 1;
                self.model[op].registered = Some(self.reg_clock);
            }
        } else if op < 2 * N {
            let i = op - N;
            let was_waiting = self.actors[i].is_pending();
            drop(self.actors[i].drop_now());
            if was_waiting {
                let state = std::mem::take(&mut self.model[i]);
                if state.notified {
                    // Python 3.13: a cancelled waiter re-notifies one other.
                    self.notify_model(1);
                }
            }
        } else {
            match op - 2 * N {
                NOTIFY_ONE => {
                    self.notifies += 1;
                    self.cond.notify(1);
                    self.notify_model(1);
                }
                NOTIFY_ALL => {
                    self.notifies += 1;
                    self.cond.notify_all();
                    self.notify_model(usize::MAX);
                }
                HOLD => {
                    self.holds += 1;
                    self.outside = self.lock.try_lock();
                }
                UNHOLD => self.outside = None,
                _ => unreachable!(),
            }
        }
        let holders = self.actors.iter().filter(|a| a.is_holding()).count()
            + usize::from(self.outside.is_some());
        if holders > 1 {
            return Err(format!("{holders} hold the condition's lock at once"));
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        self.outside = None;
        settle(
            &mut self,
            N,
            |m, i| m.actors[i].is_holding(),
            |m, i| m.actors[i].woken(),
        )?;
        no_lost_wakeup(&mut self.actors, &mut self.clock)?;
        for i in 0..N {
            if self.model[i].notified {
                return Err(format!(
                    "w{i} was notified but never returned (lost notification)"
                ));
            }
            if self.actors[i].is_pending() && self.stages[i].get() == Stage::Locking {
                return Err(format!("w{i} still waits for a free lock"));
            }
        }
        self.check_count()
    }
}

#[test]
fn condition_two_waiters_notify_and_an_outside_holder_to_depth_ten() {
    explore::<CondModel<2>>(10);
}

#[test]
fn condition_three_waiters_to_depth_seven() {
    explore::<CondModel<3>>(7);
}

// ---------------------------------------------------------------- Barrier

const PARTIES: usize = 2;

struct BarrierModel {
    barrier: Barrier,
    actors: Vec<Actor<BarrierWaitResult>>,
    clock: usize,
    /// Arrived in the current generation and still waiting.
    arrived: Vec<usize>,
    /// Released by a full barrier, not yet returned.
    released: [bool; 3],
}

impl Model for BarrierModel {
    fn ops() -> Vec<String> {
        actor_ops(&["a", "b", "c"])
    }

    fn new() -> Self {
        let barrier = Barrier::new(PARTIES);
        let actors = (0..3)
            .map(|_| {
                let barrier = barrier.clone();
                Actor::new(move || async move { barrier.wait().await })
            })
            .collect();
        BarrierModel {
            barrier,
            actors,
            clock: 0,
            arrived: Vec::new(),
            released: [false; 3],
        }
    }

    fn enabled(&self, op: usize) -> bool {
        if op < 3 {
            self.actors[op].can_poll()
        } else {
            self.actors[op - 3].can_drop()
        }
    }

    fn apply(&mut self, op: usize) -> Result<(), String> {
        if op < 3 {
            let first = self.actors[op].queued_at.is_none();
            let done = self.actors[op].poll(&mut self.clock);
            let leader = self.actors[op].held().map(BarrierWaitResult::is_leader);
            match (first, done) {
                (true, true) => {
                    // The last to arrive: it leads, the others are released.
                    if self.arrived.len() + 1 != PARTIES {
                        return Err(format!(
                            "{op} passed a barrier with {} waiting",
                            self.arrived.len()
                        ));
                    }
                    if leader != Some(true) {
                        return Err(format!("{op} tripped the barrier but is not the leader"));
                    }
                    for i in self.arrived.drain(..) {
                        self.released[i] = true;
                    }
                }
                (true, false) => self.arrived.push(op),
                (false, true) => {
                    if !self.released[op] {
                        return Err(format!("{op} returned from an untripped barrier"));
                    }
                    if leader != Some(false) {
                        return Err(format!("{op} was released but claims to lead"));
                    }
                    self.released[op] = false;
                }
                (false, false) => {}
            }
        } else {
            let i = op - 3;
            let _ = self.actors[i].drop_now();
            self.arrived.retain(|&a| a != i);
            self.released[i] = false;
        }
        if self.barrier.n_waiting() != self.arrived.len() {
            return Err(format!(
                "the barrier counts {} waiting, the model {}",
                self.barrier.n_waiting(),
                self.arrived.len()
            ));
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        settle(
            &mut self,
            3,
            |m, i| m.actors[i].is_holding(),
            |m, i| m.actors[i].woken(),
        )?;
        no_lost_wakeup(&mut self.actors, &mut self.clock)?;
        if let Some(i) = (0..3).find(|&i| self.released[i]) {
            return Err(format!("{i} was released but never returned"));
        }
        Ok(())
    }
}

#[test]
fn barrier_every_order_of_three_parties_on_a_barrier_of_two() {
    explore_all::<BarrierModel>(12);
}
