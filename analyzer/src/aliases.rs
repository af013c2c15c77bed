//! Import aliases a project declares for its own files: `compilerOptions.paths` and `baseUrl` of
//! the nearest `tsconfig.json` (or `jsconfig.json`), following `extends` to files of the project.
//!
//! TypeScript backends import their own code as `@/lib/auth`, `@server/models` or `services/mail`
//! far more often than as `../../lib/auth`. Without these, every such import looks like a package:
//! a handler's helpers and their effects would be out of sight. Before a file's model is built, the
//! specifiers of its imports, re-exports, `require` and `import()` calls that an alias covers are
//! rewritten into the relative paths they stand for, so the rest of the analysis sees an ordinary
//! relative import. Specifiers no alias covers are left as they are.
//!
//! The configuration found for each directory is kept for one check (see [`Aliases::clear`]).

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::{FxHashMap, FxHashSet};
use swc_ecma_ast::*;
use swc_ecma_visit::{VisitMut, VisitMutWith};

/// What one configuration file (with what it extends) says about module names.
#[derive(Debug, Default)]
pub struct PathsConfig {
    /// `paths` patterns, longest prefix first: (prefix, suffix, has a `*`, targets).
    patterns: Vec<(String, String, bool, Vec<String>)>,
    /// The directory `paths` targets are relative to (`baseUrl`, else the file that declares them).
    paths_base: PathBuf,
    /// `baseUrl`: bare names of entries directly under it resolve there first.
    base_url: Option<PathBuf>,
    /// Names of the entries directly under `baseUrl` (extensions dropped).
    top_level: FxHashSet<String>,
}

/// The configurations found so far, by directory.
#[derive(Default)]
pub struct Aliases {
    by_dir: Mutex<FxHashMap<PathBuf, Option<Arc<PathsConfig>>>>,
}

/// The registry a check uses (cleared at the start of every check).
pub fn global() -> &'static Aliases {
    static ALIASES: OnceLock<Aliases> = OnceLock::new();
    ALIASES.get_or_init(Aliases::default)
}

const EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs"];

impl Aliases {
    /// Forget what was found: configuration files may have changed since the last check.
    pub fn clear(&self) {
        if let Ok(mut m) = self.by_dir.lock() {
            m.clear();
        }
    }

    /// The configuration that applies to files in `dir`: the nearest `tsconfig.json` or
    /// `jsconfig.json` walking up, when it declares `paths` or `baseUrl`.
    pub fn for_dir(&self, dir: &Path) -> Option<Arc<PathsConfig>> {
        if let Some(found) = self.by_dir.lock().ok()?.get(dir) {
            return found.clone();
        }
        let found = dir
            .ancestors()
            .find_map(|d| ["tsconfig.json", "jsconfig.json"].iter().map(|n| d.join(n)).find(|p| p.is_file()))
            .and_then(|file| load(&file));
        self.by_dir.lock().ok()?.insert(dir.to_path_buf(), found.clone());
        found
    }
}

