//! Source text as read from disk, and the mapping from byte offsets to 1-based lines and
//! UTF-16 columns (the unit ESLint, SARIF and LSP clients count in).

use std::sync::{Arc, OnceLock};

/// One source file's text with a line index, built on first use (most files never need one:
/// only findings and errors are placed on lines). Cheap to clone.
#[derive(Clone, Debug)]
pub struct SourceText {
    text: Arc<str>,
    line_starts: Arc<OnceLock<Box<[u32]>>>,
}

/// A 1-based line and a 1-based column counted in UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

impl SourceText {
    pub fn new(text: impl Into<Arc<str>>) -> Self {
        SourceText { text: text.into(), line_starts: Arc::new(OnceLock::new()) }
    }

    fn starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            let bytes = self.text.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                match b {
                    b'\n' => starts.push(i as u32 + 1),
                    b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i as u32 + 1),
                    _ => {}
                }
            }
            starts.into_boxed_slice()
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn arc(&self) -> Arc<str> {
        self.text.clone()
    }

    /// Byte offset → 1-based line and UTF-16 column. Offsets past the end clamp to the end.
    pub fn position(&self, offset: u32) -> Position {
        let offset = (offset as usize).min(self.text.len());
        let line = match self.starts().binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts()[line] as usize;
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column: usize = self.text[start..end].chars().map(char::len_utf16).sum();
        Position { line: line as u32 + 1, column: column as u32 + 1 }
    }

    /// The text of the 1-based line `line`, without its line terminator.
    pub fn line_text(&self, line: u32) -> &str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.starts().get(i) else { return "" };
        let end = self.starts().get(i + 1).map(|&e| e as usize).unwrap_or(self.text.len());
        self.text[start as usize..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset of a 1-based line and UTF-16 column (the inverse of [`Self::position`]),
    /// clamped to the line's end. Used by the editor integration.
    pub fn offset_of(&self, line: u32, column: u32) -> u32 {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.starts().get(i) else { return self.text.len() as u32 };
        let line_str = self.line_text(line);
        let mut units = 0u32;
        let want = column.saturating_sub(1);
        for (b, ch) in line_str.char_indices() {
            if units >= want {
                return start + b as u32;
            }
            units += ch.len_utf16() as u32;
        }
        start + line_str.len() as u32
    }

    pub fn line_count(&self) -> u32 {
        self.starts().len() as u32
    }

    /// Byte offset → index in the text as a JavaScript string (UTF-16 code units from the
    /// start): what `text.slice(start, end)` in Node and ESLint's `fix.range` count. Offsets past
    /// the end clamp to the end; an offset inside a character counts from that character's start.
    pub fn utf16_offset(&self, offset: u32) -> u32 {
        let mut end = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let before = &self.text[..end];
        if before.is_ascii() {
            return end as u32;
        }
        before.chars().map(|c| c.len_utf16() as u32).sum()
    }
}

/// The texts of the files that labels point into and that are not reported files themselves
/// (helpers followed through imports; see [`crate::diagnostic::Label::file`]), read once when the
/// report is made: from the editor's unsaved buffers first, else from disk. A file that cannot be
/// read is left out, and formats leave out the labels that point into it.
pub fn label_sources(
    files: &[crate::engine::FileReport],
    unsaved: Option<&rustc_hash::FxHashMap<std::path::PathBuf, String>>,
) -> Vec<(String, SourceText)> {
    let mut wanted: Vec<&str> = files
        .iter()
        .flat_map(|f| &f.diagnostics)
        .flat_map(|d| &d.labels)
        .filter_map(|l| l.file.as_deref())
        .filter(|p| !files.iter().any(|f| f.path == *p))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
        .into_iter()
        .filter_map(|p| {
            let path = std::path::Path::new(p);
            let text = match unsaved.and_then(|u| u.get(&crate::project::normalize(path))) {
                Some(t) => t.clone(),
                None => crate::engine::decode(std::fs::read(path).ok()?).ok()?,
            };
            Some((p.to_string(), SourceText::new(text)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let s = SourceText::new("a\r\n😀x = 1;\nlast");
        assert_eq!(s.position(0), Position { line: 1, column: 1 });
        // '😀' is 4 bytes and 2 UTF-16 units: 'x' is at byte 7, column 3
        assert_eq!(s.position(7), Position { line: 2, column: 3 });
        assert_eq!(s.line_text(2), "😀x = 1;");
        assert_eq!(s.offset_of(2, 3), 7);
        assert_eq!(s.position(1000), Position { line: 3, column: 5 });
    }

    #[test]
    fn utf16_offsets_index_javascript_strings() {
        let s = SourceText::new("é😀x");
        // 'é' is 2 bytes and 1 unit, '😀' 4 bytes and 2 units: 'x' is at byte 6, index 3
        assert_eq!(s.utf16_offset(6), 3);
        assert_eq!(s.utf16_offset(2), 1);
        assert_eq!(s.utf16_offset(100), 4);
        assert_eq!(SourceText::new("abc").utf16_offset(2), 2);
    }
}

/// A file's text that is kept in memory only when it was given in memory (an editor's buffer,
/// stdin); otherwise it is read again from disk the first time a rule or a formatter needs it,
/// which only files with findings do. A text that no longer hashes as the analysed one did is
/// not used: the file changed while it was being checked.
pub struct LazySource {
    path: std::path::PathBuf,
    hash: u64,
    cell: OnceLock<Option<SourceText>>,
}

impl LazySource {
    /// A text already in memory.
    pub fn loaded(path: std::path::PathBuf, hash: u64, text: SourceText) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(Some(text));
        LazySource { path, hash, cell }
    }

    /// A text to read again from `path` when needed; `hash` is the analysed text's.
    pub fn on_disk(path: std::path::PathBuf, hash: u64) -> Self {
        LazySource { path, hash, cell: OnceLock::new() }
    }

    /// The text, as it was analysed; `None` when the file changed or cannot be read since.
    pub fn get(&self) -> Option<&SourceText> {
        self.cell
            .get_or_init(|| {
                let bytes = std::fs::read(&self.path).ok()?;
                let text = crate::engine::decode(bytes).ok()?;
                (crate::cache::hash(&text) == self.hash).then(|| SourceText::new(text))
            })
            .as_ref()
    }
}
