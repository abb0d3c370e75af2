//! asyncio's producer/consumer program (the `asyncq` tutorial): producers
//! put items, consumers get them and mark them done, the main task joins
//! the queue and then cancels the consumers, which are blocked in `get`.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use weave::sync::Queue;

async fn produce(id: usize, queue: Queue<(usize, usize)>, items: usize) {
    for i in 0..items {
        // A little randomness in pace, as in the tutorial.
        weave::sleep(Duration::from_micros(((id * 31 + i * 17) % 5) as u64 * 100)).await;
        queue.put((id, i)).await.unwrap();
    }
}

async fn consume(queue: Queue<(usize, usize)>, seen: Arc<AtomicUsize>) {
    loop {
        let (_producer, item) = queue.get().await.unwrap();
        weave::sleep(Duration::from_micros((item % 3) as u64 * 100)).await;
        seen.fetch_add(1, SeqCst);
        queue.task_done().unwrap();
    }
}

#[test]
fn producers_consumers_join_then_cancel() {
    let (nprod, ncon, items) = (5, 10, 40);
    let seen = Arc::new(AtomicUsize::new(0));
    weave::run({
        let seen = seen.clone();
        async move {
            let queue = Queue::new(8);
            let producers: Vec<_> = (0..nprod)
                .map(|id| weave::spawn(produce(id, queue.clone(), items)))
                .collect();
            let consumers: Vec<_> = (0..ncon)
                .map(|_| weave::spawn(consume(queue.clone(), seen.clone())))
                .collect();
            for p in producers {
                p.await.unwrap();
            }
            queue.join().await; // every item processed
            assert_eq!(seen.load(SeqCst), nprod * items);
            for c in &consumers {
                assert!(c.cancel(), "consumers wait in get() forever");
            }
            for c in consumers {
                assert!(c.await.unwrap_err().is_cancelled());
            }
            assert!(queue.empty());
        }
    });
    assert_eq!(seen.load(SeqCst), nprod * items);
}
