//! Combinators over futures (asyncio's `gather`, `wait`, ...). So far:
//! [`gather`], [`try_gather`], [`race`] and its [`Either`].

mod children;
mod gather;
mod race;

pub use gather::{gather, try_gather, Gather, TryGather};
pub use race::{race, Either, Race};
