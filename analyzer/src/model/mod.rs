//! The per-file model: built once from the resolved syntax tree, read by every rule.
//!
//! It answers the semantic questions rules ask:
//! - which binding an identifier refers to, where it was declared (module, function, parameter),
//!   and what it holds when it is an import, a `require`, a destructured member or an alias
//!   ([`FileModel::resolve_expr`] gives `fs.readFileSync` for any spelling of it);
//! - the function table: async-ness, await points, how each function is used, and its execution
//!   context (start-up, event loop, or unknown) — see [`context`] for the rules;
//! - the local call graph: every call site with its resolved target and the functions handed to it.

pub mod awaits;
mod build;
pub mod context;
pub mod fanout;
pub mod once;
pub mod provenance;
pub mod races;
pub mod refs;

use crate::diagnostic::ByteSpan;
use crate::knowledge::CallbackKind;
use crate::parse::Comment;
use rustc_hash::FxHashMap;
use std::fmt;
use swc_atoms::Atom;
use swc_common::{Span, SyntaxContext};
use swc_ecma_ast::{Expr, Id};
use thin_vec::ThinVec;

pub use build::{build, module_only, unwrap_expr};

/// Index into [`FileModel::functions`]. `FnId(0)` is the module's top level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct FnId(pub u32);

impl FnId {
    pub const MODULE: FnId = FnId(0);
}

/// Index into [`FileModel::bindings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BindingId(pub u32);

/// Index into [`FileModel::calls`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FnKind {
    Module,
    Declaration,
    Expression,
    Arrow,
    Method,
    Constructor,
}

/// Where a function runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Module top level, or reached only synchronously from it: may block.
    StartUp,
    /// Runs while the server serves: must not block.
    EventLoop,
    /// No caller is known (exported helpers, unused functions): judged where a caller reaches it.
    Unknown,
}

/// Why a function runs once per request or event on its own: the evidence that starts every
/// per-event chain. `async` alone is no such evidence (boot functions are async too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryReason {
    /// Passed to a callee that calls it on every event: a listener, a timer, a server factory,
    /// a middleware; `call` is the registration.
    Callback { callee: Atom, call: CallId },
    /// A route handler registered with a method and path (`GET /mail`) by `call`.
    Route { method: Atom, path: Atom, call: CallId },
    /// Its parameters are a request handler's (`req, res`).
    HandlerParams,
    /// A method with a route/event decorator, or of a class with a controller decorator.
    ControllerMethod { decorator: Atom },
    /// Declared by a framework's convention or configuration: `name` is what it serves
    /// (`GET /api/users` for a Next.js route module's `GET` export, `Query.report` for a function
    /// of a GraphQL resolver map), `what` what it is (`handler`, `resolver`), `call` the call it
    /// was handed to, if any (`new ApolloServer({ typeDefs, resolvers })`).
    Declared { name: Atom, what: Atom, call: Option<CallId> },
}

/// How a function is used, one entry per reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FnUse {
    /// Called directly at this call site.
    Called(CallId),
    /// Handed as argument `arg` to the call `call`.
    Callback { call: CallId, arg: u32, kind: CallbackKind },
    /// Stored, returned, exported or otherwise out of sight.
    Escapes,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub id: FnId,
    pub span: ByteSpan,
    /// The function's own name, or the name of the binding or property it is assigned to.
    pub name: Option<Atom>,
    pub kind: FnKind,
    pub is_async: bool,
    pub is_generator: bool,
    pub parent: Option<FnId>,
    pub params: ThinVec<BindingId>,
    pub param_names: ThinVec<Atom>,
    pub awaits: ThinVec<ByteSpan>,
    pub uses: ThinVec<FnUse>,
    /// Call sites directly in this function's body (not in nested functions).
    pub calls: ThinVec<CallId>,
    /// Busy-wait loops directly in this body.
    pub busy_waits: ThinVec<ByteSpan>,
    /// Variables declared outside this function that it, or a function defined in it, assigns
    /// or changes (`settings = rows[0]`, `cache.rates = r`, `seen.add(id)`), sorted.
    pub writes_outer: ThinVec<BindingId>,
    /// It (not a nested function with its own `this`) assigns or changes a field of `this`.
    pub writes_this: bool,
    /// Parameters that hold the request's input by a framework's decorator (`@Body() dto`).
    pub input_params: ThinVec<u32>,
    /// A guard decorator (`@UseGuards(…)`) is on it or its class.
    pub guarded: bool,
    /// A private class method (`private`, `#name`): only its class calls it.
    pub private: bool,
    /// The route/event decorator (or the controller class's decorator) that makes this an entry
    /// point.
    pub(crate) decorated_entry: Option<Atom>,
    /// Evidence in this file that it runs per request or event (see [`context`]).
    pub seed: Option<EntryReason>,
    /// Where it runs: from this file alone after the model is built, then project-wide after
    /// the project pass (see [`crate::project`]).
    pub context: Context,
    /// Event-loop entry point: it has a [`Self::seed`], or it is a callback created in per-event
    /// code (not a helper that per-event code calls). Blocking calls are reported in entry
    /// points; helpers they call are reported at the call.
    pub entry: Option<EntryReason>,
}

