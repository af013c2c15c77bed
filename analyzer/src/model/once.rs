//! One-time initialisation of shared state: code that runs on the first call only.
//!
//! ```js
//! let template;
//! function render(data) {
//!   if (!template) template = fs.readFileSync('invite.html', 'utf8'); // the first request only
//!   return fill(template, data);
//! }
//! ```
//!
//! A slot is a place that outlives the call: a module-level variable (`template`), a field of
//! `this` (`this.schema`), or a fixed member path of either (`cache.layout`). A local variable is
//! no slot (its guard passes on every call), and neither is a keyed entry (`cache[name]`,
//! `map.has(id)`): it fills once per key, and nothing says how many keys there are.
//!
//! Shapes recognised: `if (!slot) { … slot = …; }` (also `slot == null`, `=== undefined`, and
//! either side of an `&&`: `if (theme && !themeLoaded)`) where the
//! block assigns the slot unconditionally, an early return `if (slot) return slot;` followed by a
//! statement that assigns it, and the expressions `slot ??= …`, `slot ||= …`, `slot = slot || …`,
//! `slot || (slot = …)`. The builder drops the mark when the file ever empties the slot again
//! (`slot = null`, `busy = false`, `delete slot`): then the guard is a flag, not a cache.

use super::build::unwrap_expr;
use crate::knowledge::camel_words;
use swc_common::SyntaxContext;
use swc_ecma_ast::*;

/// The slot an expression names, as a key (`template`, `this.schema`, `cache.layout`). `top` is
/// the syntax context of module-level bindings.
pub fn slot(e: &Expr, top: SyntaxContext) -> Option<String> {
    let key = slot_key(e, top)?;
    (key != "this").then_some(key)
}

fn slot_key(e: &Expr, top: SyntaxContext) -> Option<String> {
    match unwrap_expr(e) {
        Expr::Ident(i) if i.ctxt == top => Some(i.sym.to_string()),
        Expr::This(_) => Some("this".to_string()),
        Expr::Member(m) => member_key(m, top),
        _ => None,
    }
}

fn member_key(m: &MemberExpr, top: SyntaxContext) -> Option<String> {
    let base = slot_key(&m.obj, top)?;
    let prop = match &m.prop {
        MemberProp::Ident(p) => p.sym.to_string(),
        MemberProp::PrivateName(p) => format!("#{}", p.name),
        MemberProp::Computed(_) => return None,
    };
    Some(format!("{base}.{prop}"))
}

/// The slot an assignment writes.
pub fn target_slot(t: &AssignTarget, top: SyntaxContext) -> Option<String> {
    match t {
        AssignTarget::Simple(SimpleAssignTarget::Ident(b)) if b.id.ctxt == top => Some(b.id.sym.to_string()),
        AssignTarget::Simple(SimpleAssignTarget::Member(m)) => member_key(m, top).filter(|k| k != "this"),
        _ => None,
    }
}

/// The slot a test says is still empty: `!slot`, `slot == null`, `slot === undefined`.
pub fn empty_test(test: &Expr, top: SyntaxContext) -> Option<String> {
    match unwrap_expr(test) {
        Expr::Unary(u) if u.op == UnaryOp::Bang => slot(&u.arg, top),
        Expr::Bin(b) if matches!(b.op, BinaryOp::EqEq | BinaryOp::EqEqEq) => nullish_compare(b, top),
        // `if (theme && !themeLoaded) { …; themeLoaded = true; }`: still once, on fewer calls
        Expr::Bin(b) if b.op == BinaryOp::LogicalAnd => empty_test(&b.left, top).or_else(|| empty_test(&b.right, top)),
        _ => None,
    }
}

/// The slot a test says is filled: `slot`, `slot != null`, `slot !== undefined`.
fn filled_test(test: &Expr, top: SyntaxContext) -> Option<String> {
    match unwrap_expr(test) {
        Expr::Bin(b) if matches!(b.op, BinaryOp::NotEq | BinaryOp::NotEqEq) => nullish_compare(b, top),
        e => slot(e, top),
    }
}

fn nullish_compare(b: &BinExpr, top: SyntaxContext) -> Option<String> {
    if is_empty_value(&b.right) {
        slot(&b.left, top)
    } else if is_empty_value(&b.left) {
        slot(&b.right, top)
    } else {
        None
    }
}

/// `null`, `undefined`, `void 0`, `false`, `0`, `''`: what empties a slot again.
fn is_empty_value(e: &Expr) -> bool {
    match unwrap_expr(e) {
        Expr::Lit(Lit::Null(_)) => true,
        Expr::Lit(Lit::Bool(b)) => !b.value,
        Expr::Lit(Lit::Num(n)) => n.value == 0.0,
        Expr::Lit(Lit::Str(s)) => s.value.is_empty(),
        Expr::Ident(i) => i.sym.as_str() == "undefined",
        Expr::Unary(u) => u.op == UnaryOp::Void,
        _ => false,
    }
}

/// The slot an assignment empties (`tpl = null`, `this.busy = false`).
pub fn emptied_by(n: &AssignExpr, top: SyntaxContext) -> Option<String> {
    (n.op == AssignOp::Assign && is_empty_value(&n.right)).then(|| target_slot(&n.left, top)).flatten()
}

/// Whether statement `s` assigns the slot `key` itself, unconditionally: `key = …;`, or in a
/// block (or a `try` block) one of whose own statements does.
pub fn fills(s: &Stmt, key: &str, top: SyntaxContext) -> bool {
    match s {
        Stmt::Block(b) => b.stmts.iter().any(|s| fills(s, key, top)),
        Stmt::Try(t) => t.block.stmts.iter().any(|s| fills(s, key, top)),
        Stmt::Expr(e) => assigns(&e.expr, key, top),
        Stmt::Return(r) => r.arg.as_deref().is_some_and(|e| assigns(e, key, top)),
        _ => false,
    }
}

