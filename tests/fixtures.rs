//! Runs every fixture under `fixtures/` through the engine with all rules and checks the inline
//! marks exactly: a missing, extra or misplaced diagnostic fails, and so does a fixture that does
//! not parse.
//!
//! Marks are comments on the line where a diagnostic starts:
//!   `// expect: blocking-call`                 the rule reports on this line
//!   `// expect: blocking-call@15`              ... starting at UTF-16 column 15
//!   `// expect: blocking-call "readFileSync"`  ... with this fragment in its message
//!   `// expect: rule-a; rule-b`                several on one line
//! Files without marks must produce nothing.

use loopsafe_analyzer::discover::{discover, Input};
use loopsafe_analyzer::engine::{check, CheckOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
struct Mark {
    line: u32,
    rule: String,
    column: Option<u32>,
    fragment: Option<String>,
}

fn parse_marks(text: &str) -> Vec<Mark> {
    let mut marks = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("expect:") else { continue };
        let before = &line[..pos];
        if !(before.trim_end().ends_with("//")
            || before.trim_end().ends_with("/*")
            || before.trim_end().ends_with("{/*"))
        {
            continue;
        }
        let rest = line[pos + "expect:".len()..]
            .trim()
            .trim_end_matches("*/")
            .trim_end_matches("}")
            .trim_end_matches("*/")
            .trim();
        for item in rest.split(';') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (head, fragment) = match item.find('"') {
                Some(q) => {
                    let frag = item[q + 1..].trim_end().trim_end_matches('"').to_string();
                    (item[..q].trim(), Some(frag))
                }
                None => (item, None),
            };
            let (rule, column) = match head.split_once('@') {
                Some((r, c)) => (r.trim(), Some(c.trim().parse().expect("column after @"))),
                None => (head.trim(), None),
            };
            marks.push(Mark { line: i as u32 + 1, rule: rule.to_string(), column, fragment });
        }
    }
    marks
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[test]
fn fixtures_match_their_marks() {
    let root = fixtures_root();
    let inputs: Vec<Input> = discover(&[root.clone()]).expect("fixtures folder");
    assert!(inputs.len() >= 10, "expected fixture files under {}", root.display());
    let rules = loopsafe_rules::ALL.iter().map(|r| (*r, r.meta().default_severity)).collect();
    let report = check(&inputs, &CheckOptions { rules, ..Default::default() });
    let mut failures = Vec::new();
    for e in &report.errors {
        failures.push(format!("{}: fixture could not be checked: {}", e.file, e.message));
    }
    let by_file: BTreeMap<&str, &loopsafe_analyzer::FileReport> =
        report.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut marked_total = 0;
    for input in &inputs {
        let text = std::fs::read_to_string(&input.path).unwrap();
        let mut marks = parse_marks(&text);
        marked_total += marks.len();
        let found = by_file.get(input.display.as_str());
        let diags = found.map(|f| f.diagnostics.as_slice()).unwrap_or(&[]);
        for d in diags {
            let pos = found.unwrap().source.position(d.span.start);
            // one message style for every rule: what is wrong, then why; no trailing period; help says what to do
            if d.message.ends_with('.') || d.message.trim().is_empty() || d.help.trim().is_empty() {
                failures.push(format!(
                    "{}:{}: {} message style: {:?} / help {:?}",
                    input.display, pos.line, d.rule, d.message, d.help
                ));
            }
            let hit = marks.iter().position(|m| {
                m.line == pos.line
                    && m.rule == d.rule
                    && m.column.is_none_or(|c| c == pos.column)
                    && m.fragment.as_ref().is_none_or(|f| d.message.contains(f.as_str()))
            });
            match hit {
                Some(i) => {
                    marks.remove(i);
                }
                None => failures.push(format!(
                    "{}:{}:{}: unexpected {} diagnostic: {}",
                    input.display, pos.line, pos.column, d.rule, d.message
                )),
            }
        }
        // every offered fix, alone, leaves a file that parses and keeps what each name refers to
        for d in diags.iter().filter(|d| d.fix.is_some()) {
            let (fixed, n) = loopsafe_analyzer::fix::apply(&text, std::slice::from_ref(d));
            if n != 1 || !loopsafe_analyzer::fix::keeps_bindings(&input.display, &text, &fixed) {
                let pos = found.unwrap().source.position(d.span.start);
                failures.push(format!(
                    "{}:{}: the fix of this {} finding does not keep the program's bindings",
                    input.display, pos.line, d.rule
                ));
            }
        }
        for m in marks {
            failures.push(format!(
                "{}:{}: expected {} diagnostic{}{} was not reported",
                input.display,
                m.line,
                m.rule,
                m.column.map(|c| format!(" at column {c}")).unwrap_or_default(),
                m.fragment.map(|f| format!(" mentioning \"{f}\"")).unwrap_or_default()
            ));
        }
    }
    assert!(marked_total > 0, "no fixture has an expectation mark");
    assert!(failures.is_empty(), "{} fixture mismatch(es):\n{}", failures.len(), failures.join("\n"));
}

