"""Typography measured on PDFs (see typography.py): the checker proven on pages drawn here
with ReportLab's canvas, then every sample report, rule by rule."""

from __future__ import annotations

import re
import shutil

import pytest
from conftest import REPO, make_project
from typography import RULES, TextBlock, check_pdf, check_report

pytest.importorskip("pdfplumber")

# ------------------------------------------------------------------ the checker on drawn pages

BLOCK = TextBlock(page_width=595.0, page_height=842.0, left=60.0, top=70.0, right=535.0, bottom=772.0,
                  body_size=10.0, leading=16.0, h1_size=17.0)


class Page:
    """Lines drawn glyph by glyph where a test wants them, on a canvas with the CJK faces."""

    def __init__(self, canvas, fonts):
        self.canvas, self.regular, self.bold = canvas, *fonts
        self.y = BLOCK.top + 12  # baseline of the next line, from the page's top

    def width(self, text, size=10.0, bold=False):
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return stringWidth(text, self.bold if bold else self.regular, size)

    def line(self, text, x=BLOCK.left, end=None, size=10.0, bold=False, gaps=None, advance=None):
        """Draw `text` from x; with `end`, spread its characters to end there; `gaps` adds
        space after the character at each index; `advance` moves to the next baseline."""
        font = self.bold if bold else self.regular
        extra = {} if gaps is None else dict(gaps)
        if end is not None and len(text) > 1:
            spare = end - x - self.width(text, size, bold) - sum(extra.values())
            for i in range(len(text) - 1):
                extra[i] = extra.get(i, 0.0) + spare / (len(text) - 1)
        self.canvas.setFont(font, size)
        for i, ch in enumerate(text):
            self.canvas.drawString(x, BLOCK.page_height - self.y, ch)
            x += self.width(ch, size, bold) + extra.get(i, 0.0)
        self.y += advance if advance is not None else BLOCK.leading

    def paragraph_gap(self):
        self.y += 8

    def new_page(self):
        self.canvas.showPage()
        self.y = BLOCK.top + 12


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    from reportgen.fonts import faces_for

    return faces_for("Noto Sans CJK SC", "测试段落文字了技术（）、。，AI医生", tmp_path_factory.mktemp("root"))


@pytest.fixture
def fonts(faces):
    """The faces registered as the PDF writer registers them, anew for each test: a build in
    between may have registered faces cut for other characters under the same names."""
    from reportgen.writers.pdf import _register_fonts

    return _register_fonts(faces)


@pytest.fixture
def draw(tmp_path, fonts):
    """draw(function) -> the Report of a PDF whose pages `function(page)` draws."""
    from reportlab.pdfgen.canvas import Canvas

    def make(paint, **kwargs):
        path = tmp_path / "drawn.pdf"
        canvas = Canvas(str(path), pagesize=(BLOCK.page_width, BLOCK.page_height))
        canvas.drawString(100, 400, "cover")
        canvas.showPage()
        page = Page(canvas, fonts)
        paint(page)
        canvas.showPage()
        canvas.save()
        return check_pdf(path, BLOCK, **kwargs)

    return make


FULL = "测试段落文字" * 7  # 42 characters: 420 pt at 10 pt, less than the block's 475


def test_a_justified_line_short_of_the_edge_is_ragged_but_a_last_line_is_not(draw):
    def paint(page):
        page.line(FULL, end=BLOCK.right)
        page.line(FULL, end=BLOCK.right - 5)  # 5 pt short
        page.line(FULL, end=BLOCK.right)
        page.line("测试段落。")  # the paragraph's last line: short by design

    report = draw(paint)
    [v] = report.of("ragged-right")
    assert (v.page, v.line, v.excerpt[:4]) == (2, 2, "测试段落") and "5.0 pt short" in v.detail
    assert report.counts()["outside-block"] == 0


def test_a_line_overrunning_the_block_is_outside_it(draw):
    def paint(page):
        page.line(FULL, end=BLOCK.right)
        page.line(FULL + "，", end=BLOCK.right + 10)  # a comma hung 10 pt into the margin
        page.line("测试。")

    report = draw(paint)
    [v] = report.of("outside-block")
    # The comma's ink is the left half of its em: it reaches 5 pt past the edge.
    assert v.line == 2 and "5.0 pt outside" in v.detail
    assert report.counts()["ragged-right"] == 0