impl Function {
    pub fn is_entry(&self) -> bool {
        self.entry.is_some()
    }
}

/// What a binding was declared as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingKind {
    Var,
    Let,
    Const,
    Param,
    Function,
    Class,
    Import,
    CatchParam,
    /// Referenced but its declaration was not seen (e.g. a TS `declare`).
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub name: Atom,
    pub kind: BindingKind,
    /// The function whose scope declares it (`FnId::MODULE` for module-level).
    pub scope: FnId,
    pub span: ByteSpan,
    pub origin: Origin,
    /// Assigned again after its declaration.
    pub reassigned: bool,
}

/// What a binding holds when the model can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Unknown,
    /// A path from a module, a global or another binding: `require('fs')`, `fs.promises`,
    /// `{ readFileSync } = require('fs')`, `import { x } from './y'`.
    Value(ValueRef),
    /// A function defined here.
    Function(FnId),
    /// A class defined here: index into [`FileModel::classes`].
    Class(u32),
    /// A fresh array or object literal (`const seen = []`, `let cache = {}`).
    Literal,
    /// An object literal whose members name functions or modules (`const sdk = { backups,
    /// tables }`): index into [`FileModel::objects`]. In memory like a literal.
    Object(u32),
    /// What a call returned (`const tag = await Tag.findOne(…)`), or an element of it
    /// (`for (const view of await View.find())`).
    CallResult(CallId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Root {
    Binding(BindingId),
    /// A module object (`require(spec)`, `import * as x`, a default import of a package).
    Module(Atom),
    Global(Atom),
    /// `this.x` inside a class with a method `x`.
    ThisMethod(FnId),
}

/// A member path from a root: `fs.promises.readFile` is `Binding(fs)` + `[promises, readFile]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRef {
    pub root: Root,
    pub props: ThinVec<Atom>,
}

/// A fully resolved name: a module (or `global`) and a member path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QualName {
    /// Normalized module specifier (`fs`, `fs/promises`, `./lib/template`), or `global`.
    pub module: Atom,
    pub path: ThinVec<Atom>,
}

impl QualName {
    pub fn is(&self, module: &str, path: &[&str]) -> bool {
        self.module.as_str() == module
            && self.path.len() == path.len()
            && self.path.iter().zip(path).all(|(a, b)| a.as_str() == *b)
    }

    /// The last path segment (the called function's name).
    pub fn last(&self) -> Option<&str> {
        self.path.last().map(|a| a.as_str())
    }

    /// The member path inside the module, dotted: `Strategy`, `promises.readFile`.
    pub fn member_path(&self) -> String {
        self.path.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(".")
    }
}

impl fmt::Display for QualName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.module.as_str() != "global" {
            let m = self.module.as_str();
            // `fs/promises` → `fs.promises` reads naturally in messages
            f.write_str(&m.replace('/', "."))?;
            if !self.path.is_empty() {
                f.write_str(".")?;
            }
        }
        for (i, p) in self.path.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(p)?;
        }
        Ok(())
    }
}

/// What a call resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A module member or global API.
    Api(QualName),
    /// A function defined in this file.
    Local(FnId),
    Unknown,
}

