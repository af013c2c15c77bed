//! Suppression comments, applied centrally to every rule's findings:
//! - `// loopsafe-ignore-next-line <rule>[, <rule>]: <reason>` covers the next line;
//! - `// loopsafe-ignore <rule>[, <rule>]: <reason>` before the first statement covers the file;
//! - `// eslint-disable-next-line <rule> -- <reason>` for the ESLint rules that map onto loopsafe's
//!   (`no-await-in-loop` → sequential-await, `require-atomic-updates` → await-race,
//!   `n/no-sync` → blocking-call), so judgements made under ESLint carry over.
//!
//! The comments themselves are checked by the `suppression-comment` rule ([`META`]): a missing or
//! placeholder reason is an error (the finding stays hidden, the run fails); naming no rule or an
//! unknown rule, a file-wide comment after the code, and (when asked,
//! `--report-unused-suppressions`) each named rule that has no finding to cover are warnings. Its
//! level can be set like any rule's (`--rule suppression-comment=warn`, `"suppression-comment":
//! "off"` in `loopsafe.json`); a set level applies to all of them.

use crate::diagnostic::{ByteSpan, Diagnostic, Severity};
use crate::parse::Comment;
use crate::rule::RuleMeta;
use crate::source::SourceText;

/// The id diagnostics about suppression comments carry.
pub const SUPPRESSION_RULE: &str = "suppression-comment";

/// The reason the editor's quick fix writes into a suppression comment: a placeholder the user
/// must replace, rejected by the check like any placeholder ([`is_placeholder`]).
pub const PLACEHOLDER_REASON: &str = "<why this finding does not apply here>";

/// The documentation of `suppression-comment`: `loopsafe rule suppression-comment`, `loopsafe
/// rules`, SARIF's rule table and `docs/rules/suppression-comment.md` read it like any rule's.
pub static META: RuleMeta = RuleMeta {
    id: SUPPRESSION_RULE,
    default_severity: Severity::Error,
    category: "suppressions",
    fixable: false,
    summary: "Suppression comments with no real reason, naming no or an unknown rule, or covering nothing.",
    docs: DOCS,
};

const DOCS: &str = r#"Suppression comments with no real reason, naming no or an unknown rule, or covering nothing.

## What it finds
Problems with the suppression comments themselves (`// loopsafe-ignore-next-line <rule>: <reason>`,
`// loopsafe-ignore <rule>: <reason>`):
- no reason, or a placeholder instead of one (`<…>` as the editor's quick fix inserts it,
  `why this is safe`, `TODO`, `reason` …): **an error**. The finding stays hidden, but the run
  fails until someone writes down why it does not apply;
- no rule named, or a rule that does not exist (a misspelled id hides nothing): a warning;
- a file-wide `loopsafe-ignore` after the first statement (it has no effect): a warning;
- with `--report-unused-suppressions` (on with `--format sarif` and `github`): each rule a comment
  names that has no finding where the comment applies: a warning.

ESLint's `eslint-disable-next-line` comments for the rules loopsafe maps (`no-await-in-loop`,
`require-atomic-updates`, `n/no-sync`) are honoured as written and not checked.

## Why it matters
A suppression is a judgement that a finding does not apply. Without its reason the next reader
cannot tell a considered judgement from a silenced alarm, and an `await-race` or `blocking-call`
error hidden that way ships. A comment naming a misspelled rule looks like a suppression and
hides nothing; one that no longer covers a finding will hide the next one written on its line.

## Examples
```js
app.get('/banner', (req, res) => {
  // loopsafe-ignore-next-line blocking-call
  res.send(fs.readFileSync('./banner.txt', 'utf8'));
});
```
```js
app.get('/banner', (req, res) => {
  // loopsafe-ignore-next-line blocking-call: 40 bytes, in the page cache after the first request
  res.send(fs.readFileSync('./banner.txt', 'utf8'));
});
```

## How to fix
Write after the colon why the finding does not apply here (replacing the quick fix's `<…>`
placeholder), correct the rule id (`loopsafe rules` lists them), move a file-wide comment above the
code, and delete comments, or the rule ids in them, that cover nothing. The level is set like any
rule's: `--rule suppression-comment=warn`, or `"suppression-comment": "off"` in `loopsafe.json`
(comments without a reason are then accepted)."#;

