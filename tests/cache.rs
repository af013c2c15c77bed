//! `--cache DIR` is never stale: after every kind of change, a cached run reports exactly what a
//! run without the cache reports, and an unchanged project is answered from the cache.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("loopsafe-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loopsafe")).args(args).current_dir(dir).output().unwrap()
}

/// Copy a fixture project into a fresh directory.
fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The findings of a run (JSON), and how many files' findings the cache gave.
fn check(dir: &Path, cache: Option<&Path>) -> (String, Option<usize>) {
    let mut args = vec!["check", "src", "--format", "json", "--timings"];
    let cache_arg;
    if let Some(c) = cache {
        cache_arg = c.to_string_lossy().to_string();
        args.extend(["--cache", &cache_arg]);
    }
    let out = run(dir, &args);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reused = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("cache"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok());
    (String::from_utf8(out.stdout).unwrap(), reused)
}

/// A cached run must equal a run without the cache; returns how many files were reused.
fn same_as_uncached(dir: &Path, cache: &Path) -> usize {
    let (cached, reused) = check(dir, Some(cache));
    let (plain, _) = check(dir, None);
    assert_eq!(cached, plain, "the cached run differs from a run without the cache");
    reused.expect("--timings reports the cache")
}

fn mail_service(name: &str) -> (PathBuf, PathBuf) {
    let dir = tempdir(name);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/projects/mail-service");
    copy_tree(&fixture, &dir);
    let cache = dir.join(".loopsafe-cache");
    (dir, cache)
}

#[test]
fn unchanged_files_are_reused_and_changed_imports_invalidate_their_importers() {
    let (dir, cache) = mail_service("imports");
    let (first, _) = check(&dir, None);
    assert!(first.contains("fs.readFileSync"), "the fixture has cross-file findings: {first}");
    assert_eq!(same_as_uncached(&dir, &cache), 0, "a cold cache reuses nothing");
    assert_eq!(same_as_uncached(&dir, &cache), 3, "an unchanged project is answered from the cache");

    // the blocking read two files away goes: the route's findings must go with it
    let templates = dir.join("src/lib/templates.js");
    let text = std::fs::read_to_string(&templates).unwrap();
    assert!(text.contains("readFileSync"));
    std::fs::write(&templates, text.replace("fs.readFileSync(", "cachedTemplate(")).unwrap();
    let reused = same_as_uncached(&dir, &cache);
    assert_eq!(reused, 0, "templates.js changed: it and both files importing it (directly or not) are checked again");
    let (after, _) = check(&dir, None);
    assert!(!after.contains("fs.readFileSync"), "{after}");

    // and comes back
    std::fs::write(&templates, text).unwrap();
    same_as_uncached(&dir, &cache);
    let (back, _) = check(&dir, Some(&cache));
    assert_eq!(back, first);
}

#[test]
fn a_minified_file_the_walk_skips_does_not_keep_the_cache_cold() {
    let (dir, cache) = mail_service("minified");
    std::fs::create_dir_all(dir.join("src/public")).unwrap();
    let bundle = format!("!function(){{{}}}();", "var a=function(b,c){return b+c};".repeat(100));
    std::fs::write(dir.join("src/public/bundle.min.js"), bundle).unwrap();
    assert_eq!(same_as_uncached(&dir, &cache), 0, "a cold cache reuses nothing");
    assert_eq!(same_as_uncached(&dir, &cache), 3, "the three checked files are answered from the cache");
}

#[test]
fn a_file_that_changes_what_an_import_resolves_to_invalidates_the_importer() {
    let dir = tempdir("resolution");
    std::fs::create_dir_all(dir.join("src/lib/render")).unwrap();
    std::fs::write(
        dir.join("src/app.js"),
        "const express = require('express');\nconst { render } = require('./lib/render');\nconst app = express();\n\
         app.get('/', (req, res) => res.send(render('home')));\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/lib/render/index.js"), "exports.render = (name) => `<h1>${name}</h1>`;\n").unwrap();
    let cache = dir.join("cache");
    assert_eq!(same_as_uncached(&dir, &cache), 0);
    assert_eq!(same_as_uncached(&dir, &cache), 2);
    // `./lib/render` now names render.js (it comes before render/index.js), which blocks
    std::fs::write(
        dir.join("src/lib/render.js"),
        "const fs = require('fs');\nexports.render = (name) => fs.readFileSync(`views/${name}.html`, 'utf8');\n",
    )
    .unwrap();
    same_as_uncached(&dir, &cache);
    let (now, _) = check(&dir, Some(&cache));
    assert!(now.contains("fs.readFileSync"), "{now}");
    // deleting it again restores the old resolution
    std::fs::remove_file(dir.join("src/lib/render.js")).unwrap();
    same_as_uncached(&dir, &cache);
    assert!(!check(&dir, Some(&cache)).0.contains("readFileSync"));
}

