//! In-crate model tests. Run them with
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 \
//!     cargo test -p weave-sync --lib --release -- loom
//! ```

#[cfg(loom)]
mod loom_oneshot;
#[cfg(loom)]
mod loom_sync;
