//! `loopsafe.json`: per-rule levels, include/exclude globs, per-glob overrides and knowledge
//! extensions. JSON with comments and trailing commas (JSONC). The nearest file walking up from
//! each checked file wins, unless `--config` names one. The configuration is data: nothing in it
//! is executed.
//!
//! ```jsonc
//! {
//!   "rules": { "sequential-await": "warn", "blocking-call": "error" },
//!   "exclude": ["dist/**", "**/*.test.ts"],
//!   "overrides": [{ "files": ["scripts/**"], "rules": { "blocking-call": "off" } }],
//!   "knowledge": {
//!     "blockingApis": [{ "module": "legacy-db", "member": "querySync", "alternative": "`db.query`" }],
//!     "entryPoints": ["schedule", "process"],
//!     "limiters": ["my-pool"],
//!     "transactionWrappers": ["withTx"]
//!   }
//! }
//! ```

use crate::diagnostic::Severity;
use globset::{Glob, GlobSet, GlobSetBuilder};
use rustc_hash::FxHashMap;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const CONFIG_FILE: &str = "loopsafe.json";

/// A rule's level as users write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    #[serde(alias = "warning")]
    Warn,
    Error,
}

impl Level {
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Warn => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "off" | "0" => Some(Level::Off),
            "warn" | "warning" | "1" => Some(Level::Warn),
            "error" | "2" => Some(Level::Error),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    files: Vec<String>,
    #[serde(default)]
    rules: BTreeMap<String, Level>,
}

/// An extra blocking API from the configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockingApiConfig {
    pub module: String,
    pub member: String,
    #[serde(default)]
    pub alternative: Option<String>,
}

/// Knowledge the user adds to loopsafe's tables.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Knowledge {
    #[serde(default)]
    pub blocking_apis: Vec<BlockingApiConfig>,
    /// Method names that register a callback run on every event (like `.on` or a route).
    #[serde(default)]
    pub entry_points: Vec<String>,
    /// Modules whose functions bound concurrency (like `p-limit`).
    #[serde(default)]
    pub limiters: Vec<String>,
    /// Method names that run their callback inside a transaction or lock.
    #[serde(default)]
    pub transaction_wrappers: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    rules: BTreeMap<String, Level>,
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    knowledge: Knowledge,
}

/// A configuration error: where and what.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.column, self.message)
    }
}

/// One loaded `loopsafe.json`.
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    /// The directory globs are relative to.
    pub dir: PathBuf,
    pub rules: BTreeMap<String, Level>,
    include: Option<GlobSet>,
    exclude: GlobSet,
    overrides: Vec<(GlobSet, BTreeMap<String, Level>)>,
    pub knowledge: Knowledge,
}

/// Replace comments with spaces and drop trailing commas, keeping every offset (so serde_json's
/// line and column stay right).
pub fn strip_jsonc(text: &str) -> String {
    let b = text.as_bytes();
    let mut out: Vec<u8> = b.to_vec();
    let mut i = 0;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'"' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                let end = (i + 2).min(b.len());
                for (k, byte) in out.iter_mut().enumerate().take(end).skip(start) {
                    if b[k] != b'\n' {
                        *byte = b' ';
                    }
                }
                i = end;
                continue;
            }
            b',' => {
                // a trailing comma: only whitespace (or blanked comments) before `}` or `]`
                let mut j = i + 1;
                while j < b.len() && (out[j] as char).is_ascii_whitespace() {
                    j += 1;
                }
                // look through comments too, using the original text
                let mut k = i + 1;
                loop {
                    while k < b.len() && (b[k] as char).is_ascii_whitespace() {
                        k += 1;
                    }
                    if b[k..].starts_with(b"//") {
                        while k < b.len() && b[k] != b'\n' {
                            k += 1;
                        }
                    } else if b[k..].starts_with(b"/*") {
                        k += 2;
                        while k < b.len() && !b[k..].starts_with(b"*/") {
                            k += 1;
                        }
                        k = (k + 2).min(b.len());
                    } else {
                        break;
                    }
                }
                if k < b.len() && (b[k] == b'}' || b[k] == b']') {
                    out[i] = b' ';
                }
                let _ = j;
            }
            _ => {}
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) as u32 + 1;
    (line, col)
}

