"""Property tests: whatever text and nesting an editor writes, reportgen answers with a
valid PDF and DOCX (read back by pypdf and python-docx) or with located errors: never an
exception escaping to the user."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import docx
import pytest
import yaml
from conftest import make_project
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reportgen.cli import main
from reportgen.fonts import faces_for

# Chinese and Latin text, markup characters of YAML, Markdown and ReportLab, and a few
# characters the font lacks (emoji, Arabic), which must come back as located errors.
ALPHABET = ("市场规模医疗大模型，。、；：“”（）《》 abcXYZ 0123456789 .,;:!?-_*#`[]()<>&\"'\\/|{}%$ "
            "é\u0301\u200b😀مر\n")
text = st.text(alphabet=ALPHABET, min_size=0, max_size=60)


def section(depth: int):
    leaf = st.fixed_dictionaries({"title": text.filter(str.strip), "blocks": st.lists(block, max_size=3)})
    if depth == 0:
        return leaf
    return st.fixed_dictionaries({
        "title": text.filter(str.strip),
        "blocks": st.lists(block, max_size=3),
        "sections": st.lists(section(depth - 1), max_size=2),
    })


markdown_list = st.lists(text, min_size=1, max_size=4).map(lambda items: "\n".join(f"- {i}" for i in items))
nested_list = st.tuples(text, text).map(lambda p: f"- {p[0]}\n  - {p[1]}\n    1. {p[0]}")
block = st.one_of(
    text, markdown_list, nested_list,
    st.fixed_dictionaries({"quote": text}),
    st.fixed_dictionaries({"callout": st.fixed_dictionaries({"title": text, "text": text})}),
    st.fixed_dictionaries({"table": st.fixed_dictionaries({
        "columns": st.just(["a", "b"]),
        "rows": st.lists(st.lists(text, min_size=2, max_size=2), min_size=1, max_size=4)})}),
)


@pytest.fixture(scope="module")
def warm_fonts(tmp_path_factory, font_cache):
    """Cut one face for the whole alphabet, so each example reuses it instead of cutting its own."""
    project = tmp_path_factory.mktemp("fonts")
    import os

    os.environ["REPORTGEN_CACHE"] = str(font_cache)
    faces_for("Noto Sans CJK SC", ALPHABET + "目录第页共数据来源图表注释", project)
    return font_cache


# No shrinking: a build per example is too slow to shrink within the suite's budget; a
# failure still prints the example that failed.
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(title=text, sections=st.lists(section(2), min_size=1, max_size=3))
def test_any_document_builds_or_is_located(tmp_path_factory, warm_fonts, title, sections):
    source = yaml.safe_dump({"title": title or "x", "sections": sections}, allow_unicode=True)
    project = make_project(tmp_path_factory.mktemp("prop"), {"content/r/report.yaml": source})
    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        status = main(["-C", str(project), "build", "--jobs", "1"])
    messages = err.getvalue()
    assert "internal error" not in messages and "Traceback" not in messages, messages
    manifest = json.loads((project / "output" / "manifest.json").read_text(encoding="utf-8"))
    if status == 0:
        assert all(e["status"] == "built" for e in manifest["editions"])
        reader = PdfReader(str(project / "output/zh_CN/r.pdf"))
        assert len(reader.pages) >= 2
        docx.Document(str(project / "output/zh_CN/r.docx"))
    else:
        errors = [line for line in messages.splitlines() if ": error: " in line]
        assert errors and all(line.startswith("content/r/report.yaml:") for line in errors), messages
        assert not (project / "output/zh_CN/r.pdf").exists()


# ---------------------------------------------------------------- numbers from data

# Category names without digits, so every number in a row comes from the data.
NAMES = ["甲类", "乙类", "丙类", "Alpha", "Beta", "Gamma", "其他"]


@st.composite
def data_reports(draw):
    """A data series, and a spec showing it as a table (value and share columns) and a chart."""
    chart = draw(st.sampled_from(["bar", "barh", "line", "donut", "pie"]))
    count = draw(st.integers(2, 6))
    names = draw(st.permutations(NAMES))[:count]
    places = st.integers(0, 3)
    values = []
    for _ in names:
        if draw(st.integers(0, 5)) == 0:
            values.append("null")  # a missing value: a gap in the chart, a mark in the table
            continue
        digits = draw(places)
        whole = draw(st.integers(0 if chart in ("donut", "pie") else -5000, 2_000_000))
        values.append(f"{whole / 10 ** digits:.{digits}f}")
    if chart in ("donut", "pie") and all(v == "null" or float(v) == 0 for v in values):
        values[0] = "1.5"  # a whole of nothing cannot be shared out (`check` refuses it)
    if all(v == "null" for v in values):
        values[0] = "1.5"  # a chart with no value at all to draw is refused by `check` too
    digits = draw(st.one_of(st.none(), st.integers(0, 3)))
    percent_digits = draw(st.integers(0, 3))
    given = "" if digits is None else f", digits: {digits}"
    data = "values:\n" + "".join(f"  {n}: {v}\n" for n, v in zip(names, values))
    spec = f"""\
