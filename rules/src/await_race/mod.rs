use loopsafe_analyzer::knowledge::stores;
use loopsafe_analyzer::knowledge::Effects;
use loopsafe_analyzer::model::races::{Race, RaceKind};
use loopsafe_analyzer::model::{Context, FnId, FnUse};
use loopsafe_analyzer::rule::Scope;
use loopsafe_analyzer::{Diagnostic, Facts, Rule, RuleInfo};
use loopsafe_macros::rule;

/// Read-modify-write of shared state across an `await`: a lost update.
///
/// ## What it finds
/// State that other requests can see, read before an `await` and written after it from the value
/// read, so an update made in between is overwritten:
/// - in memory: `total += await price(id)`, `count = count + await n()`,
///   `this.balance = this.balance - await fee()`, `cache[key] = (cache[key] || 0) + await f()`,
///   `queue = [...queue, await next()]`, or `const cur = state.n; await save(); state.n = cur + 1`
///   (also when `cur` was read under a lock released before the await), where the target is module-level,
///   a class field through `this` (unless the class is only instantiated per request inside a
///   handler and not exported), a property of such an object, or a variable captured by a
///   route handler or by callbacks that run concurrently (`items.map(async …)`);
/// - in a datastore: a record read (`findById`, `findUnique`, `findOneBy`, `get`, `SELECT`,
///   `knex('t').where(…).first()`, `db.collection('c').findOne(…)`), then written back with a value
///   computed from it by arithmetic or by growing a list (`doc.n -= x; await doc.save()`,
///   `doc.tags = [...doc.tags, t]`, `repo.save(entity)`, `redis.set(k, n + 1)`,
///   `UPDATE … SET n = $1` of the same row, `knex('t').where(…).update(…)`), through the same
///   client or model and the same key (or the record's own `_id`), with no transaction, lock,
///   version check or atomic operator.
///
/// Only in functions established to run per request or event (the message says what registers
/// them). Locals, parameters and fresh objects that no other invocation sees, writes that do not compute
/// from the stale value (`latest = await fetchLatest()`, `x = await hash(x)`, `doc.title = body`),
/// values read again after the `await`, work inside `sequelize.transaction`, `prisma.$transaction`,
/// `knex.transaction`, `runExclusive`, `lock.acquire`, a helper named for its lock (`withItemLock`)
/// or between `BEGIN` and `COMMIT`, fields of NestJS `Scope.REQUEST` providers, reads with
/// `SELECT … FOR UPDATE` or a `{ transaction }`/`{ session }` option, atomic updates (`$inc`,
/// `INCRBY`, `SET n = n + 1`, `{ increment }`), optimistic writes (a version in the filter, a
/// schema with `optimisticConcurrency`), changes on a path that returns early, and start-up code
/// are not reported.
///
/// ## Why it matters
/// Node runs one request at a time, but an `await` hands the thread to every other request. Two
/// requests that both read a balance of 100, both await, then both write `100 - 30` leave 70
/// instead of 40: one payment disappears without an error. These bugs pass every test that sends
/// one request at a time and show up as drifting counters and money in production.
///
/// ## Examples
/// ```js
/// app.post('/wallets/:id/pay', async (req, res) => {
///   const wallet = await Wallet.findById(req.params.id);
///   wallet.balance -= req.body.amount;
///   await wallet.save();
///   res.json(wallet);
/// });
/// ```
/// ```js
/// app.post('/wallets/:id/pay', async (req, res) => {
///   const wallet = await Wallet.findOneAndUpdate(
///     { _id: req.params.id, balance: { $gte: req.body.amount } },
///     { $inc: { balance: -req.body.amount } },
///     { new: true },
///   );
///   res.json(wallet);
/// });
/// ```
///
/// ## How to fix
/// Let the store apply the change atomically (`$inc`, `INCRBY`, `UPDATE … SET n = n + ?`,
/// Prisma `{ increment }`, Sequelize `increment`); or read and write in one transaction with a row
/// lock (`SELECT … FOR UPDATE`, `lock: t.LOCK.UPDATE`); or add a version check to the write and
/// retry when it matches nothing. For in-memory state, await first and then update in one
/// synchronous step (`const p = await price(id); total += p`), or serialize the updates with a
/// mutex or a queue per key (e.g. async-mutex's `runExclusive`).
#[rule(id = "await-race", severity = "error", category = "correctness", fixable = false)]
pub struct AwaitRace;

