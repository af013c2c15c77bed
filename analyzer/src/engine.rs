//! The engine: reads, parses and models each file once, runs every enabled rule on it, and
//! stamps severities. Three phases:
//! 1. per file, in parallel: read, parse, build the model, run the rules' per-file checks; the
//!    syntax tree is dropped as soon as the file is done;
//! 2. the project pass ([`Project`]): relative imports resolved between files (files imported but
//!    not named are read too, for their facts only), cross-file summaries computed;
//! 3. per file, in parallel: the rules' project checks.
//! A failure in one file (unreadable, not UTF-8, a syntax error, even a panic) is reported for that
//! file and the others go on. Threads have a large stack: deeply nested code recurses deeply.

use crate::config::Configs;
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::Input;
use crate::model::{self, FileModel};
use crate::parse::{self, Lang};
use crate::project::{Project, ProjectFile};
use crate::rule::{Facts, Rule};
use crate::source::SourceText;
use rayon::prelude::*;
use rustc_hash::FxHashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Stack size of analysis threads: deeply nested code recurses deeply.
pub const STACK_SIZE: usize = 512 << 20;

/// At most this many files are read only to follow imports.
const MAX_EXTRA_FILES: usize = 20_000;

/// Which rules run, at which severity.
#[derive(Default)]
pub struct CheckOptions<'a> {
    /// Every rule with its default severity; configuration may turn rules off or change levels.
    pub rules: Vec<(&'a dyn Rule, Severity)>,
    /// `loopsafe.json` lookup and `--rule` levels (none: defaults everywhere).
    pub configs: Option<&'a Configs>,
    /// Report suppression comments that cover nothing.
    pub report_unused_suppressions: bool,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Stop after parsing and the resolver (the benchmark's floor).
    pub parse_only: bool,
    /// Keep findings in this directory between runs (see [`crate::cache`]).
    pub cache: Option<&'a std::path::Path>,
    /// Models of files read only for their facts, kept by a long-running caller between checks.
    pub models: Option<&'a ModelCache>,
    /// What the cached findings depend on besides the files: the tool, its rules and the
    /// configuration's knowledge. A different key discards the cache.
    pub cache_key: String,
    /// The caller exits right after the check (the command line): the project's models are left
    /// for the operating system to free instead of being dropped one allocation at a time (30-40 ms
    /// on the corpus, on one thread, after all the work).
    pub exit_after: bool,
    /// Texts newer than the disk (an editor's unsaved buffers), by normalized path: a file
    /// followed as an import is read from here first.
    pub unsaved: Option<&'a rustc_hash::FxHashMap<PathBuf, String>>,
}

/// The models of files read only to follow imports, kept between checks by a caller that checks
/// again and again (the language server): a file whose text hashes the same is not parsed again.
/// Models depend on the text and the path only (the server applies no knowledge tables).
#[derive(Default)]
pub struct ModelCache {
    models: std::sync::Mutex<rustc_hash::FxHashMap<PathBuf, (u64, FileModel)>>,
}

impl ModelCache {
    /// At most this many models are kept; beyond it the cache starts over.
    const MAX: usize = 4096;

    fn get(&self, path: &std::path::Path, hash: u64) -> Option<FileModel> {
        let models = self.models.lock().ok()?;
        models.get(path).filter(|(h, _)| *h == hash).map(|(_, m)| m.clone())
    }

    fn put(&self, path: PathBuf, hash: u64, model: &FileModel) {
        if let Ok(mut models) = self.models.lock() {
            if models.len() >= Self::MAX {
                models.clear();
            }
            models.insert(path, (hash, model.clone()));
        }
    }
}

/// A file that could not be checked.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileError {
    pub file: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

/// The findings of one file, with its text for rendering.
pub struct FileReport {
    pub path: String,
    pub source: SourceText,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Default, Debug, Clone)]
