//! The project pass: after every file's model is built, resolve relative imports between the files
//! and compute per-function facts that cross files — whether calling a function blocks the event
//! loop (with the chain), whether it is async — to a fixed point over import cycles.
//!
//! Rules read these facts through [`Project`]; the per-file parts are plain data
//! ([`FunctionSummary`]) so that a cache can store them per file.

use crate::catalog;
use crate::diagnostic::ByteSpan;
use crate::knowledge::{CallbackKind, Effect, Effects};
use crate::model::context::{self as ctx, Edge, Reach};
use crate::model::provenance::Prov;
use crate::model::{CallId, CallSite, EntryReason, ExportTarget, FileModel, FnId, FnUse, QualName, Target, ValueRef};
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
    /// The other blocking calls of the function holding `site` (same file): they are fixed
    /// together.
    pub others: Vec<ByteSpan>,
    /// A condition on a parameter of the first function of `steps` (in file `.0`) that every
    /// blocking call it reaches this way needs (`if (!usernameOnly) compareSync(…)`): a call
    /// passing a literal that contradicts it does not block ([`BlockPath::ruled_out_by`]).
    pub guard: Option<(usize, crate::model::ParamGuard)>,
}

impl BlockPath {
    /// Whether `call` (which calls function `f` of `file`, the head of this path) cannot reach
    /// the blocking call: its arguments contradict the branch condition the call needs.
    pub fn ruled_out_by(&self, call: &CallSite, file: usize, f: FnId) -> bool {
        self.guard.is_some_and(|(gf, g)| gf == file && g.func == f && call.rules_out(&g))
    }
}

/// The project-level facts of one function.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FunctionSummary {
    pub is_async: bool,
    pub blocks: Option<Box<BlockPath>>,
    /// Everything calling it does (see [`Project::compute_effects`]).
    pub effects: Effects,
}

/// Who reaches a per-event function (see [`Project::access`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A request handler anyone can call.
    Open,
    /// A request handler behind an authorization middleware or guard.
    Guarded,
    /// A request handler only operators reach (`isAdmin`, `adminRouter.get(…)`): rare, and the
    /// few who wait chose to.
    Operator,
    /// Per event, not per request: a listener, a timer, a job.
    NotRequest,
}

/// How large a collection can get.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Size {
    /// Established to grow with the data or the request: why, as a message says it.
    Unbounded(String),
    /// Fixed by the code: how.
    Bounded(&'static str),
    Unknown,
}

/// What a call does, and how loopsafe knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallEffects {
    pub effects: Effects,
    pub known: Known,
}

/// How the effects of a call are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    /// From the body of the function it calls, here or in another file.
    Body,
    /// From the bodies of the project's methods of that name (the receiver's type is unknown).
    Methods,
    /// From its name (and SQL text): a store's or remote service's client, an object of unknown
    /// origin, or a module of the project that is not there to read.
    Name,
    /// Only its name, on a package that may do anything (an in-memory model layer): nothing
    /// establishes that it reaches a store.
    Package,
}

pub struct Project {
    pub files: Vec<ProjectFile>,
    by_path: FxHashMap<PathBuf, usize>,
    /// Per file, its relative specifiers resolved once.
    modules: Vec<Vec<(swc_atoms::Atom, Option<usize>)>>,
    /// Per file, per function.
    pub summaries: Vec<Vec<FunctionSummary>>,
    /// How each function (numbered across files) came to run per event, if it does.
    reach: Vec<Option<Reach>>,
    /// Per function: reached from a seed that is not an operators-only route.
    beyond_operators: Vec<bool>,
    /// Functions registered per event from another file (`router.get('/x', users.list)`): the
    /// registering file and why.
    remote_seeds: FxHashMap<u32, (usize, EntryReason)>,
    /// The project's methods (of classes and object literals) by name: what a call of
    /// `x.getFields()` on a value of unknown type may run.
    methods_by_name: FxHashMap<swc_atoms::Atom, Vec<Node>>,
    /// Per function (numbered across files), the calls that reach it: (file, call).
    callers: Vec<Vec<(u32, CallId)>>,
    numbering: Numbering,
}

/// One step of the evidence that a function runs per request or event, innermost first.
#[derive(Clone, Debug)]
pub enum EvidenceStep {
    /// Called by `caller` (a function of file `file`) at `call`.
    CalledBy { file: usize, caller: FnId, call: CallId },
    /// A callback created in `parent` (file `file`), or named there (`handed`: a function defined
    /// elsewhere), handed to `call`.
    Inside { file: usize, parent: FnId, call: CallId, handed: bool },
    /// The seed: in file `file`, function `f` has `reason`, found in file `registered_in` (where
    /// the registering call of a route or callback is).
    Seed { file: usize, f: FnId, reason: EntryReason, registered_in: usize },
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

/// The last two components of a path, enough to find a file in a message.
pub fn short_path(path: &str) -> String {
    let parts: Vec<&str> = path.rsplit(['/', '\\']).take(2).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
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
        let numbering = Numbering::new(&files);
        let mut p = Project {
            files,
            by_path,
            modules,
            summaries: Vec::new(),
            reach: Vec::new(),
            beyond_operators: Vec::new(),
            remote_seeds: FxHashMap::default(),
            methods_by_name: FxHashMap::default(),
            callers: Vec::new(),
            numbering,
        };
        for (fi, f) in p.files.iter().enumerate() {
            // a test's mocks (`get() { return fixture }`) are no candidate for production calls
            if crate::knowledge::is_test_file(&f.model.path) {
                continue;
            }
            for func in f.model.functions.iter().filter(|g| g.kind == crate::model::FnKind::Method) {
                if let Some(name) = &func.name {
                    p.methods_by_name.entry(name.clone()).or_default().push((fi, func.id.0));
                }
            }
        }
        let callees = p.resolve_callees();
        let mut callers = vec![Vec::new(); p.numbering.len()];
        for (fi, list) in callees.iter().enumerate() {
            for (c, g) in list.iter().enumerate() {
                if let Some(g) = g {
                    callers[p.numbering.id(*g) as usize].push((fi as u32, CallId(c as u32)));
                }
            }
        }
        p.callers = callers;
        p.compute_contexts(&callees);
        p.compute_summaries(&callees);
        p
    }

