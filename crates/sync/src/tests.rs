//! In-crate model tests (loom).
