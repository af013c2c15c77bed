//! The project pass: after every file's model is built, resolve relative imports between the files
//! and compute per-function facts that cross files — whether calling a function blocks the event
//! loop (with the chain), whether it is async — to a fixed point over import cycles.
//!
//! Rules read these facts through [`Project`]; the per-file parts are plain data
//! ([`FunctionSummary`]) so that a cache can store them per file.

use crate::catalog;
use crate::diagnostic::ByteSpan;
use crate::knowledge::{CallbackKind, Effect};
use crate::model::{CallSite, ExportTarget, FileModel, FnId, FnUse, QualName, Target, ValueRef};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::path::{Component, Path, PathBuf};

/// One analysed file.
pub struct ProjectFile {
    /// Where it was read from.
    pub path: PathBuf,
    pub model: FileModel,
    /// Named by the user (reported) or only read to follow an import (not reported).
    pub is_input: bool,
    /// Of the text analysed.
    pub hash: u64,
    /// Its relative imports, resolved (when the engine already did: see [`resolve_path`]).
    pub imports: Option<Vec<(swc_atoms::Atom, Option<PathBuf>)>>,
}

/// One step of a blocking chain: a function, the file it is in, and where in it the chain goes
/// on (the call of the next step's function, or for the last step the blocking site).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Step {
    pub name: String,
    pub file: usize,
    pub call: ByteSpan,
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
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FunctionSummary {
    pub is_async: bool,
    pub blocks: Option<BlockPath>,
    /// What calling it does to the outside world: the strongest effect of the calls in its body
    /// and in the closures defined in it, followed into helpers here and in other files.
    pub effect: Effect,
    /// It (or a function it calls) awaits or returns a call nobody can name: it may do anything.
    pub opaque: bool,
}

/// What a per-file check may learn about a function in another file (see
/// [`crate::rule::FileContext::imported`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CalleeFacts {
    pub is_async: bool,
    pub effect: Effect,
    /// Awaits or returns calls nobody can name (see [`FunctionSummary::opaque`]).
    pub opaque: bool,
}

impl FunctionSummary {
    pub fn facts(&self) -> CalleeFacts {
        CalleeFacts { is_async: self.is_async, effect: self.effect, opaque: self.opaque }
    }
}

pub struct Project {
    pub files: Vec<ProjectFile>,
    by_path: FxHashMap<PathBuf, usize>,
    /// Per file, its relative specifiers resolved once.
    modules: Vec<Vec<(swc_atoms::Atom, Option<usize>)>>,
    /// Per file, per function.
    pub summaries: Vec<Vec<FunctionSummary>>,
}

/// A function somewhere in the project: (file, function).
type Node = (usize, u32);

/// The blocking API a call resolves to, with its alternative.
pub fn blocking_api(call: &CallSite) -> Option<(String, String)> {
    if call.once {
        // `if (!tpl) tpl = fs.readFileSync(…)`: the first call only, like a `require`
        return None;
    }
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

const JS_FIRST: &[&str] = &["js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx"];
/// A TypeScript file's `./x` means `x.ts` even when a compiled `x.js` sits next to it.
const TS_FIRST: &[&str] = &["ts", "tsx", "mts", "cts", "js", "mjs", "cjs", "jsx"];

/// The candidate files a relative specifier may name, in Node/TypeScript resolution order (a
/// TypeScript importer tries TypeScript extensions first).
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
    let from_ts = from.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "ts" | "tsx" | "mts" | "cts"));
    let order = if from_ts { TS_FIRST } else { JS_FIRST };
    out.extend(order.iter().map(|e| PathBuf::from(format!("{s}.{e}"))));
    out.extend(order.iter().map(|e| base.join(format!("index.{e}"))));
    out
}

/// The file a relative specifier names: the first candidate that is `known` (a file being
/// checked, which may exist only in memory) or a file on disk with a checked extension. The one
/// rule for the engine, the project pass and the cache, so that what an import names never
/// depends on which other files were named on the command line.
pub fn resolve_path(from: &Path, spec: &str, known: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    candidates(from, spec).into_iter().find(|c| known(c) || (crate::discover::has_checked_extension(c) && c.is_file()))
}