/// A rule's fixture folder must hold a file that reports the rule and a file that stays silent.
fn check_rule_fixtures(id: &str, dir: &Path) -> Result<(), String> {
    let files =
        discover(&[dir.to_path_buf()]).map_err(|_| format!("rule {id} has no fixture folder {}", dir.display()))?;
    let (mut reporting, mut silent) = (0, 0);
    for f in &files {
        let marks = parse_marks(&std::fs::read_to_string(&f.path).unwrap_or_default());
        if marks.iter().any(|m| m.rule == id) {
            reporting += 1;
        } else if marks.is_empty() {
            silent += 1;
        }
    }
    if reporting == 0 {
        return Err(format!("rule {id}: no fixture in {} expects a diagnostic", dir.display()));
    }
    if silent == 0 {
        return Err(format!("rule {id}: no fixture in {} must stay silent", dir.display()));
    }
    Ok(())
}

#[test]
fn every_rule_has_a_fixture_folder_that_reports_and_one_file_that_stays_silent() {
    let root = fixtures_root();
    for rule in loopsafe_rules::ALL {
        let id = rule.meta().id;
        check_rule_fixtures(id, &root.join(id)).unwrap();
    }
    // and every fixture folder belongs to a rule (or holds multi-file projects)
    for entry in std::fs::read_dir(&root).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            loopsafe_rules::find(&name).is_some() || name == "projects",
            "fixtures/{name} does not name a registered rule"
        );
    }
}

#[test]
fn the_fixture_folder_check_rejects_missing_or_one_sided_folders() {
    let dir = std::env::temp_dir().join(format!("loopsafe-fixture-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(check_rule_fixtures("some-rule", &dir.join("missing")).is_err());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("valid.js"), "const a = 1;\n").unwrap();
    let err = check_rule_fixtures("some-rule", &dir).unwrap_err();
    assert!(err.contains("expects a diagnostic"), "{err}");
    std::fs::remove_file(dir.join("valid.js")).unwrap();
    std::fs::write(dir.join("bad.js"), "f(); // expect: some-rule\n").unwrap();
    let err = check_rule_fixtures("some-rule", &dir).unwrap_err();
    assert!(err.contains("must stay silent"), "{err}");
    std::fs::write(dir.join("valid.js"), "const a = 1;\n").unwrap();
    assert!(check_rule_fixtures("some-rule", &dir).is_ok());
}

#[test]
fn marks_parse() {
    let m = parse_marks("x(); // expect: blocking-call@3 \"readFileSync\"; await-race\nfoo('expect: no')\n");
    assert_eq!(m.len(), 2);
    assert_eq!(
        m[0],
        Mark { line: 1, rule: "blocking-call".into(), column: Some(3), fragment: Some("readFileSync".into()) }
    );
    assert_eq!(m[1].rule, "await-race");
}
