"""The spreadsheet round trip: export a catalog to XLSX or CSV, translate there, import back."""

from __future__ import annotations

import csv
import io

import openpyxl
import polib
import pytest
from conftest import make_project

from reportgen.cli import main

PO = "content/alpha/locales/en.po"


def run(project, *args):
    return main(["-C", str(project), *args])


def untranslate(project, *translations):
    po = project / PO
    text = po.read_text(encoding="utf-8")
    for t in translations:
        assert f'msgstr "{t}"' in text
        text = text.replace(f'msgstr "{t}"', 'msgstr ""', 1)
    po.write_text(text, encoding="utf-8")


def test_xlsx_round_trip_fills_the_catalog(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    untranslate(project, "Model types", "Specialty medical models")
    assert run(project, "i18n", "update", "alpha") == 0  # references (#:) for the sheet's reference column
    sheet_path = tmp_path / "alpha.xlsx"
    assert run(project, "i18n", "export", "alpha", "-o", str(sheet_path)) == 0
    book = openpyxl.load_workbook(sheet_path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header == ["report", "locale", "context", "reference", "source", "translation", "status"]
    rows = {(r[2].value, r[4].value): r for r in sheet.iter_rows(min_row=2)}
    assert rows[("size|chart.caption", "模型类型")][6].value == "untranslated"
    assert rows[("data", "专科医疗大模型")][3].value == "content/data/figures.yaml:9"
    rows[("size|chart.caption", "模型类型")][5].value = "Types of model"
    rows[("data", "专科医疗大模型")][5].value = "=Specialty models"  # text, never a formula
    book.save(sheet_path)
    assert run(project, "i18n", "import", str(sheet_path)) == 0
    po = polib.pofile(str(project / PO))
    assert po.find("模型类型", msgctxt="size|chart.caption").msgstr == "Types of model"
    assert po.find("专科医疗大模型", msgctxt="data").msgstr == "=Specialty models"
    capsys.readouterr()
    assert run(project, "check", "alpha", "--strict") == 0


def test_csv_round_trip_and_review_clears_fuzzy(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    spec = project / "content/alpha/report.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("title: 市场规模\n", "title: 市场规模概览\n"), encoding="utf-8")
    assert run(project, "i18n", "update", "alpha") == 0
    out = tmp_path / "alpha.csv"
    assert run(project, "i18n", "export", "alpha", "--format", "csv", "-o", str(out)) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    fuzzy = next(r for r in rows if r[4] == "市场规模概览")
    assert fuzzy[5] == "Market size" and fuzzy[6] == "fuzzy"
    fuzzy[5], fuzzy[6] = "Market size overview", "translated"
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    assert run(project, "i18n", "import", str(out)) == 0
    entry = polib.pofile(str(project / PO)).find("市场规模概览", msgctxt="size|title")
    assert entry.msgstr == "Market size overview" and not entry.fuzzy and entry.previous_msgid is None


@pytest.mark.parametrize("translation, expected", [
    ("In 2024 the market was worth {{ money(figures.market.size[2025]) }}.", "the translation changes the placeholders"),
    ("In 2024 the market was worth CNY 4.2 billion.", "the translation has the number 4.2"),
    ("In 2024 the market was worth {{ money(figures.market.size[2024]) }}. [More](javascript:alert(1))",
     "the translation links to `javascript:alert(1)`"),
])
def test_import_rejects_bad_rows_with_their_row_number_and_writes_nothing(tmp_path, capsys, translation, expected):
    project = make_project(tmp_path, root="test-two-reports")
    out = tmp_path / "alpha.csv"
    assert run(project, "i18n", "export", "alpha", "--format", "csv", "-o", str(out)) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    number = next(i for i, r in enumerate(rows, 1) if r[2] == "size|text")
    rows[number - 1][5] = translation
    other = next(i for i, r in enumerate(rows, 1) if r[2] == "report|title")
    rows[other - 1][5] = "A good new title"  # a good row is not imported either: all or nothing
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    before = (project / PO).read_bytes()
    capsys.readouterr()
    assert run(project, "i18n", "import", str(out)) == 1
    err = capsys.readouterr().err
    assert f"{out}:{number}:6: error: row {number}: {expected}" in err, err
    assert (project / PO).read_bytes() == before


def test_import_names_rows_that_match_no_entry(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    out = tmp_path / "x.csv"
    out.write_text("report,locale,context,source,translation\n"
                   "alpha,en,size|title,市场规模已改,Changed\n"
                   "gamma,en,x,y,z\n"
                   "alpha,fr,x,y,z\n", encoding="utf-8")
    assert run(project, "i18n", "import", str(out)) == 1
    err = capsys.readouterr().err
    assert f"{out}:2:5: error: row 2: content/alpha/locales/en.po has no entry with this context and source" in err
    assert f"{out}:3:1: error: row 3: no report `gamma`" in err
    assert f"{out}:4:2: error: row 4: `fr` is not a translated locale of `alpha`" in err


def test_import_refuses_a_file_that_is_no_spreadsheet(tmp_path, capsys):
    project = make_project(tmp_path, root="test-two-reports")
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert run(project, "i18n", "import", str(bad)) == 1
    assert "the workbook cannot be read" in capsys.readouterr().err
    headerless = tmp_path / "y.csv"
    headerless.write_text("a,b\n1,2\n", encoding="utf-8")
    assert run(project, "i18n", "import", str(headerless)) == 1
    assert f"{headerless}:1:1: error: the first row lacks the column(s) report, locale" in capsys.readouterr().err
