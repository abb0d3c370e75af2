//! Compile-time checks of the thread safety the crate's docs promise
//! (`lib.rs`, "Thread safety", has the `compile_fail` half): every
//! primitive, guard, permit, wait future and error is `Send + Sync` over
//! `Send + Sync` data, and every wait future is `Send` (so it may be held
//! across `.await` in a spawned task).

#![allow(dead_code)]

use crate::*;
use std::future::Future;

fn send_sync<T: Send + Sync>() {}

fn send_future<F: Future + Send>(_: F) {}

fn types() {
    send_sync::<Lock<u8>>();
    send_sync::<LockGuard<u8>>();
    send_sync::<RwLock<u8>>();
    send_sync::<RwLockReadGuard<u8>>();
    send_sync::<RwLockWriteGuard<u8>>();
    send_sync::<Semaphore>();
    send_sync::<BoundedSemaphore>();
    send_sync::<BoundedSemaphoreError>();
    send_sync::<Permit>();
    send_sync::<Event>();
    send_sync::<EventWait>();
    send_sync::<Condition<u8>>();
    send_sync::<Barrier>();
    send_sync::<BarrierWait>();
    send_sync::<BarrierWaitResult>();
    send_sync::<Queue<u8>>();
    send_sync::<PriorityQueue<u8>>();
    send_sync::<LifoQueue<u8>>();
    send_sync::<PutError<u8>>();
    send_sync::<GetError>();
    send_sync::<QueueShutDown<u8>>();
    send_sync::<TaskDoneError>();
    send_sync::<Sender<u8>>();
    send_sync::<Receiver<u8>>();
    send_sync::<SendError<u8>>();
    send_sync::<TrySendError<u8>>();
    send_sync::<RecvError>();
    send_sync::<TryRecvError>();
    send_sync::<oneshot::Sender<u8>>();
    send_sync::<oneshot::Receiver<u8>>();
    send_sync::<oneshot::RecvError>();
}

fn futures(
    lock: Lock<u8>,
    rw: RwLock<u8>,
    sem: Semaphore,
    cond: Condition<u8>,
    queue: Queue<u8>,
    tx: Sender<u8>,
    rx: Receiver<u8>,
) {
    send_future(lock.lock());
    send_future(rw.read());
    send_future(rw.write());
    send_future(sem.acquire());
    send_future(sem.acquire_many(2));
    send_future(cond.lock());
    send_future(queue.put(1));
    send_future(queue.get());
    send_future(queue.join());
    send_future(tx.send(1));
    send_future(rx.recv());
}
