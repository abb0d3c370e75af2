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
}

/// What `poll` reuses from call to call.
struct Buffers {
    events: Events,
    wakers: Vec<Waker>,
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
        Ok(Reactor {
            poller: Poller::new()?,
            sources: Mutex::new(Sources::default()),
            live: AtomicUsize::new(0),
            shut_down: AtomicBool::new(false),
            buffers: Mutex::new(Buffers {
                events: Events::with_capacity(NonZeroUsize::new(1024).expect("non-zero")),
                wakers: Vec::new(),
            }),
        })
    }

    /// Registers `fd` (edge-triggered, both directions).
    pub(crate) fn register(&self, fd: BorrowedFd<'_>) -> io::Result<Arc<Source>> {
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
        let source = Arc::new(Source::new(key));
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
        let Buffers { events, wakers } = &mut *buffers;
        events.clear();
        match self.poller.wait(events, timeout) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(e) => return Err(e),
        }
        {
            let sources = self.sources.lock();
            for event in events.iter() {
                if let Some(Some(source)) = sources.slots.get(event.key) {
                    source.on_event(event.readable, event.writable, wakers);
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
        let _ = self.poller.notify();
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
