//! One walk over the resolved tree that fills the [`FileModel`]; then targets are resolved,
//! callbacks classified and contexts computed.

use super::Function;
use super::*;
use crate::knowledge::{self, CallbackKind};
use crate::parse::Parsed;
use rustc_hash::FxHashSet;
use swc_common::Spanned;
use swc_ecma_ast::Function as AstFunction;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};
use thin_vec::ThinVec;

/// Build the model of one parsed file.
pub fn build(path: &str, text: &str, parsed: &Parsed) -> FileModel {
    let mut model = FileModel {
        base: parsed.base,
        comments: parsed.comments.clone(),
        line_starts: parsed.line_starts.clone(),
        unresolved: parsed.unresolved,
        ..FileModel::empty(path)
    };
    model.functions.push(new_function(FnId::MODULE, ByteSpan::new(0, 0), None, FnKind::Module, None));
    let mut b = Builder {
        model,
        fn_stack: vec![FnId::MODULE],
        pending: None,
        binding_uses: Vec::new(),
        awaited: FxHashSet::default(),
        returned: FxHashSet::default(),
        tested: FxHashSet::default(),
        classes: Vec::new(),
        this_stack: vec![None],
        this_calls: Vec::new(),
        proto_this_calls: Vec::new(),
        this_aliases: FxHashMap::default(),
        proto_methods: Vec::new(),
        param_tests: Vec::new(),
        guard_params: Vec::new(),
        defaulted: FxHashSet::default(),
        alias_calls: Vec::new(),
        decl_kind: BindingKind::Var,
        top_level: parsed.top_level,
        once: None,
        once_saved: Vec::new(),
        once_calls: Vec::new(),
        emptied: FxHashSet::default(),
        named_args: Vec::new(),
        object_args: FxHashSet::default(),
        route_named: Vec::new(),
        resolver_maps: Vec::new(),
        chained_listeners: Vec::new(),
        direct_arg_of: None,
        assigned_values: Vec::new(),
        initialized: FxHashSet::default(),
        state_writes: Vec::new(),
    };
    parsed.program.visit_with(&mut b);
    let mut model = b.finish();
    let mut p = super::provenance::compute(&model, text, &parsed.program);
    model.awaits = super::awaits::extract(&model, &parsed.program, &p.loops);
    model.returns = std::mem::take(&mut p.returns);
    p.args.sort_by_key(|(c, _)| c.0);
    model.call_args = p.args;
    model.fan_outs = p.fan_outs;
    p.limited.sort_by_key(|c| c.0);
    model.limited = p.limited;
    model.races = super::races::extract(&model, &parsed.program);
    model.release_lookups();
    model
}

/// The model of a file that is read but not analysed (a minified bundle): its module and
/// nothing in it.
pub fn module_only(path: &str) -> FileModel {
    let mut model = FileModel::empty(path);
    model.functions.push(new_function(FnId::MODULE, ByteSpan::new(0, 0), None, FnKind::Module, None));
    model
}

fn new_function(id: FnId, span: ByteSpan, name: Option<Atom>, kind: FnKind, parent: Option<FnId>) -> Function {
    Function {
        id,
        span,
        name,
        kind,
        is_async: false,
        is_generator: false,
        parent,
        params: ThinVec::new(),
        param_names: ThinVec::new(),
        awaits: ThinVec::new(),
        uses: ThinVec::new(),
        calls: ThinVec::new(),
        busy_waits: ThinVec::new(),
        writes_outer: ThinVec::new(),
        writes_this: false,
        input_params: ThinVec::new(),
        guarded: false,
        private: false,
        decorated_entry: None,
        seed: None,
        context: Context::Unknown,
        entry: None,
    }
}

/// What the parent of a function node knows about it, taken by the next function entered.
#[derive(Default)]
struct Pending {
    name: Option<Atom>,
    binding: Option<BindingId>,
    use_: Option<FnUse>,
    kind: Option<FnKind>,
    decorated_entry: Option<Atom>,
}

struct ClassInfo {
    name: Option<Atom>,
    methods: FxHashMap<Atom, Option<FnId>>,
    /// The decorator that makes every method an entry point (`Controller`).
    entry: Option<Atom>,
    /// A guard decorator is on the class (`@UseGuards(AuthGuard)`).
    guarded: bool,
    extended: bool,
    /// Fields whose declared type names a class (`constructor(private users: UsersService)`,
    /// `private users: UsersService`): what `this.users` holds, the way dependency injection
    /// wires TypeScript services (see [`type_name`]).
    field_types: FxHashMap<Atom, Ident>,
}

