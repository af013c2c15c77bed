//! `--format json`: a stable, versioned contract (1-based lines, UTF-16 columns, like ESLint).

use crate::engine::Report;
use serde_json::{json, Value};

pub fn render(report: &Report) -> String {
    let mut diagnostics = Vec::new();
    for f in &report.files {
        for d in f.diagnostics.iter().filter(|d| d.suppressed.is_none()) {
            let start = f.source.position(d.span.start);
            let end = f.source.position(d.span.end);
            let mut v = json!({
                "rule": d.rule,
                "severity": d.severity.as_str(),
                "file": f.path,
                "line": start.line,
                "column": start.column,
                "end_line": end.line,
                "end_column": end.column,
                "message": d.message,
                "help": d.help,
            });
            if !d.labels.is_empty() {
                v["labels"] = Value::Array(
                    d.labels
                        .iter()
                        .map(|l| {
                            let p = f.source.position(l.span.start);
                            json!({"line": p.line, "column": p.column, "text": l.text})
                        })
                        .collect(),
                );
            }
            if let Some(fix) = &d.fix {
                v["fix"] = json!({
                    "description": fix.description,
                    "edits": fix.edits.iter().map(|e| json!({
                        "start": e.span.start, "end": e.span.end, "replacement": e.replacement
                    })).collect::<Vec<_>>(),
                });
            }
            diagnostics.push(v);
        }
    }
    let out = json!({
        "version": 1,
        "files_checked": report.files_checked,
        "diagnostics": diagnostics,
        "errors": report.errors,
    });
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}
