//! `--format github`: GitHub Actions workflow commands, one annotation per finding. An
//! annotation has one place: labels in other files (chain steps in a helper's file) are listed
//! in its text as `file:line:column: text`.

use super::label_place;
use crate::engine::Report;

/// Escape a command's message (data).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a command property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.files {
        for d in f.diagnostics.iter().filter(|d| d.suppressed.is_none()) {
            let s = f.source.position(d.span.start);
            let e = f.source.position(d.span.end);
            let kind = match d.severity {
                crate::Severity::Error => "error",
                crate::Severity::Warning => "warning",
            };
            let mut message = d.message.clone();
            if !d.help.is_empty() {
                message.push_str("\nhelp: ");
                message.push_str(&d.help);
            }
            // an annotation has one place: steps in other files are named in its text
            for l in d.labels.iter().filter(|l| l.file.is_some()) {
                if let Some(p) = label_place(report, f, l) {
                    message.push_str(&format!("\n{}:{}:{}: {}", p.file, p.start.line, p.start.column, l.text));
                }
            }
            out.push_str(&format!(
                "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                escape_property(&f.path),
                s.line,
                s.column,
                e.line,
                e.column,
                escape_property(&format!("loopsafe({})", d.rule)),
                escape_data(&message)
            ));
        }
    }
    for e in &report.errors {
        let pos = match (e.line, e.column) {
            (Some(l), Some(c)) => format!(",line={l},col={c}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "::error file={}{pos},title=loopsafe::{}\n",
            escape_property(&e.file),
            escape_data(&e.message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_github_documents() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
