//! `loopsafe lsp`: a language server over stdio.
//!
//! Three threads share the work so that typing never waits for analysis:
//! - the reader frames stdin into JSON-RPC messages; a malformed message is answered with a
//!   JSON-RPC error and the next one is read (lsp-server's own stdio transport stops at the first);
//! - the main loop owns the documents: it applies edits (full or incremental), answers requests,
//!   and after a quiet period (debounce) hands a snapshot of a changed document to the worker;
//! - the worker runs the engine on the in-memory text and sends the findings back; the main loop
//!   publishes them only if the document has not changed since (stale positions are never shown).
//!
//! Panics in a handler or in the engine are caught and logged: the server keeps serving.

use crossbeam_channel::{select, unbounded, Receiver, Sender};
use loopsafe_analyzer::config::{ConfigSource, Configs};
use loopsafe_analyzer::diagnostic::ByteSpan;
use loopsafe_analyzer::discover::Input;
use loopsafe_analyzer::engine::{self, CheckOptions, FileError};
use loopsafe_analyzer::parse::Lang;
use loopsafe_analyzer::source::SourceText;
use loopsafe_analyzer::{Diagnostic, Severity};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use rustc_hash::FxHashMap;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{self, BufRead, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Quiet period after the last edit before a document is checked.
const DEBOUNCE: Duration = Duration::from_millis(150);
/// A document edited without pause is still checked this often.
const MAX_WAIT: Duration = Duration::from_millis(1000);
/// Larger messages are refused (the engine checks 20 MB files; this leaves room).
const MAX_MESSAGE: usize = 256 << 20;
/// Where each rule's documentation lives (`codeDescription.href`).
const DOCS_URL: &str = "https://github.com/loopsafe/loopsafe/blob/main/docs/rules";
/// The reason of an inserted suppression comment: a placeholder the check rejects until the user
/// replaces it.
const SUPPRESSION_REASON: &str = loopsafe_analyzer::suppress::PLACEHOLDER_REASON;
const SUPPRESSION_PREFIX: &str = "// loopsafe-ignore-next-line ";
/// Debug builds only, for the tests that prove a panic never takes the server down: a document
/// containing this text panics in the worker, and the request `loopsafe/debugPanic` in its handler.
#[cfg(debug_assertions)]
const DEBUG_PANIC_MARKER: &str = "/* loopsafe-debug-panic */";

/// The rules and severities for the document at `path` (`roots`: the workspace folders):
/// `Ok(None)` when the configuration excludes the file, `Err` (shown at the top of the document)
/// when the configuration cannot be used. The one place the workspace's `loopsafe.json` is
/// honoured; it is called for every check, so an edited `loopsafe.json` applies at once. Today
/// every rule runs at its default severity.
pub fn check_options(path: &Path, roots: &[PathBuf]) -> Result<Option<Configs>, String> {
    let _ = roots;
    let known = |id: &str| loopsafe_rules::find(id).is_some() || id == loopsafe_analyzer::suppress::SUPPRESSION_RULE;
    // the nearest loopsafe.json above the document, read afresh for every check (edits to it apply
    // at once); its include/exclude decide whether the document is checked at all
    let configs = Configs::new(ConfigSource::Nearest(Default::default()), Vec::new(), known);
    let config = configs.for_file(path);
    if let Some(e) = configs.errors.lock().map_err(|e| e.to_string())?.first() {
        return Err(format!("invalid configuration: {e}"));
    }
    if config.is_some_and(|c| !c.selects(path)) {
        return Ok(None);
    }
    Ok(Some(configs))
}

/// Run the server on stdin/stdout until `exit` (or the end of input).
pub fn run() -> ExitCode {
    let (in_tx, in_rx) = unbounded::<Incoming>();
    let (out_tx, out_rx) = unbounded::<String>();
    std::thread::Builder::new()
        .name("lsp-reader".into())
        .spawn(move || {
            let stdin = io::stdin();
            let mut r = io::BufReader::with_capacity(1 << 16, stdin.lock());
            loop {
                let incoming = read_message(&mut r);
                let eof = matches!(incoming, Incoming::Eof);
                if in_tx.send(incoming).is_err() || eof {
                    break;
                }
            }
        })
        .expect("cannot start the reader thread");
    let writer = std::thread::Builder::new()
        .name("lsp-writer".into())
        .spawn(move || {
            let stdout = io::stdout();
            let mut w = stdout.lock();
            for body in out_rx {
                let ok = write!(w, "Content-Length: {}\r\n\r\n", body.len()).is_ok()
                    && w.write_all(body.as_bytes()).is_ok()
                    && w.flush().is_ok();
                if !ok {
                    break;
                }
            }
        })
        .expect("cannot start the writer thread");
    let code = Server::new(out_tx).serve(in_rx);
    let _ = writer.join();
    ExitCode::from(code)
}

// ---------------------------------------------------------------------------------------------
// Transport

/// What the reader hands the main loop.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// Not a valid JSON-RPC message: answer with this error (`id` null when unknown).
    Invalid {
        id: Value,
        code: i32,
        message: String,
    },
    /// Nothing to answer (a malformed response to one of our requests).
    Skip,
    Eof,
}

/// Read one framed message. Lenient about headers (`\n` endings, case, extra headers); a body
/// that is not JSON or not JSON-RPC becomes [`Incoming::Invalid`] and framing goes on.
pub fn read_message(r: &mut impl BufRead) -> Incoming {
    let mut length: Option<usize> = None;
    let mut bad_length = false;
    let mut saw_header = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return Incoming::Eof,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if !saw_header {
                continue; // a stray blank line between messages
            }
            break;
        }
        saw_header = true;
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                match value.trim().parse::<usize>() {
                    Ok(n) if n <= MAX_MESSAGE => length = Some(n),
                    _ => bad_length = true,
                }
            }
        }
    }
    let Some(length) = length else {
        let message = if bad_length {
            format!("invalid Content-Length (at most {MAX_MESSAGE} bytes)")
        } else {
            "missing Content-Length header".to_string()
        };
        return Incoming::Invalid { id: Value::Null, code: ErrorCode::ParseError as i32, message };
    };
    let mut body = vec![0u8; length];
    if r.read_exact(&mut body).is_err() {
        return Incoming::Eof;
    }
    parse_body(&body)
}

