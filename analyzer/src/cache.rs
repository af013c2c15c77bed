//! `--cache DIR`: findings kept between runs, never stale.
//!
//! A file's findings depend on its own text and on the files connected to it through imports, on
//! the tool and its rules,
//! and on the configuration's knowledge tables. The cache stores, per file of the last run's
//! project, a hash of its text, what each of its relative imports resolved to, and for checked
//! files their findings before levels and suppressions (which are applied again on every run,
//! from the configuration of the day).
//!
//! On the next run a file's findings are reused when nothing connected to it through imports, in
//! either direction, changed: facts flow both ways (a route in one file makes a helper in another
//! run per request; a helper's effects reach the route). A changed text, a deleted file, or an
//! import that now resolves to another file (a new `x.ts` next to `x/index.ts`) invalidates the
//! file's whole component; a file the cache has never seen invalidates everything. Everything
//! else is checked as without a cache, with the unchanged files it imports read for their facts. A different key (tool version, rules, knowledge)
//! discards the whole cache. Writing is atomic; an unreadable or corrupt cache is ignored.

use crate::diagnostic::{ByteSpan, Diagnostic, Fix, Label};
use crate::discover::Input;
use crate::engine::{self, CheckOptions, RawFile, Report};
use crate::parse::Comment;
use crate::project::{normalize, resolve_path};
use crate::source::SourceText;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

const FILE_NAME: &str = "loopsafe-cache.json";
/// Bumped when the layout of the cache file changes.
const FORMAT: u32 = 6;

