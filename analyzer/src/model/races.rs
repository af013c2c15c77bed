//! Read-modify-write of shared state across an `await`: the facts `await-race` decides on.
//!
//! One walk per async function, in evaluation order, follows where values come from (a read of
//! shared in-memory state, an awaited read of a datastore record) through locals, arithmetic and
//! list or object growth, and notes a **race** where such a value is written back after an await:
//! `total += await price(id)`, `const cur = state.n; await save(); state.n = cur + 1`,
//! `doc.n -= x; await doc.save()`, `redis.set(k, n + 1)` after `redis.get(k)`, an `UPDATE` of the
//! row a `SELECT` read. Locks, transactions, version checks and atomic operators that the tree
//! shows end or protect the window; calls of project functions that may take a lock are kept
//! with the race ([`Race::guards`]) for the rule to ask the project about.

use super::unwrap_expr as unwrap;
use super::{self as model, BindingId, BindingKind, CallSite, FileModel, FnId, FnKind, FnUse, Target};
use crate::diagnostic::ByteSpan;
use crate::knowledge::stores::{self, Store};
use crate::knowledge::{name_has_word, sql_effect, CallbackKind, Effect};
use rustc_hash::FxHashMap;
use swc_atoms::Atom;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// What a race is about.
#[derive(Clone, Debug)]
pub enum RaceKind {
    /// Shared in-memory state (`total`, `this.balance`, `cache[key]`), as written; `single` when
    /// the read and the write are one expression (`x += await f()`); `concurrent` when the state
    /// is shared by concurrent calls of one callback rather than by requests.
    Memory { path: String, single: bool, concurrent: bool },
    /// A datastore record read (`desc`, e.g. `User.findById`) and written back; `changed` where it
    /// was changed from its stale value.
    Store { desc: String, store: Store, changed: Option<ByteSpan> },
}

/// A read-modify-write across an await.
#[derive(Clone, Debug)]
pub struct Race {
    pub func: FnId,
    pub kind: RaceKind,
    pub write: ByteSpan,
    pub read: ByteSpan,
    pub await_kw: ByteSpan,
    /// Calls of project functions made before the write: if one of them takes a lock or opens a
    /// transaction, the window is protected.
    pub guards: Vec<super::CallId>,
}

/// Walk the async functions of a file and collect their races.
pub fn extract(m: &FileModel, program: &Program) -> Vec<Race> {
    let mut starts: Vec<u32> = m.functions.iter().filter(|f| worth_checking(m, f.id)).map(|f| f.span.start).collect();
    if starts.is_empty() {
        return Vec::new();
    }
    starts.sort_unstable();
    let mut clients =
        Clients { m, modules: FxHashMap::default(), optimistic_schema: false, request_scoped: Vec::new() };
    program.visit_with(&mut clients);
    let mut finder = Finder {
        m,
        optimistic_schema: clients.optimistic_schema,
        clients: &clients.modules,
        request_scoped: &clients.request_scoped,
        out: Vec::new(),
        starts: Some(&starts),
        checked: 0,
    };
    program.visit_with(&mut finder);
    if finder.checked != starts.len() {
        // a function outside the spans of the nodes around it (a decorator's argument, say):
        // walk everything, as if nothing had been skipped
        finder.out.clear();
        finder.starts = None;
        program.visit_with(&mut finder);
    }
    finder.out
}

/// Whether `Finder::check` looks into function `id`: an async function (not a generator) that
/// awaits. Where it runs is decided by the rule, with the project's facts.
fn worth_checking(m: &FileModel, id: FnId) -> bool {
    let f = m.function(id);
    f.is_async && !f.is_generator && !f.awaits.is_empty()
}

/// Walks every function node and checks the async ones.
struct Finder<'a, 'o> {
    m: &'a FileModel,
    optimistic_schema: bool,
    clients: &'a FxHashMap<BindingId, Atom>,
    request_scoped: &'a [ByteSpan],
    out: Vec<Race>,
    /// Sorted starts of the functions worth checking: subtrees holding none are skipped.
    /// `None`: walk everything.
    starts: Option<&'o [u32]>,
    /// How many functions worth checking were checked.
    checked: usize,
}

enum Body<'b> {
    Block(&'b [Stmt]),
    Expr(&'b Expr),
}

impl Finder<'_, '_> {
    /// Whether a node with this span holds none of the functions worth checking.
    fn skip(&self, span: swc_common::Span) -> bool {
        let Some(starts) = self.starts else { return false };
        let s = self.m.span(span);
        let i = starts.partition_point(|&x| x < s.start);
        !(i < starts.len() && starts[i] < s.end)
    }

    fn check(&mut self, id: FnId, body: Body<'_>) {
        let m = self.m;
        if !worth_checking(m, id) {
            return;
        }
        self.checked += 1;
        let mut flow = Flow {
            m,
            cur: id,
            this_ok: this_is_instance(m, id)
                && !self.request_scoped.iter().any(|c| {
                    let f = m.function(id).span;
                    c.start <= f.start && f.end <= c.end
                }),
            clients: self.clients,
            awaits: Vec::new(),
            locals: FxHashMap::default(),
            reads: Vec::new(),
            docs: FxHashMap::default(),
            fields: FxHashMap::default(),
            locked: false,
            region_end: None,
            optimistic: false,
            optimistic_schema: self.optimistic_schema,
            shared: FxHashMap::default(),
            guards: Vec::new(),
            out: Vec::new(),
        };
        match body {
            Body::Block(b) => {
                for s in b {
                    flow.stmt(s);
                }
            }
            Body::Expr(e) => {
                flow.expr(e);
            }
        }
        self.out.append(&mut flow.out);
    }
}

impl Visit for Finder<'_, '_> {
    crate::visit_unless_skipped!(skip: visit_module_item(ModuleItem), visit_stmt(Stmt), visit_expr(Expr), visit_class_member(ClassMember), visit_prop_or_spread(PropOrSpread));

    fn visit_function(&mut self, n: &Function) {
        if let (Some(body), Some(id)) = (&n.body, self.m.function_at(n.span)) {
            self.check(id, Body::Block(&body.stmts));
        }
        n.visit_children_with(self);
    }

    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        if let Some(id) = self.m.function_at(n.span) {
            match &*n.body {
                ArrowFunctionBody::FunctionBody(b) => self.check(id, Body::Block(&b.stmts)),
                ArrowFunctionBody::Expr(e) => self.check(id, Body::Expr(e)),
            }
        }
        n.visit_children_with(self);
    }
}

/// Store clients and models created in this file: `const redis = new Redis()`,
/// `const Wallet = mongoose.model(...)`, `const prisma = new PrismaClient()`, by their module.
struct Clients<'a> {
    m: &'a FileModel,
    modules: FxHashMap<BindingId, Atom>,
    /// `{ optimisticConcurrency: true }` (Mongoose) or a version option in a schema of this file.
    optimistic_schema: bool,
    /// Classes the framework instantiates once per request (NestJS
    /// `@Injectable({ scope: Scope.REQUEST })`): their fields are not shared.
    request_scoped: Vec<ByteSpan>,
}

impl Visit for Clients<'_> {
    crate::skip_typescript_types!();

    fn visit_class(&mut self, n: &Class) {
        if n.decorators.iter().any(|d| request_scope_decorator(&d.expr)) {
            self.request_scoped.push(self.m.span(n.span));
        }
        n.visit_children_with(self);
    }

    fn visit_key_value_prop(&mut self, n: &KeyValueProp) {
        if prop_key(&n.key).is_some_and(|k| stores::OPTIMISTIC_SCHEMA_OPTIONS.contains(&k.as_str()))
            && matches!(unwrap(&n.value), Expr::Lit(Lit::Bool(b)) if b.value)
        {
            self.optimistic_schema = true;
        }
        n.visit_children_with(self);
    }

    fn visit_var_declarator(&mut self, n: &VarDeclarator) {
        if let (Pat::Ident(b), Some(init)) = (&n.name, &n.init) {
            let callee = match unwrap(init) {
                Expr::New(x) => Some(&*x.callee),
                Expr::Call(c) => match &c.callee {
                    Callee::Expr(e) => Some(&**e),
                    _ => None,
                },
                _ => None,
            };
            if let (Some(callee), Some(id)) = (callee, self.m.binding_of(&b.id)) {
                if let Target::Api(q) = self.m.resolve_expr(callee) {
                    self.modules.insert(id, q.module.clone());
                }
            }
        }
        n.visit_children_with(self);
    }
}

