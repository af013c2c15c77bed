//! The `loopsafe` command line.

use clap::{Parser, Subcommand, ValueEnum};

/// mimalloc: swc allocates many small nodes; measured +25–35 % throughput over the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use loopsafe_analyzer::baseline::Baseline;
use loopsafe_analyzer::config::{Config, ConfigSource, Configs, Level};
use loopsafe_analyzer::discover::{self, DiscoverError, Input};
use loopsafe_analyzer::engine::{self, CheckOptions};
use loopsafe_analyzer::format;
use loopsafe_analyzer::format::RunInfo;
use loopsafe_analyzer::suppress;
use loopsafe_analyzer::{RuleMeta, Severity};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod init;
mod lsp;

#[derive(Parser)]
#[command(name = "loopsafe", version, about = "Finds event-loop concurrency bugs in Node.js backends", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files and directories (default: the current directory)
    Check(CheckArgs),
    /// List the rules: id, default level, summary
    Rules {
        #[arg(long, value_enum, default_value = "pretty")]
        format: ListFormat,
    },
    /// Show a rule's documentation, or write every rule's page with `--all --markdown DIR`
    Rule {
        /// The rule id, e.g. blocking-call
        #[arg(required_unless_present = "all")]
        id: Option<String>,
        /// Every rule
        #[arg(long)]
        all: bool,
        /// Write markdown pages into this directory instead of printing
        #[arg(long, value_name = "DIR")]
        markdown: Option<PathBuf>,
    },
    /// Run the language server over stdio (for editors)
    Lsp,
    /// Write a commented loopsafe.json and print the next steps (CI, pre-commit, editor)
    Init(init::InitArgs),
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum ListFormat {
    Pretty,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    /// Source snippets with labels and help, then a summary
    Pretty,
    /// One line per finding: `file:line:column: severity [rule] message`
    Concise,
    /// The versioned JSON contract (UTF-16 columns and fix offsets)
    Json,
    /// SARIF 2.1.0 for code scanning (chains as codeFlows)
    Sarif,
    /// GitHub Actions workflow annotations
    Github,
    /// LSP diagnostics grouped by document URI
    Lsp,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Color {
    /// On a terminal, unless `NO_COLOR` is set
    Auto,
    Always,
    Never,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to check (default: the current directory)
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "pretty")]
    format: Format,
    /// Colour the pretty and concise output (auto: on a terminal, unless NO_COLOR is set)
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    color: Color,
    /// Use this configuration file instead of the nearest loopsafe.json
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore loopsafe.json files
    #[arg(long)]
    no_config: bool,
    /// Set a rule's level: --rule blocking-call=warn (repeatable; off | warn | error)
    #[arg(long = "rule", value_name = "ID=LEVEL")]
    rules: Vec<String>,
    /// Report errors only
    #[arg(long)]
    quiet: bool,
    /// Exit with 1 when there are more than N warnings (-1: no limit, as in ESLint)
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    max_warnings: Option<i64>,
    /// Read the source from standard input, as if it were this file (no paths then)
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    stdin_filename: Option<PathBuf>,
    /// Print the number of findings per rule and level
    #[arg(long)]
    statistics: bool,
    /// Report suppression comments that cover no finding (on by default with --format sarif/github)
    #[arg(long)]
    report_unused_suppressions: bool,
    /// Accept the findings recorded in this baseline file; only new ones count
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file (and exit 0)
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    write_baseline: Option<PathBuf>,
    /// Apply the suggested fixes to the files (each file is rewritten only if the result parses)
    #[arg(long, conflicts_with = "stdin_filename")]
    fix: bool,
    /// Keep findings in this directory and reuse those of unchanged files (and of the files they
    /// import) on the next run
    #[arg(long, value_name = "DIR", conflicts_with = "stdin_filename")]
    cache: Option<PathBuf>,
    /// Worker threads (default: one per core)
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Print where the time went (to stderr)
    #[arg(long)]
    timings: bool,
    /// Parse and resolve only, run no rules (the benchmark's floor)
    #[arg(long, hide = true)]
    parse_only: bool,
}

