//! The `loopsafe` command line.

use clap::{Parser, Subcommand, ValueEnum};
use loopsafe_analyzer::discover::{self, DiscoverError};
use loopsafe_analyzer::engine::{self, CheckOptions};
use loopsafe_analyzer::format;
use loopsafe_analyzer::Severity;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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
        format: Format,
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
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Pretty,
    Json,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories to check
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "pretty")]
    format: Format,
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

fn main() -> ExitCode {
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
    }
}

fn list_rules(format: Format) -> ExitCode {
    let rules = loopsafe_rules::ALL;
    match format {
        Format::Json => {
            let v: Vec<serde_json::Value> = rules
                .iter()
                .map(|r| {
                    let m = r.meta();
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
        Format::Pretty => {
            for r in rules {
                let m = r.meta();
                println!("{:<20} {:<8} {}", m.id, m.default_severity.as_str(), m.summary);
            }
        }
    }
    ExitCode::SUCCESS
}

fn show_rule(id: Option<String>, all: bool, markdown: Option<PathBuf>) -> ExitCode {
    let selected: Vec<&dyn loopsafe_analyzer::Rule> = if all {
        loopsafe_rules::ALL.to_vec()
    } else {
        let id = id.unwrap_or_default();
        match loopsafe_rules::find(&id) {
            Some(r) => vec![r],
            None => {
                let nearest = loopsafe_rules::ALL
                    .iter()
                    .map(|r| r.meta().id)
                    .min_by_key(|known| strsim::levenshtein(known, &id))
                    .unwrap_or("");
                eprintln!(
                    "loopsafe: error: unknown rule `{id}`; did you mean `{nearest}`? (`loopsafe rules` lists them)"
                );
                return ExitCode::from(2);
            }
        }
    };
    for r in selected {
        let m = r.meta();
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

fn check(args: CheckArgs) -> ExitCode {
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let t0 = std::time::Instant::now();
    let inputs = match discover::discover(&paths) {
        Ok(i) => i,
        Err(DiscoverError::NotFound(p)) => {
            eprintln!("loopsafe: error: path does not exist: {p}");
            return ExitCode::from(2);
        }
    };
    let discovery = t0.elapsed();
    let rules = loopsafe_rules::ALL.iter().map(|r| (*r, r.meta().default_severity)).collect();
    let opts = CheckOptions { rules, threads: args.threads, parse_only: args.parse_only };
    let report = engine::check(&inputs, &opts);
    let t1 = std::time::Instant::now();
    let text = match args.format {
        Format::Json => format::json::render(&report),
        Format::Pretty => format::pretty::render(&report, std::io::stdout().is_terminal()),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    if args.timings {
        let t = &report.timings;
        eprintln!("timings (cpu time summed over threads, except wall):");
        eprintln!("  discovery  {:>9.2?}", discovery);
        eprintln!("  read       {:>9.2?}", t.read);
        eprintln!("  parse      {:>9.2?}", t.parse);
        eprintln!("  model      {:>9.2?}", t.model);
        eprintln!("  project    {:>9.2?} (elapsed; {} imported files read for facts)", t.project, t.extra_files);
        for (id, d) in &t.rules {
            eprintln!("  rule {id:<20} {d:>9.2?}");
        }
        eprintln!("  output     {:>9.2?}", t1.elapsed());
        eprintln!("  wall       {:>9.2?} (engine)", t.wall);
    }
    let failed = report.count(Severity::Error) > 0 || !report.errors.is_empty();
    ExitCode::from(if failed { 1 } else { 0 })
}