impl Rule for AwaitRace {
    fn check(&self, facts: &Facts<'_>, out: &mut Vec<Diagnostic>) {
        if loopsafe_analyzer::knowledge::runs_outside_production(facts.path()) {
            return;
        }
        let m = facts.model();
        for race in &m.races {
            let f = m.function(race.func);
            if f.context != Context::EventLoop || unprotected(facts, race.func, 0) != Some(true) {
                continue;
            }
            // a call before the write of a project function that takes a lock or opens a
            // transaction (in this file or another): the window is protected
            const PROTECTS: Effects = Effects(Effects::LOCK.0 | Effects::TRANSACTION.0);
            if race.guards.iter().any(|&c| facts.call_effects(m.call(c)).effects.intersects(PROTECTS)) {
                continue;
            }
            out.push(report(facts, race));
        }
    }
}

/// Whether function `f` runs outside every transaction, lock, lifecycle hook and test: not inside
/// such a scope itself, and (when only called) called from somewhere unprotected. `None` when
/// nothing says (a cycle, too deep).
fn unprotected(facts: &Facts<'_>, f: FnId, depth: u32) -> Option<bool> {
    if depth > 8 {
        return None;
    }
    const CLOSED: Scope = Scope(Scope::SERIAL.0 | Scope::LIFECYCLE.0 | Scope::TEST.0);
    if facts.scope(f).has(CLOSED) {
        return Some(false);
    }
    // a helper every caller of which is protected (a private method needs no other caller)
    let m = facts.model();
    let func = m.function(f);
    let mut called = false;
    for u in &func.uses {
        match u {
            FnUse::Called(c) => {
                called = true;
                if unprotected(facts, m.call(*c).caller, depth + 1) == Some(true) {
                    return Some(true);
                }
            }
            FnUse::Escapes if func.private => {}
            _ => return Some(true),
        }
    }
    Some(!called)
}

fn report(facts: &Facts<'_>, race: &Race) -> Diagnostic {
    let why = facts.evidence_note(race.func).map(|w| format!(" — {w}")).unwrap_or_default();
    match &race.kind {
        RaceKind::Memory { path, single, concurrent } => {
            let who = if *concurrent { "another call of this callback" } else { "another request" };
            let help = if *single {
                format!("await the value first, then update `{path}` in one synchronous step (`const v = await …; {path} += v`), or serialize the updates with a mutex or a queue per key (e.g. async-mutex's `runExclusive`)")
            } else {
                format!("read `{path}` again after the await and update it in one synchronous step, or serialize the updates with a mutex or a queue per key (e.g. async-mutex's `runExclusive`)")
            };
            let runs = if *concurrent { "other calls of this callback run" } else { "other requests run" };
            Diagnostic::new(
                AwaitRace.meta().id,
                race.write,
                format!("`{path}` is read before an await and written after it from the stale value: an update made meanwhile by {who} is lost{why}"),
            )
            .with_label("written here from the stale value")
            .with_secondary(race.read, "read here")
            .with_secondary(race.await_kw, format!("await here ({runs})"))
            .with_help(help)
        }
        RaceKind::Store { desc, store, changed } => {
            let mut d = Diagnostic::new(
                AwaitRace.meta().id,
                race.write,
                format!(
                    "the record read by `{desc}` is written back from its stale value after an await, with no transaction, lock or atomic update: an update another request makes in between is lost{why}"
                ),
            )
            .with_label("written here from the stale value")
            .with_secondary(race.read, "read here")
            .with_secondary(race.await_kw, "await here (other requests run)");
            if let Some(c) = changed {
                d = d.with_secondary(*c, "changed here from the stale value");
            }
            d.with_help(stores::help(*store))
        }
    }
}