    /// Contexts across files: the seeds of every file, spread along calls (here or into another
    /// file) and callbacks to a fixed point; written back into each file's functions.
    fn compute_contexts(&mut self, callees: &[Vec<Option<Node>>]) {
        let num = &self.numbering;
        let mut seeds: Vec<u32> = (0..self.files.len())
            .flat_map(|fi| {
                let m = &self.files[fi].model;
                m.functions.iter().filter(|f| f.seed.is_some()).map(move |f| num.id((fi, f.id.0)))
            })
            .collect();
        // handlers registered by a file that names them from another (`router.get('/x', users.list)`)
        let mut remote_seeds = FxHashMap::default();
        for fi in 0..self.files.len() {
            let m = &self.files[fi].model;
            if crate::knowledge::is_startup_file(&m.path) {
                continue;
            }
            for call in m.calls.iter().filter(|c| !c.remote_callbacks.is_empty() && c.kind == CallbackKind::Repeated) {
                for (_, q) in &call.remote_callbacks {
                    let Some(g) = self.resolve_qual(fi, q, 0) else { continue };
                    let node = num.id((g.0, g.1 .0));
                    remote_seeds.entry(node).or_insert_with(|| (fi, ctx::registration_of(m, call.id, Some(q))));
                    seeds.push(node);
                }
            }
        }
        // GraphQL resolver maps another file defines (`new ApolloServer({ typeDefs, resolvers })`
        // with `resolvers` imported): each function resolves a field per request
        for fi in 0..self.files.len() {
            let m = &self.files[fi].model;
            for (call, q) in &m.remote_resolver_maps {
                let found = match self.resolve_object(fi, q, 0) {
                    Some((tf, shape)) => {
                        self.model(tf).resolver_functions(shape).into_iter().map(|r| (tf, r)).collect()
                    }
                    // `module.exports = { Query: {…} }`: the module's exports are the map
                    None if q.path.is_empty() => match self.resolve_module(fi, &q.module) {
                        Some(tf) => {
                            let tm = self.model(tf);
                            let mut out = Vec::new();
                            for e in &tm.exports {
                                match &e.target {
                                    ExportTarget::Object(o) => out.extend(
                                        tm.resolver_functions_under(*o, vec![e.name.clone()])
                                            .into_iter()
                                            .map(|r| (tf, r)),
                                    ),
                                    ExportTarget::Function(f) if !e.name.is_empty() => {
                                        out.push((tf, (*f, e.name.to_string())))
                                    }
                                    _ => {}
                                }
                            }
                            out
                        }
                        None => Vec::new(),
                    },
                    None => Vec::new(),
                };
                for (tf, (f, name)) in found {
                    let node = num.id((tf, f.0));
                    let what = swc_atoms::Atom::from("resolver");
                    let reason = EntryReason::Declared { name: name.into(), what, call: Some(*call) };
                    remote_seeds.entry(node).or_insert((fi, reason));
                    seeds.push(node);
                }
            }
        }
        let reach = ctx::spread(num.len(), seeds.into_iter(), |n| self.context_edges(callees, n));
        // entry points across files: a function handed by name from another file's per-event
        // code is one, like a callback created there
        let entry = ctx::entries(&reach);
        for fi in 0..self.files.len() {
            let range = num.base[fi] as usize..num.base[fi + 1] as usize;
            if crate::knowledge::is_startup_file(&self.files[fi].model.path) {
                continue;
            }
            let base = num.base[fi];
            let files = &self.files;
            let reasons = ctx::entry_reasons(
                &reach[range.clone()],
                &entry[range.clone()],
                |i| {
                    let own = files[fi].model.function(FnId(i as u32)).seed.clone();
                    own.or_else(|| remote_seeds.get(&(base + i as u32)).map(|(_, r)| r.clone()))
                },
                |from| &files[num.node(from).0].model,
            );
            let reached: Vec<bool> = reach[range].iter().map(Option::is_some).collect();
            let m = &mut self.files[fi].model;
            let startup = ctx::startup(m, &reached);
            ctx::apply(m, &reached, &startup, reasons);
        }
        self.reach = reach;
        self.remote_seeds = remote_seeds;
        // what the seeds that are not operators-only routes reach (`operators_only`)
        let open_seeds: Vec<u32> = (0..self.reach.len() as u32)
            .filter(|&n| matches!(self.reach[n as usize], Some(Reach::Seed)))
            .filter(|&n| {
                let (fi, f) = num.node(n);
                self.access(fi, FnId(f)) != Access::Operator
            })
            .collect();
        let open = ctx::spread(self.numbering.len(), open_seeds.into_iter(), |n| self.context_edges(callees, n));
        self.beyond_operators = open.iter().map(Option::is_some).collect();
    }

    /// The "runs because of" edges of a numbered function: its calls of project functions (here
    /// or in another file, not those that run on the first call only) and its callbacks.
    fn context_edges(&self, callees: &[Vec<Option<Node>>], node: u32) -> Vec<Edge> {
        let num = &self.numbering;
        let (fi, f) = num.node(node);
        let m = &self.files[fi].model;
        let mut out = Vec::new();
        for &c in &m.function(FnId(f)).calls {
            let call = m.call(c);
            if let Some(g) = callees[fi][c.0 as usize] {
                if !call.once {
                    out.push(Edge { to: num.id(g), call: c.0, kind: 0 });
                }
            }
            // functions of other files handed to a callee that is no registration
            // (`TableGeneration.init({ generate: sdk.helpers.generateRows })`): they run because
            // of this code, whatever the callee does with them
            if call.kind != CallbackKind::Repeated {
                for (_, q) in &call.remote_callbacks {
                    if let Some(g) = self.resolve_qual(fi, q, 0) {
                        out.push(Edge { to: num.id((g.0, g.1 .0)), call: c.0, kind: 1 });
                    }
                }
            }
        }
        out.extend(ctx::local_edges(m, FnId(f)).into_iter().filter(|e| e.kind != 0).map(|mut e| {
            e.to = num.id((fi, e.to));
            e
        }));
        out
    }