/// Read a configuration file and what it extends (files of the project only, five deep).
fn load(file: &Path) -> Option<Arc<PathsConfig>> {
    let mut paths: Option<(serde_json::Map<String, serde_json::Value>, PathBuf)> = None;
    let mut base_url: Option<PathBuf> = None;
    let mut cur = file.to_path_buf();
    for _ in 0..5 {
        let text = std::fs::read_to_string(&cur).ok()?;
        let json: serde_json::Value = serde_json::from_str(&crate::config::strip_jsonc(&text)).ok()?;
        let dir = cur.parent()?.to_path_buf();
        let opts = json.get("compilerOptions");
        if base_url.is_none() {
            if let Some(b) = opts.and_then(|o| o.get("baseUrl")).and_then(|b| b.as_str()) {
                base_url = Some(normalize(&dir.join(b)));
            }
        }
        if paths.is_none() {
            if let Some(p) = opts.and_then(|o| o.get("paths")).and_then(|p| p.as_object()) {
                paths = Some((p.clone(), dir.clone()));
            }
        }
        match json.get("extends").and_then(|e| e.as_str()) {
            Some(e) if e.starts_with('.') => {
                let next = dir.join(e);
                cur = if next.extension().is_some() { next } else { next.with_extension("json") };
            }
            _ => break,
        }
    }
    if paths.is_none() && base_url.is_none() {
        return None;
    }
    let mut cfg = PathsConfig::default();
    if let Some((map, declared_in)) = paths {
        cfg.paths_base = base_url.clone().unwrap_or(declared_in);
        for (pattern, targets) in map {
            let targets: Vec<String> =
                targets.as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_string)).collect();
            if targets.is_empty() {
                continue;
            }
            let (prefix, suffix, star) = match pattern.split_once('*') {
                Some((p, s)) => (p.to_string(), s.to_string(), true),
                None => (pattern.clone(), String::new(), false),
            };
            cfg.patterns.push((prefix, suffix, star, targets));
        }
        cfg.patterns.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
    }
    if let Some(b) = &base_url {
        if let Ok(entries) = std::fs::read_dir(b) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name == "node_modules" || name.starts_with('.') {
                    continue;
                }
                let stem = match name.rsplit_once('.') {
                    Some((s, ext)) if EXTENSIONS.contains(&ext) => s.to_string(),
                    _ => name,
                };
                cfg.top_level.insert(stem);
            }
        }
    }
    cfg.base_url = base_url;
    Some(Arc::new(cfg))
}

impl PathsConfig {
    /// The relative specifier (from a file in `from_dir`) that `spec` stands for, if an alias
    /// covers it.
    pub fn map(&self, from_dir: &Path, spec: &str) -> Option<String> {
        if spec.starts_with('.') || spec.starts_with('/') || spec.contains(':') {
            return None;
        }
        for (prefix, suffix, star, targets) in &self.patterns {
            let matched = if *star {
                spec.len() >= prefix.len() + suffix.len()
                    && spec.starts_with(prefix.as_str())
                    && spec.ends_with(suffix.as_str())
            } else {
                spec == prefix
            };
            if !matched {
                continue;
            }
            let captured = if *star { &spec[prefix.len()..spec.len() - suffix.len()] } else { "" };
            // the first target that is a file of the project (a catch-all `"*": ["node_modules/*",
            // "types/*"]` names packages and type stubs too: those stay packages)
            let pick = targets
                .iter()
                .map(|t| normalize(&self.paths_base.join(t.replacen('*', captured, 1))))
                .filter(|c| !c.components().any(|x| x.as_os_str() == "node_modules"))
                .find(|c| exists_as_module(c));
            match pick {
                Some(p) => return Some(relative(from_dir, &p)),
                None => continue,
            }
        }
        let base = self.base_url.as_ref()?;
        let first = spec.split('/').next()?;
        if self.top_level.contains(first) {
            return Some(relative(from_dir, &normalize(&base.join(spec))));
        }
        None
    }
}

/// A file or directory a module specifier can name (with any of the usual extensions, and a
/// `.js` written for a `.ts` source).
fn exists_as_module(p: &Path) -> bool {
    let with_ext = |base: &Path| {
        EXTENSIONS.iter().any(|e| {
            let mut s = base.as_os_str().to_owned();
            s.push(".");
            s.push(e);
            Path::new(&s).is_file()
        })
    };
    p.exists()
        || with_ext(p)
        || (p.extension().is_some_and(|e| matches!(e.to_str(), Some("js" | "mjs" | "cjs" | "jsx")))
            && with_ext(&p.with_extension("")))
}

/// `a/b/../c` → `a/c`, without touching the disk.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `to` as a relative specifier from directory `from` (`./x`, `../../lib/x`).
fn relative(from: &Path, to: &Path) -> String {
    let from = normalize(from);
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); a.len() - common];
    parts.extend(b[common..].iter().map(|c| c.as_os_str().to_string_lossy().to_string()));
    let joined = parts.join("/");
    if joined.starts_with("..") {
        joined
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        format!("./{joined}")
    }
}

