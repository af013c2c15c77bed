"""Compare loopsafe's findings with the hand triage; print precision per rule (see ecosystem.sh)."""
import collections, json, os, sys

set_name, out_dir, triage_dir, list_all = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
RULES = ["blocking-call", "sequential-await", "unbounded-fan-out", "await-race"]

triage = {}  # (package, rule, path:line) -> (verdict, reason)
for f in sorted(os.listdir(triage_dir)) if os.path.isdir(triage_dir) else []:
    if not f.endswith(".tsv"):
        continue
    pkg = f[:-4]
    for n, line in enumerate(open(os.path.join(triage_dir, f), encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 4 or parts[2] not in ("TP", "B", "FP"):
            sys.exit(f"{triage_dir}/{f}:{n}: want rule<TAB>path:line<TAB>TP|B|FP<TAB>reason")
        triage[(pkg, parts[0], parts[1])] = (parts[2], parts[3])

found = {}
for f in sorted(os.listdir(out_dir)):
    if not f.endswith(".json"):
        continue
    pkg = f[:-5]
    v = json.load(open(os.path.join(out_dir, f)))
    for d in v["diagnostics"]:
        found[(pkg, d["rule"], f'{d["file"]}:{d["line"]}')] = d["message"]

counts = collections.defaultdict(collections.Counter)
untriaged = []
for key, msg in sorted(found.items()):
    t = triage.get(key)
    counts[key[1]][t[0] if t else "?"] += 1
    if not t:
        untriaged.append((key, msg))
gone = sorted(k for k in triage if k not in found)

print(f"{set_name}: {len(found)} findings, {len(found) - len(untriaged)} triaged")
print(f"{'rule':<20}{'found':>6}{'TP':>5}{'B':>5}{'FP':>5}{'?':>5}{'TP %':>8}{'TP+B %':>8}{'FP %':>7}")
total = collections.Counter()
for rule in RULES + sorted(set(counts) - set(RULES)):
    c = counts.get(rule, collections.Counter())
    total.update(c)
    judged = c["TP"] + c["B"] + c["FP"]
    pct = lambda n: f"{100 * n / judged:.0f}" if judged else "-"
    print(f"{rule:<20}{sum(c.values()):>6}{c['TP']:>5}{c['B']:>5}{c['FP']:>5}{c['?']:>5}"
          f"{pct(c['TP']):>8}{pct(c['TP'] + c['B']):>8}{pct(c['FP']):>7}")
judged = total["TP"] + total["B"] + total["FP"]
pct = lambda n: f"{100 * n / judged:.0f}" if judged else "-"
print(f"{'all':<20}{sum(total.values()):>6}{total['TP']:>5}{total['B']:>5}{total['FP']:>5}{total['?']:>5}"
      f"{pct(total['TP']):>8}{pct(total['TP'] + total['B']):>8}{pct(total['FP']):>7}")
if untriaged:
    print(f"\nnot triaged ({len(untriaged)}):")
    for (pkg, rule, loc), msg in untriaged[: None if list_all else 30]:
        print(f"  {pkg}\t{rule}\t{loc}\t{msg[:160]}")
    if not list_all and len(untriaged) > 30:
        print(f"  … {len(untriaged) - 30} more (--list-untriaged)")
if gone:
    by = collections.Counter(triage[k][0] for k in gone)
    print(f"\ntriaged, no longer reported ({len(gone)}: {dict(by)}):")
    for k in gone:
        if triage[k][0] != "FP" or list_all:
            print(f"  {k[0]}\t{k[1]}\t{k[2]}\t{triage[k][0]}\t{triage[k][1][:120]}")