#[test]
fn configuration_changes_apply_and_a_corrupt_cache_is_ignored() {
    let (dir, cache) = mail_service("config");
    same_as_uncached(&dir, &cache);
    // levels and suppressions are applied on every run, from today's configuration
    std::fs::write(dir.join("loopsafe.json"), "{ \"rules\": { \"blocking-call\": \"off\" } }").unwrap();
    assert_eq!(same_as_uncached(&dir, &cache), 3);
    assert!(!check(&dir, Some(&cache)).0.contains("blocking-call"));
    // knowledge tables change what the rules find: the cache is discarded
    std::fs::write(
        dir.join("loopsafe.json"),
        "{ \"knowledge\": { \"blockingApis\": [{ \"module\": \"nodemailer\", \"member\": \"createTransport\" }] } }",
    )
    .unwrap();
    assert_eq!(same_as_uncached(&dir, &cache), 0, "another knowledge table, another cache key");
    // garbage in the cache file: ignored, then rewritten
    std::fs::write(cache.join("loopsafe-cache.json"), "{ not json").unwrap();
    assert_eq!(same_as_uncached(&dir, &cache), 0);
    assert_eq!(same_as_uncached(&dir, &cache), 3);
}

/// Runs of `args` with and without the cache must agree.
fn agree(dir: &Path, cache: &Path, args: &[&str]) -> String {
    let mut with: Vec<&str> = args.to_vec();
    let c = cache.to_string_lossy().to_string();
    with.extend(["--cache", &c]);
    let cached = run(dir, &with);
    let plain = run(dir, args);
    assert_eq!(
        String::from_utf8_lossy(&cached.stdout),
        String::from_utf8_lossy(&plain.stdout),
        "cached and uncached runs of {args:?} differ"
    );
    String::from_utf8(plain.stdout).unwrap()
}

#[test]
fn what_an_import_names_does_not_depend_on_the_files_named() {
    // `./x` from a TypeScript file is x.ts, even with a compiled x.js next to it, whichever files
    // the command line names and whichever the cache answers for
    let dir = tempdir("shadow");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/a.ts"),
        "import { render } from './x';\nimport express from 'express';\nconst app = express();\n\
         app.get('/', (req, res) => { res.send(render()); });\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/x.ts"),
        "import { readFileSync } from 'fs';\nexport function render() { return readFileSync('page.html', 'utf8'); }\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/x.js"), "exports.render = function () { return '<p>compiled</p>'; };\n").unwrap();
    let cache = dir.join("cache");
    let args = ["check", "src/a.ts", "src/x.ts", "--format", "json"];
    let first = agree(&dir, &cache, &args);
    assert!(first.contains("readFileSync"), "{first}");
    // only a.ts changes: the cache answers for x.ts, a.ts is checked again
    let a = std::fs::read_to_string(dir.join("src/a.ts")).unwrap();
    std::fs::write(dir.join("src/a.ts"), format!("{a}// edited\n")).unwrap();
    agree(&dir, &cache, &args);
    // named alone (a pre-commit run) it still means x.ts
    assert!(agree(&dir, &cache, &["check", "src/a.ts", "--format", "json"]).contains("readFileSync"));
}

#[test]
fn findings_are_reused_only_for_the_same_displayed_path() {
    // rules look at the path as given (`test/` files are not judged by some): a file checked as
    // `test/../src/a.js` and then as `src/a.js` is judged again
    let dir = tempdir("display");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("test")).unwrap();
    std::fs::write(
        dir.join("src/a.js"),
        "const db = require('./db');\nmodule.exports = async function handler(req, res) {\n  \
         const user = await db.getUser(req.params.id);\n  const orders = await db.getOrders(req.params.id);\n  \
         res.json({ user, orders });\n};\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/db.js"),
        "const pool = require('pg-pool')();\nexports.getUser = (id) => pool.query('SELECT * FROM users WHERE id = $1', [id]);\n\
         exports.getOrders = (id) => pool.query('SELECT * FROM orders WHERE user_id = $1', [id]);\n",
    )
    .unwrap();
    let cache = dir.join("cache");
    agree(&dir, &cache, &["check", "test/../src/a.js", "--format", "json"]);
    let direct = agree(&dir, &cache, &["check", "src/a.js", "--format", "json"]);
    assert!(direct.contains("sequential-await"), "{direct}");
}

#[test]
fn an_importer_that_registers_a_helper_invalidates_the_helper() {
    // facts flow from importers too: a route added in one file makes a helper in another file
    // per-request code, so the helper's findings must change although its text did not
    let dir = tempdir("importer");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/helper.js"),
        "const fs = require('fs');\nexports.show = async function show(context) {\n  context.body = fs.readFileSync('/srv/page.html');\n};\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/routes.js"), "const helper = require('./helper');\nmodule.exports = helper;\n")
        .unwrap();
    let cache = dir.join("cache");
    assert_eq!(same_as_uncached(&dir, &cache), 0);
    let (quiet, _) = check(&dir, None);
    assert!(!quiet.contains("blocking-call"), "{quiet}");
    std::fs::write(
        dir.join("src/routes.js"),
        "const Router = require('@koa/router');\nconst helper = require('./helper');\nconst router = new Router();\nrouter.get('/page', helper.show);\nmodule.exports = router;\n",
    )
    .unwrap();
    same_as_uncached(&dir, &cache);
    let (found, _) = check(&dir, Some(&cache));
    assert!(found.contains("blocking-call"), "the helper's finding appears: {found}");
    // unchanged now: everything from the cache
    assert_eq!(same_as_uncached(&dir, &cache), 2);
}
