//! Diagnostics are plain data. A rule fills in what it found (rule id, spans, labels, message,
//! help, an optional fix); the engine stamps severity; formatters render.
//!
//! Positions are byte ranges of the text analysed. A diagnostic's primary span and its fix are in
//! the reported file; a [`Label`] may point into another file (a helper reached through an
//! import), named by [`Label::file`]. The engine keeps the text of every such file in the report
//! ([`crate::engine::Report::source_of`]), so that each format turns every range into lines and
//! UTF-16 columns the same way ([`crate::source::SourceText::position`]).

use serde::Serialize;

/// Byte range `[start, end)` in the file's source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
pub struct ByteSpan {
    pub start: u32,
    pub end: u32,
}

impl ByteSpan {
    pub fn new(start: u32, end: u32) -> Self {
        ByteSpan { start, end: end.max(start) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A secondary location with a short text ("read here", "await here", "`fs.readFileSync` blocks
/// here").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Label {
    pub span: ByteSpan,
    pub text: String,
    /// The file the span is in, when it is not the diagnostic's own: its path as the engine names
    /// files (the display path of a checked file, the resolved path of a file read only to follow
    /// an import). `None`: the diagnostic's file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// One replacement of a byte range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Edit {
    pub span: ByteSpan,
    pub replacement: String,
}

/// A suggested fix: never applied silently.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: &'static str,
    /// Stamped by the engine from the rule's default or the configuration.
    pub severity: Severity,
    pub span: ByteSpan,
    /// Text of the primary label, shown under the primary span.
    pub label: String,
    pub labels: Vec<Label>,
    /// The labels, in order, are the steps of a path from the primary location to the cause (a
    /// call chain into helpers): formats that show execution paths (SARIF `codeFlows`) show them
    /// as one. Otherwise the labels are unordered secondary locations.
    pub flow: bool,
    pub message: String,
    pub help: String,
    pub fix: Option<Fix>,
    /// Set by the engine when a suppression comment covers this diagnostic: its reason.
    pub suppressed: Option<String>,
}

impl Diagnostic {
    /// Start a diagnostic; the engine overwrites `severity`.
    pub fn new(rule: &'static str, span: ByteSpan, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: Severity::Warning,
            span,
            label: String::new(),
            labels: Vec::new(),
            flow: false,
            message: message.into(),
            help: String::new(),
            fix: None,
            suppressed: None,
        }
    }

    pub fn with_label(mut self, text: impl Into<String>) -> Self {
        self.label = text.into();
        self
    }

    pub fn with_secondary(mut self, span: ByteSpan, text: impl Into<String>) -> Self {
        self.labels.push(Label { span, text: text.into(), file: None });
        self
    }

    /// A secondary location in another file (`file` as the engine names it; see [`Label::file`]).
    pub fn with_secondary_in(mut self, file: impl Into<String>, span: ByteSpan, text: impl Into<String>) -> Self {
        self.labels.push(Label { span, text: text.into(), file: Some(file.into()) });
        self
    }

    /// Mark the labels as the ordered steps of a path (see [`Diagnostic::flow`]).
    pub fn as_flow(mut self) -> Self {
        self.flow = true;
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = help.into();
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}