fn parse_body(body: &[u8]) -> Incoming {
    let parse_error =
        |message: String| Incoming::Invalid { id: Value::Null, code: ErrorCode::ParseError as i32, message };
    let Ok(text) = std::str::from_utf8(body) else {
        return parse_error("message body is not UTF-8".to_string());
    };
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return parse_error(format!("malformed JSON: {e}")),
    };
    let invalid = |id: Value, message: &str| Incoming::Invalid {
        id,
        code: ErrorCode::InvalidRequest as i32,
        message: message.to_string(),
    };
    let Some(obj) = value.as_object() else {
        return invalid(Value::Null, "a JSON-RPC message must be an object");
    };
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    let id_ok = match &id {
        Value::String(_) => true,
        Value::Number(n) => n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        _ => false,
    };
    match obj.get("method") {
        Some(Value::String(_)) => {}
        Some(_) => return invalid(if id_ok { id } else { Value::Null }, "`method` must be a string"),
        None if obj.contains_key("result") || obj.contains_key("error") => {
            // a response to one of our requests
            return match serde_json::from_value::<Response>(value.clone()) {
                Ok(r) => Incoming::Message(Message::Response(r)),
                Err(_) => Incoming::Skip,
            };
        }
        None => return invalid(if id_ok { id } else { Value::Null }, "a JSON-RPC request needs a `method`"),
    }
    if obj.contains_key("id") && !id.is_null() {
        if !id_ok {
            return invalid(Value::Null, "`id` must be a string or a 32-bit integer");
        }
        match serde_json::from_value::<Request>(value.clone()) {
            Ok(r) => Incoming::Message(Message::Request(r)),
            Err(e) => invalid(id, &format!("invalid request: {e}")),
        }
    } else {
        match serde_json::from_value::<Notification>(value.clone()) {
            Ok(n) => Incoming::Message(Message::Notification(n)),
            Err(e) => invalid(Value::Null, &format!("invalid notification: {e}")),
        }
    }
}

fn encode(msg: &Message) -> String {
    let mut v = serde_json::to_value(msg).unwrap_or(Value::Null);
    if let Value::Object(o) = &mut v {
        o.insert("jsonrpc".into(), "2.0".into());
    }
    v.to_string()
}

// ---------------------------------------------------------------------------------------------
// Documents and positions

/// Byte offset of an LSP position (0-based line, UTF-16 character) in `text`. A character past
/// the end of its line means the line's end; a line past the end of the text means the text's end.
pub fn offset_at(text: &str, pos: lsp::Position) -> usize {
    let bytes = text.as_bytes();
    let mut line = 0u32;
    let mut i = 0usize;
    while line < pos.line {
        match memchr_line_end(bytes, i) {
            Some(next) => {
                i = next;
                line += 1;
            }
            None => return text.len(),
        }
    }
    let mut units = 0u32;
    for (b, ch) in text[i..].char_indices() {
        if ch == '\n' || ch == '\r' || units >= pos.character {
            return i + b;
        }
        units += ch.len_utf16() as u32;
        if units > pos.character {
            // inside a surrogate pair: the character's start
            return i + b;
        }
    }
    text.len()
}

/// The start of the line after the one containing `from` (`\n`, `\r\n` and `\r` end lines).
fn memchr_line_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => return Some(i + 1),
            b'\r' => return Some(if bytes.get(i + 1) == Some(&b'\n') { i + 2 } else { i + 1 }),
            _ => i += 1,
        }
    }
    None
}

/// Apply one content change (a whole-text replacement when it has no range).
pub fn apply_change(text: &mut String, change: &lsp::TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text.clone(),
        Some(range) => {
            let a = offset_at(text, range.start);
            let b = offset_at(text, range.end);
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            text.replace_range(a..b, &change.text);
        }
    }
}

fn lsp_position(src: &SourceText, offset: u32) -> lsp::Position {
    let p = src.position(offset);
    lsp::Position { line: p.line - 1, character: p.column - 1 }
}

/// A byte span as an LSP range.
pub fn lsp_range(src: &SourceText, span: ByteSpan) -> lsp::Range {
    lsp::Range { start: lsp_position(src, span.start), end: lsp_position(src, span.end.max(span.start)) }
}

fn rule_href(rule: &str) -> Option<lsp::CodeDescription> {
    lsp::Uri::from_str(&format!("{DOCS_URL}/{rule}.md")).ok().map(|href| lsp::CodeDescription { href })
}

/// An engine diagnostic as an LSP diagnostic: 0-based lines, UTF-16 characters, the rule id as
/// `code` with a link to its documentation, secondary labels as related information (a label in
/// another file, such as a chain step in a helper, with that file's URI and text from `others`,
/// the report's [`label_sources`](loopsafe_analyzer::Report::label_sources)), the help text
/// after the message.
pub fn to_lsp_diagnostic(
    d: &Diagnostic,
    src: &SourceText,
    uri: &lsp::Uri,
    others: &[(String, SourceText)],
) -> lsp::Diagnostic {
    let mut message = d.message.clone();
    if !d.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&d.help);
    }
    let related: Vec<lsp::DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|l| {
            let (uri, src) = match l.file.as_deref() {
                None => (uri.clone(), src),
                Some(file) => {
                    let (_, other) = others.iter().find(|(p, _)| p == file)?;
                    let uri = lsp::Uri::from_str(&loopsafe_analyzer::format::lsp::file_uri(Path::new(file))).ok()?;
                    (uri, other)
                }
            };
            Some(lsp::DiagnosticRelatedInformation {
                location: lsp::Location { uri, range: lsp_range(src, l.span) },
                message: l.text.clone(),
            })
        })
        .collect();
    lsp::Diagnostic {
        range: lsp_range(src, d.span),
        severity: Some(match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        }),
        code: Some(lsp::NumberOrString::String(d.rule.to_string())),
        code_description: rule_href(d.rule),
        source: Some("loopsafe".to_string()),
        message,
        related_information: if related.is_empty() { None } else { Some(related) },
        tags: None,
        data: None,
    }
}

/// A file the engine could not check (a syntax error while typing, an internal error), shown
/// where it happened.
pub fn error_to_lsp_diagnostic(e: &FileError) -> lsp::Diagnostic {
    let pos = lsp::Position {
        line: e.line.unwrap_or(1).saturating_sub(1),
        character: e.column.unwrap_or(1).saturating_sub(1),
    };
    lsp::Diagnostic {
        range: lsp::Range { start: pos, end: pos },
        severity: Some(lsp::DiagnosticSeverity::ERROR),
        source: Some("loopsafe".to_string()),
        message: e.message.clone(),
        ..Default::default()
    }
}

/// The findings of one version of a document, kept for code actions.
pub struct Checked {
    pub version: i32,
    pub source: SourceText,
    /// Engine diagnostics and their LSP form, index for index.
    pub diagnostics: Vec<(Diagnostic, lsp::Diagnostic)>,
    pub errors: Vec<lsp::Diagnostic>,
    /// Files read to follow the document's imports: an edit to one of them checks it again.
    pub imported: Vec<PathBuf>,
}

impl Checked {
    /// What is published for this version.
    pub fn published(&self) -> Vec<lsp::Diagnostic> {
        self.errors.iter().cloned().chain(self.diagnostics.iter().map(|d| d.1.clone())).collect()
    }
}

/// Whether the lines of two ranges overlap: a cursor anywhere on a diagnostic's line offers its
/// actions (clients send the cursor position or the selection).
fn lines_overlap(a: lsp::Range, b: lsp::Range) -> bool {
    a.start.line <= b.end.line && b.start.line <= a.end.line
}

