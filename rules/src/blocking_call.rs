use crate::knowledge::blocking;
use loopsafe_analyzer::diagnostic::ByteSpan;
use loopsafe_analyzer::model::{CallSite, EntryReason, FileModel, FnId, FnUse, Target};
use loopsafe_analyzer::{Diagnostic, FileContext, Rule};
use loopsafe_macros::rule;
use rustc_hash::FxHashMap;

/// Synchronous, thread-blocking calls in code that runs on the event loop.
///
/// ## What it finds
/// Calls that block Node's single event-loop thread — every `fs` `*Sync` function,
/// `child_process.execSync`/`execFileSync`/`spawnSync`, `crypto.pbkdf2Sync`/`scryptSync`/
/// `generateKeyPairSync`…, zlib `*Sync`, `Atomics.wait`, busy-wait loops on the clock, and the
/// sync APIs of well-known packages (`bcrypt.hashSync`, `glob.sync`, `execa.sync`, fs-extra) —
/// inside request handlers, listeners, timers, async functions and everything they call.
/// A call inside a helper is reported where the event-loop code calls the helper, with the chain.
///
/// Start-up code (the module top level and what it alone calls, e.g. reading config before
/// `listen`) may block and is not reported.
///
/// ## Why it matters
/// While a synchronous call runs, the process serves nobody: every other request, timer and
/// socket waits. A 20 ms `readFileSync` in a handler caps the whole server near 50 requests a
/// second, and a `pbkdf2Sync` with a production iteration count stalls it for hundreds of
/// milliseconds per login.
///
/// ## Examples
/// ```js
/// const fs = require('fs');
/// app.get('/mail', (req, res) => {
///   const html = fs.readFileSync('./templates/mail.html', 'utf8');
///   res.send(html);
/// });
/// ```
/// ```js
/// const fs = require('fs');
/// app.get('/mail', async (req, res) => {
///   const html = await fs.promises.readFile('./templates/mail.html', 'utf8');
///   res.send(html);
/// });
/// ```
///
/// ## How to fix
/// Use the asynchronous form named in the help (`fs.promises.readFile`, `crypto.pbkdf2`,
/// `child_process.execFile`…) and `await` it, read the file once at start-up and keep it in
/// memory, or move CPU-heavy work to a worker thread.
#[rule(id = "blocking-call", severity = "error", category = "correctness", fixable = false)]
pub struct BlockingCall;

impl Rule for BlockingCall {
    fn check_file(&self, cx: &FileContext<'_>, out: &mut Vec<Diagnostic>) {
        let m = cx.model;
        let mut helpers = HelperFacts::default();
        for f in m.functions.iter().filter(|f| f.is_entry()) {
            let place = describe_entry(m, f.id);
            for &c in &f.calls {
                let call = m.call(c);
                if let Some((api, alternative)) = blocking_api(call) {
                    out.push(
                        Diagnostic::new(
                            Self::META.id,
                            call.callee_span,
                            format!(
                                "`{api}` blocks the event loop in {place}: no other request is served until it returns"
                            ),
                        )
                        .with_label("blocks the event loop")
                        .with_help(format!("use {alternative} instead, or do this once at start-up")),
                    );
                } else if let Target::Local(h) = call.target {
                    let Some(path) = helpers.blocks(m, h) else { continue };
                    let mut chain = vec![entry_name(m, f.id)];
                    chain.extend(path.steps.iter().cloned());
                    chain.push(path.api.clone());
                    out.push(
                        Diagnostic::new(
                            Self::META.id,
                            call.span,
                            format!(
                                "`{}()` blocks the event loop in {place}: it calls `{}` ({})",
                                path.steps[0],
                                path.api,
                                chain.join(" → ")
                            ),
                        )
                        .with_label("blocks the event loop")
                        .with_secondary(path.site, format!("`{}` blocks here", path.api))
                        .with_help(format!(
                            "in `{}`, use {} instead, or do this once at start-up",
                            path.steps.last().unwrap(),
                            path.alternative
                        )),
                    );
                }
            }
            for &span in &f.busy_waits {
                out.push(
                    Diagnostic::new(
                        Self::META.id,
                        span,
                        format!("busy-wait loop blocks the event loop in {place}: it spins on the clock and nothing else runs meanwhile"),
                    )
                    .with_label("spins until the time passes")
                    .with_help("wait with `await new Promise((r) => setTimeout(r, ms))` (or `timers/promises` `setTimeout`) instead"),
                );
            }
        }
    }
}

