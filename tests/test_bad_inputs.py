"""A corpus of bad inputs: every one answered with its file:line:col and what to do,
a non-zero exit, no traceback, and no output file left behind — by `check` already, so a
CI job that runs `check` rejects everything `build` would."""

from __future__ import annotations

import pytest
from bad.cases import CASES, EXPECT
from conftest import make_project

from reportgen.cli import main

ARGS = "(args)"  # a case's extra command-line arguments, not a file


def test_every_case_has_an_expectation():
    assert set(CASES) == set(EXPECT) and len(CASES) >= 40


def write_case(name, tmp_path):
    files = {k: v for k, v in CASES[name].items() if isinstance(v, str) and k != ARGS}
    project = make_project(tmp_path, files)
    for path, content in CASES[name].items():
        if path == ARGS:
            continue
        target = project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        elif content is None:
            from PIL import Image

            Image.new("1", (20000, 20000)).save(target, optimize=True)
    return project, list(CASES[name].get(ARGS, []))


def assert_located(name, err):
    location, message = EXPECT[name]
    assert "Traceback" not in err and "internal error" not in err, err
    prefix = f"{location}: error: " if location else "error: "
    lines = [line for line in err.splitlines() if line.startswith(prefix)]
    assert lines, f"no error at {location or '(no file)'} in:\n{err}"
    assert any(message in line for line in lines), f"{message!r} not in:\n{err}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_located(name, tmp_path, capsys):
    project, args = write_case(name, tmp_path)
    status = main(["-C", str(project), "build", "--format", "docx", *args])
    out, err = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in out
    assert_located(name, err)
    manifest = project / "output" / "manifest.json"
    if manifest.exists():  # editions that failed left no file; others may have built
        import json

        for entry in json.loads(manifest.read_text(encoding="utf-8"))["editions"]:
            if entry["status"] == "failed":
                assert not (project / entry["path"]).exists(), entry["path"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_rejects_what_build_rejects(name, tmp_path, capsys):
    project, args = write_case(name, tmp_path)
    status = main(["-C", str(project), "check", "--strict", *args])
    out, err = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in out
    assert_located(name, err)
    assert not (project / "output").exists()  # check writes nothing
