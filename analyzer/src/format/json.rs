//! `--format json`: a stable, versioned contract (1-based lines, UTF-16 columns, like ESLint).
//!
//! Version 2 (version 1 gave fix offsets in UTF-8 bytes and labels without a file):
//! - each label has its `file` (a chain step may be in a helper's file), `line`, `column`,
//!   `end_line`, `end_column` and `text`; `flow: true` marks labels that are the ordered steps of
//!   a call chain;
//! - each fix edit has `start` and `end` as indices into the file's text as a JavaScript string
//!   (UTF-16 code units, ESLint's `fix.range`: `text.slice(0, start) + replacement +
//!   text.slice(end)` in Node applies it), and the same range as `line`, `column`, `end_line`,
//!   `end_column`.

use super::{label_place, Place, RunInfo};
use crate::engine::Report;
use serde_json::{json, Value};

/// The contract's version.
pub const VERSION: u32 = 2;

fn range(p: &Place<'_>) -> [(&'static str, Value); 4] {
    [
        ("line", json!(p.start.line)),
        ("column", json!(p.start.column)),
        ("end_line", json!(p.end.line)),
        ("end_column", json!(p.end.column)),
    ]
}

pub fn render(report: &Report, info: &RunInfo) -> String {
    let mut diagnostics = Vec::new();
    for f in &report.files {
        for d in f.diagnostics.iter().filter(|d| d.suppressed.is_none()) {
            let at = Place::new(&f.path, &f.source, d.span);
            let mut v = json!({ "rule": d.rule, "severity": d.severity.as_str(), "file": f.path });
            for (k, x) in range(&at) {
                v[k] = x;
            }
            v["message"] = json!(d.message);
            v["help"] = json!(d.help);
            let labels: Vec<Value> = d
                .labels
                .iter()
                .filter_map(|l| {
                    let p = label_place(report, f, l)?;
                    let mut o = json!({ "file": p.file });
                    for (k, x) in range(&p) {
                        o[k] = x;
                    }
                    o["text"] = json!(l.text);
                    Some(o)
                })
                .collect();
            if !labels.is_empty() {
                v["labels"] = Value::Array(labels);
                if d.flow {
                    v["flow"] = json!(true);
                }
            }
            if let Some(fix) = &d.fix {
                let edits: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        let p = Place::new(&f.path, &f.source, e.span);
                        let mut o = json!({
                            "start": f.source.utf16_offset(e.span.start),
                            "end": f.source.utf16_offset(e.span.end),
                        });
                        for (k, x) in range(&p) {
                            o[k] = x;
                        }
                        o["replacement"] = json!(e.replacement);
                        o
                    })
                    .collect();
                v["fix"] = json!({ "description": fix.description, "edits": edits });
            }
            diagnostics.push(v);
        }
    }
    let mut out = json!({
        "version": VERSION,
        "files_checked": report.files_checked,
        "diagnostics": diagnostics,
        "errors": report.errors,
    });
    if let Some(n) = info.baseline_accepted {
        out["baseline_accepted"] = json!(n);
    }
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}
