//! Where a value comes from, as far as it decides how large a collection can get: the client's
//! input, the rows of a query with no limit, a listing of files, or something the code fixes (a
//! literal, a page, a batch, a length it checked, the configuration). A parameter is as large as
//! what the callers pass, and a project function's result as what it returns: those two are
//! resolved across files once the project is linked ([`crate::project::Project::resolve_prov`]).
//!
//! One walk in program order keeps what each variable holds (a later assignment replaces it, a
//! length check before a use bounds it, a literal that is pushed to is no longer fixed) and, on
//! the way, records what the project pass needs: what each function returns, what calls of
//! project functions pass, what each loop walks over, and the fan-out sites ([`super::fanout`]).

use super::fanout::{self, FanOut};
use super::{unwrap_expr as strip, BindingId, BindingKind, CallId, FileModel, FnId, Target};
use crate::diagnostic::ByteSpan;
use crate::knowledge::fan_out as k;
use crate::knowledge::{CallbackKind, Effect};
use rustc_hash::{FxHashMap, FxHashSet};
use swc_common::Spanned;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// Where a collection (or a count) comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prov {
    /// Nothing establishes it either way.
    Unknown,
    /// The code fixes it: a literal, a page, a batch, a checked length, the configuration.
    Bounded(&'static str),
    /// The client's input (`req.body.ids`), as written.
    Request { text: String, span: ByteSpan },
    /// The rows of a query with no limit, through a store's client or an object of unknown type.
    Rows { call: CallId, text: String },
    /// The files of a directory the package does not ship (`readdir(uploadDir)`).
    Listing { call: CallId, text: String },
    /// The items of a stream: as many as its input holds.
    Stream { text: String },
    /// Parameter `index` of `func`: as large as what its callers pass.
    Param { func: FnId, index: u32 },
    /// What the project function called at `call` returns; `rows` when the call's name says it
    /// returns many rows (`UserSettings.findAll(…)`), for when the function cannot be found.
    Returned { call: CallId, rows: bool },
}

impl Prov {
    /// Established, here, to grow with the data or the request.
    pub fn is_unbounded(&self) -> bool {
        matches!(self, Prov::Request { .. } | Prov::Rows { .. } | Prov::Listing { .. } | Prov::Stream { .. })
    }

    /// Either of two values (`a ?? b`, `c ? a : b`): unbounded if either is, bounded if both are.
    pub fn either(a: Prov, b: Prov) -> Prov {
        match (a, b) {
            (a, _) if a.is_unbounded() => a,
            (_, b) if b.is_unbounded() => b,
            (Prov::Bounded(x), Prov::Bounded(_)) => Prov::Bounded(x),
            (a @ (Prov::Param { .. } | Prov::Returned { .. }), Prov::Bounded(_)) => a,
            (Prov::Bounded(_), b @ (Prov::Param { .. } | Prov::Returned { .. })) => b,
            (a, b) if a == b => a,
            _ => Prov::Unknown,
        }
    }
}

/// What the walk gives the model.
#[derive(Default)]
pub struct Provenance {
    /// Per function, what it returns (joined over its `return`s).
    pub returns: Vec<Prov>,
    /// For calls of (maybe) project functions, what each argument is, when known.
    pub args: Vec<(CallId, Vec<(u32, Prov)>)>,
    /// What each `for…of`/`for…in` walks over, by the span of the iterated expression.
    pub loops: FxHashMap<(u32, u32), Prov>,
    pub fan_outs: Vec<FanOut>,
    /// Calls that go through a limiter (`limit(() => …)`, `queue.add(…)`).
    pub limited: Vec<CallId>,
}

/// Walk a file and compute its provenance facts.
pub fn compute(m: &FileModel, text: &str, program: &Program) -> Provenance {
    let mut w = Walk {
        m,
        text,
        vars: FxHashMap::default(),
        limiters: FxHashSet::default(),
        fns: vec![FnId::MODULE],
        loops: Vec::new(),
        loop_paced: Vec::new(),
        paced_stack: Vec::new(),
        elements: FxHashMap::default(),
        loop_fns: FxHashMap::default(),
        maps: FxHashMap::default(),
        pushes: FxHashMap::default(),
        unchecked_test: false,
        out: Provenance { returns: vec![Prov::Unknown; m.functions.len()], ..Default::default() },
        returned: vec![false; m.functions.len()],
    };
    program.visit_with(&mut w);
    w.out
}

pub(crate) struct Walk<'m> {
    pub(crate) m: &'m FileModel,
    text: &'m str,
    /// What each variable holds now.
    vars: FxHashMap<BindingId, Prov>,
    /// Variables holding a limiter (`const limit = pLimit(4)`).
    pub(crate) limiters: FxHashSet<BindingId>,
    fns: Vec<FnId>,
    /// What each enclosing loop of the current function walks over, and where (`None`: not known).
    pub(crate) loops: Vec<Option<(Prov, ByteSpan)>>,
    /// Per enclosing loop of the current function: whether its body awaits (each iteration then
    /// waits before the next starts what it starts).
    pub(crate) loop_paced: Vec<bool>,
    paced_stack: Vec<Vec<bool>>,
    /// The element parameter of a per-element callback: what its collection is.
    elements: FxHashMap<FnId, Prov>,
    /// `forEach` callbacks: their body runs once per element of this collection, like a loop's.
    loop_fns: FxHashMap<FnId, (Prov, ByteSpan)>,
    /// `const jobs = xs.map(cb)`: the variable; the collection, the `map`, the callback and the
    /// collection's span.
    pub(crate) maps: FxHashMap<BindingId, (Prov, ByteSpan, fanout::Work, ByteSpan)>,
    /// `jobs.push(save(x))` in a loop: the array; what the loop walks over, the push, the pushed
    /// work and the collection's span.
    pub(crate) pushes: FxHashMap<BindingId, (Prov, ByteSpan, fanout::Work, ByteSpan)>,
    unchecked_test: bool,
    pub(crate) out: Provenance,
    returned: Vec<bool>,
}