/// Whether a suppression's reason is a placeholder rather than a reason: text in angle brackets
/// (what the quick fix inserts), the quick fix's earlier text, or a stand-in word.
pub fn is_placeholder(reason: &str) -> bool {
    let r = reason.trim().trim_end_matches(['.', '!']).trim();
    if r.starts_with('<') && r.ends_with('>') {
        return true;
    }
    let lower = r.to_lowercase();
    const STAND_INS: &[&str] = &[
        "why this is safe",
        "reason",
        "why",
        "todo",
        "fixme",
        "tbd",
        "xxx",
        "...",
        "…",
        "because",
        "explain why",
        "n/a",
        "-",
    ];
    STAND_INS.contains(&lower.as_str()) || lower.starts_with("todo:") || lower.starts_with("fixme:")
}

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
    /// A file-wide directive after the code: it covers nothing.
    misplaced: bool,
    /// Per rule in `rules`: whether it covered a finding.
    used: Vec<bool>,
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
    let directive = |rules: Vec<String>, line, reason, from_eslint, misplaced| Directive {
        span: c.span,
        used: vec![false; rules.len()],
        rules,
        line,
        reason,
        from_eslint,
        misplaced,
    };
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
        return Some(directive(mapped, Some(end_line + 1), reason, true, false));
    }
    let (rest, line) = if let Some(rest) = text.strip_prefix("loopsafe-ignore-next-line") {
        (rest, Some(target))
    } else if let Some(rest) = text.strip_prefix("loopsafe-ignore") {
        if c.span.start > code_start {
            // a file-wide suppression must come before the code
            return Some(directive(vec![], None, None, false, true));
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
    Some(directive(rules, line, reason, false, false))
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
/// themselves. `known` says whether a rule id exists; `level` gives the level of a
/// `suppression-comment` finding from its default (`None`: the rule is off, and a suppression
/// without a reason is accepted).
pub fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    comments: &[Comment],
    source: &SourceText,
    known: &dyn Fn(&str) -> bool,
    level: &dyn Fn(Severity) -> Option<Severity>,
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
        for dir in directives.iter_mut().filter(|dir| !dir.misplaced && dir.line.is_none_or(|l| l == line)) {
            if let Some(i) = dir.rules.iter().position(|r| r == d.rule) {
                dir.used[i] = true;
                if d.suppressed.is_none() {
                    d.suppressed = Some(dir.reason.clone().unwrap_or_default());
                }
            }
        }
    }
    let mut push = |span: ByteSpan, default: Severity, message: String, help: &str| {
        if let Some(severity) = level(default) {
            let mut d = Diagnostic::new(SUPPRESSION_RULE, span, message).with_help(help);
            d.severity = severity;
            diagnostics.push(d);
        }
    };
    for dir in &directives {
        if dir.from_eslint {
            continue;
        }
        if dir.misplaced {
            push(
                dir.span,
                Severity::Warning,
                "file-wide `loopsafe-ignore` after the first statement has no effect".into(),
                "move it to the top of the file, or use `loopsafe-ignore-next-line` above the finding",
            );
            continue;
        }
        if dir.rules.is_empty() {
            push(
                dir.span,
                Severity::Warning,
                "suppression names no rule".into(),
                "write the rule id, e.g. `// loopsafe-ignore-next-line blocking-call: <why it does not apply>`",
            );
            continue;
        }
        for r in dir.rules.iter().filter(|r| !known(r)) {
            push(
                dir.span,
                Severity::Warning,
                format!("suppression names an unknown rule `{r}`: it suppresses nothing"),
                "`loopsafe rules` lists the rule ids",
            );
        }
        let rules = dir.rules.join(", ");
        match dir.reason.as_deref() {
            None => push(
                dir.span,
                Severity::Error,
                format!(
                    "suppression of `{rules}` gives no reason: the next reader cannot tell why the finding does not apply"
                ),
                "write the reason after a colon: `// loopsafe-ignore-next-line <rule>: <why it does not apply>`",
            ),
            Some(reason) if is_placeholder(reason) => push(
                dir.span,
                Severity::Error,
                format!("suppression of `{rules}` gives a placeholder (`{reason}`), not a reason"),
                "replace it with why the finding does not apply here",
            ),
            Some(_) => {}
        }
        if report_unused {
            let unused: Vec<&str> = dir
                .rules
                .iter()
                .zip(&dir.used)
                .filter(|(r, used)| !**used && known(r))
                .map(|(r, _)| r.as_str())
                .collect();
            if !unused.is_empty() {
                let help = if unused.len() == dir.rules.len() {
                    "remove the comment"
                } else {
                    "remove the unused rule ids from the comment"
                };
                push(
                    dir.span,
                    Severity::Warning,
                    format!("unused suppression: no `{}` finding is covered", unused.join("`, `")),
                    help,
                );
            }
        }
    }
}
