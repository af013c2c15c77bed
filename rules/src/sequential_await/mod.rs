mod render;

use loopsafe_analyzer::knowledge::{
    is_startup_file, name_has_word, ordering, runs_outside_production, Effect, Effects,
};
use loopsafe_analyzer::model::awaits::{is_serial_name, AwaitMember, Local};
use loopsafe_analyzer::model::{Context, FnId};
use loopsafe_analyzer::project::Known;
use loopsafe_analyzer::rule::Scope;
use loopsafe_analyzer::{Diagnostic, Facts, Rule};
use loopsafe_macros::rule;

/// Independent awaits that run one after another when they could run together.
///
/// ## What it finds
/// - Two or more awaits in a row (declarations, assignments to variables declared earlier, or
///   awaits whose result is dropped) in a function that runs per request or event, where every
///   awaited call is an established read and none needs another's result. A read is
///   established by what the called function's body does, here or in another file of the project
///   (`loadDashboard()` whose body only selects), or, for a package's or an unknown object's
///   method, by its name (`findOne`, `count`, `get`, a `SELECT`). Also awaits side by side in one
///   expression (`{ a: await x(), b: await y() }`, `f(await a(), await b())`).
/// - An await in a `for`, `for…of` or `for…in` loop whose iterations are independent: every
///   awaited call is an established read that varies with the iteration and reads nothing the
///   loop changes, and the loop has no `break`, `return`, `throw` or `try`.
///
/// The message says what establishes that the function runs per request (its registration, a
/// handler signature, or the per-request code that calls it).
///
/// It stays silent when any premise is unknown or false: functions whose callers are unknown or
/// that run at start-up (`async` alone proves nothing), calls whose effect is unknown, calls of a
/// project function that does no I/O (an in-memory lookup is no round-trip) or that writes,
/// locks, pauses or changes module or `this` state, data dependence (also through a variable a
/// called function sets, or an object a call with a dropped result was handed), transactions,
/// single connections, locks and pauses anywhere in the function, guards (a statement between two
/// awaits, such as `if (!user) return`, ends a group; a dropped `await check…()` is a guard),
/// local or CPU work (`fs`, hashing), wrappers that run a callback (`retry(async () => …)`),
/// dropped loads (`await loadSettings()`), retry, pagination and accumulating loops, loops over
/// batches (`_.chunk(ids, 100)`), `for await`, awaits in different branches, and test, migration,
/// seed and script files. `while` loops are not judged (they poll, page or retry), nor
/// assignments to properties (`this.user =`). Nor are routes only operators reach (an
/// authorization middleware or router named for them: `isAdmin`, `authorized(BUILDER)`,
/// `adminRouter`), as in `blocking-call`: a round-trip saved on an admin page serves a few people,
/// rarely.
///
/// ## Why it matters
/// Each await waits for the previous operation to finish before the next one starts. Three
/// independent 20 ms database reads cost 60 ms in series and about 20 ms together; a loop over 50
/// ids pays 50 round-trips one after another. Latency adds up per request, while the server and the
/// database sit idle.
///
/// ## Examples
/// ```js
/// const { getUser, getOrders, getPayments } = require('./accounts');
/// app.get('/dashboard/:id', async (req, res) => {
///   const user = await getUser(req.params.id);
///   const orders = await getOrders(req.params.id);
///   const payments = await getPayments(req.params.id);
///   res.json({ user, orders, payments });
/// });
/// ```
/// ```js
/// const { getUser, getOrders, getPayments } = require('./accounts');
/// app.get('/dashboard/:id', async (req, res) => {
///   const [user, orders, payments] = await Promise.all([
///     getUser(req.params.id),
///     getOrders(req.params.id),
///     getPayments(req.params.id),
///   ]);
///   res.json({ user, orders, payments });
/// });
/// ```
///
/// ## How to fix
/// Start independent operations together and await them once with `Promise.all` (a suggested fix
/// does this for simple groups of declarations). For loops, map the collection to promises: with
/// `Promise.all` when the collection is small and known, otherwise through a bounded pool
/// (`p-limit`, `p-map` with `{ concurrency }`), so the fix does not become an unbounded fan-out.
/// Keep the order when it is the meaning and say so with a comment or a suppression.
#[rule(id = "sequential-await", severity = "warning", category = "performance", fixable = true)]
pub struct SequentialAwait;

