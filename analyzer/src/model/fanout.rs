//! Places that start one promise per element of a collection: the facts `unbounded-fan-out`
//! decides on. Found during the provenance walk ([`super::provenance`]), which knows at that
//! point where the collection comes from.
//!
//! Shapes: `Promise.all(xs.map(cb))` (also through a variable, and `allSettled`/`any`/`race`), a
//! discarded `xs.map(async …)`, `xs.forEach(async …)`, promises pushed in a loop and awaited
//! together, async calls started in a loop without `await`, `p-map`/Bluebird `map` without a
//! `concurrency` and `async.map`/`each`/`parallel`, and async listeners of per-item stream events.

use super::provenance::{member_of, prop_name_is, Prov, Walk};
use super::{unwrap_expr as strip, CallId, FnId, Origin};
use crate::diagnostic::ByteSpan;
use crate::knowledge::fan_out as k;
use crate::knowledge::CallbackKind;
use swc_common::Spanned;
use swc_ecma_ast::*;

/// The work started per element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// A callback run for each element.
    Callback(FnId),
    /// A call started for each element.
    Call(CallId),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FanKind {
    /// `Promise.all(xs.map(cb))`, with the combinator's name.
    All(String),
    /// `xs.forEach(async …)`.
    ForEach,
    /// `xs.map(async …)` whose promises nobody awaits.
    DiscardedMap,
    /// Promises pushed in a loop, then awaited together by the named combinator.
    Pushed(String),
    /// An async call started in a loop without `await`.
    InLoop,
    /// A collection helper that starts every task at once (`async.map`, `p-map` without
    /// `concurrency`), with its name.
    Library(String),
    /// An async listener of a per-item event (`stream.on('data', async …)`), with the event.
    Listener(String),
}

/// One fan-out site.
#[derive(Clone, Debug)]
pub struct FanOut {
    pub func: FnId,
    /// Where it is reported.
    pub span: ByteSpan,
    pub kind: FanKind,
    pub collection: Prov,
    /// The collection expression, for messages.
    pub collection_span: ByteSpan,
    pub work: Work,
    /// What the tree shows bounds it (a `{ transaction }` option, one connection, a
    /// `concurrency` option, a paused stream).
    pub bounded: Option<&'static str>,
}

/// `xs.map(cb)` (or `flatMap`, `Array.from(xs, cb)`): the collection, its span and the callback.
pub(crate) fn mapped(w: &Walk<'_>, c: &CallExpr) -> Option<(Prov, ByteSpan, Work)> {
    // `Array.from(xs, cb)`, `Array.from({ length: n }, cb)`
    if w.is_api(c, &[k::api("global", "Array.from")]) {
        let (coll, cb) = (c.args.first()?, c.args.get(1)?);
        let f = fn_of(w, &cb.expr)?;
        // `{ length: n }`: named by `n`
        let shown = match strip(&coll.expr) {
            Expr::Object(o) => o
                .props
                .iter()
                .find_map(|p| match p {
                    PropOrSpread::Prop(p) => match &**p {
                        Prop::KeyValue(kv) if prop_name_is(&kv.key, &["length"]) => Some(kv.value.span()),
                        _ => None,
                    },
                    PropOrSpread::Spread(_) => None,
                })
                .unwrap_or(coll.expr.span()),
            e => e.span(),
        };
        return Some((w.call_prov(c), w.span(shown), Work::Callback(f)));
    }
    let (obj, method) = member_of(c)?;
    if !k::FAN_OUT_METHODS.contains(&method.as_str()) {
        return None;
    }
    let f = fn_of(w, &c.args.first()?.expr)?;
    Some((w.prov(obj), w.span(obj.span()), Work::Callback(f)))
}