/// The blocking API a call resolves to, with its alternative.
fn blocking_api(call: &CallSite) -> Option<(String, String)> {
    let q = call.api()?;
    blocking::lookup(q).map(|alt| (q.to_string(), alt))
}

/// An anonymous callback inside an entry point is named after that entry point.
fn named_entry(m: &FileModel, id: FnId) -> FnId {
    let mut id = id;
    for _ in 0..8 {
        let f = m.function(id);
        if f.name.is_some() {
            break;
        }
        let outer = f.uses.iter().find_map(|u| match u {
            FnUse::Callback { call, .. } => Some(m.call(*call).caller).filter(|c| m.function(*c).is_entry()),
            _ => None,
        });
        match outer {
            Some(c) => id = c,
            None => break,
        }
    }
    id
}

/// The short name of an entry point, for chains: `GET /mail`, `loadUser`.
fn entry_name(m: &FileModel, id: FnId) -> String {
    let id = named_entry(m, id);
    m.describe(id).trim_end_matches(" handler").to_string()
}

/// How an event-loop entry point is named in messages.
fn describe_entry(m: &FileModel, id: FnId) -> String {
    let id = named_entry(m, id);
    let f = m.function(id);
    let name = m.describe(id);
    match &f.entry {
        Some(EntryReason::Route { .. }) => format!("the {name}"),
        Some(EntryReason::Callback { callee }) if f.name.is_none() => format!("a callback passed to `{callee}`"),
        Some(EntryReason::HandlerParams) => format!("request handler `{name}`"),
        Some(EntryReason::ControllerMethod) => format!("controller method `{name}`"),
        Some(EntryReason::Async) if f.name.is_some() => format!("async function `{name}`"),
        Some(EntryReason::Async) => "an async function".to_string(),
        _ => format!("`{name}`"),
    }
}

/// How a helper reaches a blocking call.
#[derive(Clone)]
struct BlockPath {
    /// Helper names from the one called to the one that blocks.
    steps: Vec<String>,
    api: String,
    alternative: String,
    site: ByteSpan,
}

/// Memoized "does this helper block, and how" over the local call graph.
#[derive(Default)]
struct HelperFacts {
    memo: FxHashMap<FnId, Option<BlockPath>>,
}

impl HelperFacts {
    /// Whether calling the non-entry function `h` blocks: directly, in a synchronous callback it
    /// runs (`forEach`), or through other helpers. Entry points are reported on their own and are
    /// not followed.
    fn blocks(&mut self, m: &FileModel, h: FnId) -> Option<BlockPath> {
        if let Some(r) = self.memo.get(&h) {
            return r.clone();
        }
        let f = m.function(h);
        if f.is_entry() || f.is_generator || h == FnId::MODULE {
            return None;
        }
        self.memo.insert(h, None); // cycle guard
        let name = m.describe(h);
        let r = self.scan(m, h).map(|mut p| {
            p.steps.insert(0, name);
            p
        });
        self.memo.insert(h, r.clone());
        r
    }

    /// The blocking path inside `h`'s body (and its synchronous callbacks), without `h` itself.
    fn scan(&mut self, m: &FileModel, h: FnId) -> Option<BlockPath> {
        let f = m.function(h);
        if let Some(&site) = f.busy_waits.first() {
            return Some(BlockPath {
                steps: vec![],
                api: "a busy-wait loop".into(),
                alternative: "an awaited timer".into(),
                site,
            });
        }
        for &c in &f.calls {
            let call = m.call(c);
            if let Some((api, alternative)) = blocking_api(call) {
                return Some(BlockPath { steps: vec![], api, alternative, site: call.callee_span });
            }
        }
        for &c in &f.calls {
            let call = m.call(c);
            if let Target::Local(g) = call.target {
                if let Some(p) = self.blocks(m, g) {
                    return Some(p);
                }
            }
            for &(_, cb) in &call.callbacks {
                let sync = m.function(cb).uses.iter().any(|u| {
                    matches!(u, FnUse::Callback { call: cc, kind: loopsafe_analyzer::knowledge::CallbackKind::Sync, .. } if *cc == c)
                });
                if sync && !m.function(cb).is_entry() {
                    if let Some(p) = self.scan(m, cb) {
                        return Some(p);
                    }
                }
            }
        }
        None
    }
}