/// `@Injectable({ scope: Scope.REQUEST })`, `@Controller({ path: 'x', scope: Scope.REQUEST })`.
fn request_scope_decorator(e: &Expr) -> bool {
    let Expr::Call(c) = unwrap(e) else { return false };
    c.args.iter().any(|a| match unwrap(&a.expr) {
        Expr::Object(o) => o.props.iter().any(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => {
                    prop_key(&kv.key).is_some_and(|k| k == "scope")
                        && match unwrap(&kv.value) {
                            Expr::Member(me) => matches!(&me.prop, MemberProp::Ident(i) if i.sym == "REQUEST"),
                            _ => false,
                        }
                }
                _ => false,
            },
            PropOrSpread::Spread(_) => false,
        }),
        _ => false,
    })
}

/// Whether `this` in function `id` is an object that outlives the call and that concurrent
/// requests share: a method of a class or object literal, or an arrow inside one — unless the
/// class is only instantiated per request (`new Checkout(req.body)` in a handler, not exported).
fn this_is_instance(m: &FileModel, id: FnId) -> bool {
    let mut f = m.function(id);
    while f.kind == FnKind::Arrow {
        match f.parent {
            Some(p) => f = m.function(p),
            None => return false,
        }
    }
    f.kind == FnKind::Method && !m.class_index_of(f.id).is_some_and(|c| m.per_request_class(c))
}

/// The root of an access path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum PathRoot {
    Binding(BindingId),
    This,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Seg {
    Name(Atom),
    Var(BindingId),
    Lit(String),
    /// The entry of a `Map` under a key: `counts.get(k)`.
    Entry(Box<Seg>),
    /// A call with literal arguments that names a sub-client: `db.collection('users')`.
    Args(String),
}

/// An access path compared structurally: `this.balance`, `cache[key]`, `state.counts['a']`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct PathKey {
    root: PathRoot,
    segs: Vec<Seg>,
}

fn seg_of(m: &FileModel, p: &MemberProp) -> Option<Seg> {
    match p {
        MemberProp::Ident(i) => Some(Seg::Name(i.sym.clone())),
        MemberProp::Computed(c) => match unwrap(&c.expr) {
            Expr::Lit(Lit::Str(s)) => s.value.as_str().map(|v| Seg::Name(Atom::from(v))),
            Expr::Lit(Lit::Num(n)) => Some(Seg::Lit(n.value.to_string())),
            Expr::Ident(i) => m.binding_of(i).map(Seg::Var),
            _ => None,
        },
        MemberProp::PrivateName(p) => Some(Seg::Name(Atom::from(format!("#{}", p.name)))),
    }
}

fn path_of(m: &FileModel, e: &Expr) -> Option<PathKey> {
    match unwrap(e) {
        Expr::Ident(i) => m.binding_of(i).map(|b| PathKey { root: PathRoot::Binding(b), segs: vec![] }),
        Expr::This(_) => Some(PathKey { root: PathRoot::This, segs: vec![] }),
        Expr::Member(me) => {
            let mut p = path_of(m, &me.obj)?;
            p.segs.push(seg_of(m, &me.prop)?);
            Some(p)
        }
        Expr::OptChain(o) => match &*o.base {
            OptChainBase::Member(me) => {
                let mut p = path_of(m, &me.obj)?;
                p.segs.push(seg_of(m, &me.prop)?);
                Some(p)
            }
            _ => None,
        },
        _ => None,
    }
}

/// The path of a call's receiver: a plain path, or a call with string literal arguments that
/// names a collection or table of a client (`db.collection('users')`, `mongoose.model('User')`),
/// so two calls through `db.collection('users')` address the same records.
fn receiver_path(m: &FileModel, e: &Expr) -> Option<PathKey> {
    if let Expr::Call(c) = unwrap(e) {
        let Callee::Expr(callee) = &c.callee else { return None };
        if !matches!(unwrap(callee), Expr::Member(_)) || c.args.is_empty() {
            return None;
        }
        let mut args = Vec::new();
        for a in &c.args {
            match unwrap(&a.expr) {
                Expr::Lit(Lit::Str(s)) if a.spread.is_none() => args.push(format!("'{}'", s.value.as_str()?)),
                _ => return None,
            }
        }
        let mut p = path_of(m, callee)?;
        p.segs.push(Seg::Args(args.join(", ")));
        return Some(p);
    }
    path_of(m, e)
}

fn path_text(m: &FileModel, p: &PathKey) -> String {
    let mut s = match &p.root {
        PathRoot::Binding(b) => m.binding(*b).name.to_string(),
        PathRoot::This => "this".to_string(),
    };
    for seg in &p.segs {
        match seg {
            Seg::Name(n) => {
                s.push('.');
                s.push_str(n);
            }
            Seg::Var(b) => s.push_str(&format!("[{}]", m.binding(*b).name)),
            Seg::Lit(l) => s.push_str(&format!("[{l}]")),
            Seg::Entry(k) => match &**k {
                Seg::Var(b) => s.push_str(&format!(".get({})", m.binding(*b).name)),
                Seg::Lit(l) => s.push_str(&format!(".get({l})")),
                _ => s.push_str(".get(…)"),
            },
            Seg::Args(a) => s.push_str(&format!("({a})")),
        }
    }
    s
}

/// Where a value may come from.
#[derive(Clone, Debug)]
enum Src {
    /// A read of shared in-memory state, with the number of awaits passed before it.
    Mem { path: PathKey, span: ByteSpan, awaits: usize, locked: bool },
    /// The result of an awaited datastore read.
    Store { read: usize },
}

/// The sources a value derives from; `computed` once an operation used them (a copy is not).
#[derive(Clone, Debug, Default)]
struct Taint(Vec<(Src, bool)>);

impl Taint {
    fn add(&mut self, mut other: Taint) {
        if self.0.is_empty() {
            // the same as pushing them one by one, without copying
            other.0.truncate(64);
            self.0 = other.0;
            return;
        }
        for s in other.0 {
            if self.0.len() < 64 {
                self.0.push(s);
            }
        }
    }
    fn copied(mut self) -> Taint {
        for s in &mut self.0 {
            s.1 = false;
        }
        self
    }
    fn reads(&self) -> Vec<usize> {
        self.0
            .iter()
            .filter_map(|(s, _)| match s {
                Src::Store { read } => Some(*read),
                _ => None,
            })
            .collect()
    }
    fn computed(mut self) -> Taint {
        for s in &mut self.0 {
            s.1 = true;
        }
        self
    }
    /// The in-memory reads made computations: a record read from a store stays a copy.
    fn mem_computed(mut self) -> Taint {
        for s in &mut self.0 {
            if matches!(s.0, Src::Mem { .. }) {
                s.1 = true;
            }
        }
        self
    }
    fn computed_from_read(&self, r: usize) -> bool {
        self.0.iter().any(|(s, c)| *c && matches!(s, Src::Store { read } if *read == r))
    }
}

/// A value compared across calls to tell whether they address the same record.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Leaf {
    Path(PathKey),
    Str(String),
    Num(String),
    Tpl(Vec<String>, Vec<Option<PathKey>>),
}

