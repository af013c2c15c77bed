//! `--format sarif`: SARIF 2.1.0 for code-scanning uploads. Rules come from the registry's
//! metadata; regions count UTF-16 code units; suppressed findings are included with their
//! suppression; fingerprints are the baseline's.

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
        let location = artifact(&f.path);
        for (d, fp) in f.diagnostics.iter().zip(fps) {
            let s = f.source.position(d.span.start);
            let e = f.source.position(d.span.end);
            let mut text = d.message.clone();
            if !d.help.is_empty() {
                text.push_str(&format!(". Help: {}", d.help));
            }
            let mut r = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": location.clone(),
                        "region": { "startLine": s.line, "startColumn": s.column, "endLine": e.line, "endColumn": e.column }
                    }
                }],
                "partialFingerprints": { "loopsafe/v1": fp },
            });
            if let Some(i) = rules.iter().position(|m| m.id == d.rule) {
                r["ruleIndex"] = json!(i);
            }
            if !d.labels.is_empty() {
                r["relatedLocations"] = d
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let ls = f.source.position(l.span.start);
                        let le = f.source.position(l.span.end);
                        json!({
                            "id": i + 1,
                            "message": { "text": l.text },
                            "physicalLocation": {
                                "artifactLocation": location.clone(),
                                "region": { "startLine": ls.line, "startColumn": ls.column, "endLine": le.line, "endColumn": le.column }
                            }
                        })
                    })
                    .collect();
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