/// Rewrite the module specifiers of `program` (a file in `dir`) that `cfg` covers.
pub fn rewrite(program: &mut Program, dir: &Path, cfg: &PathsConfig) {
    struct Rewriter<'a> {
        dir: &'a Path,
        cfg: &'a PathsConfig,
    }
    impl Rewriter<'_> {
        fn fix(&self, s: &mut Str) {
            let Some(spec) = s.value.as_str() else { return };
            if let Some(mapped) = self.cfg.map(self.dir, spec) {
                *s = Str { span: s.span, value: mapped.into(), raw: None };
            }
        }
    }
    impl VisitMut for Rewriter<'_> {
        fn visit_mut_import_decl(&mut self, n: &mut ImportDecl) {
            self.fix(&mut n.src);
        }
        fn visit_mut_export_all(&mut self, n: &mut ExportAll) {
            self.fix(&mut n.src);
        }
        fn visit_mut_named_export(&mut self, n: &mut NamedExport) {
            if let Some(src) = &mut n.src {
                self.fix(src);
            }
        }
        fn visit_mut_ts_import_equals_decl(&mut self, n: &mut TsImportEqualsDecl) {
            if let TsModuleRef::TsExternalModuleRef(r) = &mut n.module_ref {
                self.fix(&mut r.expr);
            }
        }
        fn visit_mut_call_expr(&mut self, n: &mut CallExpr) {
            let loads = match &n.callee {
                Callee::Import(_) => true,
                Callee::Expr(e) => matches!(&**e, Expr::Ident(i) if i.sym.as_str() == "require"),
                Callee::Super(_) => false,
            };
            if loads {
                if let Some(ExprOrSpread { spread: None, expr }) = n.args.first_mut() {
                    if let Expr::Lit(Lit::Str(s)) = &mut **expr {
                        self.fix(s);
                    }
                }
            }
            n.visit_mut_children_with(self);
        }
    }
    program.visit_mut_with(&mut Rewriter { dir, cfg });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_specifiers() {
        assert_eq!(relative(Path::new("/p/src/app/api"), Path::new("/p/src/lib/auth")), "../../lib/auth");
        assert_eq!(relative(Path::new("/p/src"), Path::new("/p/src/lib/auth")), "./lib/auth");
        assert_eq!(normalize(Path::new("/p/src/../lib/./x")), PathBuf::from("/p/lib/x"));
    }

    #[test]
    fn patterns_longest_prefix_first() {
        let root = std::env::temp_dir().join(format!("loopsafe-aliases-{}", std::process::id()));
        for f in ["server/utils/x.ts", "server/models/index.ts", "src/lib/pw.ts", "node_modules/express/index.js"] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
        }
        let cfg = PathsConfig {
            patterns: vec![
                ("@server/models".into(), String::new(), false, vec!["server/models/index".into()]),
                ("@server/".into(), String::new(), true, vec!["server/*".into()]),
                ("@/".into(), String::new(), true, vec!["src/*".into()]),
                (String::new(), String::new(), true, vec!["node_modules/*".into(), "types/*".into()]),
            ],
            paths_base: root.clone(),
            ..Default::default()
        };
        let from = root.join("server/routes");
        assert_eq!(cfg.map(&from, "@server/utils/x").as_deref(), Some("../utils/x"));
        assert_eq!(cfg.map(&from, "@server/utils/x.js").as_deref(), Some("../utils/x.js"));
        assert_eq!(cfg.map(&from, "@server/models").as_deref(), Some("../models/index"));
        assert_eq!(cfg.map(&from, "@/lib/pw").as_deref(), Some("../../src/lib/pw"));
        assert_eq!(cfg.map(&from, "@/lib/missing"), None);
        assert_eq!(cfg.map(&from, "express"), None);
        assert_eq!(cfg.map(&from, "./x"), None);
        let _ = std::fs::remove_dir_all(&root);
    }
}
