//! Execution contexts: which functions run once per request or event, with the evidence that says
//! so, and which are event-loop *entry points* (where blocking calls are reported).
//!
//! A function runs per event only when something establishes it; unknown means silent:
//! - **Seeds** (evidence in this file, [`Function::seed`]): handed to a callee that calls it on
//!   every event (a route, a middleware, an `.on` listener, a timer, `http.createServer`); a
//!   request handler's parameters (`req, res`, `ctx, next`, `request, reply`); a route or event
//!   decorator, or a method of a decorated controller. `async` is no evidence: boot functions,
//!   async IIFEs and plugin registrations are async too.
//! - **Spread** along what runs because of a per-event function: the functions it calls, the
//!   callbacks created in it (handed to anything: a `.then`, a `map`, an unknown function), and
//!   the functions it hands over by name (`init({ generate: helpers.generate })`, `retry(upload)`;
//!   not to a callee that only keeps or removes them, `emitter.off`), here or in another file
//!   ([`spread`], used for one file here and for the project in [`crate::project`]).
//! - **Start-up**: the module top level and what only it reaches (a greatest fixed point). Code
//!   that is neither has unknown callers (an exported helper nobody here calls): it is judged
//!   where a per-event caller reaches it, or not at all.
//!
//! Entry points are the seeds, and callbacks created in per-event code (the `forEach` callback in
//! a handler, the `.then` callback in a helper). A helper that per-event code *calls* is no entry
//! point: its blocking calls are reported at the call, with the chain.

use super::*;
use crate::knowledge::{self, CallbackKind};

/// How a function was reached by [`spread`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// It has a seed of its own.
    Seed,
    /// Called by per-event node `from` at `call` (of `from`'s file).
    Called { from: u32, call: CallId },
    /// A callback created in per-event node `from`, or a function `from` names there, handed to
    /// `call` (a call of `from`'s file, which may not be this function's).
    Inside { from: u32, call: CallId, sync: bool },
}

/// An edge of the "runs because of" graph between numbered functions.
#[derive(Clone, Copy, Debug, Default)]
pub struct Edge {
    pub to: u32,
    pub call: u32,
    /// 0: called, 1: callback, 2: synchronous callback.
    pub kind: u8,
}

/// Breadth-first from the seeds over `edges` (grouped by source node): for every node reached,
/// how (the first, shortest way). Shared by the file-local and the project-wide computation.
pub fn spread(n: usize, seeds: impl Iterator<Item = u32>, edges: impl Fn(u32) -> Vec<Edge>) -> Vec<Option<Reach>> {
    let mut reach: Vec<Option<Reach>> = vec![None; n];
    let mut queue = std::collections::VecDeque::new();
    for s in seeds {
        if reach[s as usize].is_none() {
            reach[s as usize] = Some(Reach::Seed);
            queue.push_back(s);
        }
    }
    while let Some(f) = queue.pop_front() {
        for e in edges(f) {
            if reach[e.to as usize].is_some() {
                continue;
            }
            let call = CallId(e.call);
            reach[e.to as usize] = Some(match e.kind {
                0 => Reach::Called { from: f, call },
                k => Reach::Inside { from: f, call, sync: k == 2 },
            });
            queue.push_back(e.to);
        }
    }
    reach
}

