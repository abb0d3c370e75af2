//! Loom models of the oneshot's state word: the value and the waker cells
//! change hands without a data race (loom checks every cell access), the
//! receiver always wakes, and the value is delivered or handed back exactly
//! once, also when either side is dropped concurrently.

use crate::loom::{block_on, model, thread, Arc, AtomicUsize, Ordering::SeqCst};
use crate::oneshot;

/// Counts its drops.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn loom_oneshot_delivers_and_wakes() {
    model(|| {
        let (tx, rx) = oneshot();
        let sender = thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(block_on(rx).unwrap(), 7);
        sender.join().unwrap();
    });
}

#[test]
fn loom_oneshot_dropped_sender_wakes_with_an_error() {
    model(|| {
        let (tx, rx) = oneshot::<u8>();
        let sender = thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        sender.join().unwrap();
    });
}

#[test]
fn loom_oneshot_value_is_dropped_once_when_the_receiver_leaves() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = oneshot();
        let value = Tracked(drops.clone());
        let sender = thread::spawn(move || match tx.send(value) {
            Ok(()) => false,
            Err(back) => {
                drop(back); // handed back: ours to drop
                true
            }
        });
        drop(rx);
        let _handed_back = sender.join().unwrap();
        assert_eq!(
            drops.load(SeqCst),
            1,
            "the value was leaked or dropped twice"
        );
    });
}