pub struct Timings {
    pub read: Duration,
    pub parse: Duration,
    pub model: Duration,
    pub project: Duration,
    pub rules: Vec<(&'static str, Duration)>,
    pub wall: Duration,
    /// Files read only to follow imports.
    pub extra_files: usize,
    /// Files whose findings came from the cache.
    pub cached: usize,
    /// Minified files found by walking a directory: read, not analysed.
    pub minified: usize,
    /// Elapsed: phase 1 (read, parse, model, per-file rules, in parallel) and phase 3 (second
    /// runs with cross-file facts, project rules).
    pub files_phase: Duration,
    pub project_phase: Duration,
}

pub struct Report {
    pub files_checked: usize,
    /// Files with at least one diagnostic, sorted by path; diagnostics sorted by position.
    pub files: Vec<FileReport>,
    pub errors: Vec<FileError>,
    /// Summed over threads (wall and project: elapsed).
    pub timings: Timings,
    /// Files read only to follow imports (normalized paths): what a long-running caller checks
    /// again when one of them changes.
    pub imported: Vec<PathBuf>,
    /// The texts of other files that labels point into ([`crate::source::label_sources`]).
    pub label_sources: Vec<(String, SourceText)>,
}

impl Report {
    /// Findings at this severity that no suppression covers.
    pub fn count(&self, severity: Severity) -> usize {
        self.active().filter(|d| d.severity == severity).count()
    }

    /// Every finding that no suppression covers.
    pub fn active(&self) -> impl Iterator<Item = &Diagnostic> {
        self.files.iter().flat_map(|f| &f.diagnostics).filter(|d| d.suppressed.is_none())
    }

    /// The text of a file in the report: a reported file (`files` is sorted by path), or another
    /// file a label points into.
    pub fn source_of(&self, path: &str) -> Option<&SourceText> {
        match self.files.binary_search_by(|f| f.path.as_str().cmp(path)) {
            Ok(i) => Some(&self.files[i].source),
            Err(_) => self.label_sources.iter().find(|(p, _)| p == path).map(|(_, s)| s),
        }
    }
}

/// A file after phase 1.
struct Analysed {
    /// Kept only when it came in memory or has suppression comments (see [`LazySource`]).
    ///
    /// [`LazySource`]: crate::source::LazySource
    source: Option<SourceText>,
    /// Of the text analysed (what a cache must store, not a later read).
    hash: u64,
    model: FileModel,
}

#[derive(Default)]
struct FileTimings {
    minified: bool,
    read: Duration,
    parse: Duration,
    model: Duration,
    rules: Vec<Duration>,
}

fn pool(threads: usize) -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(STACK_SIZE)
            .thread_name(|i| format!("loopsafe-{i}"))
            .build()
            .expect("cannot start worker threads")
    })
}

/// Check every input with the given rules.
pub fn check(inputs: &[Input], opts: &CheckOptions<'_>) -> Report {
    pool(opts.threads).install(|| check_in_pool(inputs, opts))
}

fn check_in_pool(inputs: &[Input], opts: &CheckOptions<'_>) -> Report {
    // configuration files may have changed since the last check (the language server)
    crate::aliases::global().clear();
    if let Some(dir) = opts.cache {
        return crate::cache::check(inputs, opts, dir);
    }
    let start = Instant::now();
    let raw = check_raw(inputs, opts, false);
    let mut report = finish(raw.files, raw.errors, inputs.len() - raw.timings.minified, opts);
    report.timings = raw.timings;
    report.imported = raw.imported;
    report.timings.wall = start.elapsed();
    report
}

/// A checked file's findings before levels and suppressions are applied (what a cache keeps).
pub struct RawFile {
    pub display: String,
    pub path: PathBuf,
    /// The text, when there is something to show or suppress in it.
    pub source: Option<SourceText>,
    pub diagnostics: Vec<Diagnostic>,
    pub comments: Vec<crate::parse::Comment>,
}

/// One file of the project pass, for a cache: where it is, whether it was checked, and what its
/// relative imports resolved to.
pub struct ProjectEntry {
    pub path: PathBuf,
    pub is_input: bool,
    /// Of the text that was analysed.
    pub hash: u64,
    pub imports: Vec<(String, Option<PathBuf>)>,
}

