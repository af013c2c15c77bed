//! The default, human format: miette renders each finding with its source snippet, labels and
//! help; a summary line closes the output.

use crate::diagnostic::{Diagnostic, Severity};
use crate::engine::Report;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use std::fmt;

struct Rendered<'a> {
    d: &'a Diagnostic,
    src: NamedSource<String>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("loopsafe({})", self.d.rule)))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        (!self.d.help.is_empty()).then(|| Box::new(&self.d.help) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = self.d;
        let primary = LabeledSpan::new_primary_with_span(
            (!d.label.is_empty()).then(|| d.label.clone()),
            (d.span.start as usize, (d.span.end - d.span.start) as usize),
        );
        let rest = d.labels.iter().map(|l| {
            LabeledSpan::new_with_span(
                Some(l.text.clone()),
                (l.span.start as usize, (l.span.end - l.span.start) as usize),
            )
        });
        Some(Box::new(std::iter::once(primary).chain(rest)))
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1).with_width(110);
    let mut out = String::new();
    for f in &report.files {
        for d in f.diagnostics.iter().filter(|d| d.suppressed.is_none()) {
            let src = NamedSource::new(&f.path, f.source.text().to_string());
            let r = Rendered { d, src };
            let _ = handler.render_report(&mut out, &r);
            out.push('\n');
        }
    }
    for e in &report.errors {
        match (e.line, e.column) {
            (Some(l), Some(c)) => out.push_str(&format!("error: {}:{}:{}: {}\n", e.file, l, c, e.message)),
            _ => out.push_str(&format!("error: {}: {}\n", e.file, e.message)),
        }
    }
    out.push_str(&summary(report));
    out
}

pub fn summary(report: &Report) -> String {
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let problems = errors + warnings;
    let plural = |n: usize, w: &str| if n == 1 { format!("{n} {w}") } else { format!("{n} {w}s") };
    let files = plural(report.files_checked, "file");
    let mut s = if problems == 0 {
        format!("No problems found in {files}.\n")
    } else {
        format!(
            "✖ {} ({}, {}) in {files}.\n",
            plural(problems, "problem"),
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    };
    if !report.errors.is_empty() {
        s.push_str(&format!("{} could not be checked.\n", plural(report.errors.len(), "file")));
    }
    s
}
