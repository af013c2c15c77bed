use loopsafe_analyzer::diagnostic::ByteSpan;
use loopsafe_analyzer::knowledge::ordering;
use loopsafe_analyzer::knowledge::{effect_of, is_startup_file, is_test_file, name_has_word, Effect};
use loopsafe_analyzer::model::{BindingId, BindingKind, CallSite, Context, FileModel, FnId, FnUse, Target};
use loopsafe_analyzer::{Diagnostic, Edit, FileContext, Fix, Rule};
use loopsafe_macros::rule;
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::RefCell;
use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// Independent awaits that run one after another when they could run together.
///
/// ## What it finds
/// - Two or more awaits in a row in one async function on the event loop (declarations,
///   assignments to variables declared earlier, or awaits whose result is dropped) whose operations
///   do not depend on each other: no operand reads a value an earlier one produced, at least one is
///   a read (`get*`, `find*`, `fetch`, `load*`, `count`, a `SELECT`), none is a write, a lock, a
///   transaction step or a pause, and calls of unknown effect share neither a receiver nor an object
///   argument with the others. A call of a function in another file of the project counts as
///   what its body does (`loadDashboard()` that only selects is a read; `getOrCreateCart()` that
///   inserts is a write). Also awaits side by side in one expression
///   (`{ a: await x(), b: await y() }`, `f(await a(), await b())`, `[await a(), await b()]`).
/// - An await in a `for`, `for…of` or `for…in` loop whose iterations are independent: every awaited
///   call reads, depends only on the loop variable and values the loop does not change, and the loop
///   has no `break`, `return`, `throw` or `try` (it does not stop at a hit or retry).
///
/// It stays silent on data dependence (also through a variable a local helper sets, or an object a
/// call with a dropped result was handed), writes (whose order is usually the meaning), transactions,
/// single connections, locks and pauses anywhere in the function, guards (a statement between two
/// awaits, such as `if (!user) return`, ends a group; a dropped `await check…()` is a guard), local
/// or CPU work (`fs`, rendering, hashing), wrappers that run a callback (`retry(async () => …)`),
/// dropped loads (`await loadSettings()`), retry, pagination and accumulating loops, loops over
/// batches (`_.chunk(ids, 100)`), `for await`, awaits in different branches, start-up
/// code, and test, migration, seed and script files. `while` loops are not judged (they poll,
/// page or retry: each turn depends on the last), nor assignments to properties (`this.user =`).
///
/// ## Why it matters
/// Each await waits for the previous operation to finish before the next one starts. Three
/// independent 20 ms database reads cost 60 ms in series and about 20 ms together; a loop over 50
/// ids pays 50 round-trips one after another. Latency adds up per request, while the server and the
/// database sit idle.
///
/// ## Examples
/// ```js
/// app.get('/dashboard/:id', async (req, res) => {
///   const user = await getUser(req.params.id);
///   const orders = await getOrders(req.params.id);
///   const payments = await getPayments(req.params.id);
///   res.json({ user, orders, payments });
/// });
/// ```
/// ```js
/// app.get('/dashboard/:id', async (req, res) => {
///   const [user, orders, payments] = await Promise.all([
///     getUser(req.params.id),
///     getOrders(req.params.id),
///     getPayments(req.params.id),
///   ]);
///   res.json({ user, orders, payments });
/// });
/// ```
///
/// ## How to fix
/// Start independent operations together and await them once with `Promise.all` (a suggested fix
/// does this for simple groups of declarations). For loops, map the collection to promises: with
/// `Promise.all` when the collection is small and known, otherwise through a bounded pool
/// (`p-limit`, `p-map` with `{ concurrency }`), so the fix does not become an unbounded fan-out.
/// Keep the order when it is the meaning and say so with a comment or a suppression.
#[rule(id = "sequential-await", severity = "warning", category = "performance", fixable = true)]
pub struct SequentialAwait;

impl Rule for SequentialAwait {
    fn check_file(&self, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        // tests and one-shot scripts (migrations, seeds, CLIs): their latency does not matter
        if is_test_file(cx.path) || is_startup_file(cx.path) {
            return;
        }
        // nothing to judge without an async function on the event loop that awaits
        let m = cx.model;
        if !m.functions.iter().any(|f| f.is_async && !f.awaits.is_empty() && f.context != Context::StartUp) {
            return;
        }
        let mut w = Walker {
            cx,
            out,
            stack: Vec::new(),
            serial: FxHashSet::default(),
            local_effects: RefCell::new(FxHashMap::default()),
            children: std::cell::OnceCell::new(),
            outer_writes: std::cell::OnceCell::new(),
            judged: Vec::new(),
            wanted: Vec::new(),
        };
        // which functions are judged, and which hold a judged function: the walk skips the rest
        let n = m.functions.len();
        let mut judged = vec![false; n];
        let mut wanted = vec![false; n];
        for f in &m.functions {
            if f.is_async && !f.awaits.is_empty() && w.function_is_judged(f.id) {
                judged[f.id.0 as usize] = true;
                let mut cur = Some(f.id);
                while let Some(c) = cur {
                    if wanted[c.0 as usize] {
                        break;
                    }
                    wanted[c.0 as usize] = true;
                    cur = m.function(c).parent;
                }
            }
        }
        w.judged = judged;
        w.wanted = wanted;
        cx.program.visit_with(&mut w);
    }
}

// ---------------------------------------------------------------------------------------------
// Facts about calls

/// How an awaited call may take part in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// A read: may move.
    Read,
    /// Unknown effect: may move next to reads when it shares nothing with them.
    Neutral,
    /// Order matters (a write, a lock, a pause, a session change…): never moves, ends a group.
    Barrier,
}

/// The receiver of a method call as a path: `this.repo` in `this.repo.find()`, `db.collection`
/// in `db.collection('x').findOne()`.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Receiver {
    None,
    Opaque,
    Path(RootKey, Vec<Atom>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum RootKey {
    Binding(BindingId),
    This,
    Global(Atom),
}

fn receiver_of(m: &FileModel, callee: &Expr) -> Receiver {
    match unwrap(callee) {
        Expr::Member(mem) => match path_of(m, &mem.obj) {
            Some((root, props)) => Receiver::Path(root, props),
            None => Receiver::Opaque,
        },
        Expr::Ident(_) => Receiver::None,
        _ => Receiver::Opaque,
    }
}

fn path_of(m: &FileModel, e: &Expr) -> Option<(RootKey, Vec<Atom>)> {
    match unwrap(e) {
        Expr::Ident(i) => match m.binding_of(i) {
            Some(b) => Some((RootKey::Binding(b), vec![])),
            None => Some((RootKey::Global(i.sym.clone()), vec![])),
        },
        Expr::This(_) => Some((RootKey::This, vec![])),
        Expr::Member(mem) => {
            let (root, mut props) = path_of(m, &mem.obj)?;
            props.push(match &mem.prop {
                MemberProp::Ident(i) => i.sym.clone(),
                _ => Atom::from("[]"),
            });
            Some((root, props))
        }
        // `db.collection('x')` names the same receiver as `db.collection`
        Expr::Call(c) => match &c.callee {
            Callee::Expr(callee) => path_of(m, callee),
            _ => None,
        },
        _ => None,
    }
}

fn unwrap(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Paren(p) => &p.expr,
            Expr::TsNonNull(x) => &x.expr,
            _ => return e,
        }
    }
}

/// Whether the operand is wrapped in a type assertion (`await x() as T`): detection sees through
/// it, the fix does not.
fn strip_ts(e: &Expr) -> (&Expr, bool) {
    let mut e = e;
    let mut wrapped = false;
    loop {
        e = match e {
            Expr::Paren(p) => &p.expr,
            Expr::TsAs(x) => {
                wrapped = true;
                &x.expr
            }
            Expr::TsNonNull(x) => {
                wrapped = true;
                &x.expr
            }
            Expr::TsSatisfies(x) => {
                wrapped = true;
                &x.expr
            }
            Expr::TsTypeAssertion(x) => {
                wrapped = true;
                &x.expr
            }
            _ => return (e, wrapped),
        }
    }
}

/// What an expression reads and whether it does anything besides calling once.
#[derive(Default)]
struct Refs {
    /// Every binding referenced, also inside nested functions.
    all: FxHashSet<BindingId>,
    /// Bindings passed whole (an argument, an element or property value of a literal argument):
    /// the callee may change them.
    whole: FxHashSet<BindingId>,
    /// An await, yield, assignment or update outside nested functions.
    side_effects: bool,
    depth: u32,
}