pub(crate) struct RawRun {
    pub files: Vec<RawFile>,
    pub errors: Vec<FileError>,
    pub timings: Timings,
    /// Filled when asked: every file the project pass saw.
    pub project: Vec<ProjectEntry>,
    /// Files read only to follow imports.
    pub imported: Vec<PathBuf>,
}

/// The three phases, without levels and suppressions.
pub(crate) fn check_raw(inputs: &[Input], opts: &CheckOptions<'_>, want_project: bool) -> RawRun {
    let mut run = RawRun {
        files: Vec::new(),
        errors: Vec::new(),
        timings: Timings::default(),
        project: Vec::new(),
        imported: Vec::new(),
    };
    run.timings.rules = opts.rules.iter().map(|r| (r.0.meta().id, Duration::ZERO)).collect();

    prefetch(inputs);
    // phase 1: each named file. One file per rayon job: files differ in cost by 1000x and are
    // grouped by project on disk, so rayon's default (halves split only when stolen) left one of
    // two threads idle for a third of the phase on the corpus
    let t_files = Instant::now();
    let results: Vec<(Result<Analysed, FileError>, FileTimings)> =
        inputs.par_iter().with_max_len(1).map(|input| analyse_one(input, opts)).collect();
    run.timings.files_phase = t_files.elapsed();
    let mut files: Vec<ProjectFile> = Vec::new();
    let mut kept: Vec<(String, crate::source::LazySource)> = Vec::new();
    for ((res, t), input) in results.into_iter().zip(inputs) {
        add_timings(&mut run.timings, &t);
        match res {
            // generated, minified code found by the walk: not checked, not counted
            Ok(_) if t.minified => {}
            Ok(a) => {
                files.push(ProjectFile {
                    path: input.path.clone(),
                    model: a.model,
                    is_input: true,
                    hash: a.hash,
                    imports: None,
                });
                // the text is read again if a finding needs it (see `LazySource`)
                let path = input.path.clone();
                let source = match a.source {
                    Some(text) => crate::source::LazySource::loaded(path, a.hash, text),
                    None => crate::source::LazySource::on_disk(path, a.hash),
                };
                kept.push((input.display.clone(), source));
            }
            Err(e) => run.errors.push(e),
        }
    }
    if opts.parse_only {
        return run;
    }
    dbg_rss("after phase 1");

    // phase 2: follow relative imports to files not named, then the project pass
    let t_project = Instant::now();
    read_imported_files(&mut files, opts, &mut run.timings);
    dbg_rss("after imported read");
    let project = Project::build(files);
    dbg_rss("after project build");
    run.timings.project = t_project.elapsed();

    // phase 3: every rule, once per named file, against the project's facts
    let t_checks = Instant::now();
    let n_inputs = kept.len();
    let project_results: Vec<(Result<Vec<Diagnostic>, FileError>, Vec<Duration>)> = (0..n_inputs)
        .into_par_iter()
        .with_max_len(1)
        .map(|fi| {
            let mut times = vec![Duration::ZERO; opts.rules.len()];
            let mut out = Vec::new();
            let facts = Facts::new(&project, fi, &kept[fi].1);
            for (i, (rule, _)) in opts.rules.iter().enumerate() {
                let t = Instant::now();
                let r = catch_unwind(AssertUnwindSafe(|| rule.check(&facts, &mut out)));
                times[i] = t.elapsed();
                if let Err(p) = r {
                    return (Err(internal_error(&kept[fi].0, Some(rule.meta().id), &*p)), times);
                }
            }
            (Ok(out), times)
        })
        .collect();

    run.timings.project_phase = t_checks.elapsed();
    dbg_rss("after rules");
    run.imported = project.files.iter().filter(|f| !f.is_input).map(|f| crate::project::normalize(&f.path)).collect();
    if want_project {
        run.project = (0..project.files.len())
            .map(|fi| ProjectEntry {
                path: project.files[fi].path.clone(),
                is_input: project.files[fi].is_input,
                hash: project.files[fi].hash,
                imports: project.resolved_imports(fi),
            })
            .collect();
    }
    for (fi, ((display, source), (res, times))) in kept.into_iter().zip(project_results).enumerate() {
        for (i, d) in times.iter().enumerate() {
            run.timings.rules[i].1 += *d;
        }
        let diagnostics = match res {
            Ok(d) => d,
            Err(e) => {
                run.errors.push(e);
                continue;
            }
        };
        let file = &project.files[fi];
        let comments = file.model.comments.clone();
        let source = if diagnostics.is_empty() && comments.is_empty() {
            None
        } else {
            match source.get() {
                Some(s) => Some(s.clone()),
                None => {
                    run.errors.push(FileError {
                        file: display,
                        message: "the file changed while it was being checked: check it again".to_string(),
                        line: None,
                        column: None,
                    });
                    continue;
                }
            }
        };
        run.files.push(RawFile { display, path: file.path.clone(), source, diagnostics, comments });
    }
    if opts.exit_after {
        std::mem::forget(project);
    }
    run
}