/// An awaited datastore read.
struct StoreRead {
    call: ByteSpan,
    await_kw: ByteSpan,
    receiver: Option<PathKey>,
    /// The values that identify the record; `None` when they cannot be compared.
    leaves: Option<Vec<Leaf>>,
    sql_table: Option<String>,
    /// The table of a query-builder read (`knex('items')`).
    builder_table: Option<String>,
    desc: String,
    method: String,
    protected: bool,
}

/// The walk of one function body in evaluation order.
struct Flow<'a> {
    m: &'a FileModel,
    cur: FnId,
    this_ok: bool,
    clients: &'a FxHashMap<BindingId, Atom>,
    awaits: Vec<ByteSpan>,
    locals: FxHashMap<BindingId, Taint>,
    reads: Vec<StoreRead>,
    /// Locals holding a record straight from a read: the read, and where it was changed from its
    /// own stale value.
    docs: FxHashMap<BindingId, (usize, Option<ByteSpan>)>,
    /// Fields of such locals assigned a value computed from the stale read (`user.n = user.n + 1`):
    /// reading the field back gives that computation, not a copy of the record.
    fields: FxHashMap<(BindingId, Atom), Taint>,
    /// Inside a transaction or lock region started in this function.
    locked: bool,
    /// The number of awaits passed when the last such region ended (`release()`, `COMMIT`):
    /// a value read inside it is stale once another await passes after it.
    region_end: Option<usize>,
    /// After a `WATCH`.
    optimistic: bool,
    /// The file declares a schema with optimistic concurrency: saves check the version.
    optimistic_schema: bool,
    shared: FxHashMap<BindingId, bool>,
    /// Calls of project functions made so far (see [`Race::guards`]).
    guards: Vec<super::CallId>,
    out: Vec<Race>,
}

