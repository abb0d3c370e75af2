//! In-crate model tests (they reach private types). Run them with
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p weave-scheduler --lib --release -- loom
//! ```

#[cfg(loom)]
mod loom_handoff;
#[cfg(loom)]
mod loom_idle;
#[cfg(loom)]
mod loom_task;
