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


# ---------------------------------------------------------------- the sandbox's bounds

@pytest.mark.parametrize("expression, message", [
    ("markets|format", "the filter `|format` is not allowed"),
    ("markets|pprint", "the filter `|pprint` is not allowed"),
    ("markets|tojson", "the filter `|tojson` is not allowed"),
    ("'x'|center(999999999)", "the filter `|center` is not allowed"),
    ("'x'|indent(999999999)", "the filter `|indent` is not allowed"),
    ("'x'|replace('x', 'yy')", "the filter `|replace` is not allowed"),
    ("'x'|wordwrap(5)", "the filter `|wordwrap` is not allowed"),
    ("'x'|truncate(5)", "the filter `|truncate` is not allowed"),
    ("markets|xmlattr", "the filter `|xmlattr` is not allowed"),
    ("markets|map('upper')", "the filter `|map` is not allowed"),
    ("markets|attr('__class__')", "the filter `|attr` is not allowed"),
    ("money(1)|string", "the filter `|string` is not allowed"),
    ("1 is sameas 1", "the test `is sameas` is not allowed"),
    ("'%s' % markets", "`%` is the remainder of two numbers"),
    ("'%999999999s' % 1", "`%` is the remainder of two numbers"),
    ("markets ~ ''", "`~` joins texts and numbers, not the series `markets`"),
    ("money ~ ''", "`~` joins texts and numbers, not the function `money`"),
    ("('a' * 9000) ~ ('a' * 9000)", "more than the 10,000 characters"),
    ("'a' * 10001", "longer than 10,000 items"),
    ("number(1, 999999999)", "digits should be a whole number from 0 to 20"),
    ("money(markets.ai_biomed.size[2025], digits=21)", "digits should be a whole number from 0 to 20"),
    ("percent(0.1, -1)", "digits should be a whole number from 0 to 20"),
    ("compact(1e9, 2.5)", "digits should be a whole number from 0 to 20"),
    ("round(1.5, 10**6)", "digits should be a whole number from 0 to 20"),
    ("markets.types|upper", "|upper works on text, not the series `markets.types`"),
    ("markets.types|join(markets)", "|join works on text"),
    ("1" + " + 1" * 400, "more than the 400 allowed"),
    ("month('2025-02-30')", "`2025-02-30` is not a date that exists"),
    ("month(markets.types)", "month() needs a text"),
])
def test_sandbox_refuses_with_a_located_message_and_no_repr(namespaces, expression, message):
    with pytest.raises(ReportgenError) as info:
        Evaluator(namespaces, "en").expand("Text {{ " + expression + " }}", Loc("r.yaml", 4, 9))
    text = str(info.value)
    assert text.startswith("r.yaml:4:17: error: expression `") and message in text, text
    assert " at 0x" not in text and "<" not in text.split("`", 2)[-1], text


@pytest.mark.parametrize("expression, expected", [
    ("markets.types|length", "2"),
    ("markets.ai_biomed.size|first|round", "3,260,000,000"),
    ("'abc'|upper ~ '-' ~ ' x '|trim|title", "ABC-X"),
    ("markets.types|join(', ')", "114, 106"),
    ("missing|default('—') if false else 'ok'", "ok"),
    ("'2025' ~ '年'", "2025年"),
    ("2025 ~ '年'", "2025年"),
    ("round(1.23456, 2)", "1.23"),
    ("'12'|int + 1", "13"),
    ("7 % 4", "3"),
])
def test_harmless_filters_still_work(namespaces, expression, expected):
    assert Evaluator(namespaces, "en").expand("{{ " + expression + " }}", None) == expected


def test_each_edition_has_a_work_budget(namespaces, monkeypatch):
    import reportgen.expr as expr

    monkeypatch.setattr(expr, "MAX_EDITION_WORK", 50)
    evaluator = Evaluator(namespaces, "en")
    for _ in range(10):
        evaluator.expand("{{ 1 + 2 }}", None)
    with pytest.raises(ReportgenError, match="together exceed the work limit"):
        for _ in range(40):
            evaluator.expand("{{ 1 + 2 }}", Loc("r.yaml", 1, 1))


def test_an_unbounded_expression_in_a_spec_fails_check_quickly(tmp_path, capsys):
    import time

    from reportgen.cli import main

    project = make_project(tmp_path, {
        "content/data/markets.yaml": DATA,
        "content/r/report.yaml": "title: t\ndata: [markets]\nsections:\n  - title: a\n    blocks:\n"
                                 "      - \"{{ markets|pprint }} {{ 'x'|center(999999999) }}\"\n"
                                 "      - \"{{ number(1, 999999999) }}\"\n",
    })
    start = time.monotonic()
    assert main(["-C", str(project), "check"]) == 1
    assert time.monotonic() - start < 20
    err = capsys.readouterr().err
    assert "content/r/report.yaml:6:13: error: expression `markets|pprint`: the filter `|pprint` is not allowed" in err
    assert "content/r/report.yaml:7:13: error: expression `number(1, 999999999)`" in err
    assert "cagr_published" not in err and "0x" not in err


def test_a_percentage_from_data_keeps_the_decimals_it_was_written_with():
    from reportgen.data import Num
    from reportgen.expr import Evaluator

    ev = Evaluator({}, "en", {"percent_digits": 2})
    assert ev.percent(Num.make(0.48, 0.01)) == "48%"
    assert ev.percent(Num.make(0.557, 0.001)) == "55.7%"
    assert ev.percent(0.40569) == "40.57%"  # computed: the spec's percent_digits
    assert ev.percent(Num.make(0.48, 0.01), 1) == "48.0%"  # asked for: as asked


def test_jinja2_is_imported_only_when_an_expression_is_compiled():
    """Making an edition's evaluator costs no Jinja2 import: a rebuild whose blocks are all
    kept (kept.py) compiles no expression."""
    import subprocess
    import sys

    code = ("import sys; from reportgen.expr import Evaluator; e = Evaluator({}, 'en'); "
            "before = 'jinja2' in sys.modules; value = e.value('1 + 2', None); "
            "print(before, value, 'jinja2' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "3", "True"]
