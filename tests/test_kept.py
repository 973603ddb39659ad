"""A build that must write a report whose files did not change (`--force`, an output gone)
takes the report's resolved editions from the cache: the same files and the same warnings,
with nothing loaded again. Any change to what resolving reads loads the report again."""

from __future__ import annotations

import docx
import pytest
from conftest import make_project

from reportgen import editions
from reportgen.cli import main


@pytest.fixture
def loads(monkeypatch):
    """The reports loaded (not taken from the cache) in this test, by file name."""
    seen = []
    real = editions.load_report

    def load_report(root, path, diags):
        seen.append(path.parent.name)
        return real(root, path, diags)

    monkeypatch.setattr(editions, "load_report", load_report)
    return seen


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project(tmp_path, root="test-two-reports")
    # beta in English too, with no translations yet: a warning a kept edition must repeat
    path = project / "content" / "beta" / "report.yaml"
    path.write_text("locales: [zh_CN, en]\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return project


def build(project, capsys, *args):
    code = main(["-C", str(project), "build", "--format", "docx", "--force", "--jobs", "1", *args])
    return code, capsys.readouterr().err


def words(project, report="alpha", locale="en") -> str:
    return "\n".join(p.text for p in docx.Document(project / "output" / locale / f"{report}.docx").paragraphs)


def kept_files(project):
    from reportgen.fonts import cache_dir
    from reportgen.kept import kept_path

    path = kept_path(cache_dir(project) / "editions", project / "content" / "alpha" / "report.yaml")
    return [path] if path.exists() else []


def test_an_unchanged_report_is_taken_from_the_cache(project, capsys, loads):
    code, first_err = build(project, capsys)
    assert code == 0 and sorted(loads) == ["alpha", "beta"]
    assert "no en translations yet" in first_err
    first = {p: p.read_bytes() for p in (project / "output").rglob("*.docx")}
    loads.clear()
    code, second_err = build(project, capsys)
    assert code == 0 and loads == []
    assert [line for line in second_err.splitlines() if "warning" in line] == \
        [line for line in first_err.splitlines() if "warning" in line]
    assert {p: p.read_bytes() for p in (project / "output").rglob("*.docx")} == first


@pytest.mark.parametrize("what", ["data", "translation", "layout", "environment", "new translation"])
def test_a_change_to_what_resolving_reads_loads_the_report_again(project, capsys, loads, monkeypatch, what):
    build(project, capsys)
    assert "USD 4.18 billion" not in words(project) or what != "data"
    loads.clear()
    if what == "data":
        path = project / "content" / "data" / "figures.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("41.8", "52.9"), encoding="utf-8")
    elif what == "translation":
        path = project / "content" / "alpha" / "locales" / "en.po"
        path.write_text(path.read_text(encoding="utf-8").replace('"Market size"', '"Market scale"'), encoding="utf-8")
    elif what == "layout":
        path = project / "layouts" / "market-report.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    elif what == "environment":
        # A limit that resolving checks against, set in the environment.
        monkeypatch.setenv("REPORTGEN_MAX_PARAGRAPH_CHARS", "10")
    else:
        (project / "content" / "beta" / "locales").mkdir()
        (project / "content" / "beta" / "locales" / "en.po").write_text(
            'msgid ""\nmsgstr ""\n"Language: en\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
            'msgctxt "intro|title"\nmsgid "概述"\nmsgstr "Overview B"\n', encoding="utf-8")
    code, err = build(project, capsys)
    changed = {"data": ["alpha"], "translation": ["alpha"], "layout": ["alpha", "beta"],
               "environment": ["alpha", "beta"], "new translation": ["beta"]}[what]
    assert sorted(loads) == changed
    if what == "data":
        assert code == 0 and "5.29" in words(project)
    elif what == "translation":
        assert code == 0 and "Market scale" in words(project)
    elif what == "environment":
        assert code != 0 and "REPORTGEN_MAX_PARAGRAPH_CHARS" in err
    elif what == "new translation":
        assert code == 0 and "Overview B" in words(project, "beta")


def test_a_damaged_kept_file_is_not_used_and_is_made_again(project, capsys, loads):
    build(project, capsys)
    [kept] = kept_files(project)
    data = bytearray(kept.read_bytes())
    data[len(data) // 2] ^= 0xFF
    kept.write_bytes(bytes(data))
    loads.clear()
    code, _ = build(project, capsys)
    assert code == 0 and loads == ["alpha"]  # beta's kept file is whole
    loads.clear()
    code, _ = build(project, capsys)
    assert code == 0 and loads == []


def test_an_edition_not_kept_loads_the_report_again(project, capsys, loads):
    code, _ = build(project, capsys, "--locale", "zh_CN")
    assert code == 0
    loads.clear()
    code, _ = build(project, capsys)  # en was not resolved by the first build
    assert code == 0 and sorted(loads) == ["alpha", "beta"]
    assert "Market size" in words(project)


def test_a_report_with_errors_is_not_kept(project, capsys, loads):
    path = project / "content" / "alpha" / "report.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("figures.market.size[2024]", "figures.nothing"),
                    encoding="utf-8")
    code, _ = build(project, capsys)
    assert code != 0 and kept_files(project) == []
    loads.clear()
    code, err = build(project, capsys)
    assert code != 0 and "alpha" in loads and "figures.nothing" in err
