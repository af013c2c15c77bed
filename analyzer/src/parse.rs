//! Parsing with swc: the right syntax per extension, one SourceMap per file, the resolver run once.
//!
//! Call [`parse`] inside `swc_common::GLOBALS.set(..)` (the engine does this per file): the
//! resolver's marks live in those globals.

use crate::diagnostic::ByteSpan;
use swc_common::comments::SingleThreadedComments;
use swc_common::{sync::Lrc, FileName, Mark, SourceMap, Spanned, SyntaxContext};
use swc_ecma_ast::{EsVersion, Program};
use swc_ecma_parser::{
    parse_file_as_commonjs, parse_file_as_module, parse_file_as_program, EsSyntax, Syntax, TsSyntax,
};
use swc_ecma_transforms_base::resolver;
use swc_ecma_visit::VisitMutWith;

/// How a file is parsed, decided by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// `.js` `.jsx`: script or module, detected; JSX allowed for `.jsx` (and retried for `.js`).
    Js { jsx: bool },
    /// `.mjs`: always a module.
    Mjs,
    /// `.cjs`: CommonJS script.
    Cjs,
    /// `.ts` `.cts` `.mts`, TSX for `.tsx`.
    Ts { tsx: bool, module: bool },
}

/// Extensions loopsafe checks.
pub const EXTENSIONS: &[&str] = &["js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx"];

impl Lang {
    pub fn from_path(path: &str) -> Option<Lang> {
        let ext = path.rsplit_once('.').map(|(_, e)| e)?;
        Some(match ext {
            "js" => Lang::Js { jsx: false },
            "jsx" => Lang::Js { jsx: true },
            "mjs" => Lang::Mjs,
            "cjs" => Lang::Cjs,
            "ts" | "cts" => Lang::Ts { tsx: false, module: false },
            "mts" => Lang::Ts { tsx: false, module: true },
            "tsx" => Lang::Ts { tsx: true, module: false },
            _ => return None,
        })
    }

    pub fn is_typescript(self) -> bool {
        matches!(self, Lang::Ts { .. })
    }
}

/// A comment's text and byte range (kept for suppressions).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Comment {
    pub span: ByteSpan,
    pub text: String,
}

pub struct Parsed {
    pub program: Program,
    /// Offset of the file's first byte in swc's `BytePos` space.
    pub base: u32,
    pub unresolved: SyntaxContext,
    pub top_level: SyntaxContext,
    pub comments: Vec<Comment>,
    /// Errors the parser recovered from; the tree is still usable.
    pub recovered: Vec<ParseError>,
    /// Byte offset of the start of each line after the first (for line numbers in messages).
    pub line_starts: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct ParseError {
    pub message: String,
    pub offset: u32,
}

fn syntax(lang: Lang, dts: bool, jsx: bool) -> Syntax {
    match lang {
        Lang::Ts { tsx, .. } => Syntax::Typescript(TsSyntax { tsx, decorators: true, dts, ..Default::default() }),
        Lang::Js { .. } | Lang::Mjs | Lang::Cjs => Syntax::Es(EsSyntax {
            jsx,
            decorators: true,
            allow_return_outside_function: matches!(lang, Lang::Js { .. } | Lang::Cjs),
            explicit_resource_management: true,
            ..Default::default()
        }),
    }
}

/// Parse `text` (BOM already stripped) and run swc's resolver over it.
pub fn parse(path: &str, text: &str, lang: Lang) -> Result<Parsed, ParseError> {
    let cm: Lrc<SourceMap> = Default::default();
    let fm = cm.new_source_file(Lrc::new(FileName::Custom(path.to_string())), text.to_string());
    let base = fm.start_pos.0;
    let dts = path.ends_with(".d.ts") || path.ends_with(".d.mts") || path.ends_with(".d.cts");
    let comments = SingleThreadedComments::default();
    let mut recovered = Vec::new();
    let first_jsx = matches!(lang, Lang::Js { jsx: true });
    let run = |jsx: bool, recovered: &mut Vec<swc_ecma_parser::error::Error>| {
        let syn = syntax(lang, dts, jsx);
        match lang {
            Lang::Cjs => {
                parse_file_as_commonjs(&fm, syn, EsVersion::latest(), Some(&comments), recovered).map(Program::Script)
            }
            Lang::Mjs | Lang::Ts { module: true, .. } => {
                parse_file_as_module(&fm, syn, EsVersion::latest(), Some(&comments), recovered).map(Program::Module)
            }
            _ => parse_file_as_program(&fm, syn, EsVersion::latest(), Some(&comments), recovered),
        }
    };
    let mut result = run(first_jsx, &mut recovered);
    if result.is_err() && matches!(lang, Lang::Js { jsx: false }) {
        // JSX inside a `.js` file is a fatal error with JSX off: try once more with it on.
        let mut again = Vec::new();
        if let Ok(p) = run(true, &mut again) {
            result = Ok(p);
            recovered = again;
        }
    }
    let to_err = |e: &swc_ecma_parser::error::Error| ParseError {
        message: e.kind().msg().into_owned(),
        offset: e.span().lo.0.saturating_sub(base),
    };
    let mut program = result.map_err(|e| to_err(&e))?;
    let recovered: Vec<ParseError> = recovered.iter().map(to_err).collect();

    let unresolved_mark = Mark::new();
    let top_level_mark = Mark::new();
    program.visit_mut_with(&mut resolver(unresolved_mark, top_level_mark, lang.is_typescript()));

    let (leading, trailing) = comments.take_all();
    let mut kept = Vec::new();
    for map in [leading, trailing] {
        for (_, list) in map.borrow().iter() {
            for c in list {
                // only directives are kept: they are all the model needs comments for
                if !(c.text.contains("loopsafe-") || c.text.contains("eslint-disable")) {
                    continue;
                }
                kept.push(Comment {
                    span: ByteSpan::new(c.span.lo.0.saturating_sub(base), c.span.hi.0.saturating_sub(base)),
                    text: c.text.to_string(),
                });
            }
        }
    }
    kept.sort_by_key(|c| c.span.start);
    kept.dedup_by_key(|c| c.span.start);

    Ok(Parsed {
        program,
        base,
        unresolved: SyntaxContext::empty().apply_mark(unresolved_mark),
        top_level: SyntaxContext::empty().apply_mark(top_level_mark),
        comments: kept,
        recovered,
        line_starts: memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1).collect(),
    })
}