/// A function an argument is: inline, or a local function by name.
fn fn_of(w: &Walk<'_>, e: &Expr) -> Option<FnId> {
    match strip(e) {
        Expr::Arrow(a) => w.m.function_at(a.span),
        Expr::Fn(f) => w.m.function_at(f.function.span),
        Expr::Ident(i) => {
            let b = w.m.binding_of(i)?;
            match w.m.binding(b).origin {
                Origin::Function(f) if !w.m.binding(b).reassigned => Some(f),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The work an expression starts without waiting: a call (the start of a promise chain:
/// `save(x).catch(log)` is `save(x)`), or an immediately invoked function.
pub(crate) fn started_work(w: &Walk<'_>, e: &Expr) -> Option<Work> {
    let mut c = match strip(e) {
        Expr::Call(c) => c,
        Expr::Unary(u) if u.op == UnaryOp::Void => match strip(&u.arg) {
            Expr::Call(c) => c,
            _ => return None,
        },
        _ => return None,
    };
    while let Some((obj, method)) = member_of(c) {
        match strip(obj) {
            Expr::Call(inner) if k::PROMISE_CHAIN_METHODS.contains(&method.as_str()) => c = inner,
            _ => break,
        }
    }
    if let Callee::Expr(callee) = &c.callee {
        if let Some(f) = fn_of(w, callee).filter(|_| matches!(strip(callee), Expr::Arrow(_) | Expr::Fn(_))) {
            return Some(Work::Callback(f));
        }
    }
    // array helpers and promise combinators make values, not per-element work
    if member_of(c).is_some_and(|(_, m)| {
        k::PER_ELEMENT_METHODS.contains(&m.as_str()) || k::SIZE_KEEPING_METHODS.contains(&m.as_str())
    }) {
        return None;
    }
    let site = w.m.call_at(c.span)?;
    if site.api().is_some_and(|q| k::matches(k::COMBINATORS, q) || k::matches(k::SETTLED, q)) {
        return None;
    }
    Some(Work::Call(site.id))
}

fn bound_of_work(w: &Walk<'_>, work: Work, args: Option<&[ExprOrSpread]>) -> Option<&'static str> {
    // `{ transaction }`: the queries share the transaction's one connection
    if args.is_some_and(|args| args.iter().any(|a| k::TRANSACTION_KEYS.iter().any(|key| has_key(&a.expr, key)))) {
        return Some("its queries share one transaction's connection");
    }
    let Work::Call(c) = work else { return None };
    let site = w.m.call(c);
    let serial = site.callee_ref.as_ref().is_some_and(|v| {
        let root_serial = match &v.root {
            super::Root::Binding(b) => crate::model::awaits::is_serial_name(&w.m.binding(*b).name),
            _ => false,
        };
        root_serial || v.props.iter().rev().skip(1).any(|p| crate::model::awaits::is_serial_name(p))
    });
    serial.then_some("its queries share one connection")
}

fn site(w: &mut Walk<'_>, span: ByteSpan, kind: FanKind, (collection, coll_span, work): (Prov, ByteSpan, Work)) {
    let bounded = bound_of_work(w, work, None);
    let func = w.cur();
    w.out.fan_outs.push(FanOut { func, span, kind, collection, collection_span: coll_span, work, bounded });
}

/// An expression statement: a discarded `xs.map(async …)`, or work started in a loop.
pub(crate) fn statement(w: &mut Walk<'_>, e: &Expr) {
    if let Expr::Call(c) = strip(e) {
        if let Some(found @ (_, _, Work::Callback(f))) = mapped(w, c) {
            // an async callback, or one that returns a call's promise (`(x) => fs.unlink(x)`)
            let func = w.m.function(f);
            if func.is_async || func.calls.iter().any(|&c| w.m.call(c).returned) {
                let span = w.span(c.span);
                site(w, span, FanKind::DiscardedMap, found);
            }
            return;
        }
        // pushes and per-element helpers are looked at elsewhere
        if member_of(c)
            .is_some_and(|(_, m)| k::PUSH_METHODS.contains(&m.as_str()) || k::PER_ELEMENT_METHODS.contains(&m.as_str()))
        {
            return;
        }
    }
    let Some(Some((over, coll))) = w.loops.last().cloned() else { return };
    // `for (const a of xs) { zip.addBuffer(await read(a)) }`: each iteration waits on its await
    // before the next starts anything, so what it starts does not pile up
    if w.loop_paced.last().copied().unwrap_or(false) {
        return;
    }
    let Some(work) = started_work(w, e) else { return };
    let span = w.span(e.span());
    site(w, span, FanKind::InLoop, (over, coll, work));
}

/// A call: a combinator over mapped or pushed promises, a `forEach` with an async callback, a
/// collection helper, a per-item listener.
pub(crate) fn call(w: &mut Walk<'_>, n: &CallExpr, id: CallId, kind: CallbackKind) {
    let m = w.m;
    let site_ref = m.call(id);
    let span = w.span(n.span);
    if let Some(q) = site_ref.api() {
        if k::matches(k::COMBINATORS, q) {
            let name = q.to_string();
            match n.args.first().map(|a| strip(&a.expr)) {
                Some(Expr::Call(inner)) => {
                    if let Some(found) = mapped(w, inner) {
                        // reported at the `map`, where the elements start
                        let at = w.span(inner.span);
                        site(w, at, FanKind::All(name), found);
                    }
                }
                Some(Expr::Ident(i)) => {
                    if let Some(b) = m.binding_of(i) {
                        if let Some((p, at, work, coll)) = w.maps.get(&b).cloned() {
                            site(w, at, FanKind::All(name), (p, coll, work));
                        } else if let Some((p, at, work, coll)) = w.pushes.get(&b).cloned() {
                            site(w, at, FanKind::Pushed(name), (p, coll, work));
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        if let Some(api) = k::collection_api(q) {
            let bounded = match api.bound {
                k::Bound::Always => return,
                k::Bound::Never => false,
                k::Bound::OptionKey { arg, key } => n.args.get(arg).is_some_and(|a| has_key(&a.expr, key)),
            };
            let (Some(coll), Some(work)) =
                (n.args.get(api.collection), n.args.iter().skip(api.collection + 1).find_map(|a| fn_of(w, &a.expr)))
            else {
                return;
            };
            let found = (w.prov(&coll.expr), w.span(coll.expr.span()), Work::Callback(work));
            if bounded {
                return;
            }
            site(w, span, FanKind::Library(q.to_string()), found);
            return;
        }
    }
    let Some((obj, method)) = member_of(n) else { return };
    let method = method.as_str();
    if k::FOR_EACH_METHODS.contains(&method) {
        if let Some(f) = n.args.first().and_then(|a| fn_of(w, &a.expr)) {
            if m.function(f).is_async {
                let found = (w.prov(obj), w.span(obj.span()), Work::Callback(f));
                site(w, span, FanKind::ForEach, found);
            }
        }
        return;
    }
    if kind == CallbackKind::Repeated {
        // `stream.on('data', async (chunk) => …)`: one task per item, as fast as they come
        let event = site_ref.first_string_arg.as_deref().unwrap_or("");
        if k::PER_ITEM_EVENTS.contains(&event) {
            if let Some(f) = n.args.get(1).and_then(|a| fn_of(w, &a.expr)) {
                if m.function(f).is_async {
                    let pauses = m
                        .function(f)
                        .calls
                        .iter()
                        .any(|&c| m.call(c).method.as_deref().is_some_and(|name| k::PAUSE_METHODS.contains(&name)));
                    let found = (Prov::Stream { text: w.text(obj.span()) }, w.span(obj.span()), Work::Callback(f));
                    let func = w.cur();
                    w.out.fan_outs.push(FanOut {
                        func,
                        span,
                        kind: FanKind::Listener(event.to_string()),
                        collection: found.0,
                        collection_span: found.1,
                        work: found.2,
                        bounded: pauses.then_some("the stream is paused while each item is handled"),
                    });
                }
            }
        }
    }
}

fn has_key(e: &Expr, key: &str) -> bool {
    match strip(e) {
        Expr::Object(o) => o.props.iter().any(|p| match p {
            PropOrSpread::Prop(p) => match &**p {
                Prop::KeyValue(kv) => prop_name_is(&kv.key, &[key]),
                Prop::Shorthand(i) => i.sym.as_str() == key,
                _ => false,
            },
            PropOrSpread::Spread(_) => true,
        }),
        _ => false,
    }
}
