"""A corpus of bad inputs: every one answered with its file:line:col and what to do,
a non-zero exit, no traceback, and no output file left behind."""

from __future__ import annotations

import pytest
from bad.cases import CASES, EXPECT
from conftest import make_project

from reportgen.cli import main


def test_every_case_has_an_expectation():
    assert set(CASES) == set(EXPECT) and len(CASES) >= 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_located(name, tmp_path, capsys):
    files = {k: v for k, v in CASES[name].items() if isinstance(v, str)}
    project = make_project(tmp_path, files)
    for path, content in CASES[name].items():
        target = project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        elif content is None:
            from PIL import Image

            Image.new("1", (20000, 20000)).save(target, optimize=True)
    status = main(["-C", str(project), "build", "--format", "docx"])
    out, err = capsys.readouterr()
    location, message = EXPECT[name]
    assert status == 1
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.startswith(location + ": error: ")]
    assert lines, f"no error at {location} in:\n{err}"
    assert any(message in line for line in lines), f"{message!r} not in:\n{err}"
    manifest = project / "output" / "manifest.json"
    if manifest.exists():  # editions that failed left no file; others may have built
        import json

        for entry in json.loads(manifest.read_text(encoding="utf-8"))["editions"]:
            if entry["status"] == "failed":
                assert not (project / entry["path"]).exists(), entry["path"]
