//! The reactor: one `polling::Poller`, the sources registered with it, and
//! the loop that turns readiness events into wake-ups.
//!
//! A runtime owns one reactor and drives it from its idle worker
//! ([`Reactor::poll`] with the next timer deadline as timeout) and, every
//! few dozen polls, from busy workers (`poll(Some(ZERO))`, which gives way
//! if another thread is already polling). [`Reactor::notify`] wakes a
//! thread blocked in `poll`.
//!
//! I/O types find their reactor through [`Reactor::current`]
//! (`context.rs`): the one the calling thread's runtime entered, or else a
//! process-wide fallback reactor driven by its own thread, so the types
//! also work on other executors.

use crate::source::Source;
use crate::sys;
use crate::sys::ReadEnds;
use parking_lot::Mutex;
use polling::{Event, Events, PollMode, Poller};
use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

/// Registered sources by key.
#[derive(Default)]
struct Sources {
    slots: Vec<Option<Arc<Source>>>,
    free: Vec<usize>,
    /// The generation of the next registration (tags its end-of-stream
    /// watch, so that a stale report for a reused key is ignored).
    generation: u32,
}

/// What `poll` reuses from call to call.
struct Buffers {
    events: Events,
    /// The direct wait's buffer (see `sys::direct_wait`).
    raw: sys::RawEvents,
    /// What the last wait reported, decoded.
    ready: Vec<sys::Readiness>,
    wakers: Vec<Waker>,
    /// Tags of end-of-stream reports (`key | generation << 32`).
    ends: Vec<u64>,
}

/// The key the end-of-stream watch is registered under in the poller
/// (`polling` keeps `usize::MAX` for its own notifier).
const READ_ENDS_KEY: usize = usize::MAX - 1;

/// The key the reactor's own notifier is registered under (`polling`'s
/// notifier and timer use `usize::MAX`).
const NOTIFY_KEY: usize = usize::MAX - 2;

/// The end-of-stream tag of registration `generation` of `key`.
fn end_tag(key: usize, generation: u32) -> u64 {
    (key as u64 & u64::from(u32::MAX)) | (u64::from(generation) << 32)
}

/// I/O readiness for one runtime.
///
/// ```
/// use std::time::Duration;
/// use weave_reactor::Reactor;
///
/// let reactor = Reactor::new().unwrap();
/// reactor.notify(); // a wake-up for whoever polls next
/// reactor.poll(Some(Duration::from_secs(5))).unwrap(); // returns at once
/// ```
pub struct Reactor {
    poller: Poller,
    /// Stream sockets' end-of-stream reports (Linux), registered with the
    /// poller under [`READ_ENDS_KEY`]. Declared after `poller`, so that the
    /// poller closes first and nothing is registered in it any more when
    /// this descriptor closes.
    read_ends: Option<ReadEnds>,
    /// The notifier of the direct wait (Linux), registered under
    /// [`NOTIFY_KEY`]; without it every wait is `polling`'s and so is
    /// `notify`. Declared after `poller`, as `read_ends` is.
    notifier: Option<sys::Notifier>,
    sources: Mutex<Sources>,
    /// Sources registered now: a non-blocking poll with nothing registered
    /// is skipped.
    live: AtomicUsize,
    /// Set once by [`Reactor::shutdown`], under the `sources` lock (so a
    /// registration, which reads it under that lock, is either refused or
    /// closed by the shutdown); blocking jobs read it without the lock.
    shut_down: AtomicBool,
    buffers: Mutex<Buffers>,
}

impl Reactor {
    /// A reactor with its own poller (an epoll / kqueue instance).
    ///
    /// # Errors
    /// If the system refuses a new poller (e.g. out of file descriptors).
    pub fn new() -> io::Result<Reactor> {
        let poller = Poller::new()?;
        // Both are dropped after `poller` (field order), so each stays open
        // while registered.
        let read_ends = ReadEnds::new().filter(|ends| add_level(&poller, ends, READ_ENDS_KEY));
        let notifier = sys::Notifier::new().filter(|n| add_level(&poller, n, NOTIFY_KEY));
        Ok(Reactor {
            poller,
            read_ends,
            notifier,
            sources: Mutex::new(Sources::default()),
            live: AtomicUsize::new(0),
            shut_down: AtomicBool::new(false),
            buffers: Mutex::new(Buffers {
                events: Events::with_capacity(NonZeroUsize::new(1024).expect("non-zero")),
                raw: Default::default(),
                ready: Vec::new(),
                wakers: Vec::new(),
                ends: Vec::new(),
            }),
        })
    }

