"""The GitHub Actions workflow: valid YAML, and every reportgen command it runs is one we accept."""

from __future__ import annotations

import shlex

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
    shards = flow["jobs"]["build"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, int(flow["env"]["SHARDS"]) + 1))


def test_every_reportgen_command_parses():
    parser = _parser()
    commands = []
    for job in workflow()["jobs"].values():
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                line = line.strip()
                if line.startswith("reportgen "):
                    commands.append(line)
    assert any(c.startswith("reportgen check --strict") for c in commands)
    assert any("--shard" in c for c in commands)
    assert any(c.startswith("reportgen manifest merge") for c in commands)
    for command in commands:
        words = shlex.split(command.replace("${{ matrix.shard }}", "1").replace("${{ env.SHARDS }}", "4"))
        words = [w for w in words if "*" not in w] or words
        if words[1:3] == ["manifest", "merge"]:
            words.insert(3, "a.json")
        parser.parse_args(words[1:])  # raises SystemExit on a command we do not accept
