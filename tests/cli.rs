//! The command line as users run it: the JSON contract, exit codes, and bad input that must not
//! stop the other files from being checked.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn loopsafe(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loopsafe")).args(args).current_dir(cwd).output().expect("run loopsafe")
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loopsafe-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const BAD: &str = "const fs = require('fs');\napp.get('/x', (req, res) => {\n  res.send(fs.readFileSync('x'));\n});\n";
const GOOD: &str = "const fs = require('fs');\nconst cfg = fs.readFileSync('cfg.json');\nmodule.exports = cfg;\n";

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn json_contract_and_exit_one_on_error_findings() {
    let dir = tempdir("contract");
    std::fs::write(dir.join("bad.js"), BAD).unwrap();
    std::fs::write(dir.join("good.js"), GOOD).unwrap();
    let out = loopsafe(&["check", ".", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v = json(&out);
    assert_eq!(v["version"], 2);
    assert_eq!(v["files_checked"], 2);
    let d = &v["diagnostics"][0];
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1);
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["rule", "severity", "file", "line", "column", "end_line", "end_column", "message", "help"]);
    assert_eq!(d["rule"], "blocking-call");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "bad.js");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(3), Some(12)));
    assert_eq!((d["end_line"].as_u64(), d["end_column"].as_u64()), (Some(3), Some(27)));
    assert!(d["message"].as_str().unwrap().contains("fs.readFileSync"));
    assert!(d["help"].as_str().unwrap().contains("fs.promises.readFile"));
    assert_eq!(v["errors"], Value::Array(vec![]));
}

#[test]
fn exit_zero_when_clean_and_pretty_summary() {
    let dir = tempdir("clean");
    std::fs::write(dir.join("good.js"), GOOD).unwrap();
    let out = loopsafe(&["check"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No problems found in 1 file"));
}

#[test]
fn exit_two_on_usage_errors() {
    let dir = tempdir("usage");
    let out = loopsafe(&["check", "does-not-exist"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does-not-exist"));
    let out = loopsafe(&["check", "--no-such-flag"], &dir);
    assert_eq!(out.status.code(), Some(2));
    let out = loopsafe(&["--version"], &dir);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("loopsafe "));
}

#[test]
fn bad_files_are_reported_and_the_rest_still_checked() {
    let dir = tempdir("bad-input");
    std::fs::write(dir.join("bad.js"), BAD).unwrap();
    std::fs::write(dir.join("broken.js"), "const x = {\n  a: (;\n").unwrap();
    std::fs::write(dir.join("latin1.js"), b"const s = '\xe9t\xe9';\n").unwrap();
    std::fs::write(dir.join("binary.js"), b"\x00\x01\x02garbage").unwrap();
    // a directory with a source-like name is walked like any directory
    std::fs::create_dir_all(dir.join("dir.js")).unwrap();
    std::fs::write(dir.join("dir.js/inner.js"), GOOD).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("missing-target.js"), dir.join("dangling.js")).unwrap();
    let out = loopsafe(&["check", ".", "dir.js", "dangling.js", "--format", "json"], &dir);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1, "bad.js is still checked");
    let errors = v["errors"].as_array().unwrap();
    let find = |f: &str| errors.iter().find(|e| e["file"] == f).unwrap_or_else(|| panic!("no error for {f}: {v}"));
    let broken = find("broken.js");
    assert!(broken["message"].as_str().unwrap().starts_with("syntax error"));
    assert_eq!(broken["line"], 2);
    assert!(find("latin1.js")["message"].as_str().unwrap().contains("UTF-8"));
    assert!(find("binary.js")["message"].as_str().unwrap().contains("NUL"));
    assert_eq!(v["files_checked"], 6, "bad, broken, latin1, binary, dir.js/inner.js, dangling: {v}");
    #[cfg(unix)]
    assert!(find("dangling.js")["message"].as_str().unwrap().contains("cannot read"));
}

#[test]
fn columns_count_utf16_with_bom_crlf_and_astral_characters() {
    let dir = tempdir("utf16");
    let src = "\u{feff}const fs = require('fs');\r\napp.get('/x', (req, res) => {\r\n  const s = '😀'; res.send(fs.readFileSync('x'));\r\n});\r\n";
    std::fs::write(dir.join("a.js"), src).unwrap();
    let v = json(&loopsafe(&["check", "a.js", "--format", "json"], &dir));
    let d = &v["diagnostics"][0];
    // `  const s = '😀'; res.send(` is 27 UTF-16 units (29 bytes): the callee starts at column 28
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(3), Some(28)), "{v}");
}

