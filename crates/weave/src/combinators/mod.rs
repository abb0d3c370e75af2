//! Combinators over futures (asyncio's `gather`, `wait`, ...). So far:
//! [`race`] and its [`Either`].

mod race;

pub use race::{race, Either, Race};
