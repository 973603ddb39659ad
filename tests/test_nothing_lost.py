"""Nothing lost: links out of the project are refused, and an interrupted build leaves
output/ as it was or with complete files only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from conftest import make_project

from reportgen.cli import main

SPEC = "title: 报告\nsections:\n  - title: 第一章\n    blocks:\n"


def test_symlink_pointing_out_of_the_project_is_refused(tmp_path, capsys):
    outside = tmp_path / "secret.yaml"
    outside.write_text("- 机密\n", encoding="utf-8")
    project = make_project(tmp_path, {"content/r/report.yaml": SPEC + "      - include: part.yaml\n"})
    os.symlink(outside, project / "content/r/part.yaml")
    assert main(["-C", str(project), "check"]) == 1
    assert "content/r/report.yaml:5:18: error: include `part.yaml` resolves outside the project" in capsys.readouterr().err


def test_percent_digits_come_from_the_spec(tmp_path):
    from reportgen.build import prepare
    from reportgen.errors import Diagnostics
    from reportgen import model as m

    project = make_project(tmp_path, {
        "content/r/report.yaml": "title: t\nformats: {percent_digits: 1}\nsections:\n  - title: s\n    blocks:\n"
                                 "      - \"{{ percent(0.1522) }}\"\n"})
    [edition] = prepare(project, [project / "content/r/report.yaml"], [], Diagnostics())
    assert m.plain(edition.document.sections[0].blocks[0].inlines) == "15.2%"


def test_sigterm_leaves_no_partial_file(tmp_path):
    blocks = "".join(f"      - table:\n          columns: [a, b]\n          rows: [{', '.join(['[甲, 乙]'] * 400)}]\n"
                     for _ in range(10))
    project = make_project(tmp_path, {"content/r/report.yaml": SPEC + blocks})
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, "-m", "reportgen", "-C", str(project), "build", "--jobs", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    # Wait until writing has begun (a temporary file appears), then stop the build.
    out = project / "output"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.rglob("*.tmp")):
        if process.poll() is not None:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    if process.returncode == 0:
        return  # the build won the race: then its files are complete (checked below)
    assert process.returncode == 130, err.decode()
    assert b"Traceback" not in err
    assert not list(out.rglob("*.tmp")), "a partial file was left behind"
    assert not (out / "zh_CN" / "r.pdf").exists() or (out / "zh_CN" / "r.pdf").read_bytes().endswith(b"%%EOF\n")
