//! The default, human format: miette renders each finding with its source snippet, labels and
//! help; labels in another file (the steps of a call chain in a helper's file) follow as a second
//! snippet of that file; a summary closes the output.
//!
//! Two things miette does its own way are set right here:
//! - its `[file:line:column]` header counts the column in bytes; loopsafe's source wrapper
//!   ([`Src`]) gives it the UTF-16 column every other format shows;
//! - it cannot draw a label inside another on one line (it pushes the inner one past the outer's
//!   end): such a label is drawn on its first part no smaller label covers ([`drawn_spans`]), so
//!   on `total += await f()` "read here" stays on `total`, "await here" on `await` and the write on
//!   `+=`. The header still names where the finding starts.

use super::{label_place, summary, RunInfo};
use crate::diagnostic::{ByteSpan, Diagnostic, Severity};
use crate::engine::{FileReport, Report};
use crate::source::SourceText;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};
use std::fmt;

/// A file's text for miette: its name, and line/column of a span start from [`SourceText`]
/// (UTF-16 columns). `header`: the primary label is drawn at `.0` but starts at `.1`.
struct Src<'a> {
    name: &'a str,
    source: &'a SourceText,
    header: Option<(usize, usize)>,
}

impl SourceCode for Src<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.source.text().read_span(span, before, after)?;
        let (line, column) = if before == 0 {
            // the header's position (miette reads the primary span without context for it)
            let at = match self.header {
                Some((drawn, real)) if drawn == span.offset() => real,
                _ => span.offset(),
            };
            let p = self.source.position(at as u32);
            (p.line as usize - 1, p.column as usize - 1)
        } else {
            (inner.line(), inner.column())
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            inner.data(),
            *inner.span(),
            line,
            column,
            inner.line_count(),
        )))
    }
}

/// One snippet: a diagnostic, or the part of one in another file (`related` empty).
struct Rendered<'a> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<&'a str>,
    src: Src<'a>,
    /// The primary label first (if any), as drawn.
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered<'a>>,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code.as_ref().map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help.map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}

/// Whether a span lies on one line.
fn one_line(text: &str, s: ByteSpan) -> bool {
    text.get(s.start as usize..s.end as usize).is_some_and(|t| !t.contains(['\n', '\r']))
}

/// The spans as drawn (see the module docs): from the smallest up, a single-line span that
/// overlaps smaller single-line ones already placed is cut down to its first part that none of
/// them covers, without surrounding whitespace; one with no such part is left as it is.
fn drawn_spans(text: &str, spans: &[ByteSpan]) -> Vec<ByteSpan> {
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by_key(|&i| (spans[i].end - spans[i].start, i));
    let mut out = spans.to_vec();
    let mut placed: Vec<ByteSpan> = Vec::new();
    for i in order {
        let s = spans[i];
        if !one_line(text, s) {
            continue;
        }
        let mut covered: Vec<ByteSpan> =
            placed.iter().copied().filter(|p| p.start < s.end && s.start < p.end && p != &s).collect();
        if !covered.is_empty() {
            covered.sort();
            let mut at = s.start;
            let mut pieces = Vec::new();
            for c in &covered {
                if c.start > at {
                    pieces.push(ByteSpan::new(at, c.start));
                }
                at = at.max(c.end);
            }
            if at < s.end {
                pieces.push(ByteSpan::new(at, s.end));
            }
            let trimmed = pieces.into_iter().find_map(|p| {
                let piece = text.get(p.start as usize..p.end as usize)?;
                let lead = piece.len() - piece.trim_start().len();
                let body = piece.trim();
                (!body.is_empty()).then(|| ByteSpan::new(p.start + lead as u32, p.start + (lead + body.len()) as u32))
            });
            if let Some(t) = trimmed {
                out[i] = t;
            }
        }
        placed.push(out[i]);
    }
    out
}

fn miette_span(s: ByteSpan) -> SourceSpan {
    (s.start as usize, (s.end - s.start) as usize).into()
}

/// A label's text as drawn: the steps of a chain are numbered, since miette draws a file's labels
/// in the order of the text, not of the chain.
fn label_text(d: &Diagnostic, l: &crate::diagnostic::Label) -> String {
    match d.labels.iter().position(|x| std::ptr::eq(x, l)) {
        Some(i) if d.flow && d.labels.len() > 1 => format!("step {}: {}", i + 1, l.text),
        _ => l.text.clone(),
    }
}

