//! In-crate model tests of the driver's park and hand-off: the code that
//! ships, over a model of the poller under loom (`src/mock.rs`), over the
//! real poller once each in plain `cargo test`. Explore the interleavings
//! with
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p weave-driver --lib --release -- loom
//! ```

mod loom_driver;
