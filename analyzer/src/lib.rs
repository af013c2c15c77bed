//! The loopsafe analyzer: discovery, parsing, the shared per-file model, the engine that runs rules,
//! diagnostics as plain data, and the output formatters.
//!
//! Rules live in the `loopsafe_rules` crate and only read what this crate builds: after the
//! project is linked, each rule runs once per file against [`Facts`] (the file's model and the
//! project's summaries), deciding from facts it never derives itself.

pub mod aliases;
pub mod baseline;
pub mod cache;
pub mod catalog;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod engine;
pub mod fix;
pub mod format;
pub mod knowledge;
pub mod model;
pub mod parse;
pub mod project;
pub mod rule;
pub mod source;
pub mod suppress;

pub use diagnostic::{Diagnostic, Edit, Fix, Label, Severity};
pub use engine::{CheckOptions, FileError, FileReport, Report};
pub use model::FileModel;
pub use rule::{Facts, Rule, RuleInfo, RuleMeta};

#[doc(hidden)]
pub mod __swc {
    pub use swc_common::Spanned;
    pub use swc_ecma_ast as ast;
    pub use swc_ecma_visit::VisitWith;
}

/// Generates `visit_*` methods that enter a node only when `self.<skip>(span)` is false: the shape
/// of a walk that visits only the parts of a file that can matter (rules that asked the model
/// first). Use inside `impl Visit for X { … }`:
/// `visit_unless_skipped!(skip: visit_stmt(Stmt), visit_class_member(ClassMember));`
#[macro_export]
macro_rules! visit_unless_skipped {
    ($skip:ident: $($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method(&mut self, n: &$ty) {
                if !self.$skip($crate::__swc::Spanned::span(n)) {
                    $crate::__swc::VisitWith::visit_children_with(n, self);
                }
            }
        )*
    };
}

/// Generates `visit_*` methods that skip TypeScript type syntax: types hold no expressions,
/// declarations or calls, so no walk over a program needs to enter them.
#[macro_export]
macro_rules! skip_typescript_types {
    () => {
        fn visit_ts_type(&mut self, _: &$crate::__swc::ast::TsType) {}
        fn visit_ts_type_ann(&mut self, _: &$crate::__swc::ast::TsTypeAnn) {}
        fn visit_ts_type_param_decl(&mut self, _: &$crate::__swc::ast::TsTypeParamDecl) {}
        fn visit_ts_type_param_instantiation(&mut self, _: &$crate::__swc::ast::TsTypeParamInstantiation) {}
        fn visit_ts_interface_decl(&mut self, _: &$crate::__swc::ast::TsInterfaceDecl) {}
        fn visit_ts_type_alias_decl(&mut self, _: &$crate::__swc::ast::TsTypeAliasDecl) {}
    };
}
