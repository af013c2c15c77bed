//! Snapshots of every output format (insta; committed under `tests/snapshots/`), for:
//! - the demo (`examples/shop-api`);
//! - a file with non-ASCII text before its findings and a suggested fix
//!   (`tests/formats/non-ascii`): columns and fix offsets in UTF-16 units;
//! - a blocking call reached through helpers in two other files
//!   (`fixtures/projects/mail-service`): the chain's steps as locations in their own files;
//! - suppression comments with a reason, none, a placeholder, an unused rule and an unknown rule
//!   (`tests/formats/suppressions`).
//!
//! The binary runs from the repository root on relative paths, so paths are stable; the absolute
//! URIs of `lsp` and `sarif` are rewritten to `file:///ROOT`, the version to `VERSION`, and
//! SARIF's rule table is cut to ids and levels.
//! After an intended change: `cargo insta review` (or `INSTA_UPDATE=always cargo test --test
//! snapshots` and read the diff).

use std::path::Path;
use std::process::Command;

const FORMATS: &[&str] = &["pretty", "concise", "json", "sarif", "github", "lsp"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The output of `loopsafe check <args> --format <format>`, made stable, with the exit code.
fn output(args: &[&str], format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_loopsafe"))
        .args(["check", "--no-config", "--color", "never", "--format", format])
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("run loopsafe");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8 output");
    let root_uri = loopsafe_analyzer::format::lsp::file_uri(root());
    let mut stable =
        stdout.replace(&root_uri, "file:///ROOT").replace(&format!("\"{}\"", env!("CARGO_PKG_VERSION")), "\"VERSION\"");
    if format == "sarif" {
        // the rule table repeats each rule's documentation (tested in tests/integrations.rs):
        // its ids and levels are enough here
        let mut v: serde_json::Value = serde_json::from_str(&stable).expect("SARIF is JSON");
        for r in v["runs"][0]["tool"]["driver"]["rules"].as_array_mut().expect("rules") {
            *r = serde_json::json!({ "id": r["id"], "defaultConfiguration": r["defaultConfiguration"] });
        }
        stable = serde_json::to_string_pretty(&v).expect("JSON") + "\n";
    }
    format!("exit code: {:?}\nstderr: {stderr}\n{stable}", out.status.code())
}

fn snapshot_every_format(name: &str, args: &[&str]) {
    for format in FORMATS {
        let text = output(args, format);
        insta::assert_snapshot!(format!("{name}__{format}"), text);
    }
}

#[test]
fn demo() {
    snapshot_every_format("demo", &["examples/shop-api"]);
}

#[test]
fn non_ascii_text_and_a_fix() {
    snapshot_every_format("non_ascii", &["tests/formats/non-ascii"]);
}

#[test]
fn chain_across_files() {
    snapshot_every_format("chain_across_files", &["fixtures/projects/mail-service"]);
}

#[test]
fn suppressions() {
    snapshot_every_format("suppressions", &["tests/formats/suppressions", "--report-unused-suppressions"]);
}

/// Every finding of every fixture, as a reviewer reads it: place, rule, message, each label, the
/// help and the fix's description and replacement text. A wording change shows up here as a diff
/// to review, one snapshot per rule's fixtures (and one for the fixture projects).
#[test]
fn every_fixture_finding() {
    let mut dirs: Vec<String> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    dirs.sort();
    for dir in dirs {
        let out = Command::new(env!("CARGO_BIN_EXE_loopsafe"))
            .args(["check", "--no-config", "--format", "json", &format!("fixtures/{dir}")])
            .current_dir(root())
            .output()
            .expect("run loopsafe");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
        let mut text = String::new();
        for d in v["diagnostics"].as_array().expect("diagnostics") {
            text.push_str(&format!(
                "{}:{}:{} [{}] {}\n",
                d["file"].as_str().unwrap_or_default(),
                d["line"],
                d["column"],
                d["rule"].as_str().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default()
            ));
            for l in d["labels"].as_array().into_iter().flatten() {
                text.push_str(&format!(
                    "    label {}:{}: {}\n",
                    l["file"].as_str().unwrap_or_default(),
                    l["line"],
                    l["text"].as_str().unwrap_or_default()
                ));
            }
            if let Some(h) = d["help"].as_str() {
                text.push_str(&format!("    help: {h}\n"));
            }
            if let Some(f) = d.get("fix").filter(|f| !f.is_null()) {
                text.push_str(&format!("    fix: {}\n", f["description"].as_str().unwrap_or_default()));
                for e in f["edits"].as_array().into_iter().flatten() {
                    text.push_str(&format!(
                        "    edit {}:{}-{}:{}:\n{}\n",
                        e["line"],
                        e["column"],
                        e["end_line"],
                        e["end_column"],
                        e["replacement"].as_str().unwrap_or_default()
                    ));
                }
            }
        }
        insta::assert_snapshot!(format!("fixtures__{}", dir.replace('-', "_")), text);
    }
}