/// The class a type annotation names (`UsersService`, `svc.UsersService`'s last part is not
/// followed), when it is a plain type reference.
fn type_name(ann: Option<&TsTypeAnn>) -> Option<Ident> {
    match &*ann?.type_ann {
        TsType::TsTypeRef(r) => match &r.type_name {
            TsEntityName::Ident(i) => Some(i.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The declared class types of a class's fields: typed constructor parameter properties, typed
/// properties, and typed constructor parameters the constructor stores in `this.<name>`.
fn field_types(body: &[ClassMember]) -> FxHashMap<Atom, Ident> {
    let mut out = FxHashMap::default();
    // fields known only from `this.x = new X()` (a declared type holds whatever is assigned)
    let mut constructed: Vec<Atom> = Vec::new();
    for m in body {
        match m {
            ClassMember::ClassProp(p) => {
                if let (Some(k), Some(t)) = (prop_key(&p.key), type_name(p.type_ann.as_deref())) {
                    out.insert(k, t);
                }
            }
            ClassMember::Constructor(c) => {
                let mut typed_params: FxHashMap<Atom, Ident> = FxHashMap::default();
                for p in &c.params {
                    match p {
                        ParamOrTsParamProp::TsParamProp(pp) => {
                            if let TsParamPropParam::Ident(b) = &pp.param {
                                if let Some(t) = type_name(b.type_ann.as_deref()) {
                                    out.insert(b.id.sym.clone(), t);
                                }
                            }
                        }
                        ParamOrTsParamProp::Param(p) => {
                            if let Pat::Ident(b) = &p.pat {
                                if let Some(t) = type_name(b.type_ann.as_deref()) {
                                    typed_params.insert(b.id.sym.clone(), t);
                                }
                            }
                        }
                    }
                }
                for st in c.body.iter().flat_map(|b| &b.stmts) {
                    let Stmt::Expr(e) = st else { continue };
                    let Expr::Assign(a) = unwrap_expr(&e.expr) else { continue };
                    let AssignTarget::Simple(SimpleAssignTarget::Member(mem)) = &a.left else { continue };
                    let (Expr::This(_), Some(k)) = (unwrap_expr(&mem.obj), prop_name(&mem.prop)) else { continue };
                    match unwrap_expr(&a.right) {
                        Expr::Ident(v) => {
                            if let Some(t) = typed_params.get(&v.sym) {
                                out.insert(k, t.clone());
                            }
                        }
                        // `this.archive = new ImportArchive(…)`, kept only if nothing else
                        // assigns the field (checked below)
                        Expr::New(n) if a.op == AssignOp::Assign => {
                            if let (Expr::Ident(class), false) = (unwrap_expr(&n.callee), out.contains_key(&k)) {
                                constructed.push(k.clone());
                                out.insert(k, class.clone());
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if !constructed.is_empty() {
        // a field assigned more than once (or replaced outside the constructor) may hold
        // something else: its class is not known
        struct Writes(FxHashMap<Atom, u32>);
        impl Visit for Writes {
            fn visit_assign_expr(&mut self, a: &AssignExpr) {
                if let AssignTarget::Simple(SimpleAssignTarget::Member(mem)) = &a.left {
                    if let (Expr::This(_), Some(k)) = (unwrap_expr(&mem.obj), prop_name(&mem.prop)) {
                        *self.0.entry(k).or_default() += 1;
                    }
                }
                a.visit_children_with(self);
            }
        }
        let mut w = Writes(FxHashMap::default());
        body.visit_with(&mut w);
        for k in constructed {
            if w.0.get(&k).copied().unwrap_or(0) > 1 {
                out.remove(&k);
            }
        }
    }
    out
}

struct Builder {
    model: FileModel,
    fn_stack: Vec<FnId>,
    pending: Option<Pending>,
    /// References to bindings that may hold functions, resolved after the walk.
    binding_uses: Vec<(BindingId, FnUse)>,
    awaited: FxHashSet<(u32, u32)>,
    /// Calls whose value is their function's result (`return f()`, `() => f()`).
    returned: FxHashSet<(u32, u32)>,
    /// Calls whose result is used at once: tested or compared (see [`CallSite::tested`]).
    tested: FxHashSet<(u32, u32)>,
    classes: Vec<ClassInfo>,
    /// The class `this` refers to in the current function, if any.
    this_stack: Vec<Option<usize>>,
    this_calls: Vec<(CallId, usize, Atom)>,
    /// `this.m()` (or `self.m()` with `const self = this`) outside a class: the call, the function
    /// whose `this` it is, the method name; resolved after the walk through `X.prototype.m = …`.
    proto_this_calls: Vec<(CallId, FnId, Atom)>,
    /// Variables that hold `this` (`const self = this`): the class, if any, and the function whose
    /// `this` it is.
    this_aliases: FxHashMap<BindingId, (Option<usize>, FnId)>,
    /// ES5 methods (`X.prototype.m = function …` / `= named`): the constructor's binding, the
    /// method name, and the function (or the binding naming it).
    proto_methods: Vec<(BindingId, Atom, Result<FnId, BindingId>)>,
    /// Parameters the code being visited needs truthy (`true`) or falsy: the tests of the
    /// branches around it (`if (p)`, `!p ? … : …`, `p && …`).
    param_tests: Vec<(BindingId, bool)>,
    /// The parameter each recorded `param_guard` is on: dropped in `finish` if it is reassigned.
    guard_params: Vec<(CallId, BindingId)>,
    /// Parameters with a default value (`fromDisk = true`): a missing argument is not falsy.
    defaulted: FxHashSet<BindingId>,
    /// Calls made through a variable holding `this` (`self.m()`): resolved only if it keeps it.
    alias_calls: Vec<(CallId, BindingId)>,
    decl_kind: BindingKind,
    /// Syntax context of module-level bindings.
    top_level: SyntaxContext,
    /// Inside code that fills shared state on the first call only (see [`super::once`]); saved
    /// per function (a callback defined there runs on its own terms).
    once: Option<String>,
    once_saved: Vec<Option<String>>,
    /// The calls made inside such code, with the slot they fill.
    once_calls: Vec<(CallId, String)>,
    /// Slots the file empties again somewhere (`busy = false`): their guards are flags.
    emptied: FxHashSet<String>,
    /// Member expressions handed as arguments (`users.list`), resolved after the walk.
    named_args: Vec<(CallId, u32, ValueRef)>,
    /// Object literal arguments (call, argument) whose functions the call does not register per
    /// event even when it registers its function arguments (`axios.get('/x', { transform })`).
    object_args: FxHashSet<(u32, u32)>,
    /// Route handlers declared by name (`{ path: '/x', handler: users.list }`): the declaration
    /// (index into `route_decls`) and what the name names.
    route_named: Vec<(usize, u32, ValueRef)>,
    /// GraphQL resolver maps handed to a call (`new ApolloServer({ typeDefs, resolvers })`): the
    /// call and the map, written there (an object shape) or named.
    resolver_maps: Vec<(CallId, ResolverMap)>,
    /// Listeners registered on what a call returned (`chokidar.watch(dir).on('add', …)`): the
    /// listener call and the callee of the call it is chained to.
    chained_listeners: Vec<(CallId, ValueRef)>,
    /// The call whose argument list the next recorded call stands in directly.
    direct_arg_of: Option<CallId>,
    /// Every plain assignment of a variable, with the path of what it assigns (`None`: not a path).
    assigned_values: Vec<(BindingId, Option<ValueRef>)>,
    /// Variables declared with a value (`let x = …`).
    initialized: FxHashSet<BindingId>,
    /// Writes of state that may outlive the call: (function, the variable written, or `None`
    /// for `this`), resolved into [`Function::writes_outer`] after the walk.
    state_writes: Vec<(FnId, Option<BindingId>)>,
}

/// `===`, `<`, `instanceof` …: both sides are used at once (a promise compares as nothing useful).
fn is_comparison(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::EqEq
            | BinaryOp::NotEq
            | BinaryOp::EqEqEq
            | BinaryOp::NotEqEq
            | BinaryOp::Lt
            | BinaryOp::LtEq
            | BinaryOp::Gt
            | BinaryOp::GtEq
            | BinaryOp::InstanceOf
            | BinaryOp::In
    )
}

/// The calls whose results an awaited (or returned) expression waits for: the call itself, the
/// start of a promise chain (`f().then(g)` waits for `f()`), and the calls a `Promise.all([…])`
/// (or `allSettled`, `race`, `any`) is handed in an array.
fn settled_calls(e: &Expr, unresolved: SyntaxContext, out: &mut Vec<(u32, u32)>, depth: u32) {
    if depth > 8 {
        return;
    }
    match unwrap_expr(e) {
        Expr::Call(c) => {
            out.push((c.span.lo.0, c.span.hi.0));
            let Callee::Expr(callee) = &c.callee else { return };
            let Expr::Member(m) = unwrap_expr(callee) else { return };
            let method = prop_name(&m.prop);
            let method = method.as_deref().unwrap_or("");
            if matches!(method, "then" | "catch" | "finally") {
                settled_calls(&m.obj, unresolved, out, depth + 1);
            } else if matches!(method, "all" | "allSettled" | "race" | "any")
                && matches!(unwrap_expr(&m.obj), Expr::Ident(i) if i.sym.as_str() == "Promise" && i.ctxt == unresolved)
            {
                if let Some(Expr::Array(a)) = c.args.first().map(|a| unwrap_expr(&a.expr)) {
                    for el in a.elems.iter().flatten() {
                        let inner = match unwrap_expr(&el.expr) {
                            Expr::Await(aw) => &*aw.arg,
                            other => other,
                        };
                        settled_calls(inner, unresolved, out, depth + 1);
                    }
                }
            }
        }
        Expr::New(c) => out.push((c.span.lo.0, c.span.hi.0)),
        Expr::OptChain(c) => out.push((c.span.lo.0, c.span.hi.0)),
        _ => {}
    }
}

/// The name a route argument goes by: `isAdmin`, `authorized` of `authorized(BUILDER)`,
/// `authenticate` of `passport.authenticate('jwt')`.
fn guard_name(e: &Expr) -> Option<&str> {
    match unwrap_expr(e) {
        Expr::Ident(i) => Some(i.sym.as_str()),
        Expr::Member(m) => m.prop.as_ident().map(|p| p.sym.as_str()),
        Expr::Call(c) => match &c.callee {
            Callee::Expr(x) => guard_name(x),
            _ => None,
        },
        _ => None,
    }
}

/// `Map`, `Set`, `WeakMap`, `WeakSet`, `Array` of the global scope.
fn is_in_memory_constructor(callee: &Expr, unresolved: SyntaxContext) -> bool {
    matches!(unwrap_expr(callee), Expr::Ident(i) if i.ctxt == unresolved
        && matches!(i.sym.as_str(), "Map" | "Set" | "WeakMap" | "WeakSet" | "Array"))
}

/// Whether a route's middleware says only operators pass: its name (`isAdmin`,
/// `requireSuperuser`) or, for a call, an argument (`authorized(permissions.BUILDER)`).
fn names_operator(e: &Expr) -> bool {
    if guard_name(e).is_some_and(knowledge::is_operator_name) {
        return true;
    }
    match unwrap_expr(e) {
        Expr::Call(c) => {
            guard_name(e).is_some_and(knowledge::is_guard_name)
                && c.args.iter().any(|a| match unwrap_expr(&a.expr) {
                    Expr::Lit(Lit::Str(s)) => s.value.as_str().is_some_and(knowledge::is_operator_name),
                    e => guard_name(e).is_some_and(knowledge::is_operator_name),
                })
        }
        _ => false,
    }
}

/// The identifier a method chain starts from (`adminRouter` in `adminRouter.get(…).post`).
fn receiver_root_name(callee: &Expr) -> Option<&str> {
    let mut e = unwrap_expr(callee);
    loop {
        e = match e {
            Expr::Member(m) => unwrap_expr(&m.obj),
            Expr::Call(c) => match &c.callee {
                Callee::Expr(x) => unwrap_expr(x),
                _ => return None,
            },
            Expr::Ident(i) => return Some(i.sym.as_str()),
            _ => return None,
        };
    }
}

/// The span of the call an initializer is, looking through `await` (`await f()`, `f()`,
/// `new X()`).
fn call_span(e: &Expr) -> Option<Span> {
    let e = match unwrap_expr(e) {
        Expr::Await(a) => unwrap_expr(&a.arg),
        other => other,
    };
    match e {
        Expr::Call(c) => Some(c.span),
        Expr::New(n) => Some(n.span),
        Expr::OptChain(o) if matches!(&*o.base, OptChainBase::Call(_)) => Some(o.span),
        _ => None,
    }
}

/// Strip parentheses and TypeScript-only wrappers.
pub fn unwrap_expr(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Paren(p) => &p.expr,
            Expr::TsAs(x) => &x.expr,
            Expr::TsNonNull(x) => &x.expr,
            Expr::TsTypeAssertion(x) => &x.expr,
            Expr::TsConstAssertion(x) => &x.expr,
            Expr::TsSatisfies(x) => &x.expr,
            Expr::TsInstantiation(x) => &x.expr,
            // compilers call through a sequence to drop `this`: `(0, fs_1.readFileSync)(p)`
            Expr::Seq(s)
                if s.exprs.len() > 1 && s.exprs[..s.exprs.len() - 1].iter().all(|x| matches!(**x, Expr::Lit(_))) =>
            {
                s.exprs.last().unwrap()
            }
            _ => return e,
        }
    }
}

pub(crate) fn prop_name(p: &MemberProp) -> Option<Atom> {
    match p {
        MemberProp::Ident(i) => Some(i.sym.clone()),
        MemberProp::Computed(c) => match unwrap_expr(&c.expr) {
            Expr::Lit(Lit::Str(s)) => s.value.as_str().map(Atom::from),
            _ => None,
        },
        MemberProp::PrivateName(_) => None,
    }
}

fn prop_key(p: &PropName) -> Option<Atom> {
    match p {
        PropName::Ident(i) => Some(i.sym.clone()),
        PropName::Str(s) => s.value.as_str().map(Atom::from),
        _ => None,
    }
}

fn string_lit(e: &Expr) -> Option<Atom> {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Str(s)) => s.value.as_str().map(Atom::from),
        Expr::Tpl(t) if t.exprs.is_empty() && t.quasis.len() == 1 => {
            t.quasis[0].cooked.as_ref().and_then(|c| c.as_str()).map(Atom::from)
        }
        _ => None,
    }
}

/// Function `f` handed to `call` as argument `arg`: a callback of the call, a use of the function
/// (once, however many ways the model finds it).
fn add_callback(m: &mut FileModel, call: CallId, arg: u32, f: FnId, kind: CallbackKind) {
    let c = &mut m.calls[call.0 as usize];
    if !c.callbacks.contains(&(arg, f)) {
        c.callbacks.push((arg, f));
        m.functions[f.0 as usize].uses.push(FnUse::Callback { call, arg, kind });
    }
}

/// `Object.assign` and the like: a member of the global `name`.
fn global_member_of(callee: &Expr, name: &str, unresolved: SyntaxContext) -> bool {
    matches!(unwrap_expr(callee), Expr::Member(m)
        if matches!(unwrap_expr(&m.obj), Expr::Ident(i) if i.sym.as_str() == name && i.ctxt == unresolved))
}

/// A GraphQL resolver map: an object literal's shape, or the name of one.
enum ResolverMap {
    Shape(u32),
    Named(ValueRef),
}

/// The handler of a route declared as an object: a function written there, or a name.
enum RouteHandler<'a> {
    Inline(Span),
    Named(&'a Expr),
}

/// What a route object declares (see `Builder::route_decl`).
#[derive(Default)]
struct RouteObject<'a> {
    method: Option<Atom>,
    path: Option<Atom>,
    handler: Option<RouteHandler<'a>>,
    guarded: bool,
}

/// Read a route object's members into `r` (`top`: the object itself, not its `options`);
/// returns the nested `options`/`config` objects.
fn scan_route_object<'a>(o: &'a ObjectLit, top: bool, r: &mut RouteObject<'a>) -> Vec<&'a ObjectLit> {
    let mut inner = Vec::new();
    for p in &o.props {
        let PropOrSpread::Prop(p) = p else { continue };
        match &**p {
            Prop::KeyValue(kv) => {
                let Some(k) = prop_key(&kv.key) else { continue };
                let v = unwrap_expr(&kv.value);
                match k.as_str() {
                    "method" if top => {
                        r.method = match v {
                            Expr::Array(_) => Some(Atom::from("ALL")),
                            _ => string_lit(v)
                                .map(|m| if m == "*" { Atom::from("ALL") } else { m.to_uppercase().into() }),
                        }
                    }
                    "path" | "url" if top => r.path = string_lit(v),
                    "handler" => {
                        r.handler = Some(match v {
                            Expr::Fn(f) => RouteHandler::Inline(f.function.span),
                            Expr::Arrow(a) => RouteHandler::Inline(a.span),
                            other => RouteHandler::Named(other),
                        })
                    }
                    // `auth: 'jwt'` (not `auth: false`), or an authentication hook
                    "auth" => r.guarded |= !matches!(v, Expr::Lit(Lit::Bool(b)) if !b.value),
                    "preHandler" | "onRequest" | "preValidation" => r.guarded = true,
                    "options" | "config" if top => {
                        if let Expr::Object(io) = v {
                            inner.push(io);
                        }
                    }
                    _ => {}
                }
            }
            Prop::Method(mp) if prop_key(&mp.key).is_some_and(|k| k.as_str() == "handler") => {
                r.handler = Some(RouteHandler::Inline(mp.function.span));
            }
            _ => {}
        }
    }
    inner
}

/// `require('x')` with the global `require`, or `import('x')`.
fn module_of_call(call: &CallExpr, is_global: &dyn Fn(&Ident) -> bool) -> Option<Atom> {
    // the callee first: most calls are neither, and the argument is interned only for these
    let loads = match &call.callee {
        Callee::Import(_) => true,
        Callee::Expr(e) => matches!(unwrap_expr(e), Expr::Ident(i) if i.sym.as_str() == "require" && is_global(i)),
        Callee::Super(_) => false,
    };
    if !loads {
        return None;
    }
    string_lit(&call.args.first()?.expr)
}

/// `require('./x')` (or `require('./x').name`) as an expression: the module it loads.
fn module_of_call_expr(e: &Expr, unresolved: SyntaxContext) -> Option<Atom> {
    let inner = match unwrap_expr(e) {
        Expr::Member(m) => unwrap_expr(&m.obj),
        other => other,
    };
    let Expr::Call(c) = inner else { return None };
    module_of_call(c, &|i: &Ident| i.ctxt == unresolved)
}

/// The argument of a call to a compiler's module interop helper (tsc `__importDefault`,
/// `tslib_1.__importStar`, Babel `_interopRequireDefault`, esbuild `__toESM`, Rollup
/// `_interopDefaultCompat`): what it wraps.
fn interop_arg(call: &CallExpr) -> Option<&Expr> {
    let name = match &call.callee {
        Callee::Expr(e) => match unwrap_expr(e) {
            Expr::Ident(i) => i.sym.clone(),
            Expr::Member(m) => prop_name(&m.prop)?,
            _ => return None,
        },
        _ => return None,
    };
    if !crate::knowledge::INTEROP_HELPERS.contains(&name.as_str()) {
        return None;
    }
    match call.args.first() {
        Some(a) if a.spread.is_none() => Some(&a.expr),
        _ => None,
    }
}

/// The symbolic path an expression names, if it is one. `lookup` maps a non-global identifier to
/// its binding.
fn value_ref_with(
    expr: &Expr,
    is_global: &dyn Fn(&Ident) -> bool,
    lookup: &mut dyn FnMut(&Ident) -> Option<BindingId>,
) -> Option<ValueRef> {
    let mut props: Vec<Atom> = Vec::new();
    let mut e = unwrap_expr(expr);
    let root = loop {
        match e {
            Expr::Ident(i) => {
                break if is_global(i) { Root::Global(i.sym.clone()) } else { Root::Binding(lookup(i)?) };
            }
            Expr::Member(m) => {
                props.push(prop_name(&m.prop)?);
                e = unwrap_expr(&m.obj);
            }
            Expr::OptChain(o) => match &*o.base {
                OptChainBase::Member(m) => {
                    props.push(prop_name(&m.prop)?);
                    e = unwrap_expr(&m.obj);
                }
                OptChainBase::Call(_) => return None,
            },
            Expr::New(n) => {
                // an instance: its methods are the class's (see `model::INSTANCE`)
                props.push(Atom::from(super::INSTANCE));
                e = unwrap_expr(&n.callee);
            }
            Expr::Call(c) => match interop_arg(c) {
                // a compiler's module interop wrapper is the module it wraps:
                // `__importDefault(require("fs"))`, `_interopDefaultCompat(fs)`
                Some(inner) => e = unwrap_expr(inner),
                None => break Root::Module(module_of_call(c, is_global)?),
            },
            Expr::Await(a) => match unwrap_expr(&a.arg) {
                Expr::Call(c) if matches!(c.callee, Callee::Import(_)) => {
                    break Root::Module(module_of_call(c, is_global)?)
                }
                _ => return None,
            },
            _ => return None,
        }
    };
    props.reverse();
    Some(ValueRef { root, props: props.into() })
}

/// [`value_ref_with`] against a finished model.
pub(crate) fn value_ref(model: &FileModel, expr: &Expr) -> Option<ValueRef> {
    let unresolved = model.unresolved;
    value_ref_with(expr, &|i: &Ident| i.ctxt == unresolved, &mut |i: &Ident| model.binding_of(i))
}

impl Builder {
    /// A call (or `await` of one) whose value a function returns.
    fn note_returned(&mut self, e: &Expr) {
        let e = match unwrap_expr(e) {
            Expr::Await(a) => unwrap_expr(&a.arg),
            other => other,
        };
        let mut spans = Vec::new();
        settled_calls(e, self.model.unresolved, &mut spans, 0);
        self.returned.extend(spans);
    }

    /// The calls a condition or a comparison uses the result of at once (`if (isV2(v))`,
    /// `!f()`, `f() === 2`, `a() && b()` in a test).
    fn note_tested(&mut self, e: &Expr) {
        match unwrap_expr(e) {
            Expr::Call(c) => {
                self.tested.insert((c.span.lo.0, c.span.hi.0));
            }
            Expr::Unary(u) if matches!(u.op, UnaryOp::Bang | UnaryOp::TypeOf) => self.note_tested(&u.arg),
            Expr::Bin(b)
                if matches!(b.op, BinaryOp::LogicalAnd | BinaryOp::LogicalOr | BinaryOp::NullishCoalescing)
                    || is_comparison(b.op) =>
            {
                self.note_tested(&b.left);
                self.note_tested(&b.right);
            }
            _ => {}
        }
    }

    fn cur(&self) -> FnId {
        *self.fn_stack.last().unwrap()
    }

    fn cur_fn(&mut self) -> &mut Function {
        let id = self.cur();
        &mut self.model.functions[id.0 as usize]
    }

    fn is_global(&self, i: &Ident) -> bool {
        i.ctxt == self.model.unresolved
    }

    fn intern(&mut self, i: &Ident) -> BindingId {
        let key = (i.sym.clone(), i.ctxt);
        if let Some(&id) = self.model.binding_ids.get(&key) {
            return id;
        }
        let id = BindingId(self.model.bindings.len() as u32);
        let span = self.model.span(i.span);
        self.model.bindings.push(Binding {
            name: i.sym.clone(),
            kind: BindingKind::Unknown,
            scope: self.cur(),
            span,
            origin: Origin::Unknown,
            reassigned: false,
        });
        self.model.binding_ids.insert(key, id);
        id
    }

    fn declare(&mut self, i: &Ident, kind: BindingKind) -> BindingId {
        let id = self.intern(i);
        let scope = self.cur();
        let span = self.model.span(i.span);
        let b = &mut self.model.bindings[id.0 as usize];
        if b.kind != BindingKind::Unknown && kind != BindingKind::Function {
            // a second declaration (`var x` twice) is a reassignment in effect
            b.reassigned = true;
        }
        b.kind = kind;
        b.scope = scope;
        b.span = span;
        id
    }

    fn value_ref(&mut self, e: &Expr) -> Option<ValueRef> {
        let unresolved = self.model.unresolved;
        let mut lookup = |i: &Ident| Some(self.intern(i));
        value_ref_with(e, &|i: &Ident| i.ctxt == unresolved, &mut lookup)
    }

    /// Declare every identifier bound by a pattern; destructuring from a known path records each
    /// binding's origin (`const { execSync: run } = require('child_process')`).
    fn declare_pat(&mut self, pat: &Pat, kind: BindingKind, from: Option<ValueRef>) {
        match pat {
            Pat::Ident(b) => {
                let id = self.declare(&b.id, kind);
                if let Some(v) = from {
                    self.model.bindings[id.0 as usize].origin = Origin::Value(v);
                }
            }
            Pat::Object(o) => {
                for p in &o.props {
                    match p {
                        ObjectPatProp::KeyValue(kv) => {
                            let sub = prop_key(&kv.key).and_then(|k| {
                                from.as_ref().map(|v| {
                                    let mut v = v.clone();
                                    v.props.push(k);
                                    v
                                })
                            });
                            self.declare_pat(&kv.value, kind, sub);
                        }
                        ObjectPatProp::Assign(a) => {
                            let id = self.declare(&a.key.id, kind);
                            if let Some(v) = &from {
                                let mut v = v.clone();
                                v.props.push(a.key.id.sym.clone());
                                self.model.bindings[id.0 as usize].origin = Origin::Value(v);
                            }
                        }
                        ObjectPatProp::Rest(r) => self.declare_pat(&r.arg, kind, None),
                    }
                }
            }
            Pat::Array(a) => {
                for p in a.elems.iter().flatten() {
                    self.declare_pat(p, kind, None);
                }
            }
            Pat::Rest(r) => self.declare_pat(&r.arg, kind, None),
            Pat::Assign(a) => self.declare_pat(&a.left, kind, from),
            Pat::Expr(_) | Pat::Invalid(_) => {}
        }
    }

    /// Enter a function node: allocate its id, apply what the parent said about it.
    fn enter_fn(&mut self, span: Span, kind: FnKind, is_async: bool, is_generator: bool, params: &[&Pat]) -> FnId {
        let pending = self.pending.take().unwrap_or_default();
        let id = FnId(self.model.functions.len() as u32);
        let bspan = self.model.span(span);
        let mut f = new_function(id, bspan, pending.name, pending.kind.unwrap_or(kind), Some(self.cur()));
        f.is_async = is_async;
        f.is_generator = is_generator;
        f.decorated_entry = pending.decorated_entry;
        if let Some(u) = pending.use_ {
            f.uses.push(u);
        }
        self.model.functions.push(f);
        self.model.fn_by_span.insert((span.lo.0, span.hi.0), id);
        if let Some(b) = pending.binding {
            self.model.bindings[b.0 as usize].origin = Origin::Function(id);
        }
        self.fn_stack.push(id);
        self.once_saved.push(std::mem::take(&mut self.once));
        for p in params {
            let before = self.model.bindings.len();
            self.declare_pat(p, BindingKind::Param, None);
            let name = match p {
                Pat::Ident(b) => b.id.sym.clone(),
                Pat::Assign(a) => match &*a.left {
                    Pat::Ident(b) => {
                        let d = self.intern(&b.id);
                        self.defaulted.insert(d);
                        b.id.sym.clone()
                    }
                    _ => Atom::default(),
                },
                _ => Atom::default(),
            };
            let f = self.cur_fn();
            f.param_names.push(name);
            // every binding the pattern declared is a parameter of this function
            let ids: Vec<BindingId> = (before..self.model.bindings.len()).map(|i| BindingId(i as u32)).collect();
            let f = &mut self.model.functions[id.0 as usize];
            f.params.extend(ids);
        }
        id
    }

    /// The innermost branch condition on a parameter that the code being visited needs.
    fn param_guard(&self) -> Option<(ParamGuard, BindingId)> {
        self.param_tests.iter().rev().find_map(|&(b, truthy)| {
            let binding = &self.model.bindings[b.0 as usize];
            // a default value makes a missing argument something else than `undefined` (a
            // reassigned parameter is dropped in `finish`, once every assignment is seen)
            if binding.kind != BindingKind::Param || self.defaulted.contains(&b) {
                return None;
            }
            let func = binding.scope;
            let index = self.model.functions[func.0 as usize].param_names.iter().position(|n| *n == binding.name)?;
            Some((ParamGuard { func, index: u8::try_from(index).ok()?, truthy }, b))
        })
    }

    /// The parameters a test requires when it holds, one per `&&` operand that is a parameter
    /// (`p`) or its negation (`!p`), and when it fails: the opposite, if the whole test is one of
    /// them (`if (p) … else …`), else nothing.
    fn branch_tests(&self, test: &Expr) -> (Vec<(BindingId, bool)>, Vec<(BindingId, bool)>) {
        fn walk(s: &Builder, e: &Expr, out: &mut Vec<(BindingId, bool)>) -> bool {
            match unwrap_expr(e) {
                Expr::Bin(b) if b.op == BinaryOp::LogicalAnd => {
                    walk(s, &b.left, out);
                    walk(s, &b.right, out);
                    false
                }
                Expr::Ident(i) => s.param_binding(i).map(|b| out.push((b, true))).is_some(),
                Expr::Unary(u) if u.op == UnaryOp::Bang => match unwrap_expr(&u.arg) {
                    Expr::Ident(i) => s.param_binding(i).map(|b| out.push((b, false))).is_some(),
                    _ => false,
                },
                _ => false,
            }
        }
        let mut holds = Vec::new();
        let single = walk(self, test, &mut holds);
        let fails = if single { holds.iter().map(|&(b, t)| (b, !t)).collect() } else { Vec::new() };
        (holds, fails)
    }

    fn param_binding(&self, i: &Ident) -> Option<BindingId> {
        let b = *self.model.binding_ids.get(&(i.sym.clone(), i.ctxt))?;
        (self.model.bindings[b.0 as usize].kind == BindingKind::Param).then_some(b)
    }

    /// Visit `node` as code that runs only when `tests` hold.
    fn with_tests<N: VisitWith<Self> + ?Sized>(&mut self, tests: &[(BindingId, bool)], node: &N) {
        let n = self.param_tests.len();
        self.param_tests.extend_from_slice(tests);
        node.visit_with(self);
        self.param_tests.truncate(n);
    }

    /// The function whose `this` the current code sees: the innermost enclosing function that is
    /// not an arrow function.
    fn this_owner(&self) -> FnId {
        let mut f = self.cur();
        for _ in 0..64 {
            let func = &self.model.functions[f.0 as usize];
            match (func.kind, func.parent) {
                (FnKind::Arrow, Some(p)) => f = p,
                _ => break,
            }
        }
        f
    }

    fn exit_fn(&mut self) {
        self.fn_stack.pop();
        self.once = self.once_saved.pop().flatten();
    }

    /// Visit `node` as code that runs on the first call only when `first_only`.
    /// Visit `node` as code that runs while `slot` is empty, when there is one.
    fn visit_once<N: VisitWith<Self>>(&mut self, node: &N, slot: Option<String>) {
        let saved = self.once.clone();
        if self.once.is_none() {
            self.once = slot;
        }
        node.visit_with(self);
        self.once = saved;
    }

    fn with_this<R>(&mut self, this: Option<usize>, f: impl FnOnce(&mut Self) -> R) -> R {
        self.this_stack.push(this);
        let r = f(self);
        self.this_stack.pop();
        r
    }

    fn visit_fn_like(&mut self, f: &AstFunction, kind: FnKind) {
        // decorators belong to the enclosing scope and must not take this function's pending facts
        let pending = self.pending.take();
        f.decorators.visit_with(self);
        self.pending = pending;
        let params: Vec<&Pat> = f.params.iter().map(|p| &p.pat).collect();
        let id = self.enter_fn(f.span, kind, f.is_async, f.is_generator, &params);
        for (i, p) in f.params.iter().enumerate() {
            // `@Body() dto`, `@Query('ids') ids`: the request's input
            if has_decorator(&p.decorators, knowledge::REQUEST_INPUT_DECORATORS).is_some() {
                self.model.functions[id.0 as usize].input_params.push(i as u32);
            }
            p.decorators.visit_with(self);
            p.pat.visit_with(self);
        }
        if let Some(body) = &f.body {
            body.visit_with(self);
        }
        self.exit_fn();
    }

    /// Visit an expression in a position where a function value is used but not called: if it is
    /// a function expression, it is entered with `use_`; a reference to a binding records the use.
    fn visit_used_value(&mut self, e: &Expr, use_: FnUse, name: Option<Atom>) -> Option<FnId> {
        match unwrap_expr(e) {
            inner @ (Expr::Fn(_) | Expr::Arrow(_)) => {
                self.pending = Some(Pending { name, use_: Some(use_), ..Default::default() });
                let next = self.model.functions.len();
                inner.visit_with(self);
                Some(FnId(next as u32))
            }
            Expr::Ident(i) if !self.is_global(i) => {
                let b = self.intern(i);
                self.binding_uses.push((b, use_));
                None
            }
            _ => {
                e.visit_with(self);
                None
            }
        }
    }

    fn record_call(&mut self, span: Span, callee: Option<&Expr>, args: &[ExprOrSpread], is_new: bool) {
        let id = CallId(self.model.calls.len() as u32);
        let arg_of = self.direct_arg_of.take();
        let caller = self.cur();
        let (callee_ref, method, callee_span) = match callee {
            Some(c) => {
                let c = unwrap_expr(c);
                let method = match c {
                    Expr::Ident(i) => Some(i.sym.clone()),
                    Expr::Member(m) => prop_name(&m.prop),
                    Expr::OptChain(o) => match &*o.base {
                        OptChainBase::Member(m) => prop_name(&m.prop),
                        _ => None,
                    },
                    _ => None,
                };
                let typed = self.typed_field_call(c);
                (typed.or_else(|| self.value_ref(c)), method, self.model.span(c.span()))
            }
            None => (None, None, self.model.span(span)),
        };
        let first_string_arg = args.first().and_then(|a| string_lit(&a.expr));
        let (mut truthy_args, mut falsy_args) = (0u8, 0u8);
        // positions are known up to the first spread only
        for (i, a) in args.iter().enumerate().take(8).take_while(|(_, a)| a.spread.is_none()) {
            match literal_truthiness(&a.expr, self.model.unresolved) {
                Some(true) => truthy_args |= 1 << i,
                Some(false) => falsy_args |= 1 << i,
                None => {}
            }
        }
        let nargs = if args.iter().any(|a| a.spread.is_some()) { u8::MAX } else { args.len().min(254) as u8 };
        let param_guard = self.param_guard().map(|(g, b)| {
            self.guard_params.push((id, b));
            g
        });
        let bspan = self.model.span(span);
        self.model.call_by_span.insert((bspan.start, bspan.end), id.0);
        self.model.calls.push(CallSite {
            id,
            span: self.model.span(span),
            callee_span,
            caller,
            target: Target::Unknown,
            method,
            is_new,
            awaited: self.awaited.contains(&(span.lo.0, span.hi.0)),
            returned: self.returned.contains(&(span.lo.0, span.hi.0)),
            tested: self.tested.contains(&(span.lo.0, span.hi.0)),
            effect: crate::knowledge::Effect::Unknown,
            callbacks: ThinVec::new(),
            remote_callbacks: ThinVec::new(),
            kind: CallbackKind::Unknown,
            arg_of,
            guarded: false,
            operator: false,
            first_string_arg,
            once: false,
            param_guard,
            truthy_args,
            falsy_args,
            nargs,
            callee_ref,
        });
        self.cur_fn().calls.push(id);
        if let Some(slot) = &self.once {
            self.once_calls.push((id, slot.clone()));
        }

        // `seen.add(id)`, `this.items.push(x)`: a call that changes its receiver
        if let Some(Expr::Member(m)) = callee.map(unwrap_expr) {
            if prop_name(&m.prop).is_some_and(|p| knowledge::MUTATING_METHODS.contains(&p.as_str())) {
                self.note_write(&m.obj);
            }
        }
        // the callee: `this.method()` resolves to a method of the current class
        if let Some(c) = callee {
            match unwrap_expr(c) {
                Expr::Member(m) if matches!(&*m.obj, Expr::This(_)) => {
                    match (self.this_stack.last(), prop_name(&m.prop)) {
                        (Some(Some(class)), Some(name)) => self.this_calls.push((id, *class, name)),
                        (_, Some(name)) => {
                            let owner = self.this_owner();
                            self.proto_this_calls.push((id, owner, name));
                        }
                        _ => {}
                    }
                }
                Expr::Member(m) if matches!(&*m.obj, Expr::Ident(_)) => {
                    // `self.m()` with `const self = this`
                    if let (Expr::Ident(obj), false) = (&*m.obj, self.this_aliases.is_empty()) {
                        let b = self.model.binding_ids.get(&(obj.sym.clone(), obj.ctxt)).copied();
                        let alias = b.and_then(|b| self.this_aliases.get(&b).copied());
                        match (b, alias, prop_name(&m.prop)) {
                            (Some(b), Some((Some(class), _)), Some(name)) => {
                                self.this_calls.push((id, class, name));
                                self.alias_calls.push((id, b));
                            }
                            (Some(b), Some((None, owner)), Some(name)) => {
                                self.proto_this_calls.push((id, owner, name));
                                self.alias_calls.push((id, b));
                            }
                            _ => {}
                        }
                    }
                    c.visit_with(self);
                }
                Expr::Ident(_) => {}
                other => other.visit_with(self),
            }
        }
        // a route registration with an authorization middleware (`isAdmin`, `authorized(x)`)
        let route = self.model.calls[id.0 as usize]
            .method
            .as_deref()
            .is_some_and(|m| knowledge::ROUTE_METHODS.contains(&m) || m == "route");
        if route && args.len() >= 2 {
            let middleware = &args[..args.len() - 1];
            let guarded = middleware.iter().any(|a| guard_name(&a.expr).is_some_and(knowledge::is_guard_name));
            // only operators get through: `isAdmin`, `authorized(permissions.BUILDER)`, or a
            // router named for them (`adminRouter.get(…)`, `builderRoutes.post(…)`)
            let operator = middleware.iter().any(|a| names_operator(&a.expr))
                || callee.is_some_and(|c| receiver_root_name(c).is_some_and(knowledge::is_operator_name));
            let call = &mut self.model.calls[id.0 as usize];
            call.guarded = guarded || operator;
            call.operator = operator;
        }
        // a call that may register a handler: a route, a listener, a hook, a timer, a scheduler
        let registers = {
            let c = &self.model.calls[id.0 as usize];
            c.method.as_deref().is_some_and(|m| {
                knowledge::ROUTE_METHODS.contains(&m)
                    || knowledge::LISTENER_METHODS.contains(&m)
                    || knowledge::REPEATED_GLOBALS.contains(&m)
                    || knowledge::EXTRA_ENTRY_METHODS.contains(m)
                    || m == "route"
            }) || c.callee_ref.as_ref().is_some_and(|v| matches!(v.root, Root::Module(_)))
        };
        // a callee that only stores, compares or removes what it is given runs none of it
        // (`emitter.off('x', this.onX)`, `Object.assign(target, { load })`, `list.includes(fn)`)
        let hands_over = !self.model.calls[id.0 as usize].method.as_deref().is_some_and(|m| {
            knowledge::KEEPS_WHAT_IT_IS_GIVEN.contains(&m)
                || callee.is_some_and(|c| global_member_of(c, "Object", self.model.unresolved))
        });
        // what `route` declares as objects runs per request (`server.route({ path, handler })`)
        let declares_routes = self.model.calls[id.0 as usize].method.as_deref() == Some("route")
            && callee.is_some_and(|c| matches!(unwrap_expr(c), Expr::Member(_)));
        // a route's options before its handler (`fastify.get('/x', { preHandler }, h)`)
        let route_options_before = |i: usize, me: &Self| {
            registers
                && me.model.calls[id.0 as usize].first_string_arg.as_deref().is_some_and(|p| p.starts_with('/'))
                && i + 1 < args.len()
                && matches!(
                    args.last().map(|a| unwrap_expr(&a.expr)),
                    Some(Expr::Fn(_) | Expr::Arrow(_) | Expr::Ident(_) | Expr::Member(_))
                )
        };
        for (i, a) in args.iter().enumerate() {
            if matches!(unwrap_expr(&a.expr), Expr::Call(_) | Expr::New(_)) {
                self.direct_arg_of = Some(id);
            }
            let use_ = FnUse::Callback { call: id, arg: i as u32, kind: CallbackKind::Unknown };
            if let Some(f) = self.visit_used_value(&a.expr, use_, None) {
                self.model.calls[id.0 as usize].callbacks.push((i as u32, f));
            } else if !hands_over {
                // stored or removed, not run
            } else if matches!(unwrap_expr(&a.expr), Expr::Member(_))
                || (registers && module_of_call_expr(&a.expr, self.model.unresolved).is_some())
            {
                // `router.get('/x', users.list)`, `router.get('/x', require('./handlers/x'))`,
                // `queue.add(helpers.generate)`: a function named through an object or a module,
                // maybe in another file (resolved once the file is read, see `finish`); a plain
                // name is a binding use (`visit_used_value`), or an import resolved there too
                if let Some(v) = self.value_ref(&a.expr) {
                    self.named_args.push((id, i as u32, v));
                }
            } else if matches!(unwrap_expr(&a.expr), Expr::Ident(_)) {
                // a name bound to a path (`import { generate } from './helpers'`, `const h =
                // users.list`): resolved in `finish`, where local functions are already uses
                if let Some(v) = self.value_ref(&a.expr) {
                    self.named_args.push((id, i as u32, v));
                }
            } else if let Expr::Object(o) = unwrap_expr(&a.expr) {
                // `init({ generateRows: sdk.helpers.generateRows, onDone() {…} })`: the functions
                // an object literal hands over are handed to the call too
                let per_event = declares_routes || route_options_before(i, self);
                self.object_arg_functions(id, i as u32, o, per_event);
                self.resolver_map(id, o);
            }
        }
        // `chokidar.watch(dir).on('add', …)`: what the listener's receiver was made by
        if let Some(Expr::Member(mem)) = callee.map(unwrap_expr) {
            let listener = self.model.calls[id.0 as usize]
                .method
                .as_deref()
                .is_some_and(|m| knowledge::LISTENER_METHODS.contains(&m));
            if let (true, Expr::Call(inner)) = (listener, unwrap_expr(&mem.obj)) {
                if let Some(v) = inner.callee.as_expr().and_then(|c| self.value_ref(c)) {
                    self.chained_listeners.push((id, v));
                }
            }
        }
        // Hapi and Fastify declare routes as objects: `server.route({ method, path, handler })`,
        // also several in an array
        // `this.route('GET', '/users/me', handler)`: a router that takes the method first
        let method_first = match (args.first(), args.get(1)) {
            (Some(m), Some(p)) => string_lit(&m.expr)
                .filter(|m| knowledge::HTTP_METHODS.contains(&m.to_ascii_uppercase().as_str()))
                .zip(string_lit(&p.expr).filter(|p| p.starts_with('/'))),
            _ => None,
        };
        if let (true, Some((method, path))) = (declares_routes, method_first) {
            let method = method.to_ascii_uppercase().into();
            self.model.route_decls.push(RouteDecl { call: id, method, path, handler: None, remote: None });
        } else if declares_routes {
            for (i, a) in args.iter().enumerate() {
                match unwrap_expr(&a.expr) {
                    Expr::Object(o) => self.route_decl(id, i as u32, o),
                    Expr::Array(arr) => {
                        for el in arr.elems.iter().flatten() {
                            if let Expr::Object(o) = unwrap_expr(&el.expr) {
                                self.object_arg_functions(id, i as u32, o, true);
                                self.route_decl(id, i as u32, o);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// A GraphQL server's or schema's options (`{ typeDefs, resolvers }`, `{ schema, resolvers }`):
    /// every function of the resolver map resolves a field per request.
    fn resolver_map(&mut self, call: CallId, o: &ObjectLit) {
        let mut schema = false;
        let mut resolvers: Option<Expr> = None;
        for p in &o.props {
            let PropOrSpread::Prop(p) = p else { continue };
            let k = match &**p {
                Prop::KeyValue(kv) => prop_key(&kv.key),
                Prop::Shorthand(i) => Some(i.sym.clone()),
                _ => None,
            };
            match k.as_deref() {
                Some("typeDefs" | "schema") => schema = true,
                Some("resolvers") => {
                    resolvers = Some(match &**p {
                        Prop::KeyValue(kv) => unwrap_expr(&kv.value).clone(),
                        // `{ typeDefs, resolvers }`
                        Prop::Shorthand(i) => Expr::Ident(i.clone()),
                        _ => continue,
                    })
                }
                _ => {}
            }
        }
        let (true, Some(value)) = (schema, resolvers) else { return };
        let map = match &value {
            Expr::Object(inner) => match self.object_shape(inner) {
                Some(shape) => ResolverMap::Shape(shape),
                None => return,
            },
            e @ (Expr::Ident(_) | Expr::Member(_)) => match self.value_ref(e) {
                Some(v) => ResolverMap::Named(v),
                None => return,
            },
            _ => return,
        };
        self.resolver_maps.push((call, map));
    }

    /// A route declared as an object (`{ method: 'GET', path: '/x', handler, options: { auth } }`):
    /// its handler is a request handler; `auth` or an authentication hook guards it.
    fn route_decl(&mut self, call: CallId, arg: u32, o: &ObjectLit) {
        let mut r = RouteObject::default();
        for inner in scan_route_object(o, true, &mut r) {
            scan_route_object(inner, false, &mut r);
        }
        let RouteObject { method: Some(method), path: Some(path), handler: Some(handler), guarded } = r else {
            return;
        };
        if guarded {
            self.model.calls[call.0 as usize].guarded = true;
        }
        let index = self.model.route_decls.len();
        let mut decl = RouteDecl { call, method, path, handler: None, remote: None };
        match handler {
            RouteHandler::Inline(span) => {
                let Some(f) = self.model.fn_by_span.get(&(span.lo.0, span.hi.0)).copied() else { return };
                decl.handler = Some(f);
                add_callback(&mut self.model, call, arg, f, CallbackKind::Repeated);
            }
            RouteHandler::Named(e) => {
                if let Some(v) = self.value_ref(e) {
                    self.route_named.push((index, arg, v));
                }
            }
        }
        self.model.route_decls.push(decl);
    }

    /// The functions the members of an object literal argument name or define, as callbacks of
    /// `call` (one level deep: `{ k: fn }`, `{ k() {} }`, `{ fn }`, `{ k: helpers.fn }`).
    fn object_arg_functions(&mut self, call: CallId, arg: u32, o: &ObjectLit, per_event: bool) {
        if !per_event {
            self.object_args.insert((call.0, arg));
        }
        for p in &o.props {
            let PropOrSpread::Prop(p) = p else { continue };
            let span = match &**p {
                Prop::KeyValue(kv) => match unwrap_expr(&kv.value) {
                    Expr::Fn(f) => f.function.span,
                    Expr::Arrow(a) => a.span,
                    v @ (Expr::Member(_) | Expr::Ident(_)) => {
                        if let Some(v) = self.value_ref(v) {
                            self.named_args.push((call, arg, v));
                        }
                        continue;
                    }
                    _ => continue,
                },
                Prop::Method(mp) => mp.function.span,
                Prop::Shorthand(i) => {
                    if let Some(v) = self.value_ref(&Expr::Ident(i.clone())) {
                        self.named_args.push((call, arg, v));
                    }
                    continue;
                }
                _ => continue,
            };
            if let Some(f) = self.model.fn_by_span.get(&(span.lo.0, span.hi.0)).copied() {
                add_callback(&mut self.model, call, arg, f, CallbackKind::Unknown);
            }
        }
    }

    /// Note that the current function writes what `target` (an assignment or update target, or
    /// a mutated receiver) is rooted in: a variable, or `this`.
    fn note_write(&mut self, target: &Expr) {
        let mut e = unwrap_expr(target);
        loop {
            e = match e {
                Expr::Member(m) => unwrap_expr(&m.obj),
                Expr::OptChain(o) => match &*o.base {
                    OptChainBase::Member(m) => unwrap_expr(&m.obj),
                    OptChainBase::Call(_) => return,
                },
                _ => break,
            };
        }
        let f = self.cur();
        match e {
            Expr::Ident(i) if !self.is_global(i) => {
                let b = self.intern(i);
                self.state_writes.push((f, Some(b)));
            }
            Expr::This(_) => self.state_writes.push((f, None)),
            _ => {}
        }
    }

    /// `const x = await f()`: `x` holds what the call at `span` returned (unless it is known better).
    fn note_call_result(&mut self, ident: &Ident, span: Span) {
        let bs = self.model.span(span);
        let Some(&c) = self.model.call_by_span.get(&(bs.start, bs.end)) else { return };
        let id = self.intern(ident);
        let binding = &mut self.model.bindings[id.0 as usize];
        if binding.origin == Origin::Unknown {
            binding.origin = Origin::CallResult(CallId(c));
        }
    }

    /// `this.users.find` in a class whose field `users` is declared as a `UsersService`: the
    /// method `find` of an instance of that class (here or in another file).
    fn typed_field_call(&mut self, callee: &Expr) -> Option<ValueRef> {
        let Expr::Member(m) = callee else { return None };
        let method = prop_name(&m.prop)?;
        let Expr::Member(field) = unwrap_expr(&m.obj) else { return None };
        if !matches!(unwrap_expr(&field.obj), Expr::This(_)) {
            return None;
        }
        let class = (*self.this_stack.last()?)?;
        let ty = self.classes[class].field_types.get(&prop_name(&field.prop)?)?.clone();
        let mut v = self.value_ref(&Expr::Ident(ty))?;
        v.props.push(Atom::from(super::INSTANCE));
        v.props.push(method);
        Some(v)
    }

    fn check_busy_wait(&mut self, span: Span, test: Option<&Expr>, body: &Stmt) {
        let Some(test) = test else { return };
        if !is_empty_body(body) || !reads_clock(test, self.model.unresolved) {
            return;
        }
        let s = self.model.span(span);
        self.cur_fn().busy_waits.push(s);
    }

    fn add_export(&mut self, name: Atom, target: ExportTarget) {
        self.model.exports.push(Export { name, target });
    }

    /// Remember a relative module this file imports, for the project pass.
    fn note_import(&mut self, spec: &Atom) {
        if knowledge::is_relative(spec) && !self.model.relative_imports.contains(spec) {
            self.model.relative_imports.push(spec.clone());
        }
    }

    /// The function an (already visited) function expression became.
    fn fn_id_of_expr(&self, e: &Expr) -> Option<FnId> {
        let span = match unwrap_expr(e) {
            Expr::Fn(f) => f.function.span,
            Expr::Arrow(a) => a.span,
            _ => return None,
        };
        self.model.fn_by_span.get(&(span.lo.0, span.hi.0)).copied()
    }

    /// The members of an object literal that name functions, modules or other values (see
    /// [`super::ObjectShape`]); `None` when none does.
    fn object_shape(&mut self, o: &ObjectLit) -> Option<u32> {
        let mut shape = super::ObjectShape::default();
        for p in &o.props {
            match p {
                PropOrSpread::Spread(sp) => {
                    if let Some(v) = self.value_ref(&sp.expr) {
                        shape.spreads.push(v);
                    }
                }
                PropOrSpread::Prop(p) => {
                    let (name, target) = match &**p {
                        Prop::KeyValue(kv) => match prop_key(&kv.key) {
                            Some(k) => match unwrap_expr(&kv.value) {
                                Expr::Object(inner) => (k, self.object_shape(inner).map(ExportTarget::Object)),
                                // a name of something defined elsewhere, or a function here; not
                                // data made on the spot (`{ seen: new Set(), rows: [] }`)
                                v @ (Expr::Ident(_) | Expr::Member(_) | Expr::Fn(_) | Expr::Arrow(_)) => {
                                    (k, self.export_target(v))
                                }
                                Expr::Array(_) => {
                                    shape.in_memory.push(k);
                                    continue;
                                }
                                Expr::New(n) if is_in_memory_constructor(&n.callee, self.model.unresolved) => {
                                    shape.in_memory.push(k);
                                    continue;
                                }
                                _ => continue,
                            },
                            None => continue,
                        },
                        other => match self.named_member(other) {
                            Some(named) => named,
                            None => continue,
                        },
                    };
                    if let Some(t) = target {
                        shape.props.push((name, t));
                    }
                }
            }
        }
        if shape.props.is_empty() && shape.spreads.is_empty() && shape.in_memory.is_empty() {
            return None;
        }
        self.model.objects.push(shape);
        Some(self.model.objects.len() as u32 - 1)
    }

    /// What a shorthand property (`{ list }`) or a method (`{ list() {} }`) of an object
    /// literal names.
    fn named_member(&mut self, p: &Prop) -> Option<(Atom, Option<ExportTarget>)> {
        match p {
            Prop::Shorthand(i) => Some((i.sym.clone(), self.export_target(&Expr::Ident(i.clone())))),
            Prop::Method(mp) => {
                let k = prop_key(&mp.key)?;
                let f = self.model.fn_by_span.get(&(mp.function.span.lo.0, mp.function.span.hi.0)).copied();
                Some((k, f.map(ExportTarget::Function)))
            }
            _ => None,
        }
    }

    fn export_target(&mut self, e: &Expr) -> Option<ExportTarget> {
        if let Some(f) = self.fn_id_of_expr(e) {
            return Some(ExportTarget::Function(f));
        }
        self.value_ref(e).map(ExportTarget::Value)
    }

    /// `module.exports = …`, `module.exports.x = …`, `exports.x = …` (with the globals).
    fn record_cjs_export(&mut self, left: &AssignTarget, right: &Expr) {
        let AssignTarget::Simple(SimpleAssignTarget::Member(m)) = left else { return };
        let Some(prop) = prop_name(&m.prop) else { return };
        let is_global_named = |s: &Self, e: &Expr, name: &str| matches!(unwrap_expr(e), Expr::Ident(i) if i.sym.as_str() == name && s.is_global(i));
        let is_module_exports = |s: &Self, e: &Expr| match unwrap_expr(e) {
            Expr::Member(mm) => {
                is_global_named(s, &mm.obj, "module") && prop_name(&mm.prop).is_some_and(|p| p.as_str() == "exports")
            }
            other => is_global_named(s, other, "exports"),
        };
        if prop.as_str() == "exports" && is_global_named(self, &m.obj, "module") {
            // module.exports = <value>
            if let Expr::Object(o) = unwrap_expr(right) {
                for p in &o.props {
                    let PropOrSpread::Prop(p) = p else { continue };
                    let (name, target) = match &**p {
                        Prop::KeyValue(kv) => match (prop_key(&kv.key), unwrap_expr(&kv.value)) {
                            // `module.exports = { Query: { … } }`: a nested object's members
                            (Some(k), Expr::Object(inner)) => (k, self.object_shape(inner).map(ExportTarget::Object)),
                            (Some(k), v) => (k, self.export_target(v)),
                            (None, _) => continue,
                        },
                        other => match self.named_member(other) {
                            Some(named) => named,
                            None => continue,
                        },
                    };
                    if let Some(t) = target {
                        self.add_export(name, t);
                    }
                }
            } else if let Some(t) = self.export_target(right) {
                self.add_export(Atom::default(), t.clone());
                self.add_export(Atom::from("default"), t);
            }
        } else if is_module_exports(self, &m.obj) {
            // exports.x = … / module.exports.x = …
            if let Some(t) = self.export_target(right) {
                self.add_export(prop, t);
            }
        }
    }

    fn finish(mut self) -> FileModel {
        let m = &mut self.model;
        m.classes = self
            .classes
            .iter()
            .map(|c| {
                let mut methods: Vec<(Atom, FnId)> =
                    c.methods.iter().filter_map(|(k, f)| f.map(|f| (k.clone(), f))).collect();
                methods.sort_by_key(|(_, f)| *f);
                super::Class { name: c.name.clone(), methods, extended: c.extended }
            })
            .collect();
        // `let meter; … meter ??= new Meter(…)`: declared without a value and only ever assigned
        // the same thing (a lazily made singleton) holds that thing
        let mut values: FxHashMap<BindingId, Option<ValueRef>> = FxHashMap::default();
        for (b, v) in std::mem::take(&mut self.assigned_values) {
            match values.get(&b) {
                None => {
                    values.insert(b, v);
                }
                Some(prev) if *prev != v => {
                    values.insert(b, None);
                }
                Some(_) => {}
            }
        }
        for (b, v) in values {
            let binding = &mut m.bindings[b.0 as usize];
            if let (Some(v), Origin::Unknown, BindingKind::Let | BindingKind::Var) = (v, &binding.origin, binding.kind)
            {
                if !self.initialized.contains(&b) {
                    binding.origin = Origin::Value(v);
                    binding.reassigned = false;
                }
            }
        }
        // resolve call targets
        for i in 0..m.calls.len() {
            let target = match m.calls[i].callee_ref.clone() {
                Some(v) => m.resolve(&v),
                None => Target::Unknown,
            };
            m.calls[i].target = target;
        }
        for (call, class, name) in std::mem::take(&mut self.this_calls) {
            if let Some(Some(f)) = self.classes[class].methods.get(&name) {
                m.calls[call.0 as usize].target = Target::Local(*f);
            }
        }
        // ES5 constructors: `this.m()` in the constructor or in one of its prototype methods
        if !self.proto_methods.is_empty() && !self.proto_this_calls.is_empty() {
            let mut methods: FxHashMap<BindingId, Vec<(Atom, FnId)>> = FxHashMap::default();
            let mut owner_of: FxHashMap<FnId, Option<BindingId>> = FxHashMap::default();
            for (ctor, name, f) in std::mem::take(&mut self.proto_methods) {
                let f = match f {
                    Ok(f) => f,
                    Err(b) => match m.bindings[b.0 as usize].origin {
                        Origin::Function(f) if !m.bindings[b.0 as usize].reassigned => f,
                        _ => continue,
                    },
                };
                if m.bindings[ctor.0 as usize].reassigned {
                    continue;
                }
                if let Origin::Function(c) = m.bindings[ctor.0 as usize].origin {
                    owner_of.insert(c, Some(ctor));
                }
                // a function that is a method of two constructors: `this` is either
                let owner = owner_of.entry(f).or_insert(Some(ctor));
                if *owner != Some(ctor) {
                    *owner = None;
                }
                methods.entry(ctor).or_default().push((name, f));
            }
            for (call, owner, name) in std::mem::take(&mut self.proto_this_calls) {
                let Some(Some(ctor)) = owner_of.get(&owner) else { continue };
                // a name given twice is ambiguous: the later assignment may replace the first
                let found: Vec<FnId> = methods[ctor].iter().filter(|(n, _)| *n == name).map(|&(_, f)| f).collect();
                if let [f] = found[..] {
                    m.calls[call.0 as usize].target = Target::Local(f);
                }
            }
        }
        // `self` reassigned somewhere (`let self = this; … self = other`): it may not be `this`
        for (call, b) in std::mem::take(&mut self.alias_calls) {
            if m.bindings[b.0 as usize].reassigned {
                m.calls[call.0 as usize].target = Target::Unknown;
            }
        }
        // a parameter reassigned after the branch was read (`cached = false` in a loop)
        for (call, b) in std::mem::take(&mut self.guard_params) {
            if m.bindings[b.0 as usize].reassigned {
                m.calls[call.0 as usize].param_guard = None;
            }
        }
        for c in &mut m.calls {
            c.effect = FileModel::compute_effect(c);
        }
        // direct calls of local functions
        for i in 0..m.calls.len() {
            if let Target::Local(f) = m.calls[i].target {
                m.functions[f.0 as usize].uses.push(FnUse::Called(CallId(i as u32)));
            }
        }
        // references to named functions
        for (b, use_) in std::mem::take(&mut self.binding_uses) {
            let binding = &m.bindings[b.0 as usize];
            if binding.reassigned {
                continue;
            }
            if let Origin::Function(f) = binding.origin {
                if let FnUse::Callback { call, arg, .. } = use_ {
                    m.calls[call.0 as usize].callbacks.push((arg, f));
                }
                m.functions[f.0 as usize].uses.push(use_);
            }
        }
        // classify how each callee treats the functions handed to it
        let mut kinds: Vec<CallbackKind> = m.calls.iter().map(|c| classify_callee(c, &m.bindings)).collect();
        // `server.route({ method, path, handler })` registers its handler per request
        for d in &m.route_decls {
            kinds[d.call.0 as usize] = CallbackKind::Repeated;
        }
        // listeners of a file-system watcher run when someone changes files on disk (a deploy,
        // an operator dropping a plugin in): rare events no visitor causes, like start-up code
        let watcher_made = |m: &FileModel, c: &CallSite| {
            let source = m.receiver_source(c).and_then(|s| m.call(s).api().cloned());
            let chained =
                self.chained_listeners.iter().find(|(l, _)| *l == c.id).and_then(|(_, v)| match m.resolve(v) {
                    Target::Api(q) => Some(q),
                    _ => None,
                });
            source.or(chained).is_some_and(|q| knowledge::is_file_watcher(q.module.as_str(), &q.member_path()))
        };
        for (i, c) in m.calls.iter().enumerate() {
            if kinds[i] == CallbackKind::Repeated
                && c.method.as_deref().is_some_and(|m| knowledge::LISTENER_METHODS.contains(&m))
                && watcher_made(m, c)
            {
                kinds[i] = CallbackKind::Once;
            }
        }
        // a job queue's processor (`queue.process(fn)` of `bull`, `agenda.define(name, fn)`)
        for (i, c) in m.calls.iter().enumerate() {
            let Some(method) = c.method.as_deref() else { continue };
            if knowledge::JOB_PROCESSORS.iter().any(|(_, m)| *m == method) {
                let package = m.receiver_package(c);
                if package.is_some_and(|p| knowledge::JOB_PROCESSORS.contains(&(p.as_str(), method))) {
                    kinds[i] = CallbackKind::Repeated;
                }
            }
        }
        // `x.use(fn)` is middleware only on a server or a router: a function handed to another
        // object's `use` that takes no request (`md.use((md, opts) => …)` of markdown-it,
        // `chai.use`, `i18next.use`) is a plugin, set up once where it is registered
        for (i, c) in m.calls.iter().enumerate() {
            if kinds[i] != CallbackKind::Repeated || c.method.as_deref() != Some("use") || c.callbacks.is_empty() {
                continue;
            }
            let host = m.receiver_package(c);
            if host.as_deref().is_some_and(knowledge::is_middleware_host) {
                continue;
            }
            let plugin = |f: FnId| {
                let f = m.function(f);
                let first_names_request =
                    f.param_names.first().is_some_and(|p| matches!(p.as_str(), "req" | "request" | "ctx" | "context"));
                !super::context::has_handler_params(f)
                    && !first_names_request
                    && !f.param_names.iter().any(|p| p.as_str() == "next")
            };
            if host.is_some() || c.callbacks.iter().all(|&(_, f)| plugin(f)) {
                kinds[i] = CallbackKind::Once;
            }
        }
        for (c, k) in m.calls.iter_mut().zip(&kinds) {
            c.kind = *k;
        }
        // functions named through an object or a module and handed to a callee: a method here
        // (`this.handle`, `handlers.list`) is a callback like an inline one; one in another file
        // (`users.list` of `require('./users')`) is linked by the project pass
        for (call, arg, v) in std::mem::take(&mut self.named_args) {
            // put into a `Map`, a `Set` or an array here: kept, not run
            if kinds[call.0 as usize] != CallbackKind::Repeated && m.in_memory_receiver(m.call(call)) {
                continue;
            }
            match m.resolve(&v) {
                Target::Local(f) => add_callback(m, call, arg, f, kinds[call.0 as usize]),
                Target::Api(q) if knowledge::is_relative(&q.module) => {
                    // not what an object hands to a call that would register it as a handler
                    let object = self.object_args.contains(&(call.0, arg));
                    if !(object && kinds[call.0 as usize] == CallbackKind::Repeated) {
                        m.calls[call.0 as usize].remote_callbacks.push((arg, q));
                    }
                }
                _ => {}
            }
        }
        // route handlers declared by name: here, or in another file (linked by the project pass)
        for (index, arg, v) in std::mem::take(&mut self.route_named) {
            let call = m.route_decls[index].call;
            match m.resolve(&v) {
                Target::Local(f) => {
                    m.route_decls[index].handler = Some(f);
                    add_callback(m, call, arg, f, CallbackKind::Repeated);
                }
                Target::Api(q) if knowledge::is_relative(&q.module) => {
                    m.route_decls[index].remote = Some(q.clone());
                    if !m.calls[call.0 as usize].remote_callbacks.iter().any(|(_, r)| *r == q) {
                        m.calls[call.0 as usize].remote_callbacks.push((arg, q));
                    }
                }
                _ => {}
            }
        }
        // what an object literal hands to a call that registers per event is registered only
        // where the call is a route's (`axios.get('/api', { transformResponse })` is no route)
        for f in &mut m.functions {
            for u in &mut f.uses {
                if let FnUse::Callback { call, arg, kind } = u {
                    *kind = kinds[call.0 as usize];
                    if *kind == CallbackKind::Repeated && self.object_args.contains(&(call.0, *arg)) {
                        *kind = CallbackKind::Unknown;
                    }
                }
            }
        }
        // GraphQL resolver maps: each function resolves a field per request
        for (call, map) in std::mem::take(&mut self.resolver_maps) {
            let shape = match &map {
                ResolverMap::Shape(i) => Some(*i),
                ResolverMap::Named(v) => m.object_of(v),
            };
            match (shape, map) {
                (Some(shape), _) => {
                    for (f, name) in m.resolver_functions(shape) {
                        let what = Atom::from("resolver");
                        m.declared.push((f, EntryReason::Declared { name: name.into(), what, call: Some(call) }));
                    }
                }
                // `import resolvers from './resolvers'`: the project pass reads that file's map
                (None, ResolverMap::Named(v)) => {
                    if let Target::Api(q) = m.resolve(&v) {
                        if knowledge::is_relative(&q.module) {
                            m.remote_resolver_maps.push((call, q));
                        }
                    }
                }
                _ => {}
            }
        }
        // Next.js routes by file: `app/**/route.ts` exports `GET`…, `pages/api/**` a default
        if let Some((app, route)) = knowledge::next_route(&m.path) {
            for e in &m.exports {
                let method = e.name.as_str();
                let name = match (app, method) {
                    (true, _) if knowledge::HTTP_METHODS.contains(&method) && method != "ALL" => {
                        format!("{method} {route}")
                    }
                    (false, "default") => format!("ALL {route}"),
                    _ => continue,
                };
                let f = match &e.target {
                    ExportTarget::Function(f) => Some(*f),
                    ExportTarget::Value(v) => match m.resolve(v) {
                        Target::Local(f) => Some(f),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(f) = f {
                    let what = Atom::from("handler");
                    m.declared.push((f, EntryReason::Declared { name: name.into(), what, call: None }));
                }
            }
        }
        context::compute(m);
        // first-call-only code: unless the file empties its slot again (then it is a flag), or
        // the slot is a field of an object made per request (then every request fills it)
        for (call, slot) in &self.once_calls {
            if self.emptied.contains(slot) {
                continue;
            }
            m.calls[call.0 as usize].once = true;
        }
        for (call, slot) in &self.once_calls {
            if slot.starts_with("this.") && m.calls[call.0 as usize].once {
                let caller = m.calls[call.0 as usize].caller;
                if m.class_index_of(caller).is_some_and(|c| m.per_request_class(c)) {
                    m.calls[call.0 as usize].once = false;
                }
            }
        }
        // state written: a variable declared outside the writing function (and every function
        // between them), or `this` (the function itself, or the method an arrow is in)
        for (f, root) in std::mem::take(&mut self.state_writes) {
            match root {
                Some(b) => {
                    let scope = m.bindings[b.0 as usize].scope;
                    let mut cur = Some(f);
                    while let Some(g) = cur.filter(|&g| g != scope && g != FnId::MODULE) {
                        m.functions[g.0 as usize].writes_outer.push(b);
                        cur = m.functions[g.0 as usize].parent;
                    }
                }
                None => {
                    let mut g = f;
                    while m.functions[g.0 as usize].kind == FnKind::Arrow {
                        match m.functions[g.0 as usize].parent {
                            Some(p) => g = p,
                            None => break,
                        }
                    }
                    m.functions[g.0 as usize].writes_this = true;
                }
            }
        }
        for f in &mut m.functions {
            f.writes_outer.sort_unstable_by_key(|b| b.0);
            f.writes_outer.dedup();
        }
        // the model outlives the tree for the whole run: no growth slack in its three big tables
        m.calls.shrink_to_fit();
        m.functions.shrink_to_fit();
        m.bindings.shrink_to_fit();
        self.model
    }
}

/// Whether a literal argument is truthy or falsy (`true`, `1`, `'x'` / `false`, `0`, `''`,
/// `null`, `undefined`); `None` for anything else.
fn literal_truthiness(e: &Expr, unresolved: SyntaxContext) -> Option<bool> {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Bool(b)) => Some(b.value),
        Expr::Lit(Lit::Null(_)) => Some(false),
        Expr::Lit(Lit::Num(n)) => Some(n.value != 0.0 && !n.value.is_nan()),
        Expr::Lit(Lit::Str(s)) => Some(!s.value.is_empty()),
        Expr::Ident(i) if i.sym.as_str() == "undefined" && i.ctxt == unresolved => Some(false),
        _ => None,
    }
}

/// `X.prototype.m` as an assignment target: the constructor `X` and the method name `m`.
fn prototype_member(left: &AssignTarget) -> Option<(&Ident, Atom)> {
    let AssignTarget::Simple(SimpleAssignTarget::Member(m)) = left else { return None };
    let Expr::Member(proto) = unwrap_expr(&m.obj) else { return None };
    let Expr::Ident(ctor) = unwrap_expr(&proto.obj) else { return None };
    if prop_name(&proto.prop)?.as_str() != super::INSTANCE {
        return None;
    }
    Some((ctor, prop_name(&m.prop)?))
}

/// How a callee treats a function argument, from the callee's resolved name and method name.
fn classify_callee(call: &CallSite, bindings: &[Binding]) -> CallbackKind {
    use knowledge::*;
    if let Target::Api(q) = &call.target {
        let module = q.module.as_str();
        let first = q.path.first().map(|a| a.as_str()).unwrap_or("");
        let last = q.last().unwrap_or("");
        let whole = q.member_path();
        if REPEATED_APIS.iter().any(|(m, p)| *m == module && *p == whole) || call.registers_auth_callback() {
            return CallbackKind::Repeated;
        }
        if module == "global" {
            if q.path.len() == 1 {
                if REPEATED_GLOBALS.contains(&first) {
                    return CallbackKind::Repeated;
                }
                if ONCE_GLOBALS.contains(&first) {
                    return CallbackKind::Once;
                }
                if first == "Promise" && call.is_new {
                    return CallbackKind::Sync;
                }
            }
            if first == PROCESS_GLOBAL {
                // process.nextTick, process.on('exit' | 'SIGTERM' ...): once, at most
                return CallbackKind::Once;
            }
        } else if module == "timers" && REPEATED_GLOBALS.contains(&last) {
            return CallbackKind::Repeated;
        } else if is_node_builtin(module) {
            if SERVER_FACTORIES.iter().any(|(m, f)| *m == module && *f == last) {
                return CallbackKind::Repeated;
            }
            if last.ends_with("Sync") {
                return CallbackKind::Sync;
            }
            if q.path.len() == 1 {
                // Node's callback-style APIs: `fs.readFile(p, cb)`, `crypto.pbkdf2(.., cb)`
                return CallbackKind::Once;
            }
        } else if SYNC_CALLBACK_MODULES.contains(&module) {
            return CallbackKind::Sync;
        }
    }
    let Some(method) = call.method.as_deref() else { return CallbackKind::Unknown };
    if call.is_new {
        return CallbackKind::Unknown;
    }
    let is_member = !matches!(call.callee_ref.as_ref(), Some(ValueRef { props, .. }) if props.is_empty());
    if !is_member {
        return CallbackKind::Unknown;
    }
    if EXTRA_ENTRY_METHODS.contains(method) {
        // the configuration knows better than the built-in tables
        CallbackKind::Repeated
    } else if SYNC_CALLBACK_METHODS.contains(&method) {
        CallbackKind::Sync
    } else if LISTENER_METHODS.contains(&method) && closes_module_object(call, bindings) {
        // `server.on('close', …)` on a server made at start-up: shutdown code, at most once
        CallbackKind::Once
    } else if LISTENER_METHODS.contains(&method) || ROUTE_METHODS.contains(&method) {
        CallbackKind::Repeated
    } else if ONCE_METHODS.contains(&method) {
        CallbackKind::Once
    } else {
        CallbackKind::Unknown
    }
}

/// A listener of an event a long-lived object emits once (`close`, `listening`) on an object bound
/// at module level (`const server = app.listen(…)`). The same events on what a handler receives
/// (`req.on('close')`, `socket.on('close')`) happen once per request or connection: not these.
fn closes_module_object(call: &CallSite, bindings: &[Binding]) -> bool {
    let event = call.first_string_arg.as_deref().unwrap_or("");
    if !knowledge::ONCE_EVENTS_OF_LONG_LIVED.contains(&event) {
        return false;
    }
    match call.callee_ref.as_ref() {
        Some(ValueRef { root: Root::Binding(b), props }) if props.len() == 1 => {
            bindings.get(b.0 as usize).is_some_and(|b| b.scope == FnId::MODULE && !b.reassigned)
        }
        _ => false,
    }
}

fn is_empty_body(s: &Stmt) -> bool {
    match s {
        Stmt::Empty(_) => true,
        Stmt::Block(b) => b.stmts.iter().all(is_empty_body),
        _ => false,
    }
}

/// Whether a loop condition reads the clock (`Date.now()`, `new Date()`, `performance.now()`,
/// `process.hrtime`), the shape of a busy-wait.
fn reads_clock(e: &Expr, unresolved: SyntaxContext) -> bool {
    struct Finder {
        unresolved: SyntaxContext,
        found: bool,
    }
    impl Visit for Finder {
        fn visit_member_expr(&mut self, m: &MemberExpr) {
            if let (Expr::Ident(o), Some(p)) = (&*m.obj, prop_name(&m.prop)) {
                if o.ctxt == self.unresolved
                    && matches!(
                        (o.sym.as_str(), p.as_str()),
                        ("Date", "now") | ("performance", "now") | ("process", "hrtime")
                    )
                {
                    self.found = true;
                }
            }
            m.visit_children_with(self);
        }
        fn visit_new_expr(&mut self, n: &NewExpr) {
            if let Expr::Ident(i) = &*n.callee {
                if i.ctxt == self.unresolved && i.sym.as_str() == "Date" {
                    self.found = true;
                }
            }
            n.visit_children_with(self);
        }
        fn visit_function(&mut self, _: &AstFunction) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    }
    let mut f = Finder { unresolved, found: false };
    e.visit_with(&mut f);
    f.found
}

fn decorator_name(d: &Decorator) -> Option<&str> {
    match unwrap_expr(&d.expr) {
        Expr::Call(c) => match &c.callee {
            Callee::Expr(e) => match unwrap_expr(e) {
                Expr::Ident(i) => Some(i.sym.as_str()),
                Expr::Member(m) => match &m.prop {
                    MemberProp::Ident(i) => Some(i.sym.as_str()),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        },
        Expr::Ident(i) => Some(i.sym.as_str()),
        _ => None,
    }
}

fn has_decorator(ds: &[Decorator], names: &[&str]) -> Option<Atom> {
    ds.iter().find_map(|d| decorator_name(d).filter(|n| names.contains(n)).map(Atom::from))
}

impl Visit for Builder {
    fn visit_fn_decl(&mut self, n: &FnDecl) {
        let b = self.declare(&n.ident, BindingKind::Function);
        self.pending = Some(Pending {
            name: Some(n.ident.sym.clone()),
            binding: Some(b),
            kind: Some(FnKind::Declaration),
            ..Default::default()
        });
        self.with_this(None, |s| s.visit_fn_like(&n.function, FnKind::Declaration));
    }

    fn visit_fn_expr(&mut self, n: &FnExpr) {
        let p = self.pending.get_or_insert_with(Default::default);
        if let Some(i) = &n.ident {
            p.name = Some(i.sym.clone());
        }
        if let Some(i) = &n.ident {
            // a named function expression binds its own name inside itself
            let pending = self.pending.take();
            let b = self.declare(i, BindingKind::Function);
            self.pending = pending;
            if self.pending.as_ref().is_some_and(|p| p.binding.is_none()) {
                self.pending.as_mut().unwrap().binding = Some(b);
            }
        }
        self.with_this(None, |s| s.visit_fn_like(&n.function, FnKind::Expression));
    }

    fn visit_function(&mut self, n: &AstFunction) {
        // reached only for functions without a dedicated parent hook (getters, setters)
        self.with_this(None, |s| s.visit_fn_like(n, FnKind::Expression));
    }

    fn visit_return_stmt(&mut self, n: &ReturnStmt) {
        if let Some(arg) = &n.arg {
            self.note_returned(arg);
        }
        n.visit_children_with(self);
    }

    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        if let ArrowFunctionBody::Expr(e) = &*n.body {
            self.note_returned(e);
        }
        let params: Vec<&Pat> = n.params.iter().collect();
        let this = self.this_stack.last().copied().flatten();
        self.enter_fn(n.span, FnKind::Arrow, n.is_async, n.is_generator, &params);
        self.with_this(this, |s| {
            for p in &n.params {
                p.visit_with(s);
            }
            n.body.visit_with(s);
        });
        self.exit_fn();
    }

    fn visit_class(&mut self, n: &swc_ecma_ast::Class) {
        n.decorators.visit_with(self);
        if let Some(s) = &n.super_class {
            s.visit_with(self);
            if let Expr::Ident(i) = unwrap_expr(s) {
                let base = self.model.binding_ids.get(&(i.sym.clone(), i.ctxt)).copied();
                if let Some(Origin::Class(c)) = base.map(|b| self.model.bindings[b.0 as usize].origin.clone()) {
                    if let Some(info) = self.classes.get_mut(c as usize) {
                        info.extended = true;
                    }
                }
            }
        }
        let mut methods = FxHashMap::default();
        for m in &n.body {
            if let ClassMember::Method(m) = m {
                if let Some(k) = prop_key(&m.key) {
                    methods.insert(k, None);
                }
            }
        }
        let entry = has_decorator(&n.decorators, knowledge::ENTRY_CLASS_DECORATORS);
        let idx = self.classes.len();
        let field_types = field_types(&n.body);
        let guarded = has_decorator(&n.decorators, knowledge::GUARD_DECORATORS).is_some();
        self.classes.push(ClassInfo { name: None, methods, entry, extended: false, field_types, guarded });
        self.with_this(Some(idx), |s| {
            for m in &n.body {
                m.visit_with(s);
            }
        });
    }

    fn visit_class_method(&mut self, n: &ClassMethod) {
        let class = self.this_stack.last().copied().flatten();
        let name = prop_key(&n.key);
        let class_entry = class.and_then(|c| self.classes[c].entry.clone());
        let decorated = has_decorator(&n.function.decorators, knowledge::ENTRY_METHOD_DECORATORS);
        let guarded = has_decorator(&n.function.decorators, knowledge::GUARD_DECORATORS).is_some()
            || class.is_some_and(|c| self.classes[c].guarded);
        let by_class = class_entry.filter(|_| {
            n.kind == MethodKind::Method
                && !n.is_static
                && !name.as_ref().is_some_and(|n| knowledge::LIFECYCLE_METHODS.contains(&n.as_str()))
        });
        self.pending = Some(Pending {
            name: name.clone(),
            kind: Some(FnKind::Method),
            decorated_entry: decorated.or(by_class),
            use_: Some(FnUse::Escapes),
            ..Default::default()
        });
        let next = FnId(self.model.functions.len() as u32);
        self.with_this(class, |s| s.visit_fn_like(&n.function, FnKind::Method));
        if let Some(f) = self.model.functions.get_mut(next.0 as usize) {
            f.guarded = guarded;
            f.private = n.accessibility == Some(Accessibility::Private);
        }
        // the implementation, not an overload signature (`load(id: string): Promise<X>;`)
        if let (Some(c), Some(name), true) = (class, name, n.function.body.is_some()) {
            if let Some(slot) = self.classes[c].methods.get_mut(&name) {
                slot.get_or_insert(next);
            }
        }
    }

    fn visit_private_method(&mut self, n: &PrivateMethod) {
        let class = self.this_stack.last().copied().flatten();
        self.pending = Some(Pending {
            name: Some(n.key.name.clone()),
            kind: Some(FnKind::Method),
            use_: Some(FnUse::Escapes),
            ..Default::default()
        });
        let next = FnId(self.model.functions.len() as u32);
        self.with_this(class, |s| s.visit_fn_like(&n.function, FnKind::Method));
        if let Some(f) = self.model.functions.get_mut(next.0 as usize) {
            f.private = true;
        }
    }

    fn visit_constructor(&mut self, n: &Constructor) {
        let class = self.this_stack.last().copied().flatten();
        let pats: Vec<&Pat> = n
            .params
            .iter()
            .filter_map(|p| match p {
                ParamOrTsParamProp::Param(p) => Some(&p.pat),
                ParamOrTsParamProp::TsParamProp(_) => None,
            })
            .collect();
        self.pending =
            Some(Pending { name: Some(Atom::from("constructor")), use_: Some(FnUse::Escapes), ..Default::default() });
        self.enter_fn(n.span, FnKind::Constructor, false, false, &pats);
        self.with_this(class, |s| {
            n.params.visit_with(s);
            n.body.visit_with(s);
        });
        self.exit_fn();
    }

    fn visit_class_prop(&mut self, n: &ClassProp) {
        n.decorators.visit_with(self);
        if let Some(v) = &n.value {
            let class = self.this_stack.last().copied().flatten();
            let class_entry = class.and_then(|c| self.classes[c].entry.clone());
            if matches!(unwrap_expr(v), Expr::Arrow(_) | Expr::Fn(_)) {
                self.pending = Some(Pending {
                    name: prop_key(&n.key),
                    kind: Some(FnKind::Method),
                    use_: Some(FnUse::Escapes),
                    decorated_entry: class_entry.filter(|_| !n.is_static),
                    ..Default::default()
                });
            }
            v.visit_with(self);
        }
    }

    fn visit_method_prop(&mut self, n: &MethodProp) {
        self.pending = Some(Pending {
            name: prop_key(&n.key),
            kind: Some(FnKind::Method),
            use_: Some(FnUse::Escapes),
            ..Default::default()
        });
        self.with_this(None, |s| s.visit_fn_like(&n.function, FnKind::Method));
    }

    fn visit_key_value_prop(&mut self, n: &KeyValueProp) {
        n.key.visit_with(self);
        self.visit_used_value(&n.value, FnUse::Escapes, prop_key(&n.key));
    }

    fn visit_prop(&mut self, n: &Prop) {
        if let Prop::Shorthand(i) = n {
            if !self.is_global(i) {
                let b = self.intern(i);
                self.binding_uses.push((b, FnUse::Escapes));
            }
            return;
        }
        n.visit_children_with(self);
    }

    fn visit_var_decl(&mut self, n: &VarDecl) {
        let saved = self.decl_kind;
        self.decl_kind = match n.kind {
            VarDeclKind::Var => BindingKind::Var,
            VarDeclKind::Let => BindingKind::Let,
            VarDeclKind::Const => BindingKind::Const,
        };
        n.visit_children_with(self);
        self.decl_kind = saved;
    }

    fn visit_var_declarator(&mut self, n: &VarDeclarator) {
        if let (Pat::Ident(b), Some(Expr::This(_))) = (&n.name, n.init.as_deref().map(unwrap_expr)) {
            // `const self = this`: calls through it are calls of `this`'s methods
            let id = self.intern(&b.id);
            let class = self.this_stack.last().copied().flatten();
            let owner = self.this_owner();
            self.this_aliases.insert(id, (class, owner));
        }
        let kind = self.decl_kind;
        let from = n.init.as_deref().and_then(|e| self.value_ref(e));
        self.declare_pat(&n.name, kind, from);
        if let (Pat::Ident(b), Some(_)) = (&n.name, &n.init) {
            let id = self.intern(&b.id);
            self.initialized.insert(id);
        }
        if let (Pat::Ident(b), Some(Expr::Array(_) | Expr::Object(_))) = (&n.name, n.init.as_deref().map(unwrap_expr)) {
            let id = self.intern(&b.id);
            self.model.bindings[id.0 as usize].origin = Origin::Literal;
        }
        let result_of = match (&n.name, n.init.as_deref()) {
            (Pat::Ident(b), Some(init)) => call_span(init).map(|s| (b.id.clone(), s)),
            _ => None,
        };
        if let Some(init) = &n.init {
            if let Pat::Ident(b) = &n.name {
                if matches!(unwrap_expr(init), Expr::Arrow(_) | Expr::Fn(_)) {
                    let id = self.intern(&b.id);
                    self.pending =
                        Some(Pending { name: Some(b.id.sym.clone()), binding: Some(id), ..Default::default() });
                    unwrap_expr(init).visit_with(self);
                    return;
                }
            }
            init.visit_with(self);
        }
        if let Some((ident, span)) = result_of {
            self.note_call_result(&ident, span);
        }
        // `const sdk = { backups, tables }`: its members, once the functions in it have ids
        if let (Pat::Ident(b), Some(Expr::Object(o))) = (&n.name, n.init.as_deref().map(unwrap_expr)) {
            if let Some(shape) = self.object_shape(o) {
                let id = self.intern(&b.id);
                self.model.bindings[id.0 as usize].origin = Origin::Object(shape);
            }
        }
    }

    fn visit_using_decl(&mut self, n: &UsingDecl) {
        let saved = self.decl_kind;
        self.decl_kind = BindingKind::Const;
        n.visit_children_with(self);
        self.decl_kind = saved;
    }

    fn visit_class_decl(&mut self, n: &ClassDecl) {
        let b = self.declare(&n.ident, BindingKind::Class);
        let idx = self.classes.len();
        self.model.bindings[b.0 as usize].origin = Origin::Class(idx as u32);
        n.class.visit_with(self);
        if let Some(c) = self.classes.get_mut(idx) {
            c.name = Some(n.ident.sym.clone());
        }
    }

    fn visit_catch_clause(&mut self, n: &CatchClause) {
        if let Some(p) = &n.param {
            self.declare_pat(p, BindingKind::CatchParam, None);
        }
        n.body.visit_with(self);
    }

    fn visit_import_decl(&mut self, n: &ImportDecl) {
        if n.type_only {
            return;
        }
        let Some(src) = n.src.value.as_str().map(Atom::from) else { return };
        self.note_import(&src);
        for s in &n.specifiers {
            let (local, props) = match s {
                ImportSpecifier::Named(named) => {
                    let imported = match &named.imported {
                        Some(ModuleExportName::Ident(i)) => i.sym.clone(),
                        Some(ModuleExportName::Str(s)) => match s.value.as_str() {
                            Some(v) => Atom::from(v),
                            None => continue,
                        },
                        None => named.local.sym.clone(),
                    };
                    (&named.local, vec![imported])
                }
                ImportSpecifier::Default(d) => (&d.local, vec![Atom::from("default")]),
                ImportSpecifier::Namespace(ns) => (&ns.local, vec![]),
            };
            let id = self.declare(local, BindingKind::Import);
            self.model.bindings[id.0 as usize].origin =
                Origin::Value(ValueRef { root: Root::Module(src.clone()), props: props.into() });
        }
    }

    fn visit_ts_import_equals_decl(&mut self, n: &TsImportEqualsDecl) {
        if let TsModuleRef::TsExternalModuleRef(r) = &n.module_ref {
            let id = self.declare(&n.id, BindingKind::Import);
            if let Some(v) = r.expr.value.as_str() {
                self.model.bindings[id.0 as usize].origin =
                    Origin::Value(ValueRef { root: Root::Module(Atom::from(v)), props: ThinVec::new() });
            }
        }
    }

    fn visit_export_decl(&mut self, n: &ExportDecl) {
        n.decl.visit_with(self);
        let mut names: Vec<&Ident> = Vec::new();
        match &n.decl {
            Decl::Fn(f) => names.push(&f.ident),
            Decl::Class(c) => names.push(&c.ident),
            Decl::Var(v) => {
                for d in &v.decls {
                    if let Pat::Ident(b) = &d.name {
                        names.push(&b.id);
                    }
                }
            }
            _ => {}
        }
        for i in names {
            let b = self.intern(i);
            self.binding_uses.push((b, FnUse::Escapes));
            self.add_export(
                i.sym.clone(),
                ExportTarget::Value(ValueRef { root: Root::Binding(b), props: ThinVec::new() }),
            );
        }
    }

    fn visit_export_default_decl(&mut self, n: &ExportDefaultDecl) {
        if let DefaultDecl::Class(c) = &n.decl {
            // `export default class X {}`: exported as its binding, whose origin is the class
            if let Some(ident) = &c.ident {
                let b = self.declare(ident, BindingKind::Class);
                let idx = self.classes.len();
                self.model.bindings[b.0 as usize].origin = Origin::Class(idx as u32);
                c.class.visit_with(self);
                if let Some(class) = self.classes.get_mut(idx) {
                    class.name = Some(ident.sym.clone());
                }
                self.add_export(
                    Atom::from("default"),
                    ExportTarget::Value(ValueRef { root: Root::Binding(b), props: ThinVec::new() }),
                );
                return;
            }
        }
        let next = FnId(self.model.functions.len() as u32);
        n.visit_children_with(self);
        if let DefaultDecl::Fn(f) = &n.decl {
            if self.model.functions.len() as u32 > next.0 {
                // the function is the first one entered
                let _ = f;
                self.model.functions[next.0 as usize].uses.push(FnUse::Escapes);
                self.add_export(Atom::from("default"), ExportTarget::Function(next));
            }
        }
    }

    fn visit_export_default_expr(&mut self, n: &ExportDefaultExpr) {
        self.visit_used_value(&n.expr, FnUse::Escapes, Some(Atom::from("default")));
        if let Expr::Object(o) = unwrap_expr(&n.expr) {
            if let Some(shape) = self.object_shape(o) {
                self.add_export(Atom::from("default"), ExportTarget::Object(shape));
            }
        } else if let Some(t) = self.export_target(&n.expr) {
            self.add_export(Atom::from("default"), t);
        }
    }

    fn visit_named_export(&mut self, n: &NamedExport) {
        let src = n.src.as_ref().and_then(|s| s.value.as_str()).map(Atom::from);
        if let Some(src) = &src {
            self.note_import(src);
        }
        for spec in &n.specifiers {
            // `export * as configs from './configs'`: the module object under a name
            if let (ExportSpecifier::Namespace(ns), Some(module)) = (spec, &src) {
                let name = match &ns.name {
                    ModuleExportName::Ident(i) => Some(i.sym.clone()),
                    ModuleExportName::Str(s) => s.value.as_str().map(Atom::from),
                };
                if let Some(name) = name {
                    let v = ValueRef { root: Root::Module(module.clone()), props: ThinVec::new() };
                    self.add_export(name, ExportTarget::Value(v));
                }
                continue;
            }
            let ExportSpecifier::Named(named) = spec else { continue };
            let name_of = |m: &ModuleExportName| match m {
                ModuleExportName::Ident(i) => Some(i.sym.clone()),
                ModuleExportName::Str(s) => s.value.as_str().map(Atom::from),
            };
            let Some(orig) = name_of(&named.orig) else { continue };
            let exported = named.exported.as_ref().and_then(name_of).unwrap_or_else(|| orig.clone());
            match (&src, &named.orig) {
                (Some(module), _) => {
                    self.add_export(exported, ExportTarget::ReExport { module: module.clone(), name: orig });
                }
                (None, ModuleExportName::Ident(i)) if !self.is_global(i) => {
                    let b = self.intern(i);
                    self.binding_uses.push((b, FnUse::Escapes));
                    self.add_export(
                        exported,
                        ExportTarget::Value(ValueRef { root: Root::Binding(b), props: ThinVec::new() }),
                    );
                }
                _ => {}
            }
        }
    }

    fn visit_export_all(&mut self, n: &ExportAll) {
        if let Some(src) = n.src.value.as_str().map(Atom::from) {
            self.note_import(&src);
            self.add_export(Atom::from("*"), ExportTarget::ReExportAll { module: src });
        }
    }

    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        match &n.left {
            AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => {
                let id = self.intern(&b.id);
                self.model.bindings[id.0 as usize].reassigned = true;
                self.state_writes.push((self.cur(), Some(id)));
                // `meter ??= new Meter(…)`, `client = new Client(…)`: what it may hold
                let value = match (n.op, unwrap_expr(&n.right)) {
                    (AssignOp::Assign | AssignOp::NullishAssign | AssignOp::OrAssign, e @ Expr::New(_)) => {
                        self.value_ref(e)
                    }
                    _ => None,
                };
                self.assigned_values.push((id, value));
            }
            AssignTarget::Simple(SimpleAssignTarget::Member(m)) => self.note_write(&m.obj),
            AssignTarget::Pat(p) => {
                struct Marker<'a>(&'a mut Builder);
                impl Visit for Marker<'_> {
                    fn visit_binding_ident(&mut self, b: &BindingIdent) {
                        let id = self.0.intern(&b.id);
                        self.0.model.bindings[id.0 as usize].reassigned = true;
                        let f = self.0.cur();
                        self.0.state_writes.push((f, Some(id)));
                    }
                    fn visit_expr(&mut self, _: &Expr) {}
                }
                p.visit_with(&mut Marker(self));
            }
            _ => {}
        }
        n.left.visit_with(self);
        let name = match &n.left {
            AssignTarget::Simple(SimpleAssignTarget::Member(m)) => prop_name(&m.prop),
            AssignTarget::Simple(SimpleAssignTarget::Ident(b)) => Some(b.id.sym.clone()),
            _ => None,
        };
        if let Some(k) = super::once::emptied_by(n, self.top_level) {
            self.emptied.insert(k);
        }
        let saved = self.once.clone();
        if self.once.is_none() {
            self.once = super::once::lazy_assignment(n, self.top_level);
        }
        let value = self.visit_used_value(&n.right, FnUse::Escapes, name);
        self.once = saved;
        // `X.prototype.m = function () {…}` or `= m`: an ES5 method of the constructor `X`
        if let (AssignOp::Assign, Some((ctor, method))) = (n.op, prototype_member(&n.left)) {
            let ctor = self.intern(ctor);
            let f = match (value, unwrap_expr(&n.right)) {
                (Some(f), _) => Some(Ok(f)),
                (None, Expr::Ident(i)) if !self.is_global(i) => Some(Err(self.intern(i))),
                _ => None,
            };
            if let Some(f) = f {
                self.proto_methods.push((ctor, method, f));
            }
        }
        if n.op == AssignOp::Assign {
            self.record_cjs_export(&n.left, &n.right);
        }
    }

    fn visit_if_stmt(&mut self, n: &IfStmt) {
        self.note_tested(&n.test);
        n.test.visit_with(self);
        let top = self.top_level;
        let slot = super::once::empty_test(&n.test, top).filter(|k| super::once::fills(&n.cons, k, top));
        // code only a development or test environment runs is no production request's
        let (dev_cons, dev_alt) = match super::once::environment_test(&n.test) {
            Some(true) => (true, false),
            Some(false) => (false, true),
            None => (false, false),
        };
        let dev = || Some(super::once::DEVELOPMENT.to_string());
        let (holds, fails) = self.branch_tests(&n.test);
        let depth = self.param_tests.len();
        self.param_tests.extend(holds);
        self.visit_once(&*n.cons, if dev_cons { dev() } else { slot });
        self.param_tests.truncate(depth);
        self.param_tests.extend(fails);
        match &n.alt {
            Some(alt) if dev_alt => self.visit_once(&**alt, dev()),
            alt => alt.visit_with(self),
        }
        self.param_tests.truncate(depth);
    }

    fn visit_cond_expr(&mut self, n: &CondExpr) {
        self.note_tested(&n.test);
        n.test.visit_with(self);
        let (holds, fails) = self.branch_tests(&n.test);
        self.with_tests(&holds, &*n.cons);
        self.with_tests(&fails, &*n.alt);
    }

    fn visit_stmts(&mut self, stmts: &[Stmt]) {
        // `if (tpl) return tpl;` then `tpl = …`: what follows the guard runs once
        let (saved, top) = (self.once.clone(), self.top_level);
        for (i, s) in stmts.iter().enumerate() {
            s.visit_with(self);
            if self.once.is_none() {
                if let Some(k) = super::once::early_return_guard(s, top) {
                    if stmts[i + 1..].iter().any(|r| super::once::fills(r, &k, top)) {
                        self.once = Some(k);
                    }
                }
            }
        }
        self.once = saved;
    }

    fn visit_bin_expr(&mut self, n: &BinExpr) {
        if is_comparison(n.op) {
            self.note_tested(&n.left);
            self.note_tested(&n.right);
        }
        // `tpl || (tpl = load())`
        n.left.visit_with(self);
        let slot = super::once::lazy_or(n, self.top_level);
        // `p && f()` runs `f` only when `p` holds; `p || f()` only when it does not
        let tests = match n.op {
            BinaryOp::LogicalAnd => self.branch_tests(&n.left).0,
            BinaryOp::LogicalOr => self.branch_tests(&n.left).1,
            _ => Vec::new(),
        };
        let depth = self.param_tests.len();
        self.param_tests.extend(tests);
        self.visit_once(&*n.right, slot);
        self.param_tests.truncate(depth);
    }

    fn visit_unary_expr(&mut self, n: &UnaryExpr) {
        if matches!(n.op, UnaryOp::Bang | UnaryOp::TypeOf) {
            self.note_tested(&n.arg);
        }
        if n.op == UnaryOp::Delete {
            self.note_write(&n.arg);
            if let Some(k) = super::once::slot(&n.arg, self.top_level) {
                self.emptied.insert(k);
            }
        }
        n.visit_children_with(self);
    }

    fn visit_update_expr(&mut self, n: &UpdateExpr) {
        if let Expr::Ident(i) = unwrap_expr(&n.arg) {
            if !self.is_global(i) {
                let id = self.intern(i);
                self.model.bindings[id.0 as usize].reassigned = true;
            }
        }
        self.note_write(&n.arg);
        n.visit_children_with(self);
    }

    fn visit_expr(&mut self, n: &Expr) {
        match n {
            Expr::Ident(i) if !self.is_global(i) => {
                let b = self.intern(i);
                self.binding_uses.push((b, FnUse::Escapes));
            }
            _ => n.visit_children_with(self),
        }
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        let unresolved = self.model.unresolved;
        if let Some(spec) = module_of_call(n, &|i: &Ident| i.ctxt == unresolved) {
            self.note_import(&spec);
        }
        let callee = match &n.callee {
            Callee::Expr(e) => Some(&**e),
            _ => None,
        };
        self.record_call(n.span, callee, &n.args, false);
    }

    fn visit_new_expr(&mut self, n: &NewExpr) {
        let args = n.args.as_deref().unwrap_or(&[]);
        self.record_call(n.span, Some(&n.callee), args, true);
    }

    fn visit_opt_chain_expr(&mut self, n: &OptChainExpr) {
        match &*n.base {
            OptChainBase::Call(c) => self.record_call(n.span, Some(&c.callee), &c.args, false),
            OptChainBase::Member(m) => m.visit_with(self),
        }
    }

    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        let s = self.model.span(n.span);
        self.cur_fn().awaits.push(s);
        let mut spans = Vec::new();
        settled_calls(&n.arg, self.model.unresolved, &mut spans, 0);
        self.awaited.extend(spans);
        n.arg.visit_with(self);
    }

    fn visit_for_of_stmt(&mut self, n: &ForOfStmt) {
        if n.is_await {
            let s = self.model.span(n.span);
            self.cur_fn().awaits.push(s);
        }
        n.visit_children_with(self);
        // `for (const view of views)`: an element of what `views` came from
        if let ForHead::VarDecl(v) = &n.left {
            if let (Some(Pat::Ident(b)), [_]) = (v.decls.first().map(|d| &d.name), v.decls.as_slice()) {
                let source = match unwrap_expr(&n.right) {
                    Expr::Ident(i) => self.model.binding_ids.get(&(i.sym.clone(), i.ctxt)).and_then(|x| {
                        match self.model.bindings[x.0 as usize].origin {
                            Origin::CallResult(c) => Some(c),
                            _ => None,
                        }
                    }),
                    e => call_span(e).and_then(|s| {
                        let bs = self.model.span(s);
                        self.model.call_by_span.get(&(bs.start, bs.end)).map(|&c| CallId(c))
                    }),
                };
                if let Some(c) = source {
                    let id = self.intern(&b.id);
                    let binding = &mut self.model.bindings[id.0 as usize];
                    if binding.origin == Origin::Unknown {
                        binding.origin = Origin::CallResult(c);
                    }
                }
            }
        }
    }

    fn visit_while_stmt(&mut self, n: &WhileStmt) {
        self.note_tested(&n.test);
        self.check_busy_wait(n.span, Some(&n.test), &n.body);
        n.visit_children_with(self);
    }

    fn visit_do_while_stmt(&mut self, n: &DoWhileStmt) {
        self.note_tested(&n.test);
        self.check_busy_wait(n.span, Some(&n.test), &n.body);
        n.visit_children_with(self);
    }

    fn visit_for_stmt(&mut self, n: &ForStmt) {
        if let Some(t) = &n.test {
            self.note_tested(t);
        }
        self.check_busy_wait(n.span, n.test.as_deref(), &n.body);
        n.visit_children_with(self);
    }

    // type-level syntax names nothing at run time
    crate::skip_typescript_types!();
}
