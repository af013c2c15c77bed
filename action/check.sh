#!/usr/bin/env bash
# Step "loopsafe check" of action.yml. Runs `loopsafe check` twice over the same files: first with
# --format sarif into the SARIF file, then in the log's format (annotations by default). The step
# ends with loopsafe's exit code: 0 clean, 1 findings (after the SARIF file is written), 2 and above
# a usage or configuration error, shown as an error annotation, with no SARIF file left behind.
# Inputs come in the environment: LOOPSAFE (the command), LOOPSAFE_PATHS, LOOPSAFE_FORMAT,
# LOOPSAFE_SARIF, LOOPSAFE_ARGS.
set -o pipefail
bin=${LOOPSAFE:?the install step names the loopsafe command}
format=${LOOPSAFE_FORMAT:-github}
sarif=${LOOPSAFE_SARIF:-}
out=${GITHUB_OUTPUT:-/dev/null}

# paths: one per line when the input has several lines, else separated by spaces
paths=()
if [[ "${LOOPSAFE_PATHS:-}" == *$'\n'* ]]; then
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && paths+=("$line")
  done <<< "$LOOPSAFE_PATHS"
else
  read -r -a paths <<< "${LOOPSAFE_PATHS:-}"
fi
[ ${#paths[@]} -gt 0 ] || paths=(.)
args=()
read -r -a args <<< "${LOOPSAFE_ARGS:-}"

failed() {
  echo "::error title=loopsafe::loopsafe check failed with exit code $1: $2"
  echo "exit-code=$1" >> "$out"
  exit "$1"
}

if [ -n "$sarif" ]; then
  mkdir -p "$(dirname "$sarif")"
  errors=$(mktemp)
  "$bin" check "${paths[@]}" ${args[@]+"${args[@]}"} --format sarif > "$sarif.partial" 2> "$errors"
  status=$?
  if [ "$status" -gt 1 ]; then
    cat "$errors" >&2
    first=$(head -n 1 "$errors")
    rm -f "$sarif.partial" "$errors"
    echo "sarif-file=" >> "$out"
    failed "$status" "${first:-a usage or configuration error (see the log)}; no SARIF file was written"
  fi
  rm -f "$errors"
  mv "$sarif.partial" "$sarif"
  echo "sarif-file=$sarif" >> "$out"
fi

"$bin" check "${paths[@]}" ${args[@]+"${args[@]}"} --format "$format"
status=$?
if [ "$status" -gt 1 ]; then
  failed "$status" "a usage or configuration error (see the log)"
fi
echo "exit-code=$status" >> "$out"

# a summary for the run's page, counted from the SARIF file
if [ -n "$sarif" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ] && command -v node >/dev/null; then
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const run = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).runs[0];
    const active = (run.results || []).filter((r) => !(r.suppressions || []).length);
    const by = {};
    for (const r of active) by[r.ruleId] = (by[r.ruleId] || 0) + 1;
    const lines = ["### loopsafe", "", active.length ? `${active.length} finding(s):` : "No findings.", ""];
    if (active.length) {
      lines.push("| rule | findings |", "| --- | --- |");
      for (const [rule, n] of Object.entries(by).sort((a, b) => b[1] - a[1])) lines.push(`| ${rule} | ${n} |`);
    }
    console.log(lines.join("\n"));
  ' "$sarif" >> "$GITHUB_STEP_SUMMARY" || true
fi

if [ "$status" = 1 ]; then
  echo "loopsafe found problems (exit code 1)${sarif:+; the SARIF file $sarif is written}."
fi
exit "$status"
