//! What an expression reads: the bindings it references, those it hands whole to a call, and
//! whether it does anything besides (awaits, assignments). Shared by the model's extraction
//! passes; computed from the resolved tree while it is alive.

use super::{BindingId, FileModel};
use swc_ecma_ast::*;
use swc_ecma_visit::{Visit, VisitWith};

/// The bindings an expression (or statement) reads, and how.
#[derive(Clone, Debug, Default)]
pub struct Refs {
    /// Every binding referenced, also inside nested functions (sorted, no repeats).
    pub all: Vec<BindingId>,
    /// Bindings passed whole to a call (an argument, or an element or property value of a literal
    /// argument): the callee may change them.
    pub whole: Vec<BindingId>,
    /// An await, yield, assignment or update outside nested functions.
    pub side_effects: bool,
}

impl Refs {
    pub fn reads(&self, b: BindingId) -> bool {
        self.all.binary_search_by_key(&b.0, |x| x.0).is_ok()
    }
}

/// The references of `node`.
pub fn refs_of<'a, T: VisitWith<RefsVisitor<'a>>>(m: &'a FileModel, node: &T) -> Refs {
    let mut v = RefsVisitor { m, r: Refs::default(), depth: 0 };
    node.visit_with(&mut v);
    for list in [&mut v.r.all, &mut v.r.whole] {
        list.sort_unstable_by_key(|b| b.0);
        list.dedup();
    }
    v.r
}

pub struct RefsVisitor<'a> {
    m: &'a FileModel,
    r: Refs,
    depth: u32,
}

impl Visit for RefsVisitor<'_> {
    fn visit_ident(&mut self, i: &Ident) {
        if let Some(b) = self.m.binding_of(i) {
            self.r.all.push(b);
        }
    }
    fn visit_await_expr(&mut self, n: &AwaitExpr) {
        self.r.side_effects |= self.depth == 0;
        n.visit_children_with(self);
    }
    fn visit_yield_expr(&mut self, n: &YieldExpr) {
        self.r.side_effects |= self.depth == 0;
        n.visit_children_with(self);
    }
    fn visit_assign_expr(&mut self, n: &AssignExpr) {
        self.r.side_effects |= self.depth == 0;
        n.visit_children_with(self);
    }
    fn visit_update_expr(&mut self, n: &UpdateExpr) {
        self.r.side_effects |= self.depth == 0;
        n.visit_children_with(self);
    }
    fn visit_call_expr(&mut self, n: &CallExpr) {
        if self.depth == 0 {
            for a in &n.args {
                whole_bindings(self.m, &a.expr, &mut self.r.whole);
            }
        }
        n.visit_children_with(self);
    }
    fn visit_function(&mut self, n: &Function) {
        self.depth += 1;
        n.visit_children_with(self);
        self.depth -= 1;
    }
    fn visit_arrow_expr(&mut self, n: &ArrowExpr) {
        self.depth += 1;
        n.visit_children_with(self);
        self.depth -= 1;
    }
    crate::skip_typescript_types!();
}

fn whole_bindings(m: &FileModel, e: &Expr, out: &mut Vec<BindingId>) {
    match super::unwrap_expr(e) {
        Expr::Ident(i) => out.extend(m.binding_of(i)),
        Expr::Object(o) => {
            for p in &o.props {
                match p {
                    PropOrSpread::Prop(p) => match &**p {
                        Prop::Shorthand(i) => out.extend(m.binding_of(i)),
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
pub fn is_inert(e: &Expr) -> bool {
    struct V(bool);
    impl Visit for V {
        fn visit_expr(&mut self, e: &Expr) {
            if matches!(
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
            ) {
                self.0 = true;
            }
            e.visit_children_with(self);
        }
        fn visit_function(&mut self, _: &Function) {}
        fn visit_arrow_expr(&mut self, _: &ArrowExpr) {}
    }
    let mut v = V(false);
    e.visit_with(&mut v);
    !v.0
}

/// The bindings a pattern declares.
pub fn pattern_bindings(m: &FileModel, p: &Pat) -> Vec<BindingId> {
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
pub fn pattern_has_effects(p: &Pat) -> bool {
    struct V(bool);
    impl Visit for V {
        fn visit_expr(&mut self, e: &Expr) {
            self.0 |= !is_inert(e);
        }
    }
    let mut v = V(false);
    p.visit_with(&mut v);
    v.0
}
