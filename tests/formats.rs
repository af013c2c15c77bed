//! Issue #20, "every position and every word right, in every format": one test per finding of
//! the issue, each failing before the change that fixed it. Positions, chains across files,
//! counts and summaries, suppressions, command-line habits and the concise format.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loopsafe-formats-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loopsafe"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("run loopsafe")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", stdout(out)))
}

const HANDLER: &str =
    "const fs = require('fs');\napp.get('/x', (req, res) => {\n  res.send(fs.readFileSync('x'));\n});\n";

// ---------------------------------------------------------------------------------------------
// Positions

#[test]
fn pretty_header_counts_utf16_columns_like_every_format() {
    // before: `[r.js:2:65]` (UTF-8 bytes) while json said column 60
    let dir = tempdir("utf16-header");
    std::fs::write(
        dir.join("r.js"),
        "const fs = require('fs');\napp.get('/x', (req, res) => { const s = 'ééé 😀'; res.send(fs.readFileSync('x')); });\n",
    )
    .unwrap();
    let v = json(&run(&dir, &["check", "r.js", "--format", "json"]));
    assert_eq!((v["diagnostics"][0]["line"].as_u64(), v["diagnostics"][0]["column"].as_u64()), (Some(2), Some(60)));
    let text = stdout(&run(&dir, &["check", "r.js"]));
    assert!(text.contains("[r.js:2:60]"), "{text}");
    let text = stdout(&run(&dir, &["check", "r.js", "--format", "concise"]));
    assert!(text.starts_with("r.js:2:60: error [blocking-call] "), "{text}");
}

#[test]
fn pretty_labels_inside_the_finding_are_drawn_where_they_point() {
    // before: "read here" and "await here" were drawn past the end of the line, at the `;`
    let dir = tempdir("labels");
    std::fs::write(
        dir.join("r.js"),
        "let total = 0;\napp.get('/x', async (req, res) => {\n  total += await fetchAmount(req.params.id);\n  res.send('ok');\n});\n",
    )
    .unwrap();
    let text = stdout(&run(&dir, &["check", "r.js"]));
    let lines: Vec<&str> = text.lines().collect();
    let code = lines.iter().position(|l| l.contains("total += await")).expect("the line is shown");
    // the underline marks `total` (read), `+=` (write) and `await`, not the `;`
    let underline: Vec<char> = lines[code + 1].chars().collect();
    let chars = |s: &str| lines[code][..lines[code].find(s).unwrap()].chars().count();
    assert_eq!(underline[chars("total")], '─', "{text}");
    assert_eq!(underline[chars("+=")], '─', "{text}");
    assert_eq!(underline[chars("await")], '─', "{text}");
    assert_eq!(underline.get(chars(";")).copied().unwrap_or(' '), ' ', "nothing at the `;`: {text}");
    assert!(text.contains("[r.js:3:3]"), "the header still names where the finding starts: {text}");
}

/// `text` with the edits applied the way a JavaScript consumer applies ESLint's `fix.range`:
/// indices into the UTF-16 string.
fn apply_utf16(text: &str, edits: &[Value]) -> String {
    let mut units: Vec<u16> = text.encode_utf16().collect();
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse(e["start"].as_u64().unwrap()));
    for e in edits {
        let (s, t) = (e["start"].as_u64().unwrap() as usize, e["end"].as_u64().unwrap() as usize);
        units.splice(s..t, e["replacement"].as_str().unwrap().encode_utf16());
    }
    String::from_utf16(&units).unwrap()
}

