use loopsafe_analyzer::diagnostic::ByteSpan;
use loopsafe_analyzer::knowledge::fan_out::{self as k, Bound};
use loopsafe_analyzer::knowledge::ordering;
use loopsafe_analyzer::knowledge::{effect_of, is_test_file};
use loopsafe_analyzer::knowledge::{
    is_node_builtin, is_relative, CallbackKind, Effect, LIFECYCLE_METHODS, LISTENER_METHODS,
};
use loopsafe_analyzer::model::unwrap_expr as strip;
use loopsafe_analyzer::model::{
    BindingId, BindingKind, Context, EntryReason, FileModel, FnId, FnKind, FnUse, QualName, Target,
};
use loopsafe_analyzer::{Diagnostic, FileContext, Rule};
use loopsafe_macros::rule;
use rustc_hash::{FxHashMap, FxHashSet};
use swc_atoms::Atom;
use swc_common::{BytePos, Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// Async work started once per element of a collection of unknown size, with nothing bounding
/// how much runs at once.
///
/// ## What it finds
/// - `Promise.all(xs.map(async (x) => …))` (and `allSettled`, `any`, `race`, Bluebird's), a
///   `map` whose callback returns a promise (`xs.map((x) => db.remove(x))`), and the same through
///   a variable (`const jobs = xs.map(…); await Promise.all(jobs)`);
/// - `xs.forEach(async …)` and a discarded `xs.map(async …)`: every callback starts at once and
///   nobody awaits them;
/// - promises pushed in a loop (`for (const x of xs) jobs.push(save(x))`) and then awaited
///   together, and async calls started in a loop without `await` (`notify(u).catch(log)`);
/// - `p-map`, `p-all` and Bluebird `Promise.map` without `{ concurrency }`, and `async.map`,
///   `async.each`, `async.parallel`;
/// - async `data`/`line`/`row` listeners on streams that never pause the stream.
///
/// Only collections whose size the code does not control are reported: function parameters
/// (unless every caller in the file passes a fixed list), request `body`/`query`/`params`
/// fields (and the keys of a request body map), counts the client sends
/// (`Array.from({ length: n })`), database results, `readdir`/`glob` output, and what is
/// derived from them.
///
/// Not reported: literal arrays and constant lists, `Object.keys` of a literal object,
/// `slice(i, i + n)` batches and `chunk(xs, n)` groups, paged queries (`{ limit }`, `.limit(n)`)
/// and what a function of the same file returns when its body reads a page, collections whose length is checked against a maximum (an `if` that returns, throws or
/// truncates; one that only logs lets the input through), SQL texts with a `LIMIT`, work run through a limiter (`p-limit`,
/// `p-queue`, Bottleneck, `async-sema`, recognized by import), queries inside a transaction or
/// through one connection (`trx`, a `queryRunner`, `this.query` in a `…QueryRunner` class: they
/// wait their turn), lists read from configuration (`config.get(…)`), calls of a synchronous
/// function of another file that touches nothing (data shaping makes no promise), what a
/// callback receives from its caller (often a batch), and start-up code (including lifecycle
/// hooks such as `onModuleInit`), and test files. A function of another file that is async
/// counts as starting work, and one whose body does I/O counts as evidence of it.
///
/// ## Why it matters
/// A thousand ids in a request body become a thousand simultaneous queries: the database pool
/// (often 10 connections) queues them, every other request waits behind them, and timeouts
/// cascade. `fs` and `crypto` calls share the libuv pool of 4 threads; remote APIs rate-limit
/// and sockets run out. It works in tests with three elements and fails in production.
///
/// ## Examples
/// ```js
/// app.post('/users/bulk-delete', async (req, res) => {
///   await Promise.all(req.body.ids.map((id) => User.deleteOne({ _id: id })));
///   res.sendStatus(204);
/// });
/// ```
/// ```js
/// const pLimit = require('p-limit');
/// const limit = pLimit(8);
/// app.post('/users/bulk-delete', async (req, res) => {
///   await Promise.all(req.body.ids.map((id) => limit(() => User.deleteOne({ _id: id }))));
///   res.sendStatus(204);
/// });
/// ```
///
/// ## How to fix
/// Bound the concurrency: run each task through a limiter (`p-limit`), use `p-map` or Bluebird
/// `Promise.map` with `{ concurrency: n }` or `async.mapLimit`, or await fixed-size batches
/// (`xs.slice(i, i + n)`, lodash `chunk`) one after another. When order matters or the work is
/// small, a plain `for…of` loop with `await` is enough. Reject oversized input at the edge
/// (`if (ids.length > 100) return res.status(413)…`). For streams, iterate with
/// `for await (const chunk of stream)`, or `pause()` before the await and `resume()` after.
#[rule(id = "unbounded-fan-out", severity = "warning", category = "performance", fixable = false)]
pub struct UnboundedFanOut;

impl Rule for UnboundedFanOut {
    fn check_file(&self, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        // tests: their collections are the fixtures the test wrote
        if is_test_file(cx.path) {
            return;
        }
        // One walk of the tree: the facts of pass 1, and where pass 3 has something to look at.
        // The call sites the walk needs from the model (local functions, combinators, collection
        // APIs), so that most calls cost no look-up in the model's large table.
        let sites = cx
            .model
            .calls
            .iter()
            .filter(|c| {
                matches!(c.target, Target::Local(_))
                    || c.api().is_some_and(|q| k::matches(k::COMBINATORS, q) || k::collection_api(q).is_some())
            })
            .map(|c| (c.span.start, c.span.end))
            .collect();
        let mut collector = Collector {
            cx,
            m: cx.model,
            sites,
            facts: Facts { inits: Inits::with_bindings(cx.model.bindings.len()), ..Facts::default() },
            loops: Vec::new(),
            next_loop: None,
            record_facts: true,
            shape_loops: Vec::new(),
            events: Vec::new(),
            unchecked_test: false,
        };
        cx.program.visit_with(&mut collector);
        if collector.events.is_empty() {
            return;
        }
        let limiters_present = cx.model.calls.iter().any(|c| c.api().is_some_and(|q| k::is_limiter_factory(q)));
        let a = Analysis { cx, m: cx.model, facts: collector.facts, visiting: Default::default(), limiters_present };
        // Pass 2 runs only for the functions pass 3 asks about.
        let info = Infos { a: &a, info: Default::default(), done: Default::default(), full: Default::default() };
        let mut shapes = Shapes { a: &a, info: &info, reported: FxHashSet::default(), out };
        // Pass 3, in the order a walk of the tree would meet them.
        for event in collector.events {
            match event {
                Event::Stmt { expr, over } => {
                    a.with(expr, |e| shapes.on_expr_stmt(e, over));
                }
                Event::Call(at) => {
                    a.with(at, |e| {
                        if let Expr::Call(c) = e {
                            shapes.on_call(c)
                        }
                    });
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 1: what each binding holds, which collections are grown or length-checked, loops' pushes.

/// Where an expression is in the syntax tree: its span and its kind. The facts of pass 1 keep
/// these instead of copies of the expressions; [`Analysis::with`] finds the expression again
/// when (and only if) it is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ExprAt {
    lo: BytePos,
    hi: BytePos,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Of(std::mem::Discriminant<Expr>),
    /// `Expr::Call`.
    Call,
}

impl ExprAt {
    fn of(e: &Expr) -> Self {
        let s = e.span();
        ExprAt { lo: s.lo, hi: s.hi, kind: Kind::Of(std::mem::discriminant(e)) }
    }

    fn call(c: &CallExpr) -> Self {
        ExprAt { lo: c.span.lo, hi: c.span.hi, kind: Kind::Call }
    }

    fn is(&self, e: &Expr) -> bool {
        match self.kind {
            Kind::Of(d) => std::mem::discriminant(e) == d,
            Kind::Call => matches!(e, Expr::Call(_)),
        }
    }

    fn span(&self) -> Span {
        Span::new(self.lo, self.hi)
    }
}

/// Finds the expression at an [`ExprAt`] (the first in source order with that span and kind)
/// and hands it to `f`. With `prune`, only nodes whose span contains the target are entered.
struct Find<F, R> {
    at: ExprAt,
    prune: bool,
    f: Option<F>,
    out: Option<R>,
}

impl<F, R> Find<F, R> {
    fn skip(&self, s: Span) -> bool {
        self.f.is_none() || (self.prune && !(s.lo <= self.at.lo && self.at.hi <= s.hi))
    }
}

impl<F: FnOnce(&Expr) -> R, R> Visit for Find<F, R> {
    fn visit_expr(&mut self, e: &Expr) {
        if self.f.is_none() {
            return;
        }
        let s = e.span();
        if s.lo == self.at.lo && s.hi == self.at.hi && self.at.is(e) {
            if let Some(f) = self.f.take() {
                self.out = Some(f(e));
            }
            return;
        }
        if self.skip(s) {
            return;
        }
        e.visit_children_with(self);
    }

    loopsafe_analyzer::visit_unless_skipped!(skip: visit_module_item(ModuleItem), visit_stmt(Stmt), visit_class_member(ClassMember), visit_prop_or_spread(PropOrSpread));

    fn visit_var_declarator(&mut self, n: &VarDeclarator) {
        if !self.skip(n.span) {
            n.visit_children_with(self);
        }
    }

    fn visit_pat(&mut self, n: &Pat) {
        if !self.skip(n.span()) {
            n.visit_children_with(self);
        }
    }
}

enum Init {
    /// `const x = <expr>` or destructured from it.
    Value(ExprAt),
    /// The variable of `for (const x of <expr>)`.
    ElementOf(ExprAt),
}

struct Push {
    call: ByteSpan,
    arg: ExprAt,
    /// What the enclosing loop walks over.
    over: ExprAt,
}

/// What each binding was declared with, indexed by binding (no hashing on the hot path).
#[derive(Default)]
struct Inits(Vec<Option<Init>>);

impl Inits {
    fn with_bindings(n: usize) -> Self {
        Inits(std::iter::repeat_with(|| None).take(n).collect())
    }

    fn get(&self, b: &BindingId) -> Option<&Init> {
        self.0.get(b.0 as usize).and_then(|i| i.as_ref())
    }

    fn insert(&mut self, b: BindingId, init: Init) {
        let i = b.0 as usize;
        if i >= self.0.len() {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i] = Some(init);
    }
}

#[derive(Default)]
struct Facts {
    inits: Inits,
    assigns: FxHashMap<BindingId, Vec<ExprAt>>,
    /// Assigned by a compound operator or a destructuring assignment.
    opaque_assigns: FxHashSet<BindingId>,
    /// Collections changed in place (`push`, `splice`, `add`).
    grown: FxHashSet<BindingId>,
    /// `this.x = …` and class fields, by name.
    this_props: FxHashMap<Atom, Vec<ExprAt>>,
    /// `this` fields changed in place (`this.clients.push(ws)`).
    grown_this: FxHashSet<Atom>,
    /// The receiver of each per-element call (`xs` in `xs.map(cb)`), by call span.
    receivers: FxHashMap<(u32, u32), ExprAt>,
    /// `jobs.push(x)` inside a loop, by the array's binding.
    pushes: FxHashMap<BindingId, Vec<Push>>,
    /// Paths whose `.length` is compared with a maximum (`ids.length > MAX`).
    length_checked: FxHashSet<String>,
    /// The arguments of calls to functions of this file, by call span.
    local_args: FxHashMap<(u32, u32), Vec<ExprAt>>,
    /// Functions of this file whose bodies (closures included) read a page (`.limit(MAX)`).
    paged_fns: FxHashSet<FnId>,
}

struct Collector<'m> {
    cx: &'m FileContext<'m>,
    m: &'m FileModel,
    /// Spans of the call sites whose target is local, a combinator or a collection API.
    sites: FxHashSet<(u32, u32)>,
    facts: Facts,
    /// What each enclosing loop of the current function walks over (`None`: not known).
    loops: Vec<Option<ExprAt>>,
    /// Set while visiting the callback of `xs.forEach(cb)`: it loops over `xs`.
    next_loop: Option<ExprAt>,
    /// Off while visiting what pass 1 never looked at (the left side of `for…of`): pass 3 does.
    record_facts: bool,
    /// What the enclosing loops walk over, as pass 3 sees them (`for await` is none, and a
    /// `forEach` callback is not a loop).
    shape_loops: Vec<Option<ExprAt>>,
    /// What pass 3 checks, in the order of the walk.
    events: Vec<Event>,
    /// Set while visiting the test of an `if` that bounds nothing (`if (ids.length > 100)
    /// logger.warn(…)`, no `else`): its length comparison is no check.
    unchecked_test: bool,
}

/// A place pass 3 looks at.
enum Event {
    /// An expression statement, and what its innermost loop walks over.
    Stmt { expr: ExprAt, over: Option<ExprAt> },
    /// A call that may be a combinator, a collection API, a `forEach` or a listener.
    Call(ExprAt),
}

impl Collector<'_> {
    fn binding(&self, i: &Ident) -> Option<BindingId> {
        self.m.binding_of(i)
    }

    fn enter_fn(&mut self) -> (Vec<Option<ExprAt>>, Vec<Option<ExprAt>>) {
        let saved = std::mem::take(&mut self.loops);
        if let Some(over) = self.next_loop.take() {
            self.loops.push(Some(over));
        }
        (saved, std::mem::take(&mut self.shape_loops))
    }

    fn leave_fn(&mut self, saved: (Vec<Option<ExprAt>>, Vec<Option<ExprAt>>)) {
        self.loops = saved.0;
        self.shape_loops = saved.1;
    }

    /// The left side of a `for…of`/`for…in`, which only pass 3 visits.
    fn visit_loop_head(&mut self, left: &ForHead) {
        let record = std::mem::replace(&mut self.record_facts, false);
        left.visit_with(self);
        self.record_facts = record;
    }

    fn push_loop(&mut self, facts: Option<ExprAt>, shapes: Option<ExprAt>) {
        self.loops.push(facts);
        self.shape_loops.push(shapes);
    }

    fn pop_loop(&mut self) {
        self.loops.pop();
        self.shape_loops.pop();
    }

    /// Whether pass 3 may act on this call (`Shapes::on_call`): a combinator or collection API,
    /// a `forEach` with an async (or named) callback, a listener for per-item events.
    fn is_checked_call(&self, n: &CallExpr, site: Option<&loopsafe_analyzer::model::CallSite>) -> bool {
        if let (Callee::Expr(_), Some(q)) = (&n.callee, site.and_then(|s| s.api())) {
            if k::matches(k::COMBINATORS, q) || k::collection_api(q).is_some() {
                return true;
            }
        }
        let Some(method) = callee_method(n) else { return false };
        let method = method.as_str();
        if k::FOR_EACH_METHODS.contains(&method) {
            // `check_for_each` wants an async function (`fn_of`)
            let async_cb = match n.args.first().map(|a| strip(&a.expr)) {
                Some(Expr::Arrow(a)) => a.is_async,
                Some(Expr::Fn(f)) => f.function.is_async,
                Some(Expr::Ident(_)) => true,
                _ => false,
            };
            if async_cb {
                return true;
            }
        }
        if LISTENER_METHODS.contains(&method) {
            if let Some(Expr::Lit(Lit::Str(s))) = n.args.first().map(|a| strip(&a.expr)) {
                if s.value.as_str().is_some_and(|event| k::PER_ITEM_EVENTS.contains(&event)) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether `check_loop_statement` may report this call: a promise chain, or work that may
    /// be a local async function (`Analysis::work_of_call`).
    fn may_start_promise(&self, c: &CallExpr) -> bool {
        if callee_method(c)
            .is_some_and(|m| k::PROMISE_CHAIN_METHODS.contains(&m.as_str()) || k::FAN_OUT_METHODS.contains(&m.as_str()))
        {
            return true;
        }
        let Callee::Expr(callee) = &c.callee else { return false };
        if is_fn_like(callee) {
            return true;
        }
        match self.m.call_at(c.span) {
            None => true,
            Some(site) => {
                site.api().is_some_and(|q| k::matches(k::COMBINATORS, q))
                    || matches!(site.target, Target::Local(f) if self.m.function(f).is_async)
                    || self.cx.starts_work(site)
            }
        }
    }

    /// `x.length` compared with a maximum: a constant, a literal above 1 or a configured member.
    /// A count compared with one (`if (count > 500) throw …`) is checked too: it may size an
    /// `Array.from({ length: count })`.
    fn note_length_check(&mut self, length: &Expr, other: &Expr) {
        let checked = match strip(length) {
            Expr::Member(m) if matches!(&m.prop, MemberProp::Ident(p) if p.sym.as_str() == "length") => &*m.obj,
            count @ Expr::Ident(_) => count,
            _ => return,
        };
        let bounding = match strip(other) {
            Expr::Lit(Lit::Num(n)) => n.value > 1.0,
            Expr::Ident(i) => self.binding(i).is_some_and(|b| self.m.binding(b).kind == BindingKind::Const),
            Expr::Member(_) => !is_length(other),
            _ => false,
        };
        if bounding {
            if let Some(key) = path_key(self.m, checked) {
                self.facts.length_checked.insert(key);
            }
        }
    }
}

impl Visit for Collector<'_> {
    loopsafe_analyzer::skip_typescript_types!();

    fn visit_var_declarator(&mut self, n: &VarDeclarator) {
        if let (Some(init), true) = (&n.init, self.record_facts) {
            if !is_fn_like(init) {
                let (m, inits, at) = (self.m, &mut self.facts.inits, ExprAt::of(init));
                for_pat_idents(&n.name, &mut |id| {
                    if let Some(b) = m.binding_of(id) {
                        inits.insert(b, Init::Value(at));
                    }
                });
            }
        }
        n.visit_children_with(self);
    }

    fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
        if let (ForHead::VarDecl(d), true) = (&n.left, self.record_facts) {
            let (m, inits, at) = (self.m, &mut self.facts.inits, ExprAt::of(&n.right));
            for decl in &d.decls {
                for_pat_idents(&decl.name, &mut |id| {
                    if let Some(b) = m.binding_of(id) {
                        inits.insert(b, Init::ElementOf(at));
                    }
                });
            }
        }
        self.visit_loop_head(&n.left);
        n.right.visit_with(self);
        let over = ExprAt::of(&n.right);
        self.push_loop(Some(over), if n.is_await { None } else { Some(over) });
        n.body.visit_with(self);
        self.pop_loop();
    }

    fn visit_for_in_stmt(&mut self, n: &ForInStmt) {
        self.visit_loop_head(&n.left);
        n.right.visit_with(self);
        let over = ExprAt::of(&n.right);
        self.push_loop(Some(over), Some(over));
        n.body.visit_with(self);
        self.pop_loop();
    }

    fn visit_for_stmt(&mut self, n: &ForStmt) {
        n.init.visit_with(self);
        n.test.visit_with(self);
        n.update.visit_with(self);
        let over = n.test.as_deref().and_then(counted_collection);
        self.push_loop(over, over);
        n.body.visit_with(self);
        self.pop_loop();
    }

    fn visit_while_stmt(&mut self, n: &WhileStmt) {
        n.test.visit_with(self);
        self.push_loop(None, None);
        n.body.visit_with(self);
        self.pop_loop();
    }

    fn visit_do_while_stmt(&mut self, n: &DoWhileStmt) {
        self.push_loop(None, None);
        n.body.visit_with(self);
        self.pop_loop();
        n.test.visit_with(self);
    }

    fn visit_function(&mut self, n: &Function) {
        let saved = self.enter_fn();
        n.visit_children_with(self);
        self.leave_fn(saved);
    }

    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        let saved = self.enter_fn();
        n.visit_children_with(self);
        self.leave_fn(saved);
    }

    fn visit_constructor(&mut self, n: &Constructor) {
        let saved = self.enter_fn();
        n.visit_children_with(self);
        self.leave_fn(saved);
    }

    fn visit_expr_stmt(&mut self, n: &ExprStmt) {
        // what `Shapes::on_expr_stmt` can act on: a discarded map, or a call in a loop
        let over = self.shape_loops.last().copied().flatten();
        let checked = match strip(&n.expr) {
            Expr::Call(c) => {
                callee_method(c).is_some_and(|m| k::FAN_OUT_METHODS.contains(&m.as_str()))
                    || (over.is_some() && self.may_start_promise(c))
            }
            Expr::Unary(u) if over.is_some() && u.op == UnaryOp::Void => match strip(&u.arg) {
                Expr::Call(c) => self.may_start_promise(c),
                _ => false,
            },
            _ => false,
        };
        if checked {
            self.events.push(Event::Stmt { expr: ExprAt::of(&n.expr), over });
        }
        n.visit_children_with(self);
    }

    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        if !self.record_facts {
            n.visit_children_with(self);
            return;
        }
        match &n.left {
            AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => {
                if let Some(id) = self.binding(&b.id) {
                    if n.op == AssignOp::Assign {
                        self.facts.assigns.entry(id).or_default().push(ExprAt::of(&n.right));
                    } else {
                        self.facts.opaque_assigns.insert(id);
                    }
                }
            }
            AssignTarget::Simple(SimpleAssignTarget::Member(m)) => {
                if let (Expr::This(_), MemberProp::Ident(p)) = (&*m.obj, &m.prop) {
                    if n.op == AssignOp::Assign && !is_fn_like(&n.right) {
                        self.facts.this_props.entry(p.sym.clone()).or_default().push(ExprAt::of(&n.right));
                    }
                }
            }
            AssignTarget::Pat(p) => {
                struct Idents<'a, 'm>(&'a mut Collector<'m>);
                impl Visit for Idents<'_, '_> {
                    fn visit_binding_ident(&mut self, b: &BindingIdent) {
                        if let Some(id) = self.0.binding(&b.id) {
                            self.0.facts.opaque_assigns.insert(id);
                        }
                    }
                    fn visit_expr(&mut self, _: &Expr) {}
                }
                p.visit_with(&mut Idents(self));
            }
            _ => {}
        }
        n.visit_children_with(self);
    }

    fn visit_class_prop(&mut self, n: &ClassProp) {
        if let (PropName::Ident(key), Some(v), true) = (&n.key, &n.value, self.record_facts) {
            if !is_fn_like(v) {
                self.facts.this_props.entry(key.sym.clone()).or_default().push(ExprAt::of(v));
            }
        }
        n.visit_children_with(self);
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
        if !self.record_facts || self.unchecked_test {
            n.visit_children_with(self);
            return;
        }
        match n.op {
            BinaryOp::Gt | BinaryOp::GtEq => self.note_length_check(&n.left, &n.right),
            BinaryOp::Lt | BinaryOp::LtEq => self.note_length_check(&n.right, &n.left),
            _ => {}
        }
        n.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        // any other site is neither local nor an API that `is_checked_call` looks for
        let s = self.m.span(n.span);
        let site = if self.sites.contains(&(s.start, s.end)) { self.m.call_at(n.span) } else { None };
        if self.is_checked_call(n, site) {
            self.events.push(Event::Call(ExprAt::call(n)));
        }
        let member = if self.record_facts { callee_member_ref(n) } else { None };
        let mut per_element_receiver = None;
        if let Some((obj, method)) = member {
            let method = method.as_str();
            let growing = k::GROWING_METHODS.contains(&method);
            let push = k::PUSH_METHODS.contains(&method);
            if growing || push {
                match strip(obj) {
                    Expr::Member(m) => {
                        if let (Expr::This(_), MemberProp::Ident(p), true) = (&*m.obj, &m.prop, growing) {
                            self.facts.grown_this.insert(p.sym.clone());
                        }
                    }
                    Expr::Ident(i) => {
                        if let Some(b) = self.binding(i) {
                            if growing {
                                self.facts.grown.insert(b);
                            }
                            if push && n.args.len() == 1 && n.args[0].spread.is_none() {
                                if let Some(Some(over)) = self.loops.last() {
                                    let push = Push {
                                        call: self.m.span(n.span),
                                        arg: ExprAt::of(&n.args[0].expr),
                                        over: *over,
                                    };
                                    self.facts.pushes.entry(b).or_default().push(push);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            if k::PER_ELEMENT_METHODS.contains(&method) {
                let s = self.m.span(n.span);
                self.facts.receivers.insert((s.start, s.end), ExprAt::of(obj));
                per_element_receiver = Some(ExprAt::of(obj));
            }
        }
        if self.record_facts && is_paged(n) {
            let mut f = self.m.call_at(n.span).map(|s| s.caller);
            while let Some(id) = f.filter(|id| *id != FnId::MODULE && self.facts.paged_fns.insert(*id)) {
                f = self.m.function(id).parent;
            }
        }
        if let (Some(site), true) = (site, self.record_facts) {
            if matches!(site.target, Target::Local(_)) && n.args.iter().all(|a| a.spread.is_none()) {
                let args = n.args.iter().map(|a| ExprAt::of(&a.expr)).collect();
                self.facts.local_args.insert((site.span.start, site.span.end), args);
            }
        }
        n.callee.visit_with(self);
        for (i, a) in n.args.iter().enumerate() {
            if i == 0 && is_fn_like(&a.expr) {
                self.next_loop = per_element_receiver.take();
            }
            a.visit_with(self);
            self.next_loop = None;
        }
    }
}

/// Whether the body of an `if` does anything that bounds what follows: leaves (`return`,
/// `throw`, `break`, `continue`), waits (`await`, `yield`), or changes something
/// (`ids = ids.slice(0, 100)`, `ids.length = 100`). A body that only logs or counts a metric
/// lets the oversized input through. Nested functions are not entered.
fn bails_out(body: &Stmt) -> bool {
    struct Bails(bool);
    /// Nodes whose mere presence bounds what follows.
    macro_rules! bounding {
        ($($visit:ident: $node:ty),*) => {
            $(fn $visit(&mut self, _: &$node) {
                self.0 = true;
            })*
        };
    }
    impl Visit for Bails {
        loopsafe_analyzer::skip_typescript_types!();
        bounding!(
            visit_return_stmt: ReturnStmt,
            visit_throw_stmt: ThrowStmt,
            visit_break_stmt: BreakStmt,
            visit_continue_stmt: ContinueStmt,
            visit_await_expr: AwaitExpr,
            visit_yield_expr: YieldExpr,
            visit_assign_expr: AssignExpr,
            visit_update_expr: UpdateExpr
        );
        fn visit_call_expr(&mut self, c: &CallExpr) {
            // `process.exit(1)`, Koa's `ctx.throw(413)`, `assert(…)`, `ids.splice(100)`
            let name = match &c.callee {
                Callee::Expr(e) => match strip(e) {
                    Expr::Ident(i) => Some(i.sym.clone()),
                    _ => callee_method(c).cloned(),
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

/// `i < xs.length` walks `xs`; `i < 3` walks a literal count.
fn counted_collection(test: &Expr) -> Option<ExprAt> {
    let Expr::Bin(b) = strip(test) else { return None };
    if !matches!(b.op, BinaryOp::Lt | BinaryOp::LtEq) {
        return None;
    }
    match strip(&b.right) {
        Expr::Member(m) if matches!(&m.prop, MemberProp::Ident(p) if p.sym.as_str() == "length") => {
            Some(ExprAt::of(&m.obj))
        }
        lit @ Expr::Lit(Lit::Num(_)) => Some(ExprAt::of(lit)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes of collections.

/// How large a collection can be.
#[derive(Clone, Debug, PartialEq)]
enum Size {
    /// Fixed by the code: a literal, a constant list, a batch.
    Bounded,
    /// Comes from outside (the request, a query, the file system): the phrase says where, and
    /// whether that is known or only guessed from a name or a parameter.
    Unknown(String, Evidence),
    /// Not known either way: stay silent.
    Opaque,
    /// A variable that refers back to itself (`xs = xs.filter(…)`): adds nothing.
    Cycle,
}

/// How sure the analysis is that a collection comes from outside.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Evidence {
    /// The request, a known collection API (`readdir`), a known database client.
    Known,
    /// A parameter whose callers are elsewhere.
    Param,
    /// A call that reads, judged by its name only (`repo.findBy`, `this.getAll`).
    Named,
}

/// Either of two values (`a ?? b`, `c ? a : b`): unknown if either is.
fn join(a: Size, b: Size) -> Size {
    match (a, b) {
        (Size::Cycle, x) | (x, Size::Cycle) => x,
        (Size::Unknown(x, Evidence::Known), _) | (_, Size::Unknown(x, Evidence::Known)) => {
            Size::Unknown(x, Evidence::Known)
        }
        (Size::Unknown(x, e), _) | (_, Size::Unknown(x, e)) => Size::Unknown(x, e),
        (Size::Opaque, _) | (_, Size::Opaque) => Size::Opaque,
        _ => Size::Bounded,
    }
}

/// The values a reassigned variable takes: unknown only if all of them are, bounded only if all
/// of them are (`ids = ids.slice(0, 100)` caps what came before).
fn agree(parts: Vec<Size>) -> Size {
    let parts: Vec<Size> = parts.into_iter().filter(|p| *p != Size::Cycle).collect();
    if parts.is_empty() {
        Size::Cycle
    } else if parts.iter().all(|p| matches!(p, Size::Unknown(..))) {
        parts.into_iter().next().unwrap()
    } else if parts.iter().all(|p| *p == Size::Bounded) {
        Size::Bounded
    } else {
        Size::Opaque
    }
}

struct Analysis<'a> {
    cx: &'a FileContext<'a>,
    m: &'a FileModel,
    facts: Facts,
    /// Variables whose size is being computed (cycle guard).
    visiting: std::cell::RefCell<FxHashSet<BindingId>>,
    /// Whether the file makes a limiter at all (`pLimit(4)`, `new PQueue(…)`).
    limiters_present: bool,
}

const MAX_DEPTH: u32 = 12;

impl Analysis<'_> {
    /// Runs `f` on the expression at `at` (recorded by pass 1). `None` only if it is not in the
    /// tree, which does not happen: every `ExprAt` was taken from this file's tree.
    fn with<R>(&self, at: ExprAt, f: impl FnOnce(&Expr) -> R) -> Option<R> {
        let mut find = Find { at, prune: true, f: Some(f), out: None };
        self.cx.program.visit_with(&mut find);
        if find.f.is_some() {
            // not under nodes whose spans contain it (a decorator, say): look everywhere
            find.prune = false;
            self.cx.program.visit_with(&mut find);
        }
        find.out
    }

    fn size_at(&self, at: ExprAt, depth: u32) -> Size {
        self.with(at, |e| self.size_of(e, depth)).unwrap_or(Size::Opaque)
    }

    fn size_of(&self, e: &Expr, depth: u32) -> Size {
        if depth > MAX_DEPTH {
            return Size::Opaque;
        }
        let e = strip(e);
        if let Some(key) = path_key(self.m, e) {
            if self.facts.length_checked.contains(&key) {
                return Size::Bounded;
            }
        }
        match e {
            Expr::Array(a) => a.elems.iter().flatten().fold(Size::Bounded, |acc, el| match el.spread {
                Some(_) => join(acc, self.size_of(&el.expr, depth + 1)),
                None => acc,
            }),
            Expr::Object(_) | Expr::Lit(_) | Expr::Tpl(_) => Size::Bounded,
            Expr::Ident(i) => self.ident_size(i, depth + 1),
            Expr::Member(_) => self.member_size(e, depth + 1),
            Expr::Await(a) => self.size_of(&a.arg, depth + 1),
            Expr::Cond(c) => join(self.size_of(&c.cons, depth + 1), self.size_of(&c.alt, depth + 1)),
            Expr::Bin(b)
                if matches!(b.op, BinaryOp::LogicalOr | BinaryOp::LogicalAnd | BinaryOp::NullishCoalescing) =>
            {
                join(self.size_of(&b.left, depth + 1), self.size_of(&b.right, depth + 1))
            }
            Expr::Call(c) => self.call_size(c, depth + 1),
            Expr::New(n) => match self.m.resolve_expr(&n.callee) {
                Target::Api(q) if k::matches(k::SIZE_OF_ARGUMENT, &q) || q.is("global", &["Array"]) => {
                    match n.args.as_deref() {
                        Some([first, ..]) => self.size_of(&first.expr, depth + 1),
                        _ => Size::Bounded,
                    }
                }
                _ => Size::Opaque,
            },
            _ => Size::Opaque,
        }
    }

    fn ident_size(&self, i: &Ident, depth: u32) -> Size {
        let Some(b) = self.m.binding_of(i) else { return Size::Opaque };
        let binding = self.m.binding(b);
        if !matches!(binding.kind, BindingKind::Param | BindingKind::Var | BindingKind::Let | BindingKind::Const) {
            return Size::Opaque;
        }
        if !self.visiting.borrow_mut().insert(b) {
            return Size::Cycle;
        }
        let mut parts = Vec::new();
        match binding.kind {
            BindingKind::Param => parts.push(self.param_size(b, depth)),
            _ => match self.facts.inits.get(&b) {
                Some(Init::Value(e)) => parts.push(self.size_at(*e, depth + 1)),
                Some(Init::ElementOf(e)) => {
                    parts.push(self.with(*e, |e| self.element_size(e, depth + 1)).unwrap_or(Size::Opaque))
                }
                None if binding.reassigned => {} // `let rows;` then assigned
                None => parts.push(Size::Opaque),
            },
        }
        if binding.reassigned {
            if self.facts.opaque_assigns.contains(&b) {
                parts.push(Size::Opaque);
            }
            for a in self.facts.assigns.get(&b).into_iter().flatten() {
                parts.push(self.size_at(*a, depth + 1));
            }
        }
        self.visiting.borrow_mut().remove(&b);
        let s = agree(parts);
        if s == Size::Bounded && self.facts.grown.contains(&b) {
            return Size::Opaque;
        }
        s
    }

    /// The size of an element of `iterable`: a `chunk(xs, n)` group is bounded; anything else is
    /// as large as what it came from.
    fn element_size(&self, iterable: &Expr, depth: u32) -> Size {
        if depth > MAX_DEPTH {
            return Size::Opaque;
        }
        match strip(iterable) {
            Expr::Call(c) if self.is_api(c, k::CHUNK_APIS) => Size::Bounded,
            Expr::Ident(i) => {
                if let Some(b) = self.m.binding_of(i) {
                    if !self.m.binding(b).reassigned {
                        if let Some(Init::Value(e)) = self.facts.inits.get(&b) {
                            let chunk =
                                self.with(*e, |e| matches!(strip(e), Expr::Call(c) if self.is_api(c, k::CHUNK_APIS)));
                            if chunk == Some(true) {
                                return Size::Bounded;
                            }
                        }
                    }
                }
                self.size_of(iterable, depth + 1)
            }
            _ => self.size_of(iterable, depth + 1),
        }
    }

    fn param_size(&self, b: BindingId, depth: u32) -> Size {
        let f = self.m.function(self.m.binding(b).scope);
        if f.params.first() == Some(&b) {
            // the element parameter of `xs.map(cb)` is an element of `xs`
            for u in &f.uses {
                if let FnUse::Callback { call, arg: 0, kind: CallbackKind::Sync } = u {
                    let s = self.m.call(*call).span;
                    if let Some(recv) = self.facts.receivers.get(&(s.start, s.end)) {
                        return self.with(*recv, |e| self.element_size(e, depth + 1)).unwrap_or(Size::Opaque);
                    }
                }
            }
        }
        // a helper called only here takes what its callers pass
        let index = f.params.iter().position(|p| *p == b);
        let simple = f.params.len() == f.param_names.len() && f.param_names.iter().all(|n| !n.is_empty());
        if let (Some(i), true) = (index, simple) {
            if !f.uses.is_empty() && f.uses.iter().all(|u| matches!(u, FnUse::Called(_))) {
                let mut parts = Vec::new();
                for u in &f.uses {
                    let FnUse::Called(c) = u else { continue };
                    let s = self.m.call(*c).span;
                    match self.facts.local_args.get(&(s.start, s.end)) {
                        Some(args) => {
                            if let Some(a) = args.get(i) {
                                parts.push(self.size_at(*a, depth + 1));
                            }
                        }
                        None => parts.push(Size::Opaque),
                    }
                }
                if !parts.is_empty() {
                    return agree(parts);
                }
            }
        }
        // a callback's arguments are whatever its caller hands it (a batch, a page): unknown
        let callback = f.uses.iter().any(|u| matches!(u, FnUse::Callback { .. }));
        if callback && !f.uses.iter().any(|u| matches!(u, FnUse::Called(_))) {
            return Size::Opaque;
        }
        match &f.name {
            Some(n) => Size::Unknown(format!("from a parameter of `{n}`"), Evidence::Param),
            None => Size::Unknown(format!("from a parameter of the {}", self.m.describe(f.id)), Evidence::Param),
        }
    }

    /// The request object of a route handler or request-handler-shaped function.
    fn is_request_param(&self, b: BindingId) -> bool {
        let binding = self.m.binding(b);
        if binding.kind != BindingKind::Param {
            return false;
        }
        let f = self.m.function(binding.scope);
        f.params.first() == Some(&b) && matches!(f.entry, Some(EntryReason::Route { .. } | EntryReason::HandlerParams))
    }

    fn member_size(&self, e: &Expr, depth: u32) -> Size {
        let mut root = e;
        let mut first_prop = None;
        let mut props = Vec::new();
        while let Expr::Member(m) = strip(root) {
            first_prop = Some(&m.prop);
            if let MemberProp::Ident(p) = &m.prop {
                props.push(p.sym.as_str());
            }
            root = &m.obj;
        }
        if let Expr::Ident(i) = strip(root) {
            if self.m.binding_of(i).is_some_and(|b| self.is_request_param(b)) {
                // `req.body.ids`, `ctx.request.query.tags`: input; `req.config.x`: the server's own
                return match props.iter().rev().find(|p| k::REQUEST_INPUT_FIELDS.contains(p)) {
                    Some(field) => Size::Unknown(format!("from the request {field}"), Evidence::Known),
                    None => Size::Opaque,
                };
            }
        }
        match strip(root) {
            Expr::This(_) => match first_prop {
                Some(MemberProp::Ident(p)) => match self.facts.this_props.get(&p.sym) {
                    Some(values) => {
                        let s = agree(values.iter().map(|v| self.size_at(*v, depth + 1)).collect());
                        if s == Size::Bounded && self.facts.grown_this.contains(&p.sym) {
                            Size::Opaque
                        } else {
                            s
                        }
                    }
                    None => Size::Opaque,
                },
                _ => Size::Opaque,
            },
            r @ (Expr::Ident(_) | Expr::Call(_) | Expr::Await(_)) => self.size_of(r, depth + 1),
            _ => Size::Opaque,
        }
    }

    fn call_size(&self, c: &CallExpr, depth: u32) -> Size {
        let Callee::Expr(callee) = &c.callee else { return Size::Opaque };
        if is_paged(c) {
            // `findAll({ where, limit })`, `.find().limit(20)`: a page, not the whole table
            return Size::Bounded;
        }
        let target = self.m.resolve_expr(callee);
        if let Target::Api(q) = &target {
            if k::matches(k::KEYS_OF_ARGUMENT, q) {
                // the keys of a literal are fixed; of the request body, the client's choice
                // (`Object.keys(req.body)`); of anything else, usually a schema's fields
                return match c.args.first().map(|a| self.size_of(&a.expr, depth + 1)) {
                    Some(Size::Bounded) | None => Size::Bounded,
                    Some(Size::Unknown(origin, Evidence::Known)) if origin.starts_with("from the request") => {
                        Size::Unknown(origin, Evidence::Known)
                    }
                    _ => Size::Opaque,
                };
            }
            if q.is("global", &["Array"]) {
                // `Array(n)`: `n` empty slots (`[...Array(n)].map(…)`); `Array(a, b)`: a literal
                return match c.args.as_slice() {
                    [n] => self.size_of(&n.expr, depth + 1),
                    _ => Size::Bounded,
                };
            }
            if k::matches(k::SIZE_OF_ARGUMENT, q) && q.path.len() == 2 && q.path[0].as_str() == "Array" {
                // `Array.from({ length: n }, …)`: as many as `n` says
                if let Some(Expr::Object(o)) = c.args.first().map(|a| strip(&a.expr)) {
                    return match length_value(o) {
                        Some(n) => self.size_of(n, depth + 1),
                        None => Size::Bounded,
                    };
                }
            }
            if k::matches(k::SIZE_OF_ARGUMENT, q) || k::matches(k::CHUNK_APIS, q) || k::matches(k::CONVERSIONS, q) {
                return match c.args.first() {
                    Some(a) => self.size_of(&a.expr, depth + 1),
                    None => Size::Bounded,
                };
            }
            if k::matches(k::COLLECTION_SOURCES, q) {
                return Size::Unknown(format!("from `{}`", self.text(&callee.span())), Evidence::Known);
            }
            if q.module.as_str() == "global" && !q.path.first().is_some_and(|p| k::GLOBAL_IO.contains(&p.as_str())) {
                // `JSON.parse(...)`, `process.argv.slice(...)`: configuration, not data
                return Size::Opaque;
            }
        }
        if let Some((obj, method)) = callee_member(c) {
            let method = method.as_str();
            if k::BATCH_METHODS.contains(&method) && c.args.len() >= 2 && !is_length(&c.args[1].expr) {
                return Size::Bounded;
            }
            if k::SIZE_KEEPING_METHODS.contains(&method) {
                return self.size_of(obj, depth + 1);
            }
        }
        if self.receiver_module(callee, 0).is_some_and(|q| k::matches(k::QUERY_CLIENTS, &q)) {
            // a call on a database client returns rows: `db('photos').where(…)`, `redis.smembers(…)`
            return Size::Unknown(format!("from `{}`", self.text(&callee.span())), Evidence::Known);
        }
        let Some(site) = self.m.call_at(c.span) else { return Size::Opaque };
        if let Some((obj, method)) = callee_member(c) {
            if is_config_receiver(&self.text(&obj.span()), &method) {
                return Size::Opaque;
            }
        }
        if let Target::Local(f) = site.target {
            if self.facts.paged_fns.contains(&f) {
                // a helper of this file that reads a page (`fetchBatch` → `.limit(100)`): what it
                // returns is at most that page
                return Size::Bounded;
            }
        }
        if self.m.effect(site) == Effect::Read {
            let name = match &target {
                Target::Api(q) if is_node_builtin(&q.module) => q.to_string(),
                _ => self.text(&callee.span()),
            };
            // a read judged by its name only
            return Size::Unknown(format!("from `{name}`"), Evidence::Named);
        }
        Size::Opaque
    }

    fn is_api(&self, c: &CallExpr, table: &[k::Api]) -> bool {
        match &c.callee {
            Callee::Expr(_) => self.api_of(c).is_some_and(|q| k::matches(table, q)),
            _ => false,
        }
    }

    /// The API a call resolves to, as the model resolved it.
    fn api_of(&self, c: &CallExpr) -> Option<&QualName> {
        self.m.call_at(c.span).and_then(|s| s.api())
    }

    // -----------------------------------------------------------------------------------------
    // Limiters and work.

    /// Whether `e` creates a limiter (`pLimit(4)`, `new PQueue({ concurrency: 2 })`).
    fn is_limiter_factory(&self, e: &Expr) -> bool {
        let callee = match strip(e) {
            Expr::Call(c) => match &c.callee {
                Callee::Expr(e) => &**e,
                _ => return false,
            },
            Expr::New(n) => &*n.callee,
            Expr::Await(a) => return self.is_limiter_factory(&a.arg),
            _ => return false,
        };
        matches!(self.m.resolve_expr(callee), Target::Api(q) if k::is_limiter_factory(&q))
    }

    /// Whether an expression names a limiter: a binding or `this` field initialized by a factory.
    fn is_limiter(&self, e: &Expr) -> bool {
        match strip(e) {
            Expr::Ident(i) => self.m.binding_of(i).is_some_and(|b| {
                !self.m.binding(b).reassigned
                    && matches!(self.facts.inits.get(&b), Some(Init::Value(init)) if self.with(*init, |e| self.is_limiter_factory(e)) == Some(true))
            }),
            Expr::Member(m) => match (&*m.obj, &m.prop) {
                (Expr::This(_), MemberProp::Ident(p)) => self
                    .facts
                    .this_props
                    .get(&p.sym)
                    .is_some_and(|v| v.iter().all(|init| self.with(*init, |e| self.is_limiter_factory(e)) == Some(true))),
                _ => self.is_limiter(&m.obj),
            },
            _ => false,
        }
    }

    /// `limit(() => …)`, `queue.add(…)`, `this.limiter.schedule(…)`, `sema.acquire()`.
    fn is_limiter_call(&self, c: &CallExpr) -> bool {
        match &c.callee {
            Callee::Expr(e) => self.limiters_present && self.is_limiter(e),
            _ => false,
        }
    }

    /// The work a call starts: its resolved name and what it exhausts. Promise chains are named
    /// by the call they start from.
    fn work_of_call(&self, c: &CallExpr) -> Option<Work> {
        if let Some((obj, method)) = callee_member(c) {
            if k::PROMISE_CHAIN_METHODS.contains(&method.as_str()) {
                if let Expr::Call(inner) = strip(obj) {
                    return self.work_of_call(inner);
                }
            }
            if k::FAN_OUT_METHODS.contains(&method.as_str()) {
                // `ys.map((y) => save(y))` returned into a `flatMap`: the work is `save`
                let cb = c.args.first().and_then(|a| fn_of(self.m, &a.expr))?;
                return Some(Work {
                    name: String::new(),
                    resource: None,
                    local: Some(cb),
                    nested: false,
                    body_io: false,
                });
            }
            if k::PER_ELEMENT_METHODS.contains(&method.as_str()) || k::SIZE_KEEPING_METHODS.contains(&method.as_str()) {
                // array helpers make plain values
                return None;
            }
        }
        if self.is_api(c, k::COMBINATORS) {
            // `Promise.all(xs.map(cb))`: named by what `cb` starts
            let generic =
                Work { name: "Promise.all".to_string(), resource: None, local: None, nested: false, body_io: false };
            return Some(match c.args.first().map(|a| strip(&a.expr)) {
                Some(Expr::Call(map)) => match map.args.first().and_then(|a| fn_of(self.m, &a.expr)) {
                    Some(cb) => Work { local: Some(cb), nested: true, ..generic },
                    None => generic,
                },
                // `Promise.all([a(x), b(x)])`: named by its first call
                Some(Expr::Array(a)) => a
                    .elems
                    .iter()
                    .flatten()
                    .find_map(|el| match strip(&el.expr) {
                        Expr::Call(first) => self.work_of_call(first),
                        _ => None,
                    })
                    .map(|w| Work { nested: true, ..w })
                    .unwrap_or(generic),
                _ => generic,
            });
        }
        let Callee::Expr(callee) = &c.callee else { return None };
        let callee = strip(callee);
        if is_fn_like(callee) {
            // an immediately invoked async function
            let f = fn_of(self.m, callee)?;
            return Some(Work { name: String::new(), resource: None, local: Some(f), nested: false, body_io: false });
        }
        // the model's target also knows `this.helper()` as a method of this class
        let site = self.m.call_at(c.span);
        let target = match site {
            Some(site) => site.target.clone(),
            None => self.m.resolve_expr(callee),
        };
        if site.is_some_and(|s| self.on_one_connection(s, callee)) {
            // queries through one connection or transaction wait their turn: no flood
            return None;
        }
        // a function of another file: a synchronous one that touches nothing makes no promise
        if site.is_some_and(|s| self.cx.is_inert(s)) {
            return None;
        }
        match target {
            Target::Api(q) if !is_relative(&q.module) => {
                if k::matches(k::SETTLED, &q) {
                    return None;
                }
                if passes_transaction(c) {
                    // `{ transaction }`: the queries share the transaction's one connection
                    return None;
                }
                // Node's own APIs by their full name (`fs.promises.readFile`); others as written
                let builtin = is_node_builtin(&q.module) || (q.module.as_str() == "global" && q.path.len() <= 2);
                let name = if builtin { q.to_string() } else { self.text(&callee.span()) };
                Some(Work { name, resource: k::resource_of(&q), local: None, nested: false, body_io: false })
            }
            _ if passes_transaction(c) => None,
            Target::Local(f) => Some(Work {
                name: self.text(&callee.span()),
                resource: None,
                local: Some(f),
                nested: false,
                body_io: false,
            }),
            _ => Some(Work {
                name: self.text(&callee.span()),
                resource: self.receiver_resource(callee, 0),
                local: None,
                nested: false,
                body_io: site.is_some_and(|s| self.cx.body_does_io(s)),
            }),
        }
    }

    /// Whether a call goes through a single connection: a receiver named like a transaction or
    /// a query runner (`trx.insert`, `this.queryRunner.dropIndex`, `postgresQueryRunner.query`),
    /// or `this.query(…)` inside a class that is one connection (`…QueryRunner`).
    fn on_one_connection(&self, site: &loopsafe_analyzer::model::CallSite, callee: &Expr) -> bool {
        let serial = |name: &str| {
            ordering::SERIAL_NAMES.contains(&name)
                || k::SINGLE_CONNECTION_CLASS_SUFFIXES.iter().any(|s| name.ends_with(s))
        };
        // the element itself (`tasks.map((t) => t.run())`) is no connection, whatever its name
        let element = |i: &Ident| {
            self.m
                .binding_of(i)
                .map(|b| self.m.binding(b))
                .is_some_and(|b| b.kind == loopsafe_analyzer::model::BindingKind::Param && b.scope == site.caller)
        };
        let mut e = strip(callee);
        while let Expr::Member(m) = e {
            let obj = strip(&m.obj);
            if let Expr::Member(inner) = obj {
                if matches!(&inner.prop, MemberProp::Ident(p) if serial(&p.sym)) {
                    return true;
                }
            }
            if let Expr::Ident(i) = obj {
                if serial(&i.sym) && !element(i) {
                    return true;
                }
            }
            e = obj;
        }
        // `this.query(…)` itself, not `this.driver.pool.query(…)`
        let direct_this = matches!(strip(callee), Expr::Member(m) if matches!(strip(&m.obj), Expr::This(_)));
        direct_this
            && self
                .m
                .class_of(site.caller)
                .and_then(|c| c.name.as_deref())
                .is_some_and(|n| k::SINGLE_CONNECTION_CLASS_SUFFIXES.iter().any(|s| n.ends_with(s)))
    }

    /// What a method call on a client exhausts, from where the client came from:
    /// `pool.query` with `const pool = new Pool()` from `pg`, `User.find` with
    /// `const User = mongoose.model(…)`.
    fn receiver_resource(&self, callee: &Expr, depth: u32) -> Option<&'static str> {
        self.receiver_module(callee, depth).and_then(|q| k::resource_of(&q))
    }

    /// The package a client object comes from: `pg` for `pool` in `pool.query` after
    /// `const pool = new Pool()`.
    fn receiver_module(&self, callee: &Expr, depth: u32) -> Option<QualName> {
        if depth > 4 {
            return None;
        }
        let mut root = strip(callee);
        let mut first_prop = None;
        loop {
            match root {
                Expr::Member(m) => {
                    first_prop = Some(&m.prop);
                    root = strip(&m.obj);
                }
                // a query builder chain: `db('photos').select('key').where(…)`
                Expr::Call(c) => match callee_expr(c) {
                    Some(e) => root = strip(e),
                    None => return None,
                },
                _ => break,
            }
        }
        let init = match root {
            Expr::Ident(i) => {
                let b = self.m.binding_of(i)?;
                match self.facts.inits.get(&b) {
                    Some(Init::Value(e)) => *e,
                    _ => return None,
                }
            }
            Expr::This(_) => match first_prop {
                Some(MemberProp::Ident(p)) => *self.facts.this_props.get(&p.sym)?.first()?,
                _ => return None,
            },
            _ => return None,
        };
        self.with(init, |init| {
            let maker = match strip(init) {
                Expr::Await(a) => match strip(&a.arg) {
                    Expr::Call(c) => callee_expr(c)?,
                    _ => return None,
                },
                Expr::Call(c) => callee_expr(c)?,
                Expr::New(n) => &n.callee,
                e @ (Expr::Member(_) | Expr::Ident(_)) => e,
                _ => return None,
            };
            match self.m.resolve_expr(maker) {
                Target::Api(q) => Some(q),
                _ => self.receiver_module(maker, depth + 1),
            }
        })?
    }

    /// Source text for messages, on one line and short.
    fn text(&self, span: &Span) -> String {
        let s = self.cx.span(*span);
        let raw = self.cx.source.text().get(s.start as usize..s.end as usize).unwrap_or("");
        let one_line: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > 48 {
            let cut: String = one_line.chars().take(45).collect();
            format!("{cut}…")
        } else {
            one_line
        }
    }

    /// Whether the function making this call is exempt: it runs at start-up (the model's start-up
    /// context, or a framework lifecycle hook such as `onModuleInit`), or inside a transaction
    /// callback, whose queries queue on one connection.
    fn exempt(&self, span: Span) -> bool {
        self.m.call_at(span).is_some_and(|c| self.exempt_fn(c.caller))
    }

    fn exempt_fn(&self, start: FnId) -> bool {
        let mut f = Some(start);
        let mut depth = 0;
        while let Some(id) = f {
            let func = self.m.function(id);
            if id == start && func.context == Context::StartUp {
                return true;
            }
            if func.kind == FnKind::Method
                && func.name.as_ref().is_some_and(|n| LIFECYCLE_METHODS.contains(&n.as_str()))
            {
                return true;
            }
            // inside `sequelize.transaction(async (t) => …)` or `prisma.$transaction(async (tx) => …)`
            // every query runs on the transaction's one connection
            // (also project helpers such as `inTransaction(db, async (tx) => …)`)
            let in_transaction = func.uses.iter().any(|u| match u {
                FnUse::Callback { call, .. } => {
                    let call = self.m.call(*call);
                    self.m.effect(call) == Effect::Transaction
                        || call.method.as_deref().is_some_and(|m| has_word(m, k::TRANSACTION_WRAPPER_WORDS))
                }
                _ => false,
            });
            if in_transaction {
                return true;
            }
            depth += 1;
            if depth > 16 {
                break;
            }
            f = func.parent;
        }
        false
    }
}

#[derive(Clone, Debug)]
struct Work {
    /// What is called, as resolved or written.
    name: String,
    /// Started through a `Promise.all` of its own, once per element.
    nested: bool,
    resource: Option<&'static str>,
    /// A function of this file that the call runs: its own work says what it exhausts.
    local: Option<FnId>,
    /// A function of another file whose body reads or writes something (the project pass says).
    body_io: bool,
}

impl Work {
    /// How the message names it: `` `db.grant` `` or `` `Promise.all` of `db.grant` ``.
    fn shown(&self) -> String {
        if self.nested {
            format!("`Promise.all` of `{}`", self.name)
        } else {
            format!("`{}`", self.name)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 2: what each function does when it runs: the work it awaits or returns, whether it goes
// through a limiter, whether it pauses a stream.

#[derive(Default, Clone, Debug)]
struct FnInfo {
    limited: bool,
    awaited: Option<Work>,
    returned: Option<Work>,
    /// An awaited `Promise.all` of its own: work, when nothing else is awaited.
    nested: Option<Work>,
    /// Receivers of `x.pause()` calls (`None`: not a plain variable).
    pauses: Vec<Option<BindingId>>,
}

struct FnFacts<'a> {
    a: &'a Analysis<'a>,
    info: FxHashMap<FnId, FnInfo>,
    stack: Vec<FnId>,
}

/// Pass 2, on demand: a function's facts come from a walk of that function alone (nested
/// functions the model does not know count as their parent's, as in a walk of the whole file).
struct Infos<'a> {
    a: &'a Analysis<'a>,
    info: std::cell::RefCell<FxHashMap<FnId, FnInfo>>,
    /// Functions whose facts are complete in `info`.
    done: std::cell::RefCell<FxHashSet<FnId>>,
    /// Set once the whole file has been walked.
    full: std::cell::Cell<bool>,
}

impl Infos<'_> {
    fn get(&self, f: FnId) -> FnInfo {
        if !self.full.get() && !self.done.borrow().contains(&f) {
            self.compute(f);
        }
        self.info.borrow().get(&f).cloned().unwrap_or_default()
    }

    fn compute(&self, f: FnId) {
        let mut fns = FnFacts { a: self.a, info: FxHashMap::default(), stack: vec![f] };
        let mut find = FindFn { at: self.a.m.function(f).span, fns: &mut fns, found: false };
        self.a.cx.program.visit_with(&mut find);
        if find.found {
            let mut done = self.done.borrow_mut();
            done.insert(f);
            done.extend(fns.info.keys().copied());
            self.info.borrow_mut().extend(fns.info);
        } else {
            // the module itself, or a function not found under its ancestors: the whole file
            let mut fns = FnFacts { a: self.a, info: FxHashMap::default(), stack: vec![FnId::MODULE] };
            self.a.cx.program.visit_with(&mut fns);
            *self.info.borrow_mut() = fns.info;
            self.full.set(true);
        }
    }
}

/// Finds the function node with this span and runs pass 2 on it.
struct FindFn<'f, 'a> {
    at: ByteSpan,
    fns: &'f mut FnFacts<'a>,
    found: bool,
}

impl FindFn<'_, '_> {
    /// Whether a node with this span cannot hold the function.
    fn skip(&self, s: Span) -> bool {
        self.found || !contains(self.fns.a.m.span(s), self.at)
    }

    fn is_it(&self, s: Span) -> bool {
        !self.found && self.fns.a.m.span(s) == self.at
    }
}

/// `visit_*` methods for the node kinds that are functions: the one sought is handed to the
/// collector of facts, the others are entered unless they hold nothing of interest.
macro_rules! find_fn_visits {
    ($($method:ident($ty:ty)),*) => {
        $(
            fn $method(&mut self, n: &$ty) {
                if self.is_it(n.span) {
                    self.found = true;
                    n.visit_with(&mut *self.fns);
                } else if !self.skip(n.span) {
                    n.visit_children_with(self);
                }
            }
        )*
    };
}

impl Visit for FindFn<'_, '_> {
    find_fn_visits!(visit_function(Function), visit_arrow_expr(ArrowExpr), visit_constructor(Constructor));

    loopsafe_analyzer::visit_unless_skipped!(skip: visit_expr(Expr), visit_module_item(ModuleItem), visit_stmt(Stmt), visit_class_member(ClassMember), visit_prop_or_spread(PropOrSpread));
}

impl FnFacts<'_> {
    fn cur(&mut self) -> &mut FnInfo {
        let f = *self.stack.last().unwrap();
        self.info.entry(f).or_default()
    }

    /// A promise-returning expression in return position.
    fn note_returned(&mut self, e: &Expr) {
        if self.cur().returned.is_some() {
            return;
        }
        let work = match strip(e) {
            Expr::Call(c) => self.a.work_of_call(c),
            Expr::New(n) => match self.a.m.resolve_expr(&n.callee) {
                Target::Api(q) if q.is("global", &["Promise"]) => Some(Work {
                    name: "new Promise".to_string(),
                    resource: None,
                    local: None,
                    nested: false,
                    body_io: false,
                }),
                _ => None,
            },
            _ => None,
        };
        if let Some(w) = work {
            let cur = self.cur();
            if cur.returned.is_none() {
                cur.returned = Some(w);
            }
        }
    }

    fn in_fn(&mut self, span: Span, f: impl FnOnce(&mut Self)) {
        let id = self.a.m.function_at(span).unwrap_or(*self.stack.last().unwrap());
        self.stack.push(id);
        f(self);
        self.stack.pop();
    }
}

impl Visit for FnFacts<'_> {
    fn visit_function(&mut self, n: &Function) {
        self.in_fn(n.span, |s| n.visit_children_with(s));
    }

    fn visit_constructor(&mut self, n: &Constructor) {
        self.in_fn(n.span, |s| n.visit_children_with(s));
    }

    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        self.in_fn(n.span, |s| {
            if let ArrowFunctionBody::Expr(e) = &*n.body {
                s.note_returned(e);
            }
            n.visit_children_with(s)
        });
    }

    fn visit_return_stmt(&mut self, n: &ReturnStmt) {
        if let Some(arg) = &n.arg {
            self.note_returned(arg);
        }
        n.visit_children_with(self);
    }

    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        let pending = {
            let cur = self.cur();
            cur.awaited.is_none() || cur.nested.is_none()
        };
        if let (true, Expr::Call(c)) = (pending, strip(&n.arg)) {
            // a nested `Promise.all` is named by what it runs, found where its own callback is
            if self.a.is_api(c, k::COMBINATORS) {
                if self.cur().nested.is_none() {
                    let w = self.a.work_of_call(c);
                    self.cur().nested = w;
                }
            } else if self.cur().awaited.is_none() {
                let sleeps = self.a.m.call_at(c.span).is_some_and(|s| self.a.m.effect(s) == Effect::Sleep);
                if !sleeps {
                    let w = self.a.work_of_call(c);
                    self.cur().awaited = w;
                }
            }
        }
        n.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        if self.a.is_limiter_call(n) {
            self.cur().limited = true;
        }
        if let Some((obj, method)) = callee_member(n) {
            if k::PAUSE_METHODS.contains(&method.as_str()) {
                let b = match strip(obj) {
                    Expr::Ident(i) => self.a.m.binding_of(i),
                    _ => None,
                };
                self.cur().pauses.push(b);
            }
        }
        n.visit_children_with(self);
    }
}

// ---------------------------------------------------------------------------------------------
// Pass 3: the fan-out shapes.

struct Shapes<'a, 'o> {
    a: &'a Analysis<'a>,
    info: &'a Infos<'a>,
    reported: FxHashSet<ByteSpan>,
    out: &'o mut Vec<Diagnostic>,
}

/// A finding, before it becomes a diagnostic.
struct Finding {
    primary: ByteSpan,
    message: String,
    label: String,
    collection: String,
    secondary: Option<(ByteSpan, String)>,
    help: Option<String>,
}

impl Shapes<'_, '_> {
    fn info(&self, f: FnId) -> FnInfo {
        self.info.get(f)
    }

    /// What a function handed to a fan-out starts when it runs; `None` when it starts nothing
    /// asynchronous, or runs its work through a limiter.
    fn callback_work(&self, f: FnId) -> Option<Work> {
        let info = self.info(f);
        if info.limited {
            return None;
        }
        let func = self.a.m.function(f);
        let work = if func.is_async { info.awaited.or(info.returned).or(info.nested) } else { info.returned };
        let work = work?;
        self.settle_work(work, 0)
    }

    /// Follow a call of a local function to what it does: drop it if it is synchronous or
    /// limited, and take its resource.
    fn settle_work(&self, mut work: Work, depth: u32) -> Option<Work> {
        let Some(g) = work.local else { return Some(work) };
        if depth > 6 {
            return Some(work);
        }
        let info = self.info(g);
        if info.limited {
            return None;
        }
        let func = self.a.m.function(g);
        let inner = if func.is_async { info.awaited.or(info.returned).or(info.nested) } else { info.returned };
        let inner = self.settle_work(inner?, depth + 1)?;
        if work.nested {
            return Some(Work { nested: true, ..inner });
        }
        if work.name.is_empty() {
            // an immediately invoked function is named by what it does
            return Some(inner);
        }
        work.resource = inner.resource;
        Some(work)
    }

    /// Too little evidence to report, where a reviewer would wave the finding away:
    /// - a parameter (its callers are elsewhere: schema objects, plugin and config lists look the
    ///   same) whose elements start work of unknown cost — unless it is a list of identifiers
    ///   (`ids`, `userIds`), the shape of client input;
    /// - rows from a call judged a read by its name only, mapped through work that does no
    ///   visible I/O (`models.map((m) => this.toEntity(m))`).
    fn weak_evidence(evidence: Evidence, coll: &str, work: &Work) -> bool {
        let last = coll.rsplit(['.', ' ']).next().unwrap_or(coll);
        let ids = last == "ids" || last.ends_with("Ids") || last.ends_with("IDs") || last.ends_with("_ids");
        let work_name = work.name.rsplit('.').next().unwrap_or(&work.name).trim_matches('`');
        let io_by_name = work.body_io || effect_of(work_name, None) != Effect::Unknown;
        match evidence {
            Evidence::Known => false,
            Evidence::Param => !ids && work.resource.is_none(),
            Evidence::Named => work.resource.is_none() && !io_by_name,
        }
    }

    fn exhausts(work: &Work) -> String {
        match work.resource {
            Some(r) => r.to_string(),
            None => format!("whatever `{}` calls (a connection pool, a remote API, the libuv thread pool)", work.name),
        }
    }

    fn emit(&mut self, f: Finding) {
        if !self.reported.insert(f.primary) {
            return;
        }
        let c = &f.collection;
        let help = f.help.unwrap_or_else(|| {
            format!(
                "bound it: a p-limit limiter (`{c}.map((x) => limit(() => …))`), p-map or Bluebird `Promise.map` with `{{ concurrency: 8 }}`, or `async.mapLimit`; or await `{c}.slice(i, i + 50)` batches one at a time; a `for…of` loop with `await` if order matters"
            )
        });
        let mut d = Diagnostic::new(UnboundedFanOut::META.id, f.primary, f.message).with_label(f.label).with_help(help);
        if let Some((span, text)) = f.secondary {
            d = d.with_secondary(span, text);
        }
        self.out.push(d);
    }

    fn skip_context(&self, call: Span) -> bool {
        self.a.exempt(call)
    }

    /// `xs.map(cb)` whose promises run together: under a combinator, through a variable, or
    /// discarded (`awaited_by` is `None`).
    fn check_map(&mut self, map: &CallExpr, awaited_by: Option<(&str, ByteSpan)>) {
        if let Some(from) = self.array_from_map(map) {
            return self.check_array_from(map, from, awaited_by);
        }
        let Some((receiver, method)) = callee_member(map) else { return };
        if !k::FAN_OUT_METHODS.contains(&method.as_str()) {
            return;
        }
        let Some(cb) = map.args.first().and_then(|a| fn_of(self.a.m, &a.expr)) else { return };
        let Some(work) = self.callback_work(cb) else { return };
        // a discarded map starts promises when its callback is async or calls a known I/O API
        if awaited_by.is_none() && !self.a.m.function(cb).is_async && work.resource.is_none() {
            return;
        }
        let Size::Unknown(origin, evidence) = self.a.size_of(receiver, 0) else { return };
        if self.skip_context(map.span) {
            return;
        }
        let coll = self.a.text(&receiver.span());
        if Self::weak_evidence(evidence, &coll, &work) {
            return;
        }
        let exhausts = Self::exhausts(&work);
        let name = work.shown();
        let (message, label, secondary) = match awaited_by {
            Some((combinator, at)) => {
                let primary = self.a.cx.span(map.span);
                let secondary = (at != primary && !contains(at, primary)).then(|| (at, "all awaited together here".to_string()));
                (
                    format!("`{coll}` ({origin}) has no size limit and `{combinator}` runs one {name} per element at once: a large input exhausts {exhausts}"),
                    format!("one {name} per element of `{coll}`, all at once"),
                    secondary,
                )
            }
            None => (
                format!("`{coll}` ({origin}) has no size limit and `{method}` starts one async {name} per element at once without awaiting them: a large input exhausts {exhausts}, and failures go unhandled"),
                format!("one {name} per element, none awaited"),
                None,
            ),
        };
        self.emit(Finding {
            primary: self.a.cx.span(map.span),
            message,
            label,
            collection: coll,
            secondary,
            help: None,
        });
    }

    /// `Array.from(source, cb)`: a map over `source` (or over `n` slots, `{ length: n }`). The
    /// collection to name: the length when it is given as one, else the source.
    fn array_from_map<'e>(&self, c: &'e CallExpr) -> Option<&'e Expr> {
        if c.args.len() != 2 || !self.a.api_of(c).is_some_and(|q| q.is("global", &["Array", "from"])) {
            return None;
        }
        match strip(&c.args[0].expr) {
            Expr::Object(o) => length_value(o),
            source => Some(source),
        }
    }

    /// `Promise.all(Array.from({ length: n }, () => work()))`, awaited together.
    fn check_array_from(&mut self, call: &CallExpr, coll_expr: &Expr, awaited_by: Option<(&str, ByteSpan)>) {
        let Some((combinator, at)) = awaited_by else { return };
        let Some(cb) = fn_of(self.a.m, &call.args[1].expr) else { return };
        let Some(work) = self.callback_work(cb) else { return };
        let Size::Unknown(origin, evidence) = self.a.size_of(coll_expr, 0) else { return };
        if self.skip_context(call.span) {
            return;
        }
        let coll = self.a.text(&coll_expr.span());
        if Self::weak_evidence(evidence, &coll, &work) {
            return;
        }
        let exhausts = Self::exhausts(&work);
        let name = work.shown();
        let primary = self.a.cx.span(call.span);
        let secondary =
            (at != primary && !contains(at, primary)).then(|| (at, "all awaited together here".to_string()));
        self.emit(Finding {
            primary,
            message: format!("`{coll}` ({origin}) sets how many, with no limit, and `{combinator}` runs {name} that many times at once: a large value exhausts {exhausts}"),
            label: format!("one {name} per slot, all at once"),
            collection: coll,
            secondary,
            help: Some(format!("cap it (`Math.min({0}, 100)`, or reject a larger value at the edge), or run the calls through a p-limit limiter", self.a.text(&coll_expr.span()))),
        });
    }

    /// `Promise.all(arg)`: a map, a variable holding one, pushed promises, or spread maps.
    fn check_combinator(&mut self, call: &CallExpr, name: &str) {
        let Some(arg) = call.args.first() else { return };
        let at = self.a.cx.span(call.span);
        match strip(&arg.expr) {
            Expr::Call(map) => self.check_map(map, Some((name, at))),
            Expr::Array(a) => {
                for el in a.elems.iter().flatten() {
                    if el.spread.is_some() {
                        if let Expr::Call(map) = strip(&el.expr) {
                            self.check_map(map, Some((name, at)));
                        }
                    }
                }
            }
            Expr::Ident(i) => {
                let Some(b) = self.a.m.binding_of(i) else { return };
                if !self.a.m.binding(b).reassigned {
                    if let Some(Init::Value(init)) = self.a.facts.inits.get(&b) {
                        let a = self.a;
                        let done = a.with(*init, |init| match strip(init) {
                            Expr::Call(map) => {
                                self.check_map(map, Some((name, at)));
                                true
                            }
                            _ => false,
                        });
                        if done == Some(true) {
                            return;
                        }
                    }
                }
                // `if (pending.length >= 10) await Promise.all(pending.splice(0))` in the loop:
                // the pushed promises are drained in batches of a checked size
                let drained =
                    path_key(self.a.m, &arg.expr).is_some_and(|key| self.a.facts.length_checked.contains(&key));
                if let (Some(pushes), false) = (self.a.facts.pushes.get(&b), drained) {
                    for p in pushes {
                        if self.check_push(p, name, at) {
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// `jobs.push(start(x))` in a loop over an unbounded collection, then `Promise.all(jobs)`.
    fn check_push(&mut self, p: &Push, combinator: &str, at: ByteSpan) -> bool {
        if self.a.m.calls.iter().any(|c| c.span == p.call && self.a.exempt_fn(c.caller)) {
            return false;
        }
        let a = self.a;
        let work = a.with(p.arg, |arg| {
            let Expr::Call(c) = strip(arg) else { return None };
            if self.a.is_limiter_call(chain_base(c)) {
                return None;
            }
            self.a.work_of_call(c).and_then(|w| self.settle_work(w, 0))
        });
        let Some(Some(work)) = work else { return false };
        let Size::Unknown(origin, evidence) = self.a.size_at(p.over, 0) else { return false };
        let coll = self.a.text(&p.over.span());
        let name = work.shown();
        if Self::weak_evidence(evidence, &coll, &work) {
            return false;
        }
        let exhausts = Self::exhausts(&work);
        self.emit(Finding {
            primary: p.call,
            message: format!("`{coll}` ({origin}) has no size limit and this loop starts one {name} per element, all run at once by `{combinator}`: a large input exhausts {exhausts}"),
            label: format!("one {name} per element of `{coll}`"),
            collection: coll,
            secondary: Some((at, "all awaited together here".to_string())),
            help: None,
        });
        true
    }

    /// `xs.forEach(async (x) => …)`.
    fn check_for_each(&mut self, call: &CallExpr, receiver: &Expr) {
        let Some(cb) = call.args.first().and_then(|a| fn_of(self.a.m, &a.expr)) else { return };
        if !self.a.m.function(cb).is_async {
            return;
        }
        let Some(work) = self.callback_work(cb) else { return };
        let Size::Unknown(origin, evidence) = self.a.size_of(receiver, 0) else { return };
        if self.skip_context(call.span) {
            return;
        }
        let coll = self.a.text(&receiver.span());
        let name = work.shown();
        if Self::weak_evidence(evidence, &coll, &work) {
            return;
        }
        let exhausts = Self::exhausts(&work);
        self.emit(Finding {
            primary: self.a.cx.span(call.span),
            message: format!("`{coll}` ({origin}) has no size limit and `forEach` starts one async {name} per element at once without awaiting any: a large input exhausts {exhausts}, and failures go unhandled"),
            label: "async callback: not awaited, not bounded".to_string(),
            collection: coll,
            secondary: None,
            help: None,
        });
    }

    /// An un-awaited async call as a statement of a loop body.
    fn check_loop_statement(&mut self, e: &Expr, over: Option<ExprAt>) {
        let Some(over) = over else { return };
        let e = match strip(e) {
            Expr::Unary(u) if u.op == UnaryOp::Void => strip(&u.arg),
            e => e,
        };
        let Expr::Call(c) = e else { return };
        if self.a.is_limiter_call(chain_base(c)) {
            return;
        }
        // only calls that surely start a promise: a chain on one, or a local async function
        let chained = callee_member(c).is_some_and(|(_, m)| k::PROMISE_CHAIN_METHODS.contains(&m.as_str()));
        let Some(work) = self.a.work_of_call(c) else { return };
        let async_local = work.local.is_some_and(|f| self.a.m.function(f).is_async);
        if !(chained || async_local) {
            return;
        }
        let Some(work) = self.settle_work(work, 0) else { return };
        let Size::Unknown(origin, evidence) = self.a.size_at(over, 0) else { return };
        if self.skip_context(c.span) {
            return;
        }
        let coll = self.a.text(&over.span());
        let name = work.shown();
        if Self::weak_evidence(evidence, &coll, &work) {
            return;
        }
        let exhausts = Self::exhausts(&work);
        self.emit(Finding {
            primary: self.a.cx.span(c.span),
            message: format!("`{coll}` ({origin}) has no size limit and this loop starts {name} for every element without awaiting it: they all run at once and a large input exhausts {exhausts}"),
            label: "started, not awaited".to_string(),
            collection: coll,
            secondary: None,
            help: None,
        });
    }

    /// `stream.on('data', async (chunk) => { await … })` with no `pause()`.
    fn check_listener(&mut self, call: &CallExpr, receiver: &Expr, event: &str) {
        let Some(cb) = call.args.get(1).and_then(|a| fn_of(self.a.m, &a.expr)) else { return };
        if !self.a.m.function(cb).is_async {
            return;
        }
        let info = self.info(cb);
        let recv_binding = match strip(receiver) {
            Expr::Ident(i) => self.a.m.binding_of(i),
            _ => None,
        };
        let paused = info.pauses.iter().any(|p| recv_binding.is_none() || p.is_none() || *p == recv_binding);
        if paused || info.limited {
            return;
        }
        let Some(work) = info.awaited.and_then(|w| self.settle_work(w, 0)) else { return };
        let name = work.shown();
        let exhausts = Self::exhausts(&work);
        let stream = self.a.text(&receiver.span());
        let Callee::Expr(callee) = &call.callee else { return };
        let primary = match strip(callee) {
            Expr::Member(m) => self.a.cx.span(m.prop.span()),
            _ => self.a.cx.span(call.span),
        };
        self.emit(Finding {
            primary,
            message: format!("async `{event}` listener starts {name} for every `{event}` event while the stream keeps flowing: nothing bounds how many run at once, and a large input exhausts {exhausts}"),
            label: format!("a new {name} per `{event}` event, never paused"),
            collection: stream.clone(),
            secondary: None,
            help: Some(format!(
                "consume the stream with `for await (const item of {stream})` so each item waits for the previous one, or call `pause()` before the await and `resume()` after it"
            )),
        });
    }

    /// `pMap(xs, fn)` without `concurrency`, `async.map(xs, fn)`.
    fn check_collection_api(&mut self, call: &CallExpr, api: &k::CollectionApi, name: &str) {
        let unbounded = match api.bound {
            Bound::Always => false,
            Bound::Never => true,
            Bound::OptionKey { arg, key } => match call.args.get(arg).map(|a| strip(&a.expr)) {
                None => true,
                Some(Expr::Object(o)) => !o.props.iter().any(|p| match p {
                    PropOrSpread::Prop(p) => match &**p {
                        Prop::KeyValue(kv) => matches!(&kv.key, PropName::Ident(i) if i.sym.as_str() == key),
                        Prop::Shorthand(i) => i.sym.as_str() == key,
                        _ => false,
                    },
                    PropOrSpread::Spread(_) => true,
                }),
                Some(_) => false,
            },
        };
        if !unbounded || self.skip_context(call.span) {
            return;
        }
        let Some(coll) = call.args.get(api.collection) else { return };
        let work = call.args.get(api.collection + 1).and_then(|a| fn_of(self.a.m, &a.expr)).and_then(|f| {
            let info = self.info(f);
            if info.limited {
                return None;
            }
            info.awaited.or(info.returned).and_then(|w| self.settle_work(w, 0))
        });
        let Some(work) = work else { return };
        let Size::Unknown(origin, evidence) = self.a.size_of(&coll.expr, 0) else { return };
        let text = self.a.text(&coll.expr.span());
        let without = match api.bound {
            Bound::OptionKey { key, .. } => format!(" with no `{key}` option"),
            _ => String::new(),
        };
        if Self::weak_evidence(evidence, &text, &work) {
            return;
        }
        let exhausts = Self::exhausts(&work);
        self.emit(Finding {
            primary: self.a.cx.span(call.span),
            message: format!(
                "`{text}` ({origin}) has no size limit and `{name}` runs one {} per element at once{without}: a large input exhausts {exhausts}",
                work.shown()
            ),
            label: format!("one {} per element, all at once", work.shown()),
            collection: text,
            secondary: None,
            help: Some(match api.bound {
                Bound::OptionKey { key, .. } => format!("pass `{{ {key}: 8 }}` (a number that the pool or API can take)"),
                _ => format!("use the `…Limit` form (`{}Limit(xs, 8, fn)`) or `…Series`", name),
            }),
        });
    }
}

impl Shapes<'_, '_> {
    /// An expression statement; `over` is what its innermost loop walks over.
    fn on_expr_stmt(&mut self, e: &Expr, over: Option<ExprAt>) {
        if let Expr::Call(c) = strip(e) {
            if callee_member(c).is_some_and(|(_, m)| k::FAN_OUT_METHODS.contains(&m.as_str())) {
                self.check_map(c, None);
            }
        }
        self.check_loop_statement(e, over);
    }

    fn on_call(&mut self, n: &CallExpr) {
        if let Callee::Expr(callee) = &n.callee {
            if let Some(q) = self.a.api_of(n) {
                if k::matches(k::COMBINATORS, q) {
                    let name = q.to_string();
                    self.check_combinator(
                        n,
                        name.rsplit('.').next().map(|m| format!("Promise.{m}")).as_deref().unwrap_or(&name),
                    );
                } else if let Some(api) = k::collection_api(q) {
                    let name = self.a.text(&callee.span());
                    self.check_collection_api(n, api, &name);
                }
            }
        }
        if let Some((obj, method)) = callee_member(n) {
            if k::FOR_EACH_METHODS.contains(&method.as_str()) {
                self.check_for_each(n, obj);
            }
            if LISTENER_METHODS.contains(&method.as_str()) {
                if let Some(Expr::Lit(Lit::Str(s))) = n.args.first().map(|a| strip(&a.expr)) {
                    if let Some(event) = s.value.as_str() {
                        if k::PER_ITEM_EVENTS.contains(&event) {
                            self.check_listener(n, obj, event);
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Syntax helpers.

/// Whether a call runs inside a transaction it is handed (`{ transaction: t }`).
fn passes_transaction(c: &CallExpr) -> bool {
    c.args.iter().any(|a| match strip(&a.expr) {
        Expr::Object(o) => o.props.iter().any(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => prop_name_is(&kv.key, k::TRANSACTION_KEYS),
                Prop::Shorthand(i) => k::TRANSACTION_KEYS.contains(&i.sym.as_str()),
                _ => false,
            },
            PropOrSpread::Spread(_) => false,
        }),
        _ => false,
    })
}

/// Whether a query call asks for a page: an options object with a limit key
/// (`{ limit }`, `{ take: 20 }`), or a limit anywhere in its builder chain (`.limit(50)`).
fn is_paged(c: &CallExpr) -> bool {
    let limited_options = c.args.iter().any(|a| match strip(&a.expr) {
        Expr::Object(o) => o.props.iter().any(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => prop_name_is(&kv.key, k::PAGE_LIMIT_KEYS),
                Prop::Shorthand(i) => k::PAGE_LIMIT_KEYS.contains(&i.sym.as_str()),
                _ => false,
            },
            PropOrSpread::Spread(_) => false,
        }),
        _ => false,
    });
    if limited_options || c.args.first().is_some_and(|a| sql_is_paged(&a.expr)) {
        return true;
    }
    match callee_member(c) {
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

/// A SQL text whose outer query asks for a page: `SELECT … LIMIT 20`, `LIMIT $2`,
/// `FETCH FIRST 50 ROWS ONLY`, `SELECT TOP 10 …`. A `LIMIT` inside a subquery (followed by more
/// closing parentheses than opening ones) bounds nothing outside it.
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

fn prop_name_is(key: &PropName, names: &[&str]) -> bool {
    match key {
        PropName::Ident(i) => names.contains(&i.sym.as_str()),
        PropName::Str(s) => s.value.as_str().is_some_and(|v| names.contains(&v)),
        _ => false,
    }
}

fn is_fn_like(e: &Expr) -> bool {
    matches!(strip(e), Expr::Arrow(_) | Expr::Fn(_) | Expr::Class(_))
}

fn is_length(e: &Expr) -> bool {
    matches!(strip(e), Expr::Member(m) if matches!(&m.prop, MemberProp::Ident(p) if p.sym.as_str() == "length"))
}

fn callee_expr(c: &CallExpr) -> Option<&Expr> {
    match &c.callee {
        Callee::Expr(e) => Some(e),
        _ => None,
    }
}

/// Whether a camelCase or snake_case name has one of these words (`inTransaction` has
/// `transaction`).
fn has_word(name: &str, words: &[&str]) -> bool {
    let mut parts = Vec::new();
    let mut cur = String::new();
    for ch in name.chars() {
        if ch == '_' || ch == '$' {
            parts.push(std::mem::take(&mut cur));
        } else if ch.is_ascii_uppercase() && !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
            cur.push(ch.to_ascii_lowercase());
        } else {
            cur.push(ch.to_ascii_lowercase());
        }
    }
    parts.push(cur);
    parts.iter().any(|p| words.contains(&p.as_str()))
}

/// The call a promise chain starts from: `limit(f)` in `limit(f).then(g).catch(h)`.
fn chain_base(mut c: &CallExpr) -> &CallExpr {
    while let Some((obj, method)) = callee_member(c) {
        match strip(obj) {
            Expr::Call(inner) if k::PROMISE_CHAIN_METHODS.contains(&method.as_str()) => c = inner,
            _ => break,
        }
    }
    c
}

/// The method name of `obj.method(...)`, without cloning it.
fn callee_method(c: &CallExpr) -> Option<&Atom> {
    let Callee::Expr(callee) = &c.callee else { return None };
    match strip(callee) {
        Expr::Member(m) => match &m.prop {
            MemberProp::Ident(p) => Some(&p.sym),
            _ => None,
        },
        _ => None,
    }
}

/// `obj.method(...)`: the receiver and the method name, borrowed.
fn callee_member_ref(c: &CallExpr) -> Option<(&Expr, &Atom)> {
    let Callee::Expr(callee) = &c.callee else { return None };
    match strip(callee) {
        Expr::Member(m) => match &m.prop {
            MemberProp::Ident(p) => Some((&m.obj, &p.sym)),
            _ => None,
        },
        _ => None,
    }
}

/// `obj.method(...)`: the receiver and the method name.
fn callee_member(c: &CallExpr) -> Option<(&Expr, Atom)> {
    let Callee::Expr(callee) = &c.callee else { return None };
    match strip(callee) {
        Expr::Member(m) => match &m.prop {
            MemberProp::Ident(p) => Some((&m.obj, p.sym.clone())),
            _ => None,
        },
        _ => None,
    }
}

/// The function an argument is: an inline function or a reference to a local one.
fn fn_of(m: &FileModel, e: &Expr) -> Option<FnId> {
    match strip(e) {
        Expr::Arrow(a) => m.function_at(a.span),
        Expr::Fn(f) => m.function_at(f.function.span),
        Expr::Ident(_) => match m.resolve_expr(e) {
            Target::Local(f) => Some(f),
            _ => None,
        },
        _ => None,
    }
}

/// Calls `f` with each identifier a declaration pattern binds, in order.
fn for_pat_idents(p: &Pat, f: &mut impl FnMut(&Ident)) {
    match p {
        Pat::Ident(b) => f(&b.id),
        Pat::Object(o) => {
            for prop in &o.props {
                match prop {
                    ObjectPatProp::KeyValue(kv) => for_pat_idents(&kv.value, f),
                    ObjectPatProp::Assign(a) => f(&a.key.id),
                    ObjectPatProp::Rest(r) => for_pat_idents(&r.arg, f),
                }
            }
        }
        Pat::Array(a) => a.elems.iter().flatten().for_each(|e| for_pat_idents(e, f)),
        Pat::Rest(r) => for_pat_idents(&r.arg, f),
        Pat::Assign(a) => for_pat_idents(&a.left, f),
        Pat::Expr(_) | Pat::Invalid(_) => {}
    }
}

/// A stable key for a variable or member path (`ids`, `req.body.ids`, `this.items`).
fn path_key(m: &FileModel, e: &Expr) -> Option<String> {
    match strip(e) {
        Expr::Ident(i) => m.binding_of(i).map(|b| format!("#{}", b.0)),
        Expr::This(_) => Some("this".to_string()),
        Expr::Member(mm) => match &mm.prop {
            MemberProp::Ident(p) => path_key(m, &mm.obj).map(|k| format!("{k}.{}", p.sym)),
            _ => None,
        },
        _ => None,
    }
}

fn contains(outer: ByteSpan, inner: ByteSpan) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_names() {
        assert!(has_word("inTransaction", &["transaction"]));
        assert!(has_word("run_in_transaction", &["transaction"]));
        assert!(!has_word("transactionsCount", &["transaction"]));
        assert!(!has_word("intransaction", &["transaction"]));
    }

    #[test]
    fn sizes_combine() {
        let unknown = || Size::Unknown("from the request body".into(), Evidence::Known);
        assert_eq!(join(Size::Bounded, unknown()), unknown());
        assert_eq!(join(Size::Cycle, Size::Bounded), Size::Bounded);
        assert_eq!(agree(vec![unknown(), Size::Bounded]), Size::Opaque);
        assert_eq!(agree(vec![unknown(), Size::Cycle]), unknown());
        assert_eq!(agree(vec![Size::Bounded, Size::Bounded]), Size::Bounded);
        assert_eq!(agree(vec![Size::Cycle]), Size::Cycle);
    }
}

/// Whether `<receiver>.<method>(…)` reads configuration ([`k::CONFIG_RECEIVERS`]):
/// `config.get('x')`, `this.config.get('x')`, `process.env`-like; a model such as
/// `UserSettings.findAll` is data.
fn is_config_receiver(text: &str, method: &str) -> bool {
    let last = text.rsplit('.').next().unwrap_or(text).trim();
    method == "get" && k::CONFIG_RECEIVERS.contains(&last)
}
