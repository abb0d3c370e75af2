//! Property test: random task graphs (spawn trees of random depth and
//! fan-out, random yields, wakes from foreign threads, cancels, panics and
//! detached tasks) on 1, 2 and 4 workers. Every output is delivered exactly
//! once, every future is dropped exactly once, the runtime's counters match
//! the graph, and the runtime shuts down.

mod support;

use proptest::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;
use weave_scheduler::{spawn, yield_now, Runtime};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Returns its id; the parent awaits it.
    Value,
    /// Waits for a wake from a fresh OS thread, then returns its id.
    ForeignWake,
    /// Panics; the parent expects `is_panic`.
    Panic,
    /// Pends forever; the parent cancels it and expects `is_cancelled`.
    Cancel,
    /// Returns its id, but the parent drops its handle (detaches it).
    Detach,
}

#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    yields: u8,
    children: Vec<Node>,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => Just(Kind::Value),
        2 => Just(Kind::ForeignWake),
        1 => Just(Kind::Panic),
        1 => Just(Kind::Cancel),
        1 => Just(Kind::Detach),
    ]
}

fn tree() -> impl Strategy<Value = Node> {
    let leaf = (kind(), 0u8..4).prop_map(|(kind, yields)| Node {
        kind,
        yields,
        children: vec![],
    });
    leaf.prop_recursive(5, 200, 6, |inner| {
        (kind(), 0u8..4, prop::collection::vec(inner, 1..7)).prop_map(|(kind, yields, children)| {
            Node {
                kind,
                yields,
                children,
            }
        })
    })
}

/// The tree flattened, children by index.
struct Plan {
    kinds: Vec<Kind>,
    yields: Vec<u8>,
    children: Vec<Vec<usize>>,
}

fn flatten(root: &Node) -> Plan {
    fn walk(node: &Node, plan: &mut Plan) -> usize {
        let id = plan.kinds.len();
        plan.kinds.push(node.kind);
        plan.yields.push(node.yields);
        plan.children.push(vec![]);
        for child in &node.children {
            let c = walk(child, plan);
            plan.children[id].push(c);
        }
        id
    }
    let mut plan = Plan {
        kinds: vec![],
        yields: vec![],
        children: vec![],
    };
    walk(root, &mut plan);
    // The root is awaited by the test itself: make it a plain value.
    plan.kinds[0] = Kind::Value;
    plan
}

struct Counters {
    spawns: Vec<AtomicUsize>,
    drops: Vec<AtomicUsize>,
    delivered: Vec<AtomicUsize>,
    errors: AtomicUsize,
}

struct DropMark(Arc<Counters>, usize);

impl Drop for DropMark {
    fn drop(&mut self) {
        self.0.drops[self.1].fetch_add(1, SeqCst);
    }
}

/// Completes once a fresh OS thread wakes it.
fn foreign_wake(delay_us: u64) -> impl Future<Output = ()> + Send {
    let state: Arc<parking_lot::Mutex<(bool, Option<Waker>, bool)>> = Arc::default();
    std::future::poll_fn(move |cx| {
        let mut s = state.lock();
        if s.0 {
            return Poll::Ready(());
        }
        s.1 = Some(cx.waker().clone());
        if !s.2 {
            s.2 = true;
            let state = state.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_micros(delay_us));
                let waker = {
                    let mut s = state.lock();
                    s.0 = true;
                    s.1.take()
                };
                if let Some(w) = waker {
                    w.wake();
                }
            });
        }
        Poll::Pending
    })
}

