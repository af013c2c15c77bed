//! Where users run it: configuration, suppressions, baseline, and the machine formats.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loopsafe-int-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loopsafe")).args(args).current_dir(dir).output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("invalid JSON ({e}): {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn count(v: &Value) -> usize {
    v["diagnostics"].as_array().unwrap().len()
}

const HANDLER: &str =
    "const fs = require('fs');\napp.get('/x', (req, res) => {\n  res.send(fs.readFileSync('x'));\n});\n";

#[test]
fn nearest_config_wins_and_cli_rules_override() {
    let dir = tempdir("config");
    std::fs::create_dir_all(dir.join("jobs")).unwrap();
    std::fs::create_dir_all(dir.join("legacy")).unwrap();
    std::fs::write(dir.join("app.js"), HANDLER).unwrap();
    std::fs::write(dir.join("jobs/tool.mjs"), HANDLER).unwrap();
    std::fs::write(dir.join("legacy/old.js"), HANDLER).unwrap();
    std::fs::write(
        dir.join("loopsafe.json"),
        "{\n  // jobs may block\n  \"overrides\": [{ \"files\": [\"jobs/**\"], \"rules\": { \"blocking-call\": \"off\" } }],\n  \"rules\": { \"blocking-call\": \"warn\", },\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("legacy/loopsafe.json"), "{ \"rules\": { \"blocking-call\": \"off\" } }").unwrap();
    let v = json(&run(&dir, &["check", "--format", "json"]));
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{v}");
    assert_eq!(diags[0]["file"], "app.js");
    assert_eq!(diags[0]["severity"], "warning");
    // the command line wins over the files
    let out = run(&dir, &["check", "--format", "json", "--rule", "blocking-call=error"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(count(&json(&out)), 3);
    // --no-config: defaults everywhere
    assert_eq!(count(&json(&run(&dir, &["check", "--format", "json", "--no-config"]))), 3);
    // --config: one file for all
    std::fs::write(
        dir.join("strict.json"),
        "{ \"rules\": { \"blocking-call\": \"error\" }, \"exclude\": [\"legacy/**\"] }",
    )
    .unwrap();
    let v = json(&run(&dir, &["check", "--format", "json", "--config", "strict.json"]));
    assert_eq!(v["files_checked"], 2, "{v}");
}

#[test]
fn config_errors_exit_two_with_file_and_line() {
    let dir = tempdir("config-error");
    std::fs::write(dir.join("app.js"), HANDLER).unwrap();
    std::fs::write(dir.join("loopsafe.json"), "{\n  \"rules\": {\n    \"blocking-cal\": \"warn\"\n  }\n}\n").unwrap();
    let out = run(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("loopsafe.json:3:5") && err.contains("unknown rule `blocking-cal`"), "{err}");
    std::fs::write(dir.join("loopsafe.json"), "{\n  \"rules\": { \"blocking-call\": \"loud\" }\n}\n").unwrap();
    let out = run(&dir, &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("loopsafe.json:2:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(dir.join("loopsafe.json"), "{ \"rules\": { ").unwrap();
    assert_eq!(run(&dir, &["check"]).status.code(), Some(2));
    let out = run(&dir, &["check", "--no-config", "--rule", "blocking-call=maybe"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn suppressions_need_reasons_and_unused_ones_are_reported() {
    let dir = tempdir("suppress");
    let src = "const fs = require('fs');\n\
app.get('/a', (req, res) => {\n\
  // loopsafe-ignore-next-line blocking-call: the file is 40 bytes and cached by the OS\n\
  res.send(fs.readFileSync('a'));\n\
});\n\
app.get('/b', (req, res) => {\n\
  // loopsafe-ignore-next-line blocking-call\n\
  res.send(fs.readFileSync('b'));\n\
});\n\
app.get('/c', (req, res) => {\n\
  // eslint-disable-next-line n/no-sync -- legacy endpoint, removed next release\n\
  res.send(fs.readFileSync('c'));\n\
});\n\
app.get('/d', (req, res) => {\n\
  // loopsafe-ignore-next-line blocking-call: nothing here\n\
  res.send('d');\n\
});\n\
app.get('/e', (req, res) => {\n\
  // loopsafe-ignore-next-line blocking-call: stacked directives all reach the code line\n\
  // eslint-disable-next-line no-sync -- legacy\n\
  res.send(fs.readFileSync('e'));\n\
});\n";
    std::fs::write(dir.join("app.js"), src).unwrap();
    let v = json(&run(&dir, &["check", "--format", "json", "--report-unused-suppressions"]));
    let diags = v["diagnostics"].as_array().unwrap();
    let rules: Vec<(&str, u64)> =
        diags.iter().map(|d| (d["rule"].as_str().unwrap(), d["line"].as_u64().unwrap())).collect();
    assert_eq!(rules, [("suppression-comment", 7), ("suppression-comment", 15)], "{v}");
    assert!(diags[0]["message"].as_str().unwrap().contains("gives no reason"));
    assert!(diags[1]["message"].as_str().unwrap().contains("unused suppression"));
    // file-wide, at the top
    std::fs::write(dir.join("app.js"), format!("// loopsafe-ignore blocking-call: a CLI, not a server\n{HANDLER}"))
        .unwrap();
    let out = run(&dir, &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(count(&json(&out)), 0);
}

#[test]
fn baseline_accepts_old_findings_after_code_moves_and_fails_on_new_ones() {
    let dir = tempdir("baseline");
    std::fs::write(dir.join("app.js"), HANDLER).unwrap();
    let out = run(&dir, &["check", "--write-baseline", "loopsafe-baseline.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&dir, &["check", "--format", "json", "--baseline", "loopsafe-baseline.json"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(count(&json(&out)), 0);
    // code above the finding moves it down three lines: still accepted
    let moved = format!("// a comment\nconst path = require('path');\n\n{HANDLER}");
    std::fs::write(dir.join("app.js"), &moved).unwrap();
    let out = run(&dir, &["check", "--format", "json", "--baseline", "loopsafe-baseline.json"]);
    assert_eq!((out.status.code(), count(&json(&out))), (Some(0), 0));
    // a new finding is not
    std::fs::write(dir.join("app.js"), format!("{moved}app.post('/y', (req, res) => res.send(fs.statSync('y')));\n"))
        .unwrap();
    let out = run(&dir, &["check", "--format", "json", "--baseline", "loopsafe-baseline.json"]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(count(&v), 1);
    assert!(v["diagnostics"][0]["message"].as_str().unwrap().contains("statSync"));
}

#[test]
fn github_format_escapes_workflow_commands() {
    let dir = tempdir("github");
    std::fs::write(dir.join("a,b:c.js"), HANDLER).unwrap();
    let out = run(&dir, &["check", "--format", "github"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap();
    assert!(
        line.starts_with(
            "::error file=a%2Cb%3Ac.js,line=3,col=12,endLine=3,endColumn=27,title=loopsafe(blocking-call)::"
        ),
        "{line}"
    );
    assert!(line.contains("%0Ahelp: "), "newlines are escaped: {line}");
    assert_eq!(text.lines().count(), 1);
}

#[test]
fn lsp_format_groups_by_uri_with_zero_based_positions() {
    let dir = tempdir("lspfmt");
    std::fs::write(dir.join("a b.js"), HANDLER).unwrap();
    let v: Value = serde_json::from_slice(&run(&dir, &["check", "--format", "lsp"]).stdout).unwrap();
    let (uri, list) = v.as_object().unwrap().iter().next().unwrap();
    assert!(uri.starts_with("file:///") && uri.ends_with("/a%20b.js"), "{uri}");
    let d = &list[0];
    assert_eq!(d["range"]["start"], serde_json::json!({"line": 2, "character": 11}));
    assert_eq!(d["severity"], 1);
    assert_eq!(d["code"], "blocking-call");
    assert_eq!(d["source"], "loopsafe");
    assert!(d["codeDescription"]["href"].as_str().unwrap().ends_with("/docs/rules/blocking-call.md"));
}

#[test]
fn sarif_has_rules_results_fingerprints_and_suppressions() {
    let dir = tempdir("sarif");
    let src = format!("{HANDLER}app.get('/z', (req, res) => {{\n  // loopsafe-ignore-next-line blocking-call: tiny file\n  res.send(fs.readFileSync('z'));\n}});\n");
    std::fs::write(dir.join("app.js"), src).unwrap();
    let v: Value = serde_json::from_slice(&run(&dir, &["check", "--format", "sarif"]).stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run0 = &v["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "blocking-call" && r["defaultConfiguration"]["level"] == "error"));
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
    assert!(results[0]["partialFingerprints"]["loopsafe/v1"].as_str().unwrap().len() == 16);
    assert_eq!(results[1]["suppressions"][0]["justification"], "tiny file");
    assert_eq!(run0["columnKind"], "utf16CodeUnits");
}

#[test]
fn stdin_quiet_max_warnings_and_statistics() {
    let dir = tempdir("stdin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_loopsafe"))
        .args(["check", "--stdin-filename", "src/routes/a.js", "--format", "json"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(HANDLER.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let v = json(&out);
    assert_eq!(v["diagnostics"][0]["file"], "src/routes/a.js");
    std::fs::write(dir.join("a.js"), HANDLER).unwrap();
    let warn = ["check", "--no-config", "--rule", "blocking-call=warn", "--format", "json"];
    let out = run(&dir, &warn);
    assert_eq!((out.status.code(), count(&json(&out))), (Some(0), 1));
    let out = run(&dir, &[&warn[..], &["--quiet"]].concat());
    assert_eq!((out.status.code(), count(&json(&out))), (Some(0), 0));
    let out = run(&dir, &[&warn[..], &["--max-warnings", "0"]].concat());
    assert_eq!(out.status.code(), Some(1));
    let out = run(&dir, &["check", "--statistics"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.trim_start().starts_with("1  error") && l.ends_with("blocking-call")), "{text}");
}

#[test]
fn fix_rewrites_only_on_request_atomically_and_to_code_that_parses() {
    let dir = tempdir("fix");
    let src = "async function dashboard(req, res) {\n  const user = await getUser(req.params.id);\n  const orders = await getOrders(req.params.id);\n  res.json({ user, orders });\n}\nmodule.exports = dashboard;\nasync function getUser(id) { return db.users.findById(id); }\nasync function getOrders(id) { return db.orders.findByUser(id); }\n";
    std::fs::write(dir.join("a.js"), src).unwrap();
    std::fs::write(dir.join("b.js"), HANDLER).unwrap();
    // a plain check never writes
    let v = json(&run(&dir, &["check", "--format", "json"]));
    assert!(
        v["diagnostics"].as_array().unwrap().iter().any(|d| d["rule"] == "sequential-await" && d.get("fix").is_some()),
        "{v}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("a.js")).unwrap(), src);
    // --fix applies the suggestion; files without fixes are untouched
    let out = run(&dir, &["check", "--fix", "--format", "json"]);
    let fixed = std::fs::read_to_string(dir.join("a.js")).unwrap();
    assert!(fixed.contains("await Promise.all(["), "{fixed}");
    assert_eq!(std::fs::read_to_string(dir.join("b.js")).unwrap(), HANDLER);
    assert!(!json(&out)["diagnostics"].as_array().unwrap().iter().any(|d| d["rule"] == "sequential-await"));
    let v = json(&run(&dir, &["check", "--format", "json"]));
    assert!(!v["diagnostics"].as_array().unwrap().iter().any(|d| d["file"] == "a.js"), "the fixed file is clean: {v}");
    assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp-")));
}

#[test]
fn knowledge_extensions_from_the_configuration() {
    let dir = tempdir("knowledge");
    let src = "const db = require('legacy-db');\nconst fs = require('fs');\nconst jobs = require('./jobs');\n\
app.get('/x', (req, res) => res.json(db.querySync('select 1')));\n\
jobs.every('5m', () => {\n  fs.writeFileSync('/tmp/beat', String(Date.now()));\n});\n";
    std::fs::write(dir.join("app.js"), src).unwrap();
    // without the extensions: querySync is unknown, `every` runs its callback who knows when
    let v = json(&run(&dir, &["check", "--format", "json"]));
    assert_eq!(count(&v), 0, "{v}");
    std::fs::write(
        dir.join("loopsafe.json"),
        r#"{ "knowledge": { "blockingApis": [{ "module": "legacy-db", "member": "querySync", "alternative": "`db.query`" }], "entryPoints": ["every"] } }"#,
    )
    .unwrap();
    let v = json(&run(&dir, &["check", "--format", "json"]));
    let lines: Vec<u64> = v["diagnostics"].as_array().unwrap().iter().map(|d| d["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [4, 6], "{v}");
    assert!(v["diagnostics"][0]["help"].as_str().unwrap().contains("`db.query`"));
}
