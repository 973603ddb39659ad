"""Data expressions: values, located mistakes, and a sandbox that holds."""

from __future__ import annotations

import pytest
from conftest import make_project

from reportgen.data import load_data
from reportgen.errors import Diagnostics, Loc, ReportgenError
from reportgen.expr import Evaluator

DATA = """\
ai_biomed:
  size:
    unit: {currency: USD, scale: 1e8}
    2025: 32.6
    2026: 37.1
    2032: 88.1
  cagr_published: 0.1522
types:
  通用: 114
  专科: 106
"""


@pytest.fixture
def namespaces(tmp_path):
    project = make_project(tmp_path, {"content/data/markets.yaml": DATA})
    diags = Diagnostics()
    found, _ = load_data(project, ["markets"], Loc("r.yaml"), diags)
    assert not diags.errors
    return found


def test_money_and_growth_in_both_languages(namespaces):
    zh = Evaluator(namespaces, "zh_CN")
    en = Evaluator(namespaces, "en")
    text = "{{ money(markets.ai_biomed.size[2025]) }} / {{ percent(cagr(markets.ai_biomed.size, 2025, 2032)) }}"
    assert zh.expand(text, None) == "32.6亿美元 / 15.26%"
    assert en.expand(text, None) == "USD 3.26 billion / 15.26%"
    assert zh.expand("{{ percent(share(markets.types, '通用')) }}", None) == "51.82%"


def test_wrong_name_is_located_with_suggestion(namespaces):
    ev = Evaluator(namespaces, "en")
    source = "The market: {{ markets.ai_biomed.sise[2025] }}."
    with pytest.raises(ReportgenError) as info:
        ev.expand(source, Loc("content/r/report.yaml", 41, 5))
    message = str(info.value)
    assert message.startswith("content/r/report.yaml:41:20:")
    assert "no such name in `markets.ai_biomed`; did you mean `size`?" in message


def test_missing_year_lists_the_years(namespaces):
    with pytest.raises(ReportgenError, match=r"has no value for `2027` \(it has 2025, 2026, 2032\)"):
        Evaluator(namespaces, "en").expand("{{ markets.ai_biomed.size[2027] }}", None)


@pytest.mark.parametrize("expression", [
    "''.__class__",
    "''.__class__.__mro__[1].__subclasses__()",
    "markets.__class__",
    "markets|attr('__class__')",
    "range(10)",
    "lipsum()",
    "cycler",
    "markets.ai_biomed.size.items()",
    "(10**100)**100",
    "'a' * 10**9",
])
def test_sandbox_refuses_python_internals_and_unbounded_work(namespaces, expression):
    with pytest.raises(ReportgenError):
        Evaluator(namespaces, "en").expand("{{ " + expression + " }}", Loc("r.yaml", 1, 1))


def test_a_series_is_not_a_value(namespaces):
    with pytest.raises(ReportgenError, match="pick one item"):
        Evaluator(namespaces, "en").expand("{{ markets.ai_biomed.size }}", None)


def test_data_table_share_column_and_totals(tmp_path):
    from reportgen.errors import Diagnostics as D
    from reportgen.layout import load_layout
    from reportgen.resolve import Hooks, resolve
    from reportgen.spec import load_spec

    project = make_project(tmp_path, {
        "content/data/markets.yaml": DATA,
        "content/r/report.yaml": """\
title: t
data: [markets]
sections:
  - title: s
    blocks:
      - table:
          data: markets.types
          sort: -value
          total: true
          columns:
            - {field: key, header: 类型}
            - {field: value, header: 数量, format: number, align: right}
            - {field: value, header: 占比, format: share, digits: 1}
""",
    })
    spec, diags = load_spec(project / "content/r/report.yaml", project)
    assert spec, [str(d) for d in diags]
    namespaces, _ = load_data(project, spec.data, spec.data_loc, diags)
    ev = Evaluator(namespaces, "zh_CN")
    d = D()
    doc = resolve(spec, "zh_CN", load_layout(project, "market-report", "zh_CN"),
                  Hooks(expand=ev.expand, evaluator=ev), d)
    assert not d.errors, [str(x) for x in d]
    from reportgen import model as m
    table = doc.sections[0].blocks[0]
    rows = [[m.plain(c.inlines) for c in row] for row in table.body + table.foot]
    assert rows == [["通用", "114", "51.8%"], ["专科", "106", "48.2%"], ["合计", "220", "100.0%"]]


def test_published_figure_check_warns_beyond_its_tolerance(tmp_path):
    from reportgen.data import run_checks

    checks = """
checks:
  - expect: markets.ai_biomed.cagr_published
    equals: cagr(markets.ai_biomed.size, 2025, 2032)
    tolerance: {tol}
"""
    for tolerance, warned in ((0.0001, True), (0.0005, False)):
        project = make_project(tmp_path / str(tolerance), {"content/data/markets.yaml": DATA + checks.format(tol=tolerance)})
        diags = Diagnostics()
        found, _ = load_data(project, ["markets"], Loc("r.yaml"), diags)
        run_checks(found, Evaluator(found, "en"), diags)
        messages = [str(d) for d in diags.warnings]
        assert bool(messages) == warned, messages
        if warned:
            assert messages[0].startswith("content/data/markets.yaml:13:5: warning: published")
            assert "0.1522" in messages[0] and "0.152603" in messages[0]
