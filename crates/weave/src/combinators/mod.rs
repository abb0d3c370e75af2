//! Combinators over futures (asyncio's `gather`, `wait`, ...). So far:
//! [`gather`], [`try_gather`], [`as_completed`], [`race`] and its
//! [`Either`], [`TaskGroup`], and `gather!` for futures of different types.

mod as_completed;
mod children;
mod gather;
#[doc(hidden)]
pub mod join;
mod race;
mod task_group;
mod wait;

pub use as_completed::{as_completed, AsCompleted};
pub use gather::{gather, try_gather, Gather, TryGather};
pub use race::{race, Either, Race};
pub use task_group::TaskGroup;
pub use wait::{wait, ReturnWhen};