    /// Whether `f` of `file` runs per request only for routes that operators alone reach
    /// (`router.post('/x', isAdmin, …)`, `adminRouter`): every per-event way to it starts there.
    pub fn operators_only(&self, file: usize, f: FnId) -> bool {
        let n = self.numbering.id((file, f.0)) as usize;
        self.reach.get(n).is_some_and(Option::is_some) && !self.beyond_operators.get(n).copied().unwrap_or(true)
    }

    /// The evidence that `f` of `file` runs per request or event, as a message would say it, seen
    /// from a finding in file `here`: "runs per request: called by `loadUser` (line 40), which is
    /// registered as `GET /users/:id` by `router.get` (routes/users.js:12)". `None` when nothing
    /// establishes it.
    pub fn evidence_note(&self, file: usize, f: FnId, here: usize) -> Option<String> {
        let steps = self.evidence(file, f);
        let Some(EvidenceStep::Seed { file: sf, f: sfn, reason, registered_in: rf }) = steps.last() else {
            return None;
        };
        let loc = |fi: usize, offset: u32| {
            let m = self.model(fi);
            let line = m.line_of(offset);
            if fi == here {
                format!("line {line}")
            } else {
                format!("{}:{line}", short_path(&m.path))
            }
        };
        let name = |fi: usize, g: FnId| {
            let m = self.model(fi);
            m.function(g).name.as_ref().map_or_else(|| m.describe(g), |n| format!("`{n}`"))
        };
        let per = match reason {
            EntryReason::Callback { call, .. } if !self.model(*rf).call(*call).registers_auth_callback() => "per event",
            _ => "per request",
        };
        let seed = {
            let m = self.model(*sf);
            let rm = self.model(*rf);
            match reason {
                EntryReason::Route { method, path, call } => {
                    let c = rm.call(*call);
                    format!(
                        "registered as `{method} {path}` by `{}` ({})",
                        ctx::callee_text(rm, *call),
                        loc(*rf, c.span.start)
                    )
                }
                EntryReason::Callback { callee, call } => {
                    format!("registered by `{callee}` ({})", loc(*rf, rm.call(*call).span.start))
                }
                EntryReason::Declared { name, what, call: Some(call) } => {
                    let c = rm.call(*call);
                    format!("`{name}` {what} handed to `{}` ({})", ctx::callee_text(rm, *call), loc(*rf, c.span.start))
                }
                EntryReason::Declared { name, what, call: None } => {
                    format!(
                        "the framework serves `{name}` with this {what}, by its file's place ({})",
                        short_path(&m.path)
                    )
                }
                EntryReason::HandlerParams => {
                    let p: Vec<&str> = m.function(*sfn).param_names.iter().take(2).map(|a| a.as_str()).collect();
                    format!("it takes a request handler's parameters (`{}`)", p.join(", "))
                }
                EntryReason::ControllerMethod { decorator } => {
                    let f = m.function(*sfn);
                    if crate::knowledge::ENTRY_CLASS_DECORATORS.contains(&decorator.as_str()) {
                        format!("a method of a `@{decorator}` class ({})", loc(*sf, f.span.start))
                    } else {
                        format!("decorated with `@{decorator}` ({})", loc(*sf, f.span.start))
                    }
                }
            }
        };
        let hops: Vec<String> = steps[..steps.len() - 1]
            .iter()
            .map(|s| match *s {
                EvidenceStep::CalledBy { file: cf, caller, call } => {
                    format!("called by {} ({})", name(cf, caller), loc(cf, self.model(cf).call(call).span.start))
                }
                EvidenceStep::Inside { file: cf, parent, handed: false, .. } => {
                    format!("created in {}", name(cf, parent))
                }
                EvidenceStep::Inside { file: cf, parent, call, handed: true } => format!(
                    "handed to `{}` by {} ({})",
                    ctx::callee_text(self.model(cf), call),
                    name(cf, parent),
                    loc(cf, self.model(cf).call(call).span.start)
                ),
                EvidenceStep::Seed { .. } => String::new(),
            })
            .collect();
        let text = match hops.len() {
            0 => seed,
            1..=3 => format!("{}, which is {seed}", hops.join(", ")),
            n => format!("{}, … ({} more), which is {seed}", hops[..2].join(", "), n - 2),
        };
        Some(format!("runs {per}: {text}"))
    }

