//! The project pass: after every file's model is built, resolve relative imports between the files
//! and compute per-function facts that cross files — whether calling a function blocks the event
//! loop (with the chain), whether it is async — to a fixed point over import cycles.
//!
//! Rules read these facts through [`Project`]; the per-file parts are plain data
//! ([`FunctionSummary`]) so that a cache can store them per file.

use crate::catalog;
use crate::diagnostic::ByteSpan;
use crate::knowledge::CallbackKind;
use crate::model::{CallSite, ExportTarget, FileModel, FnId, FnUse, QualName, Target, ValueRef};
use rustc_hash::FxHashMap;
use std::path::{Component, Path, PathBuf};

/// One analysed file.
pub struct ProjectFile {
    /// Where it was read from.
    pub path: PathBuf,
    pub model: FileModel,
    /// Named by the user (reported) or only read to follow an import (not reported).
    pub is_input: bool,
}

/// One step of a blocking chain: a function, and the file it is in.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub name: String,
    pub file: usize,
}

/// How calling a function reaches a blocking call.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct BlockPath {
    /// From the called function to the one holding the blocking call.
    pub steps: Vec<Step>,
    /// The blocking API, e.g. `fs.readFileSync`, or "a busy-wait loop".
    pub api: String,
    pub alternative: String,
    pub site_file: usize,
    pub site: ByteSpan,
}

/// The project-level facts of one function.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FunctionSummary {
    pub is_async: bool,
    pub blocks: Option<BlockPath>,
}

pub struct Project {
    pub files: Vec<ProjectFile>,
    by_path: FxHashMap<PathBuf, usize>,
    /// Per file, per function.
    pub summaries: Vec<Vec<FunctionSummary>>,
}

/// The blocking API a call resolves to, with its alternative.
pub fn blocking_api(call: &CallSite) -> Option<(String, String)> {
    let q = call.api()?;
    catalog::lookup(q).map(|alt| (q.to_string(), alt))
}

/// Lexically normalize a path (`a/b/../c` → `a/c`), without touching the file system.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

const RESOLVE_EXTENSIONS: &[&str] = &["js", "ts", "mjs", "cjs", "jsx", "tsx", "mts", "cts"];

/// The candidate files a relative specifier may name, in Node/TypeScript resolution order.
pub fn candidates(from: &Path, spec: &str) -> Vec<PathBuf> {
    let base = normalize(&from.parent().unwrap_or(Path::new("")).join(spec));
    let mut out = vec![base.clone()];
    let s = base.to_string_lossy().to_string();
    // `.js` written for a `.ts` source (TypeScript's ESM convention)
    for (js, ts) in
        [(".js", &[".ts", ".tsx"][..]), (".mjs", &[".mts"][..]), (".cjs", &[".cts"][..]), (".jsx", &[".tsx"][..])]
    {
        if let Some(stem) = s.strip_suffix(js) {
            out.extend(ts.iter().map(|t| PathBuf::from(format!("{stem}{t}"))));
        }
    }
    out.extend(RESOLVE_EXTENSIONS.iter().map(|e| PathBuf::from(format!("{s}.{e}"))));
    out.extend(RESOLVE_EXTENSIONS.iter().map(|e| base.join(format!("index.{e}"))));
    out
}

impl Project {
    pub fn build(files: Vec<ProjectFile>) -> Project {
        let by_path = files.iter().enumerate().map(|(i, f)| (normalize(&f.path), i)).collect();
        let mut p = Project { files, by_path, summaries: Vec::new() };
        p.compute_summaries();
        p
    }

    pub fn model(&self, file: usize) -> &FileModel {
        &self.files[file].model
    }

    /// The file a relative specifier in `file` names, if it was analysed.
    pub fn resolve_module(&self, file: usize, spec: &str) -> Option<usize> {
        if !crate::knowledge::is_relative(spec) {
            return None;
        }
        candidates(&self.files[file].path, spec).iter().find_map(|c| self.by_path.get(c).copied())
    }

    /// The function a call in `file` reaches: a local function, or an exported one in another file.
    pub fn callee(&self, file: usize, call: &CallSite) -> Option<(usize, FnId)> {
        match &call.target {
            Target::Local(f) => Some((file, *f)),
            Target::Api(q) => self.resolve_qual(file, q, 0),
            Target::Unknown => None,
        }
    }

    fn resolve_qual(&self, file: usize, q: &QualName, depth: u32) -> Option<(usize, FnId)> {
        let target = self.resolve_module(file, &q.module)?;
        self.resolve_export(target, &q.path, depth + 1)
    }

    /// The function `path` names in the exports of `file` (`[]` is the module value itself).
    pub fn resolve_export(&self, file: usize, path: &[swc_atoms::Atom], depth: u32) -> Option<(usize, FnId)> {
        if depth > 16 || path.len() > 1 {
            return None;
        }
        let model = self.model(file);
        let name = path.first().map(|a| a.as_str()).unwrap_or("");
        let from_target = |t: &ExportTarget, rest: &[swc_atoms::Atom]| -> Option<(usize, FnId)> {
            match t {
                ExportTarget::Function(f) if rest.is_empty() => Some((file, *f)),
                ExportTarget::Function(_) => None,
                ExportTarget::Value(v) => {
                    let mut v: ValueRef = v.clone();
                    v.props.extend(rest.iter().cloned());
                    match model.resolve(&v) {
                        Target::Local(f) => Some((file, f)),
                        Target::Api(q) => self.resolve_qual(file, &q, depth),
                        Target::Unknown => None,
                    }
                }
                ExportTarget::ReExport { module, name } => {
                    let m = self.resolve_module(file, module)?;
                    let mut p = vec![name.clone()];
                    p.extend(rest.iter().cloned());
                    self.resolve_export(m, &p, depth + 1)
                }
                ExportTarget::ReExportAll { .. } => None,
            }
        };
        if let Some(e) = model.exports.iter().find(|e| e.name.as_str() == name) {
            return from_target(&e.target, &[]);
        }
        // `require('./x').name` where `module.exports = <something>` exports the module value
        if !name.is_empty() {
            if let Some(e) = model.exports.iter().find(|e| e.name.as_str().is_empty()) {
                if let Some(r) = from_target(&e.target, path) {
                    return Some(r);
                }
            }
        }
        for e in &model.exports {
            if let ExportTarget::ReExportAll { module } = &e.target {
                if let Some(m) = self.resolve_module(file, module) {
                    if let Some(r) = self.resolve_export(m, path, depth + 1) {
                        return Some(r);
                    }
                }
            }
        }
        None
    }