/// Entry points among the reached nodes: seeds, and callbacks created in an entry point or
/// (unless synchronous, then they are part of their helper's body) in any per-event function.
pub fn entries(reach: &[Option<Reach>]) -> Vec<bool> {
    let mut entry: Vec<bool> = reach.iter().map(|r| matches!(r, Some(Reach::Seed))).collect();
    loop {
        let mut changed = false;
        for (i, r) in reach.iter().enumerate() {
            if let Some(Reach::Inside { from, sync, .. }) = r {
                if !entry[i] && (!sync || entry[*from as usize]) {
                    entry[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            return entry;
        }
    }
}

/// The "runs because of" edges of one function of this file: its direct calls of local functions
/// (not calls that run on the first request only) and the callbacks created in it.
pub(crate) fn local_edges(m: &FileModel, f: FnId) -> Vec<Edge> {
    let mut out = Vec::new();
    for &c in &m.function(f).calls {
        let call = m.call(c);
        if let Target::Local(g) = call.target {
            if !call.once {
                out.push(Edge { to: g.0, call: c.0, kind: 0 });
            }
        }
        for &(_, cb) in &call.callbacks {
            let sync = callback_kind(m, cb, c) == Some(CallbackKind::Sync);
            out.push(Edge { to: cb.0, call: c.0, kind: if sync { 2 } else { 1 } });
        }
    }
    out
}

fn callback_kind(m: &FileModel, cb: FnId, call: CallId) -> Option<CallbackKind> {
    m.function(cb).uses.iter().find_map(|u| match u {
        FnUse::Callback { call: c, kind, .. } if *c == call => Some(*kind),
        _ => None,
    })
}

/// Seeds, then contexts and entry points from this file alone (the project pass redoes the
/// spread across files).
pub(crate) fn compute(m: &mut FileModel) {
    let n = m.functions.len();
    if knowledge::is_startup_file(&m.path) {
        // tooling and scripts: nothing here serves requests
        for f in &mut m.functions {
            f.context = Context::StartUp;
        }
        return;
    }
    for i in 1..n {
        m.functions[i].seed = seed_of(m, &m.functions[i]);
    }
    let seeds: Vec<u32> = (1..n as u32).filter(|&i| m.functions[i as usize].seed.is_some()).collect();
    let reach = spread(n, seeds.into_iter(), |f| local_edges(m, FnId(f)));
    let reached: Vec<bool> = reach.iter().map(Option::is_some).collect();
    let startup = startup(m, &reached);
    let entry = entries(&reach);
    let reasons = entry_reasons(&reach, &entry, |i| m.functions[i].seed.clone(), |_| &*m);
    apply(m, &reached, &startup, reasons);
}

/// Write contexts and entry points into the model: `reached` (per event), `startup`, and the
/// reason of each entry point (`None`: not one).
pub(crate) fn apply(m: &mut FileModel, reached: &[bool], startup: &[bool], reasons: Vec<Option<EntryReason>>) {
    for (i, reason) in reasons.into_iter().enumerate() {
        let f = &mut m.functions[i];
        f.context = if reached[i] {
            Context::EventLoop
        } else if startup[i] {
            Context::StartUp
        } else {
            Context::Unknown
        };
        f.entry = reason;
    }
}

/// Why each entry point among `reach` (its `entry` flags) is one: its seed (`seed(i)`), or the
/// call it was handed to, named as in the file of the function it came from (`model_of(from)`:
/// another file for a function handed over by name). `None` for functions that are no entry.
pub(crate) fn entry_reasons<'a>(
    reach: &[Option<Reach>],
    entry: &[bool],
    seed: impl Fn(usize) -> Option<EntryReason>,
    model_of: impl Fn(u32) -> &'a FileModel,
) -> Vec<Option<EntryReason>> {
    (0..reach.len())
        .map(|i| match (entry[i], reach[i]) {
            (true, Some(Reach::Seed)) => seed(i),
            (true, Some(Reach::Called { from, call } | Reach::Inside { from, call, .. })) => {
                Some(EntryReason::Callback { callee: callee_text(model_of(from), call).into(), call })
            }
            _ => None,
        })
        .collect()
}

/// Start-up code (greatest fixed point): the module top level, and functions not per event whose
/// every use is a call or a callback made from start-up code.
pub(crate) fn startup(m: &FileModel, reached: &[bool]) -> Vec<bool> {
    let n = m.functions.len();
    let caller_of = |u: &FnUse| -> Option<FnId> {
        match u {
            FnUse::Called(c) | FnUse::Callback { call: c, .. } => Some(m.calls[c.0 as usize].caller),
            FnUse::Escapes => None,
        }
    };
    let mut startup = vec![false; n];
    startup[0] = true;
    for (i, f) in m.functions.iter().enumerate().skip(1) {
        startup[i] = !reached[i] && !f.uses.is_empty() && f.uses.iter().all(|u| caller_of(u).is_some());
    }
    loop {
        let mut changed = false;
        for i in 1..n {
            if startup[i] && !m.functions[i].uses.iter().all(|u| caller_of(u).is_some_and(|c| startup[c.0 as usize])) {
                startup[i] = false;
                changed = true;
            }
        }
        if !changed {
            return startup;
        }
    }
}

/// How the call that registers a callback is named in messages: `router.get`, `app.on`.
pub fn callee_text(m: &FileModel, call: CallId) -> String {
    let c = &m.calls[call.0 as usize];
    match &c.target {
        // a function of another file of the project: its name, and the file it comes from
        // (`runQuery (lib/db)`), not the relative path spelled as a package
        Target::Api(q) if knowledge::is_relative(&q.module) => {
            let file = q.module.trim_start_matches(['.', '/']).trim_end_matches("/index");
            match q.path.is_empty() {
                true => file.to_string(),
                false => format!("{} ({file})", q.member_path()),
            }
        }
        Target::Api(q) => q.to_string(),
        _ => match (&c.callee_ref, &c.method) {
            (Some(v), Some(method)) if !v.props.is_empty() => {
                let root = match &v.root {
                    Root::Binding(b) => m.bindings[b.0 as usize].name.to_string(),
                    Root::Global(g) | Root::Module(g) => g.to_string(),
                    Root::ThisMethod(_) => "this".to_string(),
                };
                if v.props.len() == 1 {
                    format!("{root}.{method}")
                } else {
                    format!("{root}.….{method}")
                }
            }
            (_, Some(method)) => method.to_string(),
            _ => "a function".to_string(),
        },
    }
}

/// What registering a function per event with `call` says: a route (`GET /mail`) or a callback.
pub fn registration(m: &FileModel, call: CallId) -> EntryReason {
    registration_of(m, call, None)
}

/// [`registration`] of the handler `remote` names in another file: the route object that hands
/// it over, when the call declares several (`server.route([{ …, handler: reports.preview }, …])`).
pub fn registration_of(m: &FileModel, call: CallId, remote: Option<&QualName>) -> EntryReason {
    if let Some(d) = remote.and_then(|q| m.route_decls.iter().find(|d| d.call == call && d.remote.as_ref() == Some(q)))
    {
        return EntryReason::Route { method: d.method.clone(), path: d.path.clone(), call };
    }
    let c = &m.calls[call.0 as usize];
    // a route declared as an object (`server.route({ method: 'GET', path: '/x', handler })`),
    // when the call declares one
    let mut decls = m.route_decls.iter().filter(|d| d.call == call);
    if let (Some(d), None) = (decls.next(), decls.next()) {
        return EntryReason::Route { method: d.method.clone(), path: d.path.clone(), call };
    }
    if let (Some(method), Some(path)) = (&c.method, &c.first_string_arg) {
        if knowledge::ROUTE_METHODS.contains(&method.as_str()) && path.starts_with('/') {
            return EntryReason::Route { method: method.to_uppercase().into(), path: path.clone(), call };
        }
    }
    EntryReason::Callback { callee: callee_text(m, call).into(), call }
}

/// The evidence in this file that `f` runs per event, if any.
fn seed_of(m: &FileModel, f: &Function) -> Option<EntryReason> {
    if let Some(d) = &f.decorated_entry {
        return Some(EntryReason::ControllerMethod { decorator: d.clone() });
    }
    if let Some((_, r)) = m.declared.iter().find(|(g, _)| *g == f.id) {
        return Some(r.clone());
    }
    if let Some(d) = m.route_decls.iter().find(|d| d.handler == Some(f.id)) {
        return Some(EntryReason::Route { method: d.method.clone(), path: d.path.clone(), call: d.call });
    }
    for u in &f.uses {
        if let FnUse::Callback { call, kind: CallbackKind::Repeated, .. } = u {
            return Some(registration(m, *call));
        }
    }
    if has_handler_params(f) {
        return Some(EntryReason::HandlerParams);
    }
    None
}

pub fn has_handler_params(f: &Function) -> bool {
    let names: Vec<&str> = f.param_names.iter().map(|a| a.as_str()).collect();
    let matches_at = |i: usize| {
        knowledge::HANDLER_PARAMS.iter().any(|(first, seconds)| {
            names.get(i) == Some(first) && names.get(i + 1).is_some_and(|s| seconds.contains(s))
        })
    };
    matches_at(0) || (names.first() == Some(&"err") && matches_at(1))
}