/// No transparent huge pages for this process. mimalloc asks for them on its arenas; on a
/// `madvise` THP system every first touch then zeroes 2 MiB, and a run that keeps every file's
/// model (hundreds of MB) pays for it in page faults and resident memory: on the corpus
/// replicated 8x, 10.4–10.9 s and 1.69 GB with them, 7.6–7.9 s and 1.48 GB without.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integer arguments and touches no memory
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules { format } => list_rules(format),
        Command::Rule { id, all, markdown } => show_rule(id, all, markdown),
        Command::Lsp => lsp::run(),
        Command::Init(args) => init::run(args),
    }
}

/// `--fix`: rewrite each file with its fixes applied, atomically, only if the result parses; the
/// fixed findings leave the report.
fn apply_fixes(report: &mut loopsafe_analyzer::Report) {
    for f in &mut report.files {
        if !f.diagnostics.iter().any(|d| d.fix.is_some() && d.suppressed.is_none()) {
            continue;
        }
        let (fixed, n) = loopsafe_analyzer::fix::apply(f.source.text(), &f.diagnostics);
        if n == 0 {
            continue;
        }
        if !loopsafe_analyzer::fix::parses(&f.path, &fixed) {
            eprintln!("loopsafe: not fixing {}: the fixed text does not parse", f.path);
            continue;
        }
        if !loopsafe_analyzer::fix::keeps_bindings(&f.path, f.source.text(), &fixed) {
            eprintln!("loopsafe: not fixing {}: the fixed text would change what a name refers to", f.path);
            continue;
        }
        match loopsafe_analyzer::rule::write_atomic(Path::new(&f.path), &fixed) {
            Ok(()) => {
                eprintln!("loopsafe: fixed {n} finding(s) in {}", f.path);
                f.diagnostics.retain(|d| d.fix.is_none() || d.suppressed.is_some());
            }
            Err(e) => eprintln!("loopsafe: cannot write {}: {e}", f.path),
        }
    }
    report.files.retain(|f| !f.diagnostics.is_empty());
}

/// Every rule's metadata, in documentation order: the rules, then `suppression-comment` (the
/// check of suppression comments themselves, which the engine runs).
fn all_metas() -> Vec<&'static RuleMeta> {
    loopsafe_rules::ALL.iter().map(|r| r.meta()).chain(std::iter::once(&suppress::META)).collect()
}

fn find_meta(id: &str) -> Option<&'static RuleMeta> {
    all_metas().into_iter().find(|m| m.id == id)
}

/// "unknown rule `x`", with the nearest id when it is close enough to be a typo, else every id.
fn unknown_rule(id: &str) -> String {
    let ids: Vec<&str> = all_metas().iter().map(|m| m.id).collect();
    let near = ids.iter().map(|k| (strsim::levenshtein(k, id), *k)).min();
    match near {
        // a typo: a few edits, and fewer than a third of the id
        Some((d, k)) if d <= 3 && d * 3 <= k.len().max(id.len()) => {
            format!("unknown rule `{id}`; did you mean `{k}`?")
        }
        _ => format!("unknown rule `{id}`; the rules are: {}", ids.join(", ")),
    }
}

