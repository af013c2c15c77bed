//! The engine: reads, parses and models each file once, runs every enabled rule on it, and
//! stamps severities. Files are processed in parallel on threads with a large stack; a failure in
//! one file (unreadable, not UTF-8, a syntax error, even a panic) is reported for that file and
//! the others go on.

use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::Input;
use crate::model;
use crate::parse::{self, Lang};
use crate::rule::{FileContext, Rule};
use crate::source::SourceText;
use rayon::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Stack size of analysis threads: deeply nested code recurses deeply.
pub const STACK_SIZE: usize = 512 << 20;

/// Which rules run, at which severity.
pub struct CheckOptions<'a> {
    pub rules: Vec<(&'a dyn Rule, Severity)>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Stop after parsing and the resolver (the benchmark's floor).
    pub parse_only: bool,
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
    pub rules: Vec<(&'static str, Duration)>,
    pub wall: Duration,
}

pub struct Report {
    pub files_checked: usize,
    /// Files with at least one diagnostic, sorted by path; diagnostics sorted by position.
    pub files: Vec<FileReport>,
    pub errors: Vec<FileError>,
    /// Summed over threads (wall for `wall`).
    pub timings: Timings,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.files.iter().flat_map(|f| &f.diagnostics).filter(|d| d.severity == severity).count()
    }
}

enum Outcome {
    Checked(Option<FileReport>),
    Failed(FileError),
}

struct FileTimings {
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
    let start = Instant::now();
    let results: Vec<(Outcome, FileTimings)> =
        pool(opts.threads).install(|| inputs.par_iter().map(|input| check_one(input, opts)).collect());
    let mut report =
        Report { files_checked: inputs.len(), files: Vec::new(), errors: Vec::new(), timings: Timings::default() };
    report.timings.rules = opts.rules.iter().map(|(r, _)| (r.meta().id, Duration::ZERO)).collect();
    for (outcome, t) in results {
        report.timings.read += t.read;
        report.timings.parse += t.parse;
        report.timings.model += t.model;
        for (i, d) in t.rules.iter().enumerate() {
            report.timings.rules[i].1 += *d;
        }
        match outcome {
            Outcome::Checked(Some(f)) => report.files.push(f),
            Outcome::Checked(None) => {}
            Outcome::Failed(e) => report.errors.push(e),
        }
    }
    report.files.sort_by(|a, b| a.path.cmp(&b.path));
    report.errors.sort_by(|a, b| a.file.cmp(&b.file));
    report.timings.wall = start.elapsed();
    report
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

fn check_one(input: &Input, opts: &CheckOptions<'_>) -> (Outcome, FileTimings) {
    let mut t = FileTimings {
        read: Duration::ZERO,
        parse: Duration::ZERO,
        model: Duration::ZERO,
        rules: vec![Duration::ZERO; opts.rules.len()],
    };
    let fail = |message: String| FileError { file: input.display.clone(), message, line: None, column: None };
    let t0 = Instant::now();
    let text = match read_input(input) {
        Ok(t) => t,
        Err(e) => return (Outcome::Failed(fail(e)), t),
    };
    t.read = t0.elapsed();
    let Some(lang) = Lang::from_path(&input.display).or_else(|| Lang::from_path(&input.path.to_string_lossy())) else {
        return (Outcome::Failed(fail("unsupported file extension".to_string())), t);
    };
    let source = SourceText::new(text);
    let outcome = catch_unwind(AssertUnwindSafe(|| analyze(input, &source, lang, opts, &mut t)));
    match outcome {
        Ok(o) => (o, t),
        Err(p) => (
            Outcome::Failed(fail(format!("internal error (a loopsafe bug, please report it): {}", panic_message(&*p)))),
            t,
        ),
    }
}

fn analyze(input: &Input, source: &SourceText, lang: Lang, opts: &CheckOptions<'_>, t: &mut FileTimings) -> Outcome {
    swc_common::GLOBALS.set(&swc_common::Globals::new(), || {
        let t0 = Instant::now();
        let parsed = match parse::parse(&input.display, source.text(), lang) {
            Ok(p) => p,
            Err(e) => {
                let pos = source.position(e.offset);
                return Outcome::Failed(FileError {
                    file: input.display.clone(),
                    message: format!("syntax error: {}", e.message),
                    line: Some(pos.line),
                    column: Some(pos.column),
                });
            }
        };
        t.parse = t0.elapsed();
        if opts.parse_only {
            return Outcome::Checked(None);
        }
        let t1 = Instant::now();
        let model = model::build(&input.display, &parsed);
        t.model = t1.elapsed();
        let cx = FileContext { path: &input.display, source, program: &parsed.program, model: &model };
        let mut diagnostics = Vec::new();
        for (i, (rule, severity)) in opts.rules.iter().enumerate() {
            let t2 = Instant::now();
            let mut out = Vec::new();
            let r = catch_unwind(AssertUnwindSafe(|| rule.check_file(&cx, &mut out)));
            t.rules[i] = t2.elapsed();
            if let Err(p) = r {
                return Outcome::Failed(FileError {
                    file: input.display.clone(),
                    message: format!(
                        "internal error in rule {} (a loopsafe bug, please report it): {}",
                        rule.meta().id,
                        panic_message(&*p)
                    ),
                    line: None,
                    column: None,
                });
            }
            for mut d in out {
                d.severity = *severity;
                diagnostics.push(d);
            }
        }
        if diagnostics.is_empty() {
            return Outcome::Checked(None);
        }
        diagnostics.sort_by(|a, b| (a.span.start, a.rule, a.span.end).cmp(&(b.span.start, b.rule, b.span.end)));
        diagnostics.dedup_by(|a, b| a.rule == b.rule && a.span == b.span && a.message == b.message);
        Outcome::Checked(Some(FileReport { path: input.display.clone(), source: source.clone(), diagnostics }))
    })
}
