//! `weave-sync`: runtime-agnostic asynchronous synchronization primitives.
//!
//! This crate will hold asyncio's primitives with Rust's RAII: `Lock`,
//! `RwLock`, `Semaphore`, `BoundedSemaphore`, `Event`, `Condition`,
//! `Barrier`, `Queue` (with `PriorityQueue` and `LifoQueue`), `channel` and
//! `oneshot`, all built on one FIFO waiter list and needing only a `Waker`.
//! It is empty until the sync work lands.
