"""Recall of loopsafe against hand-labelled ESLint sites (see bench/recall.sh and bench/recall/*.tsv).

usage: recall.py WORK LABEL_DIR
  WORK       holds <set>-findings/<package>.json (loopsafe --format json, run in the package dir)
             and <set>/<package>/ (the package sources, used only to name the call in a miss)
  LABEL_DIR  holds sync.tsv and await-loop.tsv: set<TAB>package<TAB>path:line<TAB>label<TAB>reason

A sync site labelled `request` is found when a blocking-call finding of that package has its primary
location at the site's file:line, or carries a label there (a label's optional `file` names another
file; without it the label is in the finding's file). A loop site labelled `independent` is found when
a sequential-await finding has its primary location or a label at that file:line. Sites labelled
startup / not-blocking / sequential that are found the same way are false positives.
"""
import collections, json, os, re, sys

work, label_dir = sys.argv[1], sys.argv[2]
SETS = ["corpus", "ecosystem"]


def read_labels(name):
    rows = []
    path = os.path.join(label_dir, name)
    seen = set()
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 5 or parts[0] not in SETS or not re.fullmatch(r".+:\d+", parts[2]):
            sys.exit(f"{path}:{n}: want set<TAB>package<TAB>path:line<TAB>label<TAB>reason")
        key = tuple(parts[:3])
        if key in seen:
            continue
        seen.add(key)
        rows.append(dict(set=parts[0], pkg=parts[1], loc=parts[2], label=parts[3], reason=parts[4]))
    return rows


def norm(p):
    return os.path.normpath(p).replace(os.sep, "/")


findings = {}  # (set, pkg) -> list of diagnostics, or None when the JSON is missing
for r in read_labels("sync.tsv") + read_labels("await-loop.tsv"):
    key = (r["set"], r["pkg"])
    if key not in findings:
        path = os.path.join(work, f"{r['set']}-findings", f"{r['pkg']}.json")
        try:
            findings[key] = json.load(open(path, encoding="utf-8"))["diagnostics"]
        except (OSError, ValueError):
            findings[key] = None


def locations(d):
    """The file:line places a diagnostic stands for: its primary location and its labels."""
    out = {f"{norm(d['file'])}:{d['line']}"}
    for lab in d.get("labels") or []:
        if "line" not in lab:
            continue
        f = lab.get("file")
        if f is None:
            out.add(f"{norm(d['file'])}:{lab['line']}")
        else:
            out.add(f"{norm(f)}:{lab['line']}")  # relative to the package dir, like `file`
            out.add(f"{norm(os.path.join(os.path.dirname(d['file']), f))}:{lab['line']}")  # or to the finding's dir
    return out


index = {}  # (set, pkg, rule) -> {file:line -> [diagnostics]}
for (s, pkg), diags in findings.items():
    for d in diags or []:
        for loc in locations(d):
            index.setdefault((s, pkg, d["rule"]), {}).setdefault(loc, []).append(d)


def hit(r, rule):
    f, ln = r["loc"].rsplit(":", 1)
    return index.get((r["set"], r["pkg"], rule), {}).get(f"{norm(f)}:{ln}", [])


def source_line(r):
    f, ln = r["loc"].rsplit(":", 1)
    try:
        with open(os.path.join(work, r["set"], r["pkg"], f), encoding="utf-8", errors="replace") as fh:
            for i, text in enumerate(fh, 1):
                if i == int(ln):
                    return text.strip()
    except OSError:
        pass
    return ""


def chain_note(r):
    """For a missed sync site: does some blocking-call message name this file and this call (no label)?"""
    text = source_line(r)
    calls = re.findall(r"([A-Za-z_$][\w$]*Sync)\s*\(", text)
    f = r["loc"].rsplit(":", 1)[0]
    tail = "/".join(f.split("/")[-2:])
    for d in findings.get((r["set"], r["pkg"])) or []:
        if d["rule"] != "blocking-call" or not calls:
            continue
        m = d["message"]
        names_file = d["file"] == f or tail in m or f"({os.path.basename(f)})" in m
        if names_file and any(c in m for c in calls):
            return f"named in the chain of {d['file']}:{d['line']} (no label at the site)"
    return ""


