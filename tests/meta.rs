//! Meta-tests: the rules describe themselves correctly. Committed docs match the code, every doc
//! example behaves as it claims, and the CLI lists every rule.

use loopsafe_analyzer::discover::Input;
use loopsafe_analyzer::engine::{check, CheckOptions};
use std::path::{Path, PathBuf};

fn run_snippet(name: &str, code: &str) -> Vec<(String, String)> {
    let input =
        Input { display: name.to_string(), path: PathBuf::from(name), text: Some(code.to_string()), walked: false };
    let rules = loopsafe_rules::ALL.iter().map(|r| (*r, r.meta().default_severity)).collect();
    let report = check(&[input], &CheckOptions { rules, ..Default::default() });
    assert!(report.errors.is_empty(), "{name} does not parse: {:?}\n{code}", report.errors);
    report.files.iter().flat_map(|f| &f.diagnostics).map(|d| (d.rule.to_string(), d.message.clone())).collect()
}

#[test]
fn doc_examples_behave_as_documented() {
    for rule in loopsafe_rules::ALL {
        let m = rule.meta();
        let examples = m.examples();
        assert!(examples.len() >= 2, "{}: `## Examples` needs a bad and a good block", m.id);
        let ext = |lang: &str| if lang.starts_with("ts") { "ts" } else { "js" };
        let (lang, bad) = &examples[0];
        let found = run_snippet(&format!("{}-bad.{}", m.id, ext(lang)), bad);
        assert!(
            found.iter().any(|(r, _)| r == m.id),
            "{}: the bad example reports nothing from the rule:\n{bad}",
            m.id
        );
        for (lang, good) in &examples[1..] {
            let found = run_snippet(&format!("{}-good.{}", m.id, ext(lang)), good);
            assert!(found.is_empty(), "{}: the good example reports {found:?}:\n{good}", m.id);
        }
    }
}

#[test]
fn committed_rule_docs_are_up_to_date() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    for rule in loopsafe_rules::ALL {
        let m = rule.meta();
        let path = dir.join(format!("{}.md", m.id));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == m.markdown(),
            "{} is stale: run `cargo run -- rule --all --markdown docs/rules` and commit",
            path.display()
        );
    }
}

#[test]
fn rule_metadata_is_well_formed() {
    let mut ids = std::collections::HashSet::new();
    for rule in loopsafe_rules::ALL {
        let m = rule.meta();
        assert!(ids.insert(m.id), "duplicate rule id {}", m.id);
        assert!(!m.summary.is_empty() && m.summary.len() < 140, "{}: summary must be one short sentence", m.id);
        assert!(m.docs.contains("## How to fix"));
    }
}

#[test]
fn cli_lists_and_documents_every_rule() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_loopsafe"))
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // the rules, then suppression-comment
    assert_eq!(v.as_array().unwrap().len(), loopsafe_rules::ALL.len() + 1);
    let ids = loopsafe_rules::ALL.iter().map(|r| r.meta().id).chain(["suppression-comment"]);
    for id in ids {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_loopsafe")).args(["rule", id]).output().unwrap();
        assert!(out.status.success(), "{id}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("## What it finds"));
    }
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_loopsafe")).args(["rule", "blocking-cal"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `blocking-call`"));
    // nothing close: no unrelated guess, the list of ids (issue #20)
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_loopsafe")).args(["rule", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("did you mean"), "{err}");
    assert!(
        err.contains("blocking-call, sequential-await, unbounded-fan-out, await-race, suppression-comment"),
        "{err}"
    );
}

#[test]
fn suppression_comment_is_a_documented_rule() {
    // issue #20: it was reported, but `loopsafe rule suppression-comment` said "unknown rule"
    let m = &loopsafe_analyzer::suppress::META;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules/suppression-comment.md");
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == m.markdown(),
        "{} is stale: run `cargo run -- rule --all --markdown docs/rules` and commit",
        path.display()
    );
    for section in ["## What it finds", "## Why it matters", "## Examples", "## How to fix"] {
        assert!(m.docs.contains(section), "{section}");
    }
    assert!(m.docs.starts_with(m.summary), "the summary opens the docs");
}

#[test]
fn summaries_are_whole_sentences() {
    // issue #20: `loopsafe rules` and SARIF cut unbounded-fan-out's at its first line break
    for m in loopsafe_rules::ALL.iter().map(|r| r.meta()).chain([&loopsafe_analyzer::suppress::META]) {
        assert!(m.summary.ends_with('.'), "{}: {:?}", m.id, m.summary);
        let first_paragraph = m.docs.split("\n\n").next().unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(m.summary, first_paragraph, "{}", m.id);
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_loopsafe")).args(["rules"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("with nothing bounding how much runs at once."), "{text}");
}