#[test]
fn node_modules_and_declaration_files_are_skipped_unless_named() {
    let dir = tempdir("skip");
    std::fs::create_dir_all(dir.join("node_modules/pkg")).unwrap();
    std::fs::write(dir.join("node_modules/pkg/index.js"), BAD).unwrap();
    std::fs::write(dir.join("types.d.ts"), "export declare function f(): void;\n").unwrap();
    std::fs::write(dir.join("ignored.js"), BAD).unwrap();
    std::fs::write(dir.join(".gitignore"), "ignored.js\n").unwrap();
    std::fs::write(dir.join("app.ts"), GOOD).unwrap();
    let v = json(&loopsafe(&["check", "--format", "json"], &dir));
    assert_eq!(v["files_checked"], 1, "{v}");
    let v = json(&loopsafe(&["check", "ignored.js", "--format", "json"], &dir));
    assert_eq!(v["files_checked"], 1);
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1);
}

/// A minified bundle (a browser build shipped beside the server, `built/assets/*.js`) is generated
/// code nobody reads or fixes: the walk skips it, naming it checks it.
#[test]
fn minified_files_are_skipped_unless_named() {
    let dir = tempdir("minified");
    std::fs::create_dir_all(dir.join("built")).unwrap();
    // one line of 2,000+ characters holding the blocking handler
    let mut line = BAD.replace('\n', " ");
    while line.len() < 2100 {
        line.push_str(" var a0 = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9;");
    }
    std::fs::write(dir.join("built/app.min.js"), &line).unwrap();
    std::fs::write(dir.join("app.js"), GOOD).unwrap();
    let v = json(&loopsafe(&["check", "--format", "json"], &dir));
    assert_eq!(v["files_checked"], 1, "{v}");
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 0, "{v}");
    let v = json(&loopsafe(&["check", "built/app.min.js", "--format", "json"], &dir));
    assert_eq!(v["files_checked"], 1, "{v}");
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1, "{v}");
}

#[test]
fn deeply_nested_code_does_not_overflow_the_stack() {
    let dir = tempdir("deep");
    let depth = 20_000;
    let src = format!("const x = {}1{};\n", "(".repeat(depth), ")".repeat(depth));
    std::fs::write(dir.join("deep.js"), src).unwrap();
    let arrays = format!("const y = {}{};\n", "[".repeat(depth), "]".repeat(depth));
    std::fs::write(dir.join("arrays.js"), arrays).unwrap();
    // named: one long line each, the walk would take them for minified files and skip them
    let out = loopsafe(&["check", "deep.js", "arrays.js", "--format", "json"], &dir);
    let v = json(&out);
    assert_eq!(v["files_checked"], 2);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "no crash: {:?}", out.status);
}

#[test]
fn a_file_named_alone_still_sees_helpers_in_files_it_imports() {
    // the pre-commit shape: only the staged file is named; its imports are read for facts only
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = loopsafe(&["check", "fixtures/projects/mail-service/src/routes/mail.js", "--format", "json"], root);
    let v = json(&out);
    assert_eq!(v["files_checked"], 1);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 2, "{v}");
    assert!(diags.iter().all(|d| d["file"] == "fixtures/projects/mail-service/src/routes/mail.js"));
    assert!(diags[0]["message"].as_str().unwrap().contains("renderWelcome (lib/mailer.js)"));
}
