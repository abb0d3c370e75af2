//! Exhaustive exploration of small scenarios at the poll level.
//!
//! A [`Model`] is one scenario: a primitive, a few waiting futures and the
//! operations a hostile program can do to them (poll, drop, release, put,
//! notify, shutdown...). [`explore`] runs **every** sequence of enabled
//! operations up to a depth — not a random sample — each from a fresh
//! scenario (the futures cannot be cloned, so a sequence is replayed from
//! the start), and after every prefix lets the model check its invariants
//! and then [`Model::finish`]: settle what is left (poll what was woken,
//! release what is held) and check that nothing was lost — every permit,
//! item and notification ended with a live waiter or back in the
//! primitive, and no waiter sleeps while what it waits for is there.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// One scenario; see the module docs.
pub trait Model {
    /// Names of the operations, indexed by operation number.
    fn ops() -> Vec<String>;
    /// A fresh scenario.
    fn new() -> Self;
    /// True if `op` can be done now (a dropped future cannot be polled).
    fn enabled(&self, op: usize) -> bool;
    /// Does `op`, checking what must hold right after it.
    fn apply(&mut self, op: usize) -> Result<(), String>;
    /// Settles the scenario and checks that nothing was lost.
    fn finish(self) -> Result<(), String>;
}

/// Runs every sequence of up to `depth` enabled operations of `M`; returns
/// how many sequences were checked. Panics naming the first failing
/// sequence; sequences are tried shortest first (iterative deepening), so
/// that is a shortest one.
pub fn explore<M: Model>(depth: usize) -> usize {
    deepen::<M>(depth).0
}

/// As [`explore`], and asserts that `depth` was enough to reach the end of
/// every sequence (no operation was left enabled): the scenario was
/// explored completely.
pub fn explore_all<M: Model>(depth: usize) -> usize {
    let (checked, cut) = deepen::<M>(depth);
    assert!(
        !cut,
        "depth {depth} does not reach the end of every sequence; raise it"
    );
    checked
}

/// Iterative deepening up to `depth`, stopping early once no sequence can
/// go on; returns the sequences checked and whether `depth` cut some.
/// `EXPLORE_VERBOSE=1` prints the count at each depth.
fn deepen<M: Model>(depth: usize) -> (usize, bool) {
    let names = M::ops();
    let mut checked = 0;
    let mut cut = false;
    for d in 0..=depth {
        cut = false;
        walk::<M>(&names, &mut Vec::new(), d, &mut checked, &mut cut);
        if std::env::var_os("EXPLORE_VERBOSE").is_some() {
            eprintln!("depth {d}: {checked} sequences so far, deeper ones exist: {cut}");
        }
        if !cut {
            break;
        }
    }
    (checked, cut)
}

/// Checks every sequence of exactly `depth` operations that extends `seq`;
/// sets `cut` if one of them could go on.
fn walk<M: Model>(
    names: &[String],
    seq: &mut Vec<usize>,
    depth: usize,
    checked: &mut usize,
    cut: &mut bool,
) {
    let fail = |seq: &[usize], at: &str, err: String| -> ! {
        let steps: Vec<&str> = seq.iter().map(|&op| names[op].as_str()).collect();
        panic!("{at} after [{}]: {err}", steps.join(", "));
    };
    let mut model = M::new();
    for (i, &op) in seq.iter().enumerate() {
        if let Err(e) = model.apply(op) {
            fail(&seq[..=i], "invariant broken", e);
        }
    }
    if seq.len() == depth {
        *cut |= (0..names.len()).any(|op| model.enabled(op));
        if let Err(e) = model.finish() {
            fail(seq, "something was lost", e);
        }
        *checked += 1;
        return;
    }
    let enabled: Vec<usize> = (0..names.len()).filter(|&op| model.enabled(op)).collect();
    drop(model);
    for op in enabled {
        seq.push(op);
        walk::<M>(names, seq, depth, checked, cut);
        seq.pop();
    }
}

#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

/// A future under test with a waker of its own that records wake-ups.
pub struct Task<T> {
    future: Pin<Box<dyn Future<Output = T>>>,
    flag: Arc<Flag>,
    waker: Waker,
}

impl<T> Task<T> {
    pub fn new(future: impl Future<Output = T> + 'static) -> Task<T> {
        let flag = Arc::new(Flag::default());
        Task {
            future: Box::pin(future),
            waker: Waker::from(flag.clone()),
            flag,
        }
    }

    /// Polls once (clearing the woken flag first).
    pub fn poll(&mut self) -> Poll<T> {
        self.flag.0.store(false, SeqCst);
        self.future
            .as_mut()
            .poll(&mut Context::from_waker(&self.waker))
    }

    /// True if woken since the last poll.
    pub fn woken(&self) -> bool {
        self.flag.0.load(SeqCst)
    }
}