fn globset(patterns: &[String], path: &Path, text: &str) -> Result<GlobSet, ConfigError> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let g = Glob::new(p).map_err(|e| {
            let (line, column) = text.find(&format!("\"{p}\"")).map(|o| line_col(text, o)).unwrap_or((1, 1));
            ConfigError { path: path.to_path_buf(), line, column, message: format!("invalid glob `{p}`: {e}") }
        })?;
        b.add(g);
        // `dir/**` also matches `dir` itself; a bare name matches anywhere below
        if !p.contains('/') {
            if let Ok(g) = Glob::new(&format!("**/{p}")) {
                b.add(g);
            }
        }
    }
    b.build().map_err(|e| ConfigError { path: path.to_path_buf(), line: 1, column: 1, message: e.to_string() })
}

impl Config {
    /// Load and validate a configuration file. `known` says whether a rule id exists.
    pub fn load(path: &Path, known: &dyn Fn(&str) -> bool) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!("cannot read configuration: {e}"),
        })?;
        Self::parse(path, &text, known)
    }

    pub fn parse(path: &Path, text: &str, known: &dyn Fn(&str) -> bool) -> Result<Config, ConfigError> {
        let stripped = strip_jsonc(text);
        let raw: RawConfig = serde_json::from_str(&stripped).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: e.line() as u32,
            column: e.column() as u32,
            message: format!("invalid configuration: {e}")
                .replace(&format!(" at line {} column {}", e.line(), e.column()), ""),
        })?;
        let err_at = |needle: &str, message: String| {
            let (line, column) = stripped.find(needle).map(|o| line_col(text, o)).unwrap_or((1, 1));
            ConfigError { path: path.to_path_buf(), line, column, message }
        };
        let check_rules = |rules: &BTreeMap<String, Level>| -> Result<(), ConfigError> {
            for id in rules.keys() {
                if !known(id) {
                    return Err(err_at(
                        &format!("\"{id}\""),
                        format!("unknown rule `{id}` (`loopsafe rules` lists them)"),
                    ));
                }
            }
            Ok(())
        };
        check_rules(&raw.rules)?;
        let mut overrides = Vec::new();
        for o in &raw.overrides {
            check_rules(&o.rules)?;
            overrides.push((globset(&o.files, path, text)?, o.rules.clone()));
        }
        let dir = path
            .parent()
            .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p })
            .unwrap_or(Path::new("."))
            .to_path_buf();
        Ok(Config {
            path: path.to_path_buf(),
            dir,
            rules: raw.rules,
            include: if raw.include.is_empty() { None } else { Some(globset(&raw.include, path, text)?) },
            exclude: globset(&raw.exclude, path, text)?,
            overrides,
            knowledge: raw.knowledge,
        })
    }

    /// `file` relative to the configuration's directory (both made absolute first).
    fn relative(&self, file: &Path) -> PathBuf {
        let abs = |p: &Path| {
            if p.is_absolute() {
                crate::project::normalize(p)
            } else {
                crate::project::normalize(&std::env::current_dir().unwrap_or_default().join(p))
            }
        };
        let (file, dir) = (abs(file), abs(&self.dir));
        match file.strip_prefix(&dir) {
            Ok(r) => r.to_path_buf(),
            Err(_) => file,
        }
    }

    /// Whether a file found by walking a directory is checked (`include`/`exclude`).
    pub fn selects(&self, file: &Path) -> bool {
        let rel = self.relative(file);
        if self.exclude.is_match(&rel) {
            return false;
        }
        self.include.as_ref().is_none_or(|inc| inc.is_match(&rel))
    }

    /// The configured level of `rule` for `file`: overrides (last match wins), then `rules`.
    pub fn level(&self, file: &Path, rule: &str) -> Option<Level> {
        let rel = self.relative(file);
        for (set, rules) in self.overrides.iter().rev() {
            if set.is_match(&rel) {
                if let Some(l) = rules.get(rule) {
                    return Some(*l);
                }
            }
        }
        self.rules.get(rule).copied()
    }
}

/// Where configuration comes from for a run.
pub enum ConfigSource {
    /// `--no-config`.
    None,
    /// `--config PATH`: one file for every checked file.
    Fixed(Arc<Config>),
    /// The nearest `loopsafe.json` above each file.
    Nearest(Mutex<FxHashMap<PathBuf, Option<Arc<Config>>>>),
}