fn refs_of<'a, T: VisitWith<RefsVisitor<'a>>>(m: &'a FileModel, node: &T) -> Refs {
    let mut v = RefsVisitor { m, r: Refs::default() };
    node.visit_with(&mut v);
    v.r
}

struct RefsVisitor<'a> {
    m: &'a FileModel,
    r: Refs,
}

impl Visit for RefsVisitor<'_> {
    fn visit_ident(&mut self, i: &Ident) {
        if let Some(b) = self.m.binding_of(i) {
            self.r.all.insert(b);
        }
    }
    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        if self.r.depth == 0 {
            self.r.side_effects = true;
        }
        n.visit_children_with(self);
    }
    fn visit_yield_expr(&mut self, n: &YieldExpr) {
        if self.r.depth == 0 {
            self.r.side_effects = true;
        }
        n.visit_children_with(self);
    }
    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        if self.r.depth == 0 {
            self.r.side_effects = true;
        }
        n.visit_children_with(self);
    }
    fn visit_update_expr(&mut self, n: &UpdateExpr) {
        if self.r.depth == 0 {
            self.r.side_effects = true;
        }
        n.visit_children_with(self);
    }
    fn visit_call_expr(&mut self, n: &CallExpr) {
        if self.r.depth == 0 {
            for a in &n.args {
                whole_bindings(self.m, &a.expr, &mut self.r.whole);
            }
        }
        n.visit_children_with(self);
    }
    fn visit_function(&mut self, n: &Function) {
        self.r.depth += 1;
        n.visit_children_with(self);
        self.r.depth -= 1;
    }
    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        self.r.depth += 1;
        n.visit_children_with(self);
        self.r.depth -= 1;
    }
}

fn whole_bindings(m: &FileModel, e: &Expr, out: &mut FxHashSet<BindingId>) {
    match unwrap(e) {
        Expr::Ident(i) => {
            if let Some(b) = m.binding_of(i) {
                out.insert(b);
            }
        }
        Expr::Object(o) => {
            for p in &o.props {
                match p {
                    PropOrSpread::Prop(p) => match &**p {
                        Prop::Shorthand(i) => {
                            if let Some(b) = m.binding_of(i) {
                                out.insert(b);
                            }
                        }
                        Prop::KeyValue(kv) => whole_bindings(m, &kv.value, out),
                        _ => {}
                    },
                    PropOrSpread::Spread(s) => whole_bindings(m, &s.expr, out),
                }
            }
        }
        Expr::Array(a) => {
            for el in a.elems.iter().flatten() {
                whole_bindings(m, &el.expr, out);
            }
        }
        _ => {}
    }
}

/// Whether an expression only reads (no call, await, assignment, `new`, tagged template, yield):
/// nested functions are values and do not count.
fn is_inert(e: &Expr) -> bool {
    struct V {
        active: bool,
        depth: u32,
    }
    impl Visit for V {
        fn visit_expr(&mut self, e: &Expr) {
            if self.depth == 0
                && matches!(
                    e,
                    Expr::Call(_)
                        | Expr::New(_)
                        | Expr::Await(_)
                        | Expr::Assign(_)
                        | Expr::Update(_)
                        | Expr::TaggedTpl(_)
                        | Expr::Yield(_)
                        | Expr::OptChain(_)
                        | Expr::Class(_)
                )
            {
                self.active = true;
            }
            e.visit_children_with(self);
        }
        fn visit_function(&mut self, _: &Function) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    }
    let mut v = V { active: false, depth: 0 };
    e.visit_with(&mut v);
    !v.active
}

