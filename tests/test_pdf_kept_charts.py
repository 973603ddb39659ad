"""A PDF rebuild puts every chart whose drawing did not change in as the form an earlier build
drew (kept with the edition's set paragraphs), and the PDF is the one a build with nothing
kept makes: after a chart's data changes, with a chart placed twice, and with faces cut
again for a new character."""

from __future__ import annotations

import pytest
from conftest import build_pdf, build_pdf_with_nothing_kept, kept_lines_file, make_project



def data(latest: int, kind: str = "甲类") -> str:
    return f"count:\n  2023: 52\n  2024: {latest}\nshare:\n  {kind}: 40\n  乙类: 60\n"


REPORT = """\
title: 图表缓存
locales: [zh_CN]
data: [charts]
sections:
  - title: 第一章
    blocks:
      - 第一段：市场规模持续扩大。
      - chart: {type: bar, caption: 数量, name: 数量, data: charts.count, value_labels: true}
      - chart: {type: pie, caption: 类型占比, data: charts.share, name: 占比}
      - 第二段：同一张图再放一次。
      - chart: {type: bar, caption: 数量（重复）, name: 数量, data: charts.count, value_labels: true}
"""


@pytest.fixture
def recorded(monkeypatch):
    """The charts whose form this test's builds drew (not put in as kept)."""
    from reportgen.writers import pdf_chart

    calls = []
    real = pdf_chart._record_form

    def record_form(canv, name, drawing, draw):
        calls.append(name)
        return real(canv, name, drawing, draw)

    monkeypatch.setattr(pdf_chart, "_record_form", record_form)
    return calls


def unkept(project, output, monkeypatch):
    """The PDF with every chart's form drawn by ReportLab's renderer, nothing kept."""
    from reportgen.writers import pdf_chart

    with monkeypatch.context() as patch:
        patch.setattr(pdf_chart, "_form_key", lambda *args: None)
        return build_pdf_with_nothing_kept(project, output)


def test_kept_chart_forms_give_the_pdf_of_a_build_with_nothing_kept(tmp_path, monkeypatch, recorded):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project(tmp_path, {"content/data/charts.yaml": data(80),
                                      f"content/{tmp_path.name}/report.yaml": REPORT})
    first = build_pdf(project, "first")
    assert recorded == ["RGChart0", "RGChart1"]  # the chart placed twice is one form
    assert first == unkept(project, "first-unkept", monkeypatch)

    # Nothing changed: every form is put in as kept.
    recorded.clear()
    assert build_pdf(project, "second") == first
    assert recorded == []

    # The bar chart's data changed: its SVG is another, and only its form is drawn again.
    (project / "content" / "data" / "charts.yaml").write_text(data(81), encoding="utf-8")
    recorded.clear()
    warm = build_pdf(project, "third")
    assert recorded == ["RGChart0"]
    assert warm != first
    assert warm == unkept(project, "third-unkept", monkeypatch)

    # A pie label with a character the faces lacked: they are cut again, the pie chart is drawn
    # again, and the bar chart's kept form (its characters' codes are their code points)
    # still holds.
    (project / "content" / "data" / "charts.yaml").write_text(data(81, "鑫类"), encoding="utf-8")
    recorded.clear()
    warm = build_pdf(project, "fourth")
    assert recorded == ["RGChart1"]
    assert warm == unkept(project, "fourth-unkept", monkeypatch)


def test_a_damaged_kept_file_draws_the_forms_again(tmp_path, monkeypatch, recorded):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project(tmp_path, {"content/data/charts.yaml": data(80),
                                      f"content/{tmp_path.name}/report.yaml": REPORT})
    first = build_pdf(project, "first")
    kept = kept_lines_file(project)
    kept.write_bytes(kept.read_bytes()[:-10])
    recorded.clear()
    assert build_pdf(project, "second") == first
    assert recorded == ["RGChart0", "RGChart1"]
