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
