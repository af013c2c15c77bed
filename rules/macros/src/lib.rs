//! `#[rule(...)]`: turns a rule struct's doc comment and arguments into its [`RuleMeta`], and
//! rejects at compile time a rule whose docs lack the required sections or whose id is not
//! kebab-case or does not match its file name.
//!
//! ```ignore
//! /// One-line summary.
//! ///
//! /// ## What it finds
//! /// ...
//! /// ## Why it matters
//! /// ...
//! /// ## Examples
//! /// ```js
//! /// bad();
//! /// ```
//! /// ```js
//! /// good();
//! /// ```
//! /// ## How to fix
//! /// ...
//! #[rule(id = "blocking-call", severity = "error", category = "correctness", fixable = false)]
//! pub struct BlockingCall;
//! ```

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{parse_macro_input, Expr, ExprLit, ItemStruct, Lit, Meta, MetaNameValue, Token};

/// The sections every rule's doc comment must have, in this order.
const SECTIONS: &[&str] = &["## What it finds", "## Why it matters", "## Examples", "## How to fix"];

#[proc_macro_attribute]
pub fn rule(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = match Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse(attr) {
        Ok(a) => a,
        Err(e) => return e.to_compile_error().into(),
    };
    let item = parse_macro_input!(item as ItemStruct);
    match expand(args, item) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn str_arg(nv: &MetaNameValue) -> syn::Result<(String, Span)> {
    match &nv.value {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Ok((s.value(), s.span())),
        other => Err(syn::Error::new_spanned(other, "expected a string literal")),
    }
}

fn bool_arg(nv: &MetaNameValue) -> syn::Result<bool> {
    match &nv.value {
        Expr::Lit(ExprLit { lit: Lit::Bool(b), .. }) => Ok(b.value),
        other => Err(syn::Error::new_spanned(other, "expected `true` or `false`")),
    }
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn expand(args: Punctuated<MetaNameValue, Token![,]>, item: ItemStruct) -> syn::Result<proc_macro2::TokenStream> {
    let mut id = None;
    let mut severity = None;
    let mut category = String::from("correctness");
    let mut fixable = false;
    for nv in &args {
        let key = nv.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        match key.as_str() {
            "id" => id = Some(str_arg(nv)?),
            "severity" => severity = Some(str_arg(nv)?),
            "category" => category = str_arg(nv)?.0,
            "fixable" => fixable = bool_arg(nv)?,
            _ => {
                return Err(syn::Error::new_spanned(
                    &nv.path,
                    "unknown argument: expected id, severity, category or fixable",
                ))
            }
        }
    }
    let (id, id_span) = id.ok_or_else(|| syn::Error::new(Span::call_site(), "missing `id = \"rule-id\"`"))?;
    if !is_kebab(&id) {
        return Err(syn::Error::new(
            id_span,
            format!("rule id `{id}` is not kebab-case (lowercase words joined by `-`)"),
        ));
    }
    let (severity, sev_span) =
        severity.ok_or_else(|| syn::Error::new(Span::call_site(), "missing `severity = \"error\" | \"warning\"`"))?;
    let severity = match severity.as_str() {
        "error" => quote!(::loopsafe_analyzer::Severity::Error),
        "warning" => quote!(::loopsafe_analyzer::Severity::Warning),
        _ => return Err(syn::Error::new(sev_span, "severity must be \"error\" or \"warning\"")),
    };

    // the doc comment, one line per `#[doc]`
    let mut lines = Vec::new();
    for attr in &item.attrs {
        if let Meta::NameValue(nv) = &attr.meta {
            if nv.path.is_ident("doc") {
                if let Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) = &nv.value {
                    let v = s.value();
                    lines.push(v.strip_prefix(' ').unwrap_or(&v).to_string());
                }
            }
        }
    }
    let docs = lines.join("\n");
    let name = &item.ident;
    // the first paragraph, however many lines it is wrapped on: a summary cut at the first line
    // break ends mid-sentence
    let summary = lines
        .iter()
        .map(|l| l.trim())
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if summary.is_empty() || summary.starts_with('#') {
        return Err(syn::Error::new_spanned(name, "the rule's doc comment must start with a one-line summary"));
    }
    let mut last = 0;
    for s in SECTIONS {
        match lines.iter().position(|l| l.trim_end() == *s) {
            None => {
                return Err(syn::Error::new_spanned(name, format!("the rule's doc comment lacks the section `{s}`")))
            }
            Some(p) if p < last => {
                return Err(syn::Error::new_spanned(
                    name,
                    format!("section `{s}` is out of order: expected {}", SECTIONS.join(", ")),
                ))
            }
            Some(p) => last = p,
        }
    }
    let examples = section(&lines, "## Examples");
    let fences = examples.iter().filter(|l| l.trim_start().starts_with("```")).count();
    if fences < 4 {
        return Err(syn::Error::new_spanned(name, "`## Examples` must hold a bad and a good code block"));
    }
    let file_stem = id.replace('-', "_");
    let message = format!("rule `{id}` must live in a file named `{file_stem}.rs`");
    Ok(quote! {
        #item

        impl #name {
            pub const META: ::loopsafe_analyzer::RuleMeta = ::loopsafe_analyzer::RuleMeta {
                id: #id,
                default_severity: #severity,
                category: #category,
                fixable: #fixable,
                summary: #summary,
                docs: #docs,
            };
        }

        impl ::loopsafe_analyzer::rule::RuleInfo for #name {
            fn meta(&self) -> &'static ::loopsafe_analyzer::RuleMeta {
                &Self::META
            }
        }

        const _: () = assert!(::loopsafe_analyzer::rule::file_stem_is(file!(), #file_stem), #message);
    })
}

