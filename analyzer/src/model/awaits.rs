//! Awaits that could run together: the facts `sequential-await` decides on, taken from the tree
//! while it is alive.
//!
//! - **Runs**: statements in a row in one statement list that each await one call (`const a =
//!   await f()`, `x = await g()`, `await h();`), and awaits side by side in one expression
//!   (`{ a: await x(), b: await y() }`, `f(await a(), await b())`). A statement of any other kind
//!   ends a run: a guard between two awaits (`if (!user) return`) keeps them apart.
//! - **Loops**: `for`, `for…of` and `for…in` loops with awaits in their body, and whether their
//!   iterations are independent as far as the body shows (no exit, nothing carried from one
//!   iteration to the next, every await varying with the iteration).
//!
//! For each awaited call: what it reads and declares, how the fix may rewrite it, and what the
//! tree says about its order (a transaction handed to it, a callback, an HTTP write, a
//! side effect). What the call does to the world comes from the project's effects, decided later.

use super::provenance::Prov;
use super::refs::{is_inert, pattern_bindings, pattern_has_effects, refs_of, Refs};
use super::{unwrap_expr, BindingId, BindingKind, CallId, FileModel, FnId, Origin};
use crate::diagnostic::ByteSpan;
use crate::knowledge::{name_has_word, ordering, Effect};
use rustc_hash::FxHashSet;
use swc_atoms::Atom;
use swc_common::{Span, Spanned};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// What the tree says about one awaited call's order, whatever the call does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Local(pub u16);

impl Local {
    /// The statement does more than the call (an assignment, another await).
    pub const SIDE_EFFECTS: Local = Local(1);
    /// A function is handed to the call (a wrapper that runs work: retry, cache, lock).
    pub const CALLBACK: Local = Local(1 << 1);
    /// Runs through a transaction, session or single connection (`trx`, `{ transaction: t }`,
    /// `this.queryRunner`, a client from `pool.connect()`).
    pub const SERIAL: Local = Local(1 << 2);
    /// An HTTP request with a writing method (`fetch(url, { method: 'POST' })`).
    pub const HTTP_WRITE: Local = Local(1 << 3);
    /// A combinator or timer global (`Promise.all`, `setTimeout`).
    pub const COMBINATOR: Local = Local(1 << 4);
    /// The result is dropped (`await f();`).
    pub const DISCARDED: Local = Local(1 << 5);
    /// SQL text the model cannot read (`db.query(sql)`).
    pub const SQL_UNKNOWN: Local = Local(1 << 6);
    /// The function also names a variable some call hands a transaction through
    /// (`options.transacting`): its queries may be in one.
    pub const CARRIER: Local = Local(1 << 7);

    pub fn has(self, f: Local) -> bool {
        self.0 & f.0 != 0
    }
}

impl std::ops::BitOrAssign for Local {
    fn bitor_assign(&mut self, o: Local) {
        self.0 |= o.0;
    }
}

/// How the fix may rewrite a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `<kind> <pattern> = await <call>;`, with the pattern's span.
    Decl(VarDeclKind, ByteSpan),
    /// `await <call>;`
    Discarded,
    /// `<name> = await <call>;`, with the name's span (shown in the help, not rewritten).
    Assign(ByteSpan),
    /// Anything the fix does not rewrite.
    Other,
}

/// One awaited call that may run together with others.
#[derive(Clone, Debug)]
pub struct AwaitMember {
    /// The statement (or element) it is.
    pub span: ByteSpan,
    /// The `await …` expression.
    pub await_span: ByteSpan,
    /// The awaited call.
    pub call: CallId,
    /// The call its chain is named by: `User.findById` in `User.findById(id).lean()`.
    pub verb: CallId,
    /// The verb's name when the model has none (`this.#load()`).
    pub private_name: Option<Atom>,
    /// The callee text of the verb, for messages.
    pub name_span: ByteSpan,
    pub refs: Refs,
    /// Bindings the statement declares or assigns.
    pub declares: Vec<BindingId>,
    pub local: Local,
    pub shape: Shape,
}