impl Rule for SequentialAwait {
    fn check(&self, facts: &Facts<'_>, out: &mut Vec<Diagnostic>) {
        // tests and one-shot scripts (migrations, seeds, CLIs): their latency does not matter
        if runs_outside_production(facts.path()) || is_startup_file(facts.path()) {
            return;
        }
        let m = facts.model();
        let mut judged: Vec<Option<bool>> = vec![None; m.functions.len()];
        let debug_runs = std::env::var_os("LOOPSAFE_DEBUG_RUNS").is_some();
        let mut is_judged = |f: FnId| *judged[f.0 as usize].get_or_insert_with(|| function_is_judged(facts, f));
        for run in &m.awaits.runs {
            if !is_judged(run.func) {
                if debug_runs {
                    let f = m.function(run.func);
                    eprintln!(
                        "RUN-SKIP {}:{} fn={} ctx={:?} async={} operators={}",
                        facts.path(),
                        m.line_of(run.members[0].span.start),
                        m.describe(run.func),
                        f.context,
                        f.is_async,
                        facts.project.operators_only(facts.file, run.func)
                    );
                }
                continue;
            }
            let roles: Vec<bool> = run.members.iter().map(|mem| is_read(facts, mem)).collect();
            if debug_runs {
                for (mem, r) in run.members.iter().zip(&roles) {
                    let e = facts.call_effects(m.call(mem.verb));
                    eprintln!(
                        "RUN {}:{} read={r} known={:?} effects={:?} local={}",
                        facts.path(),
                        m.line_of(mem.span.start),
                        e.known,
                        e.effects,
                        mem.local.0
                    );
                }
            }
            if run.elements {
                // side by side in one expression: all or nothing
                if roles.iter().all(|&r| r) && all_independent(facts, &run.members) {
                    out.push(render::elements(facts, run.func, &run.members));
                }
                continue;
            }
            // statements: the longest groups of reads that do not depend on each other
            let mut group: Vec<&AwaitMember> = Vec::new();
            for (mem, &read) in run.members.iter().zip(&roles) {
                if !read || !group.iter().all(|g| independent(facts, g, mem)) {
                    flush(facts, run.func, std::mem::take(&mut group), out);
                }
                if read {
                    group.push(mem);
                }
            }
            flush(facts, run.func, group, out);
        }
        let debug = std::env::var_os("LOOPSAFE_DEBUG_LOOPS").is_some();
        for lp in &m.awaits.loops {
            if debug {
                let f = m.function(lp.func);
                eprintln!(
                    "LOOP {}:{} independent={} batches={} judged={} ctx={:?} async={} scope={:?} over={:?} reads={:?}",
                    facts.path(),
                    m.line_of(lp.head.start),
                    lp.independent,
                    lp.batches,
                    is_judged(lp.func),
                    f.context,
                    f.is_async,
                    facts.scope(lp.func).0,
                    lp.over,
                    lp.members
                        .iter()
                        .map(|mem| {
                            let e = facts.call_effects(m.call(mem.verb));
                            (
                                m.line_of(mem.span.start),
                                is_read(facts, mem),
                                mem.local.0,
                                e.effects,
                                e.known,
                                m.call(mem.verb).method.as_deref().or(mem.private_name.as_deref()).map(str::to_string),
                            )
                        })
                        .collect::<Vec<_>>()
                );
            }
            if lp.independent && !lp.batches && is_judged(lp.func) && lp.members.iter().all(|mem| is_read(facts, mem)) {
                out.push(render::in_loop(facts, lp));
            }
        }
    }
}

fn flush(facts: &Facts<'_>, func: FnId, group: Vec<&AwaitMember>, out: &mut Vec<Diagnostic>) {
    if group.len() >= 2 {
        out.push(render::statements(facts, func, &group));
    }
}

/// Async, not a generator, established to run per request or event, outside any transaction,
/// lock, session, test or lifecycle hook, and not itself taking locks or pausing.
fn function_is_judged(facts: &Facts<'_>, id: FnId) -> bool {
    let m = facts.model();
    let f = m.function(id);
    if id == FnId::MODULE || !f.is_async || f.is_generator || f.context != Context::EventLoop {
        return false;
    }
    if facts.scope(id).0 != Scope::default().0 {
        return false;
    }
    if facts.project.operators_only(facts.file, id) {
        // an admin page's latency serves a few people, rarely (as in `blocking-call`)
        return false;
    }
    const SCOPES: Effects = Effects(Effects::LOCK.0 | Effects::UNLOCK.0 | Effects::TRANSACTION.0 | Effects::SLEEP.0);
    f.calls.iter().all(|&c| {
        let call = m.call(c);
        // a lock, transaction or pause of this body orders what is around it; one a callee takes
        // and releases inside itself (a whole automation run) is the callee's own business (the
        // callee is no read then, so it stays where it is); a callee that takes a lock and keeps
        // it (`acquireLock()`) holds it over what follows
        let callee = facts.call_effects(call).effects;
        let holds = callee.contains(Effects::LOCK) && !callee.contains(Effects::UNLOCK);
        // a helper that only pauses (`await delay(1000)`) paces this body as a timer would
        let pauses = callee.contains(Effects::SLEEP) && !callee.intersects(Effects::IO);
        !holds
            && !pauses
            && !Effects::of(m.effect(call)).intersects(SCOPES)
            // `await new Promise((r) => setTimeout(r, ms))`
            && !call.callbacks.iter().any(|&(_, cb)| {
                m.function(cb).calls.iter().any(|&cc| m.effect(m.call(cc)) == Effect::Sleep)
            })
    })
}

