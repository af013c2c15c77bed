//! Suppression comments, applied centrally to every rule's findings:
//! - `// loopsafe-ignore-next-line <rule>[, <rule>]: <reason>` covers the next line;
//! - `// loopsafe-ignore <rule>[, <rule>]: <reason>` before the first statement covers the file;
//! - `// eslint-disable-next-line <rule> -- <reason>` for the ESLint rules that map onto loopsafe's
//!   (`no-await-in-loop` → sequential-await, `require-atomic-updates` → await-race,
//!   `n/no-sync` → blocking-call), so judgements made under ESLint carry over.
//!
//! A suppression without a reason, or naming an unknown rule, is reported; so is one that covers
//! nothing, when asked (`--report-unused-suppressions`).

use crate::diagnostic::{ByteSpan, Diagnostic, Severity};
use crate::parse::Comment;
use crate::source::SourceText;

/// The id diagnostics about suppression comments carry.
pub const SUPPRESSION_RULE: &str = "suppression-comment";

/// ESLint rules whose disable comments loopsafe honours, and the loopsafe rule each maps to.
pub const ESLINT_EQUIVALENTS: &[(&str, &str)] = &[
    ("no-await-in-loop", "sequential-await"),
    ("require-atomic-updates", "await-race"),
    ("n/no-sync", "blocking-call"),
    ("node/no-sync", "blocking-call"),
    ("no-sync", "blocking-call"),
];

#[derive(Debug, Clone)]
struct Directive {
    span: ByteSpan,
    rules: Vec<String>,
    /// The 1-based line it covers; `None` for the whole file.
    line: Option<u32>,
    reason: Option<String>,
    from_eslint: bool,
    used: bool,
}

/// The line a next-line directive covers: the first line after `line` that is not a `//` comment,
/// so that several directives can be stacked above one line.
fn next_code_line(source: &SourceText, line: u32) -> u32 {
    let mut l = line + 1;
    while l < source.line_count() && source.line_text(l).trim_start().starts_with("//") {
        l += 1;
    }
    l
}

fn parse_directive(c: &Comment, source: &SourceText, code_start: u32) -> Option<Directive> {
    let text = c.text.trim().trim_start_matches('*').trim();
    let end_line = source.position(c.span.end).line;
    let target = next_code_line(source, end_line);
    if let Some(rest) = text.strip_prefix("eslint-disable-next-line") {
        let (rules, reason) = match rest.split_once("--") {
            Some((r, why)) => (r, Some(why.trim().to_string()).filter(|w| !w.is_empty())),
            None => (rest, None),
        };
        let mapped: Vec<String> = rules
            .split(',')
            .filter_map(|r| ESLINT_EQUIVALENTS.iter().find(|(e, _)| *e == r.trim()).map(|(_, ours)| ours.to_string()))
            .collect();
        if mapped.is_empty() {
            return None;
        }
        return Some(Directive {
            span: c.span,
            rules: mapped,
            line: Some(end_line + 1),
            reason,
            from_eslint: true,
            used: false,
        });
    }
    let (rest, line) = if let Some(rest) = text.strip_prefix("loopsafe-ignore-next-line") {
        (rest, Some(target))
    } else if let Some(rest) = text.strip_prefix("loopsafe-ignore") {
        if c.span.start > code_start {
            // a file-wide suppression must come before the code
            return Some(Directive {
                span: c.span,
                rules: vec![],
                line: None,
                reason: None,
                from_eslint: false,
                used: true,
            });
        }
        (rest, None)
    } else {
        return None;
    };
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    let (rules, reason) = match rest.split_once(':') {
        Some((r, why)) => (r, Some(why.trim().to_string()).filter(|w| !w.is_empty())),
        None => (rest, None),
    };
    let rules: Vec<String> = rules.split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
    Some(Directive { span: c.span, rules, line, reason, from_eslint: false, used: false })
}

/// Offset of the first code in the file: after a shebang, whitespace and comments.
fn code_start(text: &str) -> u32 {
    let b = text.as_bytes();
    let mut i = 0;
    if text.starts_with("#!") {
        i = text.find('\n').unwrap_or(text.len());
    }
    loop {
        while i < b.len() && (b[i] as char).is_ascii_whitespace() {
            i += 1;
        }
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map(|p| i + p).unwrap_or(b.len());
        } else if text[i..].starts_with("/*") {
            i = text[i + 2..].find("*/").map(|p| i + 2 + p + 2).unwrap_or(b.len());
        } else {
            return i as u32;
        }
    }
}

/// Mark the diagnostics that suppressions cover and add diagnostics about the suppressions
/// themselves. `known` says whether a rule id exists.
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    comments: &[Comment],
    source: &SourceText,
    known: &dyn Fn(&str) -> bool,
    report_unused: bool,
) {
    if comments.is_empty() {
        return;
    }
    let start = code_start(source.text());
    let mut directives: Vec<Directive> = comments.iter().filter_map(|c| parse_directive(c, source, start)).collect();
    if directives.is_empty() {
        return;
    }
    for d in diagnostics.iter_mut() {
        let line = source.position(d.span.start).line;
        for dir in directives.iter_mut() {
            if dir.line.is_none_or(|l| l == line) && dir.rules.iter().any(|r| r == d.rule) {
                dir.used = true;
                if d.suppressed.is_none() {
                    d.suppressed = Some(dir.reason.clone().unwrap_or_default());
                }
            }
        }
    }
    let meta = |span: ByteSpan, message: String, help: &str| {
        let mut d = Diagnostic::new(SUPPRESSION_RULE, span, message).with_help(help);
        d.severity = Severity::Warning;
        d
    };
    for dir in &directives {
        if dir.from_eslint {
            continue;
        }
        if dir.rules.is_empty() && dir.line.is_none() && dir.used {
            diagnostics.push(meta(
                dir.span,
                "file-wide `loopsafe-ignore` after the first statement has no effect".into(),
                "move it to the top of the file, or use `loopsafe-ignore-next-line` above the finding",
            ));
            continue;
        }
        if dir.rules.is_empty() {
            diagnostics.push(meta(
                dir.span,
                "suppression names no rule".into(),
                "write the rule id, e.g. `// loopsafe-ignore-next-line blocking-call: why`",
            ));
            continue;
        }
        for r in &dir.rules {
            if !known(r) {
                diagnostics.push(meta(
                    dir.span,
                    format!("suppression names an unknown rule `{r}`"),
                    "`loopsafe rules` lists the rule ids",
                ));
            }
        }
        if dir.reason.is_none() {
            diagnostics.push(meta(
                dir.span,
                format!(
                    "suppression of `{}` gives no reason: the next reader cannot tell why the finding does not apply",
                    dir.rules.join(", ")
                ),
                "add the reason after a colon: `// loopsafe-ignore-next-line <rule>: <why it is safe>`",
            ));
        }
        if report_unused && !dir.used && dir.rules.iter().all(|r| known(r)) {
            diagnostics.push(meta(
                dir.span,
                format!("unused suppression: no `{}` finding is covered", dir.rules.join(", ")),
                "remove the comment",
            ));
        }
    }
}