/// Members in a row.
#[derive(Clone, Debug)]
pub struct AwaitRun {
    pub func: FnId,
    /// Side by side in one expression (not statements).
    pub elements: bool,
    pub members: Vec<AwaitMember>,
}

/// A loop with awaits in its body.
#[derive(Clone, Debug)]
pub struct AwaitLoop {
    pub func: FnId,
    /// From the keyword to the end of the head (`for (const id of ids)`).
    pub head: ByteSpan,
    /// The awaits of the body (not those of nested loops), in order.
    pub members: Vec<AwaitMember>,
    /// The body shows nothing that ties one iteration to the next: no `break`/`return`/`throw`/
    /// `try`, no state carried over, no head that changes, every await varying with the
    /// iteration and none of them reading what the body changes.
    pub independent: bool,
    /// `for…of`: the iterated expression and the iteration pattern, for the help.
    pub collection: Option<ByteSpan>,
    pub pattern: Option<ByteSpan>,
    /// The collection is an array literal of this many elements.
    pub literal_len: Option<u32>,
    /// The collection is a list of batches (`_.chunk(ids, 50)`).
    pub batches: bool,
    /// Where what it walks over comes from.
    pub over: Prov,
}

/// Everything of this module for one file.
#[derive(Clone, Debug, Default)]
pub struct AwaitFacts {
    pub runs: Vec<AwaitRun>,
    pub loops: Vec<AwaitLoop>,
}

/// Walk the functions that await and collect their runs and loops.
pub fn extract(m: &FileModel, program: &Program, loop_provs: &rustc_hash::FxHashMap<(u32, u32), Prov>) -> AwaitFacts {
    let n = m.functions.len();
    let mut wanted = vec![false; n];
    let mut active = vec![false; n];
    for f in &m.functions {
        if f.id != FnId::MODULE && f.is_async && !f.is_generator && !f.awaits.is_empty() {
            active[f.id.0 as usize] = true;
            let mut cur = Some(f.id);
            while let Some(c) = cur.filter(|c| !wanted[c.0 as usize]) {
                wanted[c.0 as usize] = true;
                cur = m.function(c).parent;
            }
        }
    }
    let mut w = Walker {
        m,
        stack: Vec::new(),
        serial: FxHashSet::default(),
        wanted,
        active,
        loop_provs,
        out: AwaitFacts::default(),
    };
    if w.wanted.iter().any(|&x| x) {
        program.visit_with(&mut w);
    }
    w.out
}

struct Frame {
    id: Option<FnId>,
    /// Bindings seen carrying a transaction (`options.transacting`).
    carriers: FxHashSet<BindingId>,
    /// Runs and loops recorded in this function.
    runs_from: usize,
    loops_from: usize,
}

struct Walker<'a> {
    m: &'a FileModel,
    stack: Vec<Frame>,
    /// Bindings holding a serial resource: a transaction, one connection, a lock.
    serial: FxHashSet<BindingId>,
    wanted: Vec<bool>,
    active: Vec<bool>,
    /// What each `for…of`/`for…in` walks over (see [`super::provenance`]).
    loop_provs: &'a rustc_hash::FxHashMap<(u32, u32), Prov>,
    out: AwaitFacts,
}