#[derive(Clone, Debug)]
pub struct CallSite {
    pub id: CallId,
    /// The whole call expression.
    pub span: ByteSpan,
    /// The callee expression.
    pub callee_span: ByteSpan,
    pub caller: FnId,
    pub target: Target,
    /// The called name as written: the last member (`get` in `app.get`) or the identifier.
    pub method: Option<Atom>,
    /// `new X(...)`.
    pub is_new: bool,
    pub awaited: bool,
    /// Its value is its function's result (`return f()`, `() => f()`).
    pub returned: bool,
    /// Its value is used at once, by a condition or a comparison (`if (isV2(v))`, `!f()`,
    /// `f() === 2`): nothing waits on it.
    pub tested: bool,
    /// See [`FileModel::effect`].
    effect: crate::knowledge::Effect,
    /// Functions defined inline or named, handed as arguments: (argument index, function).
    pub callbacks: ThinVec<(u32, FnId)>,
    /// Functions of other files handed to a callee that calls them per event (`router.get('/x',
    /// users.list)` with `users` required from `./users`): (argument index, what they name).
    pub remote_callbacks: ThinVec<(u32, QualName)>,
    /// How the callee treats the functions handed to it.
    pub kind: CallbackKind,
    /// The call whose argument this call is (`error_catcher(…)` in `router.get('/x',
    /// error_catcher(…))`).
    pub arg_of: Option<CallId>,
    /// A route registration with an authorization middleware among its arguments
    /// (`router.get('/x', isAdmin, handler)`).
    pub guarded: bool,
    /// The guard lets only operators through (`isAdmin`, `adminRouter.get(…)`).
    pub operator: bool,
    /// The first argument when it is a string literal (route paths, event names, SQL).
    pub first_string_arg: Option<Atom>,
    /// It fills shared state on the first call only (`if (!tpl) tpl = load()`, see [`once`]).
    pub once: bool,
    /// It runs only when a parameter of its function (or of one around it) is truthy or falsy:
    /// `if (!usernameOnly) bcrypt.compareSync(…)`.
    pub param_guard: Option<ParamGuard>,
    /// Arguments (of the first 8) that are literals known truthy or falsy (`true`, `0`, `null`,
    /// `'x'`), one bit each; `nargs` counts the arguments (255: a spread may add more).
    pub truthy_args: u8,
    pub falsy_args: u8,
    pub nargs: u8,
    pub(crate) callee_ref: Option<ValueRef>,
}

/// A condition on a parameter that a call needs to run: parameter `index` of `func` is truthy
/// (`truthy`) or falsy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParamGuard {
    pub func: FnId,
    pub index: u8,
    pub truthy: bool,
}

/// Everything the rules know about one file.
#[derive(Clone)]
pub struct FileModel {
    pub path: String,
    base: u32,
    pub functions: Vec<Function>,
    pub bindings: Vec<Binding>,
    pub calls: Vec<CallSite>,
    pub comments: Vec<Comment>,
    binding_ids: FxHashMap<Id, BindingId>,
    fn_by_span: FxHashMap<(u32, u32), FnId>,
    call_by_span: FxHashMap<(u32, u32), u32>,
    /// What the file exports (ESM and CommonJS), for the project pass.
    pub exports: Vec<Export>,
    /// Object literals bound to constants or exported (see [`Origin::Object`]).
    pub objects: Vec<ObjectShape>,
    /// Relative module specifiers the file imports or requires.
    pub relative_imports: Vec<Atom>,
    /// The classes defined here.
    pub classes: Vec<Class>,
    /// Byte offset where each line after the first starts.
    pub line_starts: Vec<u32>,
    /// Awaits that could run together (see [`awaits`]).
    pub awaits: awaits::AwaitFacts,
    /// Per function, where what it returns comes from (see [`provenance`]).
    pub returns: Vec<provenance::Prov>,
    /// What calls of project functions pass, sorted by call.
    pub call_args: Vec<(CallId, Vec<(u32, provenance::Prov)>)>,
    /// Places that start one promise per element of a collection (see [`fanout`]).
    pub fan_outs: Vec<fanout::FanOut>,
    /// Calls made through a limiter (`limit(() => …)`): they run a bounded number at a time.
    pub limited: Vec<CallId>,
    /// Read-modify-writes across an await (see [`races`]).
    pub races: Vec<races::Race>,
    /// Routes declared as objects (`server.route({ method: 'GET', path: '/x', handler })`).
    pub route_decls: Vec<RouteDecl>,
    /// Functions a framework runs per request by convention or configuration (see
    /// [`EntryReason::Declared`]).
    pub declared: Vec<(FnId, EntryReason)>,
    /// GraphQL resolver maps of another file handed to a call here (`new ApolloServer({
    /// typeDefs, resolvers })` with `resolvers` imported): linked by the project pass.
    pub remote_resolver_maps: Vec<(CallId, QualName)>,
    unresolved: SyntaxContext,
}

/// A route declared as an object handed to a `route` call (Hapi, Fastify:
/// `server.route({ method: 'GET', path: '/x', handler })`, also in an array).
#[derive(Clone, Debug)]
pub struct RouteDecl {
    pub call: CallId,
    /// `GET`, or `ALL` for `*` or a list of methods.
    pub method: Atom,
    pub path: Atom,
    /// The handler when it is a function of this file.
    pub handler: Option<FnId>,
    /// The handler when another file defines it (`handler: reports.preview`).
    pub remote: Option<QualName>,
}