    pub fn summary(&self, file: usize, f: FnId) -> &FunctionSummary {
        &self.summaries[file][f.0 as usize]
    }

    /// Whether calling `f` in `file` blocks, when it is a helper (not an entry point, which is
    /// reported on its own).
    pub fn helper_blocks(&self, file: usize, f: FnId) -> Option<&BlockPath> {
        let func = self.model(file).function(f);
        if func.is_entry() {
            return None;
        }
        self.summary(file, f).blocks.as_ref()
    }

    /// "Blocks" as a least fixed point over the project's call graph: a function blocks if its
    /// body calls a blocking API or spins in a busy-wait, runs a synchronous callback that
    /// blocks, or calls a helper (here or in another file) that blocks. Entry points and
    /// generators are not followed: entry points are reported on their own.
    fn compute_summaries(&mut self) {
        let mut sums: Vec<Vec<FunctionSummary>> = self
            .files
            .iter()
            .map(|f| {
                f.model.functions.iter().map(|func| FunctionSummary { is_async: func.is_async, blocks: None }).collect()
            })
            .collect();
        // direct blocking sites
        for (fi, file) in self.files.iter().enumerate() {
            let m = &file.model;
            for func in &m.functions {
                let direct = func.busy_waits.first().map(|&site| BlockPath {
                    steps: vec![],
                    api: "a busy-wait loop".into(),
                    alternative: "an awaited timer".into(),
                    site_file: fi,
                    site,
                });
                let direct = direct.or_else(|| {
                    func.calls.iter().find_map(|&c| {
                        let call = m.call(c);
                        blocking_api(call).map(|(api, alternative)| BlockPath {
                            steps: vec![],
                            api,
                            alternative,
                            site_file: fi,
                            site: call.callee_span,
                        })
                    })
                });
                if let Some(mut p) = direct {
                    p.steps.push(Step { name: m.describe(func.id), file: fi });
                    sums[fi][func.id.0 as usize].blocks = Some(p);
                }
            }
        }
        // edges "caller is blocked by callee": calls to non-entry helpers (here or in another
        // file) and synchronous callbacks, resolved once, in parallel
        use rayon::prelude::*;
        type Node = (usize, u32);
        let edges: Vec<Vec<(u32, Node, bool)>> = (0..self.files.len())
            .into_par_iter()
            .map(|fi| {
                let m = self.model(fi);
                let mut out = Vec::new();
                for func in &m.functions {
                    if func.kind == crate::model::FnKind::Module {
                        continue;
                    }
                    for &c in &func.calls {
                        let call = m.call(c);
                        if let Some((gf, g)) = self.callee(fi, call) {
                            let gfun = self.model(gf).function(g);
                            if !gfun.is_entry() && !gfun.is_generator {
                                out.push((func.id.0, (gf, g.0), false));
                            }
                        }
                        for &(_, cb) in &call.callbacks {
                            let cbf = m.function(cb);
                            let sync = cbf.uses.iter().any(
                                |u| matches!(u, FnUse::Callback { call: cc, kind: CallbackKind::Sync, .. } if *cc == c),
                            );
                            if sync && !cbf.is_entry() {
                                out.push((func.id.0, (fi, cb.0), true));
                            }
                        }
                    }
                }
                out
            })
            .collect();
        // reverse edges, then a worklist from the direct blockers: each function is settled once,
        // by the first (shortest) path that reaches it
        let mut callers: FxHashMap<Node, Vec<(Node, bool)>> = FxHashMap::default();
        for (fi, list) in edges.iter().enumerate() {
            for &(f, callee, inline) in list {
                callers.entry(callee).or_default().push(((fi, f), inline));
            }
        }
        let mut queue: std::collections::VecDeque<Node> = std::collections::VecDeque::new();
        for (fi, list) in sums.iter().enumerate() {
            for (f, s) in list.iter().enumerate() {
                if s.blocks.is_some() {
                    queue.push_back((fi, f as u32));
                }
            }
        }
        while let Some(node) = queue.pop_front() {
            let Some(list) = callers.get(&node) else { continue };
            let path = sums[node.0][node.1 as usize].blocks.clone().expect("queued nodes block");
            for &((cf, c), inline) in list {
                if sums[cf][c as usize].blocks.is_some() {
                    continue;
                }
                let mut p = path.clone();
                let step = Step { name: self.model(cf).describe(FnId(c)), file: cf };
                if inline {
                    // a synchronous callback is part of its caller's body
                    p.steps[0] = step;
                } else {
                    p.steps.insert(0, step);
                }
                sums[cf][c as usize].blocks = Some(p);
                queue.push_back((cf, c));
            }
        }
        self.summaries = sums;
    }
}
