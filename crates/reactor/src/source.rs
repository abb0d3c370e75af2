//! One registered file descriptor: its readiness per direction and the
//! tasks waiting on it.
//!
//! Sources are registered edge-triggered: the poller reports a direction
//! once when it becomes ready, and never re-arms. So readiness is kept here
//! as a flag per direction plus a tick that counts events:
//! - an event sets the flag, bumps the tick and wakes every waiter of that
//!   direction (any number of tasks may wait on one socket);
//! - an I/O attempt starts by waiting for the flag, remembers the tick it
//!   saw, and clears the flag **only if the tick is still the same** when
//!   the attempt proves the direction drained: on `WouldBlock`, after a
//!   short write, and, for a source whose end of stream the reactor
//!   watches, after a short stream read (TCP `read`, `read_uninit`,
//!   `AsyncRead`). An event that arrived between
//!   the attempt and the clear bumped the tick, so the flag stays set and
//!   nothing is lost;
//! - the watched end of stream (`on_read_closed`) sets read readiness for
//!   good: a read-closed source's reads return at once (the end, or the
//!   data before it), so its read flag is never cleared again.
//!
//! A new source starts ready in both directions: the first attempt goes
//! straight to the system call. (The exhaustive model in `exhaustive.rs`
//! and the proptest below exercise unwatched sources: `WouldBlock` clears;
//! the watched ones are tested in `reactor.rs` and `tests/net_sockets.rs`.)

use parking_lot::Mutex;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use weave_sync::wait_list::{WaitKey, WaitList};

/// Read or write.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read = 0,
    Write = 1,
}

/// One direction of a source: its readiness and its waiters (in the FIFO
/// waiter list every weave primitive uses; a waiting future holds its key
/// until it completes or is dropped).
#[derive(Default)]
struct Dir {
    ready: bool,
    tick: u64,
    waiters: WaitList<Waker>,
    /// The wakers of the `poll_*` interface (`AsyncRead` / `AsyncWrite`
    /// through `&TcpStream`, `poll_read_with`): it has no future to hold a
    /// key, so each task waiting through it leaves its waker here, once
    /// (`will_wake` filters repeats), and every one is woken by the next
    /// event. Any number of tasks may wait this way at once. A waker
    /// whose task stopped waiting stays until the next event; so that such
    /// leftovers (fresh wakers of combinators, tasks gone) cannot pile up
    /// on a quiet socket, the list is handed back for a spurious wake-up
    /// whenever it reaches `poller_limit` (32, doubling at each such wake
    /// up to 4096, back to 32 at the next event): live pollers register
    /// again, at amortized O(1) per registration, and the list never holds
    /// more than 4096 wakers. (The price: with more than 4096 tasks at once
    /// waiting through `poll_*` on one direction of one quiet socket, each
    /// new registration past the bound wakes them all again. A task that
    /// waits through a `Ready` future is not counted: use `readable()` /
    /// `read_with` for crowds of waiters.)
    pollers: Vec<Waker>,
    poller_limit: usize,
}

/// The first bound on a direction's `poll_*` wakers.
const POLLERS_BOUND: usize = 32;
/// The most they may reach.
const POLLERS_MAX: usize = 4096;

impl Dir {
    /// An event: ready, a new tick, and every waiter handed over for
    /// waking (each leaves the list; its future finds its key gone).
    fn set_ready(&mut self, wakers: &mut Vec<Waker>) {
        self.ready = true;
        self.tick = self.tick.wrapping_add(1);
        self.wake_all(wakers);
    }

    /// Hands every waiter's waker over for waking.
    fn wake_all(&mut self, wakers: &mut Vec<Waker>) {
        while let Some(waker) = self.waiters.pop_front() {
            wakers.push(waker);
        }
        wakers.append(&mut self.pollers);
        self.poller_limit = POLLERS_BOUND;
    }