/// A class defined in the file.
#[derive(Clone, Debug)]
pub struct Class {
    /// Its declared name (`class Mailer`), if it has one.
    pub name: Option<Atom>,
    /// Its methods by name, static and instance alike.
    pub methods: Vec<(Atom, FnId)>,
    /// Another class of this file extends it: its methods also run on the subclass's instances.
    pub extended: bool,
}

/// The member segment that stands for "an instance of": `new X().m` is `X` + `[prototype, m]`.
pub const INSTANCE: &str = "prototype";

/// One exported name. CommonJS `module.exports = x` exports `""` (the module value) and
/// `default`; `module.exports = { a, b }` and `exports.a = …` export `a` and `b`.
#[derive(Clone, Debug)]
pub struct Export {
    pub name: Atom,
    pub target: ExportTarget,
}

#[derive(Clone, Debug)]
pub enum ExportTarget {
    Function(FnId),
    Value(ValueRef),
    /// `export { name } from 'module'`.
    ReExport {
        module: Atom,
        name: Atom,
    },
    /// `export * from 'module'`.
    ReExportAll {
        module: Atom,
    },
    /// `export default { ...users, list }`: index into [`FileModel::objects`].
    Object(u32),
}

/// The members of an object literal that name something: `{ list, get: getUser, ...users }`.
#[derive(Clone, Debug, Default)]
pub struct ObjectShape {
    pub props: Vec<(Atom, ExportTarget)>,
    /// Spread values, in order (`...users`): a member not named here may come from one.
    pub spreads: Vec<ValueRef>,
    /// Members made in memory on the spot (`{ seen: new Set(), rows: [] }`).
    pub in_memory: Vec<Atom>,
}

impl FileModel {
    /// Byte range of an swc span in this file.
    pub fn span(&self, span: Span) -> ByteSpan {
        ByteSpan::new(span.lo.0.saturating_sub(self.base), span.hi.0.saturating_sub(self.base))
    }

    /// What argument `index` of a call of a project function is, when known.
    pub fn arg_prov(&self, call: CallId, index: u32) -> Option<&provenance::Prov> {
        let i = self.call_args.binary_search_by_key(&call.0, |(c, _)| c.0).ok()?;
        self.call_args[i].1.iter().find(|(a, _)| *a == index).map(|(_, p)| p)
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: u32) -> u32 {
        self.line_starts.partition_point(|&s| s <= offset) as u32 + 1
    }

    pub fn function(&self, id: FnId) -> &Function {
        &self.functions[id.0 as usize]
    }

    pub fn call(&self, id: CallId) -> &CallSite {
        &self.calls[id.0 as usize]
    }

    pub fn binding(&self, id: BindingId) -> &Binding {
        &self.bindings[id.0 as usize]
    }

    /// The function whose node has exactly this span (a `Function`, arrow or constructor).
    pub fn function_at(&self, span: Span) -> Option<FnId> {
        self.fn_by_span.get(&(span.lo.0, span.hi.0)).copied()
    }

    /// The binding an identifier refers to; `None` for globals and unseen names.
    pub fn binding_of(&self, ident: &swc_ecma_ast::Ident) -> Option<BindingId> {
        if ident.ctxt == self.unresolved {
            return None;
        }
        self.binding_ids.get(&(ident.sym.clone(), ident.ctxt)).copied()
    }

    /// Whether an identifier is an unresolved global (`process`, `Date`, `require`).
    pub fn is_global(&self, ident: &swc_ecma_ast::Ident) -> bool {
        ident.ctxt == self.unresolved
    }

    /// What an expression names, resolved through imports, requires, destructuring and aliases:
    /// `fs.readFileSync`, `fsp.readFile` → `fs/promises.readFile`, a local function.
    pub fn resolve_expr(&self, expr: &Expr) -> Target {
        match build::value_ref(self, expr) {
            Some(v) => self.resolve(&v),
            None => Target::Unknown,
        }
    }

    /// Resolve a symbolic path to what it names.
    pub fn resolve(&self, v: &ValueRef) -> Target {
        self.resolve_depth(v, 0)
    }