fn node(
    plan: Arc<Plan>,
    id: usize,
    counters: Arc<Counters>,
) -> Pin<Box<dyn Future<Output = usize> + Send>> {
    // Captured, so it drops with the future even if it is never polled.
    let mark = DropMark(counters.clone(), id);
    Box::pin(async move {
        let _mark = mark;
        for _ in 0..plan.yields[id] {
            yield_now().await;
        }
        match plan.kinds[id] {
            Kind::Panic => panic!("planned panic in node {id}"),
            Kind::Cancel => std::future::pending::<()>().await,
            Kind::ForeignWake => foreign_wake((id as u64 * 37) % 300).await,
            Kind::Value | Kind::Detach => {}
        }
        let handles: Vec<_> = plan.children[id]
            .iter()
            .map(|&c| {
                counters.spawns[c].fetch_add(1, SeqCst);
                (c, spawn(node(plan.clone(), c, counters.clone())))
            })
            .collect();
        for (c, handle) in handles {
            let ok = match plan.kinds[c] {
                Kind::Detach => {
                    drop(handle);
                    true
                }
                Kind::Cancel => {
                    handle.cancel();
                    matches!(handle.await, Err(e) if e.is_cancelled())
                }
                Kind::Panic => matches!(handle.await, Err(e) if e.is_panic()),
                Kind::Value | Kind::ForeignWake => match handle.await {
                    Ok(v) if v == c => {
                        counters.delivered[c].fetch_add(1, SeqCst);
                        true
                    }
                    _ => false,
                },
            };
            if !ok {
                counters.errors.fetch_add(1, SeqCst);
            }
        }
        id
    })
}

/// For each node: is it certainly spawned, and is it inside a detached
/// subtree (which shutdown may cancel at any point, so its descendants may
/// or may not be spawned and delivered)?
fn expectations(plan: &Plan) -> (Vec<bool>, Vec<bool>) {
    let n = plan.kinds.len();
    let mut spawned = vec![false; n];
    let mut detached = vec![false; n];
    spawned[0] = true;
    for id in 0..n {
        // Preorder: parents come before their children.
        for &c in &plan.children[id] {
            detached[c] = detached[id] || plan.kinds[id] == Kind::Detach;
            spawned[c] = spawned[id] && !matches!(plan.kinds[id], Kind::Panic | Kind::Cancel);
        }
    }
    (spawned, detached)
}

fn check(root: Node, workers: usize) -> Result<(), TestCaseError> {
    support::quiet_planned_panics();
    let plan = Arc::new(flatten(&root));
    let n = plan.kinds.len();
    let counters = Arc::new(Counters {
        spawns: (0..n).map(|_| AtomicUsize::new(0)).collect(),
        drops: (0..n).map(|_| AtomicUsize::new(0)).collect(),
        delivered: (0..n).map(|_| AtomicUsize::new(0)).collect(),
        errors: AtomicUsize::new(0),
    });
    let rt = Runtime::builder().worker_threads(workers).build().unwrap();
    let root_out = rt.block_on(rt.spawn(node(plan.clone(), 0, counters.clone())));
    prop_assert_eq!(root_out.ok(), Some(0));
    if !plan.kinds.contains(&Kind::Detach) {
        // Every task was awaited: introspection must agree with the graph.
        let metrics = rt.metrics();
        let spawned: usize = counters.spawns.iter().map(|c| c.load(SeqCst)).sum();
        prop_assert_eq!(
            metrics.spawned_tasks(),
            spawned as u64 + 1,
            "the root counts too"
        );
        prop_assert_eq!(metrics.alive_tasks(), 0);
        prop_assert!(rt.handle().dump().is_empty());
    }
    drop(rt); // cancels detached tasks still pending; must return
    counters.spawns[0].store(1, SeqCst);
    let (spawned, detached) = expectations(&plan);
    prop_assert_eq!(
        counters.errors.load(SeqCst),
        0,
        "a child's result was wrong"
    );
    for id in 0..n {
        let spawns = counters.spawns[id].load(SeqCst);
        let drops = counters.drops[id].load(SeqCst);
        let delivered = counters.delivered[id].load(SeqCst);
        prop_assert!(spawns <= 1, "node {} spawned {} times", id, spawns);
        prop_assert_eq!(
            drops,
            spawns,
            "every spawned future is dropped exactly once (node {})",
            id
        );
        prop_assert!(
            delivered <= spawns,
            "node {} delivered without being spawned",
            id
        );
        if !detached[id] {
            prop_assert_eq!(spawns, usize::from(spawned[id]), "spawns of node {}", id);
            let awaited =
                spawned[id] && id != 0 && matches!(plan.kinds[id], Kind::Value | Kind::ForeignWake);
            prop_assert_eq!(delivered, usize::from(awaited), "deliveries of node {}", id);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn task_graphs_on_one_worker(root in tree()) {
        check(root, 1)?;
    }

    #[test]
    fn task_graphs_on_two_workers(root in tree()) {
        check(root, 2)?;
    }

    #[test]
    fn task_graphs_on_four_workers(root in tree()) {
        check(root, 4)?;
    }
}