fn rendered<'a>(report: &'a Report, f: &'a FileReport, d: &'a Diagnostic) -> Rendered<'a> {
    let text = f.source.text();
    // the main snippet: the primary span and the labels in this file
    let here: Vec<&crate::diagnostic::Label> = d.labels.iter().filter(|l| l.file.is_none()).collect();
    let spans: Vec<ByteSpan> = std::iter::once(d.span).chain(here.iter().map(|l| l.span)).collect();
    let drawn = drawn_spans(text, &spans);
    let mut labels =
        vec![LabeledSpan::new_primary_with_span((!d.label.is_empty()).then(|| d.label.clone()), miette_span(drawn[0]))];
    labels.extend(
        here.iter().zip(&drawn[1..]).map(|(l, s)| LabeledSpan::new_with_span(Some(label_text(d, l)), miette_span(*s))),
    );
    let header = (drawn[0] != d.span).then_some((drawn[0].start as usize, d.span.start as usize));
    // one more snippet per other file, in the order the labels first name it
    let mut related: Vec<Rendered<'a>> = Vec::new();
    let mut files: Vec<&str> = Vec::new();
    for l in &d.labels {
        if let Some(file) = l.file.as_deref().filter(|f| !files.contains(f)) {
            files.push(file);
        }
    }
    for file in files {
        let in_file: Vec<_> = d.labels.iter().filter(|l| l.file.as_deref() == Some(file)).collect();
        let Some(place) = in_file.first().and_then(|l| label_place(report, f, l)) else { continue };
        let spans: Vec<ByteSpan> = in_file.iter().map(|l| l.span).collect();
        let drawn = drawn_spans(place.source.text(), &spans);
        let message = if d.flow { format!("the chain goes on in {file}") } else { format!("see also {file}") };
        related.push(Rendered {
            message,
            code: None,
            severity: miette::Severity::Advice,
            help: None,
            src: Src { name: place.file, source: place.source, header: None },
            labels: in_file
                .iter()
                .zip(&drawn)
                .map(|(l, s)| LabeledSpan::new_with_span(Some(label_text(d, l)), miette_span(*s)))
                .collect(),
            related: Vec::new(),
        });
    }
    Rendered {
        message: d.message.clone(),
        code: Some(format!("loopsafe({})", d.rule)),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        },
        help: (!d.help.is_empty()).then_some(d.help.as_str()),
        src: Src { name: &f.path, source: &f.source, header },
        labels,
        related,
    }
}

pub fn render(report: &Report, info: &RunInfo) -> String {
    let theme = if info.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(110)
        .with_show_related_as_nested(true);
    let mut out = String::new();
    for f in &report.files {
        for d in f.diagnostics.iter().filter(|d| d.suppressed.is_none()) {
            let _ = handler.render_report(&mut out, &rendered(report, f, d));
            out.push('\n');
        }
    }
    for e in &report.errors {
        match (e.line, e.column) {
            (Some(l), Some(c)) => out.push_str(&format!("error: {}:{}:{}: {}\n", e.file, l, c, e.message)),
            _ => out.push_str(&format!("error: {}: {}\n", e.file, e.message)),
        }
    }
    out.push_str(&summary(report, info));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_around_smaller_ones_is_drawn_between_them() {
        let text = "  total += await fetchAmount(id);";
        let at = |s: &str| {
            let i = text.find(s).unwrap() as u32;
            ByteSpan::new(i, i + s.len() as u32)
        };
        let whole = at("total += await fetchAmount(id)");
        let drawn = drawn_spans(text, &[whole, at("total"), at("await")]);
        assert_eq!(drawn, [at("+="), at("total"), at("await")]);
        // labels that do not overlap are drawn where they are
        assert_eq!(drawn_spans(text, &[at("total"), at("await")]), [at("total"), at("await")]);
        // a span that spans lines is left to miette
        let two = "f(\n  a);";
        assert_eq!(drawn_spans(two, &[ByteSpan::new(0, 7), ByteSpan::new(5, 6)])[0], ByteSpan::new(0, 7));
    }
}