    fn resolve_depth(&self, v: &ValueRef, depth: u32) -> Target {
        if depth > 16 {
            return Target::Unknown;
        }
        // instances are followed into classes of this project only: `new Pool().query` of a
        // package or a global (`new Map().set`) names nothing the tables know
        let instance = v.props.iter().any(|p| p.as_str() == INSTANCE);
        match &v.root {
            Root::Module(spec) if instance && !crate::knowledge::is_relative(spec) => Target::Unknown,
            Root::Global(_) if instance => Target::Unknown,
            Root::Module(spec) => Target::Api(qualify(spec, &v.props)),
            Root::Global(name) => {
                if name.as_str() == "globalThis" && !v.props.is_empty() {
                    let inner = ValueRef { root: Root::Global(v.props[0].clone()), props: v.props[1..].into() };
                    return self.resolve_depth(&inner, depth + 1);
                }
                let mut path = vec![name.clone()];
                path.extend(v.props.iter().cloned());
                Target::Api(QualName { module: Atom::from("global"), path: path.into() })
            }
            Root::ThisMethod(f) if v.props.is_empty() => Target::Local(*f),
            Root::ThisMethod(_) => Target::Unknown,
            Root::Binding(b) => {
                let binding = self.binding(*b);
                if binding.reassigned {
                    return Target::Unknown;
                }
                match &binding.origin {
                    Origin::Function(f) if v.props.is_empty() => Target::Local(*f),
                    Origin::Class(c) => {
                        // `X.m` (static) or `X.prototype.m` / `new X().m` (instance)
                        let rest = match v.props.first() {
                            Some(p) if p.as_str() == INSTANCE => &v.props[1..],
                            _ => &v.props[..],
                        };
                        match rest {
                            [m] => self.classes[*c as usize]
                                .methods
                                .iter()
                                .find(|(name, _)| name == m)
                                .map_or(Target::Unknown, |(_, f)| Target::Local(*f)),
                            _ => Target::Unknown,
                        }
                    }
                    Origin::Value(inner) => {
                        let mut joined = inner.clone();
                        joined.props.extend(v.props.iter().cloned());
                        self.resolve_depth(&joined, depth + 1)
                    }
                    Origin::Object(o) => self.resolve_member(*o, &v.props, depth),
                    _ => Target::Unknown,
                }
            }
        }
    }

    /// The object literal (its shape) a value path names in this file: `resolvers` after
    /// `const resolvers = { Query: {…} }`, or `resolvers.Query`.
    pub fn object_of(&self, v: &ValueRef) -> Option<u32> {
        let Root::Binding(b) = &v.root else { return None };
        let binding = self.binding(*b);
        let mut shape = match &binding.origin {
            Origin::Object(i) if !binding.reassigned => *i,
            _ => return None,
        };
        for p in &v.props {
            match self.objects[shape as usize].props.iter().rev().find(|(k, _)| k == p) {
                Some((_, ExportTarget::Object(inner))) => shape = *inner,
                _ => return None,
            }
        }
        Some(shape)
    }

    /// The functions of a resolver map (`{ Query: { user: fn, posts: { resolve() {} } } }`) with
    /// the path to each (`Query.user`, `Query.posts.resolve`), three levels deep.
    pub fn resolver_functions(&self, shape: u32) -> Vec<(FnId, String)> {
        self.resolver_functions_under(shape, Vec::new())
    }

    /// [`Self::resolver_functions`] of a map found at `path` (`Query` of an exported `Query`).
    pub fn resolver_functions_under(&self, shape: u32, mut path: Vec<Atom>) -> Vec<(FnId, String)> {
        fn walk(m: &FileModel, shape: u32, path: &mut Vec<Atom>, out: &mut Vec<(FnId, String)>) {
            if path.len() >= 3 {
                return;
            }
            for (k, t) in &m.objects[shape as usize].props {
                path.push(k.clone());
                let name = |path: &[Atom]| path.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(".");
                match t {
                    ExportTarget::Function(f) => out.push((*f, name(path))),
                    ExportTarget::Object(inner) => walk(m, *inner, path, out),
                    ExportTarget::Value(v) => match m.resolve(v) {
                        Target::Local(f) => out.push((f, name(path))),
                        _ => {
                            if let Some(inner) = m.object_of(v) {
                                walk(m, inner, path, out);
                            }
                        }
                    },
                    _ => {}
                }
                path.pop();
            }
        }
        let mut out = Vec::new();
        walk(self, shape, &mut path, &mut out);
        out
    }

