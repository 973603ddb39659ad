"""The command line: fast start (no drawing libraries for --help or check), help on every command."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

PROBE = """
import sys
from reportgen.cli import main
try:
    main({args!r})
except SystemExit:
    pass
print(sorted(m for m in ("matplotlib", "reportlab", "docx", "fontTools.subset") if m in sys.modules))
"""


def imported(args: list[str]) -> str:
    run = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, cwd=REPO)
    return run.stdout.strip().splitlines()[-1]


def test_help_and_check_do_not_import_drawing_libraries():
    assert imported(["--help"]) == "[]"
    assert imported(["-C", str(REPO), "check"]) == "[]"


def test_every_command_has_help():
    for command in (["build"], ["check"], ["list"], ["i18n", "update"], ["manifest", "merge"]):
        run = subprocess.run([sys.executable, "-m", "reportgen", *command, "--help"], capture_output=True, text=True)
        assert run.returncode == 0 and "usage: reportgen" in run.stdout, command


def test_unknown_report_is_named_with_a_suggestion(capsys):
    from reportgen.cli import main

    assert main(["-C", str(REPO), "check", "medical-llm-brand"]) == 1
    assert "no report `medical-llm-brand` in content/; did you mean `medical-llm-brands-2025`?" in capsys.readouterr().err


def test_new_scaffolds_a_report_that_builds(tmp_path, capsys):
    from conftest import make_project

    from reportgen.cli import main

    project = make_project(tmp_path)
    assert main(["-C", str(project), "new", "market-2026", "--title", "2026 年市场报告"]) == 0
    assert (project / "content/market-2026/report.yaml").exists()
    assert main(["-C", str(project), "build", "--format", "docx"]) == 0
    assert (project / "output/zh_CN/market-2026.docx").exists()
    assert main(["-C", str(project), "new", "market-2026"]) == 1
    assert "content/market-2026/ already exists" in capsys.readouterr().err
