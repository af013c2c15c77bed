use loopsafe_analyzer::knowledge::fan_out::resource_of;
use loopsafe_analyzer::knowledge::{runs_outside_production, Effects};
use loopsafe_analyzer::model::fanout::{FanKind, FanOut, Work};
use loopsafe_analyzer::model::{Context, FnId};
use loopsafe_analyzer::project::{Known, Size};
use loopsafe_analyzer::{Diagnostic, Facts, Rule};
use loopsafe_macros::rule;

/// Async work started once per element of a collection that grows with the data or the request,
/// with nothing bounding how much runs at once.
///
/// ## What it finds
/// - `Promise.all(xs.map(async (x) => …))` (and `allSettled`, `any`, `race`, Bluebird's), also
///   through a variable (`const jobs = xs.map(…); await Promise.all(jobs)`);
/// - `xs.forEach(async …)` and a discarded `xs.map(async …)`: every callback starts at once and
///   nobody awaits them;
/// - promises pushed in a loop (`for (const x of xs) jobs.push(save(x))`) and then awaited
///   together, and async calls started in a loop without `await` (`notify(u).catch(log)`);
/// - `p-map` and Bluebird `Promise.map` without `{ concurrency }`, `async.map`, `async.each`,
///   `async.parallel`;
/// - async `data`/`line`/`row` listeners on streams that never pause the stream.
///
/// Every premise must be established: the code runs per request or event (the message says what
/// registers it); the collection grows with the data or the request — the client's input
/// (`req.body.ids`, the keys of a request body, a count the client sends), the rows of a query
/// with no limit through a store's client, a listing of a directory the package does not ship,
/// the items of a stream, or a parameter that a caller anywhere in the project passes one of
/// those, or a project function's result that is one; and the work per element reaches a store,
/// a remote service or the thread pool (by what the called function's body does, in any file).
///
/// Not reported: collections the code fixes (literals, constants, `Object.keys` of a literal,
/// `slice(i, i + n)` batches, `chunk(xs, n)` groups, paged queries, a length checked against a
/// maximum before a bail-out, configuration, files the package ships), collections nothing says
/// anything about (a parameter whose callers are unknown), work through a limiter (`p-limit`,
/// `p-queue`, Bottleneck, a DataLoader — also inside the called function), paced or locked work,
/// queries inside a transaction or through one connection, start-up code, lifecycle hooks and
/// test files.
///
/// ## Why it matters
/// A thousand ids in a request body become a thousand simultaneous queries: the database pool
/// (often 10 connections) queues them, every other request waits behind them, and timeouts
/// cascade. `fs` and `crypto` calls share the libuv pool of 4 threads; remote APIs rate-limit
/// and sockets run out. It works in tests with three elements and fails in production.
///
/// ## Examples
/// ```js
/// const User = require('./models/user');
/// app.post('/users/bulk-delete', async (req, res) => {
///   await Promise.all(req.body.ids.map((id) => User.deleteOne({ _id: id })));
///   res.sendStatus(204);
/// });
/// ```
/// ```js
/// const pLimit = require('p-limit');
/// const User = require('./models/user');
/// const limit = pLimit(8);
/// app.post('/users/bulk-delete', async (req, res) => {
///   await Promise.all(req.body.ids.map((id) => limit(() => User.deleteOne({ _id: id }))));
///   res.sendStatus(204);
/// });
/// ```
///
/// ## How to fix
/// Bound the concurrency: run each task through a limiter (`p-limit`), use `p-map` or Bluebird
/// `Promise.map` with `{ concurrency: n }` or `async.mapLimit`, or await fixed-size batches
/// (`xs.slice(i, i + n)`, lodash `chunk`) one after another. Reject oversized input at the edge
/// (`if (ids.length > 100) return res.status(413)…`). A `for…of` loop with `await` runs one task
/// at a time: right when the calls must not overlap. For streams, iterate with `for await (const
/// chunk of stream)`, or `pause()` before the await and `resume()` after.
#[rule(id = "unbounded-fan-out", severity = "warning", category = "performance", fixable = false)]
pub struct UnboundedFanOut;

impl Rule for UnboundedFanOut {
    fn check(&self, facts: &Facts<'_>, out: &mut Vec<Diagnostic>) {
        // tests: their collections are the fixtures the test wrote
        if runs_outside_production(facts.path()) {
            return;
        }
        let m = facts.model();
        let mut seen = Vec::new();
        if std::env::var_os("LOOPSAFE_DEBUG_FANOUT").is_some() {
            for site in &m.fan_outs {
                eprintln!(
                    "FANOUT {}:{} bounded={:?} per_event={} size={:?} work={:?} collection={:?}",
                    facts.path(),
                    m.line_of(site.span.start),
                    site.bounded,
                    runs_per_event(facts, site.func),
                    facts.project.resolve_prov(facts.file, &site.collection),
                    work_name(facts, site),
                    site.collection
                );
            }
        }
        for site in &m.fan_outs {
            if site.bounded.is_some() || seen.contains(&site.span.start) || !runs_per_event(facts, site.func) {
                continue;
            }
            let Size::Unbounded(why) = facts.project.resolve_prov(facts.file, &site.collection) else { continue };
            let Some(work) = work_name(facts, site) else { continue };
            seen.push(site.span.start);
            out.push(report(facts, site, &why, &work));
        }
    }
}