impl Walker<'_> {
    fn cur(&self) -> Option<FnId> {
        self.stack.last().and_then(|f| f.id)
    }

    fn is_active(&self) -> bool {
        self.cur().is_some_and(|f| self.active[f.0 as usize])
    }

    fn span(&self, s: Span) -> ByteSpan {
        self.m.span(s)
    }

    /// What a loop walks over, as the provenance walk found it.
    fn over(&self, right: &Expr) -> Prov {
        let s = self.span(right.span());
        self.loop_provs.get(&(s.start, s.end)).cloned().unwrap_or(Prov::Unknown)
    }

    fn enter(&mut self, span: Span) -> bool {
        let id = self.m.function_at(span);
        self.stack.push(Frame {
            id,
            carriers: FxHashSet::default(),
            runs_from: self.out.runs.len(),
            loops_from: self.out.loops.len(),
        });
        id.is_none_or(|id| self.wanted[id.0 as usize])
    }

    /// Leave a function: members that read a carrier are marked, carriers go to the parent.
    fn leave(&mut self) {
        let Some(frame) = self.stack.pop() else { return };
        if !frame.carriers.is_empty() {
            let mark = |mem: &mut AwaitMember| {
                if mem.refs.all.iter().any(|b| frame.carriers.contains(b)) {
                    mem.local |= Local::CARRIER;
                }
            };
            for r in &mut self.out.runs[frame.runs_from..] {
                r.members.iter_mut().for_each(mark);
            }
            for l in &mut self.out.loops[frame.loops_from..] {
                l.members.iter_mut().for_each(mark);
            }
        }
        if let Some(parent) = self.stack.last_mut() {
            parent.carriers.extend(frame.carriers);
        }
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

    fn member(
        &self,
        span: Span,
        e: &Expr,
        declares: Vec<BindingId>,
        shape: Shape,
        discarded: bool,
    ) -> Option<AwaitMember> {
        let m = self.m;
        let (a, c, wrapped) = self.awaited_call(e)?;
        let Callee::Expr(callee) = &c.callee else { return None };
        let call = m.call_at(c.span)?;
        // named by the verb of a chain: `User.findById` in `User.findById(id).lean()`
        let mut verb = c;
        for _ in 0..8 {
            let modifier = m
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
                Some(inner) if modifier && m.call_at(inner.span).is_some() => verb = inner,
                _ => break,
            }
        }
        let verb_site = m.call_at(verb.span)?;
        let name_span = match &verb.callee {
            Callee::Expr(x) => x.span(),
            _ => callee.span(),
        };
        let private_name = match unwrap(callee) {
            Expr::Member(MemberExpr { prop: MemberProp::PrivateName(p), .. }) => Some(p.name.clone()),
            _ => None,
        };
        let refs = refs_of(m, c);
        let mut local = Local::default();
        if refs.side_effects {
            local |= Local::SIDE_EFFECTS;
        }
        if discarded {
            local |= Local::DISCARDED;
        }
        if c.args.iter().any(|a| match unwrap_expr(&a.expr) {
            Expr::Fn(_) | Expr::Arrow(_) => true,
            Expr::Ident(i) => m.binding_of(i).is_some_and(|b| matches!(m.binding(b).origin, Origin::Function(_))),
            _ => false,
        }) {
            local |= Local::CALLBACK;
        }
        let serial_ref = refs.all.iter().any(|&b| is_serial_name(&m.binding(b).name) || self.serial.contains(&b));
        if c.args.iter().any(|a| has_serial_option(&a.expr)) || self.serial_path(callee) || serial_ref {
            local |= Local::SERIAL;
        }
        if writes_over_http(c) {
            local |= Local::HTTP_WRITE;
        }
        if let Some(q) = call.api() {
            if q.module.as_str() == "global"
                && q.path.first().is_some_and(|p| ordering::COMBINATOR_GLOBALS.contains(&p.as_str()))
            {
                local |= Local::COMBINATOR;
            }
        }
        let name = verb_site.method.as_deref().or(private_name.as_deref()).unwrap_or("");
        if ordering::SQL_METHODS.contains(&name) && verb_site.first_string_arg.is_none() {
            local |= Local::SQL_UNKNOWN;
        }
        Some(AwaitMember {
            span: self.span(span),
            await_span: self.span(a.span),
            call: call.id,
            verb: verb_site.id,
            private_name,
            name_span: self.span(name_span),
            refs,
            declares,
            local,
            shape: if wrapped { Shape::Other } else { shape },
        })
    }

    /// Whether a callee's receiver path goes through a serial resource: `this.queryRunner.query`,
    /// `trx.select`, a binding the file got from `pool.connect()`.
    fn serial_path(&self, callee: &Expr) -> bool {
        let m = self.m;
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
                            m.call_at(c.span).and_then(|cs| cs.method.as_deref()).is_some_and(is_serial_name);
                        if serial_step || c.args.iter().any(|a| has_serial_option(&a.expr)) {
                            return true;
                        }
                        e = unwrap(x)
                    }
                    _ => return false,
                },
                Expr::Ident(i) => {
                    return m.binding_of(i).is_some_and(|b| self.serial.contains(&b)) || is_serial_name(&i.sym);
                }
                _ => return false,
            }
        }
    }

    /// Note the bindings a statement list declares that hold a serial resource
    /// (`const client = await pool.connect()`, `const t = await sequelize.transaction()`).
    fn note_serial_bindings<'s>(&mut self, stmts: impl IntoIterator<Item = &'s Stmt>) {
        let m = self.m;
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
                let single = call.api().is_some_and(|q| {
                    ordering::SINGLE_CONNECTION_APIS.iter().any(|(module, name)| q.is(module, &[name]))
                });
                let serial = single
                    || call
                        .method
                        .as_deref()
                        .is_some_and(|name| ordering::SERIAL_SCOPE_METHODS.iter().any(|w| name_has_word(name, w)))
                    || matches!(m.effect(call), Effect::Transaction | Effect::Lock);
                if serial {
                    self.serial.extend(pattern_bindings(m, &d.name));
                }
            }
        }
    }

    // ---- runs of statements ----

    /// A list of statements (a block, a body, a `case`): the serial bindings it declares, then
    /// its runs of awaits when the function is one to look at.
    fn statements(&mut self, stmts: &[Stmt]) {
        self.note_serial_bindings(stmts);
        if self.is_active() {
            self.check_stmts(stmts);
        }
    }

    fn check_stmts(&mut self, stmts: &[Stmt]) {
        let Some(func) = self.cur() else { return };
        let mut run: Vec<AwaitMember> = Vec::new();
        for s in stmts {
            match self.stmt_member(s) {
                Some(mem) => run.push(mem),
                None => self.flush(func, std::mem::take(&mut run), false),
            }
        }
        self.flush(func, run, false);
    }

    fn flush(&mut self, func: FnId, members: Vec<AwaitMember>, elements: bool) {
        if members.len() >= 2 {
            self.out.runs.push(AwaitRun { func, elements, members });
        }
    }

    fn stmt_member(&self, s: &Stmt) -> Option<AwaitMember> {
        let m = self.m;
        match s {
            Stmt::Decl(Decl::Var(v)) if v.decls.len() == 1 && !v.declare => {
                let d = &v.decls[0];
                let init = d.init.as_deref()?;
                if pattern_has_effects(&d.name) {
                    return None;
                }
                let declares = pattern_bindings(m, &d.name);
                let shape = if d.definite || pattern_is_typed(&d.name) {
                    Shape::Other
                } else {
                    Shape::Decl(v.kind, self.span(d.name.span()))
                };
                self.member(v.span, init, declares, shape, false)
            }
            Stmt::Expr(es) => match strip_ts(&es.expr).0 {
                Expr::Await(_) => self.member(es.span, &es.expr, Vec::new(), Shape::Discarded, true),
                // `user = await load(id)`: a variable of this function (properties such as
                // `this.user` may be read by anything: they end the run; so does a module's
                // `let session`, which the next call may read through a closure)
                Expr::Assign(a) if a.op == AssignOp::Assign => {
                    let AssignTarget::Simple(SimpleAssignTarget::Ident(id)) = &a.left else { return None };
                    let b = m.binding_of(&id.id)?;
                    if Some(m.binding(b).scope) != self.cur() {
                        return None;
                    }
                    self.member(es.span, &a.right, vec![b], Shape::Assign(self.span(id.span)), false)
                }
                _ => None,
            },
            _ => None,
        }
    }

    // ---- awaits side by side in one expression ----

    fn check_elements(&mut self, elems: Vec<&Expr>) {
        let Some(func) = self.cur() else { return };
        if elems.iter().filter(|e| self.awaited_call(e).is_some()).count() < 2 {
            return;
        }
        let mut members = Vec::new();
        for e in &elems {
            if self.awaited_call(e).is_some() {
                match self.member(e.span(), e, Vec::new(), Shape::Other, false) {
                    Some(mem) => members.push(mem),
                    None => return,
                }
            } else if !is_inert(e) {
                return;
            }
        }
        self.flush(func, members, true);
    }

    // ---- loops ----

    /// `iteration`: the per-iteration bindings of the head. `head`: what the head reads on every
    /// iteration. `each`: for a `for…of`, the pattern and the collection.
    fn check_loop(
        &mut self,
        head_span: Span,
        iteration: Vec<BindingId>,
        head: Vec<&Expr>,
        each: Option<(Span, &Expr)>,
        batches: bool,
        over: Prov,
        body: &Stmt,
    ) {
        let Some(func) = self.cur() else { return };
        let m = self.m;
        let mut scan = BodyScan::new(m);
        body.visit_with(&mut scan);
        if scan.awaits.is_empty() || scan.nested_loop_awaits {
            return;
        }
        let body_span = self.span(body.span());
        let local_to_body = |b: BindingId| {
            let bd = m.binding(b);
            bd.span.start >= body_span.start
                && bd.span.end <= body_span.end
                && matches!(bd.kind, BindingKind::Let | BindingKind::Const | BindingKind::Function | BindingKind::Class)
        };
        let per_iteration = |b: BindingId| iteration.contains(&b) || local_to_body(b);
        let mut independent = !scan.exits && !scan.compound_member;
        // state carried from one iteration to the next
        independent &= !scan.assigned.iter().any(|&b| !per_iteration(b));
        independent &= !scan.mutated.iter().any(|&b| !per_iteration(b) && scan.read_and_changed(b));
        let changed: FxHashSet<BindingId> =
            scan.assigned.iter().chain(scan.mutated.iter()).copied().filter(|&b| !per_iteration(b)).collect();
        for h in &head {
            let r = refs_of(m, *h);
            if r.side_effects || r.all.iter().any(|b| changed.contains(b) || scan.assigned.contains(b)) {
                independent = false;
            }
        }
        let mut members = Vec::new();
        for (a, discarded) in &scan.awaits {
            let Some(mem) = self.member(a.span(), a, Vec::new(), Shape::Other, *discarded) else { return };
            // a result dropped on every iteration means the call is run for what it does
            independent &= !*discarded && !mem.refs.all.iter().any(|b| changed.contains(b));
            members.push(mem);
        }
        // the first await must vary with the iteration; a loop-invariant await wants hoisting
        independent &= members[0].refs.all.iter().any(|&b| per_iteration(b));
        let literal_len = match each {
            Some((_, Expr::Array(a))) => Some(a.elems.len() as u32),
            _ => None,
        };
        self.out.loops.push(AwaitLoop {
            func,
            head: self.span(head_span),
            members,
            independent,
            collection: each.map(|(_, e)| self.span(e.span())),
            pattern: each.map(|(p, _)| self.span(p)),
            literal_len,
            batches,
            over,
        });
    }
}