fn section<'a>(lines: &'a [String], title: &str) -> &'a [String] {
    let start = lines.iter().position(|l| l.trim_end() == title).map(|p| p + 1).unwrap_or(lines.len());
    let end = lines[start..].iter().position(|l| l.starts_with("## ")).map(|p| start + p).unwrap_or(lines.len());
    &lines[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(attr: &str, item: &str) -> Result<String, String> {
        let args = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse_str(attr).unwrap();
        let item: ItemStruct = syn::parse_str(item).unwrap();
        expand(args, item).map(|t| t.to_string()).map_err(|e| e.to_string())
    }

    const GOOD_DOC: &str = r#"
        /// Summary line.
        ///
        /// ## What it finds
        /// x
        /// ## Why it matters
        /// y
        /// ## Examples
        /// ```js
        /// bad();
        /// ```
        /// ```js
        /// good();
        /// ```
        /// ## How to fix
        /// z
        pub struct SomeRule;
    "#;

    #[test]
    fn accepts_a_complete_rule() {
        let out = run(r#"id = "some-rule", severity = "warning""#, GOOD_DOC).unwrap();
        assert!(out.contains("META"));
        assert!(out.contains("file_stem_is"));
    }

    #[test]
    fn the_summary_is_the_whole_first_paragraph() {
        let doc = GOOD_DOC.replace("/// Summary line.\n", "/// Summary that is wrapped\n        /// onto two lines.\n");
        let out = run(r#"id = "some-rule", severity = "warning""#, &doc).unwrap();
        assert!(out.contains("\"Summary that is wrapped onto two lines.\""), "{out}");
    }

    #[test]
    fn rejects_missing_sections() {
        let doc = GOOD_DOC.replace("/// ## Why it matters\n", "");
        let err = run(r#"id = "some-rule", severity = "warning""#, &doc).unwrap_err();
        assert!(err.contains("lacks the section `## Why it matters`"), "{err}");
    }

    #[test]
    fn rejects_examples_without_bad_and_good_blocks() {
        let doc = GOOD_DOC.replace("/// ```js\n        /// good();\n        /// ```\n", "");
        let err = run(r#"id = "some-rule", severity = "warning""#, &doc).unwrap_err();
        assert!(err.contains("a bad and a good code block"), "{err}");
    }

    #[test]
    fn rejects_ids_that_are_not_kebab_case() {
        let err = run(r#"id = "Some_Rule", severity = "warning""#, GOOD_DOC).unwrap_err();
        assert!(err.contains("kebab-case"), "{err}");
        let err = run(r#"id = "some-rule", severity = "fatal""#, GOOD_DOC).unwrap_err();
        assert!(err.contains("severity"), "{err}");
    }
}
