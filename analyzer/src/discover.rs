//! Finding the files to check: directories are walked with the `ignore` crate (honours
//! `.gitignore`, skips `node_modules` and declaration files); files named explicitly are always
//! checked.

use crate::parse::EXTENSIONS;
use std::path::{Path, PathBuf};

/// A file to check: the path shown to users, and where to read it.
#[derive(Clone, Debug)]
pub struct Input {
    pub display: String,
    pub path: PathBuf,
    /// Source given in memory (stdin, an editor buffer) instead of read from disk.
    pub text: Option<String>,
    /// Not named by the user (found by walking a directory, or read because a checked file
    /// imports it): a minified file found this way is skipped (see [`is_minified`]).
    pub walked: bool,
}

/// Minified (bundled, generated) code: lines average over 200 characters in a file over 1 KB, as
/// SonarJS measures it. No finding in it is one a person can read or fix, and browser bundles
/// shipped beside a server (`built/assets/*.js`) are most of such files.
pub fn is_minified(text: &str) -> bool {
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    text.len() > 1024 && text.len() / lines > 200
}

#[derive(Debug)]
pub enum DiscoverError {
    /// A path given on the command line does not exist.
    NotFound(String),
}

fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

pub fn has_checked_extension(p: &Path) -> bool {
    let name = p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    if is_declaration_file(&name) {
        return false;
    }
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTENSIONS.contains(&e))
}

fn is_declaration_file(name: &str) -> bool {
    name.ends_with(".d.ts") || name.ends_with(".d.mts") || name.ends_with(".d.cts")
}

/// Expand the given paths into files, sorted and without duplicates.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>, DiscoverError> {
    discover_with(paths, &|_| true)
}

/// [`discover`], keeping only walked files that `select` accepts (configured include/exclude);
/// files named explicitly are always kept.
pub fn discover_with(paths: &[PathBuf], select: &dyn Fn(&Path) -> bool) -> Result<Vec<Input>, DiscoverError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::symlink_metadata(p).or_else(|_| std::fs::metadata(p));
        let Ok(meta) = meta else {
            return Err(DiscoverError::NotFound(p.display().to_string()));
        };
        let is_dir = std::fs::metadata(p).map(|m| m.is_dir()).unwrap_or(meta.is_dir());
        if !is_dir {
            // named explicitly: always checked (read errors are reported per file)
            out.push(Input { display: display_path(p), path: p.clone(), text: None, walked: false });
            continue;
        }
        let walker = ignore::WalkBuilder::new(p)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| e.file_name() != "node_modules")
            .build();
        for entry in walker {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            let is_file = entry.file_type().is_some_and(|t| t.is_file() || t.is_symlink());
            if is_file && has_checked_extension(path) && select(path) {
                if entry.file_type().is_some_and(|t| t.is_symlink())
                    && std::fs::metadata(path).map(|m| m.is_dir()).unwrap_or(false)
                {
                    continue;
                }
                out.push(Input { display: display_path(path), path: path.to_path_buf(), text: None, walked: true });
            }
        }
    }
    out.sort_by(|a, b| a.display.cmp(&b.display));
    out.dedup_by(|a, b| a.display == b.display);
    Ok(out)
}