/// Note the bindings a statement list declares that hold a serial resource: a transaction, a
/// single connection, a session or a lock (`const client = await pool.connect()`,
/// `const t = await sequelize.transaction()`). Queries through one of them run one at a time
/// whatever the code says. Lists are seen outer block first, so a declaration is noted before
/// the inner blocks that use it are judged.
fn note_serial_bindings<'s>(
    m: &FileModel,
    stmts: impl IntoIterator<Item = &'s Stmt>,
    found: &mut FxHashSet<BindingId>,
) {
    for st in stmts {
        let Stmt::Decl(Decl::Var(v)) = st else { continue };
        for d in &v.decls {
            let Some(init) = &d.init else { continue };
            let mut e = unwrap(init);
            if let Expr::Await(a) = e {
                e = unwrap(&a.arg);
            }
            let span = match e {
                Expr::Call(c) => c.span,
                Expr::New(n) => n.span,
                _ => continue,
            };
            let Some(call) = m.call_at(span) else { continue };
            let single = call
                .api()
                .is_some_and(|q| ordering::SINGLE_CONNECTION_APIS.iter().any(|(module, name)| q.is(module, &[name])));
            let serial = single
                || call
                    .method
                    .as_deref()
                    .is_some_and(|name| ordering::SERIAL_SCOPE_METHODS.iter().any(|w| name_has_word(name, w)))
                || matches!(m.effect(call), Effect::Transaction | Effect::Lock);
            if serial {
                found.extend(pattern_bindings(m, &d.name));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The walk

#[derive(Default)]
struct Frame {
    /// The function.
    id: Option<FnId>,
    /// Whether awaits in this function are judged at all.
    active: bool,
    /// Bindings seen carrying a transaction (`options.transacting`): calls handed one are serial.
    carriers: FxHashSet<BindingId>,
    /// Findings held until the whole function is seen, with the bindings their calls read.
    pending: Vec<(Diagnostic, FxHashSet<BindingId>)>,
}

struct Walker<'a, 'o> {
    cx: &'a FileContext<'a>,
    out: &'o mut Vec<Diagnostic>,
    stack: Vec<Frame>,
    serial: FxHashSet<BindingId>,
    local_effects: RefCell<FxHashMap<FnId, Effect>>,
    /// Per function: judged, and judged or holding a judged function.
    judged: Vec<bool>,
    wanted: Vec<bool>,
    /// The functions defined directly in each function, built on first use.
    children: std::cell::OnceCell<FxHashMap<FnId, Vec<FnId>>>,
    /// Per function, the variables declared outside it that it assigns or changes
    /// (`settings = rows[0]`, `cache.rates = r`), built on first use.
    outer_writes: std::cell::OnceCell<FxHashMap<FnId, FxHashSet<BindingId>>>,
}

/// One awaited call that may join a group.
struct Member {
    /// The statement (or element) it belongs to.
    span: Span,
    /// The `await …` expression.
    await_span: Span,
    call_span: Span,
    callee_span: Span,
    role: Role,
    receiver: Receiver,
    refs: Refs,
    /// Bindings the statement declares.
    declares: Vec<BindingId>,
    /// Variables declared outside the awaited function of this file that its body assigns: a
    /// later call that reads them depends on it (`await loadConfig(); … settings.region`).
    writes: FxHashSet<BindingId>,
    /// The result is dropped: the call is run for what it does, to what it is handed.
    discarded: bool,
    /// How the fix may rewrite it.
    shape: Shape,
}

#[derive(Clone)]
enum Shape {
    /// `<kind> <pattern> = await <call>;`, with the pattern's span.
    Decl(VarDeclKind, Span),
    /// `await <call>;`
    Discarded,
    /// `<name> = await <call>;`, with the name's span: shown in the help, not rewritten (a
    /// statement starting with `[` would join the previous line when it lacks a semicolon).
    Assign(Span),
    /// Anything the fix does not rewrite.
    Other,
}

impl Walker<'_, '_> {
    fn m(&self) -> &FileModel {
        self.cx.model
    }

    fn active(&self) -> bool {
        self.stack.last().is_some_and(|f| f.active)
    }

    fn text(&self, span: Span) -> &str {
        let s = self.cx.span(span);
        self.cx.source.text().get(s.start as usize..s.end as usize).unwrap_or("")
    }

    /// Enter a function node; `false` when nothing inside it is judged and the walk may skip it.
    fn enter(&mut self, span: Span) -> bool {
        let id = self.m().function_at(span);
        let active = id.is_some_and(|id| self.judged[id.0 as usize]);
        self.stack.push(Frame { id, active, ..Default::default() });
        id.is_none_or(|id| self.wanted[id.0 as usize])
    }

    /// Leave a function node: report what survived, hand carriers to the enclosing function.
    fn leave(&mut self) {
        let Some(frame) = self.stack.pop() else { return };
        for (d, refs) in frame.pending {
            if refs.is_disjoint(&frame.carriers) {
                self.out.push(d);
            }
        }
        if let Some(parent) = self.stack.last_mut() {
            parent.carriers.extend(frame.carriers);
        }
    }

    /// Hold a finding until the function is seen whole.
    fn report<'g>(&mut self, d: Diagnostic, members: impl IntoIterator<Item = &'g Member>) {
        let refs: FxHashSet<BindingId> = members.into_iter().flat_map(|g| g.refs.all.iter().copied()).collect();
        match self.stack.last_mut() {
            Some(f) => f.pending.push((d, refs)),
            None => self.out.push(d),
        }
    }

    /// Async, not a generator, on the event loop, not inside a transaction, lock or test callback,
    /// and not pacing itself or taking locks.
    fn function_is_judged(&self, id: FnId) -> bool {
        let m = self.m();
        let f = m.function(id);
        if id == FnId::MODULE || !f.is_async || f.is_generator || f.context == Context::StartUp {
            return false;
        }
        let mut cur = Some(id);
        let mut guard = 0;
        while let Some(c) = cur {
            guard += 1;
            if guard > 64 || c == FnId::MODULE {
                break;
            }
            let g = m.function(c);
            for u in &g.uses {
                if let FnUse::Callback { call, .. } = u {
                    let cs = m.call(*call);
                    // a callee the model cannot name (`this.#withTransaction(…)`) may be a scope
                    let Some(name) = cs.method.as_deref() else { return false };
                    if ordering::SERIAL_SCOPE_METHODS.iter().any(|w| name_has_word(name, w))
                        || ordering::TEST_HOOKS.contains(&name)
                        || self.cx.call_effect_among(cs, &[Effect::Transaction, Effect::Lock]).is_some()
                    {
                        return false;
                    }
                }
            }
            cur = g.parent;
        }
        const SCOPES: &[Effect] = &[Effect::Lock, Effect::Unlock, Effect::Transaction, Effect::Sleep];
        for &c in &f.calls {
            let call = m.call(c);
            let scoped = match call.target {
                Target::Local(_) => SCOPES.contains(&self.effect(call)),
                _ => self.cx.call_effect_among(call, SCOPES).is_some(),
            };
            if scoped {
                return false;
            }
            // `await new Promise((r) => setTimeout(r, ms))`
            for &(_, cb) in &call.callbacks {
                if m.function(cb).calls.iter().any(|&cc| m.effect(m.call(cc)) == Effect::Sleep) {
                    return false;
                }
            }
        }
        true
    }

    /// The effect of a call: its name, its SQL, and for a function of this file or of another
    /// file of the project what its body does.
    fn effect(&self, call: &CallSite) -> Effect {
        match call.target {
            Target::Local(f) => Effect::with_body(self.m().effect(call), self.local_effect(f, 0)),
            _ => self.cx.call_effect(call),
        }
    }

    /// The functions defined directly in each function.
    fn children(&self) -> &FxHashMap<FnId, Vec<FnId>> {
        self.children.get_or_init(|| {
            let mut map: FxHashMap<FnId, Vec<FnId>> = FxHashMap::default();
            for g in &self.m().functions {
                if let Some(p) = g.parent {
                    map.entry(p).or_default().push(g.id);
                }
            }
            map
        })
    }

    /// The variables declared outside local function `f` that it or a function defined in it
    /// assigns or changes.
    fn local_writes(&self, f: FnId) -> FxHashSet<BindingId> {
        let m = self.m();
        let writes = self.outer_writes.get_or_init(|| {
            let mut v = OuterWrites { m, stack: vec![FnId::MODULE], out: FxHashMap::default() };
            self.cx.program.visit_with(&mut v);
            v.out
        });
        if writes.is_empty() {
            return FxHashSet::default();
        }
        let mut out = FxHashSet::default();
        let mut fns = vec![f];
        let mut i = 0;
        while i < fns.len() && fns.len() < 256 {
            let g = fns[i];
            if let Some(w) = writes.get(&g) {
                // what `f` itself declares is its own, even when a nested function assigns it
                out.extend(w.iter().copied().filter(|&b| !declared_within(m, b, f)));
            }
            fns.extend(self.children().get(&g).into_iter().flatten().copied());
            i += 1;
        }
        out
    }

    /// The strongest effect of the calls in a local function's body: `Read` when it only reads,
    /// an ordering effect when any call writes, locks, pauses or opens a transaction.
    fn local_effect(&self, f: FnId, depth: u32) -> Effect {
        if let Some(e) = self.local_effects.borrow().get(&f) {
            return *e;
        }
        if depth > 8 {
            return Effect::Unknown;
        }
        self.local_effects.borrow_mut().insert(f, Effect::Unknown);
        let m = self.m();
        let mut reads = 0;
        let mut result = Effect::Unknown;
        // the body's calls, and those of the callbacks and closures defined in it
        let children = self.children();
        let mut fns = vec![f];
        let mut i = 0;
        while i < fns.len() && fns.len() < 256 {
            fns.extend(children.get(&fns[i]).into_iter().flatten().copied());
            i += 1;
        }
        let calls: Vec<_> = fns.iter().flat_map(|&g| m.function(g).calls.iter().copied()).collect();
        for &c in &calls {
            let call = m.call(c);
            if call
                .api()
                .is_some_and(|q| q.module.as_str() == "global" && q.path.first().is_some_and(|p| p == "console"))
            {
                continue;
            }
            let e = match call.target {
                Target::Local(g) => {
                    let body = self.local_effect(g, depth + 1);
                    if body == Effect::Read || body == Effect::Unknown {
                        m.effect(call)
                    } else {
                        body
                    }
                }
                _ => self.cx.call_effect(call),
            };
            match e {
                Effect::Read => reads += 1,
                Effect::Unknown => {}
                other => {
                    result = other;
                    break;
                }
            }
        }
        if result == Effect::Unknown && reads > 0 {
            result = Effect::Read;
        }
        self.local_effects.borrow_mut().insert(f, result);
        result
    }

    /// Whether a call sends an HTTP request with a writing `method` (`fetch(url, { method: 'POST' })`).
    fn writes_over_http(&self, c: &CallExpr) -> bool {
        c.args.iter().any(|a| match unwrap(&a.expr) {
            Expr::Object(o) => o.props.iter().any(|p| match p {
                PropOrSpread::Prop(p) => match &**p {
                    Prop::KeyValue(kv) => {
                        let key = match &kv.key {
                            PropName::Ident(i) => Some(i.sym.as_str()),
                            PropName::Str(s) => s.value.as_str(),
                            _ => None,
                        };
                        key == Some("method")
                            && match unwrap(&kv.value) {
                                Expr::Lit(Lit::Str(s)) => s.value.as_str().is_none_or(|v| {
                                    !ordering::READ_HTTP_METHODS.iter().any(|r| r.eq_ignore_ascii_case(v))
                                }),
                                _ => true,
                            }
                    }
                    _ => false,
                },
                PropOrSpread::Spread(_) => false,
            }),
            _ => false,
        })
    }

    /// The awaited call inside `e` (`await f()`, `(await f()).data`), and whether a type assertion
    /// or property read wraps it.
    fn awaited_call<'e>(&self, e: &'e Expr) -> Option<(&'e AwaitExpr, &'e CallExpr, bool)> {
        let (mut e, mut wrapped) = strip_ts(e);
        while let Expr::Member(mem) = e {
            if !matches!(mem.prop, MemberProp::Ident(_)) {
                return None;
            }
            wrapped = true;
            e = strip_ts(&mem.obj).0;
        }
        let Expr::Await(a) = e else { return None };
        let (arg, w2) = strip_ts(&a.arg);
        let Expr::Call(c) = arg else { return None };
        Some((a, c, wrapped || w2))
    }

    /// The effect of a call, or for a chain ending in a modifier (`find(q).lean()`) of the verb
    /// before it; a modifier that writes (`.orFail()` after an update) keeps the verb's write.
    fn chain_effect(&self, c: &CallExpr, depth: u32) -> Effect {
        let Some(call) = self.m().call_at(c.span) else { return Effect::Unknown };
        let name = call.method.as_deref().unwrap_or("");
        if depth < 8 && ordering::CHAIN_MODIFIERS.contains(&name) {
            if let Callee::Expr(callee) = &c.callee {
                if let Expr::Member(mem) = unwrap(callee) {
                    if let Expr::Call(inner) = unwrap(&mem.obj) {
                        let e = self.chain_effect(inner, depth + 1);
                        if e != Effect::Unknown {
                            return e;
                        }
                    }
                }
            }
        }
        self.effect(call)
    }

    /// Whether a callee's receiver path goes through a serial resource: `this.queryRunner.query`,
    /// `trx.select`, a binding the file got from `pool.connect()`.
    fn serial_path(&self, callee: &Expr) -> bool {
        let mut e = unwrap(callee);
        loop {
            match e {
                Expr::Member(mem) => {
                    if let MemberProp::Ident(p) = &mem.prop {
                        if !std::ptr::eq(e, unwrap(callee)) && is_serial_name(&p.sym) {
                            return true;
                        }
                    }
                    e = unwrap(&mem.obj);
                }
                Expr::Call(c) => match &c.callee {
                    Callee::Expr(x) => {
                        let serial_step =
                            self.m().call_at(c.span).and_then(|cs| cs.method.as_deref()).is_some_and(is_serial_name);
                        if serial_step || c.args.iter().any(|a| has_serial_option(&a.expr)) {
                            return true;
                        }
                        e = unwrap(x)
                    }
                    _ => return false,
                },
                Expr::Ident(i) => {
                    return self.m().binding_of(i).is_some_and(|b| self.serial.contains(&b)) || is_serial_name(&i.sym);
                }
                _ => return false,
            }
        }
    }

    /// The role of an awaited call, `discarded` when its result is not used.
    fn role(&self, c: &CallExpr, refs: &Refs, discarded: bool) -> Role {
        let m = self.m();
        let Callee::Expr(callee) = &c.callee else { return Role::Barrier };
        let Some(call) = m.call_at(c.span) else { return Role::Barrier };
        // `this.#load()`: the model names no method for private names
        let private = match unwrap(callee) {
            Expr::Member(MemberExpr { prop: MemberProp::PrivateName(p), .. }) => Some(p.name.as_str()),
            _ => None,
        };
        let Some(name) = call.method.as_deref().or(private) else { return Role::Barrier };
        if is_serial_name(name) {
            return Role::Barrier; // `.session(s)`, `.transacting(trx)`
        }
        if call.is_new || refs.side_effects {
            return Role::Barrier;
        }
        if let Target::Api(q) = &call.target {
            if q.module.as_str() == "global"
                && q.path.first().is_some_and(|p| ordering::COMBINATOR_GLOBALS.contains(&p.as_str()))
            {
                return Role::Barrier;
            }
        }
        if ordering::ORDER_WORDS.iter().any(|w| name_has_word(name, w))
            || ordering::LOCAL_WORK_WORDS.iter().any(|w| name_has_word(name, w))
            || camel_words(name).any(|w| ordering::WRITE_ANYWHERE_WORDS.iter().any(|x| x.eq_ignore_ascii_case(w)))
        {
            return Role::Barrier;
        }
        // a wrapper that runs a function it is handed (retry, cache, lock) runs arbitrary work
        if c.args.iter().any(|a| match unwrap(&a.expr) {
            Expr::Fn(_) | Expr::Arrow(_) => true,
            Expr::Ident(i) => self
                .m()
                .binding_of(i)
                .is_some_and(|b| matches!(self.m().binding(b).origin, loopsafe_analyzer::model::Origin::Function(_))),
            _ => false,
        }) {
            return Role::Barrier;
        }
        if c.args.iter().any(|a| has_serial_option(&a.expr)) {
            return Role::Barrier;
        }
        if self.serial_path(callee) || refs.all.iter().any(|&b| is_serial_name(&self.m().binding(b).name)) {
            return Role::Barrier;
        }
        if call.api().is_some_and(|q| ordering::LOCAL_MODULES.contains(&q.module.as_str())) {
            return Role::Barrier;
        }
        if refs.all.iter().any(|b| self.serial.contains(b)) {
            return Role::Barrier;
        }
        if let Receiver::Path(RootKey::Binding(b), _) = receiver_of(m, callee) {
            if self.serial.contains(&b) {
                return Role::Barrier;
            }
        }
        if self.writes_over_http(c) {
            return Role::Barrier;
        }
        let sql_text_unknown = ordering::SQL_METHODS.contains(&name) && call.first_string_arg.is_none();
        let effect = match private {
            Some(p) if call.method.is_none() => effect_of(p, call.first_string_arg.as_deref()),
            _ => self.chain_effect(c, 0),
        };
        // store commands that read without saying so (`zscore`, `scard`, `ttl`)
        let effect =
            if effect == Effect::Unknown && ordering::READ_COMMANDS.contains(&name) { Effect::Read } else { effect };
        match effect {
            Effect::Read if discarded && ordering::GUARD_WORDS.iter().any(|w| name_has_word(name, w)) => Role::Barrier,
            // `await loadSettings();` fills a cache or a module variable the next call may read
            Effect::Read if discarded && ordering::LOADER_WORDS.iter().any(|w| name_has_word(name, w)) => Role::Barrier,
            // a dropped result is run for what it does, unless its own name says it reads
            Effect::Read if discarded && call.method.is_some() && self.m().effect(call) != Effect::Read => {
                Role::Barrier
            }
            Effect::Read if sql_text_unknown && !discarded => Role::Neutral,
            Effect::Read if sql_text_unknown => Role::Barrier,
            Effect::Read => Role::Read,
            // an unknown call whose result is dropped is run for what it does
            Effect::Unknown if !discarded => Role::Neutral,
            _ => Role::Barrier,
        }
    }

    fn member(&self, span: Span, e: &Expr, declares: Vec<BindingId>, shape: Shape, discarded: bool) -> Option<Member> {
        let (a, c, wrapped) = self.awaited_call(e)?;
        let Callee::Expr(callee) = &c.callee else { return None };
        // named by the verb of a chain: `User.findById` in `User.findById(id).lean()`
        let mut verb = c;
        for _ in 0..8 {
            let modifier = self
                .m()
                .call_at(verb.span)
                .and_then(|cs| cs.method.as_deref())
                .is_some_and(|n| ordering::CHAIN_MODIFIERS.contains(&n));
            let inner = match &verb.callee {
                Callee::Expr(x) => match unwrap(x) {
                    Expr::Member(mem) => match unwrap(&mem.obj) {
                        Expr::Call(inner) => Some(inner),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            match inner {
                Some(inner) if modifier => verb = inner,
                _ => break,
            }
        }
        let name_span = match &verb.callee {
            Callee::Expr(x) => x.span(),
            _ => callee.span(),
        };
        let refs = refs_of(self.m(), c);
        let role = self.role(c, &refs, discarded);
        let writes = match self.m().call_at(c.span).map(|cs| &cs.target) {
            Some(Target::Local(f)) => self.local_writes(*f),
            _ => FxHashSet::default(),
        };
        Some(Member {
            span,
            await_span: a.span,
            call_span: c.span,
            callee_span: name_span,
            role,
            receiver: receiver_of(self.m(), callee),
            refs,
            declares,
            writes,
            discarded,
            shape: if wrapped { Shape::Other } else { shape },
        })
    }

    /// Whether `b` (later) may run together with `a` (earlier).
    fn independent(&self, a: &Member, b: &Member) -> bool {
        if a.role == Role::Barrier || b.role == Role::Barrier {
            return false;
        }
        // data: the later operand reads what the earlier statement produced, or both assign
        // the same variable
        if a.declares.iter().any(|d| b.refs.all.contains(d) || b.declares.contains(d)) {
            return false;
        }
        if b.declares.iter().any(|d| a.refs.all.contains(d)) {
            return false;
        }
        // state: a local function sets a variable the other reads
        if a.writes.iter().any(|w| b.refs.all.contains(w)) || b.writes.iter().any(|w| a.refs.all.contains(w)) {
            return false;
        }
        // a dropped result leaves its effect in the objects the call was handed
        // (`await loadUser(ctx); await loadOrders(ctx)`)
        if a.discarded && a.refs.whole.iter().any(|x| b.refs.all.contains(x)) {
            return false;
        }
        if a.role == Role::Neutral || b.role == Role::Neutral {
            // an unknown call may change its receiver or the objects it is handed
            if a.receiver != Receiver::None && a.receiver == b.receiver {
                return false;
            }
            if a.receiver == Receiver::Opaque || b.receiver == Receiver::Opaque {
                return false;
            }
            let (n, o) = if a.role == Role::Neutral { (a, b) } else { (b, a) };
            if n.refs.whole.iter().any(|x| o.refs.all.contains(x))
                || o.refs.whole.iter().any(|x| n.refs.all.contains(x))
            {
                return false;
            }
        }
        true
    }

    // -----------------------------------------------------------------------------------------
    // Statement groups

    fn check_stmts(&mut self, stmts: &[Stmt]) {
        let mut group: Vec<Member> = Vec::new();
        for s in stmts {
            match self.stmt_member(s) {
                Some(mem) => {
                    if mem.role == Role::Barrier || !group.iter().all(|g| self.independent(g, &mem)) {
                        self.flush(std::mem::take(&mut group));
                    }
                    if mem.role != Role::Barrier {
                        group.push(mem);
                    }
                }
                None => self.flush(std::mem::take(&mut group)),
            }
        }
        self.flush(group);
    }

    fn stmt_member(&self, s: &Stmt) -> Option<Member> {
        match s {
            Stmt::Decl(Decl::Var(v)) if v.decls.len() == 1 && !v.declare => {
                let d = &v.decls[0];
                let init = d.init.as_deref()?;
                if pattern_has_effects(&d.name) {
                    return None;
                }
                let declares = pattern_bindings(self.m(), &d.name);
                let shape = if d.definite || pattern_is_typed(&d.name) {
                    Shape::Other
                } else {
                    Shape::Decl(v.kind, d.name.span())
                };
                self.member(v.span, init, declares, shape, false)
            }
            Stmt::Expr(es) => match strip_ts(&es.expr).0 {
                Expr::Await(_) => self.member(es.span, &es.expr, Vec::new(), Shape::Discarded, true),
                // `user = await load(id)`: assigns a variable declared earlier (properties such
                // as `this.user` may be read by anything: they end the group)
                Expr::Assign(a) if a.op == AssignOp::Assign => {
                    let AssignTarget::Simple(SimpleAssignTarget::Ident(id)) = &a.left else { return None };
                    let b = self.m().binding_of(&id.id)?;
                    // a variable of this function: one declared outside (a module's `let
                    // session`) may be read by the next call through a closure
                    let here = self.stack.last().and_then(|f| f.id);
                    if here.is_none() || Some(self.m().binding(b).scope) != here {
                        return None;
                    }
                    self.member(es.span, &a.right, vec![b], Shape::Assign(id.span), false)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn flush(&mut self, group: Vec<Member>) {
        if group.len() < 2 || !group.iter().any(|g| g.role == Role::Read) {
            return;
        }
        let names: Vec<String> = group.iter().map(|g| self.call_name(g)).collect();
        let n = group.len();
        let message = format!(
            "{} one after another though none uses another's result: {} round-trips in series where one would do",
            awaited_subject(&names),
            number_word(n)
        );
        let mut d = Diagnostic::new(SequentialAwait::META.id, self.cx.span(group[0].await_span), message)
            .with_label("waits for this first");
        for g in &group[1..] {
            d = d.with_secondary(self.cx.span(g.await_span), "starts only after the previous await settles");
        }
        let calls: Vec<&str> = group.iter().map(|g| self.text(g.call_span)).collect();
        let fix = self.statement_fix(&group);
        let joined = calls.join(", ");
        let head = match &fix {
            Some((_, head, _)) => Some(head.clone()),
            None => self.assignment_head(&group),
        };
        // a run that binds results in shapes no one line can show gets no line
        let binds = group.iter().any(|g| matches!(g.shape, Shape::Decl(..) | Shape::Assign(_) | Shape::Other));
        let shown = match head {
            None if binds => "`Promise.all`, binding each result where it was bound".to_string(),
            head => {
                let head = head.unwrap_or_default();
                if head.len() + joined.len() <= 140 {
                    format!("`{head}await Promise.all([{joined}])`")
                } else {
                    format!("`{head}await Promise.all([...])`")
                }
            }
        };
        d = d.with_help(format!("start them together and await them once: {shown}"));
        if let Some((f, _, _)) = fix {
            d = d.with_fix(f);
        }
        self.report(d, &group);
    }

    /// `[a, b] = ` for a run of assignments (and discarded awaits), for the help text.
    fn assignment_head(&self, group: &[Member]) -> Option<String> {
        let mut names: Vec<&str> = Vec::new();
        for g in group {
            match &g.shape {
                Shape::Assign(name) => names.push(self.text(*name)),
                Shape::Discarded => names.push(""),
                _ => return None,
            }
        }
        while names.last().is_some_and(|n| n.is_empty()) {
            names.pop();
        }
        (!names.is_empty()).then(|| format!("[{}] = ", names.join(", ")))
    }

    /// `const [a, b] = await Promise.all([f(), g()]);` for a run of plain declarations of one kind
    /// and discarded awaits, with the declaration head (`const [a, b] = `) and the rewritten text;
    /// `None` when the rewrite is not obviously equivalent.
    fn statement_fix(&self, group: &[Member]) -> Option<(Fix, String, String)> {
        let mut kind: Option<VarDeclKind> = None;
        let mut pats: Vec<Option<&str>> = Vec::new();
        for g in group {
            match &g.shape {
                Shape::Decl(k, pat) => {
                    if kind.is_some_and(|kk| kk != *k) {
                        return None;
                    }
                    kind = Some(*k);
                    pats.push(Some(self.text(*pat)));
                }
                Shape::Discarded => pats.push(None),
                Shape::Assign(_) | Shape::Other => return None,
            }
        }
        let first = self.cx.span(group[0].span);
        let last = self.cx.span(group[group.len() - 1].span);
        let range = ByteSpan::new(first.start, last.end);
        let text = self.cx.source.text();
        // comments between the calls move above the rewrite; those inside a call stay with it
        let inside_call = |c: &ByteSpan| {
            group.iter().any(|g| {
                let s = self.cx.span(g.call_span);
                c.start >= s.start && c.end <= s.end
            })
        };
        let moved: Vec<&str> = self
            .m()
            .comments
            .iter()
            .filter(|c| c.span.start < range.end && c.span.end > range.start && !inside_call(&c.span))
            .map(|c| &text[c.span.start as usize..c.span.end as usize])
            .collect();
        let line_start = text[..first.start as usize].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let indent: String = text[line_start..first.start as usize].chars().take_while(|c| c.is_whitespace()).collect();
        if indent.len() != first.start as usize - line_start {
            return None; // something precedes the first statement on its line
        }
        let calls: Vec<&str> = group.iter().map(|g| self.text(g.call_span)).collect();
        let head = match kind {
            Some(k) => {
                // trailing discarded awaits need no hole
                while pats.last().is_some_and(|p| p.is_none()) {
                    pats.pop();
                }
                let kw = match k {
                    VarDeclKind::Const => "const",
                    VarDeclKind::Let => "let",
                    VarDeclKind::Var => "var",
                };
                // holes (`[a, , c]`) for the awaits whose result was discarded
                let elems: Vec<&str> = pats.iter().map(|p| p.unwrap_or("")).collect();
                format!("{kw} [{}] = ", elems.join(", "))
            }
            None => String::new(),
        };
        let one_line = format!("{head}await Promise.all([{}]);", calls.join(", "));
        let replacement = if one_line.len() + indent.len() <= 100 && !calls.iter().any(|c| c.contains('\n')) {
            one_line
        } else {
            let inner = format!("{indent}  ");
            let mut s = format!("{head}await Promise.all([\n");
            for c in &calls {
                s.push_str(&inner);
                // continuation lines move in with the call, unless a template literal could span them
                if c.contains('`') || c.contains("\\\n") {
                    s.push_str(c);
                } else {
                    s.push_str(&c.replace('\n', "\n  "));
                }
                s.push_str(",\n");
            }
            s.push_str(&indent);
            s.push_str("]);");
            s
        };
        let mut prefix = String::new();
        for c in moved {
            prefix.push_str(c);
            prefix.push('\n');
            prefix.push_str(&indent);
        }
        let fix = Fix {
            description: "run the awaits together with Promise.all".to_string(),
            edits: vec![Edit { span: range, replacement: prefix + &replacement }],
        };
        Some((fix, head, replacement))
    }

    fn call_name(&self, g: &Member) -> String {
        let callee = self.text(g.callee_span);
        let callee: String = callee.split_whitespace().collect::<Vec<_>>().join("");
        if callee.len() <= 48 {
            return format!("`{callee}()`");
        }
        // a long chain: its last member
        match callee.rsplit('.').next() {
            Some(last) if !last.is_empty() && last.len() <= 48 => format!("`{last}()`"),
            _ => "a call".to_string(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Awaits side by side in one expression

    fn check_elements(&mut self, elems: Vec<&Expr>) {
        if elems.iter().filter(|e| self.awaited_call(e).is_some()).count() < 2 {
            return;
        }
        let mut members: Vec<Member> = Vec::new();
        for e in &elems {
            match self.awaited_call(e) {
                Some(_) => match self.member(e.span(), e, Vec::new(), Shape::Other, false) {
                    Some(mem) => members.push(mem),
                    None => return,
                },
                None => {
                    if !is_inert(e) {
                        return;
                    }
                }
            }
        }
        if members.len() < 2 || !members.iter().any(|g| g.role == Role::Read) {
            return;
        }
        for (i, b) in members.iter().enumerate() {
            if !members[..i].iter().all(|a| self.independent(a, b)) {
                return;
            }
        }
        let names: Vec<String> = members.iter().map(|g| self.call_name(g)).collect();
        let n = members.len();
        let message = format!(
            "{} one after another inside one expression though none uses another's result: {} round-trips in series where one would do",
            awaited_subject(&names),
            number_word(n)
        );
        let mut d = Diagnostic::new(SequentialAwait::META.id, self.cx.span(members[0].await_span), message)
            .with_label("waits for this first");
        for g in &members[1..] {
            d = d.with_secondary(self.cx.span(g.await_span), "starts only after the previous await settles");
        }
        let calls: Vec<&str> = members.iter().map(|g| self.text(g.call_span)).collect();
        let joined = calls.join(", ");
        let example = if joined.len() <= 120 {
            format!("`const [...] = await Promise.all([{joined}])`")
        } else {
            "`const [...] = await Promise.all([...])`".to_string()
        };
        d = d.with_help(format!("start them together first, {example}, then build the value from the results"));
        self.report(d, &members);
    }

    // -----------------------------------------------------------------------------------------
    // Loops

    /// `iteration`: the per-iteration bindings of the loop head. `head`: what the head reads on
    /// every iteration (a `for` test, the iterated collection). `each`: for a `for…of`, the
    /// iteration pattern and the collection, to name them in the help.
    fn check_loop(
        &mut self,
        head_span: Span,
        iteration: Vec<BindingId>,
        head: Vec<&Expr>,
        each: Option<(Span, &Expr)>,
        body: &Stmt,
    ) {
        let m = self.m();
        let mut scan = BodyScan::new(m);
        body.visit_with(&mut scan);
        if scan.exits || scan.nested_loop_awaits || scan.awaits.is_empty() || scan.compound_member {
            return;
        }
        let body_span = self.cx.span(body.span());
        let local_to_body = |b: BindingId| {
            let bd = m.binding(b);
            bd.span.start >= body_span.start
                && bd.span.end <= body_span.end
                && matches!(bd.kind, BindingKind::Let | BindingKind::Const | BindingKind::Function | BindingKind::Class)
        };
        let per_iteration = |b: BindingId| iteration.contains(&b) || local_to_body(b);
        // state carried from one iteration to the next
        if scan.assigned.iter().any(|&b| !per_iteration(b)) {
            return;
        }
        if scan.mutated.iter().any(|&b| !per_iteration(b) && scan.read_and_changed(b)) {
            return;
        }
        let changed: FxHashSet<BindingId> =
            scan.assigned.iter().chain(scan.mutated.iter()).copied().filter(|&b| !per_iteration(b)).collect();
        for h in &head {
            let r = refs_of(m, *h);
            if r.side_effects || r.all.iter().any(|b| changed.contains(b) || scan.assigned.contains(b)) {
                return;
            }
        }
        let mut reads = Vec::new();
        for (a, discarded) in &scan.awaits {
            // a result dropped on every iteration means the call is run for what it does
            if *discarded {
                return;
            }
            let Some(mem) = self.member(a.span(), a, Vec::new(), Shape::Other, false) else { return };
            if mem.role != Role::Read {
                return;
            }
            if mem.refs.all.iter().any(|b| changed.contains(b)) {
                return;
            }
            reads.push(mem);
        }
        // the first read must vary with the iteration; a loop-invariant await wants hoisting
        if !reads[0].refs.all.iter().any(|&b| per_iteration(b)) {
            return;
        }
        let first = &reads[0];
        let name = self.call_name(first);
        let message = format!(
            "{name} is awaited in every iteration of this loop though no iteration needs another's result: the round-trips run one after another, one per item"
        );
        let mut d = Diagnostic::new(SequentialAwait::META.id, self.cx.span(first.await_span), message)
            .with_label("waits here on every iteration")
            .with_secondary(self.cx.span(head_span), "each iteration starts after the previous one's awaits settle");
        for g in &reads[1..] {
            d = d.with_secondary(self.cx.span(g.await_span), "also awaited per iteration");
        }
        let (list, pat) = match each {
            Some((pat, list)) if self.text(pat).len() <= 40 && self.text(list.span()).len() <= 40 => {
                (self.text(list.span()).to_string(), self.text(pat).to_string())
            }
            _ => ("items".to_string(), "item".to_string()),
        };
        let help = match each {
            Some((_, Expr::Array(a))) if a.elems.len() <= 16 => format!(
                "the list is short and fixed: start the iterations together with `await Promise.all({list}.map(async ({pat}) => …))`"
            ),
            _ => format!(
                "start the iterations together through a bounded pool, e.g. with p-limit: `const limit = pLimit(5); await Promise.all({list}.map(({pat}) => limit(async () => …)))`; a plain `Promise.all` only when the collection is small and known, so the fix does not become an unbounded fan-out"
            ),
        };
        d = d.with_help(help);
        self.report(d, &reads);
    }
}

/// Whether binding `b` is declared in function `f` or in a function nested in it.
fn declared_within(m: &FileModel, b: BindingId, f: FnId) -> bool {
    let mut g = Some(m.binding(b).scope);
    while let Some(x) = g {
        if x == f {
            return true;
        }
        if x == FnId::MODULE {
            return false;
        }
        g = m.function(x).parent;
    }
    false
}

/// Per function, the variables declared outside it that it assigns (`x = …`, `x += …`, `x++`)
/// or changes through a property (`x.y = …`).
struct OuterWrites<'a> {
    m: &'a FileModel,
    stack: Vec<FnId>,
    out: FxHashMap<FnId, FxHashSet<BindingId>>,
}

impl OuterWrites<'_> {
    fn note(&mut self, e: &Expr) {
        let mut e = unwrap(e);
        while let Expr::Member(mem) = e {
            e = unwrap(&mem.obj);
        }
        let Expr::Ident(i) = e else { return };
        let (Some(b), Some(&cur)) = (self.m.binding_of(i), self.stack.last()) else { return };
        if cur != FnId::MODULE && self.m.binding(b).scope != cur {
            self.out.entry(cur).or_default().insert(b);
        }
    }

    /// Visit a function's body with the function on the stack.
    fn enter<N: VisitWith<Self>>(&mut self, span: swc_common::Span, n: &N) {
        let id = self.m.function_at(span);
        self.stack.extend(id);
        n.visit_children_with(self);
        if id.is_some() {
            self.stack.pop();
        }
    }
}

impl Visit for OuterWrites<'_> {
    fn visit_function(&mut self, n: &Function) {
        self.enter(n.span, n);
    }
    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        self.enter(n.span, n);
    }
    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        match &n.left {
            AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => self.note(&Expr::Ident(b.id.clone())),
            AssignTarget::Simple(SimpleAssignTarget::Member(mem)) => self.note(&mem.obj),
            _ => {}
        }
        n.visit_children_with(self);
    }
    fn visit_update_expr(&mut self, n: &UpdateExpr) {
        self.note(&n.arg);
        n.visit_children_with(self);
    }
}

/// What a loop body does, outside nested functions.
struct BodyScan<'a> {
    m: &'a FileModel,
    /// Awaits not inside a nested loop, as expressions (`await f()`), and whether the result is
    /// dropped (`await f();`).
    awaits: Vec<(Expr, bool)>,
    /// The await expression statement being visited.
    discarded_await: Option<Span>,
    nested_loop_awaits: bool,
    /// `break`, `return`, `throw`, `try`, `yield`, a labeled `continue`, `for await`.
    exits: bool,
    /// `x.y op= …` or `x.y++`: read-modify-write of shared state.
    compound_member: bool,
    assigned: FxHashSet<BindingId>,
    /// Bindings whose object the body changes (`seen.add(x)`, `cache[k] = v`), with how many
    /// of their references are those changes.
    mutated: FxHashSet<BindingId>,
    mutations: FxHashMap<BindingId, u32>,
    references: FxHashMap<BindingId, u32>,
}

impl<'a> BodyScan<'a> {
    fn new(m: &'a FileModel) -> Self {
        BodyScan {
            m,
            awaits: Vec::new(),
            discarded_await: None,
            nested_loop_awaits: false,
            exits: false,
            compound_member: false,
            assigned: FxHashSet::default(),
            mutated: FxHashSet::default(),
            mutations: FxHashMap::default(),
            references: FxHashMap::default(),
        }
    }

    fn root_binding(&self, e: &Expr) -> Option<BindingId> {
        match unwrap(e) {
            Expr::Ident(i) => self.m.binding_of(i),
            Expr::Member(mem) => self.root_binding(&mem.obj),
            Expr::Call(c) => match &c.callee {
                Callee::Expr(x) => self.root_binding(x),
                _ => None,
            },
            _ => None,
        }
    }

    fn mutate(&mut self, b: BindingId) {
        self.mutated.insert(b);
        *self.mutations.entry(b).or_default() += 1;
    }

    /// A changed object that the body also reads (`if (seen.has(id)) …; seen.add(id)`): the
    /// iterations talk to each other through it.
    fn read_and_changed(&self, b: BindingId) -> bool {
        self.mutated.contains(&b)
            && self.references.get(&b).copied().unwrap_or(0) > self.mutations.get(&b).copied().unwrap_or(0)
    }

    fn assign_pat(&mut self, p: &Pat) {
        for b in pattern_bindings(self.m, p) {
            self.assigned.insert(b);
        }
    }

    fn nested_loop(&mut self, f: impl FnOnce(&mut Self)) {
        let before = self.awaits.len();
        f(self);
        if self.awaits.len() > before {
            self.nested_loop_awaits = true;
        }
    }
}

impl Visit for BodyScan<'_> {
    fn visit_ident(&mut self, i: &Ident) {
        if let Some(b) = self.m.binding_of(i) {
            *self.references.entry(b).or_default() += 1;
        }
    }
    fn visit_expr_stmt(&mut self, n: &ExprStmt) {
        if let Expr::Await(a) = strip_ts(&n.expr).0 {
            self.discarded_await = Some(a.span);
        }
        n.visit_children_with(self);
    }
    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        let discarded = self.discarded_await == Some(n.span);
        self.awaits.push((Expr::Await(n.clone()), discarded));
        n.visit_children_with(self);
    }
    fn visit_break_stmt(&mut self, _: &BreakStmt) {
        self.exits = true;
    }
    fn visit_continue_stmt(&mut self, n: &ContinueStmt) {
        if n.label.is_some() {
            self.exits = true;
        }
    }
    fn visit_return_stmt(&mut self, _: &ReturnStmt) {
        self.exits = true;
    }
    fn visit_throw_stmt(&mut self, _: &ThrowStmt) {
        self.exits = true;
    }
    fn visit_try_stmt(&mut self, _: &TryStmt) {
        self.exits = true;
    }
    fn visit_yield_expr(&mut self, _: &YieldExpr) {
        self.exits = true;
    }
    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        match &n.left {
            AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => {
                if let Some(id) = self.m.binding_of(&b.id) {
                    self.assigned.insert(id);
                }
            }
            AssignTarget::Simple(SimpleAssignTarget::Member(mem)) => {
                if n.op != AssignOp::Assign {
                    self.compound_member = true;
                }
                if let Some(b) = self.root_binding(&mem.obj) {
                    self.mutate(b);
                }
            }
            AssignTarget::Pat(p) => {
                let pat: Pat = match p {
                    AssignTargetPat::Array(a) => Pat::Array(a.clone()),
                    AssignTargetPat::Object(o) => Pat::Object(o.clone()),
                    AssignTargetPat::Invalid(_) => {
                        self.exits = true;
                        return;
                    }
                };
                self.assign_pat(&pat);
            }
            _ => self.exits = true,
        }
        n.visit_children_with(self);
    }
    fn visit_update_expr(&mut self, n: &UpdateExpr) {
        match unwrap(&n.arg) {
            Expr::Ident(i) => {
                if let Some(id) = self.m.binding_of(i) {
                    self.assigned.insert(id);
                }
            }
            _ => self.compound_member = true,
        }
        n.visit_children_with(self);
    }
    fn visit_call_expr(&mut self, n: &CallExpr) {
        // a method call may change its receiver (`seen.add(id)`, `results.push(x)`) unless it reads
        let reads = self.m.call_at(n.span).is_some_and(|c| self.m.effect(c) == Effect::Read);
        if let (Callee::Expr(c), false) = (&n.callee, reads) {
            if let Expr::Member(mem) = unwrap(c) {
                if let Some(b) = self.root_binding(&mem.obj) {
                    self.mutate(b);
                }
            }
        }
        n.visit_children_with(self);
    }
    fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
        if n.is_await {
            self.exits = true;
        }
        if let ForHead::Pat(p) = &n.left {
            self.assign_pat(p);
        }
        self.nested_loop(|s| n.visit_children_with(s));
    }
    fn visit_for_in_stmt(&mut self, n: &ForInStmt) {
        if let ForHead::Pat(p) = &n.left {
            self.assign_pat(p);
        }
        self.nested_loop(|s| n.visit_children_with(s));
    }
    fn visit_for_stmt(&mut self, n: &ForStmt) {
        self.nested_loop(|s| n.visit_children_with(s));
    }
    fn visit_while_stmt(&mut self, n: &WhileStmt) {
        self.nested_loop(|s| n.visit_children_with(s));
    }
    fn visit_do_while_stmt(&mut self, n: &DoWhileStmt) {
        self.nested_loop(|s| n.visit_children_with(s));
    }
    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    fn visit_class(&mut self, _: &Class) {}
}

impl Visit for Walker<'_, '_> {
    fn visit_function(&mut self, n: &Function) {
        if self.enter(n.span) {
            n.visit_children_with(self);
        }
        self.leave();
    }

    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        if self.enter(n.span) {
            n.visit_children_with(self);
        }
        self.leave();
    }

    fn visit_constructor(&mut self, n: &Constructor) {
        self.stack.push(Frame::default());
        n.visit_children_with(self);
        self.leave();
    }

    fn visit_module(&mut self, n: &Module) {
        note_serial_bindings(self.cx.model, n.body.iter().filter_map(|i| i.as_stmt()), &mut self.serial);
        n.visit_children_with(self);
    }

    fn visit_script(&mut self, n: &Script) {
        note_serial_bindings(self.cx.model, &n.body, &mut self.serial);
        n.visit_children_with(self);
    }

    fn visit_member_expr(&mut self, n: &MemberExpr) {
        if let (Expr::Ident(obj), MemberProp::Ident(p)) = (unwrap(&n.obj), &n.prop) {
            if is_serial_name(&p.sym) {
                if let (Some(b), Some(f)) = (self.cx.model.binding_of(obj), self.stack.last_mut()) {
                    f.carriers.insert(b);
                }
            }
        }
        n.visit_children_with(self);
    }

    fn visit_block_stmt(&mut self, n: &BlockStmt) {
        note_serial_bindings(self.cx.model, &n.stmts, &mut self.serial);
        if self.active() {
            self.check_stmts(&n.stmts);
        }
        n.visit_children_with(self);
    }

    fn visit_function_body(&mut self, n: &FunctionBody) {
        note_serial_bindings(self.cx.model, &n.stmts, &mut self.serial);
        if self.active() {
            self.check_stmts(&n.stmts);
        }
        n.visit_children_with(self);
    }

    fn visit_switch_case(&mut self, n: &SwitchCase) {
        note_serial_bindings(self.cx.model, &n.cons, &mut self.serial);
        if self.active() {
            self.check_stmts(&n.cons);
        }
        n.visit_children_with(self);
    }

    fn visit_object_lit(&mut self, n: &ObjectLit) {
        if self.active() {
            let mut elems: Vec<&Expr> = Vec::new();
            let mut simple = true;
            for p in &n.props {
                match p {
                    PropOrSpread::Prop(p) => match &**p {
                        Prop::KeyValue(kv) => {
                            if let PropName::Computed(c) = &kv.key {
                                elems.push(&c.expr);
                            }
                            elems.push(&kv.value);
                        }
                        Prop::Shorthand(_) | Prop::Method(_) | Prop::Getter(_) | Prop::Setter(_) => {}
                        Prop::Assign(_) => simple = false,
                    },
                    PropOrSpread::Spread(s) => elems.push(&s.expr),
                }
            }
            if simple {
                self.check_elements(elems);
            }
        }
        n.visit_children_with(self);
    }

    fn visit_tpl(&mut self, n: &Tpl) {
        if self.active() {
            self.check_elements(n.exprs.iter().map(|e| &**e).collect());
        }
        n.visit_children_with(self);
    }

    fn visit_array_lit(&mut self, n: &ArrayLit) {
        if self.active() {
            let elems: Vec<&Expr> = n.elems.iter().flatten().map(|e| &*e.expr).collect();
            if n.elems.iter().flatten().all(|e| e.spread.is_none() || is_inert(&e.expr)) {
                self.check_elements(elems);
            }
        }
        n.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        if self.active()
            && n.args.iter().filter(|a| self.awaited_call(&a.expr).is_some()).count() >= 2
            && n.args.iter().all(|a| a.spread.is_none() || is_inert(&a.expr))
        {
            let callee_inert = match &n.callee {
                Callee::Expr(c) => is_inert(c),
                _ => true,
            };
            // `Promise.all([await a(), await b()])` is still serial, and reported by the array
            let is_combinator = self.m().call_at(n.span).and_then(|c| c.api().cloned()).is_some_and(|q| {
                q.module.as_str() == "global"
                    && q.path.first().is_some_and(|p| ordering::COMBINATOR_GLOBALS.contains(&p.as_str()))
            });
            if callee_inert && !is_combinator {
                self.check_elements(n.args.iter().map(|a| &*a.expr).collect());
            }
        }
        n.visit_children_with(self);
    }

    fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
        if self.active() && !n.is_await && !is_batching(self.m(), &n.right) {
            if let Some(iteration) = loop_bindings(self.m(), &n.left) {
                let head = Span::new(n.span.lo, n.right.span().hi);
                let each = match &n.left {
                    ForHead::VarDecl(v) => Some((v.decls[0].name.span(), unwrap(&n.right))),
                    _ => None,
                };
                self.check_loop(head, iteration, vec![&n.right], each, &n.body);
            }
        }
        n.visit_children_with(self);
    }

    fn visit_for_in_stmt(&mut self, n: &ForInStmt) {
        if self.active() {
            if let Some(iteration) = loop_bindings(self.m(), &n.left) {
                let head = Span::new(n.span.lo, n.right.span().hi);
                self.check_loop(head, iteration, vec![&n.right], None, &n.body);
            }
        }
        n.visit_children_with(self);
    }

    fn visit_for_stmt(&mut self, n: &ForStmt) {
        if self.active() {
            if let Some(iteration) = counter_bindings(self.m(), n) {
                let mut head: Vec<&Expr> = Vec::new();
                // the update is the counter's own step (checked by `counter_bindings`)
                head.extend(n.test.as_deref());
                let end = n.update.as_ref().map(|u| u.span().hi).or(n.test.as_ref().map(|t| t.span().hi));
                let head_span = Span::new(n.span.lo, end.unwrap_or(n.span.lo));
                self.check_loop(head_span, iteration, head, None, &n.body);
            }
        }
        n.visit_children_with(self);
    }
}