fn assigns(e: &Expr, key: &str, top: SyntaxContext) -> bool {
    match unwrap_expr(e) {
        Expr::Assign(a) => target_slot(&a.left, top).is_some_and(|k| k == key) || assigns(&a.right, key, top),
        Expr::Seq(s) => s.exprs.iter().any(|e| assigns(e, key, top)),
        _ => false,
    }
}

/// `if (slot) return …;` (no `else`): the slot it checks, when the statement is such a guard.
pub fn early_return_guard(s: &Stmt, top: SyntaxContext) -> Option<String> {
    let Stmt::If(i) = s else { return None };
    if i.alt.is_some() {
        return None;
    }
    let returns = match &*i.cons {
        Stmt::Return(_) => true,
        Stmt::Block(b) => matches!(b.stmts.last(), Some(Stmt::Return(_))),
        _ => false,
    };
    if returns {
        filled_test(&i.test, top)
    } else {
        None
    }
}

/// The slot whose right side fills it only when empty: `slot ??= …`, `slot ||= …`,
/// `slot = slot || …` / `?? …`.
pub fn lazy_assignment(n: &AssignExpr, top: SyntaxContext) -> Option<String> {
    if !matches!(n.op, AssignOp::NullishAssign | AssignOp::OrAssign | AssignOp::Assign) {
        return None;
    }
    let key = target_slot(&n.left, top)?;
    let lazy = match n.op {
        AssignOp::NullishAssign | AssignOp::OrAssign => true,
        _ => match unwrap_expr(&n.right) {
            Expr::Bin(b) if matches!(b.op, BinaryOp::LogicalOr | BinaryOp::NullishCoalescing) => {
                slot(&b.left, top).is_some_and(|k| k == key)
            }
            _ => false,
        },
    };
    lazy.then_some(key)
}

/// `slot || (slot = …)`, `slot ?? (slot = …)`: the slot the right side fills when empty.
pub fn lazy_or(b: &BinExpr, top: SyntaxContext) -> Option<String> {
    if !matches!(b.op, BinaryOp::LogicalOr | BinaryOp::NullishCoalescing) {
        return None;
    }
    let key = slot(&b.left, top)?;
    match unwrap_expr(&b.right) {
        Expr::Assign(a) if a.op == AssignOp::Assign && target_slot(&a.left, top).is_some_and(|k| k == key) => Some(key),
        _ => None,
    }
}

/// The slot of code only a development or test environment runs (never emptied): its calls are
/// marked like first-call-only code, since no production request runs them.
pub const DEVELOPMENT: &str = "<development>";

/// Whether a test says the environment is development or test (`Some(true)`:
/// `process.env.NODE_ENV === 'development'`, `env.isDev()`, `isTest`) or production
/// (`Some(false)`: `NODE_ENV === 'production'`, `env.isProd()`); `!` and `!==` flip it.
pub fn environment_test(test: &Expr) -> Option<bool> {
    match unwrap_expr(test) {
        Expr::Unary(u) if u.op == UnaryOp::Bang => environment_test(&u.arg).map(|d| !d),
        Expr::Bin(b) if matches!(b.op, BinaryOp::EqEq | BinaryOp::EqEqEq | BinaryOp::NotEq | BinaryOp::NotEqEq) => {
            let eq = matches!(b.op, BinaryOp::EqEq | BinaryOp::EqEqEq);
            let (env, value) = match (node_env(&b.left), node_env(&b.right)) {
                (true, _) => (true, &b.right),
                (_, true) => (true, &b.left),
                _ => (false, &b.left),
            };
            if !env {
                return None;
            }
            let Expr::Lit(Lit::Str(v)) = unwrap_expr(value) else { return None };
            let dev = match v.value.as_str()? {
                "development" | "dev" | "test" | "testing" | "local" => true,
                "production" | "prod" => false,
                _ => return None,
            };
            Some(dev == eq)
        }
        // `env.isDev()`, `config.isTest`, `isDevelopment()`
        Expr::Call(c) if c.args.is_empty() => match &c.callee {
            Callee::Expr(e) => environment_name(e),
            _ => None,
        },
        e => environment_name(e),
    }
}

/// `process.env.NODE_ENV` (or `process.env["NODE_ENV"]`).
fn node_env(e: &Expr) -> bool {
    let Expr::Member(m) = unwrap_expr(e) else { return false };
    let is_name = match &m.prop {
        MemberProp::Ident(p) => p.sym.as_str() == "NODE_ENV",
        MemberProp::Computed(c) => {
            matches!(unwrap_expr(&c.expr), Expr::Lit(Lit::Str(s)) if s.value.as_str() == Some("NODE_ENV"))
        }
        _ => false,
    };
    is_name
        && matches!(unwrap_expr(&m.obj), Expr::Member(o) if matches!(&o.prop, MemberProp::Ident(p) if p.sym.as_str() == "env"))
}

/// A name that says which environment this is: `isDev`, `isDevelopment`, `isTest`, `isProd`,
/// `isProduction` (alone or as the last member).
fn environment_name(e: &Expr) -> Option<bool> {
    let name = match unwrap_expr(e) {
        Expr::Ident(i) => i.sym.clone(),
        Expr::Member(m) => match &m.prop {
            MemberProp::Ident(p) => p.sym.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let words: Vec<&str> = camel_words(&name).collect();
    match words.as_slice() {
        [is, w] if is.eq_ignore_ascii_case("is") => match w.to_ascii_lowercase().as_str() {
            "dev" | "development" | "test" | "testing" => Some(true),
            "prod" | "production" => Some(false),
            _ => None,
        },
        _ => None,
    }
}
