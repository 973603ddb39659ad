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
from reportgen.model import Chart, Growth, Series

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
    text = "".join(chart_text(c) for c in CHARTS.values()) + "共281个CAGR 21.8%2024202520312031FE甲乙丙丁戊场景成熟度潜力"
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
    # What the design rules draw counts too: marks, growth arrows, a donut's centre.
    assert chart_key(dataclasses.replace(chart, marks=("", "", "E", "F")), layout, faces) != key
    assert chart_key(dataclasses.replace(chart, cagr=(Growth(0, 3, 0.1, "CAGR 10%"),)), layout, faces) != key
    assert chart_key(dataclasses.replace(CHARTS["donut"], centre="共100个"), layout, faces) != \
        chart_key(CHARTS["donut"], layout, faces)
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
    # Two value axes: the same intervals below and above zero, so both zeros share one height.
    left, right = chartdraw._aligned_ticks([41.8, 65.3, 213.4], [0.562, 0.218])
    assert len(left) == len(right) and left.index(0) == right.index(0) == 0
    assert left[-1] >= 213.4 and right[-1] >= 0.562
    left, right = chartdraw._aligned_ticks([10.0, 30.0], [-0.2, 0.5])
    assert left.index(0) == right.index(0) > 0 and right[0] <= -0.2 and left[-1] >= 30
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


# ---------------------------------------------------------------- design rules


