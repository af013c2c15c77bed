//! Data the rules share: which APIs block and what to use instead.

pub mod blocking;
pub mod ordering;
