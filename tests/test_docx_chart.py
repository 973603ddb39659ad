"""Charts in Word are native charts: a chart part whose cached values, category order, colours,
fonts and labels are the data's and the layout's, with its data in an embedded workbook, so
a Word user can restyle it and edit its numbers."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

from reportgen.chartdraw import category_colors
from reportgen.cli import main
from reportgen.model import Series
from reportgen.writers.docx_chart import label_format
from test_chart_vector import chart_project

REPO = Path(__file__).resolve().parent.parent

C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"c": C, "a": A, "r": R, "wp": WP}
SEGMENTS_ZH = ["通用医疗大模型", "专科医疗大模型", "中医大模型", "其他"]
SEGMENTS_EN = ["General models", "Specialist models", "TCM models", "Other"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = chart_project(tmp_path_factory.mktemp("word"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REPORTGEN_CACHE", str(project / "cache"))
        assert main(["-C", str(project), "build", "--format", "docx", "--jobs", "1"]) == 0
    return project / "output"


class Package:
    """A built .docx read back: its chart parts in document order, with their workbooks."""

    def __init__(self, path: Path):
        self.zip = zipfile.ZipFile(path)
        self.document = etree.fromstring(self.zip.read("word/document.xml"))
        rels = etree.fromstring(self.zip.read("word/_rels/document.xml.rels"))
        self.targets = {r.get("Id"): r.get("Target") for r in rels}

    def drawings(self) -> list:
        return self.document.findall(f".//{{{WP}}}inline")

    def chart(self, inline):
        """The chart part an inline shows (None for a picture), and its workbook's bytes."""
        ref = inline.find(f".//{{{C}}}chart")
        if ref is None:
            return None, None
        name = "word/" + self.targets[ref.get(f"{{{R}}}id")]
        part = etree.fromstring(self.zip.read(name))
        folder, base = name.rsplit("/", 1)
        rels = etree.fromstring(self.zip.read(f"{folder}/_rels/{base}.rels"))
        book = self.zip.read("word/" + rels[0].get("Target").replace("../", ""))
        assert part.find(f"{{{C}}}externalData").get(f"{{{R}}}id") == rels[0].get("Id")
        return part, book


def cached(ref) -> list:
    """The cached points of a c:strRef / c:numRef, None where a point is missing."""
    cache = ref[1]
    count = int(cache.find(f"{{{C}}}ptCount").get("val"))
    out = [None] * count
    for pt in cache.findall(f"{{{C}}}pt"):
        out[int(pt.get("idx"))] = pt.find(f"{{{C}}}v").text
    return out


def workbook_column(book: bytes, ref: str) -> list:
    """The values of a sheet range such as `Sheet1!$B$2:$B$6`, read with openpyxl."""
    import openpyxl

    sheet_name, cells = ref.split("!")
    sheet = openpyxl.load_workbook(io.BytesIO(book))[sheet_name]
    cells = cells.replace("$", "")
    if ":" not in cells:
        return [sheet[cells].value]
    return [c.value for row in sheet[cells] for c in row]


@pytest.mark.parametrize("lang,locale,segments", [("zh", "zh_CN", SEGMENTS_ZH), ("en", "en", SEGMENTS_EN)])
def test_each_chart_is_a_chart_part_with_the_data_in_its_order(built, lang, locale, segments):
    package = Package(built / locale / f"charts-{lang}.docx")
    inlines = package.drawings()
    assert len(inlines) == 11
    kinds = []
    for inline in inlines:
        part, book = package.chart(inline)
        if part is None:
            kinds.append("picture")
            continue
        plot = part.find(f".//{{{C}}}plotArea")
        kinds.append("+".join(etree.QName(g).localname for g in plot if etree.QName(g).localname.endswith("Chart")))
        assert book[:2] == b"PK"  # an embedded workbook
        for ser in plot.iter(f"{{{C}}}ser"):
            for ref in ser.iterfind(f".//{{{C}}}f"):  # every cached value is the workbook's value
                values = cached(ref.getparent())
                in_book = workbook_column(book, ref.text)
                if ref.getparent().tag == f"{{{C}}}numRef":
                    assert [None if v is None else float(v) for v in values] == \
                        [None if v is None else float(v) for v in in_book], ref.text
                else:
                    assert values == [str(v) for v in in_book], ref.text
    assert kinds == ["barChart", "barChart", "barChart", "barChart", "lineChart", "pieChart", "doughnutChart",
                     "barChart+lineChart", "scatterChart", "bubbleChart", "picture"]

    first, _ = package.chart(inlines[0])
    ser = first.find(f".//{{{C}}}ser")
    assert cached(ser.find(f"{{{C}}}cat/{{{C}}}strRef")) == segments  # the data's order
    assert [float(v) for v in cached(ser.find(f"{{{C}}}val/{{{C}}}numRef"))] == [114, 106, 33, 28]

    combo, _ = package.chart(inlines[7])
    bars, line = combo.findall(f".//{{{C}}}ser")
    assert cached(bars.find(f"{{{C}}}cat/{{{C}}}strRef")) == ["2021", "2022", "2023", "2024", "2025"]
    assert [float(v) for v in cached(bars.find(f"{{{C}}}val/{{{C}}}numRef"))] == [52.1, 80.3, 121.7, 168.2, 230.5]
    # The growth series has no 2021 value: a gap, not a zero.
    assert cached(line.find(f"{{{C}}}val/{{{C}}}numRef")) == [None, "0.541", "0.516", "0.382", "0.37"]
    # The line is on a secondary axis at the right, as in the PDF.
    line_axes = [a.get("val") for a in combo.find(f".//{{{C}}}lineChart").findall(f"{{{C}}}axId")]
    right = [ax for ax in combo.findall(f".//{{{C}}}valAx") if ax.find(f"{{{C}}}axId").get("val") in line_axes]
    assert right and right[0].find(f"{{{C}}}axPos").get("val") == "r"