impl Flow<'_> {
    // ---- statements ----

    fn block(&mut self, b: &BlockStmt) {
        for s in &b.stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        match s {
            Stmt::Block(b) => self.block(b),
            Stmt::Expr(e) => {
                self.expr(&e.expr);
            }
            Stmt::Decl(Decl::Var(v)) => self.var_decl(v),
            Stmt::Decl(Decl::Using(u)) => {
                for d in &u.decls {
                    self.declarator(d);
                }
            }
            Stmt::If(i) => {
                self.expr(&i.test);
                self.branch(&i.cons);
                if let Some(a) = &i.alt {
                    self.branch(a);
                }
            }
            Stmt::Return(r) => {
                if let Some(a) = &r.arg {
                    self.expr(a);
                }
            }
            Stmt::Throw(t) => {
                self.expr(&t.arg);
            }
            Stmt::Try(t) => {
                self.block(&t.block);
                if let Some(h) = &t.handler {
                    let saved = self.save();
                    self.block(&h.body);
                    if h.body.stmts.last().is_some_and(terminates) {
                        self.restore(saved);
                    }
                }
                if let Some(f) = &t.finalizer {
                    self.block(f);
                }
            }
            Stmt::For(f) => {
                match &f.init {
                    Some(VarDeclOrExpr::VarDecl(v)) => self.var_decl(v),
                    Some(VarDeclOrExpr::Expr(e)) => {
                        self.expr(e);
                    }
                    None => {}
                }
                if let Some(t) = &f.test {
                    self.expr(t);
                }
                self.stmt(&f.body);
                if let Some(u) = &f.update {
                    self.expr(u);
                }
            }
            Stmt::ForOf(f) => {
                let t = self.expr(&f.right);
                if f.is_await {
                    self.awaits.push(ByteSpan::new(self.m.span(f.span).start, self.m.span(f.span).start + 3));
                }
                self.for_head(&f.left, t);
                self.stmt(&f.body);
            }
            Stmt::ForIn(f) => {
                let t = self.expr(&f.right);
                self.for_head(&f.left, t);
                self.stmt(&f.body);
            }
            Stmt::While(w) => {
                self.expr(&w.test);
                self.stmt(&w.body);
            }
            Stmt::DoWhile(w) => {
                self.stmt(&w.body);
                self.expr(&w.test);
            }
            Stmt::Switch(sw) => {
                self.expr(&sw.discriminant);
                for c in &sw.cases {
                    if let Some(t) = &c.test {
                        self.expr(t);
                    }
                    for s in &c.cons {
                        self.stmt(s);
                    }
                }
            }
            Stmt::Labeled(l) => self.stmt(&l.body),
            _ => {}
        }
    }

    /// A branch that ends in `return` or `throw` does not reach the code after it: what it
    /// changes (a record, a lock region) is forgotten when it ends.
    fn branch(&mut self, s: &Stmt) {
        if terminates(s) {
            let saved = self.save();
            self.stmt(s);
            self.restore(saved);
        } else {
            self.stmt(s);
        }
    }

    fn save(&self) -> Saved {
        Saved {
            locals: self.locals.clone(),
            docs: self.docs.clone(),
            fields: self.fields.clone(),
            locked: self.locked,
            optimistic: self.optimistic,
        }
    }

    fn restore(&mut self, s: Saved) {
        self.locals = s.locals;
        self.docs = s.docs;
        self.fields = s.fields;
        self.locked = s.locked;
        self.optimistic = s.optimistic;
    }

    fn for_head(&mut self, head: &ForHead, t: Taint) {
        match head {
            ForHead::VarDecl(v) => {
                for d in &v.decls {
                    self.bind_pat(&d.name, &t, None);
                }
            }
            ForHead::Pat(p) => self.bind_pat(p, &t, None),
            ForHead::UsingDecl(u) => {
                for d in &u.decls {
                    self.bind_pat(&d.name, &t, None);
                }
            }
        }
    }

    fn var_decl(&mut self, v: &VarDecl) {
        for d in &v.decls {
            self.declarator(d);
        }
    }

    fn declarator(&mut self, d: &VarDeclarator) {
        let Some(init) = &d.init else {
            self.bind_pat(&d.name, &Taint::default(), None);
            return;
        };
        let before = self.reads.len();
        let t = self.expr(init);
        let doc = self.direct_read(init, before);
        self.bind_pat(&d.name, &t, doc);
    }

    /// The read that an initializer is, when it is exactly `await <read>`.
    fn direct_read(&self, e: &Expr, reads_before: usize) -> Option<usize> {
        match unwrap(e) {
            Expr::Await(_) if self.reads.len() == reads_before + 1 => Some(reads_before),
            _ => None,
        }
    }

    /// A local takes a new value: its taint, the record it holds if it was read straight from a
    /// store (`doc`), and none of the fields known of its old value.
    fn bind_local(&mut self, id: BindingId, t: &Taint, doc: Option<usize>) {
        self.locals.insert(id, t.clone());
        self.forget_fields(id);
        match doc {
            Some(r) => {
                self.docs.insert(id, (r, None));
            }
            None => {
                self.docs.remove(&id);
            }
        }
    }

    /// Give every local a pattern binds the taint of its value; a plain name bound straight from
    /// a read holds the record.
    fn bind_pat(&mut self, p: &Pat, t: &Taint, doc: Option<usize>) {
        match p {
            Pat::Ident(b) => {
                if let Some(id) = self.m.binding_of(&b.id) {
                    self.bind_local(id, t, doc);
                }
            }
            Pat::Object(o) => {
                for prop in &o.props {
                    match prop {
                        ObjectPatProp::KeyValue(kv) => self.bind_pat(&kv.value, t, None),
                        ObjectPatProp::Assign(a) => {
                            if let Some(id) = self.m.binding_of(&a.key.id) {
                                self.locals.insert(id, t.clone());
                                self.docs.remove(&id);
                            }
                        }
                        ObjectPatProp::Rest(r) => self.bind_pat(&r.arg, t, None),
                    }
                }
            }
            Pat::Array(a) => {
                for e in a.elems.iter().flatten() {
                    self.bind_pat(e, t, None);
                }
            }
            Pat::Rest(r) => self.bind_pat(&r.arg, t, None),
            Pat::Assign(a) => self.bind_pat(&a.left, t, doc),
            Pat::Expr(_) | Pat::Invalid(_) => {}
        }
    }

    // ---- expressions ----

    fn expr(&mut self, e: &Expr) -> Taint {
        match unwrap(e) {
            Expr::Ident(i) => {
                let Some(b) = self.m.binding_of(i) else { return Taint::default() };
                if let Some(t) = self.locals.get(&b) {
                    return t.clone();
                }
                self.mem_read(unwrap(e), i.span)
            }
            Expr::Member(me) => {
                if let Some(f) = self.changed_field(me) {
                    return f;
                }
                // a field of a value is a copy of part of it, not a computation
                let mut t = self.expr(&me.obj).copied();
                if let MemberProp::Computed(c) = &me.prop {
                    self.expr(&c.expr);
                }
                t.add(self.mem_read(unwrap(e), me.span));
                t
            }
            Expr::OptChain(o) => match &*o.base {
                OptChainBase::Member(me) => {
                    let mut t = self.expr(&me.obj).copied();
                    if let MemberProp::Computed(c) = &me.prop {
                        self.expr(&c.expr);
                    }
                    t.add(self.mem_read(unwrap(e), o.span));
                    t
                }
                OptChainBase::Call(c) => self.call(o.span, &c.callee, &c.args),
            },
            Expr::Call(c) => match &c.callee {
                Callee::Expr(callee) => self.call(c.span, callee, &c.args),
                _ => {
                    let mut t = Taint::default();
                    for a in &c.args {
                        t.add(self.expr(&a.expr));
                    }
                    t
                }
            },
            Expr::New(n) => {
                let mut t = Taint::default();
                for a in n.args.iter().flatten() {
                    t.add(self.expr(&a.expr));
                }
                t
            }
            Expr::Await(a) => self.await_expr(a),
            Expr::Bin(b) => {
                let mut t = self.expr(&b.left);
                t.add(self.expr(&b.right));
                use BinaryOp::*;
                match b.op {
                    // arithmetic makes a new value from the old one: the shape of a lost update
                    Add | Sub | Mul | Div | Mod | Exp | BitAnd | BitOr | BitXor | LShift | RShift | ZeroFillRShift => {
                        t.computed()
                    }
                    // a default or a choice passes the value on unchanged
                    LogicalOr | LogicalAnd | NullishCoalescing => t,
                    // a comparison yields a fresh boolean
                    _ => Taint::default(),
                }
            }
            Expr::Unary(u) => {
                let t = self.expr(&u.arg);
                match u.op {
                    UnaryOp::Minus | UnaryOp::Plus | UnaryOp::Tilde => t.computed(),
                    _ => Taint::default(),
                }
            }
            Expr::Update(u) => {
                let t = self.expr(&u.arg).computed();
                // `doc.views++` changes a record from its own value
                if let Some(PathKey { root: PathRoot::Binding(b), segs }) = path_of(self.m, &u.arg) {
                    let reads = self.locals.get(&b).map(Taint::reads).unwrap_or_default();
                    if !segs.is_empty() && !reads.is_empty() {
                        let mut own = Taint::default();
                        for &r in &reads {
                            own.0.push((Src::Store { read: r }, true));
                        }
                        let span = self.m.span(u.span);
                        if let [Seg::Name(n)] = segs.as_slice() {
                            self.fields.insert((b, n.clone()), own.clone());
                        }
                        self.changed_local(b, &reads, &own, span);
                    }
                }
                t
            }
            Expr::Assign(a) => self.assign(a),
            Expr::Cond(c) => {
                self.expr(&c.test);
                let mut t = self.expr(&c.cons);
                t.add(self.expr(&c.alt));
                t
            }
            Expr::Seq(s) => {
                let mut last = Taint::default();
                for x in &s.exprs {
                    last = self.expr(x);
                }
                last
            }
            Expr::Tpl(tpl) => {
                let mut t = Taint::default();
                for x in &tpl.exprs {
                    t.add(self.expr(x));
                }
                t
            }
            Expr::TaggedTpl(tt) => {
                let mut t = Taint::default();
                for x in &tt.tpl.exprs {
                    t.add(self.expr(x));
                }
                t
            }
            Expr::Array(a) => {
                // `[...queue, item]`, `[...doc.tags, tag]` build a new list from the old one (a
                // copy is `[...queue]`): elements added meanwhile are dropped
                let grows = a.elems.len() > 1;
                let mut t = Taint::default();
                for x in a.elems.iter().flatten() {
                    let v = self.expr(&x.expr);
                    t.add(if x.spread.is_some() && grows { v.computed() } else { v });
                }
                t
            }
            Expr::Object(o) => {
                // `{ ...state, [k]: v }` builds a new state from the old one
                let grows = o.props.len() > 1;
                let mut t = Taint::default();
                for p in &o.props {
                    match p {
                        PropOrSpread::Spread(s) => {
                            let v = self.expr(&s.expr);
                            t.add(if grows { v.mem_computed() } else { v });
                        }
                        PropOrSpread::Prop(p) => match &**p {
                            Prop::KeyValue(kv) => {
                                let v = self.expr(&kv.value);
                                // a stale value under `$inc` or `increment` is applied atomically
                                if !prop_key(&kv.key).is_some_and(|k| stores::ATOMIC_UPDATE_KEYS.contains(&k.as_str()))
                                {
                                    t.add(v);
                                }
                            }
                            Prop::Shorthand(i) => t.add(self.expr(&Expr::Ident(i.clone()))),
                            _ => {}
                        },
                    }
                }
                t
            }
            Expr::Yield(y) => match &y.arg {
                Some(a) => self.expr(a),
                None => Taint::default(),
            },
            _ => Taint::default(),
        }
    }

    /// A read of shared in-memory state, if `e` names some.
    fn mem_read(&mut self, e: &Expr, span: swc_common::Span) -> Taint {
        let mut t = Taint::default();
        if let Some(path) = path_of(self.m, e) {
            if self.is_shared(&path) {
                let span = self.m.span(span);
                t.0.push((Src::Mem { path, span, awaits: self.awaits.len(), locked: self.locked }, false));
            }
        }
        t
    }

    /// Whether another invocation can see this path: module state, `this` state of a long-lived
    /// object, or a variable captured by a function that runs repeatedly or concurrently.
    fn is_shared(&mut self, p: &PathKey) -> bool {
        match p.root {
            PathRoot::This => self.this_ok && !p.segs.is_empty(),
            PathRoot::Binding(b) => {
                if let Some(&s) = self.shared.get(&b) {
                    return s;
                }
                let s = self.binding_shared(b);
                self.shared.insert(b, s);
                s
            }
        }
    }

    /// Whether `path` is shared only because it is captured by callbacks that run concurrently
    /// (`items.map(async …)`) rather than by every request.
    fn concurrent_capture(&self, path: &PathKey) -> bool {
        let PathRoot::Binding(b) = path.root else { return false };
        let scope = self.m.binding(b).scope;
        if scope == FnId::MODULE {
            return false;
        }
        let mut g = Some(self.cur);
        let mut concurrent = false;
        while let Some(x) = g {
            if x == scope || x == FnId::MODULE {
                break;
            }
            let f = self.m.function(x);
            for u in &f.uses {
                match u {
                    FnUse::Callback { kind: CallbackKind::Repeated, .. } => return false,
                    FnUse::Callback { kind: CallbackKind::Sync, .. } if f.is_async => concurrent = true,
                    _ => {}
                }
            }
            g = f.parent;
        }
        concurrent
    }

    fn binding_shared(&self, b: BindingId) -> bool {
        let m = self.m;
        let binding = m.binding(b);
        if matches!(binding.kind, BindingKind::Param | BindingKind::CatchParam | BindingKind::Unknown) {
            return false;
        }
        if binding.scope == self.cur {
            return false;
        }
        if binding.scope == FnId::MODULE {
            return true;
        }
        // captured: find the declaring function among the enclosing ones
        let mut chain = Vec::new();
        let mut g = Some(self.cur);
        while let Some(x) = g {
            if x == binding.scope {
                break;
            }
            if x == FnId::MODULE {
                return false;
            }
            chain.push(x);
            g = m.function(x).parent;
        }
        if g.is_none() {
            return false;
        }
        // shared only when a function between the use and the declaration runs once per event
        // (a route or listener registered in the declaring function) or concurrently with itself
        // (an async `map`/`forEach` callback); a callback handed to an unknown callee may run
        // strictly one at a time (batch helpers, test runners)
        chain.iter().any(|&x| {
            let f = m.function(x);
            f.uses.iter().any(|u| match u {
                FnUse::Callback { kind: CallbackKind::Repeated, .. } => true,
                FnUse::Callback { kind: CallbackKind::Sync, .. } => f.is_async,
                _ => false,
            })
        })
    }

    fn await_expr(&mut self, a: &AwaitExpr) -> Taint {
        let read = self.read_call(&a.arg);
        // what an awaited operation returns is its own result, not a computation on its
        // arguments: `x = await hash(x)` replaces `x`, and an answer fetched with a prompt built
        // from a record is not that record's stale value
        self.expr(&a.arg);
        let mut t = Taint::default();
        let start = self.m.span(a.span).start;
        let await_kw = ByteSpan::new(start, start + 5);
        self.awaits.push(await_kw);
        if let Some(mut r) = read {
            r.await_kw = await_kw;
            r.protected |= self.locked || self.optimistic;
            self.reads.push(r);
            t.0.push((Src::Store { read: self.reads.len() - 1 }, false));
        }
        t
    }

    /// The datastore read an awaited expression performs, looking through query-builder steps
    /// (`findById(id).lean()`).
    fn read_call(&self, e: &Expr) -> Option<StoreRead> {
        let m = self.m;
        let mut e = unwrap(e);
        if let Some(chain) = builder_chain(m, e) {
            return self.builder_read(&chain, e);
        }
        let mut protected = false;
        loop {
            let Expr::Call(c) = e else { return None };
            let site = m.call_at(c.span)?;
            let method = site.method.as_deref().unwrap_or("");
            let Callee::Expr(callee) = &c.callee else { return None };
            if let Expr::Member(me) = unwrap(callee) {
                if matches!(unwrap(&me.obj), Expr::Call(_)) {
                    if stores::PROTECTING_STEPS.contains(&method) {
                        protected = true;
                        e = unwrap(&me.obj);
                        continue;
                    }
                    if stores::PASSTHROUGH_STEPS.contains(&method) {
                        e = unwrap(&me.obj);
                        continue;
                    }
                }
            }
            if m.effect(site) != Effect::Read || stores::AGGREGATE_READ_WORDS.iter().any(|w| name_has_word(method, w)) {
                return None;
            }
            let receiver = match unwrap(callee) {
                Expr::Member(me) => receiver_path(m, &me.obj),
                _ => None,
            };
            if receiver.as_ref().is_some_and(|r| self.is_http_client(r)) {
                return None;
            }
            let sql = sql_text(site);
            let key_args: &[ExprOrSpread] = if sql.is_some() { c.args.get(1..).unwrap_or(&[]) } else { &c.args };
            protected |= c.args.iter().any(|a| has_key(&a.expr, stores::PROTECTING_OPTIONS));
            let leaves = {
                let mut ls = Vec::new();
                for a in key_args {
                    leaves_of(m, &a.expr, &mut ls);
                }
                if ls.is_empty() && !key_args.is_empty() {
                    None
                } else {
                    Some(ls)
                }
            };
            let desc = match &receiver {
                Some(r) => format!("{}.{method}", path_text(m, r)),
                None => method.to_string(),
            };
            return Some(StoreRead {
                call: m.span(c.span),
                await_kw: ByteSpan::new(0, 0),
                receiver,
                leaves,
                sql_table: sql.and_then(|s| sql_table(s, "FROM")),
                builder_table: None,
                desc,
                method: method.to_string(),
                protected,
            });
        }
    }

    /// A read through a query builder: `knex('items').where({ id }).first()`.
    fn builder_read(&self, chain: &Chain<'_>, e: &Expr) -> Option<StoreRead> {
        let methods: Vec<&str> = chain.steps.iter().map(|(m, _)| *m).collect();
        let outer = *methods.first()?;
        if !stores::BUILDER_READ_STEPS.contains(&outer)
            || methods
                .iter()
                .any(|m| stores::BUILDER_WRITE_STEPS.contains(m) || stores::ATOMIC_BUILDER_STEPS.contains(m))
        {
            return None;
        }
        let protected = methods.iter().any(|m| stores::PROTECTING_STEPS.contains(m));
        Some(StoreRead {
            call: self.m.span(e.span()),
            await_kw: ByteSpan::new(0, 0),
            receiver: Some(chain.root.clone()),
            leaves: Some(chain.where_leaves(self.m)),
            sql_table: None,
            builder_table: Some(chain.table.clone()),
            desc: format!("{}('{}')", path_text(self.m, &chain.root), chain.table),
            method: outer.to_string(),
            protected,
        })
    }

    fn receiver_module(&self, r: &PathKey) -> Option<Atom> {
        let PathRoot::Binding(b) = r.root else { return None };
        if let Some(m) = self.clients.get(&b) {
            return Some(m.clone());
        }
        let v = model::ValueRef { root: model::Root::Binding(b), props: thin_vec::ThinVec::new() };
        match self.m.resolve(&v) {
            Target::Api(q) => Some(q.module.clone()),
            _ => None,
        }
    }

    fn is_http_client(&self, r: &PathKey) -> bool {
        self.receiver_module(r).is_some_and(|m| stores::HTTP_CLIENT_MODULES.contains(&m.as_str()))
    }

    fn store_of(&self, r: &StoreRead) -> Store {
        if r.sql_table.is_some() {
            return Store::Sql;
        }
        if r.builder_table.is_some() {
            return Store::Builder;
        }
        if let Some(module) = r.receiver.as_ref().and_then(|p| self.receiver_module(p)) {
            if let Some((_, s)) = stores::STORE_MODULES.iter().find(|(m, _)| *m == module.as_str()) {
                return *s;
            }
        }
        stores::STORE_READ_METHODS.iter().find(|(m, _)| *m == r.method).map(|(_, s)| *s).unwrap_or(Store::Unknown)
    }

    fn call(&mut self, span: swc_common::Span, callee: &Expr, args: &[ExprOrSpread]) -> Taint {
        let callee = unwrap(callee);
        let recv_taint = match callee {
            Expr::Member(me) => {
                let t = self.expr(&me.obj);
                if let MemberProp::Computed(c) = &me.prop {
                    self.expr(&c.expr);
                }
                t
            }
            Expr::Ident(_) => Taint::default(),
            other => self.expr(other),
        };
        let arg_taints: Vec<Taint> = args.iter().map(|a| self.expr(&a.expr)).collect();
        let mut entry_read = Taint::default();
        if let Some(site) = self.m.call_at(span) {
            self.effects(site, callee, args, &arg_taints);
            let method = site.method.as_deref().unwrap_or("");
            // a shared `Map` read and written around an await: `counts.set(k, counts.get(k) + await w())`
            if stores::MAP_READ_METHODS.contains(&method) {
                if let Some(path) = self.map_entry(callee, args, site, 1) {
                    let span = self.m.span(span);
                    entry_read.0.push((Src::Mem { path, span, awaits: self.awaits.len(), locked: self.locked }, false));
                }
            } else if stores::MAP_WRITE_METHODS.contains(&method) && !self.locked {
                if let Some(path) = self.map_entry(callee, args, site, 2) {
                    if let Some((read, idx)) = self.stale_mem(&path, &arg_taints[1]) {
                        let write = self.m.span(span);
                        let text = path_text(self.m, &path);
                        let single = read.start >= write.start;
                        self.report_mem(write, &path, &text, read, self.awaits[idx], single);
                    }
                }
            }
        }
        // a call passes on what it was given (`Number(n)`, `user.get('x')`) without making it a
        // computation of its own
        let mut t = recv_taint;
        for a in arg_taints {
            t.add(a);
        }
        t.add(entry_read);
        t
    }

    /// Transaction and lock regions, and the write checks of a datastore call.
    fn effects(&mut self, site: &CallSite, callee: &Expr, args: &[ExprOrSpread], arg_taints: &[Taint]) {
        let m = self.m;
        let method = site.method.as_deref().unwrap_or("");
        // only these effects matter here: regions and write-backs, as the call's name says; a
        // function of the project may take a lock in its body: the rule asks the project
        let effect = match m.effect(site) {
            e @ (Effect::Lock | Effect::Unlock | Effect::Transaction | Effect::Write) => e,
            _ => Effect::Unknown,
        };
        let project = match &site.target {
            Target::Local(_) => true,
            Target::Api(q) => crate::knowledge::is_relative(&q.module),
            Target::Unknown => false,
        };
        if project {
            self.guards.push(site.id);
        }
        let sql = sql_text(site);
        let keyword = sql.and_then(sql_keyword);
        let was_locked = self.locked;
        if site.callbacks.is_empty() {
            if let Some(k) = &keyword {
                if stores::SQL_BEGIN.contains(&k.as_str()) {
                    self.locked = true;
                } else if stores::SQL_END.contains(&k.as_str()) {
                    self.locked = false;
                }
            }
            if keyword.is_none() {
                if stores::REGION_END_METHODS.contains(&method) || effect == Effect::Unlock {
                    self.locked = false;
                } else if matches!(effect, Effect::Lock | Effect::Transaction) {
                    self.locked = true;
                }
            }
            if effect == Effect::Lock && keyword.is_some() {
                // SELECT … FOR UPDATE
                self.locked = true;
            }
            if stores::OPTIMISTIC_METHODS.contains(&method) {
                self.optimistic = true;
            }
            if was_locked && !self.locked {
                self.region_end = Some(self.awaits.len());
            }
        }
        if self.locked || self.optimistic {
            return;
        }
        if args.iter().any(|a| has_key(&a.expr, stores::PROTECTING_OPTIONS) || has_key(&a.expr, stores::VERSION_KEYS)) {
            return;
        }
        let Expr::Member(me) = callee else { return };
        // a query-builder update of the rows a builder read: `knex('items').where({ id }).update(…)`
        if stores::BUILDER_WRITE_STEPS.contains(&method) {
            if let Some(chain) = builder_chain(m, unwrap(&me.obj)) {
                let leaves = chain.where_leaves(m);
                for r in (0..self.reads.len()).rev() {
                    let read = &self.reads[r];
                    if read.protected
                        || chain.steps.iter().any(|(s, _)| stores::PROTECTING_STEPS.contains(s))
                        || read.builder_table.as_deref() != Some(chain.table.as_str())
                        || read.receiver.as_ref() != Some(&chain.root)
                        || !read.leaves.as_ref().is_some_and(|ls| ls.iter().all(|l| leaves.contains(l)))
                    {
                        continue;
                    }
                    if arg_taints.iter().any(|t| t.computed_from_read(r)) {
                        self.report_store(r, site.span, None);
                        return;
                    }
                }
                return;
            }
        }
        // a record written through itself: `doc.save()`, `user.update({ n: user.n - 1 })`
        if let Expr::Ident(i) = unwrap(&me.obj) {
            if let Some(b) = m.binding_of(i) {
                if let Some(&(r, dirty)) = self.docs.get(&b) {
                    if stores::RECORD_SET_METHODS.contains(&method) {
                        // `doc.set('n', doc.n - x)` changes the record in memory
                        if arg_taints.iter().any(|t| t.computed_from_read(r)) {
                            self.mark_changed(b, site.span);
                        }
                        return;
                    }
                    if self.optimistic_schema && stores::RECORD_WRITE_METHODS.contains(&method) {
                        return;
                    }
                    if stores::RECORD_WRITE_METHODS.contains(&method) && !self.reads[r].protected {
                        let computed = arg_taints.iter().any(|t| t.computed_from_read(r));
                        if dirty.is_some() || computed {
                            self.report_store(r, site.span, dirty);
                        }
                        return;
                    }
                }
            }
        }
        // a write through the client or model that read the record
        let writes_back = stores::WRITE_BACK_WORDS.iter().any(|w| name_has_word(method, w));
        let operator_atomic = stores::OPERATOR_ATOMIC_METHODS.contains(&method);
        let (data_args, data_taints, sql_update) = match (sql, &keyword) {
            (Some(text), Some(k)) if k == "UPDATE" => {
                if sql_self_relative(text) || sql_has_version(text) {
                    return;
                }
                (args.get(1..).unwrap_or(&[]), arg_taints.get(1..).unwrap_or(&[]), Some(text))
            }
            (Some(_), _) => return,
            (None, _) => {
                if !(writes_back && effect == Effect::Write || operator_atomic) {
                    return;
                }
                (args, arg_taints, None)
            }
        };
        let receiver = receiver_path(m, &me.obj);
        let mut write_leaves = Vec::new();
        for a in data_args {
            leaves_of(m, &a.expr, &mut write_leaves);
        }
        for r in (0..self.reads.len()).rev() {
            let read = &self.reads[r];
            if read.protected {
                continue;
            }
            match sql_update {
                Some(text) => {
                    if read.sql_table.is_none() || read.sql_table != sql_table(text, "UPDATE") {
                        continue;
                    }
                }
                None => {
                    if read.sql_table.is_some() || read.receiver.is_none() || read.receiver != receiver {
                        continue;
                    }
                }
            }
            // the changed record itself handed back to the client that read it: `repo.save(entity)`
            let dirty_doc = data_args.iter().find_map(|a| match unwrap(&a.expr) {
                Expr::Ident(i) => m
                    .binding_of(i)
                    .and_then(|b| self.docs.get(&b))
                    .and_then(|&(dr, d)| (dr == r).then_some(d))
                    .flatten(),
                _ => None,
            });
            // the filter names the record by its own id: `{ _id: user._id }`
            let own_id = write_leaves.iter().any(|l| match l {
                Leaf::Path(PathKey { root: PathRoot::Binding(b), segs }) => {
                    matches!(segs.as_slice(), [Seg::Name(n)] if stores::RECORD_ID_FIELDS.contains(&n.as_str()))
                        && self.locals.get(b).is_some_and(|t| t.reads().contains(&r))
                }
                _ => false,
            });
            let same_record = dirty_doc.is_some()
                || own_id
                || read.leaves.as_ref().is_some_and(|ls| ls.iter().all(|l| write_leaves.contains(l)));
            if !same_record {
                continue;
            }
            let computed = data_taints.iter().any(|t| t.computed_from_read(r));
            if computed || dirty_doc.is_some() {
                self.report_store(r, site.span, dirty_doc);
                return;
            }
        }
    }

    /// A field of local `b`, which holds data from the reads `reads`, was assigned `t`: when `t`
    /// is computed from one of them, `b` now holds a value computed from the stale read.
    fn changed_local(&mut self, b: BindingId, reads: &[usize], t: &Taint, span: ByteSpan) {
        for &r in reads {
            if !t.computed_from_read(r) {
                continue;
            }
            if let Some(local) = self.locals.get_mut(&b) {
                for (s, c) in &mut local.0 {
                    if matches!(s, Src::Store { read } if *read == r) {
                        *c = true;
                    }
                }
            }
            if self.docs.get(&b).is_some_and(|d| d.0 == r) {
                self.mark_changed(b, span);
            }
        }
    }

    /// A local bound anew: what its old record's fields held is gone.
    fn forget_fields(&mut self, b: BindingId) {
        if !self.fields.is_empty() {
            self.fields.retain(|(x, _), _| *x != b);
        }
    }

    /// What `b.field` holds when the field was assigned a computation on a stale read.
    fn changed_field(&self, me: &MemberExpr) -> Option<Taint> {
        if self.fields.is_empty() {
            return None;
        }
        let (Expr::Ident(i), MemberProp::Ident(p)) = (unwrap(&me.obj), &me.prop) else { return None };
        let b = self.m.binding_of(i)?;
        self.fields.get(&(b, p.sym.clone())).cloned()
    }

    /// Note that record `b` was changed from its own stale value at `span`.
    fn mark_changed(&mut self, b: BindingId, span: ByteSpan) {
        if self.locked {
            return;
        }
        if let Some(d) = self.docs.get_mut(&b) {
            d.1.get_or_insert(span);
        }
    }

    fn assign(&mut self, a: &AssignExpr) -> Taint {
        let m = self.m;
        let compound =
            !matches!(a.op, AssignOp::Assign | AssignOp::AndAssign | AssignOp::OrAssign | AssignOp::NullishAssign);
        match &a.left {
            AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => {
                let Some(id) = m.binding_of(&b.id) else {
                    return self.expr(&a.right);
                };
                let path = PathKey { root: PathRoot::Binding(id), segs: vec![] };
                if self.locals.contains_key(&id) || !self.is_shared(&path) {
                    let before = self.reads.len();
                    let mut t = self.expr(&a.right);
                    if compound {
                        t.add(self.locals.get(&id).cloned().unwrap_or_default());
                        t = t.computed();
                    }
                    let doc = if a.op == AssignOp::Assign { self.direct_read(&a.right, before) } else { None };
                    self.bind_local(id, &t, doc);
                    return t;
                }
                self.mem_write(a, path, compound)
            }
            AssignTarget::Simple(SimpleAssignTarget::Member(me)) => {
                let target = Expr::Member(me.clone());
                let path = path_of(m, &target);
                self.expr(&me.obj);
                if let MemberProp::Computed(c) = &me.prop {
                    self.expr(&c.expr);
                }
                let Some(path) = path else { return self.expr(&a.right) };
                // a change to a record read from a store: `doc.balance -= amount`, `data.n += 1`
                if let PathRoot::Binding(b) = path.root {
                    if let Some(reads) = self.locals.get(&b).map(Taint::reads).filter(|r| !r.is_empty()) {
                        let mut t = self.expr(&a.right);
                        if compound {
                            for &r in &reads {
                                t.0.push((Src::Store { read: r }, true));
                            }
                        }
                        if let [Seg::Name(n)] = path.segs.as_slice() {
                            if reads.iter().any(|&r| t.computed_from_read(r)) {
                                self.fields.insert((b, n.clone()), t.clone());
                            } else {
                                self.fields.remove(&(b, n.clone()));
                            }
                        }
                        self.changed_local(b, &reads, &t, m.span(a.span));
                        return t;
                    }
                }
                if self.is_shared(&path) {
                    return self.mem_write(a, path, compound);
                }
                self.expr(&a.right)
            }
            AssignTarget::Pat(p) => {
                let t = self.expr(&a.right);
                struct Binder<'x, 'y>(&'x mut Flow<'y>, Taint);
                impl Visit for Binder<'_, '_> {
                    fn visit_binding_ident(&mut self, b: &BindingIdent) {
                        if let Some(id) = self.0.m.binding_of(&b.id) {
                            self.0.locals.insert(id, self.1.clone());
                            self.0.docs.remove(&id);
                        }
                    }
                    fn visit_expr(&mut self, _: &Expr) {}
                }
                p.visit_with(&mut Binder(self, t.clone()));
                t
            }
            _ => self.expr(&a.right),
        }
    }

    /// A write of shared in-memory state: report it when it uses a value read before an await
    /// that happened since.
    fn mem_write(&mut self, a: &AssignExpr, path: PathKey, compound: bool) -> Taint {
        let m = self.m;
        let awaits_before = self.awaits.len();
        let locked_before = self.locked;
        let t = self.expr(&a.right);
        if self.locked || locked_before {
            return t;
        }
        let now = self.awaits.len();
        let text = path_text(m, &path);
        if compound {
            if now > awaits_before {
                let left = m.span(a.left.span());
                self.report_mem(m.span(a.span), &path, &text, left, self.awaits[awaits_before], true);
            }
            return t;
        }
        if let Some((span, idx)) = self.stale_mem(&path, &t) {
            let single = span.start >= m.span(a.span).start;
            self.report_mem(m.span(a.span), &path, &text, span, self.awaits[idx], single);
        }
        t
    }

    /// The read of `path`, computed into `t`, that an await has passed since; none when `t` also
    /// reads `path` afresh.
    fn stale_mem(&self, path: &PathKey, t: &Taint) -> Option<(ByteSpan, usize)> {
        let now = self.awaits.len();
        let fresh =
            t.0.iter().any(|(s, _)| matches!(s, Src::Mem { path: p, awaits, .. } if p == path && *awaits == now));
        if fresh {
            return None;
        }
        // the first await that let other requests in after the read, if any
        let window = |awaits: usize, locked: bool| match (locked, self.region_end) {
            (false, _) => (awaits < now).then_some(awaits),
            // read under a lock released before the write, with an await after the release
            (true, Some(end)) => (awaits <= end && end < now).then_some(end),
            (true, None) => None,
        };
        t.0.iter().find_map(|(s, c)| match s {
            Src::Mem { path: p, span, awaits, locked } if *c && p == path => {
                window(*awaits, *locked).map(|idx| (*span, idx))
            }
            _ => None,
        })
    }

    /// The entry of a shared in-memory `Map` a synchronous `get`/`set` call addresses.
    fn map_entry(&mut self, callee: &Expr, args: &[ExprOrSpread], site: &CallSite, arity: usize) -> Option<PathKey> {
        if site.awaited || args.len() != arity {
            return None;
        }
        let Expr::Member(me) = callee else { return None };
        let mut path = path_of(self.m, &me.obj)?;
        let key = match unwrap(&args[0].expr) {
            Expr::Ident(i) => Seg::Var(self.m.binding_of(i)?),
            Expr::Lit(Lit::Str(s)) => Seg::Lit(format!("'{}'", s.value.as_str()?)),
            Expr::Lit(Lit::Num(n)) => Seg::Lit(n.value.to_string()),
            _ => return None,
        };
        if !self.is_shared(&path) {
            return None;
        }
        path.segs.push(Seg::Entry(Box::new(key)));
        Some(path)
    }

    fn report_mem(
        &mut self,
        write: ByteSpan,
        path: &PathKey,
        text: &str,
        read: ByteSpan,
        await_kw: ByteSpan,
        single: bool,
    ) {
        let concurrent = self.concurrent_capture(path);
        self.out.push(Race {
            func: self.cur,
            kind: RaceKind::Memory { path: text.to_string(), single, concurrent },
            write,
            read,
            await_kw,
            guards: self.guards.clone(),
        });
    }

    fn report_store(&mut self, r: usize, write: ByteSpan, changed: Option<ByteSpan>) {
        let read = &self.reads[r];
        let store = self.store_of(read);
        self.out.push(Race {
            func: self.cur,
            kind: RaceKind::Store { desc: read.desc.clone(), store, changed },
            write,
            read: read.call,
            await_kw: read.await_kw,
            guards: self.guards.clone(),
        });
    }
}