/// Whether a loop's collection is a list of batches (`_.chunk(ids, 50)`, `toBatches(rows)`):
/// one batch at a time is the bound the author chose.
fn is_batching(m: &FileModel, e: &Expr) -> bool {
    let Expr::Call(c) = unwrap(e) else { return false };
    let name = m.call_at(c.span).and_then(|cs| cs.method.as_deref().map(str::to_string)).or_else(|| match &c.callee {
        Callee::Expr(x) => match unwrap(x) {
            Expr::Ident(i) => Some(i.sym.to_string()),
            Expr::Member(MemberExpr { prop: MemberProp::Ident(p), .. }) => Some(p.sym.to_string()),
            _ => None,
        },
        _ => None,
    });
    name.is_some_and(|n| camel_words(&n).any(|w| ordering::BATCH_WORDS.iter().any(|b| b.eq_ignore_ascii_case(w))))
}

/// The per-iteration bindings of a `for…of`/`for…in` head: `const`/`let` declarations only (an
/// outer variable or `var` is shared by all iterations).
fn loop_bindings(m: &FileModel, head: &ForHead) -> Option<Vec<BindingId>> {
    match head {
        ForHead::VarDecl(v) if v.kind != VarDeclKind::Var && v.decls.len() == 1 => {
            if pattern_has_effects(&v.decls[0].name) {
                return None;
            }
            Some(pattern_bindings(m, &v.decls[0].name))
        }
        _ => None,
    }
}

