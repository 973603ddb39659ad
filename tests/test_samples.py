"""The sample reports, built and read back: figures from data in every edition, the white
paper's parts, footnotes and merged cells, and one data change reaching every format."""

from __future__ import annotations

import hashlib
import re
import shutil
import zipfile

import docx
import pytest
from conftest import REPO, make_project
from pypdf import PdfReader

from reportgen import model as m
from reportgen.cli import main


def pdf_text(path) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(str(path)).pages))


def docx_text(path) -> str:
    document = docx.Document(str(path))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return re.sub(r"\s+", "", "".join(p.text for p in document.paragraphs) + "".join(cells))


def copy_reports(tmp_path, *reports: str):
    project = make_project(tmp_path)
    for report in reports:
        shutil.copytree(REPO / "content" / report, project / "content" / report)
    shutil.copytree(REPO / "content" / "data", project / "content" / "data")
    return project


@pytest.fixture(scope="module")
def biomedical(tmp_path_factory):
    project = copy_reports(tmp_path_factory.mktemp("biomed"), "ai-biomedical-market")
    assert main(["-C", str(project), "build"]) == 0
    return project


def test_one_spec_gives_both_editions_with_the_same_numbers(biomedical):
    out = biomedical / "output"
    zh = pdf_text(out / "zh_CN/ai-biomedical-market.pdf")
    en = pdf_text(out / "en/ai-biomedical-market.pdf")
    tw = pdf_text(out / "zh_TW/ai-biomedical-market.pdf")
    assert "32.6亿美元" in zh and "15.22%" in zh
    assert "USD3.26billion" in en and "15.22%" in en
    assert "32.6億美元" in tw
    assert "目录" in zh and "目錄" in tw and "Contents" in en
    assert "32.6亿美元" in docx_text(out / "zh_CN/ai-biomedical-market.docx")


def test_changing_the_2025_value_changes_every_edition(biomedical):
    data = biomedical / "content/data/ai_biomedical.yaml"
    data.write_text(data.read_text(encoding="utf-8").replace("2025: 32.6", "2025: 33.4"), encoding="utf-8")
    assert main(["-C", str(biomedical), "build", "--format", "pdf"]) == 0
    out = biomedical / "output"
    assert "33.4亿美元" in pdf_text(out / "zh_CN/ai-biomedical-market.pdf")
    assert "USD3.34billion" in pdf_text(out / "en/ai-biomedical-market.pdf")


def images(path) -> set[str]:
    """Pictures and native charts (with their workbooks) of a Word file."""
    with zipfile.ZipFile(path) as archive:
        return {hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()
                if n.startswith(("word/media/", "word/charts/", "word/embeddings/"))}


def pdf_images(path) -> set[str]:
    """Pictures and vector charts (each chart a form XObject, drawn once per document) of a PDF."""
    found = set()
    for page in PdfReader(str(path)).pages:
        for image in page.images:
            found.add(hashlib.sha256(image.data).hexdigest())
        for name, ref in (page["/Resources"].get("/XObject") or {}).items():
            form = ref.get_object()
            if form.get("/Subtype") == "/Form" and "RGChart" in name:
                found.add(hashlib.sha256(form.get_data()).hexdigest())
    return found


def test_a_data_change_reaches_text_table_and_chart_in_both_formats(tmp_path):
    project = make_project(tmp_path, root="test-two-reports")
    project.joinpath("content/alpha/report.yaml").write_text(
        project.joinpath("content/alpha/report.yaml").read_text(encoding="utf-8") + """\
      - table:
          caption: 规模
          data: figures.market.size
          columns: [{field: key, header: 年份}, {field: value, header: 规模, format: money}]
""", encoding="utf-8")
    assert main(["-C", str(project), "build", "alpha", "--locale", "zh_CN"]) == 0
    pdf, word = project / "output/zh_CN/alpha.pdf", project / "output/zh_CN/alpha.docx"
    before = (pdf_text(pdf), docx_text(word), pdf_images(pdf), images(word))
    assert before[0].count("41.8亿元") >= 2 and before[1].count("41.8亿元") >= 2  # prose and table
    data = project / "content/data/figures.yaml"
    data.write_text(data.read_text(encoding="utf-8").replace("41.8", "47.3"), encoding="utf-8")
    assert main(["-C", str(project), "build", "alpha", "--locale", "zh_CN"]) == 0
    after = (pdf_text(pdf), docx_text(word), pdf_images(pdf), images(word))
    assert "41.8亿元" not in after[0] + after[1]
    assert after[0].count("47.3亿元") >= 2 and after[1].count("47.3亿元") >= 2
    assert after[2] != before[2] and after[3] != before[3], "the bar chart was not redrawn"


