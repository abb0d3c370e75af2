//! `weave-reactor`: I/O readiness on top of the `polling` crate.
//!
//! This crate will hold the reactor (one `Poller` per runtime, a waiter list
//! per direction per source), `Async<T>` for any non-blocking file
//! descriptor, the TCP, UDP and Unix socket types, asyncio's streams and
//! servers, and signal delivery. It is empty until the I/O work lands.
