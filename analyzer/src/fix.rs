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