/// Code actions for the diagnostics of `checked` on the lines of `range`: each suggested fix, then a
/// suppression comment per rule and line. `documentChanges` (versioned edits) when the client
/// takes them, `changes` otherwise.
pub fn code_actions(
    uri: &lsp::Uri,
    checked: &Checked,
    range: lsp::Range,
    only: Option<&[lsp::CodeActionKind]>,
    versioned_edits: bool,
) -> Vec<lsp::CodeActionOrCommand> {
    let wants_quickfix = only.is_none_or(|kinds| {
        kinds.iter().any(|k| {
            let k = k.as_str();
            k.is_empty() || lsp::CodeActionKind::QUICKFIX.as_str().starts_with(k)
        })
    });
    if !wants_quickfix {
        return Vec::new();
    }
    let edit = |edits: Vec<lsp::TextEdit>| -> lsp::WorkspaceEdit {
        if versioned_edits {
            lsp::WorkspaceEdit {
                document_changes: Some(lsp::DocumentChanges::Edits(vec![lsp::TextDocumentEdit {
                    text_document: lsp::OptionalVersionedTextDocumentIdentifier {
                        uri: uri.clone(),
                        version: Some(checked.version),
                    },
                    edits: edits.into_iter().map(lsp::OneOf::Left).collect(),
                }])),
                ..Default::default()
            }
        } else {
            lsp::WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..Default::default() }
        }
    };
    let touching: Vec<&(Diagnostic, lsp::Diagnostic)> =
        checked.diagnostics.iter().filter(|(_, l)| lines_overlap(l.range, range)).collect();
    let mut out = Vec::new();
    for (d, l) in &touching {
        let Some(fix) = &d.fix else { continue };
        if fix.edits.is_empty() {
            continue;
        }
        let edits = fix
            .edits
            .iter()
            .map(|e| lsp::TextEdit { range: lsp_range(&checked.source, e.span), new_text: e.replacement.clone() })
            .collect();
        out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title: fix.description.clone(),
            kind: Some(lsp::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![l.clone()]),
            edit: Some(edit(edits)),
            is_preferred: Some(true),
            ..Default::default()
        }));
    }
    let mut seen: Vec<(&str, u32)> = Vec::new();
    for (d, l) in &touching {
        let line = l.range.start.line;
        // a finding about a suppression comment cannot itself be suppressed: the comment is fixed
        if seen.contains(&(d.rule, line)) || d.rule == loopsafe_analyzer::suppress::SUPPRESSION_RULE {
            continue;
        }
        seen.push((d.rule, line));
        let text_edit = suppression_edit(&checked.source, line, d.rule);
        out.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
            title: format!("Suppress {} on this line (loopsafe-ignore-next-line)", d.rule),
            kind: Some(lsp::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![l.clone()]),
            edit: Some(edit(vec![text_edit])),
            ..Default::default()
        }));
    }
    out
}

/// `// loopsafe-ignore-next-line <rule>: <why this finding does not apply here>` above the 0-based `line`, with that
/// line's indentation and line ending. Above a block of suppression comments already there, so
/// that they keep applying to the line below them.
pub fn suppression_edit(src: &SourceText, line: u32, rule: &str) -> lsp::TextEdit {
    let target = src.line_text(line + 1);
    let indent: String = target.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let mut at = line;
    while at > 0 && src.line_text(at).trim_start().starts_with(SUPPRESSION_PREFIX.trim_end()) {
        at -= 1;
    }
    let line_start = src.offset_of(line + 1, 1) as usize;
    let line_end = line_start + target.len();
    let eol = if src.text()[line_end..].starts_with("\r\n") {
        "\r\n"
    } else if src.text()[line_end..].starts_with('\r') {
        "\r"
    } else {
        "\n"
    };
    let pos = lsp::Position { line: at, character: 0 };
    lsp::TextEdit {
        range: lsp::Range { start: pos, end: pos },
        new_text: format!("{indent}{SUPPRESSION_PREFIX}{rule}: {SUPPRESSION_REASON}{eol}"),
    }
}

/// The path of a `file:` URI (percent-decoded); `None` for other schemes.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let scheme_end = uri.find(':')?;
    if !uri[..scheme_end].eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = uri[scheme_end + 1..].strip_prefix("//")?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let bytes = percent_decode(path);
    let mut path = String::from_utf8(bytes).ok()?;
    // file:///c:/x and file:///c%3A/x on Windows
    let b = path.as_bytes();
    if b.len() >= 3 && b[0] == b'/' && b[1].is_ascii_alphabetic() && b[2] == b':' {
        if cfg!(windows) {
            path.remove(0);
        }
    } else if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
        path = format!("//{host}{path}");
    }
    Some(PathBuf::from(path))
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Extension used for a document whose path does not tell its language.
fn extension_for_language(language_id: &str) -> Option<&'static str> {
    match language_id {
        "javascript" => Some("js"),
        "javascriptreact" => Some("jsx"),
        "typescript" => Some("ts"),
        "typescriptreact" => Some("tsx"),
        _ => None,
    }
}