    /// Member `props[0]` (then the rest of `props`) of object literal `o`: a named member, else
    /// the last spread that has it.
    pub fn resolve_member(&self, o: u32, props: &[Atom], depth: u32) -> Target {
        let Some((first, rest)) = props.split_first() else { return Target::Unknown };
        let shape = &self.objects[o as usize];
        if let Some((_, t)) = shape.props.iter().rev().find(|(k, _)| k == first) {
            return match t {
                ExportTarget::Function(f) if rest.is_empty() => Target::Local(*f),
                ExportTarget::Value(v) => {
                    let mut joined = v.clone();
                    joined.props.extend(rest.iter().cloned());
                    self.resolve_depth(&joined, depth + 1)
                }
                ExportTarget::Object(inner) => self.resolve_member(*inner, rest, depth + 1),
                _ => Target::Unknown,
            };
        }
        // a spread is known to hold the member only when it is a function here, or the only
        // spread that may (which module has it is for the project to say: see
        // [`Self::spread_candidates`])
        let mut found = Vec::new();
        for s in shape.spreads.iter().rev() {
            let mut joined = s.clone();
            joined.props.extend(props.iter().cloned());
            match self.resolve_depth(&joined, depth + 1) {
                Target::Local(f) => return Target::Local(f),
                Target::Unknown => {}
                t => found.push(t),
            }
        }
        if found.len() == 1 {
            found.pop().unwrap()
        } else {
            Target::Unknown
        }
    }

    /// Where member path `v` may come from when it goes through object literals with spreads
    /// (`{ ...exporting, ...stats }.exportWorkspace`): each spread joined with the rest of the
    /// path, the last spread first.
    pub fn spread_candidates(&self, v: &ValueRef) -> Vec<ValueRef> {
        let mut root = v.root.clone();
        let mut props = v.props.clone();
        for _ in 0..8 {
            let Root::Binding(b) = root else { return Vec::new() };
            let binding = self.binding(b);
            if binding.reassigned {
                return Vec::new();
            }
            match &binding.origin {
                Origin::Value(inner) => {
                    let mut joined = inner.props.clone();
                    joined.extend(props);
                    props = joined;
                    root = inner.root.clone();
                }
                Origin::Object(o) => return self.object_candidates(*o, &props),
                _ => return Vec::new(),
            }
        }
        Vec::new()
    }

    /// [`Self::spread_candidates`] from object literal `o`, following named members that hold
    /// object literals.
    pub fn object_candidates(&self, o: u32, props: &[Atom]) -> Vec<ValueRef> {
        let Some((first, rest)) = props.split_first() else { return Vec::new() };
        let shape = &self.objects[o as usize];
        if let Some((_, t)) = shape.props.iter().rev().find(|(k, _)| k == first) {
            return match t {
                ExportTarget::Object(inner) => self.object_candidates(*inner, rest),
                ExportTarget::Value(v) => {
                    let mut joined = v.clone();
                    joined.props.extend(rest.iter().cloned());
                    let mut c = self.spread_candidates(&joined);
                    if c.is_empty() {
                        c.push(joined);
                    }
                    c
                }
                _ => Vec::new(),
            };
        }
        shape
            .spreads
            .iter()
            .rev()
            .map(|s| {
                let mut joined = s.clone();
                joined.props.extend(props.iter().cloned());
                joined
            })
            .collect()
    }

    /// The call whose result a method call's receiver holds (`tag.getTables()` after
    /// `const tag = await Tag.findOne(…)`), when the receiver is such a variable.
    pub fn receiver_source(&self, call: &CallSite) -> Option<CallId> {
        let v = call.callee_ref.as_ref()?;
        let Root::Binding(b) = v.root else { return None };
        let binding = self.binding(b);
        match binding.origin {
            Origin::CallResult(c) if !binding.reassigned => Some(c),
            _ => None,
        }
    }

    /// A call of a function the caller handed in: a parameter called by name (`callback(err)`,
    /// `resolve(v)` in a promise executor, `fn()` in a wrapper). What it does is what the caller
    /// passed, and a function passed inline is counted in the body that writes it.
    pub fn calls_parameter(&self, call: &CallSite) -> bool {
        matches!(&call.callee_ref, Some(ValueRef { root: Root::Binding(b), props })
            if props.is_empty() && self.binding(*b).kind == BindingKind::Param)
    }

    /// The package a method call's receiver was made from, when it is an instance or a member of
    /// one (`zip.addLocalFile()` after `const zip = new Zip()` of `adm-zip`).
    pub fn receiver_package(&self, call: &CallSite) -> Option<Atom> {
        self.package_of(call.callee_ref.as_ref()?)
    }

    /// The package a value path starts from, through the bindings it was taken from.
    pub fn package_of(&self, v: &ValueRef) -> Option<Atom> {
        let mut root = v.root.clone();
        for _ in 0..8 {
            match &root {
                Root::Binding(b) => {
                    let binding = self.binding(*b);
                    match &binding.origin {
                        Origin::Value(inner) if !binding.reassigned => root = inner.root.clone(),
                        _ => return None,
                    }
                }
                Root::Module(spec) if !crate::knowledge::is_relative(spec) => return Some(spec.clone()),
                _ => return None,
            }
        }
        None
    }