    /// Who can reach function `f` of `file` per request: every visitor (a route with no
    /// authorization middleware), a guarded few (`router.get('/x', isAdmin, …)`, `@UseGuards`), or
    /// it runs per event but serves no request (a listener, a timer, a job).
    pub fn access(&self, file: usize, f: FnId) -> Access {
        let steps = self.evidence(file, f);
        let Some(EvidenceStep::Seed { file: sf, f: sfn, reason, registered_in }) = steps.last() else {
            return Access::NotRequest;
        };
        // the registration's verdict: `None` when the call registers no route
        let guarded = |fi: usize, c: CallId| {
            let m = self.model(fi);
            let call = m.call(c);
            let route =
                call.method.as_deref().is_some_and(|n| crate::knowledge::ROUTE_METHODS.contains(&n) || n == "route");
            let reg = if route { Some(call) } else { call.arg_of.map(|r| m.call(r)) };
            reg.map(|r| match (r.operator, r.guarded) {
                (true, _) => Access::Operator,
                (_, true) => Access::Guarded,
                _ => Access::Open,
            })
        };
        let verdict = |g: Option<Access>| g.unwrap_or(Access::Open);
        match reason {
            EntryReason::Route { call, .. } => verdict(guarded(*registered_in, *call)),
            // a framework serves it to every visitor unless the framework's own guards say
            // otherwise, which loopsafe does not read
            EntryReason::Declared { .. } => Access::Open,
            EntryReason::ControllerMethod { decorator } => {
                let func = self.model(*sf).function(*sfn);
                if func.guarded {
                    Access::Guarded
                } else if crate::knowledge::ENTRY_METHOD_DECORATORS.contains(&decorator.as_str())
                    || crate::knowledge::ENTRY_CLASS_DECORATORS.contains(&decorator.as_str())
                {
                    Access::Open
                } else {
                    Access::NotRequest
                }
            }
            EntryReason::HandlerParams => {
                let m = self.model(*sf);
                let regs: Vec<Access> = m
                    .function(*sfn)
                    .uses
                    .iter()
                    .filter_map(|u| match u {
                        FnUse::Callback { call, .. } => guarded(*sf, *call),
                        _ => None,
                    })
                    .collect();
                // the most open of its registrations
                if regs.is_empty() || regs.contains(&Access::Open) {
                    Access::Open
                } else if regs.contains(&Access::Guarded) {
                    Access::Guarded
                } else {
                    Access::Operator
                }
            }
            EntryReason::Callback { call, .. } => {
                let m = self.model(*registered_in);
                let c = m.call(*call);
                let route = c.method.as_deref().is_some_and(|n| crate::knowledge::ROUTE_METHODS.contains(&n));
                // a hook with a request handler's parameters runs per request
                // (`app.addHook('onRequest', async (request, reply) => …)`)
                let handler = ctx::has_handler_params(self.model(*sf).function(*sfn));
                if route || handler || c.registers_auth_callback() {
                    verdict(guarded(*registered_in, *call).or(Some(Access::Open)))
                } else {
                    Access::NotRequest
                }
            }
        }
    }