    /// Registers the waker of a `poll_*` caller; returns the wakers to wake
    /// (spuriously, after the lock) if the list had reached its bound.
    fn add_poller(&mut self, waker: &Waker) -> Vec<Waker> {
        if self.pollers.iter().any(|w| w.will_wake(waker)) {
            return Vec::new();
        }
        let limit = self.poller_limit.max(POLLERS_BOUND);
        let pruned = if self.pollers.len() >= limit {
            self.poller_limit = (limit * 2).min(POLLERS_MAX);
            std::mem::take(&mut self.pollers)
        } else {
            Vec::new()
        };
        self.pollers.push(waker.clone());
        pruned
    }
}

/// The error of an operation on a socket whose runtime was dropped.
pub(crate) fn reactor_gone() -> io::Error {
    io::Error::other(
        "the runtime this socket was registered with was dropped: no reactor will report its \
         readiness again. Create and use sockets inside the runtime that drives them",
    )
}

/// A file descriptor registered with a reactor.
pub(crate) struct Source {
    pub(crate) key: usize,
    /// Tells this registration apart from an earlier one under the same
    /// key in the reactor's end-of-stream watch (see `reactor.rs`).
    pub(crate) generation: u32,
    /// The reactor reports this descriptor's end of stream as an event of
    /// its own ([`on_read_closed`](Self::on_read_closed)), so a short read
    /// may clear read readiness.
    watches_read_end: bool,
    dirs: Mutex<Dirs>,
}

/// Both directions, and whether the reactor behind them is gone.
struct Dirs {
    dirs: [Dir; 2],
    /// Set once when the reactor shuts down: every wait fails from then on.
    closed: bool,
    /// Set once the peer's end of stream was reported: read readiness is
    /// never cleared again (every read from now on returns at once).
    read_closed: bool,
}

impl std::ops::Index<Direction> for Dirs {
    type Output = Dir;
    fn index(&self, dir: Direction) -> &Dir {
        &self.dirs[dir as usize]
    }
}

impl std::ops::IndexMut<Direction> for Dirs {
    fn index_mut(&mut self, dir: Direction) -> &mut Dir {
        &mut self.dirs[dir as usize]
    }
}

impl Source {
    /// A source whose end of stream is not reported on its own.
    #[cfg(test)]
    pub(crate) fn new(key: usize) -> Source {
        Source::watched(key, 0, false)
    }

    /// A source; `watches_read_end`: the reactor reports its end of stream
    /// as an event of its own, for registration `generation` of `key`.
    pub(crate) fn watched(key: usize, generation: u32, watches_read_end: bool) -> Source {
        Source {
            key,
            generation,
            watches_read_end,
            dirs: Mutex::new(Dirs {
                dirs: [
                    Dir {
                        ready: true,
                        ..Dir::default()
                    },
                    Dir {
                        ready: true,
                        ..Dir::default()
                    },
                ],
                closed: false,
                read_closed: false,
            }),
        }
    }

    /// True if a short read proves the read direction drained: the end of
    /// stream, should it already be queued behind the data, is reported by
    /// an event of its own.
    pub(crate) fn watches_read_end(&self) -> bool {
        self.watches_read_end
    }

    /// The peer ended the stream (or this side shut reading down): read
    /// readiness is set for good and the readers are woken, to read the
    /// end. Their wakers are moved to `wakers`.
    pub(crate) fn on_read_closed(&self, wakers: &mut Vec<Waker>) {
        let mut dirs = self.dirs.lock();
        dirs.read_closed = true;
        dirs[Direction::Read].set_ready(wakers);
    }

    /// The reactor is gone: every waiter is woken, and every wait fails
    /// from now on (none would ever be woken again).
    pub(crate) fn close(&self, wakers: &mut Vec<Waker>) {
        let mut dirs = self.dirs.lock();
        dirs.closed = true;
        for d in &mut dirs.dirs {
            d.wake_all(wakers);
        }
    }