use swc_common::Spanned;

fn prop_key(p: &PropName) -> Option<Atom> {
    match p {
        PropName::Ident(i) => Some(i.sym.clone()),
        PropName::Str(s) => s.value.as_str().map(Atom::from),
        _ => None,
    }
}

/// Whether an object literal (at any depth) has one of these keys.
fn has_key(e: &Expr, keys: &[&str]) -> bool {
    match unwrap(e) {
        Expr::Object(o) => o.props.iter().any(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => {
                    prop_key(&kv.key).is_some_and(|k| keys.contains(&k.as_str())) || has_key(&kv.value, keys)
                }
                Prop::Shorthand(i) => keys.contains(&i.sym.as_str()),
                _ => false,
            },
            PropOrSpread::Spread(_) => false,
        }),
        Expr::Array(a) => a.elems.iter().flatten().any(|x| has_key(&x.expr, keys)),
        _ => false,
    }
}

/// The values in an argument that can identify a record: names, member paths, literals,
/// templates, looked for inside object and array literals.
fn leaves_of(m: &FileModel, e: &Expr, out: &mut Vec<Leaf>) {
    match unwrap(e) {
        Expr::Ident(_) | Expr::Member(_) => {
            if let Some(p) = path_of(m, e) {
                out.push(Leaf::Path(p));
            }
        }
        Expr::Lit(Lit::Str(s)) => {
            if let Some(v) = s.value.as_str() {
                out.push(Leaf::Str(v.to_string()));
            }
        }
        Expr::Lit(Lit::Num(n)) => out.push(Leaf::Num(n.value.to_string())),
        Expr::Tpl(t) => {
            let quasis = t.quasis.iter().map(|q| q.raw.to_string()).collect();
            let exprs = t.exprs.iter().map(|x| path_of(m, x)).collect();
            out.push(Leaf::Tpl(quasis, exprs));
        }
        Expr::Object(o) => {
            for p in &o.props {
                if let PropOrSpread::Prop(p) = p {
                    match &**p {
                        Prop::KeyValue(kv) => leaves_of(m, &kv.value, out),
                        Prop::Shorthand(i) => leaves_of(m, &Expr::Ident(i.clone()), out),
                        _ => {}
                    }
                }
            }
        }
        Expr::Array(a) => {
            for x in a.elems.iter().flatten() {
                leaves_of(m, &x.expr, out);
            }
        }
        _ => {}
    }
}

