//! The interface between the engine and the rules.

use crate::diagnostic::{Diagnostic, Severity};
use crate::knowledge::Effects;
use crate::model::{CallSite, FileModel};
use crate::project::Project;
use crate::source::LazySource;

/// What a rule says about itself. Generated from the rule's doc comment by the
/// `#[rule(...)]` attribute of `loopsafe_macros`.
#[derive(Debug)]
pub struct RuleMeta {
    /// kebab-case id, e.g. `blocking-call`.
    pub id: &'static str,
    pub default_severity: Severity,
    pub category: &'static str,
    /// Whether the rule may attach suggested fixes.
    pub fixable: bool,
    /// The first sentence of the doc comment.
    pub summary: &'static str,
    /// The whole doc comment, markdown.
    pub docs: &'static str,
}

/// What a rule sees of one file after the project is linked: the file's model, its text, and
/// the project's facts, which answer the same for a callee in this file or in another.
pub struct Facts<'a> {
    pub project: &'a Project,
    /// This file's index in the project.
    pub file: usize,
    source: &'a LazySource,
}

impl<'a> Facts<'a> {
    pub fn new(project: &'a Project, file: usize, source: &'a LazySource) -> Self {
        Facts { project, file, source }
    }

    /// The file's whole text (read again from disk the first time, see [`LazySource`]); empty
    /// when the file changed since it was analysed.
    pub fn full_text(&self) -> &'a str {
        self.source.get().map_or("", |s| s.text())
    }

    pub fn model(&self) -> &'a FileModel {
        self.project.model(self.file)
    }

    /// The path the file is shown with.
    pub fn path(&self) -> &'a str {
        &self.project.model(self.file).path
    }

    /// The text of a byte range of this file.
    pub fn text(&self, span: crate::diagnostic::ByteSpan) -> &'a str {
        self.full_text().get(span.start as usize..span.end as usize).unwrap_or("")
    }

    /// The function a call reaches, here or in another file of the project.
    pub fn callee(&self, call: &CallSite) -> Option<(usize, crate::model::FnId)> {
        self.project.callee(self.file, call)
    }

    /// What a call does: for a function of the project what its body does (the same answer in
    /// this file and in another), otherwise what its name (and SQL) says.
    pub fn call_effects(&self, call: &CallSite) -> crate::project::CallEffects {
        self.project.call_effects(self.file, call)
    }

    /// The scopes function `f` of this file runs in (see [`Scope`]).
    pub fn scope(&self, f: crate::model::FnId) -> Scope {
        let m = self.model();
        let mut scope = Scope::default();
        let mut cur = Some(f);
        let mut guard = 0;
        while let Some(g) = cur.filter(|&g| g != crate::model::FnId::MODULE && guard < 64) {
            guard += 1;
            let func = m.function(g);
            if func.kind == crate::model::FnKind::Method
                && func.name.as_deref().is_some_and(|n| crate::knowledge::LIFECYCLE_METHODS.contains(&n))
            {
                scope.0 |= Scope::LIFECYCLE.0;
            }
            let mut after_commit = false;
            for u in &func.uses {
                let crate::model::FnUse::Callback { call, .. } = u else { continue };
                let c = m.call(*call);
                // `trx.onCommit(async () => …)` runs after the transaction, outside it
                if c.method.as_deref().is_some_and(|n| crate::knowledge::ordering::AFTER_COMMIT_HOOKS.contains(&n)) {
                    after_commit = true;
                    continue;
                }
                let Some(name) = c.method.as_deref() else {
                    // a callee nobody can name (`this.#withTransaction(…)`) may be a scope
                    scope.0 |= Scope::UNKNOWN_WRAPPER.0;
                    continue;
                };
                if crate::knowledge::ordering::TEST_HOOKS.contains(&name) {
                    scope.0 |= Scope::TEST.0;
                }
                let effects = self.call_effects(c).effects | Effects::of(m.effect(c));
                if crate::knowledge::runs_callback_serially(name)
                    || effects.intersects(Effects(Effects::TRANSACTION.0 | Effects::LOCK.0))
                {
                    scope.0 |= Scope::SERIAL.0;
                }
            }
            cur = if after_commit { None } else { func.parent };
        }
        scope
    }

    /// Why function `f` of this file runs per request or event, as a message says it.
    pub fn evidence_note(&self, f: crate::model::FnId) -> Option<String> {
        self.project.evidence_note(self.file, f, self.file)
    }
}