/// The counters of `for (let i = 0; i < n; i++)`: a `let` with a test and a plain update.
fn counter_bindings(m: &FileModel, n: &ForStmt) -> Option<Vec<BindingId>> {
    let Some(VarDeclOrExpr::VarDecl(v)) = &n.init else { return None };
    if v.kind != VarDeclKind::Let || n.test.is_none() {
        return None;
    }
    let mut ids = Vec::new();
    for d in &v.decls {
        let Pat::Ident(b) = &d.name else { return None };
        if !d.init.as_deref().is_none_or(is_inert) {
            return None;
        }
        ids.push(m.binding_of(&b.id)?);
    }
    let update_ok = match n.update.as_deref().map(unwrap) {
        Some(Expr::Update(u)) => {
            matches!(unwrap(&u.arg), Expr::Ident(i) if m.binding_of(i).is_some_and(|b| ids.contains(&b)))
        }
        Some(Expr::Assign(a)) => {
            matches!(&a.left, AssignTarget::Simple(SimpleAssignTarget::Ident(i)) if m.binding_of(&i.id).is_some_and(|b| ids.contains(&b)))
                && is_inert(&a.right)
        }
        _ => false,
    };
    if !update_ok || !n.test.as_deref().is_some_and(is_inert) {
        return None;
    }
    Some(ids)
}