@pytest.fixture(scope="module")
def whitepaper(tmp_path_factory):
    project = copy_reports(tmp_path_factory.mktemp("wp"), "ai-healthcare-whitepaper")
    assert main(["-C", str(project), "build", "--locale", "zh_CN"]) == 0
    return project


def test_whitepaper_outline_has_every_part_and_chapter(whitepaper):
    from reportgen.editions import prepare

    from reportgen.errors import Diagnostics

    reader = PdfReader(str(whitepaper / "output/zh_CN/ai-healthcare-whitepaper.pdf"))

    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [re.sub(r"\s+", "", item.title)]

    outline = list(titles(reader.outline))
    [edition] = prepare(whitepaper, [whitepaper / "content/ai-healthcare-whitepaper/report.yaml"], ["zh_CN"], Diagnostics())
    parts = [s for s in edition.document.sections if s.kind == "part"]
    assert [m.plain(p.title) for p in parts] == ["总体篇", "场景篇", "趋势篇"]
    chapters = [c for p in parts for c in p.children]
    assert len(chapters) == 7
    for section in parts + chapters:
        assert re.sub(r"\s+", "", section.heading_text) in outline


def test_whitepaper_footnotes_and_merged_cells(whitepaper):
    from reportgen.editions import prepare

    from reportgen.errors import Diagnostics

    path = whitepaper / "output/zh_CN/ai-healthcare-whitepaper.docx"
    with zipfile.ZipFile(path) as archive:
        notes = archive.read("word/footnotes.xml").decode("utf-8")
        body = archive.read("word/document.xml").decode("utf-8")
    assert "国家统计局" in notes and "w:footnoteReference" in body
    assert body.count("<w:vMerge") >= 3
    # In the PDF's table model the first column's runs are single cells spanning rows.
    [edition] = prepare(whitepaper, [whitepaper / "content/ai-healthcare-whitepaper/report.yaml"], ["zh_CN"], Diagnostics())
    tables = [b for s in edition.document.walk_sections() for b in s.blocks if isinstance(b, m.Table)]
    table = next(t for t in tables if t.caption and "商业化落地情况" in m.plain(t.caption.inlines))
    spans = [row[0].rowspan for row in table.body if row[0] is not None]
    assert max(spans) > 1 and sum(spans) == len(table.body)
    # The PDF puts footnote text on the page that references it.
    reader = PdfReader(str(whitepaper / "output/zh_CN/ai-healthcare-whitepaper.pdf"))
    page = next(p for p in reader.pages if "国家统计局" in p.extract_text())
    assert "22.0%" in page.extract_text()


def test_the_donut_and_the_table_of_model_types_print_the_same_shares():
    """medical-llm-industry shows the model types as a donut and as a table: same digits."""
    from reportgen.editions import prepare
    from reportgen.errors import Diagnostics

    diags = Diagnostics()
    for edition in prepare(REPO, [REPO / "content/medical-llm-industry/report.yaml"], [], diags):
        blocks = list(edition.document.walk_blocks())
        [donut] = [b for b in blocks if isinstance(b, m.Chart) and b.type == "donut"]
        table = next(b for b in blocks[blocks.index(donut):] if isinstance(b, m.Table))
        shares = [m.plain(row[2].inlines) for row in table.body]
        assert list(donut.series[0].labels) == shares == ["40.57%", "37.72%", "11.74%", "9.96%"], edition.locale
    assert not diags.errors