    /// Records an event: the given directions are ready. Their waiters'
    /// wakers are moved to `wakers` for the caller to wake after unlocking.
    pub(crate) fn on_event(&self, readable: bool, writable: bool, wakers: &mut Vec<Waker>) {
        let mut dirs = self.dirs.lock();
        if readable {
            dirs[Direction::Read].set_ready(wakers);
        }
        if writable {
            dirs[Direction::Write].set_ready(wakers);
        }
    }

    /// The `poll_*` interface: `Ready(Ok(tick))` if `dir` is ready, else
    /// the task is registered for the next event (beside any other task
    /// waiting so). An error once the reactor is gone.
    pub(crate) fn poll_ready(&self, dir: Direction, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let mut dirs = self.dirs.lock();
        if dirs.closed {
            return Poll::Ready(Err(reactor_gone()));
        }
        let d = &mut dirs[dir];
        if d.ready {
            return Poll::Ready(Ok(d.tick));
        }
        let pruned = d.add_poller(cx.waker());
        drop(dirs);
        pruned.into_iter().for_each(Waker::wake);
        Poll::Pending
    }

    /// An attempt made after the event of `tick` hit `WouldBlock`: the
    /// direction is not ready after all, unless a newer event came in.
    pub(crate) fn clear(&self, dir: Direction, tick: u64) {
        let mut dirs = self.dirs.lock();
        if dir == Direction::Read && dirs.read_closed {
            return;
        }
        let d = &mut dirs[dir];
        if d.tick == tick {
            d.ready = false;
        }
    }

    /// The tick of the last event if `dir` is ready now.
    #[cfg(test)]
    pub(crate) fn is_ready(&self, dir: Direction) -> Option<u64> {
        let dirs = self.dirs.lock();
        let d = &dirs[dir];
        d.ready.then_some(d.tick)
    }

    /// Waiters currently registered in `dir` (for tests and debugging).
    #[cfg(test)]
    pub(crate) fn waiters(&self, dir: Direction) -> usize {
        let dirs = self.dirs.lock();
        dirs[dir].waiters.len()
    }

    /// Tasks waiting through the `poll_*` interface in `dir`.
    #[cfg(test)]
    pub(crate) fn pollers(&self, dir: Direction) -> usize {
        self.dirs.lock()[dir].pollers.len()
    }
}

/// Waits until `dir` of a source is ready; resolves to the event tick, or
/// an error once the reactor is gone. Dropping it takes it out of the
/// waiter list.
pub(crate) struct Ready<'a> {
    pub(crate) source: &'a Arc<Source>,
    pub(crate) dir: Direction,
    pub(crate) key: Option<WaitKey>,
}

impl Future for Ready<'_> {
    type Output = io::Result<u64>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = &mut *self;
        // One unit of the task's budget per readiness it gets (see
        // `weave_sync::coop`): a socket that is always ready still lets the
        // worker run timers, I/O and other tasks.
        weave_sync::coop::poll_budgeted(cx, |cx| this.poll_wait(cx))
    }
}

