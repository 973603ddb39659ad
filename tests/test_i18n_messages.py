"""What translators are told: the .po line to fix, what to do, once; links a translation may not add."""

from __future__ import annotations

import pytest
from conftest import make_project

from reportgen.cli import main

PO = "content/alpha/locales/en.po"
SOURCE = "2024 年市场规模为 {{ money(figures.market.size[2024]) }}。"
TRANSLATION = "In 2024 the market was worth {{ money(figures.market.size[2024]) }}."


def run(project, *args):
    return main(["-C", str(project), *args])


def replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


@pytest.mark.parametrize("broken", [
    "In 2024 the market was worth {{ money(figures.market.size[2024]) }.",        # a brace lost
    "In 2024 the market was worth {{ money(figures.market.size[2024] }}.",        # a parenthesis lost
    "In 2024 the market was worth {{ money(figures.market.siz[2024]) }}.",        # a name changed
    "In 2024 the market was worth {{ money(figures.market.size[2024]) }} {{.",    # a stray opener
])
def test_a_broken_placeholder_is_blamed_on_the_po_line_only(tmp_path, capsys, broken):
    project = make_project(tmp_path, root="test-two-reports")
    line = replace(project / PO, f'msgstr "{TRANSLATION}"', f'msgstr "{broken}"') - 1  # the entry's msgid line
    assert run(project, "check", "alpha") == 1
    err = capsys.readouterr().err
    assert f"{PO}:{line}:1: error: the translation changes the placeholders" in err
    assert "report.yaml" not in err, err  # not blamed on the spec, at a column that does not exist
    assert "reportgen: 1 error(s)" in err


def test_a_fuzzy_entry_says_to_review_it_and_remove_the_flag(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    line = replace(project / PO, 'msgctxt "size|title"', '#, fuzzy\nmsgctxt "size|title"') + 2  # its msgid
    assert run(project, "check", "alpha") == 0
    err = capsys.readouterr().err
    assert f"{PO}:{line}:1: warning: “市场规模” (from content/alpha/report.yaml:5:12) is fuzzy for en" in err
    assert "review the translation, then remove the `fuzzy` flag" in err
    assert "i18n update" not in err


def test_no_catalog_yet_is_one_line_per_edition(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    (project / PO).unlink()
    assert run(project, "check") == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "[i18n]" in line]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{PO}: warning: no en translations yet")
    assert "reportgen i18n update alpha" in lines[0]


@pytest.mark.parametrize("added", [
    "[details](javascript:alert(document.cookie))",
    "[the data](file:///etc/passwd)",
    "<file:///etc/passwd>",
    "[source](https://evil.example/steal)",
    "see https://evil.example/x",
    "[top](#cover)",
    "[ref][1]\n\n[1]: https://evil.example",
    "data:text/html;base64,PHNjcmlwdD4=",
])
def test_a_translation_may_not_add_a_link(tmp_path, capsys, added):
    project = make_project(tmp_path, root="test-two-reports")
    line = replace(project / PO, f'msgstr "{TRANSLATION}"',
                   'msgstr "' + (TRANSLATION + " " + added).replace("\n", "\\n") + '"') - 1
    assert run(project, "check", "alpha") == 1
    err = capsys.readouterr().err
    assert f"{PO}:{line}:1: error: the translation links to" in err, err
    assert "which its source does not" in err
    assert run(project, "build", "alpha", "--locale", "en", "--format", "docx") == 1
    assert not (project / "output/en/alpha.docx").exists()


def test_a_translation_keeps_the_links_of_its_source(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    spec = project / "content/alpha/report.yaml"
    replace(spec, "。\n", "，见[官网](https://example.org/market)。\n")
    assert run(project, "i18n", "update", "alpha") == 0
    po = project / PO
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('"In 2024 the market was worth {{ money(figures.market.size[2024]) }}."',
                               '"In 2024 the market was worth {{ money(figures.market.size[2024]) }} '
                               '(see [the website](https://example.org/market))."'), encoding="utf-8")
    po.write_text(po.read_text(encoding="utf-8").replace("#, fuzzy\n", ""), encoding="utf-8")
    capsys.readouterr()
    assert run(project, "check", "alpha", "--strict") == 0, capsys.readouterr().err
