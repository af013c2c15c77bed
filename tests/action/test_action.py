"""Runs action.yml's steps (tests/action/run_action.py) against projects on this machine, with npm
pointed at the local registry where loopsafe's tarballs are published. Called by tests/action/run.sh
with ROOT, WORK, DIST, VERSION and npm_config_registry in the environment.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from run_action import run_action  # noqa: E402

ROOT = os.environ["ROOT"]
WORK = os.environ["WORK"]
DIST = os.environ["DIST"]
VERSION = os.environ["VERSION"]

BAD = """const fs = require('fs');
app.get('/report', (req, res) => {
  res.send(fs.readFileSync('/var/reports/today.csv', 'utf8'));
});
"""
GOOD = """const fs = require('fs');
app.get('/report', async (req, res) => {
  res.send(await fs.promises.readFile('/var/reports/today.csv', 'utf8'));
});
"""

passed = 0
failures = []


def project(name, files):
    d = os.path.join(WORK, "projects", name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for rel, text in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
    return d


def act(workspace, **inputs):
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        r = run_action(ROOT, {k.replace("_", "-"): v for k, v in inputs.items()}, workspace, stdout=out, stderr=err)
        out.seek(0)
        err.seek(0)
        r["stdout"], r["stderr"] = out.read(), err.read()
    return r


def case(name):
    def wrap(fn):
        global passed
        try:
            fn()
            passed += 1
            print(f"ok: action: {name}")
        except AssertionError as e:
            failures.append(name)
            print(f"FAIL: action: {name}: {e}", file=sys.stderr)
        return fn

    return wrap


def sarif_results(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)["runs"][0]["results"]


def log(r):
    return f"\n--- stdout\n{r['stdout']}\n--- stderr\n{r['stderr']}\n--- outputs {r['outputs']}"


@case("findings: SARIF written, annotations shown, then the step fails with exit code 1")
def _():
    ws = os.path.join(WORK, "projects", "shop-api")
    shutil.rmtree(ws, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "examples", "shop-api"), ws)
    r = act(ws)
    assert r["exit_code"] == 1, log(r)
    assert r["outputs"]["exit-code"] == "1", log(r)
    assert r["outputs"]["sarif-file"] == "loopsafe.sarif", log(r)
    results = sarif_results(os.path.join(ws, "loopsafe.sarif"))
    assert len(results) >= 8, f"{len(results)} SARIF results"
    assert "::error file=src/routes/orders.js,line=" in r["stdout"], log(r)
    assert "::warning file=src/routes/users.js" in r["stdout"], log(r)
    assert r["outputs"]["binary"].endswith("node_modules/.bin/loopsafe"), log(r)
    assert r["path"] and r["path"][0].endswith("node_modules/.bin"), r["path"]
    assert f"Using loopsafe {VERSION}" in r["stdout"], log(r)
    assert "### loopsafe" in r["summary"] and "| blocking-call |" in r["summary"], r["summary"]
    assert not os.path.exists(os.path.join(ws, "node_modules")), "the action installed into the project"


@case("a clean project: exit code 0 and an empty SARIF run")
def _():
    ws = project("clean", {"src/good.js": GOOD})
    r = act(ws)
    assert r["exit_code"] == 0, log(r)
    assert r["outputs"]["exit-code"] == "0", log(r)
    assert sarif_results(os.path.join(ws, "loopsafe.sarif")) == []
    assert "No findings." in r["summary"], r["summary"]


@case("a configuration error is never hidden: exit code 2, loopsafe's message as an error, no SARIF file")
def _():
    ws = project("bad-config", {"src/bad.js": BAD, "loopsafe.json": '{ "rules": { "blocking-cal": "error" } }\n'})
    r = act(ws)
    assert r["exit_code"] == 2, log(r)
    assert r["outputs"]["exit-code"] == "2", log(r)
    assert r["outputs"]["sarif-file"] == "", log(r)
    assert "::error title=loopsafe::loopsafe check failed with exit code 2: " in r["stdout"], log(r)
    assert "loopsafe.json:1:" in r["stdout"] and "blocking-cal" in r["stderr"], log(r)
    assert not [f for f in os.listdir(ws) if f.startswith("loopsafe.sarif")], os.listdir(ws)


@case("a usage error (a path that does not exist): exit code 2 with the message")
def _():
    ws = project("missing-path", {"src/bad.js": BAD})
    r = act(ws, paths="src nope")
    assert r["exit_code"] == 2, log(r)
    assert "path does not exist: nope" in r["stdout"], log(r)


@case("inputs: paths one per line, args, format json, a SARIF path in a new directory")
def _():
    ws = project("inputs", {"src/a.js": BAD, "lib dir/b.js": BAD, "other/c.js": BAD})
    r = act(ws, paths="src\nlib dir\n", args="--rule blocking-call=warn --max-warnings 5", format="json", sarif="reports/ls.sarif")
    assert r["exit_code"] == 0, log(r)  # warnings only, within --max-warnings
    report = json.loads(r["stdout"][r["stdout"].index("{") :].rsplit("}", 1)[0] + "}")
    files = sorted(d["file"] for d in report["diagnostics"])
    assert files == ["lib dir/b.js", "src/a.js"], files
    assert all(d["severity"] == "warning" for d in report["diagnostics"])
    uris = sorted(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for x in sarif_results(os.path.join(ws, "reports/ls.sarif")))
    assert len(uris) == 2 and not any("other" in u for u in uris), uris
    r = act(ws, paths="src", args="--max-warnings 0 --rule blocking-call=warn")
    assert r["exit_code"] == 1, log(r)


@case("sarif: '' writes no SARIF file and still fails on findings")
def _():
    ws = project("no-sarif", {"src/bad.js": BAD})
    r = act(ws, sarif="")
    assert r["exit_code"] == 1, log(r)
    assert r["outputs"]["sarif-file"] == "", log(r)
    assert not [f for f in os.listdir(ws) if f.endswith(".sarif")], os.listdir(ws)


@case("version: project runs the loopsafe the project installed (the tarballs), found from a subdirectory")
def _():
    ws = project("project-install", {"package.json": '{"name": "p", "private": true}\n', "api/src/bad.js": BAD})
    tarballs = sorted(os.path.join(DIST, f) for f in os.listdir(DIST) if f.endswith(".tgz"))
    subprocess.run(["npm", "install", "-D", "--loglevel=error", *tarballs], cwd=ws, check=True, stdout=subprocess.DEVNULL)
    r = act(ws, version="project", working_directory="api")
    assert r["exit_code"] == 1, log(r)
    assert r["outputs"]["binary"] == os.path.join(ws, "node_modules/.bin/loopsafe"), log(r)
    assert os.path.exists(os.path.join(ws, "api", "loopsafe.sarif"))
    assert "::error file=src/bad.js" in r["stdout"], log(r)


@case("version: project without node_modules: exit code 2 with what to do")
def _():
    ws = project("project-missing", {"src/bad.js": BAD})
    r = act(ws, version="project")
    assert r["exit_code"] == 2, log(r)
    assert "install the project's dependencies (npm ci) before this step" in r["stdout"], log(r)


@case("a version the registry does not have: exit code 2, the check does not run")
def _():
    ws = project("no-such-version", {"src/bad.js": BAD})
    r = act(ws, version="99.0.0")
    assert r["exit_code"] == 2, log(r)
    assert "could not install loopsafe@99.0.0" in r["stdout"], log(r)
    assert r["outputs"]["exit-code"] == "", log(r)


print(f"action: {passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