/// Configuration lookup for a run, plus levels given on the command line (`--rule id=level`).
pub struct Configs {
    pub source: ConfigSource,
    pub cli_rules: Vec<(String, Level)>,
    known: fn(&str) -> bool,
    /// Errors met while loading nearest configs lazily (reported once, exit 2).
    pub errors: Mutex<Vec<ConfigError>>,
}

impl Configs {
    pub fn new(source: ConfigSource, cli_rules: Vec<(String, Level)>, known: fn(&str) -> bool) -> Configs {
        Configs { source, cli_rules, known, errors: Mutex::new(Vec::new()) }
    }

    pub fn none() -> Configs {
        Configs::new(ConfigSource::None, Vec::new(), |_| true)
    }

    /// The configuration that applies to `file`.
    pub fn for_file(&self, file: &Path) -> Option<Arc<Config>> {
        match &self.source {
            ConfigSource::None => None,
            ConfigSource::Fixed(c) => Some(c.clone()),
            ConfigSource::Nearest(cache) => {
                let abs = if file.is_absolute() {
                    file.to_path_buf()
                } else {
                    std::env::current_dir().map(|d| d.join(file)).unwrap_or_else(|_| file.to_path_buf())
                };
                let mut dir = abs.parent().map(crate::project::normalize);
                let mut visited = Vec::new();
                let mut found = None;
                while let Some(d) = dir {
                    if let Some(hit) = cache.lock().unwrap().get(&d).cloned() {
                        found = hit;
                        break;
                    }
                    visited.push(d.clone());
                    let candidate = d.join(CONFIG_FILE);
                    if candidate.is_file() {
                        match Config::load(&candidate, &self.known) {
                            Ok(c) => found = Some(Arc::new(c)),
                            Err(e) => self.errors.lock().unwrap().push(e),
                        }
                        break;
                    }
                    dir = d.parent().map(Path::to_path_buf);
                }
                let mut cache = cache.lock().unwrap();
                for d in visited {
                    cache.insert(d, found.clone());
                }
                found
            }
        }
    }

    /// The severity of `rule` for `file`, `None` when off: the command line, then the file's
    /// configuration, then the rule's default.
    pub fn severity(&self, config: Option<&Config>, file: &Path, rule: &str, default: Severity) -> Option<Severity> {
        if let Some((_, l)) = self.cli_rules.iter().rev().find(|(r, _)| r == rule) {
            return l.severity();
        }
        if let Some(l) = config.and_then(|c| c.level(file, rule)) {
            return l.severity();
        }
        Some(default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc_comments_and_trailing_commas() {
        let text = "{\n  // comment\n  \"rules\": { \"a\": \"off\", /* x */ },\n  \"exclude\": [\"dist/**\",],\n}\n";
        let c = Config::parse(Path::new("loopsafe.json"), text, &|_| true).unwrap();
        assert_eq!(c.rules.get("a"), Some(&Level::Off));
        assert!(!c.selects(Path::new("dist/x.js")));
        assert!(c.selects(Path::new("src/x.js")));
    }

    #[test]
    fn errors_name_the_line() {
        let text = "{\n  \"rules\": {\n    \"no-such-rule\": \"warn\"\n  }\n}\n";
        let e = Config::parse(Path::new("loopsafe.json"), text, &|r| r == "blocking-call").unwrap_err();
        assert_eq!((e.line, e.column), (3, 5), "{e}");
        assert!(e.message.contains("unknown rule `no-such-rule`"));
        let e =
            Config::parse(Path::new("loopsafe.json"), "{\n  \"rules\": { \"blocking-call\": \"loud\" }\n}", &|_| true)
                .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = Config::parse(Path::new("loopsafe.json"), "{\n  \"rulez\": {}\n}", &|_| true).unwrap_err();
        assert!(e.message.contains("unknown field"), "{e}");
    }

    #[test]
    fn overrides_win_for_their_files() {
        let text = r#"{ "rules": { "blocking-call": "error" }, "overrides": [{ "files": ["scripts/**"], "rules": { "blocking-call": "off" } }] }"#;
        let c = Config::parse(Path::new("proj/loopsafe.json"), text, &|_| true).unwrap();
        assert_eq!(c.level(Path::new("proj/scripts/seed.js"), "blocking-call"), Some(Level::Off));
        assert_eq!(c.level(Path::new("proj/src/app.js"), "blocking-call"), Some(Level::Error));
    }
}
