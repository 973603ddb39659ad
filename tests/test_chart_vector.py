"""Charts in the PDF are vector drawings: their labels are real text in the report's embedded
faces, found by text extraction where the chart shows them; every chart carries alternative
text; a layout may still ask for pictures (`chart_format: png`)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_project
from reportgen.cli import main

DATA = """\
size:
  2021: 52.1
  2022: 80.3
  2023: 121.7
  2024: 168.2
  2025: 230.5
growth:
  2022: 0.541
  2023: 0.516
  2024: 0.382
  2025: 0.370
segments_zh:
  通用医疗大模型: 114
  专科医疗大模型: 106
  中医大模型: 33
  其他: 28
segments_en:
  General models: 114
  Specialist models: 106
  TCM models: 33
  Other: 28
older:
  General models: 90
  Specialist models: 71
  TCM models: 20
  Other: 30
firms_zh:
  - {name: 百度灵医, tech: 70, biz: 62, size: 30}
  - {name: 腾讯觅影, tech: 40, biz: 48, size: 12}
  - {name: 讯飞晓医, tech: 85, biz: 75, size: 25}
firms_en:
  - {name: Baidu Lingyi, tech: 70, biz: 62, size: 30}
  - {name: Tencent Miying, tech: 40, biz: 48, size: 12}
  - {name: iFlytek Xiaoyi, tech: 85, biz: 75, size: 25}
"""


def charts_yaml(lang: str) -> str:
    """One chart of every type, with labels in `lang` (zh or en)."""
    zh = lang == "zh"
    seg = f"charts.segments_{lang}"
    firms = f"charts.firms_{lang}"
    unit = "市场规模（亿元）" if zh else "Market size (CNY 100m)"
    return f"""
      - chart: {{type: bar, caption: "{'细分市场数量' if zh else 'Models by type'}", data: {seg},
                 name: "{'数量' if zh else 'Count'}", y_label: "{'数量（个）' if zh else 'Count'}", value_labels: true}}
      - chart: {{type: barh, caption: "{'细分市场横向' if zh else 'Models by type, across'}", data: {seg},
                 name: "{'数量' if zh else 'Count'}", value_labels: true}}
      - chart:
          type: grouped_bar
          caption: "{'两年对比' if zh else 'Two years compared'}"
          series:
            - {{name: "2023", data: charts.older}}
            - {{name: "2024", data: charts.segments_en}}
          value_labels: true
      - chart:
          type: stacked_bar
          caption: "{'堆叠' if zh else 'Stacked'}"
          series:
            - {{name: "2023", data: charts.older}}
            - {{name: "2024", data: charts.segments_en}}
          value_labels: true
      - chart: {{type: line, caption: "{'增速' if zh else 'Growth'}", data: charts.growth, labels: percent,
                 name: "{'增速' if zh else 'Growth'}", value_labels: true}}
      - chart: {{type: pie, caption: "{'类型占比' if zh else 'Share by type'}", data: {seg},
                 name: "{'占比' if zh else 'Share'}"}}
      - chart: {{type: donut, caption: "{'类型分布' if zh else 'Types'}", data: {seg}, name: "{'合计' if zh else 'Total'}"}}
      - chart:
          type: bar_line
          caption: "{'市场规模及增速' if zh else 'Market size and growth'}"
          y_label: "{unit}"
          y2_label: "{'增速' if zh else 'Growth'}"
          value_labels: true
          series:
            - {{name: "{'市场规模' if zh else 'Market size'}", data: charts.size}}
            - {{name: "{'增速' if zh else 'Growth'}", data: charts.growth, kind: line, labels: percent}}
      - chart:
          type: scatter
          caption: "{'企业分布' if zh else 'Companies'}"
          x_label: "{'技术能力' if zh else 'Technology'}"
          y_label: "{'商业化' if zh else 'Business'}"
          series:
            - {{name: "{'企业' if zh else 'Firms'}", data: {firms}, x: tech, y: biz, label: name}}
      - chart:
          type: bubble
          caption: "{'企业气泡' if zh else 'Company bubbles'}"
          x_label: "{'技术能力' if zh else 'Technology'}"
          y_label: "{'商业化' if zh else 'Business'}"
          series:
            - {{name: "{'企业' if zh else 'Firms'}", data: {firms}, x: tech, y: biz, size: size, label: name}}
      - chart:
          type: bubble
          caption: "{'四象限' if zh else 'Quadrants'}"
          quadrants: {{x: 50, y: 50, labels: ["{'左上' if zh else 'TL'}", "{'右上' if zh else 'TR'}",
                                              "{'左下' if zh else 'BL'}", "{'右下' if zh else 'BR'}"]}}
          series:
            - {{name: "{'企业' if zh else 'Firms'}", data: {firms}, x: tech, y: biz, size: size, label: name}}
