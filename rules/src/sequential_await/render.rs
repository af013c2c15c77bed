//! Messages, help and fixes of `sequential-await`.

use super::SequentialAwait;
use loopsafe_analyzer::diagnostic::ByteSpan;
use loopsafe_analyzer::model::awaits::{AwaitLoop, AwaitMember, Shape};
use loopsafe_analyzer::model::FnId;
use loopsafe_analyzer::{Diagnostic, Edit, Facts, Fix, RuleInfo};
use swc_ecma_ast::VarDeclKind;

/// A group of statements in a row.
pub fn statements(facts: &Facts<'_>, func: FnId, group: &[&AwaitMember]) -> Diagnostic {
    let names: Vec<String> = group.iter().map(|g| call_name(facts, g)).collect();
    let message = format!(
        "{} one after another though {}: {} round-trips in series where one would do{}",
        awaited_subject(&names),
        independence(group.len()),
        number_word(group.len()),
        why(facts, func)
    );
    let mut d =
        Diagnostic::new(SequentialAwait.meta().id, group[0].await_span, message).with_label("waits for this first");
    for g in &group[1..] {
        d = d.with_secondary(g.await_span, "starts only after the previous await settles");
    }
    let calls: Vec<&str> = group.iter().map(|g| call_text(facts, g)).collect();
    let fix = statement_fix(facts, group);
    let joined = calls.join(", ");
    let head = match &fix {
        Some((_, head)) => Some(head.clone()),
        None => assignment_head(facts, group),
    };
    // a run that binds results in shapes no one line can show gets no line
    let binds = group.iter().any(|g| matches!(g.shape, Shape::Decl(..) | Shape::Assign(_) | Shape::Other));
    let shown = match head {
        None if binds => "`Promise.all`, binding each result where it was bound".to_string(),
        head => {
            let head = head.unwrap_or_default();
            if head.len() + joined.len() <= 140 {
                format!("`{head}await Promise.all([{joined}])`")
            } else {
                format!("`{head}await Promise.all([...])`")
            }
        }
    };
    d = d.with_help(format!("start them together and await them once: {shown}"));
    if let Some((f, _)) = fix {
        d = d.with_fix(f);
    }
    d
}

/// Awaits side by side in one expression.
pub fn elements(facts: &Facts<'_>, func: FnId, members: &[AwaitMember]) -> Diagnostic {
    let names: Vec<String> = members.iter().map(|g| call_name(facts, g)).collect();
    let message = format!(
        "{} one after another inside one expression though {}: {} round-trips in series where one would do{}",
        awaited_subject(&names),
        independence(members.len()),
        number_word(members.len()),
        why(facts, func)
    );
    let mut d =
        Diagnostic::new(SequentialAwait.meta().id, members[0].await_span, message).with_label("waits for this first");
    for g in &members[1..] {
        d = d.with_secondary(g.await_span, "starts only after the previous await settles");
    }
    let joined = members.iter().map(|g| call_text(facts, g)).collect::<Vec<_>>().join(", ");
    let names: Vec<String> = (1..=members.len()).map(|i| format!("r{i}")).collect();
    let head = format!("const [{}] = ", names.join(", "));
    let example = if joined.len() <= 120 {
        format!("`{head}await Promise.all([{joined}])`")
    } else {
        format!("`{head}await Promise.all([...])`")
    };
    d.with_help(format!("start them together first, {example}, then build the value from the results"))
}

/// An await per iteration of a loop.
pub fn in_loop(facts: &Facts<'_>, lp: &AwaitLoop) -> Diagnostic {
    let first = &lp.members[0];
    let name = call_name(facts, first);
    let message = format!(
        "{name} is awaited in every iteration of this loop though no iteration needs another's result: the round-trips run one after another, one per item{}",
        why(facts, lp.func)
    );
    let mut d = Diagnostic::new(SequentialAwait.meta().id, first.await_span, message)
        .with_label("waits here on every iteration")
        .with_secondary(lp.head, "each iteration starts after the previous one's awaits settle");
    for g in &lp.members[1..] {
        d = d.with_secondary(g.await_span, "also awaited per iteration");
    }
    let short = |s: Option<ByteSpan>| s.map(|s| facts.text(s)).filter(|t| t.len() <= 40 && !t.contains('\n'));
    let (list, pat) = match (short(lp.collection), short(lp.pattern)) {
        (Some(l), Some(p)) => (l.to_string(), p.to_string()),
        _ => ("items".to_string(), "item".to_string()),
    };
    let help = match lp.literal_len {
        Some(n) if n <= 16 => format!(
            "the list is short and fixed: start the iterations together with `await Promise.all({list}.map(async ({pat}) => …))`"
        ),
        _ => format!(
            "start the iterations together through a bounded pool, e.g. with p-limit: `const limit = pLimit(5); await Promise.all({list}.map(({pat}) => limit(async () => …)))`; a plain `Promise.all` only when the collection is small and known, so the fix does not become an unbounded fan-out"
        ),
    };
    d.with_help(help)
}

/// " (runs per request: …)": what establishes that the function runs per event.
fn why(facts: &Facts<'_>, func: FnId) -> String {
    facts.evidence_note(func).map(|w| format!(" — {w}")).unwrap_or_default()
}

fn call_text<'f>(facts: &Facts<'f>, g: &AwaitMember) -> &'f str {
    facts.text(facts.model().call(g.call).span)
}

