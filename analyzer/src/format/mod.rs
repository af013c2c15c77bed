//! Output formats. Each renders a finished [`Report`](crate::engine::Report); nothing else in the
//! analyzer knows about presentation.

pub mod github;
pub mod json;
pub mod lsp;
pub mod pretty;
pub mod sarif;