"""


def report(lang: str) -> str:
    locale = "zh_CN" if lang == "zh" else "en"
    return f"""\
title: "{'图表' if lang == 'zh' else 'Charts'}"
source_locale: {locale}
locales: [{locale}]
data: [charts]
sections:
  - title: "{'图表' if lang == 'zh' else 'Charts'}"
    blocks:{charts_yaml(lang)}
"""


CHART_TYPES = ["bar", "barh", "grouped_bar", "stacked_bar", "line", "pie", "donut", "bar_line", "scatter",
               "bubble", "bubble-quadrants"]


def chart_project(tmp_path: Path, layout_extra: str = "") -> Path:
    project = make_project(tmp_path, {
        "content/data/charts.yaml": DATA,
        "content/charts-zh/report.yaml": report("zh"),
        "content/charts-en/report.yaml": report("en"),
    })
    if layout_extra:
        path = project / "layouts" / "market-report.yaml"
        path.write_text(path.read_text(encoding="utf-8") + layout_extra, encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Both reports, vector charts (the default), PDF and DOCX."""
    project = chart_project(tmp_path_factory.mktemp("vector"))
    with pytest.MonkeyPatch.context() as patch:  # a cache of its own, to look into
        patch.setenv("REPORTGEN_CACHE", str(project / "cache"))
        assert main(["-C", str(project), "build", "--jobs", "1"]) == 0
    return project / "output"


def test_charts_are_vector_with_selectable_labels_in_the_embedded_faces(built):
    import pdfplumber

    pdf_path = built / "zh_CN" / "charts-zh.pdf"
    with pdfplumber.open(pdf_path) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        fonts = {c["fontname"].split("+")[-1] for page in pdf.pages for c in page.chars}
        images = sum(len(page.images) for page in pdf.pages)
    # Category labels, series names, value labels, axis units: real text.
    for label in ("通用医疗大模型", "专科医疗大模型", "中医大模型", "百度灵医", "讯飞晓医", "数量（个）",
                  "市场规模（亿元）", "54.1%", "230.5", "114"):
        assert label in text, label
    # Only the report's two faces: no glyph fell back to another font, none is missing.
    assert fonts and all(f.startswith("Reportgen") or f.startswith("RG-") for f in fonts), fonts
    assert "\ufffd" not in text
    # Every chart is drawn, none as a picture, except the one Word cannot draw natively
    # (which still has vectors in the PDF: the PDF never embeds chart pictures).
    assert images == 0


def test_each_chart_is_one_form_defining_every_state_it_uses(built):
    """A chart is a form XObject drawn once per document; the graphics states its content
    names (the grid's and bubbles' opacity) are in the form's own resources, as a PDF viewer
    looks them up there."""
    import pypdf

    reader = pypdf.PdfReader(built / "zh_CN" / "charts-zh.pdf")
    forms = {}
    for page in reader.pages:
        for name, ref in (page["/Resources"].get("/XObject") or {}).items():
            form = ref.get_object()
            if form.get("/Subtype") == "/Form" and "RGChart" in name:
                forms[name] = form
    assert forms
    named = 0
    for name, form in forms.items():
        used = set(re.findall(rb"/(\S+) gs", form.get_data()))
        defined = {k.lstrip("/").encode() for k in (form["/Resources"].get("/ExtGState") or {})}
        assert used <= defined, (name, used - defined)
        named += len(used)
    assert named  # some chart is translucent somewhere: the check checked something


def test_labels_are_found_where_the_chart_draws_them(built):
    """The bar chart's category labels read left to right in data order; each value label
    stands over its own category's label, higher for a larger value."""
    import pdfplumber

    with pdfplumber.open(built / "en" / "charts-en.pdf") as pdf:
        page = next(p for p in pdf.pages if "Models by type" in (p.extract_text() or ""))
        words = page.extract_words(keep_blank_chars=True, x_tolerance=1.5)
        caption = next(w for w in words if "Models by type" in w["text"] and "across" not in w["text"])
        chart_words = [w for w in words if caption["top"] - 300 < w["bottom"] < caption["top"]]

        def find(text):
            hits = [w for w in chart_words if w["text"].strip() == text]
            assert len(hits) == 1, (text, [w["text"] for w in chart_words])
            return hits[0]

        names = ["General models", "Specialist models", "TCM models", "Other"]
        values = ["114", "106", "33", "28"]
        centre = lambda w: (w["x0"] + w["x1"]) / 2  # noqa: E731
        centres = [centre(find(n)) for n in names]
        assert centres == sorted(centres)  # data order, left to right
        gaps = [b - a for a, b in zip(centres, centres[1:])]
        assert max(gaps) - min(gaps) < 1  # evenly spaced, one slot each
        tops = []
        for name, value in zip(names, values):
            label = find(value)
            assert abs(centre(label) - centre(find(name))) < 2, value  # over its own category
            assert label["bottom"] < find(name)["top"]
            tops.append(label["top"])
        assert tops == sorted(tops)  # 114 highest on the page, 28 lowest


