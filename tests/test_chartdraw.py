"""Chart drawing: every type renders with real Chinese glyphs, at print resolution, cached by content."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from reportgen import chartdraw
from reportgen.chartdraw import chart_key, render_chart
from reportgen.errors import Loc, ReportgenError
from reportgen.fonts import faces_for
from reportgen.layout import load_layout
from reportgen.model import Chart, Series

ROOT = Path(__file__).resolve().parents[1]
SEGMENTS = ["通用医疗大模型", "专科医疗大模型", "中医大模型", "其他"]
YEARS = ["2021", "2022", "2023", "2024E", "2025E"]
SIZE = [52.1, 80.3, 121.7, 168.2, 230.5]
GROWTH = [35.3, 54.1, 51.6, 38.2, 37.0]
QUADRANTS = {"x": 50, "y": 50, "labels": ["商业先行者", "领导者", "探索者", "技术驱动者"]}


def percent(values):
    return [f"{v:.1f}%" for v in values]


CHARTS = {
    "bar": Chart("bar", SEGMENTS, [Series("市场规模", [42.5, 31.2, 8.6, 17.7])],
                 y_label="市场规模（亿元）", value_labels=True, title="细分市场规模"),
    "barh": Chart("barh", SEGMENTS, [Series("渗透率", [42.5, 31.2, 8.6, 17.7], labels=percent([42.5, 31.2, 8.6, 17.7]))],
                  x_label="渗透率（%）", value_labels=True),
    "grouped_bar": Chart("grouped_bar", SEGMENTS, [Series("2023年", [30.2, 21.0, 5.5, 12.1]),
                                                   Series("2024年", [42.5, 31.2, 8.6, 17.7])],
                         y_label="市场规模（亿元）", value_labels=True),
    "stacked_bar": Chart("stacked_bar", YEARS, [Series(name, [v * f for v in SIZE])
                                                for name, f in zip(SEGMENTS, [0.45, 0.3, 0.1, 0.15])],
                         y_label="市场规模（亿元）", value_labels=True),
    "line": Chart("line", YEARS, [Series("医院渗透率", [8.1, 12.5, 18.9, 26.3, 34.0], labels=percent([8.1, 12.5, 18.9, 26.3, 34.0])),
                                  Series("基层医疗机构渗透率", [2.0, 3.8, 6.5, 10.2, 15.8])],
                  y_label="渗透率（%）", value_labels=True),
    "pie": Chart("pie", SEGMENTS, [Series("2024年", [42.5, 31.2, 8.6, 17.7])]),
    "donut": Chart("donut", SEGMENTS, [Series("2024年", [62.5, 31.2, 3.6, 2.7], labels=["62.5%", "31.2%", "3.6%", "2.7%"])]),
    "bar_line": Chart("bar_line", YEARS, [Series("市场规模（亿元）", SIZE, kind="bar"),
                                          Series("增速（%）", GROWTH, kind="line", axis="right", labels=percent(GROWTH))],
                      y_label="市场规模（亿元）", y2_label="增速（%）", value_labels=True, title="市场规模及增速"),
    "scatter": Chart("scatter", [], [Series("企业", [62, 48, 75, 30], x=[70, 40, 85, 25],
                                            points=["百度灵医", "腾讯觅影", "医联MedGPT", "京东京医千询"])],
                     x_label="技术能力（分）", y_label="商业化程度（分）", quadrants=QUADRANTS),
    "bubble": Chart("bubble", [], [Series("互联网企业", [62, 48], x=[70, 40], sizes=[30, 12], points=["百度灵医", "腾讯觅影"]),
                                   Series("人工智能企业", [30, 55], x=[25, 60], sizes=[8, 25], points=["商汤大医", "讯飞晓医"])],
                    x_label="技术能力（分）", y_label="商业化程度（分）", quadrants=QUADRANTS),
}


def chart_text(chart: Chart) -> str:
    parts = [chart.title, chart.x_label, chart.y_label, chart.y2_label, *chart.categories]
    for s in chart.series:
        parts += [s.name, *s.labels, *s.points]
    if chart.quadrants:
        parts += chart.quadrants["labels"]
    return "".join(parts)


@pytest.fixture(scope="module")
def layout():
    return load_layout(ROOT, "market-report", "zh_CN")


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    text = "".join(chart_text(c) for c in CHARTS.values())
    return faces_for("Noto Sans CJK SC", text, tmp_path_factory.mktemp("fonts"))


def render_quietly(chart, layout, faces, folder, caplog):
    """Render, failing on any missing-glyph report (a warning, or a log record on other versions)."""
    caplog.clear()
    with caplog.at_level(logging.WARNING), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = render_chart(chart, layout, faces, folder)
    messages = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [m for m in messages if "missing from font" in m or "Glyph" in m], messages
    return path


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_type_renders_sharp_with_chinese_glyphs(name, layout, faces, tmp_path, caplog):
    from PIL import Image

    chart = CHARTS[name]
    path = render_quietly(chart, layout, faces, tmp_path, caplog)
    assert path.exists() and path.parent == tmp_path and path.suffix == ".png"
    with Image.open(path) as image:
        dpi = image.info["dpi"]
        width_px, height_px = image.size
    assert min(dpi) >= 200
    inches = layout.text_width * chart.width / 72
    assert abs(width_px - inches * chartdraw.DPI) <= 2
    assert abs(height_px - inches * chart.height * chartdraw.DPI) <= 2


def test_the_glyph_check_would_catch_a_missing_character(layout, faces, tmp_path, caplog):
    # Guards the guard: a character outside the faces must trip `render_quietly`.
    assert "鑫" not in faces.chars
    chart = Chart("bar", ["鑫"], [Series("a", [1.0])])
    with pytest.raises(AssertionError, match="missing from font"):
        render_quietly(chart, layout, faces, tmp_path, caplog)


@pytest.mark.parametrize("name", ["bar_line", "scatter", "pie"])
def test_all_text_is_drawn_with_the_face_files(name, layout, faces):
    from matplotlib.text import Text

    fig = chartdraw._draw(CHARTS[name], layout, faces)
    fig.canvas.draw()
    files = {str(faces.regular), str(faces.bold)}
    texts = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
    assert texts
    for text in texts:
        assert text.get_fontproperties().get_file() in files, text.get_text()
    if CHARTS[name].title:  # the title really uses the bold file
        assert fig.get_suptitle() and fig._suptitle.get_fontproperties().get_file() == str(faces.bold)


def test_second_render_reuses_the_file(layout, faces, tmp_path, monkeypatch):
    chart = CHARTS["bar"]
    first = render_chart(chart, layout, faces, tmp_path)
    data = first.read_bytes()
    calls = []
    monkeypatch.setattr(chartdraw, "_draw", lambda *a: calls.append(a))
    second = render_chart(chart, layout, faces, tmp_path)
    assert second == first and not calls and second.read_bytes() == data
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", ["bar_line", "bubble"])
def test_output_is_byte_identical(name, layout, faces, tmp_path):
    one = render_chart(CHARTS[name], layout, faces, tmp_path / "one")
    two = render_chart(CHARTS[name], layout, faces, tmp_path / "two")
    assert one.name == two.name and one.read_bytes() == two.read_bytes()


def test_changed_inputs_give_another_file(layout, faces, tmp_path, monkeypatch):
    chart = CHARTS["bar"]
    base = render_chart(chart, layout, faces, tmp_path)
    changed = dataclasses.replace(chart, series=[dataclasses.replace(chart.series[0], values=[42.5, 31.2, 8.6, 18.0])])
    other = render_chart(changed, layout, faces, tmp_path)
    assert other != base and base.exists() and other.exists()
    key = chart_key(chart, layout, faces)
    assert len(key) == 64
    assert chart_key(dataclasses.replace(chart, height=0.5), layout, faces) != key
    assert chart_key(dataclasses.replace(chart, type="barh"), layout, faces) != key
    assert chart_key(chart, dataclasses.replace(layout, palette=["#000000"]), faces) != key
    assert chart_key(chart, layout, dataclasses.replace(faces, family="Noto Sans CJK TC")) != key
    assert chart_key(chart, layout, dataclasses.replace(faces, latin=True)) != key
    # A face cut for more characters draws these ones identically: same picture, same key.
    assert chart_key(chart, layout, dataclasses.replace(faces, regular=faces.bold)) == key
    monkeypatch.setattr(chartdraw, "FORMAT_VERSION", "test")
    assert chart_key(chart, layout, faces) != key


AT = Loc("content/r/report.yaml", 7, 9)
BAD_CHARTS = {
    "radar": (Chart("radar", SEGMENTS, [Series("a", [1, 2, 3, 4])], loc=AT), "chart type `radar` is not known"),
    "short series": (Chart("bar", SEGMENTS, [Series("a", [1, 2])], loc=AT), "2 values for 4 categories"),
    "pie negative": (Chart("pie", SEGMENTS, [Series("a", [1, -2, 3, 4])], loc=AT), "has a negative value"),
    "pie all zero": (Chart("donut", SEGMENTS, [Series("a", [0, 0, 0, None])], loc=AT), "add up to 0"),
    "nan": (Chart("line", SEGMENTS, [Series("a", [1, float("nan"), 3, 4])], loc=AT), "finite numbers only"),
    "infinity": (Chart("bar", SEGMENTS, [Series("a", [1, float("inf"), 3, 4])], loc=AT), "finite numbers only"),
    "absurd": (Chart("bar", SEGMENTS, [Series("a", [1, 2e300, 3, 4])], loc=AT), "divide it with `scale:`"),
    "no series": (Chart("bar", SEGMENTS, [], loc=AT), "no series to draw"),
    "no categories": (Chart("bar", [], [Series("a", [])], loc=AT), "no categories"),
    "all missing": (Chart("bar", SEGMENTS[:2], [Series("a", [None, None])], loc=AT), "every value is missing"),
    "scatter empty": (Chart("scatter", [], [Series("a", [], x=[])], loc=AT), "has no points"),
    "bubble zero size": (Chart("bubble", [], [Series("a", [1, 2], x=[1, 2], sizes=[3, 0])], loc=AT),
                         "bubble sizes should be greater than 0"),
    "bubble negative size": (Chart("bubble", [], [Series("a", [1, 2], x=[1, 2], sizes=[-3, 1])], loc=AT),
                             "bubble sizes should be greater than 0"),
    "scatter x nan": (Chart("scatter", [], [Series("a", [1, 2], x=[1, float("nan")])], loc=AT), "x value 2 is nan"),
}


@pytest.mark.parametrize("name", list(BAD_CHARTS))
def test_values_a_chart_cannot_draw_are_located_errors(name, layout, faces, tmp_path):
    chart, message = BAD_CHARTS[name]
    with pytest.raises(ReportgenError) as caught:
        render_chart(chart, layout, faces, tmp_path)
    assert any(d.loc == AT and message in d.message for d in caught.value.diagnostics), str(caught.value)
    assert not list(tmp_path.iterdir())  # nothing half-drawn is left in the cache


def test_values_matplotlib_cannot_place_are_located_errors(layout, faces, tmp_path):
    # Finite, small, but no float step divides a span of one subnormal.
    chart = Chart("bar", SEGMENTS[:2], [Series("a", [5e-324, 0.0])], loc=AT)
    with pytest.raises(ReportgenError) as caught:
        render_chart(chart, layout, faces, tmp_path)
    assert caught.value.diagnostics[0].loc == AT


def test_a_chart_too_small_for_its_labels_is_a_located_error(layout, faces, tmp_path):
    # 188 x 47 pt with a title and axis labels: matplotlib would squash the plot to nothing
    # (and only warn); `check` refuses such boxes, and the drawer refuses what is left.
    chart = Chart("bar", SEGMENTS[:2], [Series("a", [1.0, 2.0])], title="标题", y_label="亿元", x_label="年份",
                  value_labels=True, width=0.4, height=0.25, loc=AT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the warning is not printed either
        with pytest.raises(ReportgenError) as caught:
            render_chart(chart, layout, faces, tmp_path)
    assert caught.value.diagnostics[0].loc == AT
    assert "too small for its labels" in caught.value.diagnostics[0].message
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".png"]


def test_wrap_breaks_long_labels(faces):
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(fname=str(faces.regular), size=8)
    assert chartdraw._wrap("通用医疗大模型", 30, prop).count("\n") >= 1
    assert chartdraw._wrap("North America region", 45, prop).split("\n")[0] == "North"
    assert chartdraw._wrap("其他", 100, prop) == "其他"


def test_ticks_are_round_and_cover_the_data():
    assert chartdraw._nice_ticks(0, 46.75) == [0, 10, 20, 30, 40, 50]
    ticks = chartdraw._nice_ticks(-1.3, 8.8)
    assert ticks[0] <= -1.3 and ticks[-1] >= 8.8 and len(ticks) <= 8
    band = chartdraw._float_band([12.0, 54.1], 6)
    span = band[-1] - band[0]
    assert len(band) == 7 and band[0] + 0.6 * span <= 12.0 and 54.1 <= band[-1]
    assert chartdraw._number(-1234.5) == "-1,234.5" and chartdraw._number(12.0) == "12"


def test_import_does_not_load_matplotlib():
    code = "import sys, reportgen.chartdraw; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_missing_values_and_fraction_percentages(layout, faces, tmp_path, caplog):
    # As `charts.py` resolves them: growth has no first year, and percent labels show fractions.
    growth = [None, 0.541, 0.516, 0.382, 0.370]
    labels = ["", "54.1%", "51.6%", "38.2%", "37.0%"]
    chart = Chart("bar_line", YEARS, [Series("市场规模", SIZE, kind="bar"),
                                      Series("增速", growth, kind="line", axis="right", labels=labels)],
                  y_label="市场规模（亿元）", y2_label="增速", value_labels=True)
    assert render_quietly(chart, layout, faces, tmp_path, caplog).exists()
    fig = chartdraw._draw(chart, layout, faces)
    right = [t.get_text() for t in fig.axes[1].get_yticklabels() if t.get_text()]
    assert right and all(t.endswith("%") for t in right)
    left = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert not any(t.endswith("%") for t in left)
    for kind in ("line", "stacked_bar", "donut"):
        other = Chart(kind, YEARS, [Series("增速", growth, labels=labels)], value_labels=True)
        assert render_quietly(other, layout, faces, tmp_path, caplog).exists()


def test_a_label_box_is_inside_a_wedge_only_when_all_of_it_is():
    from reportgen.chartdraw import _box_in_wedge

    # A small label in the middle of a wide ring wedge fits; the same label in a thin ring
    # crosses into the hole or over the rim, and one straddling two wedges does not fit.
    assert _box_in_wedge(0.75, 0.0, 0.1, 0.05, 0.5, 1.0, -30, 30)
    assert not _box_in_wedge(0.79, 0.0, 0.5, 0.05, 0.58, 1.0, -30, 30)
    assert not _box_in_wedge(0.75, 0.0, 0.1, 0.4, 0.5, 1.0, -10, 10)
    assert _box_in_wedge(0.5, 0.0, 0.3, 0.2, 0.0, 1.0, 0, 360)
