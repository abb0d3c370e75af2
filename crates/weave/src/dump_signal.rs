//! `Builder::dump_on_signal`: the task dump on SIGQUIT (Ctrl-\), as a Go
//! program dumps its goroutines, and the program keeps running.
//!
//! A thread of its own waits for the signal (a self-pipe, not a task), so
//! the dump prints also when every worker is stuck in a poll: it reads
//! the task list, which takes each of the list's shard locks in turn and
//! never waits for a worker.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use weave_reactor::signal::{SignalPipe, SignalPoker, SIGQUIT};

/// The dump thread of one runtime; stopped and joined when dropped.
pub(crate) struct DumpOnSignal {
    poker: SignalPoker,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl DumpOnSignal {
    /// Starts the thread that prints `handle`'s dump on every SIGQUIT.
    pub(crate) fn start(handle: weave_scheduler::Handle) -> io::Result<DumpOnSignal> {
        let pipe = SignalPipe::new(SIGQUIT)?;
        let poker = pipe.poker();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = thread::Builder::new()
            .name("weave-dump".to_owned())
            .spawn({
                let stop = stop.clone();
                move || {
                    while pipe.wait().is_ok() && !stop.load(SeqCst) {
                        // Written in one go, the stderr lock held only for it.
                        let mut dump = Vec::new();
                        let _ = write_dump(&mut dump, &handle);
                        let _ = io::stderr().lock().write_all(&dump);
                    }
                }
            })?;
        Ok(DumpOnSignal {
            poker,
            stop,
            thread: Some(thread),
        })
    }
}

/// How long a dropping runtime waits for its dump thread to end. Past it
/// (a dump stuck writing to a full stderr pipe) the thread is left to end
/// on its own: it holds nothing but a handle, and stops at its next wake.
const JOIN_PATIENCE: Duration = Duration::from_secs(1);

impl Drop for DumpOnSignal {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        self.poker.poke();
        if let Some(thread) = self.thread.take() {
            let deadline = Instant::now() + JOIN_PATIENCE;
            while !thread.is_finished() && Instant::now() < deadline {
                thread::yield_now();
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}

/// Writes the dump: a header with the runtime's counters, one line per
/// live task (id, name, state, polls, spawn location, age), a footer.
pub(crate) fn write_dump(out: &mut impl Write, handle: &weave_scheduler::Handle) -> io::Result<()> {
    let tasks = handle.dump();
    let metrics = handle.metrics();
    writeln!(
        out,
        "weave: task dump: {} tasks alive, {} workers ({} parked), {} tasks queued globally, {} blocking threads",
        tasks.len(),
        metrics.workers(),
        handle.parked_workers(),
        metrics.global_queue_depth(),
        metrics.blocking_threads(),
    )?;
    for task in &tasks {
        writeln!(out, "  {task}")?;
    }
    writeln!(out, "weave: end of task dump")?;
    out.flush()
}