#[test]
fn json_fix_edits_are_utf16_offsets_that_slice_like_javascript() {
    // before: byte offsets, so `text.slice(start, end)` in Node cut the wrong text in any file
    // with non-ASCII text before the edit
    let dir = tempdir("fix-utf16");
    let src = std::fs::read_to_string(root().join("tests/formats/non-ascii/menu.js")).unwrap();
    std::fs::write(dir.join("package.json"), "{}").unwrap();
    std::fs::write(dir.join("menu.js"), &src).unwrap();
    let v = json(&run(&dir, &["check", "menu.js", "--format", "json"]));
    let d = v["diagnostics"].as_array().unwrap().iter().find(|d| d.get("fix").is_some()).expect("a fix");
    let edits = d["fix"]["edits"].as_array().unwrap();
    let e = &edits[0];
    // the line/column range beside the offsets
    assert_eq!((e["line"].as_u64(), e["column"].as_u64()), (Some(6), Some(3)), "{e}");
    assert_eq!((e["end_line"].as_u64(), e["end_column"].as_u64()), (Some(7), Some(49)), "{e}");
    let units: Vec<u16> = src.encode_utf16().collect();
    let cut =
        String::from_utf16(&units[e["start"].as_u64().unwrap() as usize..e["end"].as_u64().unwrap() as usize]).unwrap();
    assert!(cut.starts_with("const user = await getUser") && cut.ends_with("getOrders(req.params.id);"), "{cut}");
    // the same result as --fix
    let expected = apply_utf16(&src, edits);
    run(&dir, &["check", "menu.js", "--fix"]);
    assert_eq!(std::fs::read_to_string(dir.join("menu.js")).unwrap(), expected);
    // and with Node, when it is installed: `text.slice` as a JavaScript consumer does it
    let script = "const fs = require('fs'); const [src, edits] = [fs.readFileSync(process.argv[1], 'utf8'), JSON.parse(process.argv[2])];\n\
        let out = src; for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.replacement + out.slice(e.end);\n\
        process.stdout.write(out);";
    std::fs::write(dir.join("original.js"), &src).unwrap();
    if let Ok(out) = Command::new("node")
        .args(["-e", script, dir.join("original.js").to_str().unwrap(), &Value::Array(edits.clone()).to_string()])
        .output()
    {
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Chains across files

#[test]
fn json_labels_carry_the_helper_files_of_a_chain() {
    // before: the chain was in the message text only; labels had no file
    let out = run(root(), &["check", "fixtures/projects/mail-service", "--format", "json"]);
    let v = json(&out);
    let d = &v["diagnostics"][0];
    assert_eq!(d["file"], "fixtures/projects/mail-service/src/routes/mail.js");
    assert_eq!(d["flow"], true);
    let steps: Vec<(&str, u64, u64, &str)> = d["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["file"].as_str().unwrap(),
                l["line"].as_u64().unwrap(),
                l["column"].as_u64().unwrap(),
                l["text"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("fixtures/projects/mail-service/src/lib/mailer.js", 4, 10, "`renderWelcome` calls `render` here"),
            ("fixtures/projects/mail-service/src/lib/templates.js", 9, 10, "`render` calls `loadTemplate` here"),
            ("fixtures/projects/mail-service/src/lib/templates.js", 5, 10, "`fs.readFileSync` blocks here"),
        ]
    );
}

#[test]
fn a_helper_read_only_for_its_facts_is_still_a_location() {
    // the pre-commit shape: only the route is named; the helpers are read to follow imports
    let out = run(root(), &["check", "fixtures/projects/mail-service/src/routes/mail.js", "--format", "json"]);
    let v = json(&out);
    assert_eq!(v["files_checked"], 1);
    let labels = v["diagnostics"][0]["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 3, "{v}");
    assert_eq!(labels[2]["file"], "fixtures/projects/mail-service/src/lib/templates.js");
    assert_eq!((labels[2]["line"].as_u64(), labels[2]["column"].as_u64()), (Some(5), Some(10)));
}

#[test]
fn sarif_chains_are_code_flows_and_related_locations_in_their_files() {
    // before: no codeFlows, and relatedLocations only in the reported file
    let out = run(root(), &["check", "fixtures/projects/mail-service", "--format", "sarif"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v["runs"][0]["results"][0];
    let uri = |loc: &Value| loc["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().to_string();
    let related: Vec<String> = r["relatedLocations"].as_array().unwrap().iter().map(uri).collect();
    assert_eq!(
        related,
        [
            "fixtures/projects/mail-service/src/lib/mailer.js",
            "fixtures/projects/mail-service/src/lib/templates.js",
            "fixtures/projects/mail-service/src/lib/templates.js"
        ]
    );
    let flow = r["codeFlows"][0]["threadFlows"][0]["locations"].as_array().unwrap();
    let steps: Vec<(String, u64)> = flow
        .iter()
        .map(|l| (uri(&l["location"]), l["location"]["physicalLocation"]["region"]["startLine"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("fixtures/projects/mail-service/src/routes/mail.js".to_string(), 9),
            ("fixtures/projects/mail-service/src/lib/mailer.js".to_string(), 4),
            ("fixtures/projects/mail-service/src/lib/templates.js".to_string(), 9),
            ("fixtures/projects/mail-service/src/lib/templates.js".to_string(), 5),
        ]
    );
    assert_eq!(flow[3]["location"]["message"]["text"], "`fs.readFileSync` blocks here");
}

#[test]
fn lsp_format_related_information_points_into_the_helper_file() {
    // before: relatedInformation used the reported file's URI for every label
    let out = run(root(), &["check", "fixtures/projects/mail-service", "--format", "lsp"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (uri, list) = v.as_object().unwrap().iter().next().unwrap();
    assert!(uri.ends_with("/fixtures/projects/mail-service/src/routes/mail.js"), "{uri}");
    let related = list[0]["relatedInformation"].as_array().unwrap();
    let last = &related[2];
    assert!(last["location"]["uri"].as_str().unwrap().ends_with("/mail-service/src/lib/templates.js"), "{last}");
    assert_eq!(last["location"]["range"]["start"], serde_json::json!({"line": 4, "character": 9}));
}

#[test]
fn pretty_shows_the_steps_in_the_helper_files() {
    let text = stdout(&run(root(), &["check", "fixtures/projects/mail-service/src/routes/mail.js"]));
    assert!(text.contains("[fixtures/projects/mail-service/src/lib/mailer.js:4:10]"), "{text}");
    assert!(text.contains("[fixtures/projects/mail-service/src/lib/templates.js:5:10]"), "{text}");
    assert!(text.contains("`fs.readFileSync` blocks here"), "{text}");
}

#[test]
fn a_blocking_call_in_a_helper_of_the_same_file_points_at_each_step() {
    let dir = tempdir("same-file-chain");
    std::fs::write(
        dir.join("a.js"),
        "const fs = require('fs');\nfunction load(n) { return fs.readFileSync(n); }\nfunction page(n) { return load(n); }\napp.get('/p', (req, res) => res.send(page(req.query.n)));\n",
    )
    .unwrap();
    let v = json(&run(&dir, &["check", "a.js", "--format", "json"]));
    let labels: Vec<(&str, u64)> = v["diagnostics"][0]["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["file"].as_str().unwrap(), l["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(labels, [("a.js", 3), ("a.js", 2)], "{v}");
}

// ---------------------------------------------------------------------------------------------
// Help

#[test]
fn exists_sync_help_names_apis_that_exist() {
    // before: "use `fs.promises.exists`", which does not exist
    let dir = tempdir("exists");
    std::fs::write(
        dir.join("a.js"),
        "const fs = require('fs');\napp.get('/x', (req, res) => res.send(fs.existsSync('/maintenance')));\n",
    )
    .unwrap();
    let v = json(&run(&dir, &["check", "a.js", "--format", "json"]));
    let help = v["diagnostics"][0]["help"].as_str().unwrap();
    assert!(!help.contains("`fs.promises.exists`"), "{help}");
    assert!(help.contains("fs.promises.access") && help.contains("ENOENT"), "{help}");
}

// ---------------------------------------------------------------------------------------------
// Counts and summaries

#[test]
fn statistics_count_each_level_of_a_rule() {
    // before: one row per rule, with the level of its first finding (10 "warning", 8 of them errors)
    let dir = tempdir("statistics");
    std::fs::create_dir_all(dir.join("jobs")).unwrap();
    std::fs::write(dir.join("a.js"), HANDLER).unwrap();
    std::fs::write(dir.join("b.js"), HANDLER).unwrap();
    std::fs::write(dir.join("jobs/c.js"), HANDLER).unwrap();
    std::fs::write(
        dir.join("loopsafe.json"),
        r#"{ "overrides": [{ "files": ["jobs/**"], "rules": { "blocking-call": "warn" } }] }"#,
    )
    .unwrap();
    let text = stdout(&run(&dir, &["check", "--statistics"]));
    let rows: Vec<&str> = text.lines().skip_while(|l| !l.contains("count")).skip(1).collect();
    assert_eq!(rows, ["     2  error    blocking-call", "     1  warning  blocking-call"], "{text}");
}

#[test]
fn the_summary_counts_files_with_problems() {
    // before: "✖ 1 problem … in 3 files" (the files checked)
    let dir = tempdir("summary-files");
    std::fs::write(dir.join("a.js"), HANDLER).unwrap();
    std::fs::write(dir.join("b.js"), "module.exports = 1;\n").unwrap();
    std::fs::write(dir.join("c.js"), "module.exports = 2;\n").unwrap();
    let text = stdout(&run(&dir, &["check"]));
    assert!(text.contains("✖ 1 problem (1 error, 0 warnings) in 1 file (3 checked)."), "{text}");
}

#[test]
fn a_run_with_only_a_syntax_error_says_so() {
    // before: "No problems found in 2 files." and exit code 1
    let dir = tempdir("syntax-only");
    std::fs::write(dir.join("broken.js"), "const x = (;\n").unwrap();
    std::fs::write(dir.join("fine.js"), "module.exports = 1;\n").unwrap();
    for format in ["pretty", "concise"] {
        let out = run(&dir, &["check", "--format", format]);
        assert_eq!(out.status.code(), Some(1));
        let text = stdout(&out);
        assert!(!text.contains("No problems found"), "{text}");
        assert!(
            text.contains("✖ 1 file could not be checked (1 syntax error); no problems found in the other 1 file."),
            "{text}"
        );
    }
    let text = stdout(&run(&dir, &["check", "--format", "concise", "broken.js"]));
    assert!(text.starts_with("broken.js:1:12: error syntax error: "), "{text}");
}

#[test]
fn a_baseline_run_says_how_many_findings_it_accepted() {
    let dir = tempdir("baseline-count");
    std::fs::write(dir.join("a.js"), HANDLER).unwrap();
    run(&dir, &["check", "--write-baseline", "b.json"]);
    std::fs::write(dir.join("new.js"), HANDLER.replace("'x'", "'y'")).unwrap();
    let out = run(&dir, &["check", "--baseline", "b.json"]);
    let text = stdout(&out);
    assert!(text.contains("1 finding accepted by the baseline (not shown)."), "{text}");
    assert!(text.contains("✖ 1 problem"), "{text}");
    let out = run(&dir, &["check", "--baseline", "b.json", "--format", "json"]);
    assert_eq!(json(&out)["baseline_accepted"], 1);
    assert!(stderr(&out).contains("the baseline accepted 1 finding"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// Suppressions

fn suppressed(reason: &str) -> String {
    format!(
        "const fs = require('fs');\napp.get('/x', (req, res) => {{\n  // loopsafe-ignore-next-line blocking-call{reason}\n  res.send(fs.readFileSync('x'));\n}});\n"
    )
}

#[test]
fn a_suppression_without_a_reason_fails_the_run() {
    // before: exit 0 with one warning, the error hidden
    let dir = tempdir("no-reason");
    std::fs::write(dir.join("a.js"), suppressed("")).unwrap();
    let out = run(&dir, &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["diagnostics"][0]["rule"], "suppression-comment");
    assert_eq!(v["diagnostics"][0]["severity"], "error");
    assert!(v["diagnostics"][0]["message"].as_str().unwrap().contains("gives no reason"));
    // with a reason: clean
    std::fs::write(dir.join("a.js"), suppressed(": 40 bytes, read once per deploy")).unwrap();
    assert_eq!(run(&dir, &["check"]).status.code(), Some(0));
}

#[test]
fn placeholder_reasons_are_not_reasons() {
    // before: the quick fix's "why this is safe" was accepted as a reason
    let dir = tempdir("placeholder");
    for reason in [": why this is safe", ": <why this finding does not apply here>", ": TODO", ": <reason>"] {
        std::fs::write(dir.join("a.js"), suppressed(reason)).unwrap();
        let out = run(&dir, &["check", "--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{reason}");
        let v = json(&out);
        assert!(v["diagnostics"][0]["message"].as_str().unwrap().contains("placeholder"), "{reason}: {v}");
    }
}

#[test]
fn suppression_comment_is_a_rule_like_the_others() {
    // before: `loopsafe rule suppression-comment` and `--rule suppression-comment=off` said
    // "unknown rule"
    let dir = tempdir("suppression-rule");
    let out = run(&dir, &["rule", "suppression-comment"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("## What it finds"));
    assert!(stdout(&run(&dir, &["rules"])).contains("suppression-comment"));
    std::fs::write(dir.join("a.js"), suppressed("")).unwrap();
    let out = run(&dir, &["check", "--rule", "suppression-comment=off", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json(&out)["diagnostics"], Value::Array(vec![]));
    let out = run(&dir, &["check", "--rule", "suppression-comment=warn", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["diagnostics"][0]["severity"], "warning");
    std::fs::write(dir.join("loopsafe.json"), r#"{ "rules": { "suppression-comment": "off" } }"#).unwrap();
    let out = run(&dir, &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // SARIF describes it
    let v: Value = serde_json::from_slice(&run(&dir, &["check", "--no-config", "--format", "sarif"]).stdout).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let i = rules.iter().position(|r| r["id"] == "suppression-comment").expect("in the rule table");
    assert_eq!(v["runs"][0]["results"][0]["ruleIndex"], i);
}

#[test]
fn an_unused_rule_of_a_two_rule_suppression_is_reported() {
    // before: one used rule made the whole comment "used"
    let dir = tempdir("two-rules");
    std::fs::write(dir.join("a.js"), suppressed(", await-race: the file is tiny")).unwrap();
    let out = run(&dir, &["check", "--report-unused-suppressions", "--format", "json"]);
    let v = json(&out);
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "suppression-comment", "{v}");
    assert_eq!(d["message"], "unused suppression: no `await-race` finding is covered");
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(out.status.code(), Some(0), "an unused suppression is a warning");
}

// ---------------------------------------------------------------------------------------------
// Command-line habits

/// Runs `loopsafe` under a pseudo-terminal (util-linux `script`), so that `--color auto` sees a
/// terminal. `None` when `script` is not installed.
fn run_in_terminal(dir: &Path, args: &str, no_color: Option<&str>) -> Option<String> {
    let mut c = Command::new("script");
    c.args(["-qec", &format!("{} {args}", env!("CARGO_BIN_EXE_loopsafe")), "/dev/null"])
        .current_dir(dir)
        .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        c.env("NO_COLOR", v);
    }
    let out = c.output().ok()?;
    out.status.code()?;
    Some(stdout(&out))
}

#[test]
fn color_follows_the_flag_the_terminal_and_no_color() {
    let dir = tempdir("color");
    std::fs::write(dir.join("a.js"), HANDLER).unwrap();
    let esc = |s: &str| s.contains('\x1b');
    assert!(esc(&stdout(&run(&dir, &["check", "--color", "always"]))));
    assert!(esc(&stdout(&run(&dir, &["check", "--color", "always", "--format", "concise"]))));
    assert!(!esc(&stdout(&run(&dir, &["check", "--color", "never"]))));
    assert!(!esc(&stdout(&run(&dir, &["check"]))), "not a terminal: no colour");
    // before: NO_COLOR was ignored on a terminal
    match run_in_terminal(&dir, "check a.js", Some("1")) {
        Some(text) => {
            assert!(text.contains("blocks the event loop"), "{text}");
            assert!(!text.contains("\x1b[3"), "NO_COLOR=1 on a terminal: {text:?}");
            let text = run_in_terminal(&dir, "check a.js", None).unwrap();
            assert!(text.contains("\x1b["), "a terminal without NO_COLOR: {text:?}");
            let text = run_in_terminal(&dir, "check a.js --color never", None).unwrap();
            assert!(!text.contains("\x1b[3"), "{text:?}");
        }
        None => eprintln!("skipped the terminal half: util-linux `script` is not installed"),
    }
}

#[test]
fn max_warnings_minus_one_is_no_limit() {
    // before: "-1" was rejected as an unknown flag (exit 2)
    let dir = tempdir("max-warnings");
    std::fs::write(dir.join("a.js"), HANDLER).unwrap();
    let args = ["check", "--rule", "blocking-call=warn", "--max-warnings"];
    assert_eq!(run(&dir, &[&args[..], &["-1"]].concat()).status.code(), Some(0));
    assert_eq!(run(&dir, &[&args[..], &["0"]].concat()).status.code(), Some(1));
    assert_eq!(run(&dir, &[&args[..], &["1"]].concat()).status.code(), Some(0));
}

#[test]
fn stdin_filename_with_paths_is_a_usage_error() {
    // before: `--stdin-filename x.js ok.js` checked stdin and silently dropped ok.js
    let dir = tempdir("stdin-paths");
    std::fs::write(dir.join("ok.js"), HANDLER).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_loopsafe"))
        .args(["check", "--stdin-filename", "x.js", "ok.js"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(b"module.exports = 1;\n");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--stdin-filename"), "{}", stderr(&out));
}

#[test]
fn unknown_rules_are_suggested_only_when_close() {
    // before: `loopsafe rule nope` suggested an unrelated rule
    let dir = tempdir("unknown-rule");
    let out = run(&dir, &["rule", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
    assert!(stderr(&out).contains("blocking-call, sequential-await"), "{}", stderr(&out));
    let out = run(&dir, &["check", "--rule", "await-rase=off"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean `await-race`?"), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------------
// The concise format

#[test]
fn concise_prints_one_line_per_finding() {
    let out = run(root(), &["check", "examples/shop-api", "--format", "concise"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let findings: Vec<&str> = text.lines().filter(|l| !l.starts_with('✖')).collect();
    assert_eq!(findings.len(), 8, "{text}");
    for l in &findings {
        let mut parts = l.splitn(4, ':');
        let (file, line, col, rest) = (parts.next(), parts.next(), parts.next(), parts.next().unwrap_or(""));
        assert!(file.is_some_and(|f| f.ends_with(".js")), "{l}");
        assert!(line.is_some_and(|n| n.parse::<u32>().is_ok()) && col.is_some_and(|n| n.parse::<u32>().is_ok()), "{l}");
        assert!(rest.starts_with(" error [") || rest.starts_with(" warning ["), "{l}");
    }
    assert!(text.ends_with("✖ 8 problems (6 errors, 2 warnings) in 3 files (6 checked).\n"), "{text}");
}
