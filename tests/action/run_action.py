"""Runs a composite GitHub Action's steps on this machine the way the runner does, for tests.

Each step is a `run:` step with `shell: bash`, run as GitHub runs it (`bash --noprofile --norc -eo
pipefail FILE`), with `${{ }}` expressions replaced first. Supported expressions are the plain
lookups the action uses: inputs.NAME, steps.ID.outputs.NAME (empty when the step set none),
runner.temp, runner.os, github.action_path, github.workspace. The runner's files are real files:
GITHUB_OUTPUT (one per step, read back as step outputs), GITHUB_PATH (prepended to PATH for later
steps), GITHUB_STEP_SUMMARY. Steps stop at the first that fails, as in a job; the action's outputs
are evaluated at the end.
"""

import os
import re
import subprocess
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Unsupported(Exception):
    pass


def _lookup(expr, ctx):
    if not re.fullmatch(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*", expr):
        raise Unsupported(f"expression not supported by this runner: {expr}")
    parts = expr.split(".")
    value = ctx
    for i, part in enumerate(parts):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif parts[0] == "steps" and i >= 1:
            return ""  # an output a step did not set is empty
        else:
            raise Unsupported(f"unknown name in expression: {expr}")
    return str(value)


def substitute(text, ctx):
    return EXPRESSION.sub(lambda m: _lookup(m.group(1), ctx), str(text))


def _read_outputs(path):
    outputs = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            i += 1
            while i < len(lines) and lines[i] != delimiter:
                value.append(lines[i])
                i += 1
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        i += 1
    return outputs


def run_action(action_dir, inputs, workspace, env=None, stdout=None, stderr=None):
    """Runs the action in action_dir/action.yml with the given inputs, in workspace.

    Returns a dict: exit_code (of the step that failed, else 0), outputs (the action's), steps (each
    step's outputs), path (directories added to PATH), summary (the step summary's text).
    """
    with open(os.path.join(action_dir, "action.yml"), encoding="utf-8") as f:
        meta = yaml.safe_load(f)
    if meta["runs"]["using"] != "composite":
        raise Unsupported("not a composite action")
    declared = meta.get("inputs") or {}
    values = {}
    for name, spec in declared.items():
        values[name] = "" if spec.get("default") is None else str(spec.get("default"))
    for name, value in inputs.items():
        if name not in declared:
            raise Unsupported(f"unexpected input {name}; the action declares {sorted(declared)}")
        values[name] = str(value)
    for name, spec in declared.items():
        if spec.get("required") and not values[name]:
            raise Unsupported(f"input {name} is required")

    runner_temp = tempfile.mkdtemp(prefix="runner-temp-")
    files = tempfile.mkdtemp(prefix="runner-files-")
    path_file = os.path.join(files, "path")
    summary_file = os.path.join(files, "summary")
    env_file = os.path.join(files, "env")
    for p in (path_file, summary_file, env_file):
        open(p, "w").close()
    ctx = {
        "inputs": values,
        "steps": {},
        "runner": {"temp": runner_temp, "os": "Linux"},
        "github": {"action_path": os.path.abspath(action_dir), "workspace": workspace},
    }
    exit_code = 0
    for n, step in enumerate(meta["runs"]["steps"]):
        if "run" not in step or step.get("shell") != "bash" or "if" in step or "uses" in step:
            raise Unsupported(f"step {n}: only unconditional `run:` steps with `shell: bash` are supported")
        output_file = os.path.join(files, f"output-{n}")
        open(output_file, "w").close()
        added = [d for d in open(path_file, encoding="utf-8").read().splitlines() if d]
        step_env = dict(os.environ)
        step_env.update(env or {})
        step_env.update(
            {
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTION_PATH": os.path.abspath(action_dir),
                "GITHUB_WORKSPACE": workspace,
                "GITHUB_OUTPUT": output_file,
                "GITHUB_PATH": path_file,
                "GITHUB_ENV": env_file,
                "GITHUB_STEP_SUMMARY": summary_file,
                "RUNNER_TEMP": runner_temp,
                "RUNNER_OS": "Linux",
                "PATH": os.pathsep.join(list(reversed(added)) + [step_env.get("PATH", "")]),
            }
        )
        for name, value in (step.get("env") or {}).items():
            step_env[name] = substitute(value, ctx)
        cwd = os.path.join(workspace, substitute(step.get("working-directory", "."), ctx))
        script = os.path.join(files, f"step-{n}.sh")
        with open(script, "w", encoding="utf-8") as f:
            f.write(substitute(step["run"], ctx))
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
            cwd=cwd,
            env=step_env,
            stdout=stdout,
            stderr=stderr,
        )
        if step.get("id"):
            ctx["steps"][step["id"]] = {"outputs": _read_outputs(output_file)}
        if proc.returncode != 0:
            exit_code = proc.returncode
            break
    outputs = {name: substitute(spec.get("value", ""), ctx) for name, spec in (meta.get("outputs") or {}).items()}
    return {
        "exit_code": exit_code,
        "outputs": outputs,
        "steps": {k: v["outputs"] for k, v in ctx["steps"].items()},
        "path": [d for d in open(path_file, encoding="utf-8").read().splitlines() if d],
        "summary": open(summary_file, encoding="utf-8").read(),
    }
