//! `--format sarif`: SARIF 2.1.0 for code-scanning uploads. Rules come from the registry's
//! metadata; regions count UTF-16 code units; suppressed findings are included with their
//! suppression; fingerprints are the baseline's. Labels are `relatedLocations`, each in its own
//! file; a call chain ([`crate::diagnostic::Diagnostic::flow`]) is also a `codeFlows` entry: one
//! thread flow from the reported call through each step to the blocking site.

use super::{label_place, Place};
use crate::baseline::file_fingerprints;
use crate::engine::Report;
use crate::rule::RuleMeta;
use serde_json::{json, Value};

/// An artifact location: relative to `%SRCROOT%` (the working directory) when the file is under
/// it, an absolute `file://` URI otherwise. Relative URIs are percent-encoded.
fn artifact(path: &str) -> Value {
    let p = std::path::Path::new(path);
    let rel = if p.is_absolute() {
        std::env::current_dir().ok().and_then(|cwd| p.strip_prefix(&cwd).ok().map(|r| r.to_path_buf()))
    } else {
        Some(crate::project::normalize(p))
    };
    match rel {
        Some(r) if !r.starts_with("..") => {
            let mut uri = String::new();
            for b in r.to_string_lossy().replace('\\', "/").bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => uri.push(b as char),
                    _ => uri.push_str(&format!("%{b:02X}")),
                }
            }
            json!({ "uri": uri, "uriBaseId": "%SRCROOT%" })
        }
        _ => json!({ "uri": crate::format::lsp::file_uri(p) }),
    }
}

/// A `physicalLocation` for a placed range.
fn physical(p: &Place<'_>) -> Value {
    json!({
        "artifactLocation": artifact(p.file),
        "region": {
            "startLine": p.start.line,
            "startColumn": p.start.column,
            "endLine": p.end.line,
            "endColumn": p.end.column,
        }
    })
}

fn level(s: crate::Severity) -> &'static str {
    match s {
        crate::Severity::Error => "error",
        crate::Severity::Warning => "warning",
    }
}

pub fn render(report: &Report, rules: &[&RuleMeta], version: &str) -> String {
    let rule_objs: Vec<Value> = rules
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "name": m.id.split('-').map(|w| { let mut c = w.chars(); c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default() }).collect::<String>(),
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": m.docs.split("## Why it matters").next().unwrap_or(m.summary).trim() },
                "help": { "text": m.docs, "markdown": m.docs },
                "helpUri": format!("{}{}.md", crate::format::lsp::DOCS_BASE, m.id),
                "defaultConfiguration": { "level": level(m.default_severity) },
                "properties": { "category": m.category },
            })
        })
        .collect();
    let mut results = Vec::new();
    for f in &report.files {
        let fps = file_fingerprints(f);
        for (d, fp) in f.diagnostics.iter().zip(fps) {
            let at = Place::new(&f.path, &f.source, d.span);
            let mut text = d.message.clone();
            if !d.help.is_empty() {
                text.push_str(&format!(". Help: {}", d.help));
            }
            let mut r = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [{ "physicalLocation": physical(&at) }],
                "partialFingerprints": { "loopsafe/v1": fp },
            });
            if let Some(i) = rules.iter().position(|m| m.id == d.rule) {
                r["ruleIndex"] = json!(i);
            }
            let labels: Vec<(&str, Place<'_>)> =
                d.labels.iter().filter_map(|l| Some((l.text.as_str(), label_place(report, f, l)?))).collect();
            if !labels.is_empty() {
                r["relatedLocations"] = labels
                    .iter()
                    .enumerate()
                    .map(|(i, (text, p))| json!({ "id": i + 1, "message": { "text": text }, "physicalLocation": physical(p) }))
                    .collect();
            }
            if d.flow && !labels.is_empty() {
                // the reported call first, then each step in order
                let first = if d.label.is_empty() { d.message.as_str() } else { d.label.as_str() };
                let steps: Vec<Value> = std::iter::once((first, &at))
                    .chain(labels.iter().map(|(t, p)| (*t, p)))
                    .map(|(text, p)| json!({ "location": { "physicalLocation": physical(p), "message": { "text": text } } }))
                    .collect();
                r["codeFlows"] = json!([{ "message": { "text": d.message }, "threadFlows": [{ "locations": steps }] }]);
            }
            if let Some(reason) = &d.suppressed {
                r["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
            }
            results.push(r);
        }
    }
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            let mut region = json!({});
            if let (Some(l), Some(c)) = (e.line, e.column) {
                region = json!({ "startLine": l, "startColumn": c });
            }
            json!({
                "level": "error",
                "message": { "text": e.message },
                "locations": [{ "physicalLocation": { "artifactLocation": artifact(&e.file), "region": region } }],
            })
        })
        .collect();
    let root =
        std::env::current_dir().map(|d| crate::format::lsp::file_uri(&d) + "/").unwrap_or_else(|_| "file:///".into());
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "loopsafe",
                "version": version,
                "semanticVersion": version,
                "informationUri": "https://github.com/loopsafe/loopsafe",
                "rules": rule_objs,
            }},
            "invocations": [{ "executionSuccessful": report.errors.is_empty(), "toolExecutionNotifications": notifications }],
            "originalUriBaseIds": { "%SRCROOT%": { "uri": root } },
            "columnKind": "utf16CodeUnits",
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