impl Visit for Walker<'_> {
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
        self.stack.push(Frame {
            id: None,
            carriers: FxHashSet::default(),
            runs_from: self.out.runs.len(),
            loops_from: self.out.loops.len(),
        });
        n.visit_children_with(self);
        self.leave();
    }

    fn visit_module(&mut self, n: &Module) {
        self.note_serial_bindings(n.body.iter().filter_map(|i| i.as_stmt()));
        n.visit_children_with(self);
    }

    fn visit_script(&mut self, n: &Script) {
        self.note_serial_bindings(&n.body);
        n.visit_children_with(self);
    }

    fn visit_member_expr(&mut self, n: &MemberExpr) {
        if let (Expr::Ident(obj), MemberProp::Ident(p)) = (unwrap(&n.obj), &n.prop) {
            if is_serial_name(&p.sym) {
                if let (Some(b), Some(f)) = (self.m.binding_of(obj), self.stack.last_mut()) {
                    f.carriers.insert(b);
                }
            }
        }
        n.visit_children_with(self);
    }

    fn visit_block_stmt(&mut self, n: &BlockStmt) {
        self.statements(&n.stmts);
        n.visit_children_with(self);
    }

    fn visit_function_body(&mut self, n: &FunctionBody) {
        self.statements(&n.stmts);
        n.visit_children_with(self);
    }

    fn visit_switch_case(&mut self, n: &SwitchCase) {
        self.statements(&n.cons);
        n.visit_children_with(self);
    }

    fn visit_object_lit(&mut self, n: &ObjectLit) {
        if self.is_active() {
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
        if self.is_active() {
            self.check_elements(n.exprs.iter().map(|e| &**e).collect());
        }
        n.visit_children_with(self);
    }

    fn visit_array_lit(&mut self, n: &ArrayLit) {
        if self.is_active() {
            let elems: Vec<&Expr> = n.elems.iter().flatten().map(|e| &*e.expr).collect();
            if n.elems.iter().flatten().all(|e| e.spread.is_none() || is_inert(&e.expr)) {
                self.check_elements(elems);
            }
        }
        n.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        if self.is_active()
            && n.args.iter().filter(|a| self.awaited_call(&a.expr).is_some()).count() >= 2
            && n.args.iter().all(|a| a.spread.is_none() || is_inert(&a.expr))
        {
            let callee_inert = match &n.callee {
                Callee::Expr(c) => is_inert(c),
                _ => true,
            };
            // `Promise.all([await a(), await b()])` is still serial, and recorded by the array
            let is_combinator = self.m.call_at(n.span).and_then(|c| c.api().cloned()).is_some_and(|q| {
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
        if self.is_active() && !n.is_await {
            if let Some(iteration) = loop_bindings(self.m, &n.left) {
                let head = Span::new(n.span.lo, n.right.span().hi);
                let each = match &n.left {
                    ForHead::VarDecl(v) => Some((v.decls[0].name.span(), unwrap(&n.right))),
                    _ => None,
                };
                let batches = is_batching(self.m, &n.right);
                let over = self.over(&n.right);
                self.check_loop(head, iteration, vec![&n.right], each, batches, over, &n.body);
            }
        }
        n.visit_children_with(self);
    }

    fn visit_for_in_stmt(&mut self, n: &ForInStmt) {
        if self.is_active() {
            if let Some(iteration) = loop_bindings(self.m, &n.left) {
                let head = Span::new(n.span.lo, n.right.span().hi);
                let over = self.over(&n.right);
                self.check_loop(head, iteration, vec![&n.right], None, false, over, &n.body);
            }
        }
        n.visit_children_with(self);
    }

    fn visit_for_stmt(&mut self, n: &ForStmt) {
        if self.is_active() {
            if let Some(iteration) = counter_bindings(self.m, n) {
                let mut head: Vec<&Expr> = Vec::new();
                // the update is the counter's own step (checked by `counter_bindings`)
                head.extend(n.test.as_deref());
                let end = n.update.as_ref().map(|u| u.span().hi).or(n.test.as_ref().map(|t| t.span().hi));
                let head_span = Span::new(n.span.lo, end.unwrap_or(n.span.lo));
                self.check_loop(head_span, iteration, head, None, false, Prov::Unknown, &n.body);
            }
        }
        n.visit_children_with(self);
    }

    crate::skip_typescript_types!();
}

/// What a loop body does, outside nested functions.
struct BodyScan<'a> {
    m: &'a FileModel,
    /// Awaits not inside a nested loop (`await f()`), and whether the result is dropped.
    awaits: Vec<(Expr, bool)>,
    discarded_await: Option<Span>,
    nested_loop_awaits: bool,
    /// `break` (of this loop), `return`, `throw`, a `try` whose `catch` does not isolate the
    /// iteration, `yield`, a labeled `continue`, `for await`.
    exits: bool,
    /// Inside this many `switch`es and nested loops: an unlabelled `break` leaves those.
    breakable: u32,
    /// `x.y op= …` or `x.y++`: read-modify-write of shared state.
    compound_member: bool,
    assigned: FxHashSet<BindingId>,
    /// Bindings whose object the body changes (`seen.add(x)`, `cache[k] = v`), with how many of
    /// their references are those changes.
    mutated: FxHashSet<BindingId>,
    mutations: rustc_hash::FxHashMap<BindingId, u32>,
    references: rustc_hash::FxHashMap<BindingId, u32>,
}

impl<'a> BodyScan<'a> {
    fn new(m: &'a FileModel) -> Self {
        BodyScan {
            m,
            awaits: Vec::new(),
            discarded_await: None,
            nested_loop_awaits: false,
            exits: false,
            breakable: 0,
            compound_member: false,
            assigned: FxHashSet::default(),
            mutated: FxHashSet::default(),
            mutations: Default::default(),
            references: Default::default(),
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

    /// A module, function or class the file imports or declares: calling its methods
    /// (`users.find(id)`, `sdk.plugins.update(p)`) changes no object the loop owns; what the
    /// callee changes is its effects' business.
    fn is_namespace(&self, b: BindingId) -> bool {
        let bd = self.m.binding(b);
        matches!(bd.kind, BindingKind::Import | BindingKind::Function | BindingKind::Class)
            || (!bd.reassigned && matches!(&bd.origin, Origin::Value(v) if matches!(v.root, super::Root::Module(_))))
    }

    fn mutate(&mut self, b: BindingId) {
        self.mutated.insert(b);
        *self.mutations.entry(b).or_default() += 1;
    }

    /// A changed object that the body also reads (`if (seen.has(id)) …; seen.add(id)`).
    fn read_and_changed(&self, b: BindingId) -> bool {
        self.mutated.contains(&b)
            && self.references.get(&b).copied().unwrap_or(0) > self.mutations.get(&b).copied().unwrap_or(0)
    }

    fn assign_pat(&mut self, p: &Pat) {
        self.assigned.extend(pattern_bindings(self.m, p));
    }

    fn nested_loop(&mut self, f: impl FnOnce(&mut Self)) {
        let before = self.awaits.len();
        self.breakable += 1;
        f(self);
        self.breakable -= 1;
        if self.awaits.len() > before {
            self.nested_loop_awaits = true;
        }
    }
}

impl BodyScan<'_> {
    /// `for (x of xs)` and `for (k in o)`: the head binds its pattern and runs once per outer
    /// iteration (`for (const id of await tag.viewIds())`); the body is a loop of its own.
    fn for_each_loop(&mut self, left: &ForHead, right: &Expr, body: &Stmt) {
        if let ForHead::Pat(p) = left {
            self.assign_pat(p);
        }
        right.visit_with(self);
        self.nested_loop(|s| {
            left.visit_with(s);
            body.visit_with(s);
        });
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
    fn visit_break_stmt(&mut self, n: &BreakStmt) {
        // an unlabelled `break` of a `switch` or a nested loop stays in this iteration
        self.exits |= n.label.is_some() || self.breakable == 0;
    }
    fn visit_switch_stmt(&mut self, n: &SwitchStmt) {
        self.breakable += 1;
        n.visit_children_with(self);
        self.breakable -= 1;
    }
    fn visit_continue_stmt(&mut self, n: &ContinueStmt) {
        self.exits |= n.label.is_some();
    }
    fn visit_return_stmt(&mut self, _: &ReturnStmt) {
        self.exits = true;
    }
    fn visit_throw_stmt(&mut self, _: &ThrowStmt) {
        self.exits = true;
    }
    fn visit_try_stmt(&mut self, n: &TryStmt) {
        // a `catch` that only notes the error and goes on keeps one iteration's failure from
        // the others: as with `Promise.allSettled`. One that rethrows, returns or leaves ties
        // later iterations to this one.
        let isolates = n.handler.as_ref().is_some_and(|h| !leaves(&h.body)) && n.finalizer.is_none();
        if !isolates {
            self.exits = true;
            return;
        }
        n.block.visit_with(self);
        if let Some(h) = &n.handler {
            h.body.visit_with(self);
        }
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
                if let Some(b) = self.root_binding(&mem.obj).filter(|&b| !self.is_namespace(b)) {
                    self.mutate(b);
                }
            }
        }
        n.visit_children_with(self);
    }
    fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
        self.exits |= n.is_await;
        self.for_each_loop(&n.left, &n.right, &n.body);
    }
    fn visit_for_in_stmt(&mut self, n: &ForInStmt) {
        self.for_each_loop(&n.left, &n.right, &n.body);
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

/// Whether a block may leave the loop or the function: `throw`, `return`, `break` or a labelled
/// `continue` anywhere in it outside nested functions.
fn leaves(b: &BlockStmt) -> bool {
    struct Leaves(bool);
    impl Visit for Leaves {
        fn visit_throw_stmt(&mut self, _: &ThrowStmt) {
            self.0 = true;
        }
        fn visit_return_stmt(&mut self, _: &ReturnStmt) {
            self.0 = true;
        }
        fn visit_break_stmt(&mut self, _: &BreakStmt) {
            self.0 = true;
        }
        fn visit_continue_stmt(&mut self, n: &ContinueStmt) {
            self.0 |= n.label.is_some();
        }
        fn visit_function(&mut self, _: &Function) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
        fn visit_class(&mut self, _: &Class) {}
    }
    let mut v = Leaves(false);
    b.visit_with(&mut v);
    v.0
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

/// Strip parentheses and TypeScript wrappers, saying whether a type assertion wrapped it
/// (`await x() as T`): detection sees through it, the fix does not.
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

/// Whether a loop's collection is a list of batches (`_.chunk(ids, 50)`, `toBatches(rows)`).
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
    name.is_some_and(|n| {
        crate::knowledge::camel_words(&n).any(|w| ordering::BATCH_WORDS.iter().any(|b| b.eq_ignore_ascii_case(w)))
    })
}

/// The per-iteration bindings of a `for…of`/`for…in` head: `const`/`let` only.
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

/// Whether a declaration's pattern carries a type annotation (the fix would drop it).
fn pattern_is_typed(p: &Pat) -> bool {
    match p {
        Pat::Ident(b) => b.type_ann.is_some(),
        Pat::Object(o) => o.type_ann.is_some(),
        Pat::Array(a) => a.type_ann.is_some(),
        _ => true,
    }
}

pub fn is_serial_name(name: &str) -> bool {
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

/// Whether a call sends an HTTP request with a writing `method` (`fetch(url, { method: 'POST' })`).
fn writes_over_http(c: &CallExpr) -> bool {
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
                            Expr::Lit(Lit::Str(s)) => s
                                .value
                                .as_str()
                                .is_none_or(|v| !ordering::READ_HTTP_METHODS.iter().any(|r| r.eq_ignore_ascii_case(v))),
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
