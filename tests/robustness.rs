//! No panic on any input: mutated fixtures through parse + model + every rule + every formatter,
//! and pathological files through the real binary. A panic inside the engine is caught per file
//! and reported as an "internal error", so the tests look for that text as well as for crashes.

use loopsafe_analyzer::discover::{discover, Input};
use loopsafe_analyzer::engine::{check, decode, CheckOptions, Report};
use loopsafe_analyzer::format;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A small deterministic PRNG (xorshift64*), so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "await ",
    "async ",
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "=>",
    ";",
    ",",
    "`",
    "'",
    "\"",
    "/*",
    "*/",
    "//",
    "\n",
    "\r\n",
    "function ",
    "class ",
    "new ",
    "this.",
    ".then(",
    "require('fs')",
    "fs.readFileSync(",
    "Promise.all(",
    ".map(",
    "for (const x of y) ",
    "while (Date.now() < t) {}",
    "+= await f()",
    "😀",
    "\u{2028}",
    "\u{feff}",
    "<div>",
    "${",
    "@Get()",
    "import x from './a'",
    "export default ",
    "module.exports = ",
    "?.",
    "??",
    "#priv",
    "yield ",
];

fn mutate(rng: &mut Rng, corpus: &[String]) -> String {
    let base = &corpus[rng.below(corpus.len())];
    let mut chars: Vec<char> = base.chars().collect();
    match rng.below(5) {
        0 => {
            // truncate
            let n = rng.below(chars.len() + 1);
            chars.truncate(n);
        }
        1 => {
            // splice two fixtures
            let other: Vec<char> = corpus[rng.below(corpus.len())].chars().collect();
            let a = rng.below(chars.len() + 1);
            let b = rng.below(other.len() + 1);
            chars.truncate(a);
            chars.extend_from_slice(&other[b..]);
        }
        2 => {
            // delete a range
            if !chars.is_empty() {
                let a = rng.below(chars.len());
                let b = (a + rng.below(40)).min(chars.len());
                chars.drain(a..b);
            }
        }
        _ => {
            // insert tokens or replace characters
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(chars.len() + 1);
                if rng.below(2) == 0 {
                    let t = TOKENS[rng.below(TOKENS.len())];
                    chars.splice(at..at, t.chars());
                } else if at < chars.len() {
                    chars[at] = char::from_u32(rng.below(0x80) as u32).unwrap_or(' ');
                }
            }
        }
    }
    chars.into_iter().collect()
}

fn all_rules() -> CheckOptions<'static> {
    let rules = loopsafe_rules::ALL.iter().map(|r| (*r, r.meta().default_severity)).collect();
    CheckOptions { rules, ..Default::default() }
}

fn assert_no_internal_errors(report: &Report, inputs: &[Input]) {
    for e in &report.errors {
        if e.message.contains("internal error") {
            let input = inputs.iter().find(|i| i.display == e.file).unwrap();
            panic!("{}: {}\n--- input ---\n{}", e.file, e.message, input.text.as_deref().unwrap_or(""));
        }
    }
    // every formatter renders the report
    let info = format::RunInfo::default();
    let json: serde_json::Value = serde_json::from_str(&format::json::render(report, &info)).expect("valid JSON");
    assert_eq!(json["files_checked"].as_u64(), Some(inputs.len() as u64));
    let _ = format::pretty::render(report, &info);
    let _ = format::concise::render(report, &info);
    let _ = format::sarif::render(report, &[], "0");
    let _ = format::lsp::render(report);
    let _ = format::github::render(report);
}

#[test]
fn ten_thousand_mutated_fixtures_cause_no_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let files = discover(&[root]).unwrap();
    let corpus: Vec<String> = files.iter().map(|f| std::fs::read_to_string(&f.path).unwrap()).collect();
    let exts = ["js", "ts", "tsx", "mjs", "cjs", "jsx"];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let total = 10_000;
    let batch = 1_000;
    let mut done = 0;
    while done < total {
        let inputs: Vec<Input> = (0..batch)
            .map(|i| {
                let name = format!("m{}.{}", done + i, exts[rng.below(exts.len())]);
                Input {
                    display: name.clone(),
                    path: PathBuf::from(name),
                    text: Some(mutate(&mut rng, &corpus)),
                    walked: false,
                }
            })
            .collect();
        let report = check(&inputs, &all_rules());
        assert_no_internal_errors(&report, &inputs);
        done += batch;
    }
    assert_eq!(done, total);
}

