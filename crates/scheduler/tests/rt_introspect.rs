//! Introspection: `Metrics` counters and `Handle::dump()` task snapshots
//! (id, name, state, polls, spawn location, age).

mod support;

use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use support::rt;
use weave_scheduler::{spawn, yield_now, Handle, Metrics, Runtime, TaskBuilder, TaskState};

/// Waits (up to 10 s) until `cond` holds of the runtime's metrics; worker
/// counts are published when a worker goes idle, so tests wait for that.
fn metrics_when(rt: &Runtime, cond: impl Fn(&Metrics) -> bool) -> Metrics {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let m = rt.metrics();
        if cond(&m) {
            return m;
        }
        assert!(Instant::now() < deadline, "metrics never matched: {m:?}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A future that stays pending until `rx` receives, without holding a
/// worker: it waits on the blocking pool.
async fn wait_for(rx: mpsc::Receiver<()>) {
    weave_scheduler::spawn_blocking(move || rx.recv().unwrap())
        .await
        .unwrap();
}

#[test]
fn spawned_and_alive_count_tasks_and_dump_lists_exactly_the_live_ones() {
    let rt = rt(2);
    let mut senders = Vec::new();
    let mut handles = Vec::new();
    for i in 0..20 {
        let (tx, rx) = mpsc::channel();
        senders.push(tx);
        let name = format!("waiter-{i}");
        handles.push(
            TaskBuilder::new()
                .name(name)
                .spawn_on(wait_for(rx), rt.handle()),
        );
    }
    let m = metrics_when(&rt, |m| m.blocking_threads() == 20);
    assert_eq!(
        (m.workers(), m.spawned_tasks(), m.alive_tasks()),
        (2, 20, 20)
    );

    // A task's blocking job can start before the task's first poll has
    // returned: wait until every task is back to Idle.
    let deadline = Instant::now() + Duration::from_secs(30);
    let dump = loop {
        let dump = rt.handle().dump();
        if dump.iter().all(|t| t.state() == TaskState::Idle) || Instant::now() > deadline {
            break dump;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(dump.len(), 20);
    let mut ids: Vec<_> = dump.iter().map(|t| t.id()).collect();
    ids.sort();
    let mut expected: Vec<_> = handles.iter().map(|h| h.id()).collect();
    expected.sort();
    assert_eq!(ids, expected, "dump lists exactly the spawned tasks");
    for info in &dump {
        let i: usize = info
            .name()
            .unwrap()
            .strip_prefix("waiter-")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(info.id(), handles[i].id(), "name and id belong together");
        assert_eq!(info.state(), TaskState::Idle, "{info}");
        assert_eq!(info.polls(), 1, "{info}");
    }

    for tx in senders {
        tx.send(()).unwrap();
    }
    for h in handles {
        rt.block_on(h).unwrap();
    }
    let m = metrics_when(&rt, |m| m.alive_tasks() == 0);
    assert_eq!(m.spawned_tasks(), 20);
    assert!(rt.handle().dump().is_empty());
}

#[test]
fn each_spawn_entry_point_records_its_callers_location() {
    let rt = rt(1);
    let (tx, rx) = mpsc::channel::<()>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let pending = move || {
        let rx = rx.clone();
        async move {
            weave_scheduler::spawn_blocking(move || {
                let _ = rx.lock().unwrap().recv();
            })
            .await
            .unwrap()
        }
    };
    let mut expected = Vec::new();
    let h = rt.spawn(pending());
    expected.push((h.id(), line!() - 1));
    let h = rt.handle().spawn(pending());
    expected.push((h.id(), line!() - 1));
    let h = TaskBuilder::new().spawn_on(pending(), rt.handle());
    expected.push((h.id(), line!() - 1));
    let (h1, h2) = rt.block_on(async {
        let h1 = spawn(pending());
        let l1 = line!() - 1;
        let h2 = TaskBuilder::new().name("built").spawn(pending());
        let l2 = line!() - 1;
        ((h1.id(), l1), (h2.id(), l2))
    });
    expected.extend([h1, h2]);

    let dump = rt.handle().dump();
    assert_eq!(dump.len(), expected.len());
    for (id, line) in expected {
        let info = dump.iter().find(|t| t.id() == id).expect("task in dump");
        assert_eq!(info.spawned_at().file(), file!(), "{info}");
        assert_eq!(info.spawned_at().line(), line, "{info}");
    }
    drop(tx);
}

#[test]
fn task_polls_and_states_follow_the_task() {
    let rt = rt(1);
    let (block_tx, block_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    // Occupies the only worker: the task is Running while it blocks.
    let hog = rt.spawn(async move {
        for _ in 0..4 {
            yield_now().await;
        }
        started_tx.send(()).unwrap();
        block_rx.recv().unwrap();
    });
    started_rx.recv().unwrap();
    // Spawned from outside while the worker is busy: Scheduled, never polled.
    let queued = rt.spawn(async {});
    let dump = rt.handle().dump();
    let hog_info = dump.iter().find(|t| t.id() == hog.id()).unwrap();
    assert_eq!(hog_info.state(), TaskState::Running);
    assert_eq!(hog_info.polls(), 5, "four yields, then the blocking poll");
    let queued_info = dump.iter().find(|t| t.id() == queued.id()).unwrap();
    assert_eq!(queued_info.state(), TaskState::Scheduled);
    assert_eq!(queued_info.polls(), 0);
    assert_eq!(
        rt.metrics().global_queue_depth(),
        1,
        "the remote spawn waits in the injector"
    );
    block_tx.send(()).unwrap();
    rt.block_on(hog).unwrap();
    rt.block_on(queued).unwrap();
    let m = metrics_when(&rt, |m| m.alive_tasks() == 0 && m.polls() >= 6);
    assert_eq!(
        m.polls(),
        6,
        "five polls of the hog, one of the queued task"
    );
    assert_eq!(m.global_queue_depth(), 0);
    assert_eq!(m.steals(), 0, "one worker has nobody to steal from");
}

#[test]
fn age_grows_with_time() {
    let rt = rt(1);
    let (tx, rx) = mpsc::channel();
    let h = rt.spawn(wait_for(rx));
    std::thread::sleep(Duration::from_millis(100));
    // Its first poll may still be running on a loaded machine.
    metrics_when(&rt, |_| {
        rt.handle()
            .dump()
            .iter()
            .all(|t| t.polls() == 1 && t.state() == TaskState::Idle)
    });
    let info = rt.handle().dump().pop().unwrap();
    assert_eq!(info.id(), h.id());
    // `age` is exact to about 10 ms.
    assert!(info.age() >= Duration::from_millis(80), "{info}");
    assert!(info.age() < Duration::from_secs(10), "{info}");
    let text = info.to_string();
    assert!(
        text.starts_with(&format!(
            "task {} Idle, 1 polls, spawned at {}:",
            h.id(),
            file!()
        )),
        "{text}"
    );
    tx.send(()).unwrap();
    rt.block_on(h).unwrap();
}

#[test]
fn idle_workers_park_and_busy_ones_steal() {
    let rt = rt(2);
    let m = metrics_when(&rt, |m| m.parks() >= 2);
    assert_eq!(m.polls(), 0);
    // One task spawns two that meet at a barrier: both land in its
    // worker's queue, and the other worker must steal one of them.
    let (tx, rx) = mpsc::channel();
    rt.spawn(async move {
        let barrier = Arc::new(std::sync::Barrier::new(2));
        for _ in 0..2 {
            let (barrier, tx) = (barrier.clone(), tx.clone());
            spawn(async move {
                barrier.wait();
                tx.send(()).unwrap();
            });
        }
    });
    for _ in 0..2 {
        rx.recv_timeout(Duration::from_secs(20))
            .expect("the second task was never stolen");
    }
    let m = metrics_when(&rt, |m| m.polls() >= 3);
    assert!(m.steals() > 0, "{m:?}");
    assert_eq!(m.spawned_tasks(), 3);
}

#[test]
fn metrics_through_a_handle_match_the_runtimes() {
    let rt = rt(2);
    rt.block_on(async {
        let m = Handle::current().metrics();
        assert_eq!(m.workers(), 2);
        assert_eq!(m.spawned_tasks(), 0);
    });
    let threads = rt.block_on(async {
        weave_scheduler::spawn_blocking(|| ()).await.unwrap();
        Handle::current().metrics().blocking_threads()
    });
    assert_eq!(threads, 1);
}

#[test]
fn a_joined_task_no_longer_counts_as_alive() {
    let rt = rt(2);
    rt.block_on(async {
        for _ in 0..2_000 {
            spawn(async {}).await.unwrap();
            assert_eq!(Handle::current().alive_tasks(), 0);
        }
    });
}
