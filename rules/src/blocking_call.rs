use loopsafe_analyzer::knowledge::is_light_sync;
use loopsafe_analyzer::knowledge::runs_outside_production;
use loopsafe_analyzer::model::{EntryReason, FileModel, FnId, FnUse};
use loopsafe_analyzer::project::{blocking_api, short_path, Access};
use loopsafe_analyzer::{Diagnostic, Facts, Rule};
use loopsafe_macros::rule;

/// Synchronous, thread-blocking calls in code that runs on the event loop.
///
/// ## What it finds
/// Calls that block Node's single event-loop thread — every `fs` `*Sync` function,
/// `child_process.execSync`/`execFileSync`/`spawnSync`, `crypto.pbkdf2Sync`/`scryptSync`/
/// `generateKeyPairSync`…, zlib `*Sync`, `Atomics.wait`, busy-wait loops on the clock, and the
/// sync APIs of well-known packages (`bcrypt.hashSync`, `glob.sync`, `execa.sync`, fs-extra) —
/// in code established to run per request or event: route handlers and middleware (also when
/// another file registers them, `router.get('/x', users.list)`; routes declared as objects,
/// `server.route({ method, path, handler })` of Hapi and Fastify; routers that take the method as
/// a string, `this.route('GET', '/users/me', h)`), Next.js route modules (`GET` exported from
/// `app/**/route.ts`, the default export of `pages/api/**`), the functions of a GraphQL resolver
/// map (`new ApolloServer({ typeDefs, resolvers })`), listeners, timers, scheduled jobs and
/// queue processors (BullMQ's `Worker`, `queue.process` of Bull, `agenda.define`, pg-boss
/// `work`), Passport strategies' verify functions and session deserializers, methods with route
/// or event decorators and those of decorated controllers, functions with a request handler's
/// parameters (`req, res`), and whatever they call (also through injected services:
/// `constructor(private users: UsersService)`, and fields the constructor fills once:
/// `this.archive = new Archive()`), create, or hand to another call by name
/// (`TableGeneration.init({ generate: sdk.helpers.generateRows })`).
/// A call inside a helper is reported where the per-event code calls the helper, with the chain;
/// the message says what establishes that the code runs per request. An `async` function whose
/// callers are unknown is not reported: boot functions are async too.
///
/// Start-up code (the module top level and what it alone calls, e.g. reading config before
/// `listen`) may block and is not reported. Neither are test files (`*.test.*`, `*.spec.*`,
/// `__tests__/`…) and worker-thread scripts (code that answers through `parentPort`, or
/// registers with `workerpool.worker`): no request waits on them, and a worker thread is where
/// blocking work belongs. A lazily filled cache is not reported either: a call that fills
/// module or `this` state only while it is empty (`if (!tpl) tpl = fs.readFileSync(…)`,
/// `tpl ??= load()`, `if (tpl) return tpl;` before `tpl = …`) blocks the first request only, like
/// a `require` in a handler — unless the file empties that state again (`busy = false`), the
/// object is made per request, or the cache is keyed (`cache[name]`, `map.has(id)`: once per key).
/// A set-up behind a "done" flag (`if (theme && !themeLoaded) { …; themeLoaded = true; }`) counts
/// the same. Nor are `close`/`listening` listeners of a server bound at module level
/// (`server.on('close', …)`): shutdown and start-up code. Listeners of a file-system watcher set
/// up at start-up (`chokidar.watch(dir).on('add', …)`, `node-watch`) are not reported either: they
/// run when someone changes files on disk, rare events that no visitor causes. Code only a development or test
/// environment runs (`if (process.env.NODE_ENV === 'development')`, `if (env.isDev())`, the `else`
/// of a production check) is not reported, and neither are routes only operators reach: an
/// authorization middleware or router named for them (`router.post('/restore', isAdmin, …)`,
/// `authorized(permissions.BUILDER)`, `adminRouter.get(…)`). An admin's rare restore may block
/// for the admin who asked for it. Cheap metadata calls (`existsSync`, `statSync`, `mkdirSync`)
/// are reported only in handlers anyone can reach (no authorization middleware): elsewhere they
/// cost the few who get there microseconds. When a helper holds several blocking calls, the
/// costliest names the chain (a read over an `existsSync`) and the others are pointed at. A
/// helper that blocks only in a branch of one of its parameters (`if (!usernameOnly)`,
/// `fromDisk ? read() : …`, `verify && …`) is not reported where the caller passes a literal that
/// skips the branch (`authenticate(name, null, true)`) or leaves out an argument the branch needs.
/// `this.check()` and `self.check()` (with `const self = this`) reach the methods of the class,
/// or of the constructor whose `prototype` they are assigned to (`Auth.prototype.check = …`).
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
    fn check(&self, facts: &Facts<'_>, out: &mut Vec<Diagnostic>) {
        let (project, file) = (facts.project, facts.file);
        let m = project.model(file);
        if runs_outside_production(&m.path) || is_worker_script(m) {
            return;
        }
        if std::env::var_os("LOOPSAFE_DEBUG_SYNC").is_some() {
            for f in &m.functions {
                for &c in &f.calls {
                    if let Some((api, _)) = blocking_api(m.call(c)) {
                        eprintln!(
                            "SYNC {}:{} api={api} fn={} ctx={:?} entry={} access={:?} why={:?}",
                            m.path,
                            m.line_of(m.call(c).callee_span.start),
                            m.describe(f.id),
                            f.context,
                            f.is_entry(),
                            project.access(file, f.id),
                            project.evidence_note(file, f.id, file)
                        );
                    }
                }
            }
        }
        for f in m.functions.iter().filter(|f| f.is_entry() && !is_worker_listener(m, f.id)) {
            let place = describe_entry(m, f.id);
            let why = project.evidence_note(file, f.id, file).map(|w| format!(" — {w}")).unwrap_or_default();
            // cheap metadata calls (`existsSync`, `statSync`) matter where every visitor can
            // reach them; behind a guard or in a listener they cost the few who get there little
            let access = project.access(file, f.id);
            if access == Access::Operator {
                // a route only operators reach (`isAdmin`, `adminRouter`) runs rarely, for people
                // who chose to wait: like start-up code, it may block
                continue;
            }
            let open = access == Access::Open;
            for &c in &f.calls {
                let call = m.call(c);
                if let Some((api, alternative)) = blocking_api(call) {
                    if !open && is_light_sync(&api) {
                        continue;
                    }
                    out.push(
                        Diagnostic::new(
                            Self::META.id,
                            call.callee_span,
                            format!(
                                "`{api}` blocks the event loop in {place}: no other request is served until it returns{why}"
                            ),
                        )
                        .with_label("blocks the event loop")
                        .with_help(format!("use {alternative} instead, or do this once at start-up")),
                    );
                    continue;
                }
                if call.once {
                    // a helper that fills a cache on the first request only (`tpl ??= load()`)
                    continue;
                }
                let Some((hf, h)) = project.callee(file, call) else { continue };
                let Some(path) = project.helper_blocks(hf, h) else { continue };
                if path.ruled_out_by(call, hf, h) {
                    // `authenticate(user, true)`: the branch that blocks needs the other value
                    continue;
                }
                if !open && is_light_sync(&path.api) {
                    continue;
                }
                let mut chain = vec![entry_name(m, f.id)];
                for step in &path.steps {
                    let name = if step.file == file {
                        step.name.clone()
                    } else {
                        format!("{} ({})", step.name, short_path(&project.model(step.file).path))
                    };
                    chain.push(name);
                }
                chain.push(path.api.clone());
                // a busy-wait is no API: "it spins in a busy-wait loop", not "it calls `a busy-wait loop`"
                let spins = path.api.starts_with("a ");
                let (what, blocks_here) = if spins {
                    (format!("it spins in {}", path.api), "spins here".to_string())
                } else {
                    (format!("it calls `{}`", path.api), format!("`{}` blocks here", path.api))
                };
                let helper = path.steps.last().map(|s| s.name.as_str()).unwrap_or("the helper");
                let help = if spins {
                    format!(
                        "in `{helper}`, wait with {} (`await new Promise((r) => setTimeout(r, ms))`) instead",
                        path.alternative
                    )
                } else {
                    format!("in `{helper}`, use {} instead, or do this once at start-up", path.alternative)
                };
                let mut d = Diagnostic::new(
                    Self::META.id,
                    call.span,
                    format!(
                        "`{}()` blocks the event loop in {place}: {what} ({}){why}",
                        path.steps[0].name,
                        chain.join(" → ")
                    ),
                )
                .with_label("blocks the event loop")
                .with_help(help)
                .as_flow();
                // each step is a location, in its own file: where it calls the next, and the
                // blocking site in the last
                for (i, step) in path.steps.iter().enumerate() {
                    let text = match path.steps.get(i + 1) {
                        Some(next) => format!("`{}` calls `{}` here", step.name, next.name),
                        None => blocks_here.clone(),
                    };
                    d = if step.file == file {
                        d.with_secondary(step.call, text)
                    } else {
                        d.with_secondary_in(project.model(step.file).path.clone(), step.call, text)
                    };
                }
                // the helper's other blocking calls go with it
                for &other in &path.others {
                    d = if path.site_file == file {
                        d.with_secondary(other, "blocks here too")
                    } else {
                        d.with_secondary_in(project.model(path.site_file).path.clone(), other, "blocks here too")
                    };
                }
                out.push(d);
            }
            for &span in &f.busy_waits {
                out.push(
                    Diagnostic::new(
                        Self::META.id,
                        span,
                        format!("busy-wait loop blocks the event loop in {place}: it spins on the clock and nothing else runs meanwhile{why}"),
                    )
                    .with_label("spins until the time passes")
                    .with_help("wait with `await new Promise((r) => setTimeout(r, ms))` (or `timers/promises` `setTimeout`) instead"),
                );
            }
        }
    }
}