/// The SQL text of a call whose first argument is SQL.
fn sql_text(site: &CallSite) -> Option<&str> {
    let method = site.method.as_deref()?;
    if !stores::SQL_METHODS.contains(&method) {
        return None;
    }
    let text = site.first_string_arg.as_deref()?;
    sql_effect(text).map(|_| text)
}

fn sql_words(sql: &str) -> Vec<String> {
    sql.split(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '"' | '`')))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches(|c| c == '"' || c == '`').to_string())
        .collect()
}

fn sql_keyword(sql: &str) -> Option<String> {
    sql_words(sql).into_iter().next().map(|w| w.to_ascii_uppercase())
}

/// The table named after `keyword` (`FROM`, `UPDATE`), lower-cased and without its schema.
fn sql_table(sql: &str, keyword: &str) -> Option<String> {
    let words = sql_words(sql);
    let i = words.iter().position(|w| w.eq_ignore_ascii_case(keyword))?;
    let t = words.get(i + 1)?;
    Some(t.rsplit('.').next().unwrap_or(t).to_ascii_lowercase())
}

/// Whether an `UPDATE` assigns a column from itself (`SET n = n - $1`): atomic in the database.
fn sql_self_relative(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    let Some(set) = upper.find(" SET ") else { return false };
    let end = upper[set..].find(" WHERE ").map(|e| set + e).unwrap_or(upper.len());
    let clause = &sql[set + 5..end];
    clause.split(',').any(|part| {
        let Some((lhs, rhs)) = part.split_once('=') else { return false };
        let col = lhs.trim().trim_matches(|c| c == '"' || c == '`').to_ascii_lowercase();
        let col = col.rsplit('.').next().unwrap_or(&col).to_string();
        sql_words(rhs).iter().any(|w| w.rsplit('.').next().unwrap_or(w).eq_ignore_ascii_case(&col))
    })
}

