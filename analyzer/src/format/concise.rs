//! `--format concise`: one line per finding, `file:line:column: severity [rule] message` (the
//! shape of ruff's concise output and of ESLint's `unix` formatter; editors and terminals open
//! `file:line:column`), files that could not be checked as `file:line:column: error message`,
//! then the summary. Columns count UTF-16 code units, as in every format.

use super::{summary, RunInfo};
use crate::diagnostic::Severity;
use crate::engine::Report;

pub fn render(report: &Report, info: &RunInfo) -> String {
    let paint = |s: &str, code: &str| if info.color { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let mut out = String::new();
    for f in &report.files {
        for d in f.diagnostics.iter().filter(|d| d.suppressed.is_none()) {
            let p = f.source.position(d.span.start);
            let severity = match d.severity {
                Severity::Error => paint("error", "1;31"),
                Severity::Warning => paint("warning", "1;33"),
            };
            // one line: a message's own line breaks become spaces
            let message = d.message.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push_str(&format!(
                "{}:{}:{}: {severity} {} {message}\n",
                f.path,
                p.line,
                p.column,
                paint(&format!("[{}]", d.rule), "2")
            ));
        }
    }
    for e in &report.errors {
        let error = paint("error", "1;31");
        match (e.line, e.column) {
            (Some(l), Some(c)) => out.push_str(&format!("{}:{l}:{c}: {error} {}\n", e.file, e.message)),
            _ => out.push_str(&format!("{}:1:1: {error} {}\n", e.file, e.message)),
        }
    }
    out.push_str(&summary(report, info));
    out
}