impl Project {
    pub fn build(files: Vec<ProjectFile>) -> Project {
        let by_path: FxHashMap<PathBuf, usize> =
            files.iter().enumerate().map(|(i, f)| (normalize(&f.path), i)).collect();
        let modules = files
            .par_iter()
            .map(|f| match &f.imports {
                Some(imports) => imports
                    .iter()
                    .map(|(spec, to)| (spec.clone(), to.as_ref().and_then(|c| by_path.get(c).copied())))
                    .collect(),
                None => f
                    .model
                    .relative_imports
                    .iter()
                    .map(|spec| {
                        let found = resolve_path(&f.path, spec, &|c| by_path.contains_key(c))
                            .and_then(|c| by_path.get(&c).copied());
                        (spec.clone(), found)
                    })
                    .collect(),
            })
            .collect();
        let mut p = Project { files, by_path, modules, summaries: Vec::new() };
        p.compute_summaries();
        p
    }

    /// What each relative specifier of `file` resolved to.
    pub fn resolved_imports(&self, file: usize) -> Vec<(String, Option<PathBuf>)> {
        self.modules[file]
            .iter()
            .map(|(spec, found)| (spec.to_string(), found.map(|i| self.files[i].path.clone())))
            .collect()
    }

    pub fn model(&self, file: usize) -> &FileModel {
        &self.files[file].model
    }

