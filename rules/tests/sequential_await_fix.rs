//! The `sequential-await` fix: applied to every fixture that offers one, the result must parse,
//! declare the same bindings, and no longer hold the group it rewrote.

use loopsafe_analyzer::discover::{discover, Input};
use loopsafe_analyzer::engine::{check, CheckOptions};
use loopsafe_analyzer::parse::{parse, Lang};
use loopsafe_analyzer::{model, Diagnostic};
use std::path::Path;

fn rule() -> &'static dyn loopsafe_analyzer::Rule {
    loopsafe_rules::find("sequential-await").expect("rule registered")
}

/// The rule's findings on one text, checked by the engine as a project of one file.
fn run(display: &str, text: &str) -> Vec<Diagnostic> {
    let input =
        Input { display: display.to_string(), path: display.into(), text: Some(text.to_string()), walked: false };
    let rules = vec![(rule(), rule().meta().default_severity)];
    let report = check(&[input], &CheckOptions { rules, ..Default::default() });
    let mut out: Vec<Diagnostic> = report.files.into_iter().flat_map(|f| f.diagnostics).collect();
    out.sort_by_key(|d| d.span.start);
    out
}

/// Declared bindings as (scope function name, binding name, kind), sorted.
fn bindings(display: &str, text: &str) -> Result<Vec<String>, String> {
    swc_common::GLOBALS.set(&swc_common::Globals::new(), || {
        let parsed = parse(display, text, Lang::from_path(display).unwrap()).map_err(|e| e.message)?;
        if let Some(e) = parsed.recovered.first() {
            return Err(e.message.clone());
        }
        let m = model::build(display, text, &parsed);
        let mut out: Vec<String> = m
            .bindings
            .iter()
            .filter(|b| b.kind != model::BindingKind::Unknown)
            .map(|b| format!("{} {} {:?}", m.describe(b.scope), b.name, b.kind))
            .collect();
        out.sort();
        Ok(out)
    })
}

fn apply(text: &str, d: &Diagnostic) -> String {
    let fix = d.fix.as_ref().unwrap();
    let mut edits = fix.edits.clone();
    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
    let mut out = text.to_string();
    for e in edits {
        out.replace_range(e.span.start as usize..e.span.end as usize, &e.replacement);
    }
    out
}

#[test]
fn fixes_reparse_keep_bindings_and_remove_the_group() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/sequential-await");
    let mut fixed = 0;
    for input in discover(&[dir]).unwrap() {
        let text = std::fs::read_to_string(&input.path).unwrap();
        let display = input.path.to_string_lossy().to_string();
        let before = bindings(&display, &text).unwrap();
        for d in run(&display, &text).iter().filter(|d| d.fix.is_some()) {
            let new_text = apply(&text, d);
            let after = bindings(&display, &new_text)
                .unwrap_or_else(|e| panic!("{display}: fixed text does not parse ({e}):\n{new_text}"));
            assert_eq!(before, after, "{display}: the fix changed the declared bindings:\n{new_text}");
            let start = d.fix.as_ref().unwrap().edits[0].span.start;
            let end = start + d.fix.as_ref().unwrap().edits[0].replacement.len() as u32;
            let again = run(&display, &new_text);
            assert!(
                !again.iter().any(|x| x.span.start >= start && x.span.start < end),
                "{display}: the rewritten group is still reported:\n{new_text}"
            );
            fixed += 1;
        }
    }
    assert!(fixed >= 5, "expected fixes in the fixtures, found {fixed}");
}

#[test]
fn fix_snapshot_for_the_seed_case() {
    let text = "const { getUser, getOrders, getPayments } = require('./accounts');\nasync function dashboard(req, res) {\n  const user = await getUser(req.params.id);\n  const orders = await getOrders(req.params.id);\n  await fetch(`/audit/${req.params.id}`);\n  const { total } = await getPayments(req.params.id);\n  res.json({ user, orders, total });\n}\nmodule.exports = dashboard;\n";
    let diags = run("snap.js", text);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0].message.contains("four round-trips in series"), "{}", diags[0].message);
    let out = apply(text, &diags[0]);
    assert_eq!(
        out,
        "const { getUser, getOrders, getPayments } = require('./accounts');\nasync function dashboard(req, res) {\n  const [user, orders, , { total }] = await Promise.all([\n    getUser(req.params.id),\n    getOrders(req.params.id),\n    fetch(`/audit/${req.params.id}`),\n    getPayments(req.params.id),\n  ]);\n  res.json({ user, orders, total });\n}\nmodule.exports = dashboard;\n"
    );
    assert_eq!(bindings("snap.js", text).unwrap(), bindings("snap.js", &out).unwrap());
}

#[test]
fn no_fix_where_the_rewrite_is_not_obviously_equivalent() {
    // mixed `const`/`let`, a type annotation, a property read on the awaited value
    for text in [
        "const { getX, getY } = require('./api');\nasync function a(id) {\n  const x = await getX(id);\n  let y = await getY(id);\n  return [x, y];\n}\napp.get('/a', a);\n",
        "const { getX, getY } = require('./api');\nasync function a(id) {\n  const x = (await getX(id)).data;\n  const y = await getY(id);\n  return [x, y];\n}\napp.get('/a', a);\n",
    ] {
        let diags = run("nofix.js", text);
        assert_eq!(diags.len(), 1, "{text}");
        assert!(diags[0].fix.is_none(), "{text}");
    }
    let ts = "import { getX, getY } from './api';\nexport async function a(id: string) {\n  const x: X = await getX(id);\n  const y = await getY(id);\n  return [x, y];\n}\napp.get('/a', a);\n";
    let diags = run("nofix.ts", ts);
    assert_eq!(diags.len(), 1);
    assert!(diags[0].fix.is_none());
}