fn pattern_bindings(m: &FileModel, p: &Pat) -> Vec<BindingId> {
    struct Ids<'b>(&'b FileModel, Vec<BindingId>);
    impl Visit for Ids<'_> {
        fn visit_binding_ident(&mut self, b: &BindingIdent) {
            if let Some(id) = self.0.binding_of(&b.id) {
                self.1.push(id);
            }
        }
        fn visit_expr(&mut self, _: &Expr) {}
        fn visit_prop_name(&mut self, _: &PropName) {}
    }
    let mut v = Ids(m, Vec::new());
    p.visit_with(&mut v);
    v.1
}

/// Whether a pattern's default values do anything (`{ a = await f() }`).
fn pattern_has_effects(p: &Pat) -> bool {
    struct V(bool);
    impl Visit for V {
        fn visit_expr(&mut self, e: &Expr) {
            if !is_inert(e) {
                self.0 = true;
            }
        }
    }
    let mut v = V(false);
    p.visit_with(&mut v);
    v.0
}

/// Whether a declaration's pattern carries a type annotation (the fix would drop it).
fn pattern_is_typed(p: &Pat) -> bool {
    match p {
        Pat::Ident(b) => b.type_ann.is_some(),
        Pat::Object(o) => o.type_ann.is_some(),
        Pat::Array(a) => a.type_ann.is_some(),
        _ => true,
    }
}