def test_prohibited_marks_at_line_start_and_end_are_counted(draw):
    def paint(page):
        page.line(FULL[:-1] + "（", end=BLOCK.right)  # an opener left at the end
        page.line("，" + FULL[:-1], end=BLOCK.right)  # a comma starting a line
        page.line("“" + FULL[:-2] + "”", end=BLOCK.right)  # quotes where they belong
        page.line("了。")

    report = draw(paint)
    assert [(v.line, v.detail) for v in report.of("prohibited-end")] == [(1, "ends with “（”")]
    assert [(v.line, v.detail) for v in report.of("prohibited-start")] == [(2, "starts with “，”")]


def test_adjacent_full_width_punctuation_wider_than_one_and_a_half_em(draw):
    half = 5.0  # a full-width mark drawn at 10 pt takes 10 pt; compressed, the pair takes 15 pt

    def paint(page):
        page.line("测试（文字）、测试")  # each a full em: 2 em
        page.paragraph_gap()
        page.line("测试（文字）、测试", gaps={5: -half})  # the pair set in 1.5 em
        page.paragraph_gap()
        page.line("测试……测试——测试")  # two-em marks are one mark

    report = draw(paint)
    [v] = report.of("punct-run-wide")
    assert v.line == 1 and "“）、” takes 2.00 em" in v.detail


def test_han_latin_gap_must_be_a_quarter_em(draw):
    def paint(page):
        page.line("测试AI技术")  # set solid: no gap
        page.paragraph_gap()
        page.line("测试AI技术", gaps={1: 2.5, 3: 2.5})  # a quarter em each side
        page.paragraph_gap()
        page.line("测试 AI 技术")  # a typed space: 0.224 em in Noto CJK, within the tolerance
        page.paragraph_gap()
        page.line("测试AI  技术")  # two typed spaces: almost half an em

    report = draw(paint)
    assert [(v.line, v.detail) for v in report.of("han-latin-gap")] == [
        (1, "“试A” 0.00 em apart"), (1, "“I技” 0.00 em apart"),
        (4, "“试A” 0.00 em apart"), (4, "“I技” 0.45 em apart")]


def test_a_chinese_paragraph_ending_with_one_character_is_counted(draw):
    def paint(page):
        page.line(FULL, x=BLOCK.left + 20, end=BLOCK.right)
        page.line(FULL, end=BLOCK.right)
        page.line("了。")  # one character besides punctuation
        page.paragraph_gap()
        page.line(FULL, x=BLOCK.left + 20, end=BLOCK.right)
        page.line("了吧。")  # two: fine

    report = draw(paint)
    [v] = report.of("short-last-line")
    assert v.line == 3 and v.excerpt == "了。"


WORDS = "reports set with care read well"


def test_loose_word_spaces_are_counted_on_english_lines(draw):
    def paint(page):
        page.line(WORDS)  # natural spaces
        page.line(WORDS)
        page.paragraph_gap()
        spaces = [i for i, ch in enumerate(WORDS) if ch == " "]
        page.line(WORDS, gaps={spaces[2]: 2.8 * 2.2})  # one space 3.8× natural (2.2 pt at 10 pt)
        page.line(WORDS)
        page.paragraph_gap()
        page.line("single")

    report = draw(paint)
    [v] = report.of("loose-word-space")
    assert v.line == 3 and v.detail.startswith("word space 3.")


def test_english_lines_outside_the_measure(draw):
    long = ("typeset text " * 9)[:100]

    def paint(page):
        for _ in range(6):
            page.line(long, end=BLOCK.right)
        page.line("end.")

    report = draw(paint)
    [v] = report.of("measure")
    assert "average 100.0 characters" in v.excerpt
    assert report.measures["drawn.pdf"] == 100.0


