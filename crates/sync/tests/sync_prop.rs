//! Property tests: random sequences of operations, including drops of
//! pending (and of woken but unpolled) futures at random points, against
//! sequential models of a Semaphore and a Queue.

use proptest::prelude::*;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use weave_sync::{Permit, PutError, Queue, QueueShutDown, Semaphore};

fn poll<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

#[derive(Debug, Clone)]
enum SemOp {
    Wait,
    Poll(usize),
    DropWaiter(usize),
    ReleaseHeld(usize),
    TryAcquire,
    AddPermit,
}

fn sem_op() -> impl Strategy<Value = SemOp> {
    prop_oneof![
        3 => Just(SemOp::Wait),
        3 => any::<usize>().prop_map(SemOp::Poll),
        2 => any::<usize>().prop_map(SemOp::DropWaiter),
        3 => any::<usize>().prop_map(SemOp::ReleaseHeld),
        1 => Just(SemOp::TryAcquire),
        1 => Just(SemOp::AddPermit),
    ]
}

type Waiting<'a> = Pin<Box<dyn Future<Output = Permit> + 'a>>;

fn run_semaphore(initial: usize, ops: Vec<SemOp>) -> Result<(), TestCaseError> {
    let sem = Semaphore::new(initial);
    let mut total = initial;
    // Waiters in arrival order (id, future).
    let mut waiting: Vec<(usize, Waiting<'_>)> = Vec::new();
    let mut held: Vec<Permit> = Vec::new();
    let mut next_id = 0;
    for op in ops {
        match op {
            SemOp::Wait => {
                let mut f: Waiting<'_> = Box::pin(sem.acquire());
                match poll(f.as_mut()) {
                    Poll::Ready(p) => {
                        prop_assert!(waiting.is_empty(), "a newcomer got a permit past waiters");
                        held.push(p);
                    }
                    Poll::Pending => waiting.push((next_id, f)),
                }
                next_id += 1;
            }
            SemOp::Poll(i) if !waiting.is_empty() => {
                let i = i % waiting.len();
                if let Poll::Ready(p) = poll(waiting[i].1.as_mut()) {
                    drop(waiting.remove(i));
                    held.push(p);
                }
            }
            SemOp::DropWaiter(i) if !waiting.is_empty() => {
                let i = i % waiting.len();
                drop(waiting.remove(i));
            }
            SemOp::ReleaseHeld(i) if !held.is_empty() => {
                let i = i % held.len();
                drop(held.swap_remove(i));
            }
            SemOp::TryAcquire => {
                if let Some(p) = sem.try_acquire() {
                    held.push(p);
                }
            }
            SemOp::AddPermit => {
                sem.release();
                total += 1;
            }
            _ => {}
        }
        // Settle: poll every waiter in arrival order. Those granted must be
        // the oldest ones (FIFO), and permits are conserved.
        let mut granted = 0;
        let mut still = Vec::new();
        for (pos, (id, mut f)) in std::mem::take(&mut waiting).into_iter().enumerate() {
            match poll(f.as_mut()) {
                Poll::Ready(p) => {
                    prop_assert_eq!(pos, granted, "waiter {} served before an older one", id);
                    granted += 1;
                    held.push(p);
                }
                Poll::Pending => still.push((id, f)),
            }
        }
        waiting = still;
        prop_assert_eq!(
            sem.available_permits() + held.len(),
            total,
            "permits not conserved"
        );
        if !waiting.is_empty() {
            prop_assert_eq!(
                sem.available_permits(),
                0,
                "a permit idles while tasks wait"
            );
        }
    }
    drop(waiting);
    drop(held);
    prop_assert_eq!(sem.available_permits(), total);
    Ok(())
}

#[derive(Debug, Clone)]
enum QOp {
    PutNowait,
    GetNowait,
    Put,
    Get,
    PollPut(usize),
    PollGet(usize),
    DropPut(usize),
    DropGet(usize),
}

fn q_op() -> impl Strategy<Value = QOp> {
    prop_oneof![
        2 => Just(QOp::PutNowait),
        2 => Just(QOp::GetNowait),
        3 => Just(QOp::Put),
        3 => Just(QOp::Get),
        3 => any::<usize>().prop_map(QOp::PollPut),
        3 => any::<usize>().prop_map(QOp::PollGet),
        1 => any::<usize>().prop_map(QOp::DropPut),
        1 => any::<usize>().prop_map(QOp::DropGet),
    ]
}

type PutFut<'a> = Pin<Box<dyn Future<Output = Result<(), QueueShutDown<u32>>> + 'a>>;
type GetFut<'a> = Pin<Box<dyn Future<Output = Result<u32, QueueShutDown<()>>> + 'a>>;

fn run_queue(maxsize: usize, ops: Vec<QOp>) -> Result<(), TestCaseError> {
    let q = Queue::new(maxsize);
    let mut next = 0u32;
    let mut accepted: Vec<u32> = Vec::new();
    let mut taken: Vec<u32> = Vec::new();
    let mut puts: Vec<(u32, PutFut<'_>)> = Vec::new();
    let mut gets: Vec<GetFut<'_>> = Vec::new();
    for op in ops {
        match op {
            QOp::PutNowait => {
                next += 1;
                match q.put_nowait(next) {
                    Ok(()) => accepted.push(next),
                    Err(PutError::Full(v)) => {
                        prop_assert_eq!(v, next, "the item comes back");
                        prop_assert!(maxsize > 0);
                    }
                    Err(PutError::ShutDown(_)) => prop_assert!(false, "not shut down"),
                }
            }
            QOp::GetNowait => {
                if let Ok(v) = q.get_nowait() {
                    taken.push(v);
                }
            }
            QOp::Put => {
                next += 1;
                let mut f: PutFut<'_> = Box::pin(q.put(next));
                match poll(f.as_mut()) {
                    Poll::Ready(r) => {
                        prop_assert!(r.is_ok());
                        accepted.push(next);
                    }
                    Poll::Pending => puts.push((next, f)),
                }
            }
            QOp::Get => {
                let mut f: GetFut<'_> = Box::pin(q.get());
                match poll(f.as_mut()) {
                    Poll::Ready(r) => taken.push(r.unwrap()),
                    Poll::Pending => gets.push(f),
                }
            }
            QOp::PollPut(i) if !puts.is_empty() => {
                let i = i % puts.len();
                if let Poll::Ready(r) = poll(puts[i].1.as_mut()) {
                    prop_assert!(r.is_ok());
                    accepted.push(puts.remove(i).0);
                }
            }
            QOp::PollGet(i) if !gets.is_empty() => {
                let i = i % gets.len();
                if let Poll::Ready(r) = poll(gets[i].as_mut()) {
                    taken.push(r.unwrap());
                    drop(gets.remove(i));
                }
            }
            QOp::DropPut(i) if !puts.is_empty() => {
                let i = i % puts.len();
                drop(puts.remove(i));
            }
            QOp::DropGet(i) if !gets.is_empty() => {
                let i = i % gets.len();
                drop(gets.remove(i));
            }
            _ => {}
        }
        prop_assert!(taken.len() <= accepted.len());
        prop_assert_eq!(
            &taken[..],
            &accepted[..taken.len()],
            "items out of FIFO order, lost or duplicated"
        );
        prop_assert_eq!(q.qsize(), accepted.len() - taken.len());
        if maxsize > 0 {
            prop_assert!(q.qsize() <= maxsize, "over maxsize");
        }
    }
    // Drop every pending future, then drain: nothing accepted is lost.
    drop(puts);
    drop(gets);
    while let Ok(v) = q.get_nowait() {
        taken.push(v);
    }
    prop_assert_eq!(taken, accepted);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn semaphore_matches_its_model(initial in 0usize..4, ops in prop::collection::vec(sem_op(), 1..120)) {
        run_semaphore(initial, ops)?;
    }

    #[test]
    fn queue_matches_its_model(maxsize in 0usize..4, ops in prop::collection::vec(q_op(), 1..150)) {
        run_queue(maxsize, ops)?;
    }
}