fn call_name(facts: &Facts<'_>, g: &AwaitMember) -> String {
    let callee: String = facts.text(g.name_span).split_whitespace().collect::<Vec<_>>().join("");
    if callee.len() <= 48 {
        return format!("`{callee}()`");
    }
    // a long chain: its last member
    match callee.rsplit('.').next() {
        Some(last) if !last.is_empty() && last.len() <= 48 => format!("`{last}()`"),
        _ => "a call".to_string(),
    }
}

/// `[a, b] = ` for a run of assignments (and discarded awaits), for the help text.
fn assignment_head(facts: &Facts<'_>, group: &[&AwaitMember]) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    for g in group {
        match g.shape {
            Shape::Assign(name) => names.push(facts.text(name)),
            Shape::Discarded => names.push(""),
            _ => return None,
        }
    }
    while names.last().is_some_and(|n| n.is_empty()) {
        names.pop();
    }
    (!names.is_empty()).then(|| format!("[{}] = ", names.join(", ")))
}

/// `const [a, b] = await Promise.all([f(), g()]);` for a run of plain declarations of one kind
/// and discarded awaits, with the declaration head (`const [a, b] = `); `None` when the rewrite is
/// not obviously equivalent.
fn statement_fix(facts: &Facts<'_>, group: &[&AwaitMember]) -> Option<(Fix, String)> {
    let mut kind: Option<VarDeclKind> = None;
    let mut pats: Vec<Option<&str>> = Vec::new();
    for g in group {
        match g.shape {
            Shape::Decl(k, pat) => {
                if kind.is_some_and(|kk| kk != k) {
                    return None;
                }
                kind = Some(k);
                pats.push(Some(facts.text(pat)));
            }
            Shape::Discarded => pats.push(None),
            Shape::Assign(_) | Shape::Other => return None,
        }
    }
    let m = facts.model();
    let first = group[0].span;
    let last = group[group.len() - 1].span;
    let range = ByteSpan::new(first.start, last.end);
    let text = facts.full_text();
    // comments between the calls move above the rewrite; those inside a call stay with it
    let inside_call = |c: &ByteSpan| {
        group.iter().any(|g| {
            let s = m.call(g.call).span;
            c.start >= s.start && c.end <= s.end
        })
    };
    let moved: Vec<&str> = m
        .comments
        .iter()
        .filter(|c| c.span.start < range.end && c.span.end > range.start && !inside_call(&c.span))
        .map(|c| &text[c.span.start as usize..c.span.end as usize])
        .collect();
    let line_start = text[..first.start as usize].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let indent: String = text[line_start..first.start as usize].chars().take_while(|c| c.is_whitespace()).collect();
    if indent.len() != first.start as usize - line_start {
        return None; // something precedes the first statement on its line
    }
    let calls: Vec<&str> = group.iter().map(|g| call_text(facts, g)).collect();
    let head = match kind {
        Some(k) => {
            // trailing discarded awaits need no hole
            while pats.last().is_some_and(|p| p.is_none()) {
                pats.pop();
            }
            let kw = match k {
                VarDeclKind::Const => "const",
                VarDeclKind::Let => "let",
                VarDeclKind::Var => "var",
            };
            // holes (`[a, , c]`) for the awaits whose result was discarded
            let elems: Vec<&str> = pats.iter().map(|p| p.unwrap_or("")).collect();
            format!("{kw} [{}] = ", elems.join(", "))
        }
        None => String::new(),
    };
    let one_line = format!("{head}await Promise.all([{}]);", calls.join(", "));
    let replacement = if one_line.len() + indent.len() <= 100 && !calls.iter().any(|c| c.contains('\n')) {
        one_line
    } else {
        let inner = format!("{indent}  ");
        let mut s = format!("{head}await Promise.all([\n");
        for c in &calls {
            s.push_str(&inner);
            // continuation lines move in with the call, unless a template literal could span them
            if c.contains('`') || c.contains("\\\n") {
                s.push_str(c);
            } else {
                s.push_str(&c.replace('\n', "\n  "));
            }
            s.push_str(",\n");
        }
        s.push_str(&indent);
        s.push_str("]);");
        s
    };
    let mut prefix = String::new();
    for c in moved {
        prefix.push_str(c);
        prefix.push('\n');
        prefix.push_str(&indent);
    }
    let fix = Fix {
        description: "run the awaits together with Promise.all".to_string(),
        edits: vec![Edit { span: range, replacement: prefix + &replacement }],
    };
    Some((fix, head))
}

/// "neither uses the other's result" (two), "none uses another's result" (more).
fn independence(n: usize) -> &'static str {
    if n == 2 {
        "neither uses the other's result"
    } else {
        "none uses another's result"
    }
}

/// `` `a()` and `b()` are awaited ``, or `` `a()` is awaited three times `` when it is one call.
fn awaited_subject(names: &[String]) -> String {
    if names.len() > 1 && names.iter().all(|n| *n == names[0]) {
        let times = match names.len() {
            2 => "twice".to_string(),
            n => format!("{} times", number_word(n)),
        };
        format!("{} is awaited {times}", names[0])
    } else {
        format!("{} are awaited", join_names(names))
    }
}

fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    }
}

fn number_word(n: usize) -> String {
    const WORDS: &[&str] = &["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
    WORDS.get(n).map(|w| w.to_string()).unwrap_or_else(|| n.to_string())
}