/// Where a function runs, from the callbacks it is (or is inside of).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Scope(pub u8);

impl Scope {
    /// Inside a transaction, a lock, a session or one connection: its work runs one at a time
    /// whatever the code says (`sequelize.transaction(async (t) => …)`, `mutex.runExclusive`).
    pub const SERIAL: Scope = Scope(1);
    /// A test body (`it('…', async () => …)`).
    pub const TEST: Scope = Scope(2);
    /// A framework lifecycle hook (`onModuleInit`): once, at start-up or shutdown.
    pub const LIFECYCLE: Scope = Scope(4);
    /// A callback of a callee nobody can name: it may be any of the above.
    pub const UNKNOWN_WRAPPER: Scope = Scope(8);

    pub fn has(self, s: Scope) -> bool {
        self.0 & s.0 != 0
    }
}

/// A rule's metadata, implemented by the `#[rule(...)]` attribute.
pub trait RuleInfo {
    fn meta(&self) -> &'static RuleMeta;
}

/// A lint rule. Rules are stateless and shared between threads.
pub trait Rule: RuleInfo + Sync + Send {
    /// Runs once per checked file after the project is linked, with the file's model and text
    /// and the project's facts (the syntax trees are gone by then).
    fn check(&self, _facts: &Facts<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// Whether the path `file` (as `file!()` gives it) names `<stem>.rs` or `<stem>/mod.rs`. Used by
/// `#[rule]` to check, at compile time, that a rule's id matches its file (or folder) name.
pub const fn file_stem_is(file: &str, stem: &str) -> bool {
    ends_with_name(file, stem, b".rs")
        || ends_with_name(file, stem, b"/mod.rs")
        || ends_with_name(file, stem, b"\\mod.rs")
}

/// Whether `file` ends with `stem` + `suffix`, `stem` starting a path component.
const fn ends_with_name(file: &str, stem: &str, suffix: &[u8]) -> bool {
    let f = file.as_bytes();
    let s = stem.as_bytes();
    let want = s.len() + suffix.len();
    if f.len() < want {
        return false;
    }
    let start = f.len() - want;
    if start > 0 && f[start - 1] != b'/' && f[start - 1] != b'\\' {
        return false;
    }
    let mut i = 0;
    while i < s.len() {
        if f[start + i] != s[i] {
            return false;
        }
        i += 1;
    }
    let mut k = 0;
    while k < suffix.len() {
        if f[start + s.len() + k] != suffix[k] {
            return false;
        }
        k += 1;
    }
    true
}

impl RuleMeta {
    /// The rule's documentation page (`docs/rules/<id>.md`), generated from its doc comment.
    pub fn markdown(&self) -> String {
        let mut s = format!("# {}\n\n", self.id);
        s.push_str(&format!(
            "- Default level: `{}`\n- Category: {}\n- Suggests fixes: {}\n\n",
            self.default_severity.as_str(),
            self.category,
            if self.fixable { "yes" } else { "no" }
        ));
        s.push_str(self.docs.trim());
        s.push_str("\n\n<!-- generated from the rule's doc comment by `loopsafe rule --all --markdown docs/rules`; do not edit -->\n");
        s
    }

    /// The fenced code blocks of the `## Examples` section: (language, code), bad first.
    pub fn examples(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut in_examples = false;
        let mut block: Option<(String, String)> = None;
        for line in self.docs.lines() {
            if line.starts_with("## ") {
                in_examples = line.trim_end() == "## Examples";
                continue;
            }
            if !in_examples {
                continue;
            }
            let fence = line.trim_start().strip_prefix("```");
            match (fence, block.take()) {
                (Some(lang), None) => block = Some((lang.trim().to_string(), String::new())),
                (Some(_), Some(b)) => out.push(b),
                (None, Some((lang, mut code))) => {
                    code.push_str(line);
                    code.push('\n');
                    block = Some((lang, code));
                }
                (None, None) => {}
            }
        }
        out
    }
}

/// Write a file atomically: a temporary file in the same directory, then a rename.
pub fn write_atomic(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp =
        dir.join(format!(".{}.tmp-{}", path.file_name().unwrap_or_default().to_string_lossy(), std::process::id()));
    std::fs::write(&tmp, contents)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