def test_page_fill_counts_underfull_pages_that_no_forced_break_explains(draw):
    def paint(page):
        for _ in range(3):
            page.line(FULL, end=BLOCK.right)  # three lines: under 10% of the block
        page.new_page()
        page.line("第二章", size=17, bold=True, advance=30)  # a chapter opens the next page
        for _ in range(40):
            page.line(FULL, end=BLOCK.right)
        page.new_page()
        page.line("末页。")

    assert [v.page for v in draw(paint, chapter_break="auto").of("page-fill")] == [2]
    # Chapters that always start a page explain the short page before one.
    assert draw(paint, chapter_break="page").of("page-fill") == []


# ------------------------------------------------------------------ the sample reports

# Rules the samples are known to break, each with the work that will fix it (a line here
# marks its test an expected failure). Every rule holds today: keep it so.
PENDING: dict[str, str] = {}
SAMPLES = ("ai-biomedical-market", "ai-healthcare-whitepaper", "medical-llm-brands-2025", "medical-llm-industry")


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """Every sample report built as PDF in every edition, and what the checker found."""
    from typography import Report

    from reportgen.cli import main
    from reportgen.editions import prepare
    from reportgen.errors import Diagnostics

    project = make_project(tmp_path_factory.mktemp("typography"))
    for name in (*SAMPLES, "data"):
        shutil.copytree(REPO / "content" / name, project / "content" / name)
    assert main(["-C", str(project), "build", "--format", "pdf"]) == 0
    report = Report()
    specs = [project / "content" / name / "report.yaml" for name in SAMPLES]
    for edition in prepare(project, specs, [], Diagnostics()):
        pdf = project / "output" / edition.locale / f"{edition.spec.id}.pdf"
        layout = edition.layout
        # The market-report layout's chapters are to break `auto` (issue 12): until the layout
        # says how, the pages are judged as that will set them.
        mode = getattr(layout, "chapter_break", "auto")
        # Headings the spec itself puts on a new page (`page_break: true`), as printed.
        forced = frozenset(re.sub(r"\s+", "", s.heading_text) for s in edition.document.walk_sections()
                           if s.page_break)
        report.extend(check_pdf(pdf, TextBlock.from_layout(layout), mode, name=f"{edition.locale}/{pdf.name}",
                                forced=forced))
    return report


def _rule(rule):
    marks = [pytest.mark.xfail(strict=False, reason=PENDING[rule])] if rule in PENDING else []
    return pytest.param(rule, marks=marks, id=rule)


@pytest.mark.parametrize("rule", [_rule(rule) for rule in RULES])
def test_sample_reports_break_no_typography_rule(samples, rule):
    found = samples.of(rule)
    assert not found, f"{len(found)} {rule} in the samples, first: " + "; ".join(str(v) for v in found[:5])


def test_the_samples_were_all_measured(samples):
    assert samples.pages > 100
    assert len({name for name, _page in samples.fills}) == 10  # every edition of every sample
    # English full lines hold 65 to 80 characters (the layout's English measure).
    english = {name: value for name, value in samples.measures.items() if name.startswith("en/")}
    assert len(english) == 4 and all(65 <= value <= 80 for value in english.values()), english


def test_check_report_reads_the_layout_of_the_edition(tmp_path, fonts):
    """The script's path: the block of the project's layout for the PDF's edition. A line
    that fits the Chinese block overruns the English one (35 mm margins, not 22 mm)."""
    from reportlab.pdfgen.canvas import Canvas

    project = make_project(tmp_path)
    pdf = tmp_path / "wide.pdf"
    canvas = Canvas(str(pdf), pagesize=(595.2756, 841.8898))
    for _ in range(2):  # the first page is the cover, not checked
        canvas.setFont(fonts[0], 10.5)
        canvas.drawString(63, 841.8898 - 100, "测试段落文字" * 7)  # 441 pt from 22 mm
        canvas.showPage()
    canvas.save()
    assert check_report(pdf, project, "market-report", "zh_CN").counts()["outside-block"] == 0
    [v] = check_report(pdf, project, "market-report", "en").of("outside-block")
    assert (v.file, v.page) == ("en/wide.pdf", 2)