    /// Registers `fd` (edge-triggered, both directions); for a `stream`
    /// socket, with its end of stream reported on its own where the system
    /// can (so that a short read may clear read readiness; see
    /// `Source::watches_read_end`).
    pub(crate) fn register_with(
        &self,
        fd: BorrowedFd<'_>,
        stream: bool,
    ) -> io::Result<Arc<Source>> {
        let mut sources = self.sources.lock();
        // Read under the lock `shutdown` sets it under: a source either
        // registers before the shutdown (which then closes it) or not at all.
        if self.shut_down.load(Relaxed) {
            return Err(crate::source::reactor_gone());
        }
        let key = match sources.free.pop() {
            Some(key) => key,
            None => {
                sources.slots.push(None);
                sources.slots.len() - 1
            }
        };
        let generation = sources.generation;
        sources.generation = generation.wrapping_add(1);
        let watched = stream
            && self
                .read_ends
                .as_ref()
                .is_some_and(|ends| ends.add(fd, end_tag(key, generation)).is_ok());
        let source = Arc::new(Source::watched(key, generation, watched));
        // `polling` requires the fd to leave the poller before it is closed.
        // SAFETY: every source is owned by an `Async`, whose `Drop` calls
        // `deregister` (deleting the fd) before it drops the I/O object.
        let added = unsafe {
            self.poller
                .add_with_mode(fd.as_raw_fd(), Event::all(key), PollMode::Edge)
        };
        if let Err(e) = added {
            sources.free.push(key);
            return Err(e);
        }
        sources.slots[key] = Some(source.clone());
        // Under the sources lock: every change of the count is serialized.
        self.live.fetch_add(1, Relaxed);
        Ok(source)
    }

    /// Removes `source` from the poller; its key may be reused at once (a
    /// stale event for the old key at worst marks the new source ready,
    /// which costs one `WouldBlock`).
    pub(crate) fn deregister(&self, source: &Source, fd: BorrowedFd<'_>) {
        let _ = self.poller.delete(fd);
        let mut sources = self.sources.lock();
        if sources.slots[source.key].take().is_some() {
            sources.free.push(source.key);
            self.live.fetch_sub(1, Relaxed);
        }
    }

    /// Waits up to `timeout` (`None`: until something happens) for I/O
    /// events and wakes the tasks waiting for them; returns how many
    /// wake-ups it made. With `Some(Duration::ZERO)` it never blocks, and
    /// returns 0 at once if another thread is polling.
    ///
    /// # Errors
    /// The poller's own failure (not an I/O error of any source).
    pub fn poll(&self, timeout: Option<Duration>) -> io::Result<usize> {
        if timeout == Some(Duration::ZERO) && self.live.load(Relaxed) == 0 {
            // Nothing registered: no event can be waiting (a pending
            // `notify` stays pending for the next blocking poll).
            return Ok(0);
        }
        let mut buffers = if timeout == Some(Duration::ZERO) {
            match self.buffers.try_lock() {
                Some(b) => b,
                None => return Ok(0),
            }
        } else {
            self.buffers.lock()
        };
        let Buffers {
            events,
            raw,
            ready,
            wakers,
            ends,
        } = &mut *buffers;
        ready.clear();
        let waited = match (&self.notifier, timeout) {
            // No sub-millisecond timer to set: the direct wait.
            (Some(_), None | Some(Duration::ZERO)) => {
                sys::direct_wait(self.poller.as_fd(), raw, timeout.is_none(), ready)
            }
            _ => {
                events.clear();
                self.poller.wait(events, timeout).map(|_| {
                    ready.extend(events.iter().map(|event| sys::Readiness {
                        key: event.key,
                        readable: event.readable,
                        writable: event.writable,
                    }))
                })
            }
        };
        match waited {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(e) => return Err(e),
        }
        if let Some(notifier) = &self.notifier {
            if ready.iter().any(|event| event.key == NOTIFY_KEY) {
                notifier.clear();
            }
        }
        if let Some(read_ends) = &self.read_ends {
            if ready.iter().any(|event| event.key == READ_ENDS_KEY) {
                read_ends.drain(ends);
            }
        }
        {
            let sources = self.sources.lock();
            for event in ready.iter() {
                if let Some(Some(source)) = sources.slots.get(event.key) {
                    source.on_event(event.readable, event.writable, wakers);
                }
            }
            for tag in ends.drain(..) {
                let (key, generation) = ((tag & u64::from(u32::MAX)) as usize, (tag >> 32) as u32);
                match sources.slots.get(key) {
                    // The same registration (a reused key's stale report
                    // is ignored: it would stop a live socket's reads from
                    // ever clearing readiness).
                    Some(Some(source)) if source.generation == generation => {
                        source.on_read_closed(wakers);
                    }
                    _ => {}
                }
            }
        }
        let woken = wakers.len();
        for waker in wakers.drain(..) {
            // One panicking waker (another executor's) must not leave the
            // rest, already out of their lists, unwoken.
            weave_sync::wake_contained(waker);
        }
        Ok(woken)
    }

    /// Wakes the thread blocked in [`poll`](Self::poll), or makes the next
    /// `poll` return at once.
    pub fn notify(&self) {
        match &self.notifier {
            Some(notifier) => notifier.notify(),
            None => {
                let _ = self.poller.notify();
            }
        }
    }

    /// The runtime that drives this reactor is gone: every task waiting on
    /// one of its sockets is woken and gets an error, as does every later
    /// wait and registration (no event would ever come). Idempotent.
    pub fn shutdown(&self) {
        let mut wakers = Vec::new();
        {
            let sources = self.sources.lock();
            self.shut_down.store(true, Relaxed);
            for source in sources.slots.iter().flatten() {
                source.close(&mut wakers);
            }
        }
        for waker in wakers {
            // A foreign waker's panic must not stop the others' wake-ups.
            weave_sync::wake_contained(waker);
        }
    }