title: 数字
locales: [zh_CN, en]
data: [d]
formats: {{percent_digits: {percent_digits}}}
sections:
  - title: 数据
    blocks:
      - table:
          data: d.values
          caption: 数值
          columns:
            - {{field: key, header: 名称}}
            - {{field: value, header: 数值, format: number{given}}}
            - {{field: value, header: 占比, format: share{given}}}
      - chart:
          type: {chart}
          data: d.values
          value_labels: true
          caption: 图
{"          digits: " + str(digits) if digits is not None else ""}
"""
    return chart, data, spec


def drawn_labels(chart, layout, faces) -> list[str]:
    """The value labels matplotlib draws for a resolved chart, in drawing order."""
    from reportgen.chartdraw import _draw

    fig = _draw(chart, layout, faces)
    names = {s.name for s in chart.series}
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_text() and t.get_text() not in names]


def check_numbers_agree(tmp_path_factory, example) -> None:
    import re

    from reportgen import model as m
    from reportgen.editions import prepare
    from reportgen.errors import Diagnostics
    from reportgen.fonts import faces_for as faces_of
    from reportgen.layout import load_layout

    kind, data, spec = example
    project = make_project(tmp_path_factory.mktemp("numbers"), {"content/data/d.yaml": data,
                                                                "content/r/report.yaml": spec})
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        assert main(["-C", str(project), "build", "--jobs", "1"]) == 0, err.getvalue()
    diags = Diagnostics()
    editions = prepare(project, [project / "content/r/report.yaml"], [], diags)
    assert {str(e.locale) for e in editions} == {"zh_CN", "en"}
    for edition in editions:
        table, chart = edition.document.sections[0].blocks
        cells = [[m.plain(c.inlines) for c in row] for row in table.body]
        shown = [row[2 if kind in ("donut", "pie") else 1] for row in cells]
        labels = list(chart.series[0].labels)
        # The chart labels the values the table prints, with the same digits, in the same order.
        assert [t for t in labels if t] == [t for t in shown if t != "—"], (cells, labels)
        assert [bool(t) for t in labels] == [t != "—" for t in shown]
        layout = load_layout(project, "market-report", str(edition.locale))
        faces = faces_of(layout.pdf_font, "".join(labels) + "".join(chart.categories) + chart.series[0].name, project)
        drawn = drawn_labels(chart, layout, faces)
        wedges = [t for t, v in zip(labels, chart.series[0].values) if t and v]
        assert drawn == (wedges if kind in ("donut", "pie") else [t for t in labels if t]), (drawn, labels)
        # The PDF and the DOCX print the same rows.
        out = project / "output" / str(edition.locale)
        pdf = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(str(out / "r.pdf")).pages))
        at = 0
        for row in cells:
            found = pdf.find(re.sub(r"\s+", "", "".join(row)), at)
            assert found >= 0, (row, pdf)
            at = found
        grids = [[[c.text for c in row.cells] for row in t.rows] for t in docx.Document(str(out / "r.docx")).tables]
        head = [m.plain(c.inlines) for c in table.head[0]]
        assert [grid[1:] for grid in grids if grid and grid[0] == head] == [cells]


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck),
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(example=data_reports())
def test_a_number_prints_alike_in_pdf_docx_and_chart(tmp_path_factory, warm_fonts, example):
    check_numbers_agree(tmp_path_factory, example)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(example=data_reports())
def test_a_number_prints_alike_many_examples(request, tmp_path_factory, warm_fonts, example):
    if "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("a longer run of the test above: pytest -m slow")
    check_numbers_agree(tmp_path_factory, example)
