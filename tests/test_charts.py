"""Charts from data: values follow their categories, mismatches are located errors, missing
values are gaps, and a share prints with the same digits in a chart as in a table."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

from conftest import make_project

from reportgen import model as m
from reportgen.editions import prepare
from reportgen.cli import main
from reportgen.errors import Diagnostics

DATA = """\
abc: {a: 1, b: 2, c: 3}
other: {a: 10, b: 20, c: 30}
more: {a: 1, b: 2, c: 3, d: 4}
order: [c, b, a]
short: [c, b]
wrong: [c, b, z]
gappy: {a: 5, b: null, c: n/a}
types: {通用: 114, 专科: 106, 中医: 33, 其他: 28}
"""

SPEC = """\
title: t
source_locale: {locale}
data: [d]
sections:
  - title: s
    blocks:
      - chart:
{chart}
"""


def project_with(tmp_path, chart: str, locale: str = "en", spec: str = SPEC):
    body = "\n".join("          " + line for line in chart.strip().splitlines())
    return make_project(tmp_path, {"content/data/d.yaml": DATA,
                                   "content/r/report.yaml": spec.format(locale=locale, chart=body)})


def resolved(tmp_path, chart: str, locale: str = "en"):
    project = project_with(tmp_path, chart, locale)
    diags = Diagnostics()
    [edition] = prepare(project, [project / "content/r/report.yaml"], [], diags)
    return edition.document, [str(d) for d in diags.errors]


def check(tmp_path, chart: str) -> str:
    project = project_with(tmp_path, chart)
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        assert main(["-C", str(project), "check"]) != 0
    return err.getvalue()


def test_categories_reorder_the_values_with_them(tmp_path):
    doc, errors = resolved(tmp_path, "type: bar\ndata: d.abc\ncategories: d.order\nvalue_labels: true")
    assert not errors, errors
    [chart] = doc.sections[0].blocks
    assert tuple(chart.categories) == ("c", "b", "a")
    assert tuple(chart.series[0].values) == (3.0, 2.0, 1.0)
    assert tuple(chart.series[0].labels) == ("3", "2", "1")


def test_every_series_follows_the_categories(tmp_path):
    chart = "type: grouped_bar\ncategories: d.order\nseries:\n  - {name: x, data: d.abc}\n  - {name: y, data: d.other}"
    doc, errors = resolved(tmp_path, chart)
    assert not errors, errors
    [chart] = doc.sections[0].blocks
    assert [tuple(s.values) for s in chart.series] == [(3.0, 2.0, 1.0), (30.0, 20.0, 10.0)]


def test_categories_the_data_lacks_are_located_errors(tmp_path):
    for i, (order, words) in enumerate((("d.short", "it leaves out `a` of `d.abc`"),
                                        ("d.wrong", "the data has no `z`"))):
        messages = check(tmp_path / str(i), f"type: bar\ndata: d.abc\ncategories: {order}")
        assert "content/r/report.yaml:10:23: error: `categories:` should list each key" in messages, messages
        assert words in messages and "internal error" not in messages, messages


def test_series_with_keys_the_first_lacks_is_a_located_error(tmp_path):
    chart = "type: grouped_bar\nseries:\n  - {name: x, data: d.abc}\n  - {name: y, data: d.more}"
    messages = check(tmp_path, chart)
    assert "content/r/report.yaml:11:31: error: `d.more` has `d`, which the first series `d.abc` has not" in messages
    assert "internal error" not in messages


def test_a_negative_share_is_a_located_error(tmp_path):
    project = project_with(tmp_path, "type: donut\ndata: d.abc")
    (project / "content/data/d.yaml").write_text(DATA.replace("{a: 1,", "{a: -1,"), encoding="utf-8")
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        assert main(["-C", str(project), "check"]) != 0
    assert "content/r/report.yaml:9:17: error: `d.abc` holds a negative value for `a`" in err.getvalue()


def test_missing_values_leave_a_gap(tmp_path):
    doc, errors = resolved(tmp_path, "type: bar\ndata: d.gappy\nvalue_labels: true")
    assert not errors, errors
    [chart] = doc.sections[0].blocks
    assert tuple(chart.series[0].values) == (5.0, None, None) and tuple(chart.series[0].labels) == ("5", "", "")


def test_a_series_lacking_a_category_has_a_gap_there(tmp_path):
    chart = "type: grouped_bar\nseries:\n  - {name: x, data: d.more}\n  - {name: y, data: d.abc}"
    doc, errors = resolved(tmp_path, chart)
    assert not errors, errors
    assert tuple(doc.sections[0].blocks[0].series[1].values) == (1.0, 2.0, 3.0, None)


SHARES = """\
title: t
source_locale: {locale}
data: [d]
{formats}
sections:
  - title: s
    blocks:
      - chart:
          type: donut
          data: d.types
          {digits}
      - table:
          data: d.types
          columns:
            - {{field: key, header: 类型}}
            - {{field: value, header: 占比, format: share{column_digits}}}
"""


def shares(tmp_path, locale, formats="", digits="", column_digits=""):
    project = make_project(tmp_path, {"content/data/d.yaml": DATA, "content/r/report.yaml": SHARES.format(
        locale=locale, formats=formats, digits=digits, column_digits=column_digits)})
    diags = Diagnostics()
    [edition] = prepare(project, [project / "content/r/report.yaml"], [], diags)
    assert not diags.errors, [str(d) for d in diags]
    chart, table = edition.document.sections[0].blocks
    return list(chart.series[0].labels), [m.plain(row[1].inlines) for row in table.body]


def test_a_donut_prints_its_shares_with_the_tables_digits(tmp_path):
    for locale in ("zh_CN", "en"):
        labels, cells = shares(tmp_path / locale, locale)
        assert labels == cells == ["40.57%", "37.72%", "11.74%", "9.96%"]
    labels, cells = shares(tmp_path / "spec", "en", formats="formats: {percent_digits: 1}")
    assert labels == cells == ["40.6%", "37.7%", "11.7%", "10.0%"]
    labels, cells = shares(tmp_path / "given", "en", digits="digits: 0", column_digits=", digits: 0")
    assert labels == cells == ["41%", "38%", "12%", "10%"]


def test_chart_digits_are_checked(tmp_path):
    messages = check(tmp_path, "type: bar\ndata: d.abc\ndigits: many")
    assert messages.count("content/r/report.yaml:10:19: error: `digits` should be a whole number from 0 to 6") == 1


def test_a_value_too_large_to_print_is_located(tmp_path):
    project = project_with(tmp_path, "type: bar\ndata: d.abc\nvalue_labels: true")
    (project / "content/data/d.yaml").write_text(DATA.replace("{a: 1,", "{a: 1.0e+300,"), encoding="utf-8")
    spec = (project / "content/r/report.yaml").read_text(encoding="utf-8")
    table = "      - table:\n          data: d.abc\n          columns: [{field: key}, {field: value, format: number}]\n"
    (project / "content/r/report.yaml").write_text(spec + table, encoding="utf-8")
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        assert main(["-C", str(project), "check"]) != 0
    messages = err.getvalue()
    assert "content/r/report.yaml:9:17: error: `d.abc`: the number is too large to print" in messages, messages
    assert "content/r/report.yaml:13:35: error: `value` of d.abc.a: the number is too large" in messages, messages
    assert "internal error" not in messages