const MAX_DEPTH: u32 = 12;

impl<'m> Walk<'m> {
    pub(crate) fn cur(&self) -> FnId {
        *self.fns.last().unwrap_or(&FnId::MODULE)
    }

    pub(crate) fn span(&self, s: swc_common::Span) -> ByteSpan {
        self.m.span(s)
    }

    /// Source text of a node, on one line and short (for messages).
    pub(crate) fn text(&self, s: swc_common::Span) -> String {
        let b = self.span(s);
        let raw = self.text.get(b.start as usize..b.end as usize).unwrap_or("");
        let one: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if one.chars().count() > 48 {
            format!("{}…", one.chars().take(45).collect::<String>())
        } else {
            one
        }
    }

    /// Where the value of `e` comes from, now.
    pub(crate) fn prov(&self, e: &Expr) -> Prov {
        self.prov_at(e, 0)
    }

    fn prov_at(&self, e: &Expr, depth: u32) -> Prov {
        if depth > MAX_DEPTH {
            return Prov::Unknown;
        }
        match strip(e) {
            Expr::Array(a) => {
                a.elems.iter().flatten().fold(Prov::Bounded("a literal list"), |acc, el| match el.spread {
                    Some(_) => Prov::either(acc, self.prov_at(&el.expr, depth + 1)),
                    None => acc,
                })
            }
            Expr::Object(_) | Expr::Lit(_) | Expr::Tpl(_) => Prov::Bounded("a literal"),
            Expr::Ident(i) => self.ident(i),
            e @ Expr::Member(_) => self.member(e, depth + 1),
            Expr::Await(a) => self.prov_at(&a.arg, depth + 1),
            Expr::Cond(c) => Prov::either(self.prov_at(&c.cons, depth + 1), self.prov_at(&c.alt, depth + 1)),
            Expr::Bin(b)
                if matches!(b.op, BinaryOp::LogicalOr | BinaryOp::LogicalAnd | BinaryOp::NullishCoalescing) =>
            {
                Prov::either(self.prov_at(&b.left, depth + 1), self.prov_at(&b.right, depth + 1))
            }
            Expr::Call(c) => self.call(c, depth + 1),
            Expr::New(n) => match self.m.resolve_expr(&n.callee) {
                Target::Api(q) if k::matches(k::SIZE_OF_ARGUMENT, &q) || q.is("global", &["Array"]) => {
                    match n.args.as_deref() {
                        Some([first, ..]) => self.prov_at(&first.expr, depth + 1),
                        _ => Prov::Bounded("a literal"),
                    }
                }
                _ => Prov::Unknown,
            },
            _ => Prov::Unknown,
        }
    }

    fn ident(&self, i: &Ident) -> Prov {
        let m = self.m;
        let Some(b) = m.binding_of(i) else { return Prov::Unknown };
        if let Some(p) = self.vars.get(&b) {
            return p.clone();
        }
        let binding = m.binding(b);
        if binding.kind != BindingKind::Param {
            return Prov::Unknown;
        }
        let f = m.function(binding.scope);
        if f.params.first() == Some(&b) {
            if let Some(p) = self.elements.get(&f.id) {
                return p.clone();
            }
        }
        let simple = f.params.len() == f.param_names.len() && f.param_names.iter().all(|n| !n.is_empty());
        match f.params.iter().position(|p| *p == b) {
            // `@Body() dto`: the client's input
            Some(i) if f.input_params.contains(&(i as u32)) => {
                Prov::Request { text: i_text(&binding.name), span: binding.span }
            }
            Some(i) if simple => Prov::Param { func: f.id, index: i as u32 },
            _ => Prov::Unknown,
        }
    }

    /// An element of `iterable`: a `chunk(xs, n)` group is bounded; an element of anything else
    /// is one value, whose own size nothing says.
    fn element(&self, iterable: &Expr) -> Prov {
        // an element of the client's input is the client's input (`team.members` of `teams`)
        if let Prov::Request { text, span } = self.prov(iterable) {
            return Prov::Request { text, span };
        }
        match strip(iterable) {
            Expr::Call(c) if self.is_api(c, k::CHUNK_APIS) => Prov::Bounded("a fixed-size group"),
            Expr::Ident(i) => match self.m.binding_of(i).and_then(|b| self.vars.get(&b)) {
                Some(Prov::Bounded("groups of fixed size")) => Prov::Bounded("a fixed-size group"),
                _ => Prov::Unknown,
            },
            _ => Prov::Unknown,
        }
    }

    /// Whether `b` is the request of a request handler (its first parameter).
    fn is_request(&self, b: BindingId) -> bool {
        let m = self.m;
        let binding = m.binding(b);
        if binding.kind != BindingKind::Param {
            return false;
        }
        let f = m.function(binding.scope);
        f.params.first() == Some(&b)
            && matches!(f.seed, Some(super::EntryReason::Route { .. } | super::EntryReason::HandlerParams))
    }

