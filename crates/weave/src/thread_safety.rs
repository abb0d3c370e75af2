//! Compile-time checks of the thread safety the crate's docs promise
//! (`lib.rs`, "Thread safety", has the `compile_fail` half): the runtime,
//! its handles and every future the crate returns are `Send` (and the
//! handles `Sync`), so they may move into spawned tasks and other threads.

#![allow(dead_code)]

use crate::*;
use std::future::Future;
use std::time::{Duration, Instant};

fn send_sync<T: Send + Sync>() {}

fn send_future<F: Future + Send>(_: F) {}

fn send<T: Send>(_: T) {}

fn types() {
    send_sync::<Runtime>();
    send_sync::<Handle>();
    send_sync::<Builder>();
    send_sync::<JoinHandle<u8>>();
    send_sync::<JoinError>();
    send_sync::<TaskId>();
    send_sync::<TaskGroup<u8>>();
    send_sync::<Sleep>();
    send_sync::<Interval>();
    send_sync::<Timeout<Sleep>>();
    send_sync::<TimeoutError>();
    send_sync::<TimerHandle>();
    send_sync::<Metrics>();
    send_sync::<TaskInfo>();
    send_sync::<NoRuntime>();
    send_sync::<net::Server>();
}

async fn unit() {}

fn futures(mut group: TaskGroup<()>, mut interval: Interval) {
    send_future(sleep(Duration::from_millis(1)));
    send_future(sleep_until(Instant::now()));
    send_future(wait_for(unit(), Duration::from_millis(1)));
    send_future(gather(vec![unit(), unit()]));
    send(as_completed(vec![unit()]));
    send_future(interval.tick());
    send_future(group.join_next());
    send_future(group.join_all());
    send_future(spawn(unit()));
    send_future(to_thread(|| 1));
    send_future(yield_now());
}
