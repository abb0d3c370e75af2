//! Exhaustive poll-level tests of Lock, RwLock, Semaphore and
//! BoundedSemaphore: every order of poll, drop (cancel or release), outside
//! release, forget, up to a depth, over two or three waiters, checked
//! against a model: mutual exclusion, FIFO (nobody barges past an earlier
//! waiter), no lost wake-up, and every permit back at the end.

mod support;

use support::explore::{actor_ops, explore_all, no_lost_wakeup, settle, Actor, Model};
use weave_sync::{BoundedSemaphore, Lock, Permit, RwLock, Semaphore};

/// FIFO: when `winner` gets what it waited for, every actor that started
/// waiting before it and still waits has been granted too (it was woken:
/// these scenarios have no spurious wake-ups), as several readers or
/// several permits are granted at once.
fn no_barging<G: 'static>(actors: &[Actor<G>], winner: usize) -> Result<(), String> {
    let Some(at) = actors[winner].queued_at else {
        // Served on its first poll: it was not in line, so it barged only
        // if someone was waiting (checked by the caller's state).
        return Ok(());
    };
    for (j, a) in actors.iter().enumerate() {
        if j != winner && a.is_pending() && !a.woken() && a.queued_at.is_some_and(|t| t < at) {
            return Err(format!(
                "actor {winner} was served before actor {j}, which waited longer"
            ));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- Lock

struct LockModel {
    lock: Lock<u32>,
    actors: Vec<Actor<weave_sync::LockGuard<u32>>>,
    clock: usize,
}

const LOCKERS: usize = 3;

impl Model for LockModel {
    fn ops() -> Vec<String> {
        actor_ops(&["a", "b", "c"])
    }

    fn new() -> Self {
        let lock = Lock::new(0);
        let actors = (0..LOCKERS)
            .map(|_| {
                let lock = lock.clone();
                Actor::new(move || async move { lock.lock().await })
            })
            .collect();
        LockModel {
            lock,
            actors,
            clock: 0,
        }
    }

    fn enabled(&self, op: usize) -> bool {
        if op < LOCKERS {
            self.actors[op].can_poll()
        } else {
            self.actors[op - LOCKERS].can_drop()
        }
    }

    fn apply(&mut self, op: usize) -> Result<(), String> {
        if op < LOCKERS {
            let waiting_before = self
                .actors
                .iter()
                .any(|a| a.queued_at.is_some() && a.is_pending());
            let fresh = self.actors[op].queued_at.is_none();
            if self.actors[op].poll(&mut self.clock) {
                if fresh && waiting_before {
                    return Err(format!("actor {op} took the lock past a waiter"));
                }
                no_barging(&self.actors, op)?;
            }
        } else {
            drop(self.actors[op - LOCKERS].drop_now());
        }
        let holders = self.actors.iter().filter(|a| a.is_holding()).count();
        if holders > 1 {
            return Err(format!("{holders} actors hold the lock at once"));
        }
        if holders == 1 && !self.lock.locked() {
            return Err("a guard is held but the lock reports unlocked".into());
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        settle(
            &mut self,
            LOCKERS,
            |m, i| m.actors[i].is_holding(),
            |m, i| m.actors[i].woken(),
        )?;
        no_lost_wakeup(&mut self.actors, &mut self.clock)?;
        if let Some(i) = self.actors.iter().position(|a| a.is_pending()) {
            return Err(format!("actor {i} still waits for a lock nobody holds"));
        }
        if self.lock.try_lock().is_none() {
            return Err("the lock was left locked with no guard".into());
        }
        Ok(())
    }
}

#[test]
fn lock_every_order_of_three_waiters() {
    explore_all::<LockModel>(12);
}

// ---------------------------------------------------------------- RwLock

/// What an actor holds; the guard itself is only held (dropping it is
/// the release).
enum RwGuard {
    Read(#[allow(dead_code)] weave_sync::RwLockReadGuard<u32>),
    Write(#[allow(dead_code)] weave_sync::RwLockWriteGuard<u32>),
}

/// Actors are readers or writers, by `WRITERS[i]`.
struct RwModel<const W0: bool, const W1: bool, const W2: bool> {
    lock: RwLock<u32>,
    actors: Vec<Actor<RwGuard>>,
    clock: usize,
}

impl<const W0: bool, const W1: bool, const W2: bool> RwModel<W0, W1, W2> {
    const WRITERS: [bool; 3] = [W0, W1, W2];
}

impl<const W0: bool, const W1: bool, const W2: bool> Model for RwModel<W0, W1, W2> {
    fn ops() -> Vec<String> {
        let names: Vec<String> = Self::WRITERS
            .iter()
            .enumerate()
            .map(|(i, &w)| format!("{}{i}", if w { "writer" } else { "reader" }))
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        actor_ops(&refs)
    }

    fn new() -> Self {
        let lock = RwLock::new(0);
        let actors = Self::WRITERS
            .iter()
            .map(|&writer| {
                let lock = lock.clone();
                Actor::new(move || async move {
                    if writer {
                        RwGuard::Write(lock.write().await)
                    } else {
                        RwGuard::Read(lock.read().await)
                    }
                })
            })
            .collect();
        RwModel {
            lock,
            actors,
            clock: 0,
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
            if self.actors[op].poll(&mut self.clock) {
                no_barging(&self.actors, op)?;
            }
        } else {
            drop(self.actors[op - 3].drop_now());
        }
        let readers = self
            .actors
            .iter()
            .filter(|a| matches!(a.held(), Some(RwGuard::Read(_))))
            .count();
        let writers = self
            .actors
            .iter()
            .filter(|a| matches!(a.held(), Some(RwGuard::Write(_))))
            .count();
        if writers > 1 || (writers == 1 && readers > 0) {
            return Err(format!(
                "{writers} writers and {readers} readers hold the lock at once"
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
        if let Some(i) = self.actors.iter().position(|a| a.is_pending()) {
            return Err(format!("actor {i} still waits for a free lock"));
        }
        if self.lock.try_write().is_none() {
            return Err("the lock was left held with no guard".into());
        }
        Ok(())
    }
}

#[test]
fn rwlock_every_order_of_two_readers_and_a_writer() {
    explore_all::<RwModel<false, true, false>>(12);
}

#[test]
fn rwlock_every_order_of_a_reader_and_two_writers() {
    explore_all::<RwModel<true, false, true>>(12);
}

// ---------------------------------------------------------------- Semaphore

/// Permits asked for by each actor: one of them asks for two (it holds
/// its place in line while collecting them), one for none.
const NEEDS: [usize; 3] = [1, 2, 0];
/// Ops after the actors' polls and drops.
const RELEASE: usize = 6;
const FORGET: usize = 7;

struct SemModel {
    sem: Semaphore,
    actors: Vec<Actor<Permit>>,
    clock: usize,
    /// Permits the semaphore should have in all (start + released - forgotten).
    total: usize,
    released: usize,
    forgotten: usize,
}

impl Model for SemModel {
    fn ops() -> Vec<String> {
        let mut ops = actor_ops(&["one", "two", "zero"]);
        ops.push("release".into());
        ops.push("forget a held permit".into());
        ops
    }

    fn new() -> Self {
        let sem = Semaphore::new(1);
        let actors = NEEDS
            .iter()
            .map(|&n| {
                let sem = sem.clone();
                Actor::new(move || async move { sem.acquire_many(n).await })
            })
            .collect();
        SemModel {
            sem,
            actors,
            clock: 0,
            total: 1,
            released: 0,
            forgotten: 0,
        }
    }

    fn enabled(&self, op: usize) -> bool {
        match op {
            0..3 => self.actors[op].can_poll(),
            3..6 => self.actors[op - 3].can_drop(),
            RELEASE => self.released < 1,
            FORGET => self.forgotten == 0 && self.actors.iter().any(|a| a.is_holding()),
            _ => false,
        }
    }

    fn apply(&mut self, op: usize) -> Result<(), String> {
        match op {
            0..3 => {
                if self.actors[op].poll(&mut self.clock) {
                    let got = self.actors[op].held().unwrap().num_permits();
                    if got != NEEDS[op] {
                        return Err(format!("actor {op} asked for {} and got {got}", NEEDS[op]));
                    }
                    if NEEDS[op] > 0 {
                        no_barging(&self.actors, op)?;
                    }
                }
            }
            3..6 => drop(self.actors[op - 3].drop_now()),
            RELEASE => {
                self.sem.release();
                self.released += 1;
                self.total += 1;
            }
            FORGET => {
                let i = self.actors.iter().position(|a| a.is_holding()).unwrap();
                self.actors[i].drop_now().unwrap().forget();
                self.forgotten += 1;
                self.total -= NEEDS[i];
            }
            _ => unreachable!(),
        }
        let held: usize = self
            .actors
            .iter()
            .filter_map(|a| a.held())
            .map(Permit::num_permits)
            .sum();
        if held + self.sem.available_permits() > self.total {
            return Err(format!(
                "{held} held + {} free permits, but only {} exist",
                self.sem.available_permits(),
                self.total
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
        let free = self.sem.available_permits();
        // FIFO: the first in line may wait only for more permits than
        // exist; everyone behind it waits for it.
        let front = (0..3)
            .filter(|&i| self.actors[i].is_pending())
            .min_by_key(|&i| self.actors[i].queued_at);
        if let Some(i) = front {
            if NEEDS[i] <= self.total {
                return Err(format!(
                    "actor {i} waits for {} permits, first in line, with {} in all ({free} free)",
                    NEEDS[i], self.total
                ));
            }
        }
        if !self.actors.iter().any(|a| a.is_pending()) && free != self.total {
            return Err(format!(
                "{free} permits free at the end, {} expected",
                self.total
            ));
        }
        Ok(())
    }
}

#[test]
fn semaphore_every_order_of_single_multi_and_zero_permit_waiters() {
    explore_all::<SemModel>(16);
}

// ---------------------------------------------------------------- BoundedSemaphore

const BOUND: usize = 2;

struct BoundedModel {
    sem: BoundedSemaphore,
    actors: Vec<Actor<Permit>>,
    clock: usize,
    /// Permits forgotten and not yet released back.
    out: usize,
    /// `release` calls made (accepted or refused).
    releases: usize,
}

impl Model for BoundedModel {
    fn ops() -> Vec<String> {
        let mut ops = actor_ops(&["a", "b", "c"]);
        ops.push("release".into());
        ops.push("forget a held permit".into());
        ops
    }

    fn new() -> Self {
        let sem = BoundedSemaphore::new(BOUND);
        let actors = (0..3)
            .map(|_| {
                let sem = sem.clone();
                Actor::new(move || async move { sem.acquire().await })
            })
            .collect();
        BoundedModel {
            sem,
            actors,
            clock: 0,
            out: 0,
            releases: 0,
        }
    }

    fn enabled(&self, op: usize) -> bool {
        match op {
            0..3 => self.actors[op].can_poll(),
            3..6 => self.actors[op - 3].can_drop(),
            RELEASE => self.releases < 2,
            FORGET => self.out == 0 && self.actors.iter().any(|a| a.is_holding()),
            _ => false,
        }
    }

    fn apply(&mut self, op: usize) -> Result<(), String> {
        match op {
            0..3 => {
                if self.actors[op].poll(&mut self.clock) {
                    no_barging(&self.actors, op)?;
                }
            }
            3..6 => drop(self.actors[op - 3].drop_now()),
            RELEASE => {
                self.releases += 1;
                let ok = self.sem.release().is_ok();
                if ok != (self.out > 0) {
                    return Err(format!(
                        "release() was {} with {} permits forgotten",
                        if ok { "accepted" } else { "refused" },
                        self.out
                    ));
                }
                if ok {
                    self.out -= 1;
                }
            }
            FORGET => {
                let i = self.actors.iter().position(|a| a.is_holding()).unwrap();
                self.actors[i].drop_now().unwrap().forget();
                self.out += 1;
            }
            _ => unreachable!(),
        }
        let held = self.actors.iter().filter(|a| a.is_holding()).count();
        if held + self.sem.available_permits() + self.out > BOUND {
            return Err(format!(
                "{held} held + {} free + {} forgotten exceed the bound {BOUND}",
                self.sem.available_permits(),
                self.out
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
        let free = self.sem.available_permits();
        if free > 0 {
            if let Some(i) = self.actors.iter().position(|a| a.is_pending()) {
                return Err(format!("actor {i} waits while {free} permits are free"));
            }
        }
        if !self.actors.iter().any(|a| a.is_pending()) && free + self.out != BOUND {
            return Err(format!(
                "{free} free + {} forgotten at the end, {BOUND} expected",
                self.out
            ));
        }
        Ok(())
    }
}

#[test]
fn bounded_semaphore_every_order_with_forget_and_release() {
    explore_all::<BoundedModel>(16);
}