def test_every_chart_carries_its_alternative_text(built):
    from pypdf import PdfReader

    reader = PdfReader(built / "zh_CN" / "charts-zh.pdf")
    alts = []
    for page in reader.pages:
        data = page.get_contents().get_data()
        for hexa in re.findall(rb"/Figure <</Alt <FEFF([0-9A-F]*)>>> BDC", data):
            alts.append(bytes.fromhex(hexa.decode()).decode("utf-16-be"))
    assert alts == ["细分市场数量", "细分市场横向", "两年对比", "堆叠", "增速", "类型占比", "类型分布",
                    "市场规模及增速", "企业分布", "企业气泡", "四象限"]
    for page in reader.pages:  # every marked sequence is closed
        data = page.get_contents().get_data()
        assert data.count(b" BDC") == data.count(b"EMC")


def test_vector_charts_are_cached_as_svg(built):
    folder = built.parent / "cache" / "charts"
    svgs = list(folder.glob("chart-*.svg"))
    # Every chart of both reports as SVG, each verified by the digest beside it; the one
    # Word cannot draw natively also as the DOCX's PNG (one per report).
    assert len(svgs) == 2 * len(CHART_TYPES)
    assert all(s.with_name(s.name + ".sha256").exists() for s in svgs)
    assert len(list(folder.glob("chart-*.png"))) == 2


def test_a_chart_is_parsed_once_and_taken_from_the_cache_after(built, monkeypatch):
    """A chart's parsed drawing is kept beside its SVG and its PDF form with the edition's
    kept drawings: a later build puts every form in as it is. Forms lost with a damaged
    kept file are drawn again from the kept drawings; a chart whose drawing is damaged too
    is parsed again. The PDFs are the same byte for byte."""
    from reportgen.writers import pdf_chart

    cache = built.parent / "cache"
    drawings = sorted((cache / "charts").glob("chart-*.svg.*.drawing"))
    assert len(drawings) == 2 * len(CHART_TYPES)
    parsed, drawn = [], []
    real_parse, real_record = pdf_chart._parse, pdf_chart._record_form
    monkeypatch.setattr(pdf_chart, "_parse", lambda path, *a, **k: parsed.append(Path(path).name) or real_parse(path, *a, **k))
    monkeypatch.setattr(pdf_chart, "_record_form", lambda canv, name, drawing, draw: drawn.append(name) or
                        real_record(canv, name, drawing, draw))
    monkeypatch.setenv("REPORTGEN_CACHE", str(cache))

    def build(output):
        assert main(["-C", str(built.parent), "build", "--format", "pdf", "--force", "--jobs", "1",
                     "--output", output]) == 0
        for pdf in ("zh_CN/charts-zh.pdf", "en/charts-en.pdf"):
            assert (built.parent / output / pdf).read_bytes() == (built / pdf).read_bytes()

    build("again")
    assert parsed == [] and drawn == []
    kept = sorted((cache / "lines").glob("lines-charts-*.pickle"))
    assert len(kept) == 2
    for path in kept:
        path.write_bytes(b"not kept")
    drawings[1].write_bytes(b"not a drawing")
    build("once-more")
    assert len(parsed) == 1 and drawings[1].name.startswith(parsed[0])
    assert len(drawn) == 2 * len(CHART_TYPES)