    /// Why function `f` of `file` runs per request or event: the chain from it back to the
    /// registration (or handler signature) that establishes it. Empty when it does not.
    pub fn evidence(&self, file: usize, f: FnId) -> Vec<EvidenceStep> {
        let num = &self.numbering;
        let mut out = Vec::new();
        let mut node = num.id((file, f.0));
        for _ in 0..32 {
            let (fi, g) = num.node(node);
            match self.reach.get(node as usize).copied().flatten() {
                None => return Vec::new(),
                Some(Reach::Seed) => {
                    if let Some(reason) = self.model(fi).function(FnId(g)).seed.clone() {
                        out.push(EvidenceStep::Seed { file: fi, f: FnId(g), reason, registered_in: fi });
                    } else if let Some((rf, reason)) = self.remote_seeds.get(&node) {
                        out.push(EvidenceStep::Seed {
                            file: fi,
                            f: FnId(g),
                            reason: reason.clone(),
                            registered_in: *rf,
                        });
                    }
                    return out;
                }
                Some(Reach::Called { from, call }) => {
                    let (cf, c) = num.node(from);
                    out.push(EvidenceStep::CalledBy { file: cf, caller: FnId(c), call });
                    node = from;
                }
                Some(Reach::Inside { from, call, .. }) => {
                    let (cf, c) = num.node(from);
                    // a function defined in its parent, or one named there (`sdk.helpers.f`)
                    let inner = self.model(fi).function(FnId(g)).span;
                    let outer = self.model(cf).function(FnId(c)).span;
                    let handed = cf != fi || inner.start < outer.start || inner.end > outer.end;
                    out.push(EvidenceStep::Inside { file: cf, parent: FnId(c), call, handed });
                    node = from;
                }
            }
        }
        out
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
            Target::Unknown => {
                // through an object literal's spreads: the first that has it
                let v = call.callee_ref.as_ref()?;
                let m = self.model(file);
                m.spread_candidates(v).iter().find_map(|c| self.resolve_value(file, c, 1))
            }
        }
    }

    /// The function value path `v` of `file` names, here or in another file.
    fn resolve_value(&self, file: usize, v: &ValueRef, depth: u32) -> Option<(usize, FnId)> {
        if depth > 16 {
            return None;
        }
        let m = self.model(file);
        match m.resolve(v) {
            Target::Local(f) => Some((file, f)),
            Target::Api(q) => self.resolve_qual(file, &q, depth),
            Target::Unknown => m.spread_candidates(v).iter().find_map(|c| self.resolve_value(file, c, depth + 1)),
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
        if depth > 16 || path.len() > 6 {
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
                    self.resolve_value(file, &v, depth)
                }
                ExportTarget::Object(o) => match model.resolve_member(*o, rest, 0) {
                    Target::Local(f) => Some((file, f)),
                    Target::Api(q) => self.resolve_qual(file, &q, depth),
                    Target::Unknown => {
                        model.object_candidates(*o, rest).iter().find_map(|c| self.resolve_value(file, c, depth + 1))
                    }
                },
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

    /// The object literal an import names (`import resolvers from './resolvers'`): the file that
    /// defines it and its shape, through re-exports.
    fn resolve_object(&self, file: usize, q: &QualName, depth: u32) -> Option<(usize, u32)> {
        if depth > 8 {
            return None;
        }
        let tf = self.resolve_module(file, &q.module)?;
        let m = self.model(tf);
        let (name, rest) = match q.path.split_first() {
            Some((n, r)) => (n.clone(), r),
            None => (swc_atoms::Atom::default(), &[][..]),
        };
        let export = m.exports.iter().find(|e| e.name == name)?;
        let shape = match &export.target {
            ExportTarget::Object(o) => *o,
            ExportTarget::Value(v) => match m.object_of(v) {
                Some(o) => o,
                None => match m.resolve(v) {
                    Target::Api(inner) if crate::knowledge::is_relative(&inner.module) => {
                        return self.resolve_object(tf, &inner, depth + 1);
                    }
                    _ => return None,
                },
            },
            ExportTarget::ReExport { module, name } => {
                let mut path = vec![name.clone()];
                path.extend(rest.iter().cloned());
                let inner = QualName { module: module.clone(), path: path.into() };
                return self.resolve_object(tf, &inner, depth + 1);
            }
            _ => return None,
        };
        let mut shape = shape;
        for p in rest {
            match m.objects[shape as usize].props.iter().rev().find(|(k, _)| k == p) {
                Some((_, ExportTarget::Object(inner))) => shape = *inner,
                _ => return None,
            }
        }
        Some((tf, shape))
    }

    /// What a call in `file` does, and how that is known (see [`CallEffects`]).
    pub fn call_effects(&self, file: usize, call: &CallSite) -> CallEffects {
        let waits = waits_on(call);
        if let Some((f, g)) = self.callee(file, call) {
            return CallEffects { effects: self.summary(f, g).effects.through_call(waits), known: Known::Body };
        }
        let named = Effects::of(self.model(file).effect(call));
        match &call.target {
            // a store's or a remote service's client: its names are its API
            Target::Api(q) if q.module.as_str() == "global" => {
                let fetch = q.path.first().is_some_and(|p| p.as_str() == "fetch");
                CallEffects { effects: named, known: if fetch { Known::Name } else { Known::Package } }
            }
            Target::Api(q) if !crate::knowledge::is_relative(&q.module) => {
                let m = q.module.as_str();
                if crate::knowledge::ordering::LOCAL_MODULES.contains(&m) {
                    // files, compression, hashing, processes: local work on the thread pool
                    let effects = if named == Effects::NONE { Effects::NONE } else { Effects::LOCAL };
                    return CallEffects { effects, known: Known::Name };
                }
                let remote = crate::knowledge::stores::is_remote_module(m) || crate::knowledge::is_node_builtin(m);
                CallEffects { effects: named, known: if remote { Known::Name } else { Known::Package } }
            }
            // a module of the project the link could not follow
            Target::Api(_) | Target::Local(_) => CallEffects { effects: named, known: Known::Name },
            Target::Unknown => {
                let m = self.model(file);
                // a `Map`, `Set`, array or object literal of this file: built-in code, no I/O
                if m.in_memory_receiver(call) {
                    return CallEffects { effects: Effects::NONE, known: Known::Body };
                }
                // a method of what an unknown package returned (`tag.getTables()` after
                // `const tag = await Tag.findOne()` of a package): that package's code
                if m.receiver_source(call).is_some_and(|c| is_unknown_package(m.call(c))) {
                    return CallEffects { effects: named, known: Known::Package };
                }
                // a method of an instance of a package (`new Zip().addLocalFile(…)`)
                if let Some(p) = m.receiver_package(call) {
                    let remote =
                        crate::knowledge::stores::is_remote_module(&p) || crate::knowledge::is_node_builtin(&p);
                    let known = if remote { Known::Name } else { Known::Package };
                    return CallEffects { effects: named, known };
                }
                // a method of a value of unknown type: when the project defines methods of that
                // name, one of them runs (all must agree); otherwise only the name speaks
                let defined = call.method.as_ref().and_then(|n| self.methods_by_name.get(n));
                match defined {
                    Some(list) if !call.is_new => {
                        let mut effects = Effects::NONE;
                        let mut all_read_only = true;
                        for &(f, g) in list.iter().take(16) {
                            let e = self.summary(f, FnId(g)).effects.through_call(waits);
                            all_read_only &= e.reads_only();
                            effects |= e;
                        }
                        if !all_read_only && effects.reads_only() {
                            // some do no I/O: not known to be a round-trip
                            effects = Effects::NONE;
                        }
                        CallEffects { effects, known: Known::Methods }
                    }
                    _ => CallEffects { effects: named, known: Known::Name },
                }
            }
        }
    }

    /// How large a collection whose provenance in `file` is `prov` can get, with the evidence a
    /// message shows (`` `req.body.ids` (routes.js:8) ``): parameters through what every known
    /// caller passes (unbounded when one passes client input or unpaged rows), a project
    /// function's result through what it returns, across files.
    pub fn resolve_prov(&self, file: usize, prov: &Prov) -> Size {
        self.resolve_prov_at(file, prov, 0, file)
    }

    fn resolve_prov_at(&self, file: usize, prov: &Prov, depth: u32, here: usize) -> Size {
        if depth > 8 {
            return Size::Unknown;
        }
        let m = self.model(file);
        let at = |offset: u32| {
            if file == here {
                format!("line {}", m.line_of(offset))
            } else {
                format!("{}:{}", short_path(&m.path), m.line_of(offset))
            }
        };
        match prov {
            Prov::Unknown => Size::Unknown,
            Prov::Bounded(why) => Size::Bounded(why),
            Prov::Request { text, span } => {
                Size::Unbounded(format!("`{text}` is the client's input ({})", at(span.start)))
            }
            Prov::Rows { call, text } => Size::Unbounded(format!(
                "`{text}` returns every matching row, with no limit ({})",
                at(m.call(*call).span.start)
            )),
            Prov::Listing { call, text } => {
                Size::Unbounded(format!("`{text}` lists a directory's files ({})", at(m.call(*call).span.start)))
            }
            Prov::Stream { text } => Size::Unbounded(format!("`{text}` emits as many items as its input holds")),
            Prov::Returned { call, rows } => {
                let Some((cf, g)) = self.callee(file, m.call(*call)) else {
                    // a function the link cannot find, named for returning rows
                    return if *rows {
                        let text = m.call(*call).method.as_deref().unwrap_or("the query").to_string();
                        Size::Unbounded(format!(
                            "`{text}` returns every matching row, with no limit ({})",
                            at(m.call(*call).span.start)
                        ))
                    } else {
                        Size::Unknown
                    };
                };
                let Some(ret) = self.model(cf).returns.get(g.0 as usize) else { return Size::Unknown };
                let size = match ret {
                    // `return ids` of a parameter: what this call passes
                    Prov::Param { func, index } if *func == g => match m.arg_prov(*call, *index) {
                        Some(arg) => self.resolve_prov_at(file, arg, depth + 1, here),
                        None => Size::Unknown,
                    },
                    other => self.resolve_prov_at(cf, other, depth + 1, here),
                };
                match size {
                    Size::Unbounded(why) => {
                        let name =
                            self.model(cf).function(g).name.as_ref().map_or("it".to_string(), |n| format!("`{n}`"));
                        Size::Unbounded(format!("{name} returns it: {why}"))
                    }
                    other => other,
                }
            }
            Prov::Param { func, index } => {
                let node = self.numbering.id((file, func.0));
                let callers = &self.callers[node as usize];
                if callers.is_empty() {
                    return Size::Unknown;
                }
                let mut all_bounded = true;
                for &(cf, c) in callers {
                    let cm = self.model(cf as usize);
                    match cm.arg_prov(c, *index).map(|p| self.resolve_prov_at(cf as usize, p, depth + 1, here)) {
                        Some(Size::Unbounded(why)) => {
                            let line = cm.line_of(cm.call(c).span.start);
                            let place = if cf as usize == here {
                                format!("line {line}")
                            } else {
                                format!("{}:{line}", short_path(&cm.path))
                            };
                            return Size::Unbounded(format!("{why}, passed at {place}"));
                        }
                        Some(Size::Bounded(_)) => {}
                        _ => all_bounded = false,
                    }
                }
                // every caller passes a fixed list, but others may exist (exports): not established
                let _ = all_bounded;
                Size::Unknown
            }
        }
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
        self.summary(file, f).blocks.as_deref()
    }

    /// Every call's callee, here or in another file, resolved once (in parallel).
    fn resolve_callees(&self) -> Vec<Vec<Option<Node>>> {
        (0..self.files.len())
            .into_par_iter()
            .map(|fi| self.model(fi).calls.iter().map(|c| self.callee(fi, c).map(|(f, g)| (f, g.0))).collect())
            .collect()
    }

    fn compute_summaries(&mut self, callees: &[Vec<Option<Node>>]) {
        let blocks = self.compute_blocks(callees);
        let effects = self.compute_effects(callees);
        self.summaries = self
            .files
            .iter()
            .zip(blocks.into_iter().zip(effects))
            .map(|(f, (blocks, effects))| {
                f.model
                    .functions
                    .iter()
                    .zip(blocks.into_iter().zip(effects))
                    .map(|(func, (blocks, effects))| FunctionSummary {
                        is_async: func.is_async,
                        blocks: blocks.map(Box::new),
                        effects,
                    })
                    .collect()
            })
            .collect();
    }

    /// What calling each function does ([`Effects`]), one computation for every rule: the named
    /// effect of each call in its body and in the closures defined in it that [touches the
    /// outside](touches_outside), state it writes (module variables, `this` fields), calls nobody
    /// can name ([`Effects::OPAQUE`]), and — to a least fixed point over the project's call graph
    /// — everything the functions it calls do, in this file or another.
    fn compute_effects(&self, callees: &[Vec<Option<Node>>]) -> Vec<Vec<Effects>> {
        let num = &self.numbering;
        // per file, in parallel: each function's own effects (closures folded into the functions
        // that define them), and the edges "callee → caller" (a call in a closure is also a call
        // of every function around it)
        type PerFile = (Vec<Effects>, Vec<(u32, (u32, u8))>);
        // `LOOPSAFE_DEBUG_OPAQUE=1`: the call that made each function opaque, and the callee that
        // passed it on (read once: the loop below visits every call of the project)
        let trace = std::env::var_os("LOOPSAFE_DEBUG_OPAQUE").is_some();
        let per_file: Vec<PerFile> = (0..self.files.len())
            .into_par_iter()
            .map(|fi| {
                let m = self.model(fi);
                let mut own = vec![Effects::NONE; m.functions.len()];
                let mut edges = Vec::new();
                for func in &m.functions {
                    let i = func.id.0 as usize;
                    // a synchronous function called by name hands back what it returns; a
                    // callback's return goes to code nobody can see (`Promise.all(xs.map(…))`)
                    let hands_back = !func.is_async
                        && !func.is_generator
                        && func.uses.iter().all(|u| match u {
                            // a predicate's result is tested at once (`views.filter(isV2)`)
                            crate::model::FnUse::Callback { call, .. } => m
                                .call(*call)
                                .method
                                .as_deref()
                                .is_some_and(|n| crate::knowledge::PREDICATE_METHODS.contains(&n)),
                            _ => true,
                        });
                    let unknown = |call: &CallSite| {
                        if hands_back && call.returned && !call.awaited {
                            Effects::HANDS_BACK
                        } else {
                            Effects::OPAQUE
                        }
                    };
                    if func.writes_this || func.writes_outer.iter().any(|&b| m.binding(b).scope == FnId::MODULE) {
                        own[i] |= Effects::STATE;
                    }
                    for &c in &func.calls {
                        let call = m.call(c);
                        let before = own[i];
                        if m.limited.binary_search_by_key(&c.0, |x| x.0).is_ok() {
                            own[i] |= Effects::LIMITED;
                        }
                        let named = m.effect(call);
                        let resolved = callees[fi][c.0 as usize];
                        if touches_outside(m, call) {
                            // a package that is neither a store's client nor an in-memory helper
                            // may do anything: its names prove nothing; files and processes are
                            // local work, not a store
                            // a store handle a package hands out (`const db = context.getWorkspaceDB()`):
                            // its methods' names are a store's API
                            let store_handle = m.receiver_source(call).is_some_and(|r| {
                                let r = m.call(r);
                                is_unknown_package(r) && r.method.as_deref().is_some_and(crate::knowledge::names_store_handle)
                            });
                            // the accessor itself hands out the handle, without waiting on anything
                            let handle_accessor = !call.awaited
                                && is_unknown_package(call)
                                && call.method.as_deref().is_some_and(crate::knowledge::names_store_handle);
                            own[i] |= if resolved.is_some()
                                || is_tracing_wrapper(call)
                                || handle_accessor
                                || is_context_wrapper(call)
                                || (call.is_new && !call.awaited)
                                // used synchronously: no round-trip the caller waits on (a
                                // call handed a callback answers through it: Node's style)
                                || (!call.awaited
                                    && !call.returned
                                    && call.callbacks.is_empty()
                                    && call.api().is_some()
                                    && call.arg_of.is_none_or(|o| {
                                        !m.call(o).api().is_some_and(|q| {
                                            q.module.as_str() == "global" && q.path.first().is_some_and(|p| p.as_str() == "Promise")
                                        })
                                    }))
                            {
                                // what its body does comes along the call graph; a tracing
                                // wrapper's callback is part of this body
                                Effects::NONE
                            } else if !store_handle
                                && (is_unknown_package(call)
                                    || m.receiver_source(call).is_some_and(|r| is_unknown_package(m.call(r)))
                                    || m.receiver_package(call).is_some_and(|p| is_unknown_module(&p)))
                            {
                                // its names prove no I/O, but a lock or a pause they name keeps
                                // the rules that would otherwise report silent
                                const PROTECTIVE: Effects = Effects(
                                    Effects::LOCK.0 | Effects::UNLOCK.0 | Effects::TRANSACTION.0 | Effects::SLEEP.0,
                                );
                                unknown(call) | Effects(Effects::of(named).0 & PROTECTIVE.0)
                            } else if call
                                .api()
                                .is_some_and(|q| crate::knowledge::ordering::LOCAL_MODULES.contains(&q.module.as_str()))
                            {
                                Effects::LOCAL
                            } else {
                                Effects::of(named)
                            };
                        }
                        if resolved.is_none()
                            && matches!(named, Effect::Lock | Effect::Unlock)
                            && !m.in_memory_receiver(call)
                        {
                            // a lock taken or given back without waiting (`mutex.release()` in a
                            // `finally`) frames what is around it all the same
                            own[i] |= Effects::of(named);
                        }
                        if resolved.is_none()
                            && named == Effect::Unknown
                            && is_opaque(call)
                            && !m.calls_parameter(call)
                            && !is_tracing_wrapper(call)
                            && !is_context_wrapper(call)
                            && !(matches!(call.target, Target::Unknown)
                                && call.method.as_deref().is_some_and(|n| crate::knowledge::BUILTIN_METHODS.contains(&n)))
                        {
                            own[i] |= unknown(call);
                        }
                        if trace && own[i].contains(Effects::OPAQUE) && !before.contains(Effects::OPAQUE) {
                            eprintln!(
                                "OPAQUE {}:{} awaited={} returned={} callbacks={} arg_of={} {:?} {:?} in line {} {}",
                                m.path,
                                m.line_of(call.span.start),
                                call.awaited,
                                call.returned,
                                call.callbacks.len(),
                                call.arg_of.is_some(),
                                call.method,
                                call.target,
                                m.line_of(func.span.start),
                                m.describe(func.id)
                            );
                        }
                        let Some(g) = resolved else { continue };
                        // the call is in this body, and in the body of every function enclosing it
                        // (how the result is used: at once, handed back by this synchronous
                        // function, or waited on; the functions around a closure take what it
                        // returns as waited on)
                        let waits = waits_on(call);
                        let kind = if !waits {
                            USE_AT_ONCE
                        } else if hands_back && call.returned && !call.awaited {
                            USE_HANDED_BACK
                        } else {
                            USE_WAITED
                        };
                        let mut cur = Some(func.id);
                        let mut depth = 0;
                        while let Some(a) = cur.filter(|&a| a != FnId::MODULE && depth < 16) {
                            let kind = if depth == 0 || kind == USE_AT_ONCE { kind } else { USE_WAITED };
                            edges.push((num.id(g), (num.id((fi, a.0)), kind)));
                            cur = m.function(a).parent;
                            depth += 1;
                        }
                    }
                }
                for func in m.functions.iter().rev() {
                    if let Some(p) = func.parent.filter(|&p| p != FnId::MODULE && p.0 < func.id.0) {
                        let child = own[func.id.0 as usize].through_call(true);
                        own[p.0 as usize] |= child;
                    }
                }
                (own, edges)
            })
            .collect();
        let n = num.len();
        let mut eff: Vec<Effects> = per_file.iter().flat_map(|(own, _)| own.iter().copied()).collect();
        let callers = Adjacency::new(n, per_file.iter().map(|(_, e)| e.as_slice()));
        let mut queue: Vec<u32> = (0..n as u32).filter(|&i| !eff[i as usize].is_empty()).collect();
        let describe = |id: u32| {
            let (fi, f) = num.node(id);
            let m = self.model(fi);
            let func = m.function(FnId(f));
            format!("{}:{} {}", m.path, m.line_of(func.span.start), m.describe(func.id))
        };
        while let Some(g) = queue.pop() {
            let here = eff[g as usize];
            for &(f, kind) in callers.from(g) {
                let e = match kind {
                    USE_AT_ONCE => here.through_call(false),
                    USE_HANDED_BACK => here,
                    _ => here.through_call(true),
                };
                if !eff[f as usize].contains(e) {
                    if trace && e.contains(Effects::OPAQUE) && !eff[f as usize].contains(Effects::OPAQUE) {
                        // the first callee that made `f` opaque: follow these lines back to an `OPAQUE` call
                        eprintln!("OPAQUE-FROM {} <- {}", describe(f), describe(g));
                    }
                    eff[f as usize] |= e;
                    queue.push(f);
                }
            }
        }
        (0..self.files.len()).map(|fi| eff[num.base[fi] as usize..num.base[fi + 1] as usize].to_vec()).collect()
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
                        others: vec![],
                        guard: None,
                    });
                    let path = busy.or_else(|| {
                        // the costliest call names the path (a read before an `existsSync`);
                        // the others are pointed at
                        let sites: Vec<(ByteSpan, String, String, Option<crate::model::ParamGuard>)> = func
                            .calls
                            .iter()
                            .filter_map(|&c| {
                                let call = m.call(c);
                                blocking_api(call).map(|(api, alt)| (call.callee_span, api, alt, call.param_guard))
                            })
                            .collect();
                        let pick = sites.iter().position(|s| !crate::knowledge::is_light_sync(&s.1)).unwrap_or(0);
                        let (site, api, alternative, first) = sites.get(pick)?.clone();
                        let others = sites.iter().map(|s| s.0).filter(|&o| o != site).collect();
                        // a condition every blocking call here needs
                        let guard = first.filter(|g| sites.iter().all(|s| s.3 == Some(*g))).map(|g| (fi, g));
                        Some(BlockPath { steps: vec![], api, alternative, site_file: fi, site, others, guard })
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
        let mut direct: Vec<Vec<Option<BlockPath>>> = per_file.into_iter().map(|(d, _)| d).collect();
        let mut sums: Vec<Vec<Option<BlockPath>>> = direct.iter().map(|l| vec![None; l.len()]).collect();
        // worklists from the direct blockers, costly calls first, then metadata calls: each
        // function is settled once, by the shortest path to the costliest kind of call it reaches
        for light in [false, true] {
            let mut queue: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
            for (fi, list) in direct.iter_mut().enumerate() {
                for (f, d) in list.iter_mut().enumerate() {
                    let matches = d.as_ref().is_some_and(|p| crate::knowledge::is_light_sync(&p.api) == light);
                    if matches && sums[fi][f].is_none() {
                        sums[fi][f] = d.take();
                        queue.push_back(num.id((fi, f as u32)));
                    }
                }
            }
            self.settle_blocks(&num, &callers, &mut sums, queue);
        }
        sums
    }

    fn settle_blocks(
        &self,
        num: &Numbering,
        callers: &Adjacency<(u32, bool, u32)>,
        sums: &mut [Vec<Option<BlockPath>>],
        mut queue: std::collections::VecDeque<u32>,
    ) {
        while let Some(id) = queue.pop_front() {
            let (gf, g) = num.node(id);
            let path = sums[gf][g as usize].clone().expect("queued nodes block");
            for &(caller, inline, call) in callers.from(id) {
                let (cf, c) = num.node(caller);
                let model = self.model(cf);
                let site = model.call(crate::model::CallId(call));
                if !inline && path.ruled_out_by(site, gf, FnId(g)) {
                    // `authenticate(user, true)` skips the branch that blocks
                    continue;
                }
                // a condition on this callee's parameter is decided by what the caller passes;
                // the call itself may sit in a branch of the caller's parameter (`if (fromDisk)
                // return read(…)`): any one condition the blocking call needs will do
                let carried = if inline { path.guard } else { None };
                let guard = carried.or_else(|| site.param_guard.filter(|pg| pg.func.0 == c).map(|pg| (cf, pg)));
                if let Some(settled) = sums[cf][c as usize].as_mut() {
                    // reached another way: keep a condition only if every way needs it, and tell
                    // the callers again when it goes (an edge it ruled out may now block)
                    if settled.guard.is_some() && settled.guard != guard {
                        settled.guard = None;
                        queue.push_back(caller);
                    }
                    continue;
                }
                let mut p = path.clone();
                p.guard = guard;
                let call = site.callee_span;
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
    }
}

/// Whether a call's name may say what a body does to the outside world: it is awaited or
/// returned (a promise its caller awaits), or it calls into a module (a database client, another file's export) that is not a helper library
/// ([`crate::knowledge::IN_MEMORY_MODULES`]). A plain method call on a value
/// (`title.replace(…)`, `list.push(x)`, `cache.set(k, v)`), a global (`console.log`,
/// `Object.assign`) or `_.assign` is in-memory work whatever its name.
/// How a caller uses what a call of a project function gives (see [`Effects::HANDS_BACK`]).
const USE_AT_ONCE: u8 = 0;
const USE_HANDED_BACK: u8 = 1;
const USE_WAITED: u8 = 2;

/// Whether the caller may wait on what the call gives: only a result a condition or a
/// comparison uses at once (`if (isV2(v))`) is known to be no round-trip.
fn waits_on(call: &CallSite) -> bool {
    call.awaited || call.returned || !call.tested
}

fn touches_outside(m: &FileModel, call: &CallSite) -> bool {
    if m.in_memory_receiver(call) {
        return false;
    }
    call.awaited
        || call.returned
        || call
            .api()
            .is_some_and(|q| q.module.as_str() != "global" && !crate::knowledge::is_in_memory_module(&q.module))
}

/// A package's wrapper that runs its callback in a context (`context.doInWorkspaceContext(id,
/// async () => …)`): see [`crate::knowledge::CONTEXT_WRAPPER_WORDS`].
fn is_context_wrapper(call: &CallSite) -> bool {
    !call.callbacks.is_empty()
        && call.api().is_some()
        && call.method.as_deref().is_some_and(|n| {
            crate::knowledge::camel_words(n)
                .any(|w| crate::knowledge::CONTEXT_WRAPPER_WORDS.iter().any(|c| c.eq_ignore_ascii_case(w)))
        })
}

/// `tracer.trace(name, fn)` of a tracing package (see [`crate::knowledge::TRACING_WRAPPERS`]).
fn is_tracing_wrapper(call: &CallSite) -> bool {
    call.api().is_some_and(|q| q.last().is_some_and(|last| crate::knowledge::is_tracing_wrapper(&q.module, last)))
}

/// A call of a package that is neither a store's or remote service's client, nor an in-memory
/// helper, nor a Node module: what it does is not known from its name.
fn is_unknown_package(call: &CallSite) -> bool {
    call.api().is_some_and(|q| is_unknown_module(&q.module))
}

fn is_unknown_module(m: &str) -> bool {
    m != "global"
        && !crate::knowledge::is_relative(m)
        && !crate::knowledge::is_in_memory_module(m)
        && !crate::knowledge::is_node_builtin(m)
        && !crate::knowledge::stores::is_remote_module(m)
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

/// The project's functions numbered 0.. across files (file by file, in table order).
#[derive(Default)]
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
