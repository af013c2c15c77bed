//! Execution contexts: which functions run at start-up, which on the event loop, and which are
//! event-loop *entry points* (where blocking calls are reported).
//!
//! The rules, applied to the file's functions and their uses ([`FnUse`]):
//! - **Start-up** (greatest fixed point): the module top level, and every function all of whose
//!   uses are direct calls, synchronous callbacks (`map`, `new Promise`), once-callbacks (`then`,
//!   `listen(port, cb)`, Node callback APIs) or — for non-async functions — callbacks to unknown
//!   callees, made from start-up functions. So `async function main() {…} main()` and
//!   `db.connect().then(() => app.listen())` may block.
//! - **Entry points by nature**, unless start-up by the rule above: async functions; functions
//!   handed to a callee that calls them on every event (routes, `.on` listeners, timers,
//!   `http.createServer`); functions with a request handler's parameters (`req, res`,
//!   `ctx, next`, `request, reply`); methods of decorated controllers/services or with a route or
//!   event decorator.
//! - **Event loop** (least fixed point): entry points, and every function used (called or handed
//!   as a callback) from an event-loop function.
//! - **Entry points by inheritance**: a callback handed to anything from an entry point (the
//!   `forEach` callback inside a handler) is part of that entry point.
//! - Everything else is **unknown**: exported or unused synchronous functions. They are judged
//!   where an event-loop caller reaches them, in this file or (with project facts) another.

use super::*;
use crate::knowledge::{self, CallbackKind};

pub(crate) fn compute(m: &mut FileModel) {
    let n = m.functions.len();
    if knowledge::is_startup_file(&m.path) {
        // tooling and scripts: nothing here serves requests
        for f in &mut m.functions {
            f.context = Context::StartUp;
            f.entry = None;
        }
        return;
    }
    let caller_of = |m: &FileModel, u: &FnUse| -> Option<FnId> {
        match u {
            FnUse::Called(c) | FnUse::Callback { call: c, .. } => Some(m.calls[c.0 as usize].caller),
            FnUse::Escapes => None,
        }
    };

    // entry points by nature (before the start-up exemption)
    let mut nature: Vec<Option<EntryReason>> = vec![None; n];
    for (i, f) in m.functions.iter().enumerate().skip(1) {
        nature[i] = nature_reason(m, f);
    }

    // start-up: greatest fixed point
    let mut startup = vec![false; n];
    startup[0] = true;
    for (i, f) in m.functions.iter().enumerate().skip(1) {
        let hard_root = matches!(nature[i], Some(ref r) if *r != EntryReason::Async);
        startup[i] = !hard_root
            && !f.uses.is_empty()
            && f.uses.iter().all(|u| match u {
                FnUse::Called(_) => true,
                FnUse::Callback { kind: CallbackKind::Sync | CallbackKind::Once, .. } => true,
                FnUse::Callback { kind: CallbackKind::Unknown, .. } => !f.is_async,
                _ => false,
            });
    }
    loop {
        let mut changed = false;
        for i in 1..n {
            if startup[i] {
                let ok = m.functions[i].uses.iter().all(|u| caller_of(m, u).is_some_and(|c| startup[c.0 as usize]));
                if !ok {
                    startup[i] = false;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }

    // event loop: least fixed point from the entry points by nature
    let mut event = vec![false; n];
    let mut entry: Vec<Option<EntryReason>> = vec![None; n];
    for i in 1..n {
        if !startup[i] {
            if let Some(r) = &nature[i] {
                event[i] = true;
                entry[i] = Some(r.clone());
            }
        }
    }
    loop {
        let mut changed = false;
        for i in 1..n {
            if startup[i] {
                continue;
            }
            for u in &m.functions[i].uses {
                let Some(c) = caller_of(m, u) else { continue };
                let c = c.0 as usize;
                if event[c] && !event[i] {
                    event[i] = true;
                    changed = true;
                }
                if matches!(u, FnUse::Callback { .. }) && entry[c].is_some() && entry[i].is_none() {
                    entry[i] = Some(inherited_reason(m, u));
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }

    for i in 0..n {
        let f = &mut m.functions[i];
        f.context = if startup[i] {
            Context::StartUp
        } else if event[i] {
            Context::EventLoop
        } else {
            Context::Unknown
        };
        f.entry = entry[i].take();
    }
}

fn callee_text(m: &FileModel, call: CallId) -> String {
    let c = &m.calls[call.0 as usize];
    match &c.target {
        Target::Api(q) => q.to_string(),
        _ => c.method.as_deref().unwrap_or("a function").to_string(),
    }
}

fn inherited_reason(m: &FileModel, u: &FnUse) -> EntryReason {
    match u {
        FnUse::Callback { call, .. } => EntryReason::Callback { callee: callee_text(m, *call) },
        _ => EntryReason::Async,
    }
}

fn nature_reason(m: &FileModel, f: &Function) -> Option<EntryReason> {
    if f.decorated_entry {
        return Some(EntryReason::ControllerMethod);
    }
    for u in &f.uses {
        if let FnUse::Callback { call, kind: CallbackKind::Repeated, .. } = u {
            let c = &m.calls[call.0 as usize];
            if let (Some(method), Some(path)) = (&c.method, &c.first_string_arg) {
                if knowledge::ROUTE_METHODS.contains(&method.as_str()) && path.starts_with('/') {
                    return Some(EntryReason::Route { method: method.to_uppercase(), path: path.to_string() });
                }
            }
            return Some(EntryReason::Callback { callee: callee_text(m, *call) });
        }
    }
    if has_handler_params(f) {
        return Some(EntryReason::HandlerParams);
    }
    if f.is_async && !f.name.as_ref().is_some_and(|n| knowledge::is_startup_name(n)) {
        return Some(EntryReason::Async);
    }
    None
}

fn has_handler_params(f: &Function) -> bool {
    let names: Vec<&str> = f.param_names.iter().map(|a| a.as_str()).collect();
    let matches_at = |i: usize| {
        knowledge::HANDLER_PARAMS.iter().any(|(first, seconds)| {
            names.get(i) == Some(first) && names.get(i + 1).is_some_and(|s| seconds.contains(s))
        })
    };
    matches_at(0) || (names.first() == Some(&"err") && matches_at(1))
}
