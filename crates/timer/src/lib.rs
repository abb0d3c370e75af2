//! `weave-timer`: the hierarchical timing wheel of the weave runtime.
//!
//! A plain data structure: no threads, no clock, no `unsafe`. Time is a
//! `u64` count of ticks chosen by the caller (the `weave` runtime uses
//! microseconds). [`Wheel`] holds values until their deadline:
//!
//! - [`Wheel::insert`] and [`Wheel::cancel`] are O(1);
//! - [`Wheel::advance`] costs O(expired entries + occupied slots passed):
//!   it jumps from one occupied slot to the next through per-level bitmaps,
//!   however far the clock moved;
//! - [`Wheel::next_deadline`] is never later than the earliest deadline and
//!   exact for deadlines within 64 ticks, so a driver can sleep on it.
//!
//! ```
//! use weave_timer::Wheel;
//!
//! let mut wheel = Wheel::new();
//! let a = wheel.insert(100, "a");
//! let _b = wheel.insert(5_000, "b");
//! assert_eq!(wheel.cancel(a), Some("a"));
//! let mut fired = Vec::new();
//! wheel.advance(10_000, |v| fired.push(v));
//! assert_eq!(fired, ["b"]);
//! assert!(wheel.is_empty());
//! ```

mod level;
mod slab;
mod wheel;

pub use slab::Key;
pub use wheel::Wheel;
