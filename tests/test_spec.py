"""The spec loader: every mistake located, several reported together, no traceback."""

from __future__ import annotations

import subprocess
import sys

from conftest import make_project

from reportgen.spec import load_spec

GOOD = """\
title: 测试报告
sections:
  - title: 第一章
    blocks:
      - 正文。
"""


def load(tmp_path, text, extra=None):
    files = {"content/r/report.yaml": text, **(extra or {})}
    project = make_project(tmp_path, files)
    return load_spec(project / "content/r/report.yaml", project)


def messages(diags):
    return [str(d) for d in diags]


def test_good_spec_loads(tmp_path):
    spec, diags = load(tmp_path, GOOD)
    assert spec is not None and not diags.errors
    assert spec.sections[0].title.source == "第一章"


def test_unknown_key_has_location_and_suggestion(tmp_path):
    spec, diags = load(tmp_path, GOOD.replace("  - title: 第一章", "  - titel: 第一章\n    title: x"))
    assert spec is None
    assert any("content/r/report.yaml:3:5: error: unknown key `titel` in a section; did you mean `title`?" in m
               for m in messages(diags)), messages(diags)


def test_several_mistakes_reported_together(tmp_path):
    text = """\
title: x
layuot: market-report
sections:
  - title: a
    blocks:
      - tabel: {}
      - figure: {image: assets/missing.png}
"""
    spec, diags = load(tmp_path, text)
    found = messages(diags)
    assert any("report.yaml:2:1" in m and "did you mean `layout`" in m for m in found), found
    assert any("report.yaml:6:9" in m and "did you mean `table`" in m for m in found), found
    assert any("report.yaml:7:25" in m and "image `assets/missing.png` not found" in m for m in found), found


def test_table_row_width_checked_with_spans(tmp_path):
    text = GOOD + """\
      - table:
          columns: [a, b, c]
          rows:
            - [{text: x, rowspan: 2}, y, z]
            - [y2, z2]
            - [only, two]
"""
    spec, diags = load(tmp_path, text)
    found = messages(diags)
    assert len(diags.errors) == 1, found
    assert "report.yaml:11:15" in found[0] and "2 of the table's 3 columns" in found[0]


def test_spans_make_a_grid_with_covered_places(tmp_path):
    text = GOOD + """\
      - table:
          columns: [a, b, c]
          rows:
            - [{text: x, rowspan: 2}, {text: y, colspan: 2}]
            - [y2, z2]
"""
    spec, diags = load(tmp_path, text)
    assert not diags.errors, messages(diags)
    table = spec.sections[0].blocks[1]
    assert [c is None for c in table.body[0]] == [False, False, True]
    assert [c is None for c in table.body[1]] == [True, False, False]


def test_include_cycle_and_escape_are_refused(tmp_path):
    text = GOOD + "  - include: a.yaml\n  - include: ../../../etc/passwd\n"
    spec, diags = load(tmp_path, text, {
        "content/r/a.yaml": "- include: b.yaml\n",
        "content/r/b.yaml": "- include: a.yaml\n",
    })
    found = messages(diags)
    assert any("content/r/b.yaml:1:12" in m and "circular include: content/r/a.yaml → content/r/b.yaml → content/r/a.yaml" in m
               for m in found), found
    assert any("report.yaml:7:14" in m and "resolves outside the project" in m for m in found), found


def test_duplicate_keys_are_errors(tmp_path):
    spec, diags = load(tmp_path, "title: a\ntitle: b\nsections: []\n")
    assert "report.yaml:2:1: error: duplicate key `title` (first at line 1)" in messages(diags)[0]


def test_tab_indentation(tmp_path):
    spec, diags = load(tmp_path, "title: a\nsections:\n\t- title: b\n")
    assert "report.yaml:3:1" in messages(diags)[0] and "tab" in messages(diags)[0]


def test_cli_reports_located_error_without_traceback(tmp_path):
    project = make_project(tmp_path, {"content/r/report.yaml": GOOD.replace("blocks:", "blokcs:")})
    run = subprocess.run([sys.executable, "-m", "reportgen", "-C", str(project), "check"],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert "content/r/report.yaml:4:5: error: unknown key `blokcs` in a section; did you mean `blocks`?" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_table_cells_and_headers_keep_what_was_typed(tmp_path):
    spec, diags = load(tmp_path, """\
title: t
sections:
  - title: s
    blocks:
      - table:
          columns: [2025, {header: 1.10}, c]
          rows: [[010, {text: 1.50}, ~]]
      - stats:
          rows: [[增速, 0.30]]
""")
    assert spec is not None, messages(diags)
    table, stats = spec.sections[0].blocks
    assert [c.text.source for c in table.head[0]] == ["2025", "1.10", "c"]
    assert [c.text.source for c in table.body[0]] == ["010", "1.50", ""]
    assert stats.body[0][1].text.source == "0.30"
