//! Every order, up to a depth, of readiness events, waits through both
//! interfaces (`Ready` futures and `poll_ready`), their attempts, cancels
//! and the reactor's shutdown, over three readers of one socket (one
//! through a `Ready` future, two through `poll_ready`): no
//! readiness is lost, nobody sleeps while data waits, each arrival is read
//! once, and after shutdown every wait fails.

use super::*;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::task::Wake;

#[derive(Default)]
struct Flag(AtomicBool);
impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

type Read = Pin<Box<dyn Future<Output = io::Result<()>>>>;

struct Reader {
    future: Option<Read>,
    flag: Arc<Flag>,
    waker: Waker,
    started: bool,
    spurious: bool,
}

/// The kernel's side: is there data to read, and how many arrived.
struct Kernel {
    data: Cell<bool>,
}

/// A reader's attempt after readiness: reads the data if there is some,
/// else hits `WouldBlock` and clears with the tick it saw.
fn attempt(source: &Source, kernel: &Kernel, tick: u64) -> bool {
    if kernel.data.replace(false) {
        true
    } else {
        source.clear(Direction::Read, tick);
        false
    }
}

fn ready_reader(source: Arc<Source>, kernel: Rc<Kernel>) -> Read {
    Box::pin(async move {
        loop {
            let tick = Ready {
                source: &source,
                dir: Direction::Read,
                key: None,
            }
            .await?;
            if attempt(&source, &kernel, tick) {
                return Ok(());
            }
        }
    })
}

fn poll_reader(source: Arc<Source>, kernel: Rc<Kernel>) -> Read {
    Box::pin(std::future::poll_fn(move |cx| loop {
        let tick = std::task::ready!(source.poll_ready(Direction::Read, cx))?;
        if attempt(&source, &kernel, tick) {
            return Poll::Ready(Ok(()));
        }
    }))
}

const READERS: usize = 3;
const ARRIVE: usize = 2 * READERS;
const CLOSE: usize = ARRIVE + 1;
const OPS: usize = CLOSE + 1;

struct Scenario {
    source: Arc<Source>,
    kernel: Rc<Kernel>,
    readers: Vec<Reader>,
    arrivals: usize,
    reads: usize,
    closed: bool,
}

impl Scenario {
    fn new() -> Scenario {
        let source = Arc::new(Source::new(0));
        // Registered sources start ready; this socket starts empty, so
        // the first attempt hits `WouldBlock` (kept as a step).
        let kernel = Rc::new(Kernel {
            data: Cell::new(false),
        });
        let readers = (0..READERS)
            .map(|i| {
                let flag = Arc::new(Flag::default());
                let future = if i < 1 {
                    ready_reader(source.clone(), kernel.clone())
                } else {
                    poll_reader(source.clone(), kernel.clone())
                };
                Reader {
                    future: Some(future),
                    waker: Waker::from(flag.clone()),
                    flag,
                    started: false,
                    spurious: false,
                }
            })
            .collect();
        Scenario {
            source,
            kernel,
            readers,
            arrivals: 0,
            reads: 0,
            closed: false,
        }
    }

    fn enabled(&self, op: usize) -> bool {
        match op {
            _ if op < READERS => {
                let r = &self.readers[op];
                r.future.is_some() && (!r.started || r.flag.0.load(SeqCst) || !r.spurious)
            }
            _ if op < ARRIVE => self.readers[op - READERS].future.is_some(),
            ARRIVE => self.arrivals < 2,
            CLOSE => !self.closed,
            _ => false,
        }
    }

    fn poll(&mut self, i: usize) -> Result<(), String> {
        let r = &mut self.readers[i];
        let woken = r.flag.0.swap(false, SeqCst);
        r.spurious = r.started && !woken;
        r.started = true;
        let mut cx = Context::from_waker(&r.waker);
        match r.future.as_mut().unwrap().as_mut().poll(&mut cx) {
            Poll::Pending => Ok(()),
            Poll::Ready(result) => {
                r.future = None;
                match result {
                    Ok(()) => {
                        self.reads += 1;
                        Ok(())
                    }
                    Err(_) if self.closed => Ok(()),
                    Err(e) => Err(format!("reader {i} failed before shutdown: {e}")),
                }
            }
        }
    }

    fn apply(&mut self, op: usize) -> Result<(), String> {
        match op {
            _ if op < READERS => self.poll(op)?,
            _ if op < ARRIVE => self.readers[op - READERS].future = None,
            ARRIVE => {
                self.arrivals += 1;
                // Edge-triggered: the poller reports data that arrives
                // on an empty socket.
                if !self.kernel.data.replace(true) {
                    let mut wakers = Vec::new();
                    self.source.on_event(true, false, &mut wakers);
                    wakers.into_iter().for_each(Waker::wake);
                }
            }
            CLOSE => {
                self.closed = true;
                let mut wakers = Vec::new();
                self.source.close(&mut wakers);
                wakers.into_iter().for_each(Waker::wake);
            }
            _ => unreachable!(),
        }
        Ok(())
    }

    fn finish(mut self) -> Result<(), String> {
        loop {
            let woken: Vec<usize> = (0..READERS)
                .filter(|&i| {
                    self.readers[i].future.is_some() && self.readers[i].flag.0.load(SeqCst)
                })
                .collect();
            if woken.is_empty() {
                break;
            }
            for i in woken {
                self.poll(i)?;
            }
        }
        let waiting: Vec<usize> = (0..READERS)
            .filter(|&i| self.readers[i].future.is_some() && self.readers[i].started)
            .collect();
        for &i in &waiting {
            self.poll(i)?;
            if self.readers[i].future.is_none() {
                return Err(format!(
                    "reader {i} was ready but never woken (lost wake-up)"
                ));
            }
        }
        if !waiting.is_empty() && (self.kernel.data.get() || self.closed) {
            return Err(format!(
                "readers {waiting:?} sleep though {}",
                if self.closed {
                    "the reactor is gone"
                } else {
                    "data waits"
                }
            ));
        }
        let left = usize::from(self.kernel.data.get());
        if self.reads + left > self.arrivals {
            return Err(format!(
                "{} reads of {} arrivals",
                self.reads, self.arrivals
            ));
        }
        Ok(())
    }
}

fn walk(seq: &mut Vec<usize>, depth: usize, checked: &mut usize) {
    let mut s = Scenario::new();
    for (i, &op) in seq.iter().enumerate() {
        if let Err(e) = s.apply(op) {
            panic!("after {:?}: {e}", &seq[..=i]);
        }
    }
    if seq.len() == depth {
        if let Err(e) = s.finish() {
            panic!("after {seq:?} (ops: poll 0-2, drop 3-5, arrive 6, close 7): {e}");
        }
        *checked += 1;
        return;
    }
    let enabled: Vec<usize> = (0..OPS).filter(|&op| s.enabled(op)).collect();
    drop(s);
    for op in enabled {
        seq.push(op);
        walk(seq, depth, checked);
        seq.pop();
    }
}

#[test]
fn every_order_of_three_readers_arrivals_cancels_and_shutdown() {
    let mut checked = 0;
    for depth in 0..=9 {
        walk(&mut Vec::new(), depth, &mut checked);
    }
    assert!(checked > 100_000, "explored only {checked} sequences");
}
