"""The translators' loop: extract, update, status, check; placeholders and numbers guarded."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from babel.messages.pofile import read_po
from conftest import REPO, make_project

from reportgen.cli import main
from reportgen.i18n import toolkit_terms


def run(project, *args):
    return main(["-C", str(project), *args])


def test_extract_has_references_contexts_and_data_labels(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    assert run(project, "i18n", "extract", "alpha") == 0
    with (project / "content/alpha/locales/messages.pot").open("rb") as fh:
        pot = read_po(fh)
    by_key = {(m.context, m.id): m for m in pot if m.id}
    text = by_key[("size|text", "2024 年市场规模为 {{ money(figures.market.size[2024]) }}。")]
    assert ("content/alpha/report.yaml", 8) in text.locations
    assert any("placeholder" in c for c in text.auto_comments)
    # The same words as a heading and as a caption stay apart by context.
    assert ("size|title", "市场规模") in by_key and ("size|chart.caption", "市场规模") in by_key
    # Category labels from the data reach the translator too.
    assert ("data", "通用医疗大模型") in by_key
    assert ("data", "2024") not in by_key  # numbers read the same in every language


def test_update_keeps_translations_and_marks_changes_fuzzy(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    spec = project / "content/alpha/report.yaml"
    spec.write_text(spec.read_text().replace("title: 市场规模\n", "title: 市场规模概览\n"))
    assert run(project, "i18n", "update", "alpha") == 0
    with (project / "content/alpha/locales/en.po").open("rb") as fh:
        po = read_po(fh)
    heading = po.get("市场规模概览", context="size|title")
    assert heading is not None and heading.fuzzy and heading.string == "Market size"
    assert po.get("甲报告", context="report|title").string == "Report A"
    capsys.readouterr()
    assert run(project, "i18n", "status") == 0
    out = capsys.readouterr().out
    total = len([m for m in po if m.id])
    translated = len([m for m in po if m.id and m.string and not m.fuzzy])
    fuzzy = len([m for m in po if m.id and m.fuzzy])
    line = next(line for line in out.splitlines() if line.startswith("alpha"))
    assert line.split()[2:5] == [str(translated), str(fuzzy), str(total - translated - fuzzy)]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_msgfmt_accepts_every_po_file(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    assert run(project, "i18n", "update") == 0
    files = list(project.glob("content/*/locales/*.po")) + list(REPO.glob("content/*/locales/*.po"))
    files += list((REPO / "reportgen" / "locales").glob("*/LC_MESSAGES/*.po"))
    assert files
    for po in files:
        result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po)], capture_output=True, text=True)
        assert result.returncode == 0, f"{po}: {result.stderr}"


def break_translation(project, old, new):
    po = project / "content/alpha/locales/en.po"
    text = po.read_text(encoding="utf-8")
    assert old in text
    po.write_text(text.replace(old, new), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    return line


def test_broken_placeholder_is_rejected_with_po_line(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    break_translation(project, '"In 2024 the market was worth {{ money(figures.market.size[2024]) }}."',
                      '"In 2024 the market was worth {{ money(figures.market.size[2025]) }}."')
    assert run(project, "check") == 1
    err = capsys.readouterr().err
    assert "content/alpha/locales/en.po:15:1: error: the translation changes the placeholders" in err
    assert "missing {{ money(figures.market.size[2024]) }}" in err


def test_drifted_number_is_rejected(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    break_translation(project, '"In 2024 the market was worth {{ money(figures.market.size[2024]) }}."',
                      '"In 2024 the market was worth CNY 4.2 billion."')
    assert run(project, "check") == 1
    err = capsys.readouterr().err
    assert "content/alpha/locales/en.po:15:1: error: the translation has the number 4.2" in err


def test_missing_translation_warns_and_strict_fails(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    break_translation(project, 'msgstr "Market size"\n\nmsgctxt "size|text"', 'msgstr ""\n\nmsgctxt "size|text"')
    assert run(project, "check") == 0
    err = capsys.readouterr().err
    assert "content/alpha/locales/en.po:11:1: warning: “市场规模” (from content/alpha/report.yaml:5:12) is not translated for en" in err
    assert run(project, "check", "--strict") == 1


def test_po_syntax_error_has_its_line(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    break_translation(project, 'msgstr "Market size"\n\nmsgctxt "size|text"', 'msgstr "Market size\n\nmsgctxt "size|text"')
    assert run(project, "check") == 1
    assert "content/alpha/locales/en.po:" in capsys.readouterr().err


def test_toolkit_words_are_localised():
    assert toolkit_terms("zh_CN")["contents"] == "目录"
    assert toolkit_terms("zh_TW")["contents"] == "目錄"
    assert toolkit_terms("en")["page_of"] == "Page {page} of {pages}"
    assert toolkit_terms("zh_CN")["page_of"].format(page=3, pages=12) == "第 3 页，共 12 页"


def test_update_twice_changes_nothing(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    assert run(project, "i18n", "update") == 0
    first = {p: p.read_bytes() for p in project.glob("content/*/locales/*")}
    assert run(project, "i18n", "update") == 0
    assert {p: p.read_bytes() for p in project.glob("content/*/locales/*")} == first