def read_debug(s, pkg):
    """SYNC and LOOP lines loopsafe printed for a package (LOOPSAFE_DEBUG_SYNC / _LOOPS), by place."""
    sync, loops = {}, {}
    try:
        lines = open(os.path.join(work, f"{s}-findings", f"{pkg}.debug"), encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in lines:
        m = re.match(r"SYNC (\S+:\d+) (.*)", line)
        if m:
            sync.setdefault(norm(m.group(1)), m.group(2))
        m = re.match(r"LOOP (\S+):(\d+) (.*)", line)
        if m:
            loops[f"{norm(m.group(1))}:{m.group(2)}"] = m.group(3)
    return sync, loops


debug = {}


def cause(r, rule):
    """Why a positive site was missed, from the model's debug lines: how far the model got."""
    key = (r["set"], r["pkg"])
    if key not in debug:
        debug[key] = read_debug(*key)
    if debug[key] is None:
        return "no debug lines (run without --reuse)"
    sync, loops = debug[key]
    f, ln = r["loc"].rsplit(":", 1)
    if rule == "blocking-call":
        d = sync.get(f"{norm(f)}:{ln}")
        if d is None:
            return "not a known blocking call there (or development-only code)"
        ctx = re.search(r"ctx=(\w+)", d).group(1)
        access = re.search(r"access=(\w+)", d).group(1)
        if ctx == "Unknown":
            return "not established to run per request (its callers are unknown)"
        if ctx == "StartUp":
            return "taken as start-up code"
        if access == "Operator":
            return "reached; silent by design: only operators reach it"
        return "reached; silent by design: a cheap metadata call outside open routes, or first call only"
    m = re.search(r"\(loop (\d+)\)\s*$", r["reason"])
    d = loops.get(f"{norm(f)}:{m.group(1)}") if m else None
    if d is None:
        return "no loop the rule considers there (a callback loop, `while`, or not awaited in the body)"
    if "judged=false" in d:
        if "ctx=EventLoop" not in d:
            return "not established to run per request"
        return "per request, but not judged (operator route, transaction, lock or pause in the function)"
    if "independent=false" in d:
        return "iterations not independent (writes, order, early exit or try)"
    if "batches=true" in d:
        return "batched already"
    return "an awaited call is not an established read (effects unknown: a package or dynamic call)"


def pct(a, b):
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else f"{a}/{b} (-)"


missing = sorted(k for k, v in findings.items() if v is None)
if missing:
    print("no loopsafe JSON for: " + ", ".join(f"{s}/{p}" for s, p in missing) + " (their sites count as missed)")


def report(title, rows, rule, positive, negatives, loop_groups=False):
    pos = [r for r in rows if r["label"] == positive]
    found = [r for r in pos if hit(r, rule)]
    print(f"\n== {title}: {rule} finds {positive} sites")
    for s in SETS:
        sub = [r for r in pos if r["set"] == s]
        print(f"  {s:<10} {pct(sum(1 for r in sub if hit(r, rule)), len(sub))}")
    print(f"  {'all':<10} {pct(len(found), len(pos))}")
    if loop_groups:
        groups = collections.defaultdict(list)
        for r in pos:
            m = re.search(r"\(loop (\d+)\)\s*$", r["reason"])
            key = (r["set"], r["pkg"], r["loc"].rsplit(":", 1)[0], m.group(1) if m else r["loc"])
            groups[key].append(r)
        g_found = sum(1 for g in groups.values() if any(hit(r, rule) for r in g))
        print(f"  {'by loop':<10} {pct(g_found, len(groups))}  (awaits of one loop grouped by its (loop N) tag)")
    per = collections.defaultdict(lambda: [0, 0])
    for r in pos:
        per[(r["set"], r["pkg"])][1] += 1
        per[(r["set"], r["pkg"])][0] += bool(hit(r, rule))
    print("  per package: " + ", ".join(f"{p} {a}/{b}" for (s, p), (a, b) in per.items()))
    neg = [r for r in rows if r["label"] in negatives]
    fps = [r for r in neg if hit(r, rule)]
    by = collections.Counter(r["label"] for r in fps)
    tot = collections.Counter(r["label"] for r in neg)
    print(f"  false positives on labelled negatives: {len(fps)} of {len(neg)} ("
          + ", ".join(f"{lab} {by[lab]}/{tot[lab]}" for lab in negatives) + ")")
    for r in fps:
        print(f"    FP  {r['set']}/{r['pkg']}\t{r['loc']}\t{r['label']}\t{r['reason'][:110]}")
    unclear = [r for r in rows if r["label"] == "unclear"]
    print(f"  (unclear sites reported: {sum(1 for r in unclear if hit(r, rule))} of {len(unclear)})")
    misses = [r for r in pos if not hit(r, rule)]
    causes = collections.Counter(cause(r, rule) for r in misses)
    print(f"  misses by cause ({len(misses)}):")
    for c, n in causes.most_common():
        print(f"    {n:>3}  {c}")
    print(f"  misses ({len(misses)}):")
    for r in misses:
        note = chain_note(r) if rule == "blocking-call" else ""
        print(f"    {r['set']}/{r['pkg']}\t{r['loc']}\t{r['reason'][:120]}\t[{cause(r, rule)}]" + (f"\t[{note}]" if note else ""))
    return len(found), len(pos)


sync_rows = read_labels("sync.tsv")
loop_rows = read_labels("await-loop.tsv")
a = report("sync sites (n/no-sync)", sync_rows, "blocking-call", "request", ["startup", "not-blocking"])
b = report("loop sites (no-await-in-loop)", loop_rows, "sequential-await", "independent", ["sequential", "startup"],
           loop_groups=True)
print(f"\nrecall: blocking-call {pct(*a)}, sequential-await (loops) {pct(*b)}")