    /// The file a relative specifier in `file` names, if it was analysed.
    pub fn resolve_module(&self, file: usize, spec: &str) -> Option<usize> {
        if !crate::knowledge::is_relative(spec) {
            return None;
        }
        if let Some((_, found)) = self.modules[file].iter().find(|(s, _)| s.as_str() == spec) {
            return *found;
        }
        resolve_path(&self.files[file].path, spec, &|c| self.by_path.contains_key(c))
            .and_then(|c| self.by_path.get(&c).copied())
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
    /// `path` may go on past the export into a value: `[Mailer, prototype, send]` is the method
    /// `send` of the exported class `Mailer` ([`crate::model::INSTANCE`]).
    pub fn resolve_export(&self, file: usize, path: &[swc_atoms::Atom], depth: u32) -> Option<(usize, FnId)> {
        if depth > 16 || path.len() > 3 {
            return None;
        }
        let model = self.model(file);
        let name = path.first().map(|a| a.as_str()).unwrap_or("");
        let rest = path.get(1..).unwrap_or(&[]);
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
            return from_target(&e.target, rest);
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

    /// What is known of the function a call in `file` reaches.
    pub fn callee_facts(&self, file: usize, call: &CallSite) -> Option<CalleeFacts> {
        self.callee(file, call).map(|(f, g)| self.summary(f, g).facts())
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

    /// Every call's callee, here or in another file, resolved once (in parallel).
    fn resolve_callees(&self) -> Vec<Vec<Option<Node>>> {
        (0..self.files.len())
            .into_par_iter()
            .map(|fi| self.model(fi).calls.iter().map(|c| self.callee(fi, c).map(|(f, g)| (f, g.0))).collect())
            .collect()
    }

    fn compute_summaries(&mut self) {
        let callees = self.resolve_callees();
        let blocks = self.compute_blocks(&callees);
        let effects = self.compute_effects(&callees);
        self.summaries = self
            .files
            .iter()
            .zip(blocks.into_iter().zip(effects))
            .map(|(f, (blocks, effects))| {
                f.model
                    .functions
                    .iter()
                    .zip(blocks.into_iter().zip(effects))
                    .map(|(func, (blocks, (effect, opaque)))| FunctionSummary {
                        is_async: func.is_async,
                        blocks,
                        effect,
                        opaque,
                    })
                    .collect()
            })
            .collect();
    }

    /// What each function's body does, from the names of the calls that [touch the
    /// outside](touches_outside) in its body and in the closures defined in it:
    /// - an ordering effect (a write, a lock, a transaction, a pause: see [`effect_rank`]) counts
    ///   from its own body and from the functions it calls directly, here or in another file:
    ///   `getOrCreateCart` that inserts writes; a read-through cache filled three calls down
    ///   does not make `getMetaData` a write;
    /// - deeper down, anything a callee does counts as a read (a least fixed point over the call
    ///   graph): a write three calls down still makes the call do something.
    fn compute_effects(&self, callees: &[Vec<Option<Node>>]) -> Vec<Vec<(Effect, bool)>> {
        let num = Numbering::new(&self.files);
        // per file, in parallel: each function's own effect and opacity (closures folded into
        // the functions that define them), and the edges "callee → caller" (a call in a closure
        // is also a call of every function around it)
        type PerFile = (Vec<Effect>, Vec<bool>, Vec<(u32, u32)>);
        let per_file: Vec<PerFile> = (0..self.files.len())
            .into_par_iter()
            .map(|fi| {
                let m = self.model(fi);
                let mut own = vec![Effect::Unknown; m.functions.len()];
                let mut opaque = vec![false; m.functions.len()];
                let mut edges = Vec::new();
                for func in &m.functions {
                    let i = func.id.0 as usize;
                    for &c in &func.calls {
                        let call = m.call(c);
                        let named = m.effect(call);
                        if touches_outside(call) {
                            own[i] = stronger(own[i], named);
                        }
                        let resolved = callees[fi][c.0 as usize];
                        opaque[i] |= resolved.is_none() && named == Effect::Unknown && is_opaque(call);
                        let Some(g) = resolved else { continue };
                        // the call is in this body, and in the body of every function enclosing it
                        let mut cur = Some(func.id);
                        let mut depth = 0;
                        while let Some(a) = cur.filter(|&a| a != FnId::MODULE && depth < 16) {
                            edges.push((num.id(g), num.id((fi, a.0))));
                            cur = m.function(a).parent;
                            depth += 1;
                        }
                    }
                }
                for func in m.functions.iter().rev() {
                    if let Some(p) = func.parent.filter(|&p| p != FnId::MODULE && p.0 < func.id.0) {
                        own[p.0 as usize] = stronger(own[p.0 as usize], own[func.id.0 as usize]);
                        opaque[p.0 as usize] |= opaque[func.id.0 as usize];
                    }
                }
                (own, opaque, edges)
            })
            .collect();
        let n = num.len();
        let own: Vec<Effect> = per_file.iter().flat_map(|(own, _, _)| own.iter().copied()).collect();
        let mut opaque: Vec<bool> = per_file.iter().flat_map(|(_, o, _)| o.iter().copied()).collect();
        let callers = Adjacency::new(n, per_file.iter().map(|(_, _, e)| e.as_slice()));
        // ordering effects: the body's own and its direct callees'
        let mut eff = own.clone();
        for g in 0..n as u32 {
            if effect_rank(own[g as usize]) > effect_rank(Effect::Read) {
                for &f in callers.from(g) {
                    eff[f as usize] = stronger(eff[f as usize], own[g as usize]);
                }
            }
        }
        // deeper down, anything a callee does makes its callers at least readers
        let mut queue: Vec<u32> = (0..n as u32).filter(|&i| eff[i as usize] != Effect::Unknown).collect();
        while let Some(g) = queue.pop() {
            for &f in callers.from(g) {
                if eff[f as usize] == Effect::Unknown {
                    eff[f as usize] = Effect::Read;
                    queue.push(f);
                }
            }
        }
        // opacity: from any depth
        let mut queue: Vec<u32> = (0..n as u32).filter(|&i| opaque[i as usize]).collect();
        while let Some(g) = queue.pop() {
            for &f in callers.from(g) {
                if !opaque[f as usize] {
                    opaque[f as usize] = true;
                    queue.push(f);
                }
            }
        }
        (0..self.files.len())
            .map(|fi| {
                let r = num.base[fi] as usize..num.base[fi + 1] as usize;
                eff[r.clone()].iter().copied().zip(opaque[r].iter().copied()).collect()
            })
            .collect()
    }

    /// "Blocks" as a least fixed point over the project's call graph: a function blocks if its
    /// body calls a blocking API or spins in a busy-wait, runs a synchronous callback that
    /// blocks, or calls a helper (here or in another file) that blocks. Entry points and
    /// generators are not followed: entry points are reported on their own.
    fn compute_blocks(&self, callees: &[Vec<Option<Node>>]) -> Vec<Vec<Option<BlockPath>>> {
        let num = Numbering::new(&self.files);
        // per file, in parallel: the direct blocking sites, and the edges "callee blocks its
        // caller" (calls to non-entry helpers here or in another file; synchronous callbacks,
        // marked `true`: they are part of their caller's body)
        // (and the edge's call in the caller's file, where the step's chain goes on)
        type PerFile = (Vec<Option<BlockPath>>, Vec<(u32, (u32, bool, u32))>);
        let per_file: Vec<PerFile> = (0..self.files.len())
            .into_par_iter()
            .map(|fi| {
                let m = self.model(fi);
                let mut direct = vec![None; m.functions.len()];
                let mut edges = Vec::new();
                for func in &m.functions {
                    let busy = func.busy_waits.first().map(|&site| BlockPath {
                        steps: vec![],
                        api: "a busy-wait loop".into(),
                        alternative: "an awaited timer".into(),
                        site_file: fi,
                        site,
                    });
                    let path = busy.or_else(|| {
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
                    if let Some(mut p) = path {
                        p.steps.push(Step { name: m.describe(func.id), file: fi, call: p.site });
                        direct[func.id.0 as usize] = Some(p);
                    }
                    if func.kind == crate::model::FnKind::Module {
                        continue;
                    }
                    let me = num.id((fi, func.id.0));
                    for &c in &func.calls {
                        let call = m.call(c);
                        if call.once {
                            continue;
                        }
                        if let Some((gf, g)) = callees[fi][c.0 as usize] {
                            let gfun = self.model(gf).function(FnId(g));
                            if !gfun.is_entry() && !gfun.is_generator {
                                edges.push((num.id((gf, g)), (me, false, c.0)));
                            }
                        }
                        for &(_, cb) in &call.callbacks {
                            let cbf = m.function(cb);
                            let sync = cbf.uses.iter().any(
                                |u| matches!(u, FnUse::Callback { call: cc, kind: CallbackKind::Sync, .. } if *cc == c),
                            );
                            if sync && !cbf.is_entry() {
                                edges.push((num.id((fi, cb.0)), (me, true, c.0)));
                            }
                        }
                    }
                }
                (direct, edges)
            })
            .collect();
        let callers = Adjacency::new(num.len(), per_file.iter().map(|(_, e)| e.as_slice()));
        let mut sums: Vec<Vec<Option<BlockPath>>> = per_file.into_iter().map(|(d, _)| d).collect();
        // a worklist from the direct blockers: each function is settled once, by the first
        // (shortest) path that reaches it
        let mut queue: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
        for (fi, list) in sums.iter().enumerate() {
            for (f, s) in list.iter().enumerate() {
                if s.is_some() {
                    queue.push_back(num.id((fi, f as u32)));
                }
            }
        }
        while let Some(id) = queue.pop_front() {
            let (gf, g) = num.node(id);
            let path = sums[gf][g as usize].clone().expect("queued nodes block");
            for &(caller, inline, call) in callers.from(id) {
                let (cf, c) = num.node(caller);
                if sums[cf][c as usize].is_some() {
                    continue;
                }
                let mut p = path.clone();
                let model = self.model(cf);
                let call = model.call(crate::model::CallId(call)).callee_span;
                let mut step = Step { name: model.describe(FnId(c)), file: cf, call };
                if inline {
                    // a synchronous callback is part of its caller's body: the chain goes on
                    // where it did in the callback
                    step.call = p.steps[0].call;
                    p.steps[0] = step;
                } else {
                    p.steps.insert(0, step);
                }
                sums[cf][c as usize] = Some(p);
                queue.push_back(caller);
            }
        }
        sums
    }
}

/// Whether a call's name may say what a body does to the outside world: it is awaited or
/// returned (a promise its caller awaits), or it calls into a module (a database client, another file's export) that is not a helper library
/// ([`crate::knowledge::IN_MEMORY_MODULES`]). A plain method call on a value
/// (`title.replace(…)`, `list.push(x)`, `cache.set(k, v)`), a global (`console.log`,
/// `Object.assign`) or `_.assign` is in-memory work whatever its name.
fn touches_outside(call: &CallSite) -> bool {
    call.awaited
        || call.returned
        || call
            .api()
            .is_some_and(|q| q.module.as_str() != "global" && !crate::knowledge::is_in_memory_module(&q.module))
}

/// A call whose value the body awaits or returns though nobody can name what it does: a method
/// of an object of unknown origin (`client.frobnicate(f)`), or a package's export.
fn is_opaque(call: &CallSite) -> bool {
    (call.awaited || call.returned)
        && match &call.target {
            Target::Unknown => true,
            Target::Api(q) => {
                let m = q.module.as_str();
                m != "global"
                    && !crate::knowledge::is_relative(m)
                    && !crate::knowledge::is_in_memory_module(m)
                    && !crate::knowledge::is_node_builtin(m)
            }
            Target::Local(_) => false,
        }
}

/// How much an effect says about ordering, weakest first: a body that opens a transaction or
/// takes a lock is that, whatever else it writes.
pub fn effect_rank(e: Effect) -> u8 {
    match e {
        Effect::Unknown => 0,
        Effect::Read => 1,
        Effect::Atomic => 2,
        Effect::Write => 3,
        Effect::Unlock => 4,
        Effect::Sleep => 5,
        Effect::Lock => 6,
        Effect::Transaction => 7,
    }
}

/// The project's functions numbered 0.. across files (file by file, in table order).
struct Numbering {
    base: Vec<u32>,
}

impl Numbering {
    fn new(files: &[ProjectFile]) -> Self {
        let mut base = Vec::with_capacity(files.len() + 1);
        base.push(0u32);
        for f in files {
            base.push(base.last().copied().unwrap_or(0) + f.model.functions.len() as u32);
        }
        Numbering { base }
    }

    fn len(&self) -> usize {
        *self.base.last().unwrap_or(&0) as usize
    }

    fn id(&self, (file, f): Node) -> u32 {
        self.base[file] + f
    }

    fn node(&self, id: u32) -> Node {
        let file = self.base.partition_point(|&b| b <= id) - 1;
        (file, id - self.base[file])
    }
}

/// Edges grouped by their source node, in one flat list.
struct Adjacency<T> {
    start: Vec<u32>,
    edges: Vec<T>,
}

impl<T: Copy + Default> Adjacency<T> {
    fn new<'a>(n: usize, lists: impl Iterator<Item = &'a [(u32, T)]> + Clone) -> Self
    where
        T: 'a,
    {
        let mut start = vec![0u32; n + 1];
        for list in lists.clone() {
            for &(from, _) in list {
                start[from as usize + 1] += 1;
            }
        }
        for i in 1..=n {
            start[i] += start[i - 1];
        }
        let mut fill = start.clone();
        let mut edges = vec![T::default(); start[n] as usize];
        for list in lists {
            for &(from, t) in list {
                edges[fill[from as usize] as usize] = t;
                fill[from as usize] += 1;
            }
        }
        Adjacency { start, edges }
    }

    fn from(&self, node: u32) -> &[T] {
        &self.edges[self.start[node as usize] as usize..self.start[node as usize + 1] as usize]
    }
}

fn stronger(a: Effect, b: Effect) -> Effect {
    if effect_rank(b) > effect_rank(a) {
        b
    } else {
        a
    }
}
