//! evidentia: hash, sign and package digital evidence into chain-of-custody
//! bundles that another lab can verify offline.
//!
//! The library never prints, never reads argv or the environment, never
//! exits and never shows a progress bar; long work takes a progress
//! callback. Modules depend downward only:
//! `hash` → `source` → `pathrepr` → `hashlist` → `model` → `sign` →
//! `acquire` → `bundle` → `verify` → `locker` → `report`; `testhook`
//! (fault and pause points for the crash tests) and `wording` (counted
//! nouns for human output) are below them all, and
//! `direct` (writing past the page cache) just above `hash`.
//!
//! The cargo feature `test-hooks` (on for `cargo test` and the fuzz
//! targets, off in a plain or release build) adds the `fuzzing` entry
//! points and the hook registry of `testhook`; a build without it carries
//! no test machinery.

#![warn(missing_docs)]

pub mod acquire;
pub mod atomic;
pub mod bundle;
pub mod capture;
pub mod crypt;
pub mod direct;
pub mod escape;
pub mod ewf;
pub mod export;
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub mod fuzzing;
pub mod hash;
pub mod hashlist;
pub mod locker;
pub mod model;
pub mod pathrepr;
#[cfg(test)]
mod peers;
pub mod report;
pub mod sign;
pub mod source;
pub mod testhook;
pub mod verify;
pub mod wording;
