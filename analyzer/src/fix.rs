//! Applying suggested fixes, only when asked (`loopsafe check --fix`): edits are applied together
//! when they do not overlap, the result must parse, and the file is replaced atomically.

use crate::diagnostic::{Diagnostic, Edit};
use crate::parse::{self, Lang};

/// The text with every non-overlapping fix applied, and how many fixes went in.
pub fn apply(text: &str, diagnostics: &[Diagnostic]) -> (String, usize) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut count = 0;
    for d in diagnostics.iter().filter(|d| d.suppressed.is_none()) {
        let Some(fix) = &d.fix else { continue };
        let overlaps = fix.edits.iter().any(|e| {
            taken.iter().any(|t| e.span.start < t.span.end && t.span.start < e.span.end)
                || e.span.end as usize > text.len()
                || !text.is_char_boundary(e.span.start as usize)
                || !text.is_char_boundary(e.span.end as usize)
        });
        if !overlaps {
            taken.extend(fix.edits.iter());
            count += 1;
        }
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for e in taken {
        out.push_str(&text[at..e.span.start as usize]);
        out.push_str(&e.replacement);
        at = e.span.end as usize;
    }
    out.push_str(&text[at..]);
    (out, count)
}

/// Whether `text` parses as a file named `path`.
pub fn parses(path: &str, text: &str) -> bool {
    let Some(lang) = Lang::from_path(path) else { return false };
    swc_common::GLOBALS
        .set(&swc_common::Globals::new(), || parse::parse(path, text, lang).is_ok_and(|p| p.recovered.is_empty()))
}

/// Whether the fixed text keeps the program's names: it parses, declares the same names, and
/// leaves the same names unresolved (a rewrite that moved a use out of its declaration's scope, or
/// shadowed one, changes one of the two).
pub fn keeps_bindings(path: &str, before: &str, after: &str) -> bool {
    let Some(lang) = Lang::from_path(path) else { return false };
    let names = |text: &str| -> Option<(Vec<String>, Vec<String>)> {
        let p = parse::parse(path, text, lang).ok().filter(|p| p.recovered.is_empty())?;
        let mut v = Names { unresolved: p.unresolved, declared: Vec::new(), free: Vec::new() };
        swc_ecma_visit::VisitWith::visit_with(&p.program, &mut v);
        v.declared.sort();
        v.free.sort();
        Some((v.declared, v.free))
    };
    swc_common::GLOBALS.set(&swc_common::Globals::new(), || match (names(before), names(after)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    })
}

struct Names {
    unresolved: swc_common::SyntaxContext,
    declared: Vec<String>,
    free: Vec<String>,
}

impl swc_ecma_visit::Visit for Names {
    fn visit_binding_ident(&mut self, n: &swc_ecma_ast::BindingIdent) {
        self.declared.push(n.id.sym.to_string());
    }
    fn visit_fn_decl(&mut self, n: &swc_ecma_ast::FnDecl) {
        self.declared.push(n.ident.sym.to_string());
        swc_ecma_visit::VisitWith::visit_children_with(n, self);
    }
    fn visit_class_decl(&mut self, n: &swc_ecma_ast::ClassDecl) {
        self.declared.push(n.ident.sym.to_string());
        swc_ecma_visit::VisitWith::visit_children_with(n, self);
    }
    fn visit_ident(&mut self, n: &swc_ecma_ast::Ident) {
        // fixes may add `Promise.all`: the one global they bring in
        if n.ctxt == self.unresolved && n.sym.as_str() != "Promise" {
            self.free.push(n.sym.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::keeps_bindings;

    #[test]
    fn a_rewrite_that_moves_a_use_out_of_scope_changes_the_bindings() {
        let before = "async function f(a){ const x = await g(a); const y = await h(a); return [x, y]; }";
        let good = "async function f(a){ const [x, y] = await Promise.all([g(a), h(a)]); return [x, y]; }";
        let bad = "async function f(b){ const [x, y] = await Promise.all([g(a), h(b)]); return [x, y]; }";
        assert!(keeps_bindings("a.js", before, good));
        assert!(!keeps_bindings("a.js", before, bad));
    }
}