fn list_rules(format: ListFormat) -> ExitCode {
    let rules = all_metas();
    match format {
        ListFormat::Json => {
            let v: Vec<serde_json::Value> = rules
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "id": m.id,
                        "default_level": m.default_severity.as_str(),
                        "category": m.category,
                        "fixable": m.fixable,
                        "summary": m.summary,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        ListFormat::Pretty => {
            for m in rules {
                println!("{:<20} {:<8} {}", m.id, m.default_severity.as_str(), m.summary);
            }
        }
    }
    ExitCode::SUCCESS
}

fn show_rule(id: Option<String>, all: bool, markdown: Option<PathBuf>) -> ExitCode {
    let selected: Vec<&RuleMeta> = if all {
        all_metas()
    } else {
        let id = id.unwrap_or_default();
        match find_meta(&id) {
            Some(m) => vec![m],
            None => return usage_error(unknown_rule(&id)),
        }
    };
    for m in selected {
        match &markdown {
            Some(dir) => {
                let path = dir.join(format!("{}.md", m.id));
                if let Err(e) = loopsafe_analyzer::rule::write_atomic(&path, &m.markdown()) {
                    eprintln!("loopsafe: error: cannot write {}: {e}", path.display());
                    return ExitCode::from(2);
                }
                println!("wrote {}", path.display());
            }
            None => println!(
                "{}\n",
                m.markdown().trim_end().lines().filter(|l| !l.starts_with("<!--")).collect::<Vec<_>>().join("\n")
            ),
        }
    }
    ExitCode::SUCCESS
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("loopsafe: error: {message}");
    ExitCode::from(2)
}

fn known_rule(id: &str) -> bool {
    find_meta(id).is_some()
}

fn check(args: CheckArgs) -> ExitCode {
    let t0 = std::time::Instant::now();
    // levels from the command line
    let mut cli_rules = Vec::new();
    for r in &args.rules {
        let Some((id, level)) = r.split_once('=') else {
            return usage_error(format!("--rule expects ID=LEVEL, got `{r}`"));
        };
        if !known_rule(id.trim()) {
            return usage_error(format!("{} in --rule", unknown_rule(id.trim())));
        }
        let Some(level) = Level::parse(level.trim()) else {
            return usage_error(format!("unknown level `{}` in --rule: use off, warn or error", level.trim()));
        };
        cli_rules.push((id.trim().to_string(), level));
    }
    // configuration
    let source = if args.no_config {
        ConfigSource::None
    } else if let Some(path) = &args.config {
        match Config::load(path, &known_rule) {
            Ok(c) => ConfigSource::Fixed(std::sync::Arc::new(c)),
            Err(e) => return usage_error(e),
        }
    } else {
        ConfigSource::Nearest(Default::default())
    };
    let configs = Configs::new(source, cli_rules, known_rule);
    // knowledge extensions come from the configuration that applies to the working directory
    // (the one a file placed in it would use); cached findings depend on them
    // the build itself (a rebuilt binary of the same version may judge differently)
    let build = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| format!("{}-{:?}", m.len(), m.modified().ok()))
        .unwrap_or_default();
    let mut cache_key = format!("loopsafe {} build {build} rules", env!("CARGO_PKG_VERSION"));
    for r in loopsafe_rules::ALL {
        cache_key.push(' ');
        cache_key.push_str(r.meta().id);
    }
    if let Some(root) = configs.for_file(Path::new("loopsafe-knowledge-probe")) {
        let k = &root.knowledge;
        let tables = format!("{k:?}");
        if tables != format!("{:?}", loopsafe_analyzer::config::Knowledge::default()) {
            cache_key.push_str(&format!(" knowledge {tables}"));
        }
        loopsafe_analyzer::catalog::set_extra(
            k.blocking_apis
                .iter()
                .map(|b| {
                    let alt = b.alternative.clone().unwrap_or_else(|| "a non-blocking alternative".to_string());
                    (b.module.clone(), b.member.clone(), alt)
                })
                .collect(),
        );
        loopsafe_analyzer::knowledge::EXTRA_ENTRY_METHODS.set(k.entry_points.clone());
        loopsafe_analyzer::knowledge::EXTRA_LIMITERS.set(k.limiters.clone());
        loopsafe_analyzer::knowledge::EXTRA_TRANSACTION_WRAPPERS.set(k.transaction_wrappers.clone());
    }

    // inputs
    let inputs = if let Some(name) = &args.stdin_filename {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            return usage_error(format!("cannot read standard input: {e}"));
        }
        let display = name.to_string_lossy().trim_start_matches("./").to_string();
        vec![Input { display, path: name.clone(), text: Some(text), walked: false }]
    } else {
        let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
        let select = |p: &Path| configs.for_file(p).is_none_or(|c| c.selects(p));
        match discover::discover_with(&paths, &select) {
            Ok(i) => i,
            Err(DiscoverError::NotFound(p)) => return usage_error(format!("path does not exist: {p}")),
        }
    };
    if let Some(e) = configs.errors.lock().unwrap().first() {
        return usage_error(e);
    }
    let discovery = t0.elapsed();

    let rules = loopsafe_rules::ALL.iter().map(|r| (*r, r.meta().default_severity)).collect();
    let report_unused = args.report_unused_suppressions || matches!(args.format, Format::Sarif | Format::Github);
    let opts = CheckOptions {
        rules,
        configs: Some(&configs),
        report_unused_suppressions: report_unused,
        threads: args.threads,
        parse_only: args.parse_only,
        cache: args.cache.as_deref().filter(|_| !args.parse_only),
        cache_key,
        models: None,
        exit_after: true,
        unsaved: None,
    };
    let mut report = engine::check(&inputs, &opts);
    if let Some(e) = configs.errors.lock().unwrap().first() {
        return usage_error(e);
    }

    if let Some(path) = &args.write_baseline {
        let b = Baseline::from_report(&report);
        if let Err(e) = b.write(path) {
            return usage_error(e);
        }
        eprintln!("loopsafe: wrote {} finding(s) to {}", b.fingerprints.len(), path.display());
        return ExitCode::SUCCESS;
    }
    let color = format::use_color(
        match args.color {
            Color::Auto => None,
            Color::Always => Some(true),
            Color::Never => Some(false),
        },
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let mut info = RunInfo { color, baseline_accepted: None };
    if let Some(path) = &args.baseline {
        match Baseline::load(path) {
            Ok(b) => info.baseline_accepted = Some(b.apply(&mut report)),
            Err(e) => return usage_error(e),
        }
    }
    if args.fix {
        apply_fixes(&mut report);
    }
    if args.quiet {
        for f in &mut report.files {
            f.diagnostics.retain(|d| d.severity == Severity::Error);
        }
        report.files.retain(|f| !f.diagnostics.is_empty());
    }

    let t1 = std::time::Instant::now();
    let text = match args.format {
        Format::Json => format::json::render(&report, &info),
        Format::Sarif => format::sarif::render(&report, &all_metas(), env!("CARGO_PKG_VERSION")),
        Format::Github => format::github::render(&report),
        Format::Lsp => format::lsp::render(&report),
        Format::Pretty => format::pretty::render(&report, &info),
        Format::Concise => format::concise::render(&report, &info),
    };
    let human = matches!(args.format, Format::Pretty | Format::Concise);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    if let (Some(n), false) = (info.baseline_accepted, human) {
        eprintln!("loopsafe: the baseline accepted {n} finding(s)");
    }
    if args.statistics {
        // one row per rule and level: overrides may give a rule both levels
        let mut counts: std::collections::BTreeMap<(&str, Severity), usize> = Default::default();
        for d in report.active() {
            *counts.entry((d.rule, d.severity)).or_insert(0) += 1;
        }
        let mut rows: Vec<_> = counts.into_iter().collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0 .0.cmp(b.0 .0)).then(b.0 .1.cmp(&a.0 .1)));
        let out: &mut dyn Write = if human { &mut stdout } else { &mut std::io::stderr() };
        let _ = writeln!(out, "{:>6}  {:<8} rule", "count", "level");
        for ((rule, sev), n) in rows {
            let _ = writeln!(out, "{n:>6}  {:<8} {rule}", sev.as_str());
        }
    }
    let _ = stdout.flush();
    if args.timings {
        let t = &report.timings;
        eprintln!("timings (cpu time summed over threads, except wall):");
        eprintln!("  discovery  {:>9.2?}", discovery);
        eprintln!("  read       {:>9.2?}", t.read);
        eprintln!("  parse      {:>9.2?} ({} minified files skipped)", t.parse, t.minified);
        eprintln!("  model      {:>9.2?}", t.model);
        eprintln!("  project    {:>9.2?} (elapsed; {} imported files read for facts)", t.project, t.extra_files);
        if args.cache.is_some() {
            eprintln!("  cache      {} of {} files' findings reused", t.cached, report.files_checked);
        }
        for (id, d) in &t.rules {
            eprintln!("  rule {id:<20} {d:>9.2?}");
        }
        eprintln!("  phases     {:>9.2?} per file, {:>9.2?} project checks (elapsed)", t.files_phase, t.project_phase);
        eprintln!("  output     {:>9.2?}", t1.elapsed());
        eprintln!("  wall       {:>9.2?} (engine)", t.wall);
    }
    let warnings = report.count(Severity::Warning);
    // a negative limit is no limit (ESLint's `--max-warnings -1`)
    let too_many_warnings = args.max_warnings.is_some_and(|max| max >= 0 && warnings as i64 > max);
    if too_many_warnings && human {
        eprintln!("loopsafe: {warnings} warnings exceed --max-warnings {}", args.max_warnings.unwrap_or(0));
    }
    let failed = report.count(Severity::Error) > 0 || !report.errors.is_empty() || too_many_warnings;
    // the process ends here: the operating system frees every file's text and findings at once
    std::mem::forget(report);
    std::mem::forget(inputs);
    ExitCode::from(if failed { 1 } else { 0 })
}
