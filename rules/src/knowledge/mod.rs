//! Data the rules share beyond what the analyzer's model knows.

pub mod fan_out;
pub mod ordering;
pub mod stores;