impl Ready<'_> {
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let this = self;
        let mut dirs = this.source.dirs.lock();
        let closed = dirs.closed;
        let d = &mut dirs[this.dir];
        if d.ready || closed {
            if let Some(key) = this.key.take() {
                d.waiters.remove(key);
            }
            return Poll::Ready(if closed {
                Err(reactor_gone())
            } else {
                Ok(d.tick)
            });
        }
        match this.key.and_then(|key| d.waiters.get_mut(key)) {
            Some(w) if w.will_wake(cx.waker()) => {}
            Some(w) => *w = cx.waker().clone(),
            // First poll, or woken by an event whose readiness another
            // waiter has already used up: wait for the next one.
            None => this.key = Some(d.waiters.push_back(cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for Ready<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.source.dirs.lock()[self.dir].waiters.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn a_clear_after_a_newer_event_keeps_the_readiness() {
        let source = Arc::new(Source::new(0));
        let tick = source.is_ready(Direction::Read).unwrap();
        // An event arrives between the attempt and its `WouldBlock`.
        source.on_event(true, false, &mut Vec::new());
        source.clear(Direction::Read, tick);
        assert!(source.is_ready(Direction::Read).is_some(), "readiness lost");
        let tick = source.is_ready(Direction::Read).unwrap();
        source.clear(Direction::Read, tick);
        assert!(source.is_ready(Direction::Read).is_none());
        assert!(
            source.is_ready(Direction::Write).is_some(),
            "directions are separate"
        );
    }

    #[test]
    fn every_waiter_of_a_direction_wakes_and_dropped_ones_free_their_slot() {
        let source = Arc::new(Source::new(0));
        source.clear(Direction::Read, source.is_ready(Direction::Read).unwrap());
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let mut futures: Vec<_> = (0..3)
            .map(|_| {
                Box::pin(Ready {
                    source: &source,
                    dir: Direction::Read,
                    key: None,
                })
            })
            .collect();
        for f in &mut futures {
            assert!(f.as_mut().poll(&mut cx).is_pending());
        }
        assert_eq!(source.waiters(Direction::Read), 3);
        drop(futures.pop());
        assert_eq!(source.waiters(Direction::Read), 2);
        let mut wakers = Vec::new();
        source.on_event(false, true, &mut wakers);
        assert!(wakers.is_empty(), "a write event woke readers");
        source.on_event(true, false, &mut wakers);
        wakers.into_iter().for_each(Waker::wake);
        assert_eq!(count.0.load(SeqCst), 2);
        for f in &mut futures {
            assert!(f.as_mut().poll(&mut cx).is_ready());
        }
        let mut late = pin!(Ready {
            source: &source,
            dir: Direction::Read,
            key: None
        });
        assert!(
            late.as_mut().poll(&mut cx).is_ready(),
            "still ready until cleared"
        );
    }
}

#[cfg(test)]
mod poll_interface {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::task::Wake;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    #[test]
    fn every_task_polling_a_direction_is_woken_once_per_event() {
        let source = Source::new(0);
        source.clear(Direction::Write, source.is_ready(Direction::Write).unwrap());
        let tasks: Vec<_> = (0..3)
            .map(|_| Arc::new(Count(AtomicUsize::new(0))))
            .collect();
        let wakers: Vec<_> = tasks.iter().map(|t| Waker::from(t.clone())).collect();
        for _ in 0..2 {
            // Polled twice each: registered once each.
            for w in &wakers {
                let mut cx = Context::from_waker(w);
                assert!(source.poll_ready(Direction::Write, &mut cx).is_pending());
            }
        }
        assert_eq!(source.pollers(Direction::Write), 3);
        let mut woken = Vec::new();
        source.on_event(false, true, &mut woken);
        woken.into_iter().for_each(Waker::wake);
        for t in &tasks {
            assert_eq!(t.0.load(SeqCst), 1, "a waiting task was not woken");
        }
        assert_eq!(
            source.pollers(Direction::Write),
            0,
            "an event hands every waker over"
        );
    }

    #[test]
    fn leftover_poll_wakers_are_bounded_on_a_quiet_socket() {
        let source = Source::new(0);
        source.clear(Direction::Read, source.is_ready(Direction::Read).unwrap());
        const N: usize = 3 * POLLERS_MAX;
        let tasks: Vec<_> = (0..N)
            .map(|_| Arc::new(Count(AtomicUsize::new(0))))
            .collect();
        // A fresh waker per poll (a task gone, a combinator's child waker),
        // and no event in between.
        for t in &tasks {
            let waker = Waker::from(t.clone());
            let mut cx = Context::from_waker(&waker);
            assert!(source.poll_ready(Direction::Read, &mut cx).is_pending());
            assert!(source.pollers(Direction::Read) <= POLLERS_MAX);
        }
        let kept = source.pollers(Direction::Read);
        assert!(kept <= POLLERS_MAX, "{kept} leftover wakers kept");
        // Every waker was woken (spuriously) or is still listed: none lost.
        let woken = tasks.iter().filter(|t| t.0.load(SeqCst) > 0).count();
        assert_eq!(woken + kept, N);
    }

    #[test]
    fn a_closed_source_wakes_its_waiters_and_fails_every_wait() {
        let source = Source::new(0);
        source.clear(Direction::Read, source.is_ready(Direction::Read).unwrap());
        let task = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(task.clone());
        let mut cx = Context::from_waker(&waker);
        assert!(source.poll_ready(Direction::Read, &mut cx).is_pending());
        let mut woken = Vec::new();
        source.close(&mut woken);
        woken.into_iter().for_each(Waker::wake);
        assert_eq!(task.0.load(SeqCst), 1);
        for dir in [Direction::Read, Direction::Write] {
            match source.poll_ready(dir, &mut cx) {
                Poll::Ready(Err(e)) => assert!(e.to_string().contains("runtime")),
                other => panic!("a wait on a closed source: {other:?}"),
            }
        }
    }
}

/// Random interleavings of readiness events and I/O attempts against a
/// model of the descriptor: readiness is never lost.
#[cfg(test)]
mod prop {
    use super::*;
    use proptest::prelude::*;

    /// One step of the simulation.
    #[derive(Clone, Debug)]
    enum Op {
        /// Data (or room) arrives in a direction: edge-triggered, the
        /// poller reports it only when the direction was not ready yet.
        Arrive(usize),
        /// Reader `r` starts an attempt: it waits for the flag and takes
        /// the tick it saw (if ready; otherwise it is registered).
        Begin(usize),
        /// Reader `r` makes its system call: success consumes the data,
        /// otherwise it hits `WouldBlock`.
        Syscall(usize),
        /// Reader `r`, after a `WouldBlock`, clears with the tick it saw.
        Clear(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..2usize).prop_map(Op::Arrive),
            (0..3usize).prop_map(Op::Begin),
            (0..3usize).prop_map(Op::Syscall),
            (0..3usize).prop_map(Op::Clear),
        ]
    }

    proptest! {
        #[test]
        fn readiness_is_never_lost(ops in proptest::collection::vec(op(), 1..200)) {
            let source = Source::new(0);
            // The model: is there data / room now, per direction?
            let mut available = [true, true];
            // Reader r works on direction r % 2; mid-attempt it holds the
            // tick it saw, and whether its system call hit `WouldBlock`.
            let mut attempts: [Option<(u64, bool)>; 3] = [None; 3];
            let dirs = [Direction::Read, Direction::Write];
            for op in ops {
                match op {
                    Op::Arrive(d) => {
                        if !available[d] {
                            available[d] = true;
                            source.on_event(d == 0, d == 1, &mut Vec::new());
                        }
                    }
                    Op::Begin(r) => {
                        if attempts[r].is_none() {
                            attempts[r] = source.is_ready(dirs[r % 2]).map(|t| (t, false));
                        }
                    }
                    Op::Syscall(r) => {
                        if let Some((tick, false)) = attempts[r] {
                            let d = r % 2;
                            if available[d] {
                                // Success; this reader drains it all.
                                available[d] = false;
                                attempts[r] = None;
                            } else {
                                attempts[r] = Some((tick, true));
                            }
                        }
                    }
                    Op::Clear(r) => {
                        if let Some((tick, true)) = attempts[r] {
                            source.clear(dirs[r % 2], tick);
                            attempts[r] = None;
                        }
                    }
                }
                for d in 0..2 {
                    // A reader that looks now must not go to sleep while
                    // data waits: the flag is set whenever data is there.
                    prop_assert!(
                        !available[d] || source.is_ready(dirs[d]).is_some(),
                        "direction {d} has data but its readiness flag is clear"
                    );
                }
            }
        }
    }
}

/// Every order, up to a depth, of readiness events, waits through both
/// interfaces (`Ready` futures and `poll_ready`), their attempts, cancels
/// and the reactor's shutdown, over three readers of one socket (one
/// through a `Ready` future, two through `poll_ready`): no
/// readiness is lost, nobody sleeps while data waits, each arrival is read
/// once, and after shutdown every wait fails.
#[cfg(test)]
mod exhaustive;