/// Levels (defaults, then the file's configuration, then the command line; off rules drop out),
/// suppressions, order: the report users see.
pub(crate) fn finish(
    files: Vec<RawFile>,
    mut errors: Vec<FileError>,
    checked: usize,
    opts: &CheckOptions<'_>,
) -> Report {
    let mut report = Report {
        files_checked: checked,
        files: Vec::new(),
        errors: Vec::new(),
        timings: Timings::default(),
        imported: Vec::new(),
        label_sources: Vec::new(),
    };
    for RawFile { display, path, source, mut diagnostics, comments } in files {
        let Some(source) = source else { continue };
        let config = opts.configs.and_then(|c| c.for_file(&path));
        diagnostics.retain_mut(|d| {
            let Some((_, default)) = opts.rules.iter().find(|(r, _)| r.meta().id == d.rule) else { return true };
            let sev = match opts.configs {
                Some(c) => c.severity(config.as_deref(), &path, d.rule, *default),
                None => Some(*default),
            };
            match sev {
                Some(s) => {
                    d.severity = s;
                    true
                }
                None => false,
            }
        });
        let known = |id: &str| opts.rules.iter().any(|(r, _)| r.meta().id == id);
        // the suppression comments' own findings, at their configured level (`None`: off)
        let level = |default| match opts.configs {
            Some(c) => c.severity(config.as_deref(), &path, crate::suppress::SUPPRESSION_RULE, default),
            None => Some(default),
        };
        crate::suppress::apply(&mut diagnostics, &comments, &source, &known, &level, opts.report_unused_suppressions);
        if diagnostics.is_empty() {
            continue;
        }
        diagnostics.sort_by(|a, b| (a.span.start, a.rule, a.span.end).cmp(&(b.span.start, b.rule, b.span.end)));
        diagnostics.dedup_by(|a, b| a.rule == b.rule && a.span == b.span && a.message == b.message);
        report.files.push(FileReport { path: display, source, diagnostics });
    }
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    errors.sort_by(|a, b| a.file.cmp(&b.file));
    report.errors = errors;
    report.label_sources = crate::source::label_sources(&report.files, opts.unsaved);
    report
}

fn add_timings(total: &mut Timings, t: &FileTimings) {
    total.minified += t.minified as usize;
    total.read += t.read;
    total.parse += t.parse;
    total.model += t.model;
    for (i, d) in t.rules.iter().enumerate() {
        total.rules[i].1 += *d;
    }
}