fn sql_has_version(sql: &str) -> bool {
    sql_words(sql).iter().any(|w| stores::VERSION_KEYS.iter().any(|k| w.eq_ignore_ascii_case(k)))
}

/// A query-builder chain: a root call naming a table (`knex('items')`, `trx('items')`, or
/// `db.select(…).from('items')`) and the steps called on it, outermost first.
struct Chain<'e> {
    root: PathKey,
    table: String,
    steps: Vec<(&'e str, &'e [ExprOrSpread])>,
}

impl Chain<'_> {
    /// The values the `where` steps filter on.
    fn where_leaves(&self, m: &FileModel) -> Vec<Leaf> {
        let mut out = Vec::new();
        for (name, args) in &self.steps {
            if stores::BUILDER_FILTER_STEPS.contains(name) {
                for a in *args {
                    leaves_of(m, &a.expr, &mut out);
                }
            }
        }
        out
    }
}

fn builder_chain<'e>(m: &FileModel, e: &'e Expr) -> Option<Chain<'e>> {
    let mut steps: Vec<(&'e str, &'e [ExprOrSpread])> = Vec::new();
    let mut table: Option<String> = None;
    let mut e = unwrap(e);
    loop {
        let Expr::Call(c) = e else { return None };
        let Callee::Expr(callee) = &c.callee else { return None };
        let first_str = c.args.first().and_then(|a| match unwrap(&a.expr) {
            Expr::Lit(Lit::Str(s)) => s.value.as_str().map(str::to_string),
            _ => None,
        });
        match unwrap(callee) {
            Expr::Member(me) => {
                let MemberProp::Ident(name) = &me.prop else { return None };
                let name: &'e str = name.sym.as_str();
                if !stores::BUILDER_STEPS.contains(&name) {
                    // `this.knex('items')`: the root call through a property
                    if steps.is_empty() {
                        return None;
                    }
                    let root = path_of(m, callee)?;
                    return Some(Chain { root, table: table.or(first_str)?, steps });
                }
                if stores::BUILDER_TABLE_STEPS.contains(&name) {
                    if let Some(t) = &first_str {
                        table.get_or_insert_with(|| t.clone());
                    }
                }
                steps.push((name, &c.args));
                match unwrap(&me.obj) {
                    inner @ Expr::Call(_) => e = inner,
                    obj => {
                        // `db.select('n').from('items')`: the steps start on the client itself
                        let root = path_of(m, obj)?;
                        return Some(Chain { root, table: table?, steps });
                    }
                }
            }
            Expr::Ident(_) => {
                if steps.is_empty() {
                    return None;
                }
                let root = path_of(m, callee)?;
                return Some(Chain { root, table: table.or(first_str)?, steps });
            }
            _ => return None,
        }
    }
}

/// The state a branch that does not fall through must not leak.
struct Saved {
    locals: FxHashMap<BindingId, Taint>,
    docs: FxHashMap<BindingId, (usize, Option<ByteSpan>)>,
    fields: FxHashMap<(BindingId, Atom), Taint>,
    locked: bool,
    optimistic: bool,
}

/// Whether a statement always ends in `return` or `throw`.
fn terminates(s: &Stmt) -> bool {
    match s {
        Stmt::Return(_) | Stmt::Throw(_) => true,
        Stmt::Block(b) => b.stmts.last().is_some_and(terminates),
        Stmt::If(i) => terminates(&i.cons) && i.alt.as_deref().is_some_and(terminates),
        _ => false,
    }
}
