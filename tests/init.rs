//! `loopsafe init`: the loopsafe.json it writes is accepted by `loopsafe check` and changes nothing
//! until edited; an existing file is kept unless `--force`; the next steps are printed.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn loopsafe(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loopsafe")).args(args).current_dir(cwd).output().expect("run loopsafe")
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loopsafe-init-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const BAD: &str = "const fs = require('fs');\nconst { getUser, getOrders } = require('./accounts');\napp.get('/x', async (req, res) => {\n  const a = await getUser(req.id);\n  const b = await getOrders(req.id);\n  res.send(fs.readFileSync('x') + a + b);\n});\n";

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn diagnostics(out: &Output) -> Vec<(String, String, u64)> {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)));
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (d["rule"].as_str().unwrap().into(), d["severity"].as_str().unwrap().into(), d["line"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn init_writes_a_commented_config_that_check_accepts_and_that_keeps_the_defaults() {
    let dir = tempdir("accept");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/app.js"), BAD).unwrap();
    let out = loopsafe(&["init"], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let written = std::fs::read_to_string(dir.join("loopsafe.json")).unwrap();
    assert!(written.starts_with("// loopsafe.json"), "{written}");
    for r in loopsafe_rules::ALL {
        assert!(written.contains(&format!("\"{}\":", r.meta().id)), "{} is not in the file", r.meta().id);
    }

    // accepted by check (exit 1 for the findings, not 2 for a configuration error), with the same
    // findings as without it, and accepted when named with --config
    let with = loopsafe(&["check", "--format", "json"], &dir);
    assert_eq!(with.status.code(), Some(1), "{}", text(&with));
    let without = loopsafe(&["check", "--format", "json", "--no-config"], &dir);
    let found = diagnostics(&with);
    assert!(
        found.iter().any(|d| d.0 == "blocking-call") && found.iter().any(|d| d.0 == "sequential-await"),
        "{found:?}"
    );
    assert_eq!(found, diagnostics(&without));
    let named = loopsafe(&["check", "--format", "json", "--config", "loopsafe.json", "src"], &dir);
    assert_eq!(diagnostics(&named), found, "{}", text(&named));

    // its excludes apply
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    std::fs::write(dir.join("dist/app.js"), BAD).unwrap();
    let out = loopsafe(&["check", "--format", "json"], &dir);
    assert_eq!(diagnostics(&out), found, "dist/ is excluded");

    // an edit to it takes effect: blocking-call off
    let off: String = written
        .lines()
        .map(|l| if l.contains("\"blocking-call\":") { l.replace("\"error\"", "\"off\"") } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("loopsafe.json"), off).unwrap();
    let out = loopsafe(&["check", "--format", "json"], &dir);
    assert!(!diagnostics(&out).iter().any(|d| d.0 == "blocking-call"), "{}", text(&out));
}

#[test]
fn init_keeps_an_existing_config_unless_forced_and_prints_the_next_steps() {
    let dir = tempdir("force");
    std::fs::write(dir.join("package.json"), "{\"name\": \"api\", \"private\": true}\n").unwrap();
    let out = loopsafe(&["init"], &dir);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for step in [
        "Next steps",
        "npx loopsafe check",
        "npm install -D",
        "upload-sarif",
        "rev: v",
        "- id: loopsafe",
        "lint-staged",
        "loopsafe lsp",
    ] {
        assert!(stdout.contains(step), "`{step}` is not in the next steps:\n{stdout}");
    }
    assert!(!stdout.contains("https://"), "no address that is not the project's:\n{stdout}");

    std::fs::write(dir.join("loopsafe.json"), "{ \"rules\": { \"await-race\": \"off\" } }\n").unwrap();
    let out = loopsafe(&["init"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("exists; `loopsafe init --force` overwrites it"), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("loopsafe.json")).unwrap(),
        "{ \"rules\": { \"await-race\": \"off\" } }\n"
    );

    let out = loopsafe(&["init", "--force", "."], &dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(std::fs::read_to_string(dir.join("loopsafe.json")).unwrap().starts_with("// loopsafe.json"));

    let out = loopsafe(&["init", "no-such-dir"], &dir);
    assert_eq!(out.status.code(), Some(2));
}