def test_colours_fonts_labels_and_titles_are_the_layouts_and_the_pdfs(built):
    package = Package(built / "zh_CN" / "charts-zh.docx")
    inlines = package.drawings()
    combo, _ = package.chart(inlines[7])
    # Fonts: the layout's Word fonts, Latin and East Asian, on the whole chart.
    rpr = combo.find(f"{{{C}}}txPr//{{{A}}}defRPr")
    assert rpr.find(f"{{{A}}}latin").get("typeface") == "Arial"
    assert rpr.find(f"{{{A}}}ea").get("typeface") == "Microsoft YaHei"
    assert rpr.get("sz") == "800"  # the layout's `sizes.small`, as the PDF's chart text
    # Colours: the PDF's, picked from the layout's palette apart by lightness, in series order.
    fills = [s.find(f"{{{C}}}spPr//{{{A}}}srgbClr").get("val") for s in combo.iter(f"{{{C}}}ser")]
    palette = tuple(yaml.safe_load((REPO / "layouts" / "market-report.yaml").read_text(encoding="utf-8"))["palette"])
    assert fills == [c.lstrip("#") for c in category_colors(palette, 2)]
    assert fills[0] == "1F4E79" and fills[1] != fills[0]
    # Axis titles.
    titles = ["".join(t.itertext()) for t in combo.iterfind(f".//{{{C}}}valAx/{{{C}}}title")]
    assert titles == ["市场规模（亿元）", "增速"]
    # Value labels print what the PDF prints: 230.5 and 54.1%.
    formats = [f.get("formatCode") for f in combo.iterfind(f".//{{{C}}}ser/{{{C}}}dLbls/{{{C}}}numFmt")]
    assert formats == ["#,##0.0", "0.0%"]

    pie, _ = package.chart(inlines[5])
    points = [p.find(f".//{{{A}}}srgbClr").get("val") for p in pie.iter(f"{{{C}}}dPt")]
    assert points == [c.lstrip("#") for c in category_colors(palette, 4)]
    labels = pie.find(f".//{{{C}}}ser/{{{C}}}dLbls")
    assert labels.find(f"{{{C}}}showPercent").get("val") == "1"
    assert labels.find(f"{{{C}}}numFmt").get("formatCode") == "0.00%"  # 40.57%, as the PDF


def test_alternative_text_is_on_every_chart(built):
    package = Package(built / "en" / "charts-en.docx")
    descr = [i.find(f"{{{WP}}}docPr").get("descr") for i in package.drawings()]
    assert descr == ["Models by type", "Models by type, across", "Two years compared", "Stacked", "Growth",
                     "Share by type", "Types", "Market size and growth", "Companies", "Company bubbles",
                     "Quadrants"]
    ids = [i.find(f"{{{WP}}}docPr").get("id") for i in package.drawings()]
    assert len(set(ids)) == len(ids)


def test_a_chart_with_quadrants_is_the_pdfs_picture(built):
    package = Package(built / "en" / "charts-en.docx")
    last = package.drawings()[-1]
    assert last.find(f".//{{{C}}}chart") is None
    blip = last.find(f".//{{{A}}}blip")
    assert blip is not None
    assert package.zip.read("word/" + package.targets[blip.get(f"{{{R}}}embed")])[:4] == b"\x89PNG"