    fn member(&self, e: &Expr, depth: u32) -> Prov {
        let m = self.m;
        let mut root = e;
        let mut props = Vec::new();
        while let Expr::Member(mem) = strip(root) {
            if let MemberProp::Ident(p) = &mem.prop {
                props.push(p.sym.as_str());
            }
            root = &mem.obj;
        }
        if let Expr::Ident(i) = strip(root) {
            if m.binding_of(i).is_some_and(|b| self.is_request(b)) {
                // `req.body.ids`, `ctx.request.query.tags`: input; `req.app.locals`: the server's own
                return match props.iter().rev().find(|p| k::REQUEST_INPUT_FIELDS.contains(p)) {
                    Some(_) => Prov::Request { text: self.text(e.span()), span: self.span(e.span()) },
                    None => Prov::Unknown,
                };
            }
        }
        // a field of the client's input is the client's input (`team.members`)
        if let Expr::Member(mem) = strip(e) {
            if let Prov::Request { .. } = self.prov_at(&mem.obj, depth + 1) {
                return Prov::Request { text: self.text(e.span()), span: self.span(e.span()) };
            }
        }
        // the rows of a query result: `(await pool.query(q)).rows`, `res.data.items`
        if let Expr::Member(mem) = strip(e) {
            if matches!(&mem.prop, MemberProp::Ident(p) if k::ROW_FIELDS.contains(&p.sym.as_str())) {
                let inner = self.prov_at(&mem.obj, depth + 1);
                if matches!(inner, Prov::Rows { .. } | Prov::Request { .. } | Prov::Returned { .. }) {
                    return inner;
                }
            }
        }
        Prov::Unknown
    }

    fn call(&self, c: &CallExpr, depth: u32) -> Prov {
        let m = self.m;
        let Callee::Expr(callee) = &c.callee else { return Prov::Unknown };
        let Some(site) = m.call_at(c.span) else { return Prov::Unknown };
        // `require('x')`: a module, no collection
        if site.first_string_arg.is_some() && site.method.as_deref() == Some("require") && site.api().is_some() {
            return Prov::Unknown;
        }
        if is_paged(c) {
            return Prov::Bounded("a page");
        }
        if let Target::Api(q) = &site.target {
            if k::matches(k::CHUNK_APIS, q) {
                return Prov::Bounded("groups of fixed size");
            }
            if k::matches(k::KEYS_OF_ARGUMENT, q) {
                // the keys of a literal are fixed; of the request body, the client's choice
                return match c.args.first().map(|a| self.prov_at(&a.expr, depth + 1)) {
                    Some(p @ (Prov::Bounded(_) | Prov::Request { .. })) => p,
                    _ => Prov::Unknown,
                };
            }
            if q.is("global", &["Array"]) {
                return match c.args.as_slice() {
                    [n] => self.prov_at(&n.expr, depth + 1),
                    _ => Prov::Bounded("a literal list"),
                };
            }
            if k::matches(k::SIZE_OF_ARGUMENT, q) && q.path.len() == 2 && q.path[0].as_str() == "Array" {
                // `Array.from({ length: n }, …)`: as many as `n` says
                if let Some(Expr::Object(o)) = c.args.first().map(|a| strip(&a.expr)) {
                    return match length_value(o) {
                        Some(n) => self.prov_at(n, depth + 1),
                        None => Prov::Bounded("a literal"),
                    };
                }
            }
            if k::matches(k::SIZE_OF_ARGUMENT, q) || k::matches(k::CONVERSIONS, q) {
                return match c.args.first() {
                    Some(a) => self.prov_at(&a.expr, depth + 1),
                    None => Prov::Bounded("a literal"),
                };
            }
            if k::matches(k::COLLECTION_SOURCES, q) || is_readdir(q) {
                return if c.args.first().is_some_and(|a| shipped_path(m, &a.expr)) {
                    Prov::Bounded("files the package ships")
                } else {
                    Prov::Listing { call: site.id, text: self.text(callee.span()) }
                };
            }
            if q.module.as_str() == "global" {
                // `JSON.parse(…)`, `process.argv.slice(…)`: the program's own data
                return Prov::Unknown;
            }
        }
        if let Some((obj, method)) = member_of(c) {
            let method = method.as_str();
            if k::BATCH_METHODS.contains(&method) && c.args.len() >= 2 && !is_length(&c.args[1].expr) {
                return Prov::Bounded("a batch");
            }
            if k::SIZE_KEEPING_METHODS.contains(&method) {
                return self.prov_at(obj, depth + 1);
            }
            // `.first()`, `.findOne()` make one row of a query
            if matches!(method, "first" | "findOne" | "findFirst" | "get" | "single" | "one" | "oneOrNone") {
                return Prov::Unknown;
            }
            // `User.find(q).lean()`, `.exec()`, `.toArray()`, `db('t').where(…).select(…)`: the
            // query's rows
            let step = crate::knowledge::ordering::CHAIN_MODIFIERS.contains(&method)
                || crate::knowledge::stores::BUILDER_STEPS.contains(&method);
            if step && matches!(strip(obj), Expr::Call(_)) {
                let inner = self.prov_at(obj, depth + 1);
                if inner != Prov::Unknown || method != "select" {
                    return inner;
                }
            }
            let receiver_name = match strip(obj) {
                Expr::Ident(i) => Some(i.sym.as_str()),
                Expr::Member(mm) => mm.prop.as_ident().map(|p| p.sym.as_str()),
                _ => None,
            };
            if receiver_name.is_some_and(|n| k::CONFIG_RECEIVERS.contains(&n)) && method == "get" {
                return Prov::Bounded("the configuration");
            }
        }
        // a client whose list reads return one page unless told otherwise (a Parse query's
        // `find()`: 100 rows)
        if let Some(pkg) = self.chain_package(c) {
            if let Some(why) = k::default_page(&pkg, site.method.as_deref().unwrap_or("")) {
                return Prov::Bounded(why);
            }
        }
        // the base of a query builder (`knex('photos')`, `db.knex('jobs')`, `trx.table('t')`):
        // awaited as it is, every row of the table
        let builder_base = site.first_string_arg.is_some()
            && (site.api().is_some_and(|q| q.module.as_str() == "knex" && q.path.is_empty())
                || site.method.as_deref().is_some_and(|n| matches!(n, "knex" | "table" | "from")));
        if builder_base {
            return Prov::Rows { call: site.id, text: self.text(c.span) };
        }
        match &site.target {
            // a function of the project: what it returns, resolved after the link
            Target::Local(_) => Prov::Returned { call: site.id, rows: multi_row(site) },
            Target::Api(q) if crate::knowledge::is_relative(&q.module) => {
                Prov::Returned { call: site.id, rows: multi_row(site) }
            }
            Target::Api(q) => {
                if crate::knowledge::stores::is_remote_module(&q.module) && multi_row(site) {
                    Prov::Rows { call: site.id, text: self.text(callee.span()) }
                } else {
                    Prov::Unknown
                }
            }
            Target::Unknown => {
                let from_package = m.receiver_source(site).is_some_and(|r| {
                    m.call(r).api().is_some_and(|q| {
                        !crate::knowledge::is_relative(&q.module)
                            && !crate::knowledge::stores::is_remote_module(&q.module)
                    })
                });
                if !from_package && multi_row(site) {
                    Prov::Rows { call: site.id, text: self.text(callee.span()) }
                } else {
                    Prov::Unknown
                }
            }
        }
    }