/// Where one actor of a scenario is: not started, waiting in its future,
/// holding what the future gave (a guard, a permit, an item), or finished.
pub enum Phase<G> {
    Idle,
    Pending(Task<G>),
    Holding(G),
    Done,
}

/// An actor: a future it starts on its first poll, and its phase.
pub struct Actor<G> {
    pub phase: Phase<G>,
    start: Option<Box<dyn FnOnce() -> Task<G>>>,
    /// When it first waited (its place in line), if it did.
    pub queued_at: Option<usize>,
    /// Polls in a row that found it pending and not woken (spurious).
    idle_polls: usize,
}

impl<G: 'static> Actor<G> {
    pub fn new<F: Future<Output = G> + 'static>(start: impl FnOnce() -> F + 'static) -> Actor<G> {
        Actor {
            phase: Phase::Idle,
            start: Some(Box::new(move || Task::new(start()))),
            queued_at: None,
            idle_polls: 0,
        }
    }

    /// Idle, woken, or waiting and not yet polled spuriously: one
    /// spurious poll (it re-registers the same waker) is explored, more in
    /// a row would only repeat it.
    pub fn can_poll(&self) -> bool {
        match &self.phase {
            Phase::Idle => true,
            Phase::Pending(t) => t.woken() || self.idle_polls < 1,
            _ => false,
        }
    }

    pub fn can_drop(&self) -> bool {
        matches!(self.phase, Phase::Pending(_) | Phase::Holding(_))
    }

    pub fn is_pending(&self) -> bool {
        matches!(self.phase, Phase::Pending(_))
    }

    pub fn is_holding(&self) -> bool {
        matches!(self.phase, Phase::Holding(_))
    }

    pub fn woken(&self) -> bool {
        matches!(&self.phase, Phase::Pending(t) if t.woken())
    }

    /// Starts (first poll) or re-polls the future; true if it completed
    /// (the actor now holds its output). `clock` numbers first waits.
    pub fn poll(&mut self, clock: &mut usize) -> bool {
        if let Phase::Idle = self.phase {
            let start = self.start.take().expect("an idle actor can start");
            self.phase = Phase::Pending(start());
        }
        let Phase::Pending(task) = &mut self.phase else {
            panic!("polled an actor that is not waiting");
        };
        if self.queued_at.is_some() && !task.woken() {
            self.idle_polls += 1;
        } else {
            self.idle_polls = 0;
        }
        match task.poll() {
            Poll::Ready(out) => {
                self.phase = Phase::Holding(out);
                true
            }
            Poll::Pending => {
                if self.queued_at.is_none() {
                    *clock += 1;
                    self.queued_at = Some(*clock);
                }
                false
            }
        }
    }

    /// Drops the future (cancel) or what it gave (release); returns what
    /// it held, if anything, for the caller to inspect before it drops.
    pub fn drop_now(&mut self) -> Option<G> {
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Holding(g) => Some(g),
            Phase::Pending(task) => {
                drop(task);
                None
            }
            other => {
                self.phase = other;
                panic!("dropped an actor that holds nothing");
            }
        }
    }

    pub fn held(&self) -> Option<&G> {
        match &self.phase {
            Phase::Holding(g) => Some(g),
            _ => None,
        }
    }
}

/// Settles a scenario of `n` actors whose ops `i` and `n + i` poll and
/// drop actor `i`: drops what is held (a release) and polls what was
/// woken, through the model's own `apply` (so its checks run), until
/// nothing moves.
pub fn settle<M: Model>(
    model: &mut M,
    n: usize,
    holding: impl Fn(&M, usize) -> bool,
    woken: impl Fn(&M, usize) -> bool,
) -> Result<(), String> {
    loop {
        let mut moved = false;
        for i in 0..n {
            if holding(model, i) {
                model.apply(n + i)?;
                moved = true;
            } else if woken(model, i) {
                model.apply(i)?;
                moved = true;
            }
        }
        if !moved {
            return Ok(());
        }
    }
}

/// Names `poll i` and `drop i` for `n` actors (ops `0..n` and `n..2n`).
pub fn actor_ops(names: &[&str]) -> Vec<String> {
    let mut ops: Vec<String> = names.iter().map(|n| format!("poll {n}")).collect();
    ops.extend(names.iter().map(|n| format!("drop {n}")));
    ops
}

/// After settling: a waiter still pending must not be ready (that would
/// be a lost wake-up: it was never woken), checked by polling it once.
pub fn no_lost_wakeup<G: 'static>(
    actors: &mut [Actor<G>],
    clock: &mut usize,
) -> Result<(), String> {
    for (i, a) in actors.iter_mut().enumerate() {
        if a.is_pending() && a.poll(clock) {
            return Err(format!(
                "actor {i} was ready but never woken (lost wake-up)"
            ));
        }
    }
    Ok(())
}