/// `` `a()` and `b()` are awaited ``, or `` `a()` is awaited three times `` when it is one call.
fn awaited_subject(names: &[String]) -> String {
    if names.len() > 1 && names.iter().all(|n| *n == names[0]) {
        let times = match names.len() {
            2 => "twice".to_string(),
            n => format!("{} times", number_word(n)),
        };
        format!("{} is awaited {times}", names[0])
    } else {
        format!("{} are awaited", join_names(names))
    }
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}

fn number_word(n: usize) -> String {
    const WORDS: &[&str] = &["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
    WORDS.get(n).map(|w| w.to_string()).unwrap_or_else(|| n.to_string())
}

/// The camelCase (or snake_case) words of a name: `getOrCreateUser` → get, Or, Create, User.
fn camel_words(name: &str) -> impl Iterator<Item = &str> {
    let mut starts = vec![0];
    let b = name.as_bytes();
    for i in 1..b.len() {
        if (b[i].is_ascii_uppercase() && !b[i - 1].is_ascii_uppercase()) || b[i - 1] == b'_' {
            starts.push(i);
        }
    }
    starts.push(b.len());
    (0..starts.len() - 1).map(move |k| name[starts[k]..starts[k + 1]].trim_matches('_')).filter(|w| !w.is_empty())
}

fn is_serial_name(name: &str) -> bool {
    ordering::SERIAL_NAMES.contains(&name)
}

/// `{ transaction: t }`, `{ transacting: trx }`: an option that puts the call in a transaction.
fn has_serial_option(e: &Expr) -> bool {
    let Expr::Object(o) = unwrap(e) else { return false };
    o.props.iter().any(|p| match p {
        PropOrSpread::Prop(p) => match &**p {
            Prop::KeyValue(kv) => match &kv.key {
                PropName::Ident(i) => ordering::SERIAL_OPTION_KEYS.contains(&i.sym.as_str()),
                PropName::Str(s) => s.value.as_str().is_some_and(|v| ordering::SERIAL_OPTION_KEYS.contains(&v)),
                _ => false,
            },
            Prop::Shorthand(i) => ordering::SERIAL_OPTION_KEYS.contains(&i.sym.as_str()),
            _ => false,
        },
        PropOrSpread::Spread(_) => false,
    })
}
