//! In-crate model tests (they reach private types). Plain `cargo test`
//! runs each model once on std's types; the model checker explores their
//! interleavings with
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p weave-scheduler --lib --release -- loom
//! ```

mod loom_idle;
mod loom_task;