    /// Whether a method call's receiver is an in-memory structure: a `Map`, `Set`, array or object
    /// literal bound in this file (`seen.get(id)`, `queue.push(x)`), or an instance of an
    /// in-memory package (an LRU cache). Its methods do no I/O whatever their names.
    pub fn in_memory_receiver(&self, call: &CallSite) -> bool {
        const IN_MEMORY_GLOBALS: &[&str] =
            &["Map", "Set", "WeakMap", "WeakSet", "Array", "Object", "URLSearchParams", "Date", "String"];
        let Some(v) = &call.callee_ref else { return false };
        if v.props.is_empty() {
            return false;
        }
        let mut root = v.root.clone();
        let mut props: Vec<Atom> = v.props[..v.props.len() - 1].to_vec();
        for _ in 0..8 {
            match &root {
                Root::Binding(b) => {
                    let binding = self.binding(*b);
                    match &binding.origin {
                        Origin::Literal if !binding.reassigned => return props.is_empty(),
                        // `added.table.add(id)` with `added = { table: new Set() }`
                        Origin::Object(o) if !binding.reassigned => {
                            return props.is_empty()
                                || (props.len() == 1 && self.objects[*o as usize].in_memory.contains(&props[0]))
                        }
                        Origin::Value(inner) if !binding.reassigned => {
                            let mut joined = inner.props.to_vec();
                            joined.extend(props);
                            props = joined;
                            root = inner.root.clone();
                        }
                        _ => return false,
                    }
                }
                Root::Global(g) => {
                    return props.len() == 1
                        && props[0].as_str() == INSTANCE
                        && IN_MEMORY_GLOBALS.contains(&g.as_str());
                }
                Root::Module(spec) => {
                    return props.last().is_some_and(|p| p.as_str() == INSTANCE)
                        && crate::knowledge::is_in_memory_module(spec);
                }
                Root::ThisMethod(_) => return false,
            }
        }
        false
    }

    /// The class whose method `f` is, or encloses `f` (a callback inside a method).
    pub fn class_of(&self, f: FnId) -> Option<&Class> {
        self.class_index_of(f).map(|c| &self.classes[c])
    }

    /// [`Self::class_of`], as an index into [`Self::classes`].
    pub fn class_index_of(&self, f: FnId) -> Option<usize> {
        let mut cur = Some(f);
        let mut guard = 0;
        while let Some(g) = cur.filter(|_| guard < 64) {
            guard += 1;
            let func = self.function(g);
            if matches!(func.kind, FnKind::Method | FnKind::Constructor) {
                if let Some(c) = self.classes.iter().position(|c| c.methods.iter().any(|(_, m)| *m == g)) {
                    return Some(c);
                }
            }
            cur = func.parent;
        }
        None
    }

    /// Whether each instance of class `c` lives for one request: the class is not exported (by
    /// name, as the module, or as an instance) nor extended, and it is created with `new` only inside
    /// event-loop functions (a handler's `new Cart(req.body)`), at least once.
    pub fn per_request_class(&self, c: usize) -> bool {
        let is_class = |v: &ValueRef| match v.root {
            Root::Binding(b) => self.binding(b).origin == Origin::Class(c as u32),
            _ => false,
        };
        let exported = self.exports.iter().any(|e| matches!(&e.target, ExportTarget::Value(v) if is_class(v)));
        if exported || self.classes[c].extended {
            return false;
        }
        let mut created = false;
        for call in self.calls.iter().filter(|c| c.is_new) {
            if call.callee_ref.as_ref().is_some_and(|v| v.props.is_empty() && is_class(v)) {
                let caller = self.function(call.caller);
                // at start-up, or a lazy singleton made by the first request (`x ??= new X()`)
                if call.caller == FnId::MODULE || caller.context != Context::EventLoop || call.once {
                    return false;
                }
                created = true;
            }
        }
        created
    }

    /// A short human name for a function, used in chains: `loadTemplate`, `GET /mail handler`.
    pub fn describe(&self, id: FnId) -> String {
        let f = self.function(id);
        if let Some(EntryReason::Route { method, path, .. }) = &f.entry {
            return format!("{method} {path} handler");
        }
        if let Some(EntryReason::Declared { name, what, .. }) = &f.entry {
            return format!("{name} {what}");
        }
        match (&f.name, f.kind) {
            (_, FnKind::Module) => "module top level".to_string(),
            (Some(n), _) => n.to_string(),
            (None, _) => match &f.entry {
                Some(EntryReason::Callback { callee, .. }) => format!("callback passed to {callee}"),
                _ => {
                    if let Some(FnUse::Callback { call, .. }) = f.uses.first() {
                        let c = self.call(*call);
                        if let Some(m) = &c.method {
                            return format!("callback passed to {m}");
                        }
                    }
                    "anonymous function".to_string()
                }
            },
        }
    }
}

