//! In-crate model tests. Plain `cargo test` runs each model once on
//! std's types; the model checker explores their interleavings with
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p weave-sync --lib --release -- loom
//! ```

mod loom_oneshot;
mod loom_sync;
