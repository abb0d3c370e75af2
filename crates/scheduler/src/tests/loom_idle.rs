//! Loom model of the sleep/wake protocol between a thread that queues work
//! and the last searching worker going to sleep: in every interleaving,
//! either the worker sees the work or somebody unparks a worker for it.

use crate::blocking::{BlockingPool, Config};
use crate::loom::{model, thread};
use crate::loom::{Arc, AtomicBool, AtomicUsize, Ordering::SeqCst};
use crate::queue::Local;
use crate::shared::{Remote, Shared};
use crate::task::{new_task, Notified, Schedule, SpawnInfo, Task};
use std::time::Duration;
use weave_driver::Park;

/// A `Park` that records `unpark` calls instead of blocking.
struct FlagPark(Arc<AtomicBool>);

impl Park for FlagPark {
    fn park(&self, _timeout: Option<Duration>) {}
    fn unpark(&self) {
        self.0.store(true, SeqCst);
    }
}

struct Inert(Arc<AtomicUsize>);

impl Schedule for Inert {
    fn schedule(&self, _task: Notified, _is_yield: bool) {
        self.0.fetch_add(1, SeqCst);
    }
    fn release(&self, _task: &Task) -> Option<Task> {
        None
    }
}

fn shared_with(flags: &[Arc<AtomicBool>]) -> (std::sync::Arc<Shared>, Vec<Local>) {
    let locals: Vec<Local> = flags.iter().map(|_| Local::new()).collect();
    let remotes = locals
        .iter()
        .zip(flags)
        .map(|(local, flag)| Remote {
            stealer: local.stealer(),
            park: Box::new(FlagPark(flag.clone())),
            stats: Default::default(),
        })
        .collect();
    let pool = BlockingPool::new(Config {
        max_threads: 1,
        keep_alive: Duration::from_secs(1),
        thread_name: "loom".into(),
        on_thread_start: None,
    });
    (
        std::sync::Arc::new(Shared::new(remotes, pool, None, None, None)),
        locals,
    )
}

#[test]
fn loom_no_lost_wakeup_when_the_last_searcher_parks() {
    model(|| {
        let flags = [
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        ];
        let (shared, _locals) = shared_with(&flags);
        // Worker 1 is asleep; worker 0 is searching and found nothing.
        assert_eq!(shared.idle.park(1, false), crate::idle::Searchers::Remain);
        assert!(shared.idle.try_start_searching());

        let producer = {
            let shared = shared.clone();
            thread::spawn(move || {
                let (task, notified, join) = new_task(
                    std::future::ready(()),
                    Inert(Arc::new(AtomicUsize::new(0))),
                    SpawnInfo::here(None),
                );
                drop(task);
                drop(join);
                shared.schedule_remote(notified);
            })
        };

        // Worker 0 gives up and parks.
        shared.park_worker(0, true);
        producer.join().unwrap();

        let queued = !shared.injector.is_empty();
        let someone_unparked = flags.iter().any(|f| f.load(SeqCst));
        assert!(
            !queued || someone_unparked,
            "work is queued and every worker sleeps"
        );
        while let Some(task) = shared.injector.pop() {
            drop(task);
        }
    });
}