/// Build a qualified name from a module specifier and a member path, folding `fs.promises` into
/// `fs/promises` and a package's `default` export into the package itself.
pub(crate) fn qualify(spec: &Atom, props: &[Atom]) -> QualName {
    let mut module = crate::knowledge::normalize_module(spec).to_string();
    let mut path: &[Atom] = props;
    if !crate::knowledge::is_relative(&module) && path.first().is_some_and(|p| p.as_str() == "default") {
        path = &path[1..];
    }
    if matches!(module.as_str(), "fs" | "dns" | "stream" | "timers" | "readline")
        && path.first().is_some_and(|p| p.as_str() == "promises")
    {
        module.push_str("/promises");
        path = &path[1..];
    }
    QualName { module: Atom::from(module), path: path.into() }
}

impl CallSite {
    /// Whether this call's arguments make `g` (a condition on the callee's parameter) false: a
    /// literal of the other truthiness, or no argument at all (`undefined`) where it must be truthy.
    pub fn rules_out(&self, g: &ParamGuard) -> bool {
        let i = g.index;
        if self.nargs != u8::MAX && i >= self.nargs {
            return g.truthy;
        }
        if i >= 8 {
            return false;
        }
        let bit = 1u8 << i;
        if g.truthy {
            self.falsy_args & bit != 0
        } else {
            self.truthy_args & bit != 0
        }
    }

    /// Whether this call registers a callback that authenticates visitors (a Passport strategy's
    /// verify function, the session (de)serializers): see [`crate::knowledge::is_auth_callback_api`].
    pub fn registers_auth_callback(&self) -> bool {
        self.api()
            .is_some_and(|q| crate::knowledge::is_auth_callback_api(q.module.as_str(), &q.member_path(), self.is_new))
    }

    /// The qualified name the callee resolves to, if it is a module or global API.
    pub fn api(&self) -> Option<&QualName> {
        match &self.target {
            Target::Api(q) => Some(q),
            _ => None,
        }
    }
}

impl FileModel {
    /// The effect hint of a call: from the API it resolves to or its method name, and its SQL.
    pub fn effect(&self, call: &CallSite) -> crate::knowledge::Effect {
        call.effect
    }

    /// [`Self::effect`], computed once per call when the model is built.
    pub(crate) fn compute_effect(call: &CallSite) -> crate::knowledge::Effect {
        use crate::knowledge::{effect_of, Effect};
        if let Target::Api(q) = &call.target {
            if q.module.as_str() == "timers/promises" && q.last() == Some("setTimeout") {
                return Effect::Sleep;
            }
        }
        match call.method.as_deref() {
            Some(name) => effect_of(name, call.first_string_arg.as_deref()),
            None => Effect::Unknown,
        }
    }

    /// Drop what only the syntax tree's walks need (lookups by identifier and by span): the rules
    /// run after the tree is gone, on the facts alone.
    pub fn release_lookups(&mut self) {
        self.binding_ids = Default::default();
        self.fn_by_span = Default::default();
        self.call_by_span = Default::default();
    }

    /// The call site whose call expression has exactly this span.
    pub fn call_at(&self, span: Span) -> Option<&CallSite> {
        let s = self.span(span);
        self.call_by_span.get(&(s.start, s.end)).map(|&i| &self.calls[i as usize])
    }
}

impl FileModel {
    /// A model with nothing in it (for parse-only runs).
    pub fn empty(path: &str) -> FileModel {
        FileModel {
            path: path.to_string(),
            base: 0,
            functions: Vec::new(),
            bindings: Vec::new(),
            calls: Vec::new(),
            comments: Vec::new(),
            binding_ids: Default::default(),
            fn_by_span: Default::default(),
            call_by_span: Default::default(),
            exports: Vec::new(),
            objects: Vec::new(),
            relative_imports: Vec::new(),
            classes: Vec::new(),
            line_starts: Vec::new(),
            awaits: Default::default(),
            returns: Vec::new(),
            call_args: Vec::new(),
            fan_outs: Vec::new(),
            limited: Vec::new(),
            races: Vec::new(),
            route_decls: Vec::new(),
            declared: Vec::new(),
            remote_resolver_maps: Vec::new(),
            unresolved: SyntaxContext::empty(),
        }
    }
}