#[test]
fn byte_level_mutations_are_decoded_or_rejected_cleanly() {
    let mut rng = Rng(42);
    let base =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop-api/src/routes/users.js")).unwrap();
    let mut rejected = 0;
    for _ in 0..2_000 {
        let mut bytes = base.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        match decode(bytes) {
            Ok(text) => {
                let inputs = [Input { display: "b.js".into(), path: "b.js".into(), text: Some(text), walked: false }];
                assert_no_internal_errors(&check(&inputs, &all_rules()), &inputs);
            }
            Err(msg) => {
                assert!(msg.contains("UTF-8") || msg.contains("NUL"), "{msg}");
                rejected += 1;
            }
        }
    }
    assert!(rejected > 0, "some mutations must produce invalid UTF-8");
}

fn run_binary(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_loopsafe")).args(args).current_dir(dir).output().unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v)
}

#[test]
fn pathological_files_have_clear_outcomes() {
    let dir = std::env::temp_dir().join(format!("loopsafe-patho-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = 50_000;
    let w = |name: &str, s: String| std::fs::write(dir.join(name), s).unwrap();
    w("parens.js", format!("const x = {}1{};\n", "(".repeat(d), ")".repeat(d)));
    w("arrays.js", format!("const y = {}{};\n", "[".repeat(d), "]".repeat(d)));
    w("arrows.js", format!("app.get('/', {}null);\n", "async () => ".repeat(d)));
    w("callbacks.js", format!("f({}1{});\n", "function () { return g(".repeat(2_000), ")}".repeat(2_000)));
    w("empty.js", String::new());
    // a generated 20 MB file and a minified bundle (one long line)
    let line = "export function handler%(req, res) { return res.json({ id: req.params.id, n: % }); }\n";
    let mut big = String::new();
    let mut i = 0;
    while big.len() < 20 << 20 {
        big.push_str(&line.replace('%', &i.to_string()));
        i += 1;
    }
    w("generated.js", big);
    let mut min = String::from("!function(){");
    for i in 0..20_000 {
        min.push_str(&format!("var a{i}=function(b,c){{return b+c*{i}}};"));
    }
    min.push_str("}();");
    w("bundle.min.js", min);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("loop-b.js"), dir.join("loop-a.js")).unwrap();
        std::os::unix::fs::symlink(dir.join("loop-a.js"), dir.join("loop-b.js")).unwrap();
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("sub/up")).unwrap();
    }
    let (code, v) = run_binary(&dir, &["check", ".", "--format", "json"]);
    assert!(matches!(code, Some(0) | Some(1)), "clean exit, got {code:?}: {v}");
    let errors = v["errors"].as_array().unwrap();
    assert!(errors.iter().all(|e| !e["message"].as_str().unwrap().contains("internal error")), "{v}");
    // the walk checks the files with lines of ordinary length (empty.js, generated.js) and skips
    // the one-line ones as minified; symlink loops are either skipped by the walker or reported
    let checked = v["files_checked"].as_u64().unwrap();
    assert!(checked >= 2, "{v}");
    for e in errors {
        let f = e["file"].as_str().unwrap();
        assert!(f.starts_with("loop-"), "only the symlink loop may fail: {e}");
    }
    // named, every one of them is parsed and checked
    let named = ["parens.js", "arrays.js", "arrows.js", "callbacks.js", "empty.js", "generated.js", "bundle.min.js"];
    let mut args = vec!["check", "--format", "json"];
    args.extend(named);
    let (code, v) = run_binary(&dir, &args);
    assert!(matches!(code, Some(0) | Some(1)), "clean exit, got {code:?}: {v}");
    assert_eq!(v["files_checked"].as_u64(), Some(7), "{v}");
    assert!(
        v["errors"].as_array().unwrap().iter().all(|e| !e["message"].as_str().unwrap().contains("internal error")),
        "{v}"
    );
}
