//! The loopsafe analyzer: discovery, parsing, the shared per-file model, the engine that runs rules,
//! diagnostics as plain data, and the output formatters.
//!
//! Rules live in the `loopsafe_rules` crate and only read what this crate builds: they ask the
//! [`model::FileModel`] semantic questions and never re-derive scopes or imports themselves.

pub mod baseline;
pub mod catalog;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod fix;
pub mod format;
pub mod knowledge;
pub mod model;
pub mod parse;
pub mod project;
pub mod rule;
pub mod source;
pub mod suppress;

pub use diagnostic::{Diagnostic, Edit, Fix, Label, Severity};
pub use engine::{CheckOptions, FileError, FileReport, Report};
pub use model::FileModel;
pub use rule::{FileContext, Rule, RuleInfo, RuleMeta};