/// A worker thread's script (it talks to its parent through `parentPort`, or registers its
/// functions with `workerpool.worker`/`threads` `expose`): it runs on a thread of its own, which is
/// where blocking work belongs. A file that also starts workers (`new Worker(__filename)`) is
/// both sides at once and is judged normally.
fn is_worker_script(m: &FileModel) -> bool {
    let mut worker_side = false;
    for c in &m.calls {
        let Some(q) = c.api() else { continue };
        let first = q.path.first().map(|a| a.as_str());
        match q.module.as_str() {
            "worker_threads" if first == Some("Worker") => return false,
            "worker_threads" if first == Some("parentPort") => worker_side = true,
            "workerpool" if first == Some("worker") => worker_side = true,
            "threads/worker" | "threads" if first == Some("expose") => worker_side = true,
            _ => {}
        }
    }
    worker_side
}

/// A `parentPort` listener (in a file that is both sides, `if (isMainThread) … else …`): it runs
/// on the worker's thread.
fn is_worker_listener(m: &FileModel, id: FnId) -> bool {
    matches!(&m.function(named_entry(m, id)).entry,
        Some(EntryReason::Callback { callee, .. }) if callee.starts_with("worker_threads.parentPort."))
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

/// The name of the class a method belongs to.
fn class_of(m: &FileModel, id: FnId) -> Option<&str> {
    m.classes.iter().find(|c| c.methods.iter().any(|(_, f)| *f == id)).and_then(|c| c.name.as_deref())
}

fn is_controller_name(class: &str) -> bool {
    ["Controller", "Resolver", "Gateway", "Handler"].iter().any(|s| class.ends_with(s))
}

/// How an event-loop entry point is named in messages.
fn describe_entry(m: &FileModel, id: FnId) -> String {
    let id = named_entry(m, id);
    let f = m.function(id);
    let name = m.describe(id);
    match &f.entry {
        Some(EntryReason::Route { .. } | EntryReason::Declared { .. }) => format!("the {name}"),
        Some(EntryReason::Callback { callee, .. }) if f.name.is_none() => format!("a callback passed to `{callee}`"),
        Some(EntryReason::HandlerParams) => format!("request handler `{name}`"),
        Some(EntryReason::ControllerMethod { .. }) => match class_of(m, id) {
            // an `@Injectable()` service's method is no controller's
            Some(class) if !is_controller_name(class) => format!("method `{name}` of `{class}`"),
            _ => format!("controller method `{name}`"),
        },
        _ => format!("`{name}`"),
    }
}
