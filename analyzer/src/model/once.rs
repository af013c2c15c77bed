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
//! `this` (`this.schema`), or a member of either (`cache.tpl`, `cache[name]`, a `Map` read with
//! `has`/`get` and filled with `set`). A local variable is no slot: its guard passes on every call.
//! The model marks the calls that fill a slot behind such a guard ([`super::CallSite::once`]);
//! blocking-call lets them be (they block once, like a `require` in a handler).
//!
//! Shapes recognised: `if (!slot) { … slot = … }` (also `slot == null`, `=== undefined`,
//! `!map.has(k)` with `map.set(k, …)`), an early return `if (slot) return slot;` followed by the
//! assignment, and the expressions `slot ??= …`, `slot ||= …`, `slot = slot || …`,
//! `slot || (slot = …)`.

use super::build::unwrap_expr;
use swc_common::SyntaxContext;
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// The slot an expression names, as a key (`template`, `this.schema`, `cache.[]`). `top` is the
/// syntax context of module-level bindings.
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
        MemberProp::Computed(_) => "[]".to_string(),
    };
    Some(format!("{base}.{prop}"))
}

/// The slot an assignment writes.
fn target_slot(t: &AssignTarget, top: SyntaxContext) -> Option<String> {
    match t {
        AssignTarget::Simple(SimpleAssignTarget::Ident(b)) if b.id.ctxt == top => Some(b.id.sym.to_string()),
        AssignTarget::Simple(SimpleAssignTarget::Member(m)) => member_key(m, top).filter(|k| k != "this"),
        _ => None,
    }
}

/// The slot a test says is still empty: `!slot`, `slot == null`, `slot === undefined`,
/// `!map.has(key)` (the slot `map.[]`).
pub fn empty_test(test: &Expr, top: SyntaxContext) -> Option<String> {
    match unwrap_expr(test) {
        Expr::Unary(u) if u.op == UnaryOp::Bang => match unwrap_expr(&u.arg) {
            Expr::Call(c) => map_has(c, top),
            e => slot(e, top),
        },
        Expr::Bin(b) if matches!(b.op, BinaryOp::EqEq | BinaryOp::EqEqEq) => nullish_compare(b, top),
        _ => None,
    }
}

/// The slot a test says is filled: `slot`, `slot != null`, `slot !== undefined`, `map.has(key)`.
fn filled_test(test: &Expr, top: SyntaxContext) -> Option<String> {
    match unwrap_expr(test) {
        Expr::Call(c) => map_has(c, top),
        Expr::Bin(b) if matches!(b.op, BinaryOp::NotEq | BinaryOp::NotEqEq) => nullish_compare(b, top),
        e => slot(e, top),
    }
}

fn nullish_compare(b: &BinExpr, top: SyntaxContext) -> Option<String> {
    let nullish = |e: &Expr| match unwrap_expr(e) {
        Expr::Lit(Lit::Null(_)) => true,
        Expr::Ident(i) => i.sym.as_str() == "undefined",
        _ => false,
    };
    if nullish(&b.right) {
        slot(&b.left, top)
    } else if nullish(&b.left) {
        slot(&b.right, top)
    } else {
        None
    }
}

/// `map.has(key)` on a slot: the slot of its entries.
fn map_has(c: &CallExpr, top: SyntaxContext) -> Option<String> {
    let Callee::Expr(callee) = &c.callee else { return None };
    let Expr::Member(m) = unwrap_expr(callee) else { return None };
    match &m.prop {
        MemberProp::Ident(p) if p.sym.as_str() == "has" => Some(format!("{}.[]", slot(&m.obj, top)?)),
        _ => None,
    }
}

/// Whether `node` assigns the slot `key` (`key = …`, `map.set(k, …)` for `map.[]`), outside
/// nested functions.
pub fn fills<N: VisitWith<Filler>>(node: &N, key: &str, top: SyntaxContext) -> bool {
    let mut f = Filler { key: key.to_string(), top, found: false };
    node.visit_with(&mut f);
    f.found
}

pub struct Filler {
    key: String,
    top: SyntaxContext,
    found: bool,
}

impl Visit for Filler {
    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        if target_slot(&n.left, self.top).is_some_and(|k| k == self.key) {
            self.found = true;
        }
        n.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, n: &CallExpr) {
        if let Callee::Expr(callee) = &n.callee {
            if let Expr::Member(m) = unwrap_expr(callee) {
                let set = matches!(&m.prop, MemberProp::Ident(p) if p.sym.as_str() == "set");
                if set && slot(&m.obj, self.top).is_some_and(|s| format!("{s}.[]") == self.key) {
                    self.found = true;
                }
            }
        }
        n.visit_children_with(self);
    }

    fn visit_function(&mut self, _: &Function) {}
    fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
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

/// The right side of an assignment that fills its slot only when empty: `slot ??= …`,
/// `slot ||= …`, `slot = slot || …` / `?? …`.
pub fn lazy_assignment(n: &AssignExpr, top: SyntaxContext) -> bool {
    if !matches!(n.op, AssignOp::NullishAssign | AssignOp::OrAssign | AssignOp::Assign) {
        return false;
    }
    let Some(key) = target_slot(&n.left, top) else { return false };
    match n.op {
        AssignOp::NullishAssign | AssignOp::OrAssign => true,
        AssignOp::Assign => match unwrap_expr(&n.right) {
            Expr::Bin(b) if matches!(b.op, BinaryOp::LogicalOr | BinaryOp::NullishCoalescing) => {
                slot(&b.left, top).is_some_and(|k| k == key)
            }
            _ => false,
        },
        _ => false,
    }
}

/// `slot || (slot = …)`, `slot ?? (slot = …)`: the right side fills the slot when empty.
pub fn lazy_or(b: &BinExpr, top: SyntaxContext) -> bool {
    if !matches!(b.op, BinaryOp::LogicalOr | BinaryOp::NullishCoalescing) {
        return false;
    }
    let Some(key) = slot(&b.left, top) else { return false };
    matches!(unwrap_expr(&b.right), Expr::Assign(a) if a.op == AssignOp::Assign && fills(a, &key, top))
}
