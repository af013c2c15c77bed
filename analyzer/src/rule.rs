//! The interface between the engine and the rules.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::FileModel;
use crate::source::SourceText;
use swc_ecma_ast::Program;

/// What a rule says about itself. Generated from the rule's doc comment by the
/// `#[rule(...)]` attribute of `loopsafe_macros`.
#[derive(Debug)]
pub struct RuleMeta {
    /// kebab-case id, e.g. `blocking-call`.
    pub id: &'static str,
    pub default_severity: Severity,
    pub category: &'static str,
    /// Whether the rule may attach suggested fixes.
    pub fixable: bool,
    /// The first sentence of the doc comment.
    pub summary: &'static str,
    /// The whole doc comment, markdown.
    pub docs: &'static str,
}

/// What a rule sees of one file while the syntax tree is alive.
pub struct FileContext<'a> {
    pub path: &'a str,
    pub source: &'a SourceText,
    pub program: &'a Program,
    pub model: &'a FileModel,
}

impl FileContext<'_> {
    /// Byte range of an swc span in this file's text.
    pub fn span(&self, span: swc_common::Span) -> crate::diagnostic::ByteSpan {
        self.model.span(span)
    }
}

/// A rule's metadata, implemented by the `#[rule(...)]` attribute.
pub trait RuleInfo {
    fn meta(&self) -> &'static RuleMeta;
}

/// A lint rule. Rules are stateless and shared between threads.
pub trait Rule: RuleInfo + Sync + Send {
    /// Runs once per file with the syntax tree and the file's model.
    fn check_file(&self, _cx: &FileContext<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// Whether the path `file` (as `file!()` gives it) names `<stem>.rs`. Used by `#[rule]` to
/// check, at compile time, that a rule's id matches its file name.
pub const fn file_stem_is(file: &str, stem: &str) -> bool {
    let f = file.as_bytes();
    let s = stem.as_bytes();
    let want = s.len() + 3;
    if f.len() < want {
        return false;
    }
    let start = f.len() - want;
    if start > 0 && f[start - 1] != b'/' && f[start - 1] != b'\\' {
        return false;
    }
    let mut i = 0;
    while i < s.len() {
        if f[start + i] != s[i] {
            return false;
        }
        i += 1;
    }
    f[f.len() - 3] == b'.' && f[f.len() - 2] == b'r' && f[f.len() - 1] == b's'
}