    /// The package a method chain's receiver was made from (`new Parse.Query(X).equalTo(…).find()`).
    fn chain_package(&self, c: &CallExpr) -> Option<swc_atoms::Atom> {
        let Callee::Expr(callee) = &c.callee else { return None };
        let mut e = strip(callee);
        for _ in 0..16 {
            e = match e {
                Expr::Member(mm) => strip(&mm.obj),
                Expr::Call(cc) => match &cc.callee {
                    Callee::Expr(x) => strip(x),
                    _ => return None,
                },
                Expr::New(n) => strip(&n.callee),
                other => {
                    let v = super::build::value_ref(self.m, other)?;
                    return self.m.package_of(&v);
                }
            };
        }
        None
    }

    /// Where the value of a call comes from.
    pub(crate) fn call_prov(&self, c: &CallExpr) -> Prov {
        self.call(c, 0)
    }

    pub(crate) fn is_api(&self, c: &CallExpr, table: &[k::Api]) -> bool {
        self.m.call_at(c.span).and_then(|s| s.api()).is_some_and(|q| k::matches(table, q))
    }

    /// `x.length` compared with a maximum before something bails out: `x` is bounded from here.
    fn note_length_check(&mut self, length: &Expr, other: &Expr) {
        let m = self.m;
        let checked = match strip(length) {
            Expr::Member(mem) if matches!(&mem.prop, MemberProp::Ident(p) if p.sym.as_str() == "length") => &*mem.obj,
            count @ Expr::Ident(_) => count,
            _ => return,
        };
        let bounding = match strip(other) {
            Expr::Lit(Lit::Num(n)) => n.value > 1.0,
            Expr::Ident(i) => m.binding_of(i).is_some_and(|b| m.binding(b).kind == BindingKind::Const),
            Expr::Member(_) => !is_length(other),
            _ => false,
        };
        if !bounding {
            return;
        }
        // the checked variable, or the variable a checked path starts from (`req.body.ids` is
        // checked once it is copied: `const ids = req.body.ids; if (ids.length > 100) …`)
        if let Expr::Ident(i) = strip(checked) {
            if let Some(b) = m.binding_of(i) {
                self.vars.insert(b, Prov::Bounded("its length is checked"));
            }
        } else if let Some(b) = self.var_holding(checked) {
            self.vars.insert(b, Prov::Bounded("its length is checked"));
        }
    }

    /// A variable that holds the value of the path `e` (`const ids = req.body.ids`).
    fn var_holding(&self, e: &Expr) -> Option<BindingId> {
        let want = self.prov(e);
        if !want.is_unbounded() {
            return None;
        }
        self.vars.iter().find(|(_, p)| **p == want).map(|(b, _)| *b)
    }

    fn assign_var(&mut self, b: BindingId, value: Prov) {
        self.vars.insert(b, value);
    }
}

fn i_text(name: &swc_atoms::Atom) -> String {
    name.to_string()
}

/// A query that returns many rows: a multi-row verb, or SQL that selects.
fn multi_row(site: &super::CallSite) -> bool {
    let Some(name) = site.method.as_deref() else { return false };
    if !k::MULTI_ROW_VERBS.contains(&name) {
        return false;
    }
    let takes_sql = crate::knowledge::stores::SQL_METHODS.contains(&name) || name == "all";
    match site.first_string_arg.as_deref() {
        Some(sql) if takes_sql => crate::knowledge::sql_effect(sql) == Some(Effect::Read),
        // SQL text the model cannot read says nothing
        _ => !takes_sql,
    }
}

fn is_readdir(q: &super::QualName) -> bool {
    matches!(q.module.as_str(), "fs" | "fs/promises" | "fs-extra" | "graceful-fs")
        && matches!(q.last(), Some("readdir" | "readdirSync"))
}

/// Whether a loop body awaits at its own level (not in a function it defines): each iteration
/// then waits there before the next begins.
fn body_awaits(body: &Stmt) -> bool {
    struct V(bool);
    impl Visit for V {
        fn visit_await_expr(&mut self, _: &AwaitExpr) {
            self.0 = true;
        }
        fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
            self.0 |= n.is_await;
            n.visit_children_with(self);
        }
        fn visit_function(&mut self, _: &Function) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
        fn visit_class(&mut self, _: &Class) {}
    }
    let mut v = V(false);
    body.visit_with(&mut v);
    v.0
}

