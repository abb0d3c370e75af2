//! Plain objects across awaits: tasks spawned with `spawn_local` share an
//! `Rc<RefCell<_>>` — no `Arc`, no lock — because they all run on the
//! thread that spawned them (here, the one in `weave::run`). Python's
//! asyncio tasks share plain objects the same way: one thread, so a value
//! is never touched by two tasks at the same instant.
//!
//! ```text
//! cargo run --release --example local_state
//! ```
//!
//! A crawler's "seen" set and a word tally are the shared state; each
//! task sleeps (a stand-in for I/O) between reading and updating them, and
//! a `RefCell` borrow never spans an await, so no borrow ever fails.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;
use std::time::Duration;

#[derive(Default)]
struct Crawl {
    seen: HashSet<u32>,
    words: BTreeMap<&'static str, usize>,
}

const WORDS: [&str; 4] = ["async", "await", "task", "loop"];

/// Visits `page`, then the pages it links to (2 page and 2 page + 1, up
/// to `last`), recording each page once.
async fn visit(state: Rc<RefCell<Crawl>>, page: u32, last: u32) {
    if !state.borrow_mut().seen.insert(page) {
        return; // another task got here first
    }
    weave::sleep(Duration::from_millis(u64::from(page % 5))).await;
    *state
        .borrow_mut()
        .words
        .entry(WORDS[page as usize % 4])
        .or_default() += 1;
    let children: Vec<_> = [2 * page, 2 * page + 1]
        .into_iter()
        .filter(|&p| p <= last && p != page)
        .map(|p| weave::spawn_local(visit(state.clone(), p, last)))
        .collect();
    for child in children {
        child.await.unwrap();
    }
}

fn main() {
    let (pages, words, strong) = weave::run(async {
        let state = Rc::new(RefCell::new(Crawl::default()));
        // `weave::spawn(visit(..))` would not compile: the future holds an
        // Rc. `spawn_local` keeps it on this thread.
        weave::spawn_local(visit(state.clone(), 1, 100))
            .await
            .unwrap();
        let crawl = state.borrow();
        (
            crawl.seen.len(),
            crawl.words.clone(),
            Rc::strong_count(&state),
        )
    });
    println!("visited {pages} pages, each once");
    for (word, count) in &words {
        println!("  {word:>5}: {count}");
    }
    println!("the tasks are done: {strong} reference to the state is left");
}