def test_word_file_with_charts_is_reproducible(built, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(built.parent, again, ignore=shutil.ignore_patterns("output", "cache"))
    # Another run, as a user's next build is: a process of its own.
    subprocess.run([sys.executable, "-m", "reportgen", "-C", str(again), "build", "charts-zh", "--format", "docx",
                    "--jobs", "1"], check=True, capture_output=True, timeout=600)
    first, second = (zipfile.ZipFile(p / "zh_CN" / "charts-zh.docx") for p in (built, again / "output"))
    assert first.namelist() == second.namelist()
    for name in first.namelist():
        a, b = first.read(name), second.read(name)
        if a != b and name.endswith(".xml"):
            import difflib

            diff = difflib.unified_diff(a.decode().replace("><", ">\n<").splitlines(),
                                        b.decode().replace("><", ">\n<").splitlines(), lineterm="", n=2)
            pytest.fail(f"{name} differs between two builds:\n" + "\n".join(list(diff)[:60]))
        assert a == b, name
    assert (again / "output" / "zh_CN" / "charts-zh.docx").read_bytes() == \
        (built / "zh_CN" / "charts-zh.docx").read_bytes()


def test_a_native_chart_keeps_its_caption_source_and_note_on_its_page(tmp_path):
    """Placed as a picture figure is: the chart, its caption, source and note keep together,
    spaced as the PDF spaces them."""
    from conftest import make_project

    project = make_project(tmp_path, {
        "content/data/d.yaml": "seg:\n  a: 1\n  b: 2\n",
        "content/r/report.yaml": "title: 图表\nlocales: [zh_CN]\ndata: [d]\nsections:\n  - title: 一\n    blocks:\n"
                                 "      - chart: {type: bar, caption: 数量, data: d.seg, source: 智研咨询, note: 2025 年为预计值}\n"
                                 "      - 正文。\n"
                                 "      - figure: {image: pic.png, caption: 图片, source: 智研咨询, note: 2025 年为预计值}\n",
    })
    from PIL import Image

    Image.new("RGB", (400, 240), "white").save(project / "pic.png")
    assert main(["-C", str(project), "build", "--format", "docx", "--jobs", "1"]) == 0
    body = etree.fromstring(zipfile.ZipFile(project / "output/zh_CN/r.docx").read("word/document.xml"))
    paras = list(body.iter(f"{{{W}}}p"))

    def group(start):
        out = [paras[start]]
        for p in paras[start + 1:]:
            style = p.find(f"{{{W}}}pPr/{{{W}}}pStyle")
            if style is None or style.get(f"{{{W}}}val") not in ("Caption", "SourceNote"):
                break
            out.append(p)
        return out

    def shape(paras_):
        keeps = []
        for p in paras_:
            keep = p.find(f"{{{W}}}pPr/{{{W}}}keepNext")
            keeps.append(keep is not None and keep.get(f"{{{W}}}val") not in ("0", "false"))
        spacing = [etree.tostring(p.find(f"{{{W}}}pPr/{{{W}}}spacing")) for p in paras_]
        return keeps, spacing

    starts = [i for i, p in enumerate(paras) if p.find(f".//{{{W}}}drawing") is not None]
    chart, picture = (group(i) for i in starts)
    assert paras[starts[0]].find(f".//{{{C}}}chart") is not None and len(chart) == 4  # chart, caption, source, note
    keeps, spacing = shape(chart)
    assert keeps[1:] == [True, True, False]  # the drawing's own line keeps with next by its style, Figure
    assert shape(picture) == (keeps, spacing)


def test_chart_parts_are_made_once_and_kept_for_later_builds(built, monkeypatch):
    from reportgen.writers import docx_chart

    kept = sorted((built.parent / "cache" / "charts").glob("word-chart-*.parts"))
    natives = sum(1 for p in (built / "zh_CN" / "charts-zh.docx", built / "en" / "charts-en.docx")
                  for d in Package(p).drawings() if Package(p).chart(d)[0] is not None)
    assert len(kept) == natives
    # A later build (a process of its own: nothing kept in memory) makes only the part whose
    # kept copy is damaged, and writes the same files.
    kept[0].write_bytes(b"00000003abc")
    monkeypatch.setattr(docx_chart, "_PARTS", {})
    monkeypatch.setattr(docx_chart, "_ON_DISK", set())
    made = []
    real = docx_chart.chart_space
    monkeypatch.setattr(docx_chart, "chart_space", lambda *a: made.append(a[0].type) or real(*a))
    monkeypatch.setenv("REPORTGEN_CACHE", str(built.parent / "cache"))
    assert main(["-C", str(built.parent), "build", "--format", "docx", "--force", "--jobs", "1",
                 "--output", "again"]) == 0
    assert len(made) == 1
    for name in ("zh_CN/charts-zh.docx", "en/charts-en.docx"):
        assert (built.parent / "again" / name).read_bytes() == (built / name).read_bytes()
    # The remade entry is kept again, whole, even where this process had seen it before.
    from reportgen.cachefiles import intact

    assert intact(kept[0])
    kept[0].write_bytes(b"00000003abc")
    monkeypatch.setattr(docx_chart, "_PARTS", {})
    assert main(["-C", str(built.parent), "build", "--format", "docx", "--force", "--jobs", "1",
                 "--output", "again"]) == 0
    assert len(made) == 2 and intact(kept[0])


def test_a_chart_repeated_under_another_caption_is_made_once(monkeypatch):
    from reportgen.layout import load_layout
    from reportgen.model import Caption, Chart
    from reportgen.writers import docx_chart

    layout = load_layout(Path(__file__).resolve().parents[1], "market-report", "en")
    chart = Chart("bar", ("A", "B"), (Series("Count", (1.0, 2.0)),))
    monkeypatch.setattr(docx_chart, "_PARTS", {})
    made = []
    real = docx_chart.chart_space
    monkeypatch.setattr(docx_chart, "chart_space", lambda *a: made.append(a[0]) or real(*a))
    first = docx_chart.chart_parts(chart, layout, "en-US", "rId1")
    again = docx_chart.chart_parts(dataclasses.replace(chart, caption=Caption("Figure", 2, ()), alt="Two bars"),
                                   layout, "en-US", "rId1")
    assert again == first and len(made) == 1
    # Other values are another chart.
    docx_chart.chart_parts(dataclasses.replace(chart, series=(Series("Count", (1.0, 3.0)),)), layout, "en-US", "rId1")
    assert len(made) == 2


@pytest.mark.parametrize("labels,values,expected", [
    (["56.2%", "21.8%"], [0.562, 0.218], "0.0%"),
    (["40.57%"], [0.4057], "0.00%"),
    (["1,234.5", "12.0"], [1234.5, 12.0], "#,##0.0"),
    (["114", "28"], [114, 28], "#,##0"),
    (["32.6亿元", "88.1亿元"], [32.6, 88.1], '#,##0.0"亿元"'),
    (["USD 3.26 billion"], [32.6], None),  # the value is drawn in another unit than it prints
    (["1.5", "2"], [1.5, 2.0], None),  # decimals differ: each label keeps its own text
    (["", "7"], [None, 7.0], "#,##0"),  # a missing value has no label
])
def test_label_formats_print_what_the_pdf_prints(labels, values, expected):
    assert label_format(values, labels) == expected


def test_labels_no_format_can_print_are_written_as_text():
    from reportgen.writers.docx_chart import Look, data_labels

    look = Look("Arial", "SimSun", 8, "262626", "6B6B6B", "BFBFBF", ["1F4E79"], "en-US")
    node = data_labels(look, Series("s", (32.6, 88.1), labels=("USD 3.26 billion", "USD 8.81 billion")),
                       [32.6, 88.1], "outEnd")
    texts = ["".join(d.itertext()) for d in node.iterfind(f"{{{C}}}dLbl")]
    assert texts == ["USD 3.26 billion", "USD 8.81 billion"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_libreoffice_draws_the_charts(built, tmp_path):
    """LibreOffice reads the chart parts: the converted PDF carries the charts' text."""
    from pypdf import PdfReader

    source = built / "en" / "charts-en.docx"
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=300)
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "charts-en.pdf").pages)
    for label in ("Specialist models", "Tencent Miying", "54.1%", "230.5"):
        assert label in text, label


def test_charts_with_growth_arrows_a_centre_or_marks_keep_them_in_word():
    """Word's own chart has no arrow over bars and no text in a donut's hole: such a chart is
    the picture, so the rate and the total are not lost; year marks are category names."""
    from reportgen.model import Chart, Growth
    from reportgen.chartdraw import native_in_word as native

    series = (Series("规模", (1.0, 2.0, 3.0)),)
    bars = Chart("bar", ("2024", "2025", "2031"), series, marks=("", "E", "F"))
    assert native(bars) and bars.category_labels == ("2024", "2025E", "2031F")
    assert not native(dataclasses.replace(bars, cagr=(Growth(1, 2, 0.218, "CAGR 21.8%"),)))
    donut = Chart("donut", ("甲", "乙"), (Series("", (1.0, 2.0)),))
    assert native(donut) and not native(dataclasses.replace(donut, centre="共3个"))