/// A path the package ships: built from `__dirname`/`__filename`/`import.meta` only, or a literal.
fn shipped_path(m: &FileModel, e: &Expr) -> bool {
    struct V<'m>(&'m FileModel, bool, bool);
    impl Visit for V<'_> {
        fn visit_ident(&mut self, i: &Ident) {
            if self.0.is_global(i) && matches!(i.sym.as_str(), "__dirname" | "__filename") {
                self.1 = true;
            } else if !self.0.is_global(i) && !is_path_module(self.0, i) {
                self.2 = true;
            }
        }
        fn visit_meta_prop_expr(&mut self, _: &MetaPropExpr) {
            self.1 = true;
        }
        fn visit_member_prop(&mut self, _: &MemberProp) {}
    }
    if matches!(strip(e), Expr::Lit(Lit::Str(_))) {
        return true;
    }
    let mut v = V(m, false, false);
    e.visit_with(&mut v);
    v.1 && !v.2
}

/// `path` of `require('path')` (or a name imported from it): joins paths, adds no data.
fn is_path_module(m: &FileModel, i: &Ident) -> bool {
    m.binding_of(i).is_some_and(|b| match &m.binding(b).origin {
        super::Origin::Value(v) => {
            matches!(&v.root, super::Root::Module(spec) if matches!(crate::knowledge::normalize_module(spec), "path" | "path/posix"))
        }
        _ => false,
    })
}

/// The `length` of an array-like object literal (`{ length: n }`).
fn length_value(o: &ObjectLit) -> Option<&Expr> {
    o.props.iter().find_map(|p| match p {
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) if prop_name_is(&kv.key, &["length"]) => Some(&*kv.value),
            _ => None,
        },
        PropOrSpread::Spread(_) => None,
    })
}

pub(crate) fn is_length(e: &Expr) -> bool {
    matches!(strip(e), Expr::Member(m) if matches!(&m.prop, MemberProp::Ident(p) if p.sym.as_str() == "length"))
}

pub(crate) fn prop_name_is(key: &PropName, names: &[&str]) -> bool {
    match key {
        PropName::Ident(i) => names.contains(&i.sym.as_str()),
        PropName::Str(s) => s.value.as_str().is_some_and(|v| names.contains(&v)),
        _ => false,
    }
}

