"""Charts from data: values follow their categories, mismatches are located errors, missing
values are gaps, and a share prints with the same digits in a chart as in a table."""

from __future__ import annotations

import io
import re
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


# ---------------------------------------------------------------- design rules: marks, growth, centre, alt

YEARS = """\
size: {unit: {currency: CNY, scale: 1e8}, 2024: 41.8, 2025: 65.3, 2031: 213.4}
marks: {estimate_from: 2025, forecast_from: 2031}
count: {unit: 个, a: 114, b: 106, c: 33, d: 28}
"""


def years_chart(tmp_path, chart: str, locale: str = "en"):
    project = make_project(tmp_path, {"content/data/d.yaml": DATA + YEARS,
                                      "content/r/report.yaml": SPEC.format(locale=locale, chart="\n".join(
                                          "          " + line for line in chart.strip().splitlines()))})
    diags = Diagnostics()
    editions = prepare(project, [project / "content/r/report.yaml"], [], diags)
    if not editions:  # refused at the spec stage
        return None, [str(d) for d in diags.errors]
    blocks = editions[0].document.sections[0].blocks
    return (blocks[0] if blocks else None), [str(d) for d in diags.errors]


def test_estimate_and_forecast_years_are_marked_from_the_data(tmp_path):
    chart, errors = years_chart(tmp_path, "type: bar\ndata: d.size\n"
                                          "estimate_from: d.marks.estimate_from\nforecast_from: d.marks.forecast_from")
    assert not errors, errors
    assert chart.categories == ("2024", "2025", "2031")
    assert chart.category_labels == ("2024", "2025E", "2031F")
    plain, errors = years_chart(tmp_path / "plain", "type: bar\ndata: d.size\nforecast_from: 2031")
    assert plain.category_labels == ("2024", "2025", "2031F")


def test_marks_on_categories_that_are_not_years_are_located_errors(tmp_path):
    _, errors = years_chart(tmp_path, "type: bar\ndata: d.abc\nestimate_from: 2025")
    assert any("content/r/report.yaml:10:26: error: estimate and forecast marks belong to charts whose "
               "categories are years" in e for e in errors), errors


def test_cagr_is_an_annotation_computed_with_the_reports_digits(tmp_path):
    chart, errors = years_chart(tmp_path, "type: bar\ndata: d.size\ncagr:\n"
                                          "  - {from: 2024, to: 2025, digits: 1}\n  - {from: 2025, to: 2031}")
    assert not errors, errors
    one, six = chart.cagr
    assert (one.start, one.end, one.label) == (0, 1, "CAGR 56.2%")
    # Six years from 2025 to 2031, not the two steps between the categories.
    assert (six.start, six.end) == (1, 2) and abs(six.value - ((213.4 / 65.3) ** (1 / 6) - 1)) < 1e-12
    assert six.label == "CAGR 21.82%"  # the spec's percent_digits (2), as a table prints a rate
    # The growth series itself is untouched: no point of the CAGR joins the market sizes.
    assert len(chart.series) == 1 and len(chart.series[0].values) == 3


def test_a_given_cagr_and_its_words_are_printed_as_given(tmp_path):
    chart, errors = years_chart(tmp_path, "type: bar\ndata: d.size\n"
                                          "cagr: {from: 2024, to: 2031, value: 0.1522, label: 年均复合增长率}", "zh_CN")
    assert not errors, errors
    assert chart.cagr[0].label == "年均复合增长率 15.22%"


def test_cagr_mistakes_are_located(tmp_path):
    for chart, message in [
        ("type: pie\ndata: d.abc\ncagr: {from: a, to: c}", "`cagr` is drawn over categories along a horizontal axis"),
        ("type: bar\ndata: d.size\ncagr: {from: 2024, to: 2030}", "`cagr` names `2030`, which is not one of the chart's categories"),
        ("type: bar\ndata: d.size\ncagr: {from: 2031, to: 2024}", "`to` should come after `from`"),
        ("type: bar\ndata: d.size\ncagr: {from: 2024}", "a `cagr` entry should be a mapping with `from:` and `to:`"),
    ]:
        project = make_project(tmp_path / str(len(message)), {
            "content/data/d.yaml": DATA + YEARS,
            "content/r/report.yaml": SPEC.format(locale="en", chart="\n".join(
                "          " + line for line in chart.strip().splitlines()))})
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            assert main(["-C", str(project), "check"]) != 0
        assert re.search(r"content/r/report\.yaml:\d+:\d+: error: .*" + re.escape(message), err.getvalue()), \
            (chart, err.getvalue())


def test_a_donut_centre_is_the_total_with_its_unit(tmp_path):
    chart, errors = years_chart(tmp_path, "type: donut\ndata: d.count", "zh_CN")
    assert not errors, errors
    assert chart.centre == "281个"
    money, _ = years_chart(tmp_path / "money", "type: donut\ndata: d.size", "en")
    assert money.centre and "320.5" in money.centre.replace(",", "") or "32.05" in money.centre, money.centre
    # Shares without a unit add up to 100%, which says nothing: no centre unless one is written.
    shares, _ = years_chart(tmp_path / "shares", "type: donut\ndata: d.abc")
    assert shares.centre == ""
    given, _ = years_chart(tmp_path / "given", "type: donut\ndata: d.abc\ncentre: 共{{ number(sum(d.abc)) }}个")
    assert given.centre == "共6个"
    _, errors = years_chart(tmp_path / "bar", "type: bar\ndata: d.abc\ncentre: x")
    assert any("`centre` is the text in a donut's hole" in e for e in errors), errors


def test_alt_text_defaults_to_the_caption_and_reaches_the_word_picture(tmp_path):
    chart, _ = years_chart(tmp_path, "type: bar\ndata: d.abc\ncaption: Market size by segment")
    assert chart.alt == "Market size by segment"
    chart, _ = years_chart(tmp_path / "alt", "type: bar\ndata: d.abc\ncaption: Size\n"
                                             "alt: Bars rising from 1 in a to 3 in c")
    assert chart.alt == "Bars rising from 1 in a to 3 in c"
    project = project_with(tmp_path / "docx", "type: bar\ndata: d.abc\ncaption: Size\nalt: Bars rising from 1 to 3")
    with redirect_stderr(io.StringIO()), redirect_stdout(io.StringIO()):
        assert main(["-C", str(project), "build", "--format", "docx"]) == 0
    from docx import Document

    [path] = list((project / "output").rglob("*.docx"))
    descriptions = [e.get("descr") for e in Document(str(path)).element.body.iter()
                    if e.tag.endswith("}docPr")]
    assert "Bars rising from 1 to 3" in descriptions, descriptions