def texts_of(fig):
    """Every visible, non-empty text of a drawn figure with its box (display units)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip() and t.figure is not None:
            out.append((t.get_text(), Text.get_window_extent(t, renderer)))
    return out


def overlapping(fig) -> list:
    boxes = texts_of(fig)
    pairs = []
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if w > 0.5 and h > 0.5:
                pairs.append((a, b))
    return pairs


MEDICAL = Chart("bar_line", ["2024", "2025", "2031"],
                [Series("市场规模", [41.8, 65.3, 213.4], kind="bar", labels=["41.8", "65.3", "213.4"]),
                 Series("增速", [None, 0.562, 0.218], kind="line", axis="right", labels=["", "56.2%", "21.8%"])],
                y_label="市场规模（亿元）", y2_label="增速", value_labels=True, marks=("", "E", "F"),
                cagr=(Growth(1, 2, 0.218, "CAGR 21.8%"),))


def test_years_are_spaced_by_year_with_a_break_and_marked(layout, faces):
    fig = chartdraw._draw(MEDICAL, layout, faces)
    ax = fig.axes[0]
    ticks = list(ax.get_xticks())
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["2024", "2025E", "2031F"]
    # 2024 and 2025 are neighbours; 2031 is farther off, past a break mark between them.
    assert ticks[1] - ticks[0] == 1 and ticks[2] - ticks[1] > 1.4
    marks = [line for line in ax.lines if line.get_marker() is not None and not isinstance(line.get_marker(), str)]
    assert marks and all(ticks[1] < line.get_xdata()[0] < ticks[2] for line in marks)
    # Without skipped years there is no break.
    plain = Chart("bar", ["2021", "2022", "2023"], [Series("a", [1, 2, 3])])
    ax = chartdraw._draw(plain, layout, faces).axes[0]
    assert list(ax.get_xticks()) == [0, 1, 2]
    assert not [line for line in ax.lines if not isinstance(line.get_marker(), str)]


def test_bar_line_axes_share_their_zero(layout, faces):
    fig = chartdraw._draw(MEDICAL, layout, faces)
    left, right = fig.axes[0], fig.axes[1]
    fig.canvas.draw()
    zero_left = left.transData.transform((0, 0))[1]
    zero_right = right.transData.transform((0, 0))[1]
    assert abs(zero_left - zero_right) < 0.5
    # ... and the right axis is labelled down to its 0%, where the bars start.
    assert "0%" in [t.get_text() for t in right.get_yticklabels()]


def test_growth_is_an_arrow_over_its_period_above_every_label(layout, faces):
    from matplotlib.text import Annotation, Text

    fig = chartdraw._draw(MEDICAL, layout, faces)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    [label] = [t for t in ax.texts if t.get_text() == "CAGR 21.8%"]
    arrows = [t for t in ax.texts if isinstance(t, Annotation) and t.get_text() == "" and t.arrow_patch]
    assert arrows
    box = Text.get_window_extent(label, renderer)
    x0 = ax.transData.transform((1, 0))[0]
    x1 = ax.transData.transform((ax.get_xticks()[2], 0))[0]
    assert x0 < (box.x0 + box.x1) / 2 < x1  # over its period
    for text, other in texts_of(fig):
        if text in ("213.4", "65.3", "21.8%", "56.2%"):
            assert other.y1 <= box.y0 + 0.5, text  # above the values of its period
    # The growth rate is not a point of any series.
    assert all(0.218 not in [v for v in s.values] or s.name == "增速" for s in MEDICAL.series)


@pytest.mark.parametrize("name", list(CHARTS))
def test_no_two_labels_overlap_in_the_sample_charts(name, layout, faces):
    assert not overlapping(chartdraw._draw(CHARTS[name], layout, faces))


def test_donut_labels_sit_inside_their_wedge_or_outside_the_ring(layout, faces):
    import math

    from matplotlib.text import Text

    # 40.6% in a thin ring: its box's middle would dip into the hole though its corners clear it.
    chart = Chart("donut", SEGMENTS, [Series("类型", [114, 106, 33, 28], labels=["40.57%", "37.72%", "11.74%", "9.96%"])],
                  centre="共281个", height=0.4, width=0.8)
    fig = chartdraw._draw(chart, layout, faces)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    to_data = ax.transData.inverted()
    inner = 1 - 0.42
    for t in ax.texts:
        if not t.get_text().endswith("%"):
            continue
        box = Text.get_window_extent(t, renderer)
        (x0, y0), (x1, y1) = to_data.transform((box.x0, box.y0)), to_data.transform((box.x1, box.y1))
        nearest = math.hypot(min(max(0, x0), x1), min(max(0, y0), y1))
        farthest = max(math.hypot(x, y) for x in (x0, x1) for y in (y0, y1))
        inside = inner <= nearest and farthest <= 1.0
        outside = nearest >= 1.0
        assert inside or outside, (t.get_text(), nearest, farthest)
    # The centre is spaced where Han meets digits, as the line engine spaces body text.
    assert "共 281 个" in [t.get_text().replace("\n", "") for t in ax.texts]


def test_category_colours_differ_in_lightness():
    from coloraide import Color

    palette = tuple(load_layout(ROOT, "market-report", "zh_CN").palette)
    for count in range(2, len(palette) + 1):
        colors = chartdraw.category_colors(palette, count)
        assert len(set(colors)) == count
        lightness = [Color(c).convert("lab-d65")["lightness"] for c in colors]
        step = chartdraw.lightness_step(count)
        assert step >= chartdraw.MIN_LIGHTNESS_STEP
        for i in range(count):
            for j in range(i + 1, count):
                assert abs(lightness[i] - lightness[j]) >= step - 0.01, (count, colors)
    # Three categories (the white paper's bubbles) are far apart, not three similar blues.
    three = chartdraw.category_colors(palette, 3)
    hues = [Color(c).convert("lch-d65")["hue"] for c in three]
    assert max(hues) - min(hues) > 90
    # Any palette, even all one colour, gives distinguishable lightness.
    same = chartdraw.category_colors(("#2E75B6",) * 4, 4)
    lightness = sorted(Color(c).convert("lab-d65")["lightness"] for c in same)
    assert min(b - a for a, b in zip(lightness, lightness[1:])) >= chartdraw.lightness_step(4) - 0.01


def test_bubbles_do_not_cover_each_other_and_names_stay_by_their_bubble(layout, faces):
    import math

    chart = Chart("bubble", [], [Series("a", [5.0, 5.2, 8.0], x=[5.0, 5.3, 2.0], sizes=[9, 8, 3],
                                        points=["甲场景", "乙场景", "丙场景"]),
                                 Series("b", [2.0, 8.5], x=[8.0, 8.2], sizes=[6, 9], points=["丁场景", "戊场景"])],
                  x_label="成熟度", y_label="潜力")
    fig = chartdraw._draw(chart, layout, faces)
    fig.canvas.draw()
    ax = fig.axes[0]
    centres, radii = [], []
    for collection in ax.collections:
        for (x, y), area in zip(collection.get_offsets(), collection.get_sizes()):
            centres.append(ax.transData.transform((x, y)))
            radii.append(math.sqrt(area / math.pi) * fig.dpi / 72)
    for i in range(len(centres)):
        for j in range(i + 1, len(centres)):
            distance = math.dist(centres[i], centres[j])
            assert distance >= radii[i] + radii[j] - 1, (i, j)
    assert not overlapping(fig)


# ---------------------------------------------------------------- property: labels never overlap


def random_chart(draw, kind: str):
    from hypothesis import strategies as st

    years = draw(st.booleans())
    n = draw(st.integers(1, 8) if kind not in ("pie", "donut") else st.integers(1, 7))
    if years:
        start = draw(st.integers(2000, 2020))
        steps = draw(st.lists(st.sampled_from([1, 1, 1, 2, 6]), min_size=n - 1, max_size=n - 1))
        cats = [start]
        for step in steps:
            cats.append(cats[-1] + step)
        categories = [str(c) for c in cats]
    else:
        categories = draw(st.lists(st.text("医疗大模型市场规模其他abcdefgh", min_size=1, max_size=10),
                                   min_size=n, max_size=n, unique=True))
    positive = kind in ("pie", "donut", "bubble")
    number = st.floats(0.5 if positive else -500, 5000, allow_nan=False).map(lambda v: round(v, 1))
    count = 1 if kind in ("pie", "donut", "bar", "barh") else draw(st.integers(1, 3))
    series = []
    for i in range(count):
        values = draw(st.lists(number, min_size=n, max_size=n))
        if kind in ("scatter", "bubble"):
            xs = draw(st.lists(number, min_size=n, max_size=n))
            sizes = draw(st.lists(st.floats(0.5, 100).map(lambda v: round(v, 1)), min_size=n, max_size=n))
            names = [f"点{i}{k}" for k in range(n)]
            series.append(Series(f"系列{i}", values, x=xs, sizes=sizes if kind == "bubble" else [], points=names))
        else:
            kind_of = ("bar" if i == 0 else "line") if kind == "bar_line" else ""
            series.append(Series(f"系列{i}", values, kind=kind_of, axis="right" if kind_of == "line" else "left",
                                 labels=[f"{v:,.1f}" for v in values]))
    cagr = ()
    if kind in ("bar", "grouped_bar", "stacked_bar", "line", "bar_line") and n > 1 and draw(st.booleans()):
        a = draw(st.integers(0, n - 2))
        b = draw(st.integers(a + 1, n - 1))
        cagr = (Growth(a, b, 0.123, "CAGR 12.3%"),)
    marks = tuple(draw(st.sampled_from(["", "E", "F"])) for _ in categories) if years and kind not in ("scatter", "bubble") else ()
    return Chart(kind, [] if kind in ("scatter", "bubble") else categories, series, value_labels=True,
                 y_label="规模", cagr=cagr, marks=marks, centre="共100个" if kind == "donut" else "")


def check_random_charts(layout, faces, examples: int):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=examples, deadline=None, derandomize=examples <= 40,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.data(), st.sampled_from(chartdraw.TYPES))
    def run(data, kind):
        chart = random_chart(data.draw, kind)
        fig = chartdraw._draw(chart, layout, faces)
        assert not overlapping(fig), (chart, overlapping(fig))

    run()


@pytest.fixture(scope="module")
def random_faces(tmp_path_factory):
    text = "医疗大模型市场规模其他abcdefghCAGR系列点共个0123456789.,%-E F" + "".join(
        chart_text(c) for c in CHARTS.values())
    return faces_for("Noto Sans CJK SC", text, tmp_path_factory.mktemp("random-fonts"))


def test_random_series_of_every_type_never_overlap_labels(layout, random_faces):
    check_random_charts(layout, random_faces, 30)


@pytest.mark.slow
def test_random_series_of_every_type_never_overlap_labels_long(request, layout, random_faces):
    if "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("a longer random run: pytest -m slow")
    check_random_charts(layout, random_faces, 150)
