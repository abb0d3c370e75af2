//! `weave-timer`: the hierarchical timing wheel of the weave runtime.
//!
//! This crate will hold a plain data structure (no threads, no clock): a
//! multi-level wheel with O(1) insert and cancel and an `advance` whose cost
//! is proportional to the expired entries. The facade crate `weave` turns
//! `Instant`s into ticks and drives it. It is empty until the timer work lands.
