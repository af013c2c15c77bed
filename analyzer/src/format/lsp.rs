//! `--format lsp` (and the language server): LSP `Diagnostic` objects grouped by document URI,
//! 0-based lines, UTF-16 characters.

use super::label_place;
use crate::diagnostic::Diagnostic;
use crate::engine::{FileReport, Report};
use crate::source::SourceText;
use serde_json::{json, Value};
use std::path::Path;

/// Where each rule's documentation lives.
pub const DOCS_BASE: &str = "https://github.com/loopsafe/loopsafe/blob/main/docs/rules/";

/// A `file://` URI for a path (made absolute against the working directory).
pub fn file_uri(path: &Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
    };
    let abs = crate::project::normalize(&abs);
    let mut out = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn range(source: &SourceText, start: u32, end: u32) -> Value {
    let s = source.position(start);
    let e = source.position(end);
    json!({
        "start": { "line": s.line - 1, "character": s.column - 1 },
        "end": { "line": e.line - 1, "character": e.column - 1 },
    })
}

/// One diagnostic of `f` as an LSP `Diagnostic`; labels are `relatedInformation`, each with the
/// URI of its own file (a chain step in a helper's file points there).
pub fn diagnostic(report: &Report, f: &FileReport, d: &Diagnostic) -> Value {
    let mut message = d.message.clone();
    if !d.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&d.help);
    }
    let mut v = json!({
        "range": range(&f.source, d.span.start, d.span.end),
        "severity": match d.severity { crate::Severity::Error => 1, crate::Severity::Warning => 2 },
        "code": d.rule,
        "codeDescription": { "href": format!("{DOCS_BASE}{}.md", d.rule) },
        "source": "loopsafe",
        "message": message,
    });
    let related: Vec<Value> = d
        .labels
        .iter()
        .filter_map(|l| {
            let p = label_place(report, f, l)?;
            let uri = file_uri(Path::new(p.file));
            Some(json!({ "location": { "uri": uri, "range": range(p.source, l.span.start, l.span.end) }, "message": l.text }))
        })
        .collect();
    if !related.is_empty() {
        v["relatedInformation"] = Value::Array(related);
    }
    v
}

pub fn render(report: &Report) -> String {
    let mut map = serde_json::Map::new();
    for f in &report.files {
        let uri = file_uri(Path::new(&f.path));
        let list: Vec<Value> =
            f.diagnostics.iter().filter(|d| d.suppressed.is_none()).map(|d| diagnostic(report, f, d)).collect();
        if !list.is_empty() {
            map.insert(uri, Value::Array(list));
        }
    }
    let mut s = serde_json::to_string_pretty(&Value::Object(map)).unwrap_or_default();
    s.push('\n');
    s
}