/// Read, parse and model the files that checked files import but the user did not name, so that
/// facts cross into them (a pre-commit run on staged files still sees their helpers).
fn read_imported_files(files: &mut Vec<ProjectFile>, opts: &CheckOptions<'_>, timings: &mut Timings) {
    let mut known: FxHashSet<PathBuf> = files.iter().map(|f| crate::project::normalize(&f.path)).collect();
    let mut frontier: Vec<usize> = (0..files.len()).collect();
    while !frontier.is_empty() && timings.extra_files < MAX_EXTRA_FILES {
        // each file's imports resolved once, in parallel; the project pass reuses them
        let resolved: Vec<Vec<(swc_atoms::Atom, Option<PathBuf>)>> = frontier
            .par_iter()
            .map(|&i| {
                let f = &files[i];
                f.model
                    .relative_imports
                    .iter()
                    .map(|spec| (spec.clone(), crate::project::resolve_path(&f.path, spec, &|c| known.contains(c))))
                    .collect()
            })
            .collect();
        let mut wanted: Vec<PathBuf> = Vec::new();
        for (&i, imports) in frontier.iter().zip(resolved) {
            for c in imports.iter().filter_map(|(_, c)| c.as_ref()) {
                if known.insert(c.clone()) {
                    wanted.push(c.clone());
                }
            }
            files[i].imports = Some(imports);
        }
        wanted.truncate(MAX_EXTRA_FILES - timings.extra_files);
        timings.extra_files += wanted.len();
        let inputs: Vec<Input> = wanted
            .into_iter()
            .map(|p| {
                let text = opts.unsaved.and_then(|u| u.get(&crate::project::normalize(&p))).cloned();
                Input { display: p.to_string_lossy().to_string(), path: p, text, walked: true }
            })
            .collect();
        let results: Vec<_> = inputs.par_iter().with_max_len(1).map(|input| fact_file(input, opts)).collect();
        let first_new = files.len();
        for (res, input) in results.into_iter().zip(&inputs) {
            if let Some(a) = res {
                files.push(ProjectFile {
                    path: input.path.clone(),
                    model: a.model,
                    is_input: false,
                    hash: a.hash,
                    imports: None,
                });
            }
        }
        frontier = (first_new..files.len()).collect();
    }
}

/// A file read only for its facts: its model, from the caller's [`ModelCache`] when its text is
/// unchanged. `None` when it cannot be read or parsed (it then adds no facts).
fn fact_file(input: &Input, opts: &CheckOptions<'_>) -> Option<Analysed> {
    let Some(cache) = opts.models else { return analyse_one(input, opts).0.ok() };
    let text = read_input(input).ok()?;
    let hash = crate::cache::hash(&text);
    if let Some(model) = cache.get(&input.path, hash) {
        return Some(Analysed { source: None, hash, model });
    }
    let with_text = Input { text: Some(text), ..input.clone() };
    let a = analyse_one(&with_text, opts).0.ok()?;
    cache.put(input.path.clone(), hash, &a.model);
    Some(a)
}

/// Ask the kernel to start reading the named files now, so that files not in the page cache
/// (a fresh checkout, a machine that evicts idle pages) cost disk time in parallel with parsing
/// instead of stalling a worker each. Hints only, from a thread of its own: whatever happens,
/// `read_input` reads and reports each file as before. The two workers start at the front and
/// in the middle of the list (rayon's first split), so the hints alternate between both.
fn prefetch(inputs: &[Input]) {
    #[cfg(target_os = "linux")]
    {
        let paths: Vec<PathBuf> = inputs.iter().filter(|i| i.text.is_none()).map(|i| i.path.clone()).collect();
        if paths.len() < 64 {
            return;
        }
        let _ = std::thread::Builder::new().name("loopsafe-prefetch".to_string()).spawn(move || {
            use std::os::fd::AsRawFd;
            let half = paths.len().div_ceil(2);
            let (front, back) = paths.split_at(half);
            let mut back = back.iter();
            for p in front {
                for p in std::iter::once(p).chain(back.next()) {
                    if let Ok(f) = std::fs::File::open(p) {
                        // SAFETY: a valid open descriptor; the call only schedules reads
                        unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_WILLNEED) };
                    }
                }
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = inputs;
}

fn read_input(input: &Input) -> Result<String, String> {
    if let Some(t) = &input.text {
        return Ok(t.clone());
    }
    if std::fs::metadata(&input.path).is_ok_and(|m| m.is_dir()) {
        return Err("is a directory, not a source file".to_string());
    }
    let bytes = std::fs::read(&input.path).map_err(|e| format!("cannot read file: {e}"))?;
    decode(bytes)
}

/// Bytes → text: UTF-8 only, no NUL bytes (binary files), BOM removed.
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let mut text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "not valid UTF-8 (invalid byte at offset {}); loopsafe reads UTF-8 sources only",
            e.utf8_error().valid_up_to()
        )
    })?;
    if let Some(pos) = text.find('\0') {
        return Err(format!("contains a NUL byte at offset {pos}: binary data, not JavaScript"));
    }
    if text.starts_with('\u{feff}') {
        text.drain(..3);
    }
    Ok(text)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn internal_error(file: &str, rule: Option<&str>, p: &(dyn std::any::Any + Send)) -> FileError {
    let place = rule.map(|r| format!(" in rule {r}")).unwrap_or_default();
    FileError {
        file: file.to_string(),
        message: format!("internal error{place} (a loopsafe bug, please report it): {}", panic_message(p)),
        line: None,
        column: None,
    }
}

