//! `weave-macros`: the attribute macros `#[weave::main]` and `#[weave::test]`.
//!
//! They will wrap an `async fn` in a fresh runtime (one per test, as
//! pytest-asyncio gives each test its own loop), accepting
//! `worker_threads = N`. The crate is empty until the macros land.
