"""Finding the project from any folder inside it, and its [tool.reportgen] defaults."""

from __future__ import annotations

import json

import pytest
from conftest import make_project

from reportgen.cli import main
from reportgen.project import find_root, load_settings


def built(project, folder="output"):
    data = json.loads((project / folder / "manifest.json").read_text(encoding="utf-8"))
    return sorted((e["report"], e["locale"], e["format"]) for e in data["editions"] if e["status"] == "built")


def test_root_is_found_from_a_folder_inside_the_project(tmp_path, monkeypatch, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    monkeypatch.chdir(project / "content/alpha/locales")
    assert main(["build", "--jobs", "1", "--format", "docx", "beta"]) == 0
    assert (project / "output/zh_CN/beta.docx").is_file()
    assert not (project / "content/alpha/locales/output").exists()
    monkeypatch.chdir(project / "content")
    assert main(["check"]) == 0
    assert "checked 2 report(s), 3 edition(s): 3 ok" in capsys.readouterr().out


def test_minus_C_starts_the_search_in_that_folder(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    assert main(["-C", str(project / "content/beta"), "-v", "check", "beta"]) == 0
    assert f"project: {project}" in capsys.readouterr().err


def test_pyproject_table_marks_the_root_and_sets_defaults(tmp_path, monkeypatch):
    project = make_project(tmp_path, root="test-two-reports", files={"pyproject.toml": (
        '[project]\nname = "my-reports"\n\n'
        '[tool.reportgen]\nlocales = ["en"]\nformats = ["docx"]\noutput = "dist/reports"\njobs = 1\n')})
    assert find_root(project / "content/alpha") == project
    settings = load_settings(project)
    assert (settings.locales, settings.formats, settings.output, settings.jobs) == (["en"], ["docx"], "dist/reports", 1)
    monkeypatch.chdir(project / "content/data")
    assert main(["build"]) == 0
    assert built(project, "dist/reports") == [("alpha", "en", "docx")]  # beta has no en edition
    assert not (project / "output").exists()
    # The command line wins over the project's defaults.
    assert main(["build", "--format", "pdf", "--locale", "zh_CN", "--output", "other"]) == 0
    assert built(project, "other") == [("alpha", "zh_CN", "pdf"), ("beta", "zh_CN", "pdf")]
    # `list` reads the build folder the project names.
    assert main(["list"]) == 0


def test_pyproject_table_alone_marks_the_root(tmp_path):
    folder = tmp_path / "reports"
    (folder / "docs/deep").mkdir(parents=True)
    (folder / "pyproject.toml").write_text("[tool.reportgen]\n", encoding="utf-8")
    assert find_root(folder / "docs/deep") == folder
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert find_root(tmp_path / "elsewhere") is None or find_root(tmp_path / "elsewhere") != tmp_path / "elsewhere"


@pytest.mark.parametrize("table, message", [
    ('locales = ["zh-CN"]', "pyproject.toml:2:11: error: [tool.reportgen] `locales`: `zh-CN` is not a locale name"),
    ('formats = ["pdf", "html"]', "pyproject.toml:2:11: error: [tool.reportgen] `formats` should be a list of pdf and docx"),
    ('output = ""', "pyproject.toml:2:10: error: [tool.reportgen] `output` should be a folder name"),
    ('jobs = 0', "pyproject.toml:2:8: error: [tool.reportgen] `jobs` should be a whole number of at least 1"),
    ('locale = ["en"]', "pyproject.toml:2:10: error: [tool.reportgen] unknown key `locale`; did you mean `locales`?"),
    ('locales = ["en"', "pyproject.toml:3:1: error: TOML syntax:"),
])
def test_bad_pyproject_values_are_located_errors(tmp_path, capsys, table, message):
    project = make_project(tmp_path, root="test-two-reports", files={
        "pyproject.toml": f"[tool.reportgen]\n{table}\n"})
    assert main(["-C", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err and "internal error" not in err