/// How a document is handed to the engine: its path on disk (for relative imports) and the name
/// that picks its language. `None`: not a JavaScript/TypeScript source loopsafe checks.
pub fn document_input(uri: &str, language_id: &str) -> Option<(PathBuf, String)> {
    let path = uri_to_path(uri);
    if let Some(p) = &path {
        let skipped = p.components().any(|c| c.as_os_str() == "node_modules")
            || p.file_name()
                .map(|n| n.to_string_lossy())
                .is_some_and(|n| n.ends_with(".d.ts") || n.ends_with(".d.mts") || n.ends_with(".d.cts"));
        if skipped {
            return None;
        }
    }
    let display = path.as_ref().map(|p| p.to_string_lossy().to_string());
    match (&path, &display) {
        (Some(p), Some(d)) if Lang::from_path(d).is_some() => Some((p.clone(), d.clone())),
        _ => {
            let ext = extension_for_language(language_id)?;
            match path {
                Some(p) => {
                    let d = format!("{}.{ext}", p.to_string_lossy());
                    Some((p, d))
                }
                None => Some((PathBuf::from(format!("untitled.{ext}")), format!("untitled.{ext}"))),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The worker

struct Job {
    uri: String,
    /// The server's own count of the document's edits: stale findings are recognised by it even
    /// when a client reuses version numbers.
    revision: u64,
    version: i32,
    text: Arc<str>,
    path: PathBuf,
    display: String,
    roots: Arc<Vec<PathBuf>>,
    /// The open documents' texts (unsaved edits included), by normalized path: imports are read
    /// from them before the disk.
    unsaved: Arc<FxHashMap<PathBuf, String>>,
}

struct JobResult {
    uri: String,
    revision: u64,
    version: i32,
    outcome: Result<Checked, String>,
}

/// Check one snapshot. Only the engine runs here; its panics are caught by the caller.
fn check_document(job: &Job, models: &engine::ModelCache) -> Result<Checked, String> {
    #[cfg(debug_assertions)]
    if job.text.contains(DEBUG_PANIC_MARKER) {
        panic!("debug panic requested by the document");
    }
    let uri = lsp::Uri::from_str(&job.uri).map_err(|e| format!("invalid URI {}: {e}", job.uri))?;
    let source = SourceText::new(job.text.clone());
    let configs = match check_options(&job.path, &job.roots) {
        Ok(Some(configs)) => configs,
        Ok(None) => {
            return Ok(Checked {
                version: job.version,
                source,
                diagnostics: Vec::new(),
                errors: Vec::new(),
                imported: Vec::new(),
            })
        }
        Err(message) => {
            let e = FileError { file: job.display.clone(), message, line: None, column: None };
            let errors = vec![error_to_lsp_diagnostic(&e)];
            return Ok(Checked { version: job.version, source, diagnostics: Vec::new(), errors, imported: Vec::new() });
        }
    };
    let rules = loopsafe_rules::ALL.iter().map(|r| (*r, r.meta().default_severity)).collect();
    let opts = CheckOptions {
        rules,
        configs: Some(&configs),
        models: Some(models),
        unsaved: Some(&job.unsaved),
        ..Default::default()
    };
    let input =
        Input { display: job.display.clone(), path: job.path.clone(), text: Some(job.text.to_string()), walked: false };
    let report = engine::check(std::slice::from_ref(&input), &opts);
    let mut diagnostics = Vec::new();
    for f in report.files {
        for d in f.diagnostics.into_iter().filter(|d| d.suppressed.is_none()) {
            let l = to_lsp_diagnostic(&d, &f.source, &uri, &report.label_sources);
            diagnostics.push((d, l));
        }
    }
    let errors = report.errors.iter().map(error_to_lsp_diagnostic).collect();
    Ok(Checked { version: job.version, source, diagnostics, errors, imported: report.imported })
}

fn worker(jobs: Receiver<Job>, results: Sender<JobResult>) {
    // imported files' models, reused while their text on disk is unchanged
    let models = engine::ModelCache::default();
    while let Ok(first) = jobs.recv() {
        // only the newest snapshot of each document is worth checking
        let mut batch: Vec<Job> = vec![first];
        batch.extend(jobs.try_iter());
        let mut latest: Vec<Job> = Vec::new();
        for job in batch {
            match latest.iter_mut().find(|j| j.uri == job.uri) {
                Some(slot) => *slot = job,
                None => latest.push(job),
            }
        }
        for job in latest {
            let outcome = catch_unwind(AssertUnwindSafe(|| check_document(&job, &models))).unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(format!("internal error while checking (a loopsafe bug, please report it): {msg}"))
            });
            if results.send(JobResult { uri: job.uri, revision: job.revision, version: job.version, outcome }).is_err()
            {
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The main loop

#[derive(PartialEq, Eq, Clone, Copy)]
enum Phase {
    Uninitialized,
    Running,
    ShuttingDown,
}

struct Document {
    uri: lsp::Uri,
    version: i32,
    /// Renewed by every edit from a counter shared by all documents (see [`Job::revision`]).
    revision: u64,
    text: String,
    /// `None`: not checked (another language, `node_modules`, a declaration file).
    input: Option<(PathBuf, String)>,
    /// The findings of `checked_revision`.
    checked: Option<Checked>,
    checked_revision: u64,
    /// When the first and the last unchecked edit happened.
    dirty: Option<(Instant, Instant)>,
    /// The first edit whose findings are not published yet: kept across checks whose result
    /// came too late (the user typed meanwhile), so that steady typing cannot postpone findings
    /// for ever.
    unpublished_since: Option<Instant>,
}

struct Server {
    out: Sender<String>,
    phase: Phase,
    docs: HashMap<String, Document>,
    roots: Arc<Vec<PathBuf>>,
    versioned_edits: bool,
    watch_registration: bool,
    jobs: Sender<Job>,
    results: Receiver<JobResult>,
    next_id: i32,
    last_revision: u64,
}

impl Server {
    fn new(out: Sender<String>) -> Server {
        let (jobs, job_rx) = unbounded::<Job>();
        let (res_tx, results) = unbounded::<JobResult>();
        std::thread::Builder::new()
            .name("lsp-worker".into())
            .spawn(move || worker(job_rx, res_tx))
            .expect("cannot start the worker thread");
        Server {
            out,
            phase: Phase::Uninitialized,
            docs: HashMap::new(),
            roots: Arc::new(Vec::new()),
            versioned_edits: false,
            watch_registration: false,
            jobs,
            results,
            next_id: 1,
            last_revision: 0,
        }
    }

    /// Serve until `exit`; the process exit code (0 after `shutdown`, 1 otherwise).
    fn serve(mut self, inbox: Receiver<Incoming>) -> u8 {
        let results = self.results.clone();
        loop {
            let timeout = self.next_deadline().map(|d| d.saturating_duration_since(Instant::now()));
            let timeout = timeout.unwrap_or(Duration::from_secs(3600));
            select! {
                recv(inbox) -> msg => match msg {
                    Ok(Incoming::Message(m)) => {
                        if let Some(code) = self.handle_guarded(m) {
                            return code;
                        }
                    }
                    Ok(Incoming::Invalid { id, code, message }) => {
                        self.send_raw(json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}));
                    }
                    Ok(Incoming::Skip) => {}
                    Ok(Incoming::Eof) | Err(_) => {
                        return if self.phase == Phase::ShuttingDown { 0 } else { 1 };
                    }
                },
                recv(results) -> r => if let Ok(r) = r { self.on_result(r) },
                default(timeout) => {}
            }
            self.dispatch_due();
        }
    }

    fn send(&self, msg: Message) {
        let _ = self.out.send(encode(&msg));
    }

    fn send_raw(&self, v: Value) {
        let _ = self.out.send(v.to_string());
    }

    fn notify(&self, method: &str, params: impl serde::Serialize) {
        self.send(Message::Notification(Notification::new(method.to_string(), params)));
    }

    fn log(&self, kind: lsp::MessageType, message: String) {
        self.notify("window/logMessage", lsp::LogMessageParams { typ: kind, message });
    }

    fn reply(&self, id: RequestId, result: Result<Value, (ErrorCode, String)>) {
        let resp = match result {
            Ok(v) => Response { id, response_result: Ok(v) },
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(Message::Response(resp));
    }

    /// Handle one message; a panic becomes an internal error (for a request) and a log line.
    fn handle_guarded(&mut self, msg: Message) -> Option<u8> {
        let id = match &msg {
            Message::Request(r) => Some(r.id.clone()),
            _ => None,
        };
        let method = match &msg {
            Message::Request(r) => r.method.clone(),
            Message::Notification(n) => n.method.clone(),
            Message::Response(_) => String::new(),
        };
        match catch_unwind(AssertUnwindSafe(|| self.handle(msg))) {
            Ok(code) => code,
            Err(p) => {
                let what = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                let message = format!("internal error in {method} (a loopsafe bug, please report it): {what}");
                if let Some(id) = id {
                    self.reply(id, Err((ErrorCode::InternalError, message.clone())));
                }
                self.log(lsp::MessageType::ERROR, message);
                None
            }
        }
    }

    fn handle(&mut self, msg: Message) -> Option<u8> {
        match msg {
            Message::Request(req) => {
                self.on_request(req);
                None
            }
            Message::Notification(n) => self.on_notification(n),
            Message::Response(_) => None, // answers to our registrations: nothing to do
        }
    }

    fn on_request(&mut self, req: Request) {
        let Request { id, method, params } = req;
        match (self.phase, method.as_str()) {
            (Phase::Uninitialized, "initialize") => {
                let result = self.initialize(&params);
                self.phase = Phase::Running;
                self.reply(id, Ok(result));
            }
            (Phase::Uninitialized, _) => {
                self.reply(id, Err((ErrorCode::ServerNotInitialized, "the server is not initialized yet".into())))
            }
            (_, "initialize") => {
                self.reply(id, Err((ErrorCode::InvalidRequest, "the server is already initialized".into())))
            }
            (Phase::ShuttingDown, _) => {
                self.reply(id, Err((ErrorCode::InvalidRequest, "the server is shutting down".into())))
            }
            (Phase::Running, "shutdown") => {
                self.phase = Phase::ShuttingDown;
                self.reply(id, Ok(Value::Null));
            }
            (Phase::Running, "textDocument/codeAction") => {
                let result = match serde_json::from_value::<lsp::CodeActionParams>(params) {
                    Ok(p) => Ok(self.code_action(p)),
                    Err(e) => Err((ErrorCode::InvalidParams, format!("invalid codeAction params: {e}"))),
                };
                self.reply(id, result);
            }
            #[cfg(debug_assertions)]
            (Phase::Running, "loopsafe/debugPanic") => panic!("debug panic requested by the client"),
            (Phase::Running, _) => {
                self.reply(id, Err((ErrorCode::MethodNotFound, format!("method not supported: {method}"))))
            }
        }
    }

    fn on_notification(&mut self, n: Notification) -> Option<u8> {
        if n.method == "exit" {
            return Some(if self.phase == Phase::ShuttingDown { 0 } else { 1 });
        }
        if self.phase != Phase::Running {
            return None; // before initialize (and after shutdown) notifications are dropped
        }
        let method = n.method.clone();
        let bad = |s: &Server, e: serde_json::Error| {
            s.log(lsp::MessageType::WARNING, format!("ignored {method}: invalid params: {e}"))
        };
        match n.method.as_str() {
            "initialized" => self.register_watcher(),
            "textDocument/didOpen" => match serde_json::from_value::<lsp::DidOpenTextDocumentParams>(n.params) {
                Ok(p) => self.did_open(p),
                Err(e) => bad(self, e),
            },
            "textDocument/didChange" => match serde_json::from_value::<lsp::DidChangeTextDocumentParams>(n.params) {
                Ok(p) => self.did_change(p),
                Err(e) => bad(self, e),
            },
            "textDocument/didSave" => match serde_json::from_value::<lsp::DidSaveTextDocumentParams>(n.params) {
                Ok(p) => self.did_save(p),
                Err(e) => bad(self, e),
            },
            "textDocument/didClose" => match serde_json::from_value::<lsp::DidCloseTextDocumentParams>(n.params) {
                Ok(p) => self.did_close(p),
                Err(e) => bad(self, e),
            },
            "workspace/didChangeWatchedFiles" => self.recheck_all(),
            _ => {} // $/cancelRequest, $/setTrace, configuration changes…: nothing to do
        }
        None
    }

    fn initialize(&mut self, params: &Value) -> Value {
        let mut roots = Vec::new();
        if let Some(folders) = params.get("workspaceFolders").and_then(Value::as_array) {
            roots.extend(folders.iter().filter_map(|f| f.get("uri")?.as_str()).filter_map(uri_to_path));
        }
        if roots.is_empty() {
            if let Some(p) = params.get("rootUri").and_then(Value::as_str).and_then(uri_to_path) {
                roots.push(p);
            } else if let Some(p) = params.get("rootPath").and_then(Value::as_str) {
                roots.push(PathBuf::from(p));
            }
        }
        self.roots = Arc::new(roots);
        let caps = params.get("capabilities");
        let flag = |path: &[&str]| {
            let mut v = caps;
            for k in path {
                v = v.and_then(|x| x.get(*k));
            }
            v.and_then(Value::as_bool).unwrap_or(false)
        };
        self.versioned_edits = flag(&["workspace", "workspaceEdit", "documentChanges"]);
        self.watch_registration = flag(&["workspace", "didChangeWatchedFiles", "dynamicRegistration"]);
        let capabilities = lsp::ServerCapabilities {
            position_encoding: Some(lsp::PositionEncodingKind::UTF16),
            text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp::TextDocumentSyncSaveOptions::SaveOptions(lsp::SaveOptions {
                    include_text: Some(false),
                })),
                ..Default::default()
            })),
            code_action_provider: Some(lsp::CodeActionProviderCapability::Options(lsp::CodeActionOptions {
                code_action_kinds: Some(vec![lsp::CodeActionKind::QUICKFIX]),
                resolve_provider: Some(false),
                ..Default::default()
            })),
            ..Default::default()
        };
        serde_json::to_value(lsp::InitializeResult {
            capabilities,
            server_info: Some(lsp::ServerInfo {
                name: "loopsafe".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        })
        .unwrap_or(Value::Null)
    }

    /// Ask the client to tell us when a `loopsafe.json` changes (if it can).
    fn register_watcher(&mut self) {
        if !self.watch_registration {
            return;
        }
        let id = RequestId::from(format!("loopsafe-{}", self.next_id));
        self.next_id += 1;
        let params = json!({"registrations": [{
            "id": "loopsafe-config-watcher",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": {"watchers": [{"globPattern": "**/loopsafe.json"}]}
        }]});
        self.send(Message::Request(Request { id, method: "client/registerCapability".into(), params }));
    }

    fn did_open(&mut self, p: lsp::DidOpenTextDocumentParams) {
        let d = p.text_document;
        let key = d.uri.as_str().to_string();
        let input = document_input(&key, &d.language_id);
        let now = Instant::now();
        self.last_revision += 1;
        let doc = Document {
            uri: d.uri,
            version: d.version,
            revision: self.last_revision,
            text: d.text,
            input,
            checked: None,
            checked_revision: 0,
            dirty: Some((now, now)),
            unpublished_since: Some(now),
        };
        self.docs.insert(key, doc);
    }

    fn did_change(&mut self, p: lsp::DidChangeTextDocumentParams) {
        let key = p.text_document.uri.as_str();
        self.last_revision += 1;
        let revision = self.last_revision;
        let Some(doc) = self.docs.get_mut(key) else {
            let message = format!("ignored didChange for {key}: the document is not open");
            self.log(lsp::MessageType::WARNING, message);
            return;
        };
        for change in &p.content_changes {
            apply_change(&mut doc.text, change);
        }
        doc.version = p.text_document.version;
        doc.revision = revision;
        let now = Instant::now();
        let first = *doc.unpublished_since.get_or_insert(now);
        doc.dirty = Some((doc.dirty.map_or(first, |d| d.0), now));
        // the open documents that import this one are checked again with its unsaved text
        let edited = doc.input.as_ref().map(|(p, _)| loopsafe_analyzer::project::normalize(p));
        self.recheck_importers(edited, now);
    }

    /// Mark for a new check the open documents whose last check read `changed` (or that have
    /// no result yet: their check may have read the old text).
    fn recheck_importers(&mut self, changed: Option<PathBuf>, now: Instant) {
        let Some(changed) = changed else { return };
        for other in self.docs.values_mut() {
            let reads = other.checked.as_ref().map_or(other.input.is_some(), |c| c.imported.contains(&changed));
            if reads && other.input.as_ref().is_none_or(|(p, _)| loopsafe_analyzer::project::normalize(p) != changed) {
                other.dirty = Some((other.dirty.map_or(now, |d| d.0), now));
            }
        }
    }

    fn did_save(&mut self, p: lsp::DidSaveTextDocumentParams) {
        // a saved file may be imported by the other open documents, or be their configuration
        let _ = p;
        self.recheck_all();
    }

    fn did_close(&mut self, p: lsp::DidCloseTextDocumentParams) {
        if let Some(doc) = self.docs.remove(p.text_document.uri.as_str()) {
            // its importers read it from disk again, where unsaved edits are gone
            let closed = doc.input.as_ref().map(|(p, _)| loopsafe_analyzer::project::normalize(p));
            self.recheck_importers(closed, Instant::now());
            self.notify(
                "textDocument/publishDiagnostics",
                lsp::PublishDiagnosticsParams { uri: doc.uri, diagnostics: Vec::new(), version: None },
            );
        }
    }

    fn recheck_all(&mut self) {
        let now = Instant::now();
        for doc in self.docs.values_mut() {
            doc.dirty = Some((doc.dirty.map_or(now, |d| d.0), now));
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        self.docs.values().filter_map(|d| d.dirty).map(|(first, last)| (last + DEBOUNCE).min(first + MAX_WAIT)).min()
    }

    /// Hand the documents whose quiet period is over to the worker.
    fn dispatch_due(&mut self) {
        let now = Instant::now();
        let due =
            |doc: &Document| doc.dirty.is_some_and(|(first, last)| now >= (last + DEBOUNCE).min(first + MAX_WAIT));
        if !self.docs.values().any(due) {
            return;
        }
        // what every check reads instead of the disk: the open documents as the user sees them
        let unsaved: Arc<FxHashMap<PathBuf, String>> = Arc::new(
            self.docs
                .values()
                .filter_map(|d| Some((loopsafe_analyzer::project::normalize(&d.input.as_ref()?.0), d.text.clone())))
                .collect(),
        );
        let mut cleared = Vec::new();
        for (key, doc) in self.docs.iter_mut() {
            if !due(doc) {
                continue;
            }
            doc.dirty = None;
            match &doc.input {
                Some((path, display)) => {
                    let job = Job {
                        uri: key.clone(),
                        revision: doc.revision,
                        version: doc.version,
                        text: Arc::from(doc.text.as_str()),
                        path: path.clone(),
                        display: display.clone(),
                        roots: self.roots.clone(),
                        unsaved: unsaved.clone(),
                    };
                    let _ = self.jobs.send(job);
                }
                None => cleared.push(doc.uri.clone()),
            }
        }
        for uri in cleared {
            self.notify(
                "textDocument/publishDiagnostics",
                lsp::PublishDiagnosticsParams { uri, diagnostics: Vec::new(), version: None },
            );
        }
    }

    fn on_result(&mut self, r: JobResult) {
        let Some(doc) = self.docs.get_mut(&r.uri) else { return }; // closed meanwhile
        if doc.revision != r.revision {
            // edited meanwhile: a newer check is on its way; but a user who keeps typing for
            // longer than MAX_WAIT gets the findings of the version checked, with its number
            let starving = doc.unpublished_since.is_some_and(|t| t.elapsed() >= MAX_WAIT);
            if !starving || r.revision < doc.checked_revision {
                return;
            }
        } else {
            doc.unpublished_since = None;
        }
        let mut failure = None;
        let (version, diagnostics) = match r.outcome {
            Ok(checked) => {
                let published = (checked.version, checked.published());
                doc.checked = Some(checked);
                doc.checked_revision = r.revision;
                published
            }
            Err(message) => {
                // no findings to show for this version: say why where the user looks, instead
                // of leaving the previous version's findings at positions that may be wrong
                failure = Some(format!("{}: {message}", r.uri));
                let at = lsp::Position { line: 0, character: 0 };
                let d = lsp::Diagnostic {
                    range: lsp::Range { start: at, end: at },
                    severity: Some(lsp::DiagnosticSeverity::ERROR),
                    source: Some("loopsafe".to_string()),
                    message: format!("loopsafe could not check this file: {message}"),
                    ..Default::default()
                };
                doc.checked = None;
                (r.version, vec![d])
            }
        };
        let params = lsp::PublishDiagnosticsParams { uri: doc.uri.clone(), diagnostics, version: Some(version) };
        if let Some(message) = failure {
            self.log(lsp::MessageType::ERROR, message);
        }
        self.notify("textDocument/publishDiagnostics", params);
    }

    fn code_action(&self, p: lsp::CodeActionParams) -> Value {
        let Some(doc) = self.docs.get(p.text_document.uri.as_str()) else { return json!([]) };
        let Some(checked) = doc.checked.as_ref().filter(|_| doc.checked_revision == doc.revision) else {
            return json!([]); // findings of an older version: their positions no longer hold
        };
        let actions = code_actions(&doc.uri, checked, p.range, p.context.only.as_deref(), self.versioned_edits);
        serde_json::to_value(actions).unwrap_or(json!([]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use loopsafe_analyzer::{Edit, Fix};

    fn pos(line: u32, character: u32) -> lsp::Position {
        lsp::Position { line, character }
    }

    fn range(a: (u32, u32), b: (u32, u32)) -> lsp::Range {
        lsp::Range { start: pos(a.0, a.1), end: pos(b.0, b.1) }
    }

    fn uri() -> lsp::Uri {
        lsp::Uri::from_str("file:///work/app/src/routes.js").unwrap()
    }

    fn span_of(text: &str, needle: &str) -> ByteSpan {
        let s = text.find(needle).unwrap() as u32;
        ByteSpan::new(s, s + needle.len() as u32)
    }

    #[test]
    fn offsets_count_utf16_and_clamp() {
        let t = "a\r\n😀x = 1;\rlast\nend";
        assert_eq!(offset_at(t, pos(0, 0)), 0);
        assert_eq!(offset_at(t, pos(0, 99)), 1); // past the line's end: before its terminator
        assert_eq!(offset_at(t, pos(1, 2)), 7); // after the 2-unit emoji
        assert_eq!(offset_at(t, pos(1, 1)), 3); // inside the surrogate pair: the emoji's start
        assert_eq!(offset_at(t, pos(2, 4)), t.find("\nend").unwrap()); // `\r` ends line 1
        assert_eq!(offset_at(t, pos(3, 3)), t.len());
        assert_eq!(offset_at(t, pos(99, 0)), t.len());
    }

    #[test]
    fn incremental_changes_apply_and_tolerate_bad_ranges() {
        let mut t = String::from("const a = 1;\nconst b = 2;\n");
        let change = |r: Option<lsp::Range>, s: &str| lsp::TextDocumentContentChangeEvent {
            range: r,
            range_length: None,
            text: s.to_string(),
        };
        apply_change(&mut t, &change(Some(range((1, 6), (1, 7))), "bee"));
        assert_eq!(t, "const a = 1;\nconst bee = 2;\n");
        apply_change(&mut t, &change(Some(range((0, 0), (0, 0))), "// hi\n"));
        assert_eq!(t, "// hi\nconst a = 1;\nconst bee = 2;\n");
        // reversed and past-the-end ranges are clamped, never a panic
        apply_change(&mut t, &change(Some(range((50, 3), (2, 100))), "!"));
        assert_eq!(t, "// hi\nconst a = 1;\nconst bee = 2;!");
        apply_change(&mut t, &change(None, "whole"));
        assert_eq!(t, "whole");
        // a multi-byte character split by a range end: the offset moves to a character boundary
        let mut t = String::from("é😀z");
        apply_change(&mut t, &change(Some(range((0, 2), (0, 2))), "|"));
        assert_eq!(t, "é|😀z");
    }

    #[test]
    fn diagnostics_convert_to_lsp() {
        let text = "const fs = require('fs');\napp.get('/x', (req, res) => {\n  res.send(fs.readFileSync('😀'));\n  helper();\n});\n";
        let src = SourceText::new(text);
        let mut d =
            Diagnostic::new("blocking-call", span_of(text, "fs.readFileSync('😀')"), "`fs.readFileSync` blocks")
                .with_label("blocks the event loop")
                .with_secondary(span_of(text, "helper()"), "called here")
                .with_help("use `fs.promises.readFile`");
        d.severity = Severity::Error;
        let l = to_lsp_diagnostic(&d, &src, &uri(), &[]);
        assert_eq!(l.range, range((2, 11), (2, 32))); // the emoji counts 2 UTF-16 units
        assert_eq!(l.severity, Some(lsp::DiagnosticSeverity::ERROR));
        assert_eq!(l.code, Some(lsp::NumberOrString::String("blocking-call".into())));
        assert_eq!(
            l.code_description.unwrap().href.as_str(),
            "https://github.com/loopsafe/loopsafe/blob/main/docs/rules/blocking-call.md"
        );
        assert_eq!(l.source.as_deref(), Some("loopsafe"));
        assert_eq!(l.message, "`fs.readFileSync` blocks\nhelp: use `fs.promises.readFile`");
        let rel = l.related_information.unwrap();
        assert_eq!(rel.len(), 1);
        assert_eq!(rel[0].location.uri, uri());
        assert_eq!(rel[0].location.range, range((3, 2), (3, 10)));
        assert_eq!(rel[0].message, "called here");

        d.severity = Severity::Warning;
        d.help.clear();
        d.labels.clear();
        let l = to_lsp_diagnostic(&d, &src, &uri(), &[]);
        assert_eq!(l.severity, Some(lsp::DiagnosticSeverity::WARNING));
        assert_eq!(l.message, "`fs.readFileSync` blocks");
        assert!(l.related_information.is_none());
        let json = serde_json::to_value(&l).unwrap();
        assert_eq!(json["severity"], 2);
        assert_eq!(json["code"], "blocking-call");

        let e = FileError { file: "x.js".into(), message: "syntax error: nope".into(), line: Some(3), column: Some(7) };
        let l = error_to_lsp_diagnostic(&e);
        assert_eq!(l.range, range((2, 6), (2, 6)));
        assert_eq!(l.severity, Some(lsp::DiagnosticSeverity::ERROR));
    }

    fn checked_with(text: &str, diags: Vec<Diagnostic>) -> Checked {
        let source = SourceText::new(text);
        let diagnostics = diags
            .into_iter()
            .map(|d| {
                let l = to_lsp_diagnostic(&d, &source, &uri(), &[]);
                (d, l)
            })
            .collect();
        Checked { version: 7, source, diagnostics, errors: Vec::new(), imported: Vec::new() }
    }

    fn actions(v: Vec<lsp::CodeActionOrCommand>) -> Vec<lsp::CodeAction> {
        v.into_iter()
            .map(|a| match a {
                lsp::CodeActionOrCommand::CodeAction(a) => a,
                lsp::CodeActionOrCommand::Command(_) => panic!("commands are never offered"),
            })
            .collect()
    }

    fn edits_of(a: &lsp::CodeAction) -> Vec<lsp::TextEdit> {
        let edit = a.edit.as_ref().unwrap();
        if let Some(changes) = &edit.changes {
            return changes[&uri()].clone();
        }
        match edit.document_changes.as_ref().unwrap() {
            lsp::DocumentChanges::Edits(e) => e[0]
                .edits
                .iter()
                .map(|x| match x {
                    lsp::OneOf::Left(t) => t.clone(),
                    lsp::OneOf::Right(t) => t.text_edit.clone(),
                })
                .collect(),
            lsp::DocumentChanges::Operations(_) => panic!("no file operations"),
        }
    }

    /// Apply LSP text edits (non-overlapping) the way a client does.
    fn apply_edits(text: &str, edits: &[lsp::TextEdit]) -> String {
        let mut spans: Vec<(usize, usize, &str)> = edits
            .iter()
            .map(|e| (offset_at(text, e.range.start), offset_at(text, e.range.end), e.new_text.as_str()))
            .collect();
        spans.sort_by_key(|s| std::cmp::Reverse(s.0));
        let mut out = text.to_string();
        for (a, b, s) in spans {
            out.replace_range(a..b, s);
        }
        out
    }

    const SEQUENTIAL: &str = "app.get('/u', async (req, res) => {\n  const a = await getUser(req.id);\n  const b = await getOrders(req.id);\n  res.json({ a, b });\n});\n";

    /// A fix built by hand in the shape sequential-await suggests.
    fn sequential_diagnostic() -> Diagnostic {
        let t = SEQUENTIAL;
        let first = t.find("const a").unwrap() as u32;
        let end = (t.find("req.id);\n  res").unwrap() + "req.id);".len()) as u32;
        Diagnostic::new(
            "sequential-await",
            span_of(t, "await getOrders(req.id)"),
            "independent awaits run one after another",
        )
        .with_secondary(span_of(t, "await getUser(req.id)"), "first await")
        .with_fix(Fix {
            description: "Run them concurrently with Promise.all".into(),
            edits: vec![Edit {
                span: ByteSpan::new(first, end),
                replacement: "const [a, b] = await Promise.all([getUser(req.id), getOrders(req.id)]);".into(),
            }],
        })
    }

    #[test]
    fn fix_and_suppression_actions() {
        let c = checked_with(SEQUENTIAL, vec![sequential_diagnostic()]);
        // the cursor on the diagnostic's line
        let got = actions(code_actions(&uri(), &c, range((2, 20), (2, 20)), None, false));
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].title, "Run them concurrently with Promise.all");
        assert_eq!(got[0].kind, Some(lsp::CodeActionKind::QUICKFIX));
        assert_eq!(got[0].is_preferred, Some(true));
        assert_eq!(
            got[0].diagnostics.as_ref().unwrap()[0].code,
            Some(lsp::NumberOrString::String("sequential-await".into()))
        );
        let fixed = apply_edits(SEQUENTIAL, &edits_of(&got[0]));
        assert_eq!(
            fixed,
            "app.get('/u', async (req, res) => {\n  const [a, b] = await Promise.all([getUser(req.id), getOrders(req.id)]);\n  res.json({ a, b });\n});\n"
        );
        assert_eq!(got[1].title, "Suppress sequential-await on this line (loopsafe-ignore-next-line)");
        let suppressed = apply_edits(SEQUENTIAL, &edits_of(&got[1]));
        assert!(
            suppressed.contains("  const a = await getUser(req.id);\n  // loopsafe-ignore-next-line sequential-await: <why this finding does not apply here>\n  const b = await getOrders"),
            "{suppressed}"
        );
        // versioned edits when the client takes them
        let got = actions(code_actions(&uri(), &c, range((2, 0), (2, 0)), None, true));
        match got[0].edit.as_ref().unwrap().document_changes.as_ref().unwrap() {
            lsp::DocumentChanges::Edits(e) => assert_eq!(e[0].text_document.version, Some(7)),
            _ => panic!("expected text document edits"),
        }
        assert_eq!(apply_edits(SEQUENTIAL, &edits_of(&got[0])), fixed);
        // elsewhere in the file: nothing
        assert!(code_actions(&uri(), &c, range((3, 0), (3, 5)), None, false).is_empty());
        // the client asked for other kinds only
        let only = [lsp::CodeActionKind::REFACTOR];
        assert!(code_actions(&uri(), &c, range((2, 20), (2, 20)), Some(&only), false).is_empty());
        let only = [lsp::CodeActionKind::QUICKFIX];
        assert_eq!(code_actions(&uri(), &c, range((2, 20), (2, 20)), Some(&only), false).len(), 2);
    }

    #[test]
    fn no_fix_no_fix_action_and_one_suppression_per_rule_and_line() {
        let text = "\tfoo(fs.readFileSync('a'), fs.readFileSync('b'));\r\n";
        let a = Diagnostic::new("blocking-call", span_of(text, "fs.readFileSync('a')"), "blocks");
        let b = Diagnostic::new("blocking-call", span_of(text, "fs.readFileSync('b')"), "blocks");
        let c = checked_with(text, vec![a, b]);
        let got = actions(code_actions(&uri(), &c, range((0, 0), (0, 60)), None, false));
        assert_eq!(got.len(), 1, "{got:?}");
        let edits = edits_of(&got[0]);
        assert_eq!(edits[0].range, range((0, 0), (0, 0)));
        // same indentation (a tab) and the file's line ending
        assert_eq!(
            edits[0].new_text,
            "\t// loopsafe-ignore-next-line blocking-call: <why this finding does not apply here>\r\n"
        );
    }

    #[test]
    fn suppression_comment_findings_offer_no_suppression() {
        let text = "  // loopsafe-ignore-next-line blocking-call\n  f();\n";
        let d = Diagnostic::new("suppression-comment", span_of(text, "// loopsafe"), "gives no reason");
        let c = checked_with(text, vec![d]);
        assert!(code_actions(&uri(), &c, range((0, 0), (0, 0)), None, false).is_empty());
    }

    #[test]
    fn suppression_goes_above_existing_suppressions() {
        let text = "x();\n  // loopsafe-ignore-next-line other-rule: fine\n  fs.readFileSync('a');\n";
        let src = SourceText::new(text);
        let e = suppression_edit(&src, 2, "blocking-call");
        assert_eq!(e.range.start, pos(1, 0));
        assert_eq!(
            e.new_text,
            "  // loopsafe-ignore-next-line blocking-call: <why this finding does not apply here>\n"
        );
    }

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(uri_to_path("file:///home/me/my%20app/a.js"), Some(PathBuf::from("/home/me/my app/a.js")));
        assert_eq!(uri_to_path("file://localhost/srv/x.ts"), Some(PathBuf::from("/srv/x.ts")));
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(uri_to_path("file:///bad%zz.js"), Some(PathBuf::from("/bad%zz.js")));
        assert_eq!(uri_to_path("file:///end%2"), Some(PathBuf::from("/end%2")));
    }

    #[test]
    fn which_documents_are_checked() {
        let ok = document_input("file:///p/src/a.ts", "typescript").unwrap();
        assert_eq!(ok, (PathBuf::from("/p/src/a.ts"), "/p/src/a.ts".to_string()));
        // `bin/www`: no extension, the language id decides
        let www = document_input("file:///p/bin/www", "javascript").unwrap();
        assert_eq!(www, (PathBuf::from("/p/bin/www"), "/p/bin/www.js".to_string()));
        assert!(document_input("file:///p/bin/www", "plaintext").is_none());
        assert!(document_input("file:///p/loopsafe.json", "json").is_none());
        assert!(document_input("file:///p/node_modules/x/index.js", "javascript").is_none());
        assert!(document_input("file:///p/types/a.d.ts", "typescript").is_none());
        assert_eq!(document_input("untitled:Untitled-1", "typescriptreact").unwrap().1, "untitled.tsx");
    }

    #[test]
    fn framing_survives_garbage() {
        let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
        let stream = [
            frame("{not json"),
            frame("[1,2]"),
            frame(r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#),
            "X-Other: 1\r\n\r\n".to_string(),
            "\r\n".to_string(),
            frame(r#"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{}}"#),
            "content-length: 2\n\n{}".to_string(),
        ]
        .concat();
        let mut r = io::Cursor::new(stream.into_bytes());
        let mut kinds = Vec::new();
        loop {
            match read_message(&mut r) {
                Incoming::Eof => break,
                Incoming::Invalid { code, .. } => kinds.push(code.to_string()),
                Incoming::Message(Message::Request(req)) => kinds.push(req.method),
                Incoming::Message(m) => kinds.push(format!("{m:?}")),
                Incoming::Skip => kinds.push("skip".into()),
            }
        }
        assert_eq!(kinds, ["-32700", "-32600", "-32600", "-32700", "initialize", "-32600"]);
    }
}