fn analyse_one(input: &Input, opts: &CheckOptions<'_>) -> (Result<Analysed, FileError>, FileTimings) {
    let mut t = FileTimings { rules: vec![Duration::ZERO; opts.rules.len()], ..Default::default() };
    let fail = |message: String| FileError { file: input.display.clone(), message, line: None, column: None };
    let t0 = Instant::now();
    let text = match read_input(input) {
        Ok(t) => t,
        Err(e) => return (Err(fail(e)), t),
    };
    t.read = t0.elapsed();
    let Some(lang) = Lang::from_path(&input.display).or_else(|| Lang::from_path(&input.path.to_string_lossy())) else {
        return (Err(fail("unsupported file extension".to_string())), t);
    };
    if input.walked && crate::discover::is_minified(&text) {
        t.minified = true;
        let hash = crate::cache::hash(&text);
        return (Ok(Analysed { source: None, hash, model: model::module_only(&input.display) }), t);
    }
    let source = SourceText::new(text);
    let outcome = catch_unwind(AssertUnwindSafe(|| analyse(input, source, lang, opts, &mut t)));
    match outcome {
        Ok(o) => (o, t),
        Err(p) => (Err(internal_error(&input.display, None, &*p)), t),
    }
}

fn analyse(
    input: &Input,
    source: SourceText,
    lang: Lang,
    opts: &CheckOptions<'_>,
    t: &mut FileTimings,
) -> Result<Analysed, FileError> {
    swc_common::GLOBALS.set(&swc_common::Globals::new(), || {
        let t0 = Instant::now();
        let mut parsed = match parse::parse(&input.display, source.text(), lang) {
            Ok(p) => p,
            Err(e) => {
                let pos = source.position(e.offset);
                return Err(FileError {
                    file: input.display.clone(),
                    message: format!("syntax error: {}", e.message),
                    line: Some(pos.line),
                    column: Some(pos.column),
                });
            }
        };
        t.parse = t0.elapsed();
        let t1 = Instant::now();
        let model = if opts.parse_only {
            model::FileModel::empty(&input.display)
        } else {
            // `@/lib/auth` of a `paths` alias: the project's own file, as a relative import
            let dir = input.path.parent().and_then(|d| std::path::absolute(d).ok());
            if let Some(dir) = dir {
                if let Some(cfg) = crate::aliases::global().for_dir(&dir) {
                    crate::aliases::rewrite(&mut parsed.program, &dir, &cfg);
                }
            }
            model::build(&input.display, source.text(), &parsed)
        };
        t.model = t1.elapsed();
        // the syntax tree is dropped here: only the model lives on, and the text when it came
        // in memory or suppression comments need it
        let hash = crate::cache::hash(source.text());
        let source = (input.text.is_some() || !model.comments.is_empty()).then_some(source);
        Ok(Analysed { source, hash, model })
    })
}

/// `LOOPSAFE_DEBUG_RSS=1`: the process's resident and peak memory after each phase (a measuring
/// aid for memory work; see docs/development.md).
fn dbg_rss(what: &str) {
    if std::env::var_os("LOOPSAFE_DEBUG_RSS").is_some() {
        let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let l = s.lines().filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM")).collect::<Vec<_>>().join(" ");
        eprintln!("RSS {what}: {l}");
    }
}