    /// True once [`shutdown`](Self::shutdown) was called.
    pub fn is_shut_down(&self) -> bool {
        self.shut_down.load(Relaxed)
    }

    /// Sources registered now.
    pub fn registered(&self) -> usize {
        self.live.load(Relaxed)
    }
}

/// Registers one of the reactor's own descriptors with `poller`,
/// level-triggered (reported until `poll` drains it), readable under
/// `key`; false if the poller refuses it.
fn add_level(poller: &Poller, fd: &impl AsFd, key: usize) -> bool {
    // SAFETY: the caller keeps `fd` open while it is registered: both of
    // the reactor's own descriptors are fields declared after `poller`,
    // which is dropped (and so leaves the epoll instance) first.
    unsafe {
        poller.add_with_mode(
            fd.as_fd().as_raw_fd(),
            Event::readable(key),
            PollMode::Level,
        )
    }
    .is_ok()
}

impl AsFd for Reactor {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.poller.as_fd()
    }
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor")
            .field("registered", &self.registered())
            .finish()
    }
}

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::*;
    use crate::async_fd::Async;
    use crate::source::Direction;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    fn blocking(job: crate::BlockingJob) {
        std::thread::spawn(job);
    }

    /// A stream socket pair registered with `reactor` (the first end).
    fn pair_on(reactor: &Arc<Reactor>) -> (Async<UnixStream>, UnixStream) {
        let _inside = crate::enter(reactor.clone(), blocking);
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        (Async::new_stream(a).unwrap(), b)
    }

    /// A notify reaches every kind of wait once: the direct ones (none,
    /// zero) and `polling`'s (a timeout), and a wait reads it away.
    #[test]
    fn a_notify_ends_one_wait_of_any_kind_and_is_consumed() {
        let reactor = Arc::new(Reactor::new().unwrap());
        assert!(reactor.notifier.is_some(), "Linux has the direct wait");
        // Something registered, so a zero-timeout poll really polls.
        let (_a, _b) = pair_on(&reactor);
        for timeout in [None, Some(Duration::from_secs(30)), Some(Duration::ZERO)] {
            reactor.notify();
            reactor.notify(); // two notifies, one wake-up
            let start = std::time::Instant::now();
            reactor.poll(timeout).unwrap();
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{timeout:?} wait missed the notify"
            );
            // Consumed: a zero-timeout poll finds nothing pending now, and
            // a short timed wait runs out instead of returning at once.
            let start = std::time::Instant::now();
            reactor.poll(Some(Duration::from_millis(20))).unwrap();
            assert!(
                start.elapsed() >= Duration::from_millis(20),
                "the notify after {timeout:?} was not consumed"
            );
        }
    }

    #[test]
    fn the_peers_end_is_reported_and_sticks() {
        let reactor = Arc::new(Reactor::new().unwrap());
        let (a, mut b) = pair_on(&reactor);
        assert!(a.source.watches_read_end());
        b.write_all(b"x").unwrap();
        drop(b);
        reactor.poll(Some(Duration::ZERO)).unwrap();
        let tick = a.source.is_ready(Direction::Read).expect("readable");
        // A short read's clear (or a WouldBlock's) leaves it readable: the
        // next read returns the end at once.
        a.source.clear(Direction::Read, tick);
        assert!(a.source.is_ready(Direction::Read).is_some());
    }

    /// A descriptor deregistered but kept open stays in the end-of-stream
    /// watch under its old tag; its end, reported later, must not mark the
    /// source that reuses the key (whose reads would then never clear).
    #[test]
    fn a_stale_end_report_for_a_reused_key_is_ignored() {
        let reactor = Arc::new(Reactor::new().unwrap());
        let (a, b) = pair_on(&reactor);
        let key = a.source.key;
        let kept_open = a.into_inner().unwrap();
        let (c, _d) = pair_on(&reactor);
        assert_eq!(c.source.key, key, "the key is reused");
        drop(b); // the old registration's end
        reactor.poll(Some(Duration::ZERO)).unwrap();
        let tick = c
            .source
            .is_ready(Direction::Read)
            .expect("new sources start ready");
        c.source.clear(Direction::Read, tick);
        assert!(
            c.source.is_ready(Direction::Read).is_none(),
            "c was marked read-closed"
        );

        // Registered again, the kept descriptor takes a new tag: its end
        // (re-reported by the modify) marks the new source.
        let again = {
            let _inside = crate::enter(reactor.clone(), blocking);
            Async::new_stream(kept_open).unwrap()
        };
        assert!(again.source.watches_read_end());
        reactor.poll(Some(Duration::ZERO)).unwrap();
        let tick = again.source.is_ready(Direction::Read).expect("readable");
        again.source.clear(Direction::Read, tick);
        assert!(
            again.source.is_ready(Direction::Read).is_some(),
            "the end was reported under the new tag"
        );
    }
}