#[derive(Serialize, Deserialize, Default)]
struct Index {
    format: u32,
    key: String,
    files: FxHashMap<PathBuf, Entry>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    hash: u64,
    /// Relative specifier → the file it resolved to.
    imports: Vec<(String, Option<PathBuf>)>,
    /// Present for files that were checked (not only read for their facts).
    findings: Option<Findings>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Findings {
    /// The path as shown and as the rules saw it (some look at directories such as `test/`).
    display: String,
    diagnostics: Vec<CachedDiagnostic>,
    comments: Vec<Comment>,
}

/// A [`Diagnostic`] as stored: its rule by id.
#[derive(Serialize, Deserialize, Clone)]
struct CachedDiagnostic {
    rule: String,
    span: ByteSpan,
    label: String,
    labels: Vec<Label>,
    flow: bool,
    message: String,
    help: String,
    fix: Option<Fix>,
}

/// A hash of a file's text.
pub(crate) fn hash(text: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

fn load(dir: &Path, key: &str) -> Index {
    let read = std::fs::read(dir.join(FILE_NAME)).ok();
    match read.and_then(|b| serde_json::from_slice::<Index>(&b).ok()) {
        Some(i) if i.format == FORMAT && i.key == key => i,
        _ => Index { format: FORMAT, key: key.to_string(), files: FxHashMap::default() },
    }
}

/// The file a relative specifier names now, as the project pass would resolve it.
fn resolve_now(from: &Path, spec: &str, inputs: &FxHashSet<PathBuf>) -> Option<PathBuf> {
    resolve_path(from, spec, &|c| inputs.contains(c))
}

/// Check `inputs` with the cache in `dir`.
pub fn check(inputs: &[Input], opts: &CheckOptions<'_>, dir: &Path) -> Report {
    let start = Instant::now();
    // the inputs' texts, read once (the engine gets them in memory)
    let texts: Vec<Option<String>> = inputs
        .par_iter()
        .map(|i| match &i.text {
            Some(t) => Some(t.clone()),
            None => std::fs::read(&i.path).ok().and_then(|b| engine::decode(b).ok()),
        })
        .collect();
    // minified files the walk found are skipped before anything else (as the engine does), so
    // that they are neither checked nor missing from the cache
    let mut minified = 0;
    let (inputs, texts): (Vec<Input>, Vec<Option<String>>) = inputs
        .iter()
        .cloned()
        .zip(texts)
        .filter(|(i, t)| {
            let skip = i.walked && t.as_deref().is_some_and(crate::discover::is_minified);
            minified += skip as usize;
            !skip
        })
        .unzip();
    let inputs = &inputs[..];
    let t_read = start.elapsed();
    let mut index = load(dir, &opts.cache_key);
    let keys: Vec<PathBuf> = inputs.iter().map(|i| normalize(&i.path)).collect();
    let input_set: FxHashSet<PathBuf> = keys.iter().cloned().collect();
    let mut current: FxHashMap<PathBuf, Option<u64>> =
        keys.iter().zip(&texts).map(|(k, t)| (k.clone(), t.as_deref().map(hash))).collect();

    // files reachable from the inputs' entries that are not inputs: hash them too
    let mut frontier: Vec<PathBuf> = keys.clone();
    while !frontier.is_empty() {
        let wanted: Vec<PathBuf> = frontier
            .iter()
            .filter_map(|p| index.files.get(p))
            .flat_map(|e| e.imports.iter().filter_map(|(_, to)| to.clone()))
            .filter(|p| !current.contains_key(p))
            .collect::<FxHashSet<_>>()
            .into_iter()
            .collect();
        let hashed: Vec<(PathBuf, Option<u64>)> = wanted
            .into_par_iter()
            .map(|p| {
                let h = std::fs::read(&p).ok().and_then(|b| engine::decode(b).ok()).map(|t| hash(&t));
                (p, h)
            })
            .collect();
        frontier = hashed.iter().map(|(p, _)| p.clone()).collect();
        current.extend(hashed);
    }

    // changed: no entry, another text, or an import that resolves elsewhere now
    let changed: FxHashSet<PathBuf> = current
        .par_iter()
        .filter(|(p, h)| match (index.files.get(*p), h) {
            (Some(e), Some(h)) => {
                e.hash != *h || e.imports.iter().any(|(spec, to)| resolve_now(p, spec, &input_set) != *to)
            }
            _ => true,
        })
        .map(|(p, _)| p.clone())
        .collect();
    // ... and every file connected to a changed one through imports, in either direction: facts
    // flow both ways (a route in one file makes a helper in another run per request; a helper's
    // effects reach the route), so a file's findings depend on its whole component. A file the
    // cache has never seen may connect anything: then nothing is reused.
    let mut neighbours: FxHashMap<PathBuf, Vec<PathBuf>> = FxHashMap::default();
    for p in current.keys() {
        if let Some(e) = index.files.get(p) {
            for to in e.imports.iter().filter_map(|(_, to)| to.clone()) {
                neighbours.entry(to.clone()).or_default().push(p.clone());
                neighbours.entry(p.clone()).or_default().push(to);
            }
        }
    }
    let unseen = current.keys().any(|p| !index.files.contains_key(p));
    let mut invalid: FxHashSet<PathBuf> = if unseen { current.keys().cloned().collect() } else { changed };
    let mut stack: Vec<PathBuf> = invalid.iter().cloned().collect();
    while let Some(p) = stack.pop() {
        for q in neighbours.get(&p).into_iter().flatten() {
            if invalid.insert(q.clone()) {
                stack.push(q.clone());
            }
        }
    }

    // reuse what is valid; check the rest
    let mut reused: Vec<RawFile> = Vec::new();
    let mut todo: Vec<Input> = Vec::new();
    for ((input, key), text) in inputs.iter().zip(&keys).zip(texts) {
        let entry = index.files.get(key).filter(|_| !invalid.contains(key));
        let findings = entry.and_then(|e| e.findings.as_ref()).filter(|f| f.display == input.display);
        match (findings, text) {
            (Some(f), Some(text)) => {
                let diagnostics = f.diagnostics.iter().filter_map(|d| restore(d, opts)).collect();
                reused.push(RawFile {
                    display: input.display.clone(),
                    path: input.path.clone(),
                    source: Some(SourceText::new(text)),
                    diagnostics,
                    comments: f.comments.clone(),
                });
            }
            (_, text) => todo.push(Input { text, ..input.clone() }),
        }
    }
    let mut run = engine::check_raw(&todo, opts, true);

    // the new entries: every file the project pass saw; findings for the checked ones
    let findings: FxHashMap<PathBuf, Findings> = run
        .files
        .iter()
        .map(|f| {
            let stored = Findings {
                display: f.display.clone(),
                diagnostics: f.diagnostics.iter().map(store).collect(),
                comments: f.comments.clone(),
            };
            (normalize(&f.path), stored)
        })
        .collect();
    let fresh: Vec<(PathBuf, Entry)> = run
        .project
        .par_iter()
        .filter_map(|pe| {
            let key = normalize(&pe.path);
            let h = pe.hash;
            let imports = pe.imports.iter().map(|(s, to)| (s.clone(), to.as_deref().map(normalize))).collect();
            let findings = if pe.is_input { findings.get(&key).cloned() } else { None };
            // a file only read for facts keeps the findings an earlier run stored, if still valid
            let findings = findings.or_else(|| {
                index
                    .files
                    .get(&key)
                    .filter(|e| e.hash == h && !invalid.contains(&key))
                    .and_then(|e| e.findings.clone())
            });
            Some((key, Entry { hash: h, imports, findings }))
        })
        .collect();
    for p in &invalid {
        index.files.remove(p);
    }
    index.files.extend(fresh);
    if let Err(e) = save(dir, &index) {
        eprintln!("loopsafe: warning: cannot write the cache in {}: {e}", dir.display());
    }

    let reused_count = reused.len();
    run.files.extend(reused);
    let skipped = run.timings.minified;
    let mut report = engine::finish(run.files, run.errors, inputs.len() - skipped, opts);
    report.timings = run.timings;
    report.timings.minified += minified;
    report.timings.read += t_read;
    report.timings.cached = reused_count;
    report.timings.wall = start.elapsed();
    report
}

fn save(dir: &Path, index: &Index) -> std::io::Result<()> {
    let text = serde_json::to_string(index).map_err(std::io::Error::other)?;
    crate::rule::write_atomic(&dir.join(FILE_NAME), &text)
}

fn store(d: &Diagnostic) -> CachedDiagnostic {
    CachedDiagnostic {
        rule: d.rule.to_string(),
        span: d.span,
        label: d.label.clone(),
        labels: d.labels.clone(),
        flow: d.flow,
        message: d.message.clone(),
        help: d.help.clone(),
        fix: d.fix.clone(),
    }
}

fn restore(d: &CachedDiagnostic, opts: &CheckOptions<'_>) -> Option<Diagnostic> {
    let rule = opts.rules.iter().map(|(r, _)| r.meta().id).find(|id| *id == d.rule)?;
    let mut out =
        Diagnostic::new(rule, d.span, d.message.clone()).with_label(d.label.clone()).with_help(d.help.clone());
    out.labels = d.labels.clone();
    out.flow = d.flow;
    out.fix = d.fix.clone();
    Some(out)
}