/// Established to run per request or event, outside transactions, locks, lifecycle hooks and
/// tests.
fn runs_per_event(facts: &Facts<'_>, f: FnId) -> bool {
    facts.model().function(f).context == Context::EventLoop && facts.scope(f).0 == 0
}

/// What each element starts, when it is established to reach a store, a remote service or the
/// thread pool and nothing bounds it: the name a message gives it.
fn work_name(facts: &Facts<'_>, site: &FanOut) -> Option<String> {
    let m = facts.model();
    const PACED: Effects = Effects(Effects::LIMITED.0 | Effects::SLEEP.0 | Effects::LOCK.0 | Effects::TRANSACTION.0);
    const WORK: Effects = Effects(Effects::IO.0 | Effects::LOCAL.0);
    match site.work {
        Work::Callback(f) => {
            let effects = facts.project.summary(facts.file, f).effects;
            if !effects.intersects(WORK) || effects.intersects(PACED) {
                return None;
            }
            // named by the first call in the callback (or a callback in it) that does the work
            let mut fns = vec![f];
            let mut first = None;
            for i in 0..4 {
                let Some(&g) = fns.get(i) else { break };
                for &c in &m.function(g).calls {
                    let call = m.call(c);
                    let e = facts.call_effects(call);
                    if first.is_none() && e.known != Known::Package && e.effects.intersects(WORK) {
                        first = Some(call.callee_span);
                    }
                    fns.extend(call.callbacks.iter().map(|&(_, cb)| cb));
                }
                if first.is_some() {
                    break;
                }
            }
            Some(match first {
                Some(span) => name_of(facts, span),
                None => "task".to_string(),
            })
        }
        Work::Call(c) => {
            let call = m.call(c);
            let e = facts.call_effects(call);
            if e.known == Known::Package || !e.effects.intersects(WORK) || e.effects.intersects(PACED) {
                return None;
            }
            Some(name_of(facts, call.callee_span))
        }
    }
}

fn name_of(facts: &Facts<'_>, span: loopsafe_analyzer::diagnostic::ByteSpan) -> String {
    let text: String = facts.text(span).split_whitespace().collect::<Vec<_>>().join("");
    if text.chars().count() <= 40 {
        format!("`{text}`")
    } else {
        format!("`{}`", text.rsplit('.').next().unwrap_or("call"))
    }
}

/// What floods, when the work's module says so.
fn floods(facts: &Facts<'_>, site: &FanOut) -> Option<&'static str> {
    let m = facts.model();
    let calls: Vec<_> = match site.work {
        Work::Callback(f) => m.function(f).calls.to_vec(),
        Work::Call(c) => vec![c],
    };
    calls.iter().find_map(|&c| m.call(c).api().and_then(resource_of))
}

fn report(facts: &Facts<'_>, site: &FanOut, why: &str, work: &str) -> Diagnostic {
    let coll: String = facts.text(site.collection_span).split_whitespace().collect::<Vec<_>>().join(" ");
    let coll = if coll.chars().count() > 40 { "the collection".to_string() } else { format!("`{coll}`") };
    let how = match &site.kind {
        FanKind::All(c) => format!("`{c}` runs one {work} per element of {coll} at once"),
        FanKind::ForEach => {
            format!("`forEach` starts one async {work} per element of {coll} at once, and nobody awaits them")
        }
        FanKind::DiscardedMap => {
            format!("`map` starts one async {work} per element of {coll} at once, and nobody awaits them")
        }
        FanKind::Pushed(c) => format!("this loop starts one {work} per element of {coll}, all run at once by `{c}`"),
        FanKind::InLoop => format!("this loop starts one {work} per element of {coll} without waiting for the last"),
        FanKind::Library(l) => format!("`{l}` runs one {work} per element of {coll} at once (no `concurrency`)"),
        FanKind::Listener(e) => format!("each `{e}` event of {coll} starts an async {work} without pausing the stream"),
    };
    let floods = floods(facts, site).map(|r| format!(": a large input exhausts {r}")).unwrap_or_default();
    let evidence = facts.evidence_note(site.func).map(|w| format!("; {w}")).unwrap_or_default();
    let message = format!("{how}, with nothing bounding how many run together{floods} — {why}{evidence}");
    let help = match &site.kind {
        FanKind::Listener(_) => "iterate with `for await (const item of stream)`, or `pause()` the stream before the await and `resume()` after".to_string(),
        _ => "bound it: run each task through a limiter (`const limit = pLimit(8)` … `limit(() => …)`), p-map or Bluebird `Promise.map` with `{ concurrency: 8 }`, or `async.mapLimit`; or await `slice(i, i + 50)` batches one after another; or reject oversized input at the edge. A `for…of` loop with `await` runs one at a time, for calls that must not overlap".to_string(),
    };
    Diagnostic::new(UnboundedFanOut.meta_id(), site.span, message)
        .with_label("starts every task at once")
        .with_secondary(site.collection_span, "grows with the data or the request")
        .with_help(help)
}

impl UnboundedFanOut {
    fn meta_id(&self) -> &'static str {
        use loopsafe_analyzer::RuleInfo;
        self.meta().id
    }
}
