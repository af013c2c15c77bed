//! `loopsafe init`: writes a commented `loopsafe.json` (the rules at their default levels, the other
//! keys explained) and prints the next steps: installing loopsafe in the project, CI, pre-commit
//! and the editor.

use loopsafe_analyzer::config::CONFIG_FILE;
use loopsafe_analyzer::Severity;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct InitArgs {
    /// The directory to write loopsafe.json into (default: the current directory)
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Overwrite an existing loopsafe.json
    #[arg(long)]
    force: bool,
}

/// The configuration `loopsafe init` writes: valid for `Config::load`, with every rule at its
/// default level, so that it changes nothing until edited.
pub fn config_text() -> String {
    let mut rules = String::new();
    let all = loopsafe_rules::ALL;
    let width = all.iter().map(|r| r.meta().id.len()).max().unwrap_or(0) + 4;
    for (i, r) in all.iter().enumerate() {
        let m = r.meta();
        let level = match m.default_severity {
            Severity::Error => "error",
            Severity::Warning => "warn",
        };
        let comma = if i + 1 < all.len() { "," } else { "" };
        let key = format!("\"{}\":", m.id);
        let value = format!("\"{level}\"{comma}");
        let _ = writeln!(rules, "    {key:<width$}{value:<9}// {}", m.summary);
    }
    format!(
        r#"// loopsafe.json: the configuration of loopsafe {version}, JSON with comments and trailing commas.
// It applies to the files below this directory (a nearer loopsafe.json wins). It is data: nothing in
// it is executed. `loopsafe rules` lists the rules; `loopsafe rule <id>` explains one.
{{
  // A level per rule: "off", "warn" or "error" (an error fails `loopsafe check` with exit code 1).
  // These are the defaults.
  "rules": {{
{rules}  }},

  // Globs, relative to this file. Directories in .gitignore and node_modules are never walked;
  // a file named on the command line is always checked.
  // "include": ["src/**"],                   // walked files must match one of these, when given
  "exclude": ["dist/**", "build/**", "coverage/**"],

  // Other levels for some files; the last matching entry wins.
  "overrides": [
    // {{ "files": ["jobs/**"], "rules": {{ "blocking-call": "off" }} }},
  ],

  // What loopsafe cannot know about your code base by itself.
  "knowledge": {{
    // Synchronous APIs of your own, reported like fs.readFileSync:
    // {{ "module": "legacy-db", "member": "querySync", "alternative": "`db.query` (await it)" }}
    "blockingApis": [],
    // Methods whose callbacks run once per event, like `.on` or a route: "schedule", "process"
    "entryPoints": [],
    // Modules whose functions bound concurrency, like p-limit: "my-pool"
    "limiters": [],
    // Methods that run their callback inside a transaction or lock: "withTx"
    "transactionWrappers": [],
  }},
}}
"#,
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// What to do after `init`: printed, not written anywhere.
fn next_steps(dir: &Path) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut s = String::from("\nNext steps\n\n");
    let package = std::fs::read_to_string(dir.join("package.json")).ok();
    if package.as_deref().is_some_and(|p| !p.contains("\"loopsafe\"")) {
        let _ = write!(
            s,
            "  Add loopsafe to the project (the npm tarballs of `bash npm/pack.sh DIR` in a loopsafe clone;\n  \
             `npm install -D loopsafe` once it is published):\n\n    \
             npm install -D /path/to/loopsafe-{version}.tgz /path/to/loopsafe-cli-<platform>-{version}.tgz\n\n"
        );
    }
    let _ = write!(
        s,
        "  Check the project:\n\n    \
         npx loopsafe check            # or `loopsafe check` with loopsafe on PATH\n\n  \
         CI, GitHub Actions (.github/workflows/loopsafe.yml): loopsafe's action installs it from npm,\n  \
         shows the findings as annotations and writes SARIF for code scanning:\n\n    \
         steps:\n      \
         - uses: actions/checkout@v4\n      \
         - id: loopsafe\n        \
         uses: <loopsafe's repository>@v{version}   # once published\n      \
         - uses: github/codeql-action/upload-sarif@v3\n        \
         if: ${{{{ !cancelled() && steps.loopsafe.outputs.sarif-file != '' }}}}\n        \
         with: {{ sarif_file: loopsafe.sarif }}\n\n  \
         Pre-commit (.pre-commit-config.yaml), with a pinned rev (a release tag or a commit):\n\n    \
         repos:\n      \
         - repo: <loopsafe's repository, or the path of a clone>\n        \
         rev: v{version}\n        \
         hooks:\n          \
         - id: loopsafe\n\n  \
         Or husky + lint-staged (package.json):\n\n    \
         \"lint-staged\": {{ \"*.{{js,mjs,cjs,jsx,ts,mts,cts,tsx}}\": \"loopsafe check\" }}\n\n  \
         Editor: the VS Code extension (editors/vscode in loopsafe's repository; its .vsix installs with\n  \
         `code --install-extension loopsafe-{version}.vsix`) starts `loopsafe lsp` from the project's\n  \
         node_modules; other editors run `loopsafe lsp` (README, \"Editor (LSP)\").\n"
    );
    s
}

pub fn run(args: InitArgs) -> ExitCode {
    if !args.dir.is_dir() {
        eprintln!("loopsafe: error: {} is not a directory", args.dir.display());
        return ExitCode::from(2);
    }
    let path = args.dir.join(CONFIG_FILE);
    if path.exists() && !args.force {
        eprintln!("loopsafe: error: {} exists; `loopsafe init --force` overwrites it", path.display());
        return ExitCode::from(2);
    }
    if let Err(e) = loopsafe_analyzer::rule::write_atomic(&path, &config_text()) {
        eprintln!("loopsafe: error: cannot write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    println!("wrote {}", path.display());
    print!("{}", next_steps(&args.dir));
    ExitCode::SUCCESS
}