def test_a_kept_drawing_loads_without_svglib(built):
    """Every chart type's kept drawing is plain ReportLab shapes: loading it from the cache
    does not import svglib (nor the bitmap renderer svglib imports)."""
    import subprocess
    import sys

    kept = sorted((built.parent / "cache" / "charts").glob("chart-*.svg.*.drawing"))
    assert len(kept) == 2 * len(CHART_TYPES)
    script = ("import pickle, sys\n"
              "for path in sys.argv[1:]:\n"
              "    drawing = pickle.loads(open(path, 'rb').read())\n"
              "    assert drawing.contents, path\n"
              "print(sorted(m for m in sys.modules if m.startswith(('svglib', 'reportlab.graphics.renderPM'))))")
    done = subprocess.run([sys.executable, "-c", script, *map(str, kept)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_layout_can_ask_for_png_charts(tmp_path):
    import pdfplumber

    project = chart_project(tmp_path, "chart_format: png\n")
    assert main(["-C", str(project), "build", "charts-en", "--format", "pdf", "--jobs", "1"]) == 0
    with pdfplumber.open(project / "output" / "en" / "charts-en.pdf") as pdf:
        images = sum(len(page.images) for page in pdf.pages)
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert images == len(CHART_TYPES)
    assert "Specialist models" not in text  # the labels are pixels now


def test_a_wrong_chart_format_is_a_located_error(tmp_path, capsys):
    project = chart_project(tmp_path, "chart_format: svg\n")
    assert main(["-C", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"layouts/market-report\.yaml:\d+:\d+: error: `chart_format` should be vector or png", err), err


def test_vector_pdf_is_reproducible(built, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(built.parent, again, ignore=shutil.ignore_patterns("output", "cache"))
    # Another run, as a user's next build is: a process of its own.
    subprocess.run([sys.executable, "-m", "reportgen", "-C", str(again), "build", "charts-zh", "--format", "pdf",
                    "--jobs", "1"], check=True, capture_output=True, timeout=600)
    first = (built / "zh_CN" / "charts-zh.pdf").read_bytes()
    assert (again / "output" / "zh_CN" / "charts-zh.pdf").read_bytes() == first


def test_a_character_the_face_lacks_is_a_located_error_not_an_empty_box(tmp_path):
    from reportgen.chartdraw import render_chart
    from reportgen.errors import Loc, ReportgenError
    from reportgen.fonts import faces_for
    from reportgen.layout import load_layout
    from reportgen.model import Chart, Series
    from reportgen.writers.pdf import _register_fonts
    from reportgen.writers.pdf_chart import load_drawing

    root = Path(__file__).resolve().parents[1]
    layout = load_layout(root, "market-report", "zh_CN")
    chart = Chart("bar", ("甲", "乙"), (Series("数量", (1.0, 2.0)),), loc=Loc("content/r/report.yaml", 4, 3))
    svg = render_chart(chart, layout, faces_for("Noto Sans CJK SC", "甲乙数量012.", tmp_path / "a"), tmp_path, "svg")
    # The same drawing with faces cut for other text: 乙 has no glyph there.
    regular, bold = _register_fonts(faces_for("Noto Sans CJK SC", "甲数量012.", tmp_path / "b"))
    with pytest.raises(ReportgenError) as info:
        load_drawing(str(svg), regular, bold, chart.loc)
    assert str(info.value).startswith("content/r/report.yaml:4:3: error: ") and "乙" in str(info.value)
    regular, bold = _register_fonts(faces_for("Noto Sans CJK SC", "甲乙数量012.", tmp_path / "a"))
    assert load_drawing(str(svg), regular, bold, chart.loc).width > 0


def test_kept_drawings_and_forms_are_keyed_by_what_the_faces_advances_follow_from(tmp_path, monkeypatch):
    """svglib measures a chart's texts with the registered faces: faces cut from another font
    source (an upgraded font package) must not find drawings measured with the old ones."""
    from types import SimpleNamespace

    from reportlab.pdfbase import pdfmetrics

    from reportgen.writers import pdf_chart

    svg = tmp_path / "chart.svg"
    svg.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    for name in ("RG-Test-Regular", "RG-Test-Bold"):
        monkeypatch.setitem(pdfmetrics._fonts, name, SimpleNamespace(reportgen_metrics="source-1"))
    drawing = pdf_chart._parsed_path(str(svg), "RG-Test-Regular", "RG-Test-Bold")
    form = pdf_chart._form_key(str(svg), "RG-Test-Regular", "RG-Test-Bold")
    assert drawing == pdf_chart._parsed_path(str(svg), "RG-Test-Regular", "RG-Test-Bold")
    pdfmetrics._fonts["RG-Test-Bold"].reportgen_metrics = "source-2"
    assert pdf_chart._parsed_path(str(svg), "RG-Test-Regular", "RG-Test-Bold") != drawing
    assert pdf_chart._form_key(str(svg), "RG-Test-Regular", "RG-Test-Bold") != form