/// Whether an awaited call is an established read that may move: a project function whose body
/// only reads (and reads something), or a package's or unknown object's method named a read.
fn is_read(facts: &Facts<'_>, mem: &AwaitMember) -> bool {
    let m = facts.model();
    const ORDERED: Local = Local(
        Local::SIDE_EFFECTS.0
            | Local::CALLBACK.0
            | Local::SERIAL.0
            | Local::HTTP_WRITE.0
            | Local::COMBINATOR.0
            | Local::CARRIER.0
            | Local::SQL_UNKNOWN.0,
    );
    if mem.local.has(ORDERED) {
        return false;
    }
    let call = m.call(mem.call);
    let verb = m.call(mem.verb);
    let Some(name) = verb.method.as_deref().or(mem.private_name.as_deref()) else { return false };
    if call.is_new
        || is_serial_name(name)
        || ordering::ORDER_WORDS.iter().any(|w| name_has_word(name, w))
        || ordering::LOCAL_WORK_WORDS.iter().any(|w| name_has_word(name, w))
        || loopsafe_analyzer::knowledge::camel_words(name)
            .any(|w| ordering::WRITE_ANYWHERE_WORDS.iter().any(|x| x.eq_ignore_ascii_case(w)))
        || verb.api().is_some_and(|q| ordering::LOCAL_MODULES.contains(&q.module.as_str()))
    {
        return false;
    }
    let named = m.effect(verb);
    let discarded = mem.local.has(Local::DISCARDED);
    if discarded
        && (named != Effect::Read
            || ordering::GUARD_WORDS.iter().any(|w| name_has_word(name, w))
            || loopsafe_analyzer::knowledge::camel_words(name)
                .any(|w| ordering::PERMISSION_WORDS.iter().any(|x| x.eq_ignore_ascii_case(w)))
            || ordering::LOADER_WORDS.iter().any(|w| name_has_word(name, w)))
    {
        // a dropped result is run for what it does: a guard, a loader filling a cache
        return false;
    }
    // the verb's effects; a chain whose verb says nothing is judged by its last call
    let mut known = facts.call_effects(verb);
    if matches!(known.known, Known::Name | Known::Package) && known.effects.is_empty() && mem.verb != mem.call {
        known = facts.call_effects(call);
    }
    match known.known {
        Known::Body | Known::Methods => known.effects.reads_only(),
        Known::Name => named == Effect::Read,
        Known::Package => false,
    }
}

/// Whether `b` (later) may run together with `a` (earlier): neither reads what the other
/// declares or what the other's function writes, and a dropped result did not change an object
/// the later call reads.
fn independent(facts: &Facts<'_>, a: &AwaitMember, b: &AwaitMember) -> bool {
    if a.declares.iter().any(|&d| b.refs.reads(d) || b.declares.contains(&d)) {
        return false;
    }
    if b.declares.iter().any(|&d| a.refs.reads(d)) {
        return false;
    }
    let writes = |mem: &AwaitMember| -> &[loopsafe_analyzer::model::BindingId] {
        match facts.model().call(mem.call).target {
            loopsafe_analyzer::model::Target::Local(f) => &facts.model().function(f).writes_outer,
            _ => &[],
        }
    };
    if writes(a).iter().any(|&w| b.refs.reads(w)) || writes(b).iter().any(|&w| a.refs.reads(w)) {
        return false;
    }
    // a dropped result leaves its effect in the objects the call was handed
    if a.local.has(Local::DISCARDED) && a.refs.whole.iter().any(|&x| b.refs.reads(x)) {
        return false;
    }
    true
}

fn all_independent(facts: &Facts<'_>, members: &[AwaitMember]) -> bool {
    (0..members.len()).all(|i| members[..i].iter().all(|a| independent(facts, a, &members[i])))
}
