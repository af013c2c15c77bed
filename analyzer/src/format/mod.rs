//! Output formats. Each renders a finished [`Report`](crate::engine::Report); nothing else in the
//! analyzer knows about presentation.
//!
//! Every format places ranges the same way: 1-based lines and columns counted in UTF-16 code
//! units ([`crate::source::SourceText::position`]), LSP's 0-based form of the same, and a label
//! in another file ([`crate::diagnostic::Label::file`]) with that file's own text
//! ([`label_place`]).

pub mod concise;
pub mod github;
pub mod json;
pub mod lsp;
pub mod pretty;
pub mod sarif;

use crate::diagnostic::{ByteSpan, Label};
use crate::engine::{FileReport, Report};
use crate::source::{Position, SourceText};

/// What a run adds to the report for the formats.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunInfo {
    /// Colour (pretty and concise only).
    pub color: bool,
    /// With `--baseline`: how many findings it accepted (they are not in the report).
    pub baseline_accepted: Option<usize>,
}

/// A range placed in a file: the file's path and text, the byte span, and its start and end.
pub struct Place<'a> {
    pub file: &'a str,
    pub source: &'a SourceText,
    pub span: ByteSpan,
    pub start: Position,
    pub end: Position,
}

impl<'a> Place<'a> {
    pub fn new(file: &'a str, source: &'a SourceText, span: ByteSpan) -> Place<'a> {
        Place { file, source, span, start: source.position(span.start), end: source.position(span.end) }
    }
}

/// Where a label of a diagnostic of `f` is: in `f` itself, or in the other file it names. `None`
/// when that file's text could not be read (the label is then left out).
pub fn label_place<'a>(report: &'a Report, f: &'a FileReport, l: &'a Label) -> Option<Place<'a>> {
    match l.file.as_deref() {
        None => Some(Place::new(&f.path, &f.source, l.span)),
        Some(file) => report.source_of(file).map(|source| Place::new(file, source, l.span)),
    }
}

/// Whether to colour output: `--color always|never`, else (`auto`) only on a terminal and when
/// `NO_COLOR` is not set to a non-empty value (<https://no-color.org>).
pub fn use_color(choice: Option<bool>, is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        Some(c) => c,
        None => is_terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

fn plural(n: usize, w: &str) -> String {
    if n == 1 {
        format!("{n} {w}")
    } else {
        format!("{n} {w}s")
    }
}

/// The closing summary of the human formats (pretty, concise).
pub fn summary(report: &Report, info: &RunInfo) -> String {
    let errors = report.count(crate::Severity::Error);
    let warnings = report.count(crate::Severity::Warning);
    let problems = errors + warnings;
    let with_problems = report.files.iter().filter(|f| f.diagnostics.iter().any(|d| d.suppressed.is_none())).count();
    let unchecked = report.errors.len();
    let mut s = String::new();
    if problems > 0 {
        s.push_str(&format!(
            "✖ {} ({}, {}) in {} ({} checked).\n",
            plural(problems, "problem"),
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(with_problems, "file"),
            report.files_checked,
        ));
    }
    if unchecked > 0 {
        let syntax = report.errors.iter().filter(|e| e.message.starts_with("syntax error")).count();
        let why = match (syntax, unchecked - syntax) {
            (0, n) => format!("{n} unreadable"),
            (n, 0) => plural(n, "syntax error"),
            (a, b) => format!("{}, {b} unreadable", plural(a, "syntax error")),
        };
        s.push_str(&format!("✖ {} could not be checked ({why})", plural(unchecked, "file")));
        let others = report.files_checked.saturating_sub(unchecked);
        if problems == 0 && others > 0 {
            s.push_str(&format!("; no problems found in the other {}", plural(others, "file")));
        }
        s.push_str(".\n");
    } else if problems == 0 {
        s.push_str(&format!("No problems found in {}.\n", plural(report.files_checked, "file")));
    }
    if let Some(n) = info.baseline_accepted {
        s.push_str(&format!("{} accepted by the baseline (not shown).\n", plural(n, "finding")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_is_honoured_unless_colour_is_asked_for() {
        use std::ffi::OsStr;
        assert!(use_color(None, true, None));
        assert!(!use_color(None, true, Some(OsStr::new("1"))));
        assert!(use_color(None, true, Some(OsStr::new(""))), "an empty NO_COLOR is unset");
        assert!(!use_color(None, false, None));
        assert!(use_color(Some(true), false, Some(OsStr::new("1"))));
        assert!(!use_color(Some(false), true, None));
    }
}