/// `obj.method(…)`: the receiver and the method name.
pub(crate) fn member_of(c: &CallExpr) -> Option<(&Expr, &swc_atoms::Atom)> {
    let Callee::Expr(callee) = &c.callee else { return None };
    match strip(callee) {
        Expr::Member(m) => match &m.prop {
            MemberProp::Ident(p) => Some((&m.obj, &p.sym)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a query call asks for a page: an options object with a limit key (`{ limit }`,
/// `{ take: 20 }`), SQL with an outer `LIMIT`, or a limit anywhere in its builder chain.
///
/// Also, as nothing establishes that it returns every row: options spread from another object
/// (`{ where, ...ctx.state.pagination }` may carry the limit), and a lookup by a list of keys
/// (`where: { id: documentIds }`, `{ _id: { $in: ids } }`), which returns at most one row per key.
pub(crate) fn is_paged(c: &CallExpr) -> bool {
    let limited_options = c.args.iter().any(|a| match strip(&a.expr) {
        Expr::Object(o) => {
            o.props.iter().any(|p| match p {
                PropOrSpread::Prop(p) => match &**p {
                    Prop::KeyValue(kv) => {
                        prop_name_is(&kv.key, k::PAGE_LIMIT_KEYS)
                            || (prop_name_is(&kv.key, &["where"])
                                && matches!(strip(&kv.value), Expr::Object(w) if by_keys(w)))
                    }
                    Prop::Shorthand(i) => k::PAGE_LIMIT_KEYS.contains(&i.sym.as_str()),
                    _ => false,
                },
                PropOrSpread::Spread(_) => true,
            }) || by_keys(o)
        }
        _ => false,
    });
    let sql_method = member_of(c).is_some_and(|(_, m)| crate::knowledge::stores::SQL_METHODS.contains(&m.as_str()))
        || matches!(&c.callee, Callee::Expr(e) if matches!(strip(e), Expr::Ident(i) if i.sym.as_str() == "query"));
    if limited_options || (sql_method && c.args.first().is_some_and(|a| sql_is_paged(&a.expr))) {
        return true;
    }
    match member_of(c) {
        Some((obj, method)) => {
            if k::PAGE_LIMIT_METHODS.contains(&method.as_str()) && !c.args.is_empty() {
                return true;
            }
            if k::PAGED_METHOD_PARTS.iter().any(|p| method.as_str().ends_with(p) || method.as_str().starts_with(p)) {
                return true;
            }
            match strip(obj) {
                Expr::Call(inner) => is_paged(inner),
                _ => false,
            }
        }
        None => false,
    }
}

/// A filter on the primary key by a list (`{ id: ids }`, `{ id: { [Op.in]: ids } }`,
/// `{ _id: { $in: ids } }`): one row per key at most.
fn by_keys(o: &ObjectLit) -> bool {
    o.props.iter().any(|p| {
        let PropOrSpread::Prop(p) = p else { return false };
        let (key, value) = match &**p {
            Prop::KeyValue(kv) => (prop_name_is(&kv.key, &["id", "_id"]), strip(&kv.value)),
            Prop::Shorthand(i) => return i.sym.as_str() == "ids",
            _ => return false,
        };
        key && match value {
            Expr::Object(inner) => inner.props.iter().any(|q| match q {
                PropOrSpread::Prop(q) => match &**q {
                    Prop::KeyValue(kv) => match &kv.key {
                        PropName::Computed(c) => {
                            matches!(strip(&c.expr), Expr::Member(m) if matches!(&m.prop, MemberProp::Ident(i) if i.sym.as_str() == "in"))
                        }
                        key => prop_name_is(key, &["$in", "in"]),
                    },
                    _ => false,
                },
                _ => false,
            }),
            Expr::Lit(_) => false,
            _ => true,
        }
    })
}

/// SQL whose outer query asks for a page: `… LIMIT 20`, `FETCH FIRST 50 ROWS ONLY`, `TOP 10`. A
/// `LIMIT` inside a subquery (followed by more closing parentheses than opening ones) bounds
/// nothing outside it.
fn sql_is_paged(e: &Expr) -> bool {
    let text = match strip(e) {
        Expr::Lit(Lit::Str(s)) => s.value.as_str().map(str::to_ascii_lowercase),
        Expr::Tpl(t) => {
            Some(t.quasis.iter().map(|q| q.raw.as_str()).collect::<Vec<_>>().join(" ${} ").to_ascii_lowercase())
        }
        _ => None,
    };
    let Some(text) = text else { return false };
    let sql: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if !sql.trim_start().starts_with("select") && !sql.trim_start().starts_with("with") {
        return false;
    }
    if sql.starts_with("select top ") {
        return true;
    }
    ["limit ", "fetch first ", "fetch next "].iter().any(|kw| match sql.rfind(kw) {
        Some(at) => {
            let before = sql[..at].chars().last();
            let rest = &sql[at..];
            let closes = rest.matches(')').count() > rest.matches('(').count();
            before.is_none_or(|ch| !ch.is_alphanumeric() && ch != '_') && !closes
        }
        None => false,
    })
}

/// Whether the body of an `if` bounds what follows: it leaves (`return`, `throw`, `break`,
/// `continue`, `process.exit`, `ctx.throw`), waits, or changes something (`ids = ids.slice(0,
/// 100)`). A body that only logs lets the oversized input through.
fn bails_out(body: &Stmt) -> bool {
    struct Bails(bool);
    impl Visit for Bails {
        crate::skip_typescript_types!();
        fn visit_return_stmt(&mut self, _: &ReturnStmt) {
            self.0 = true;
        }
        fn visit_throw_stmt(&mut self, _: &ThrowStmt) {
            self.0 = true;
        }
        fn visit_break_stmt(&mut self, _: &BreakStmt) {
            self.0 = true;
        }
        fn visit_continue_stmt(&mut self, _: &ContinueStmt) {
            self.0 = true;
        }
        fn visit_await_expr(&mut self, _: &AwaitExpr) {
            self.0 = true;
        }
        fn visit_yield_expr(&mut self, _: &YieldExpr) {
            self.0 = true;
        }
        fn visit_assign_expr(&mut self, _: &AssignExpr) {
            self.0 = true;
        }
        fn visit_update_expr(&mut self, _: &UpdateExpr) {
            self.0 = true;
        }
        fn visit_call_expr(&mut self, c: &CallExpr) {
            let name = match &c.callee {
                Callee::Expr(e) => match strip(e) {
                    Expr::Ident(i) => Some(i.sym.clone()),
                    _ => member_of(c).map(|(_, m)| m.clone()),
                },
                _ => None,
            };
            if name.is_some_and(|m| {
                matches!(m.as_str(), "exit" | "throw" | "assert" | "abort" | "reject" | "splice" | "pop" | "shift")
            }) {
                self.0 = true;
            }
            c.visit_children_with(self);
        }
        fn visit_function(&mut self, _: &Function) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
        fn visit_class(&mut self, _: &Class) {}
    }
    let mut v = Bails(false);
    body.visit_with(&mut v);
    v.0
}

/// Whether an expression makes a limiter (`pLimit(4)`, `new PQueue({ concurrency: 2 })`).
fn makes_limiter(m: &FileModel, e: &Expr) -> bool {
    let span = match strip(e) {
        Expr::Await(a) => return makes_limiter(m, &a.arg),
        Expr::Call(c) => c.span,
        Expr::New(n) => n.span,
        _ => return false,
    };
    m.call_at(span).and_then(|s| s.api()).is_some_and(k::is_limiter_factory)
}

impl Walk<'_> {
    fn enter_fn(&mut self, span: swc_common::Span) -> Option<(FnId, Vec<Option<(Prov, ByteSpan)>>)> {
        let id = self.m.function_at(span)?;
        self.fns.push(id);
        let outer = std::mem::take(&mut self.loops);
        self.paced_stack.push(std::mem::take(&mut self.loop_paced));
        if let Some(over) = self.loop_fns.get(&id) {
            self.loops.push(Some(over.clone()));
            self.loop_paced.push(false);
        }
        Some((id, outer))
    }

    fn leave_fn(&mut self, entered: Option<(FnId, Vec<Option<(Prov, ByteSpan)>>)>) {
        if let Some((_, loops)) = entered {
            self.fns.pop();
            self.loops = loops;
            self.loop_paced = self.paced_stack.pop().unwrap_or_default();
        }
    }

    fn note_return(&mut self, e: &Expr) {
        let f = self.cur();
        let p = self.prov(e);
        let i = f.0 as usize;
        self.out.returns[i] = if self.returned[i] { Prov::either(self.out.returns[i].clone(), p) } else { p };
        self.returned[i] = true;
    }

    /// Give the variables a pattern binds what they hold: the whole value for a name; for
    /// `{ rows: users }` or `[rows]` the rows of a query; a field of the client's input is input.
    fn bind_pat(&mut self, p: &Pat, value: Prov) {
        match p {
            Pat::Ident(b) => {
                if let Some(id) = self.m.binding_of(&b.id) {
                    self.assign_var(id, value);
                }
            }
            Pat::Assign(a) => self.bind_pat(&a.left, value),
            Pat::Object(o) => {
                for prop in &o.props {
                    let (key, target): (Option<&str>, Option<Pat>) = match prop {
                        ObjectPatProp::KeyValue(kv) => (
                            match &kv.key {
                                PropName::Ident(i) => Some(i.sym.as_str()),
                                PropName::Str(s) => s.value.as_str(),
                                _ => None,
                            },
                            Some((*kv.value).clone()),
                        ),
                        ObjectPatProp::Assign(a) => (Some(a.key.id.sym.as_str()), Some(Pat::Ident(a.key.clone()))),
                        ObjectPatProp::Rest(_) => (None, None),
                    };
                    let (Some(key), Some(target)) = (key, target) else { continue };
                    let field = match &value {
                        Prov::Request { text, span } => Prov::Request { text: format!("{text}.{key}"), span: *span },
                        Prov::Rows { .. } | Prov::Returned { .. } if k::ROW_FIELDS.contains(&key) => value.clone(),
                        _ => Prov::Unknown,
                    };
                    self.bind_pat(&target, field);
                }
            }
            Pat::Array(a) => {
                // `const [rows] = await conn.query(sql)` (mysql2): the rows come first
                if let Some(Some(first)) = a.elems.first() {
                    let rows = match &value {
                        Prov::Rows { .. } | Prov::Returned { .. } => value.clone(),
                        _ => Prov::Unknown,
                    };
                    self.bind_pat(first, rows);
                }
            }
            _ => {}
        }
    }
}

impl Visit for Walk<'_> {
    crate::skip_typescript_types!();

    fn visit_function(&mut self, n: &Function) {
        let entered = self.enter_fn(n.span);
        n.visit_children_with(self);
        self.leave_fn(entered);
    }

    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        let entered = self.enter_fn(n.span);
        if let ArrowFunctionBody::Expr(e) = &*n.body {
            n.params.visit_with(self);
            e.visit_with(self);
            self.note_return(e);
        } else {
            n.visit_children_with(self);
        }
        self.leave_fn(entered);
    }

    fn visit_constructor(&mut self, n: &Constructor) {
        let entered = self.enter_fn(n.span);
        n.visit_children_with(self);
        self.leave_fn(entered);
    }

    fn visit_return_stmt(&mut self, n: &ReturnStmt) {
        n.visit_children_with(self);
        if let Some(arg) = &n.arg {
            self.note_return(arg);
        }
    }

    fn visit_var_declarator(&mut self, n: &VarDeclarator) {
        n.visit_children_with(self);
        let Some(init) = &n.init else { return };
        if makes_limiter(self.m, init) {
            if let Pat::Ident(b) = &n.name {
                if let Some(id) = self.m.binding_of(&b.id) {
                    self.limiters.insert(id);
                }
            }
        }
        // `const jobs = xs.map(cb)`: remembered for a later `Promise.all(jobs)`
        if let (Pat::Ident(b), Expr::Call(c)) = (&n.name, strip(init)) {
            if let Some((p, coll, work)) = fanout::mapped(self, c) {
                if let Some(id) = self.m.binding_of(&b.id) {
                    let at = self.span(c.span);
                    self.maps.insert(id, (p, at, work, coll));
                }
            }
        }
        let value = self.prov(init);
        self.bind_pat(&n.name, value);
    }

    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        n.visit_children_with(self);
        if let AssignTarget::Simple(SimpleAssignTarget::Ident(b)) = &n.left {
            if let Some(id) = self.m.binding_of(&b.id) {
                let value = if n.op == AssignOp::Assign { self.prov(&n.right) } else { Prov::Unknown };
                self.assign_var(id, value);
            }
        }
    }

    fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
        n.right.visit_with(self);
        let over = self.prov(&n.right);
        let right = self.span(n.right.span());
        self.out.loops.insert((right.start, right.end), over.clone());
        if let ForHead::VarDecl(d) = &n.left {
            if let [decl] = d.decls.as_slice() {
                let element = self.element(&n.right);
                self.bind_pat(&decl.name, element);
            }
        }
        self.loops.push(if n.is_await { None } else { Some((over, right)) });
        self.loop_paced.push(body_awaits(&n.body));
        n.body.visit_with(self);
        self.loops.pop();
        self.loop_paced.pop();
    }

    fn visit_for_in_stmt(&mut self, n: &ForInStmt) {
        n.right.visit_with(self);
        let over = match self.prov(&n.right) {
            p @ (Prov::Request { .. } | Prov::Bounded(_)) => p,
            _ => Prov::Unknown,
        };
        let right = self.span(n.right.span());
        self.out.loops.insert((right.start, right.end), over.clone());
        self.loops.push(Some((over, right)));
        self.loop_paced.push(body_awaits(&n.body));
        n.body.visit_with(self);
        self.loops.pop();
        self.loop_paced.pop();
    }

    fn visit_for_stmt(&mut self, n: &ForStmt) {
        n.init.visit_with(self);
        n.test.visit_with(self);
        n.update.visit_with(self);
        // `i < xs.length` walks `xs`; `i < 3` a literal count
        let over = n.test.as_deref().and_then(|t| match strip(t) {
            Expr::Bin(b) if matches!(b.op, BinaryOp::Lt | BinaryOp::LtEq) => match strip(&b.right) {
                Expr::Member(m) if matches!(&m.prop, MemberProp::Ident(p) if p.sym.as_str() == "length") => {
                    Some((self.prov(&m.obj), self.span(m.obj.span())))
                }
                Expr::Lit(Lit::Num(_)) => Some((Prov::Bounded("a literal count"), self.span(b.right.span()))),
                _ => None,
            },
            _ => None,
        });
        self.loops.push(over);
        self.loop_paced.push(body_awaits(&n.body));
        n.body.visit_with(self);
        self.loops.pop();
        self.loop_paced.pop();
    }

    fn visit_while_stmt(&mut self, n: &WhileStmt) {
        n.test.visit_with(self);
        self.loops.push(None);
        self.loop_paced.push(body_awaits(&n.body));
        n.body.visit_with(self);
        self.loops.pop();
        self.loop_paced.pop();
    }

    fn visit_do_while_stmt(&mut self, n: &DoWhileStmt) {
        self.loops.push(None);
        self.loop_paced.push(body_awaits(&n.body));
        n.body.visit_with(self);
        self.loops.pop();
        self.loop_paced.pop();
        n.test.visit_with(self);
    }

    fn visit_if_stmt(&mut self, n: &IfStmt) {
        if n.alt.is_none() && !bails_out(&n.cons) {
            let saved = std::mem::replace(&mut self.unchecked_test, true);
            n.test.visit_with(self);
            self.unchecked_test = saved;
            n.cons.visit_with(self);
        } else {
            n.visit_children_with(self);
        }
    }

    fn visit_bin_expr(&mut self, n: &BinExpr) {
        if !self.unchecked_test {
            match n.op {
                BinaryOp::Gt | BinaryOp::GtEq => self.note_length_check(&n.left, &n.right),
                BinaryOp::Lt | BinaryOp::LtEq => self.note_length_check(&n.right, &n.left),
                _ => {}
            }
        }
        n.visit_children_with(self);
    }

    fn visit_expr_stmt(&mut self, n: &ExprStmt) {
        n.visit_children_with(self);
        fanout::statement(self, &n.expr);
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        let m = self.m;
        // the element parameter of `xs.map(cb)` is one element of `xs`
        if let (Some((obj, method)), Some(first)) = (member_of(n), n.args.first()) {
            if k::PER_ELEMENT_METHODS.contains(&method.as_str()) {
                let span = match strip(&first.expr) {
                    Expr::Arrow(a) => Some(a.span),
                    Expr::Fn(f) => Some(f.function.span),
                    _ => None,
                };
                if let Some(f) = span.and_then(|s| m.function_at(s)) {
                    let element = self.element(obj);
                    self.elements.insert(f, element);
                    if k::FOR_EACH_METHODS.contains(&method.as_str()) {
                        let over = (self.prov(obj), self.span(obj.span()));
                        self.loop_fns.insert(f, over);
                    }
                }
            }
        }
        n.visit_children_with(self);
        let Some(site) = m.call_at(n.span) else { return };
        // what calls of project functions pass
        let project = match &site.target {
            Target::Local(_) => true,
            Target::Api(q) => crate::knowledge::is_relative(&q.module),
            Target::Unknown => false,
        };
        if project && n.args.iter().all(|a| a.spread.is_none()) {
            let args: Vec<(u32, Prov)> = n
                .args
                .iter()
                .enumerate()
                .map(|(i, a)| (i as u32, self.prov(&a.expr)))
                .filter(|(_, p)| *p != Prov::Unknown)
                .collect();
            if !args.is_empty() {
                self.out.args.push((site.id, args));
            }
        }
        // a call through a limiter: `limit(() => …)`, `queue.add(…)`, `limiter.schedule(…)`
        let through_limiter = match site.callee_ref.as_ref().map(|v| &v.root) {
            Some(super::Root::Binding(b)) => self.limiters.contains(b),
            _ => false,
        };
        if through_limiter {
            self.out.limited.push(site.id);
        }
        // `jobs.push(save(x))` in a loop
        if let (Some((obj, method)), [arg]) = (member_of(n), n.args.as_slice()) {
            if k::PUSH_METHODS.contains(&method.as_str()) && arg.spread.is_none() {
                if let Expr::Ident(i) = strip(obj) {
                    if let (Some(b), Some(Some((over, coll)))) = (m.binding_of(i), self.loops.last().cloned()) {
                        if let Some(work) = fanout::started_work(self, &arg.expr) {
                            self.pushes.insert(b, (over, self.span(n.span), work, coll));
                        }
                    }
                }
            }
            // a literal that grows is no longer fixed
            if k::GROWING_METHODS.contains(&method.as_str()) {
                if let Expr::Ident(i) = strip(obj) {
                    if let Some(b) = m.binding_of(i) {
                        if matches!(self.vars.get(&b), Some(Prov::Bounded(_))) {
                            self.vars.insert(b, Prov::Unknown);
                        }
                    }
                }
            }
        }
        // `pending.splice(0)` drains what was pushed: the loop awaits its batches as it goes
        if let Some((obj, method)) = member_of(n) {
            if method.as_str() == "splice" {
                if let Expr::Ident(i) = strip(obj) {
                    if let Some(entry) = m.binding_of(i).and_then(|b| self.pushes.get_mut(&b)) {
                        entry.0 = Prov::Bounded("drained in batches");
                    }
                }
            }
        }
        fanout::call(self, n, site.id, site.kind);
        let _ = CallbackKind::Sync;
    }
}
