"""The checks pass over a resolved edition: what every writer relies on, located."""

from __future__ import annotations

import dataclasses
import io
import time
from pathlib import Path

import pytest
from conftest import make_project

from reportgen import model as m
from reportgen import source as src
from reportgen.check import check_document, image_problem
from reportgen.cli import main
from reportgen.errors import Diagnostics, Loc, ReportgenError
from reportgen.layout import load_layout

REPO = Path(__file__).resolve().parents[1]
AT = Loc("content/r/report.yaml", 9, 7)


@pytest.fixture(scope="module")
def layout():
    return load_layout(REPO, "market-report", "zh_CN")


def document(*blocks, anchor="intro") -> m.Document:
    section = m.Section([m.Str("引言")], 1, list(blocks), anchor=anchor, loc=Loc("content/r/report.yaml", 3, 5))
    return m.Document(m.Meta("r", "报告"), "zh_CN", [section])


def errors(doc, layout) -> list[str]:
    diags = Diagnostics()
    check_document(doc, layout, diags)
    return [f"{d.loc}: {d.message}" for d in diags.errors]


def para(*inlines) -> m.Paragraph:
    return m.Paragraph(list(inlines), AT)


def test_the_sample_reports_pass(capsys):
    assert main(["-C", str(REPO), "check", "--strict"]) == 0, capsys.readouterr().err


def test_a_clean_document_passes(layout):
    table = m.Table([m.Column(0.5), m.Column(None, "right")],
                    [[m.Cell([m.Str("指标")], colspan=2), None]],
                    [[m.Cell([m.Str("a")], rowspan=2), m.Cell([m.Str("1")])], [None, m.Cell([m.Str("2")])]], loc=AT)
    doc = document(para(m.Str("见"), m.Link("#intro", [m.Str("引言")]), m.Str("和"),
                        m.Link("https://example.com/a?b=1", [m.Str("网站")]), m.Link("mailto:a@example.com", [m.Str("邮件")])),
                   table, m.PageBreak())
    assert errors(doc, layout) == []


def test_glyphs_come_from_the_font_without_cutting_a_face(tmp_path, monkeypatch, capsys):
    cache = tmp_path / "cache"
    monkeypatch.setenv("REPORTGEN_CACHE", str(cache))
    project = make_project(tmp_path, {"content/r/report.yaml": "title: 报告\nsections:\n  - title: 好消息 😀\n"})
    assert main(["-C", str(project), "check", "--strict"]) == 1
    assert "content/r/report.yaml:3:5: error: the font Noto Sans CJK SC has no glyph for “😀”" in capsys.readouterr().err
    assert not list(cache.rglob("*.ttf"))  # checking cut no font


def test_a_missing_glyph_is_reported_once_where_first_written(layout):
    doc = document(para(m.Str("甲 😀")), m.Paragraph([m.Str("乙 😀")], Loc("content/r/report.yaml", 12, 7)))
    assert errors(doc, layout) == ["content/r/report.yaml:9:7: the font Noto Sans CJK SC has no glyph for “😀” "
                                   "(U+1F600, GRINNING FACE); remove it or write it another way"]


@pytest.mark.parametrize("text, message", [
    ("a\x07b", "control character U+0007"),
    ("a\x1bb", "control character U+001B"),
    ("a\x85b", "control character U+0085"),
    ("a\ufffeb", "non-character U+FFFE"),
    ("a\ud800b", "unpaired surrogate U+D800"),
])
def test_characters_no_writer_can_hold_are_refused_wherever_they_come_from(layout, text, message):
    # As data or an expression would bring them: after the loader's checks of the spec text.
    for doc in (document(para(m.Str(text))),
                document(m.Table([m.Column()], [], [[m.Cell([m.Str(text)])]], loc=AT)),
                document(m.Chart("bar", [text], [m.Series("s", [1.0])], loc=AT))):
        found = errors(doc, layout)
        assert found and all(e.startswith("content/r/report.yaml:9:7: ") for e in found), found
        assert message in found[0]


def test_tab_and_newline_are_fine(layout):
    assert errors(document(para(m.Str("a\tb\nc"))), layout) == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "data:text/html,x", "ftp://a.b/c",
                                 "other.html", "//example.com", "http://", "mailto:nobody", " "])
def test_links_keep_to_http_https_mailto(layout, url):
    found = errors(document(para(m.Link(url, [m.Str("x")]))), layout)
    assert found and found[0].startswith("content/r/report.yaml:9:7: "), found
    assert "not allowed" in found[0] or "no target" in found[0]


def test_an_anchor_must_name_a_section(layout):
    found = errors(document(para(m.Link("#intr", [m.Str("x")]))), layout)
    assert found == ["content/r/report.yaml:9:7: link target `#intr`: no section has the id `intr`; did you mean `intro`?"]


@pytest.mark.parametrize("rows, message", [
    ([[m.Cell([m.Str("a")])]], "body row 1 has 1 places for 2 columns"),
    ([[m.Cell([m.Str("a")]), None]], "body row 1, column 2: an empty place no span covers"),
    ([[m.Cell([m.Str("a")], colspan=3), None]], "colspan 3 runs past the last column"),
    ([[m.Cell([m.Str("a")], rowspan=2), m.Cell([m.Str("b")])]], "rowspan 2 runs past the last row"),
    ([[m.Cell([m.Str("a")], rowspan=2), m.Cell([m.Str("b")])], [m.Cell([m.Str("c")]), m.Cell([m.Str("d")])]],
     "body row 2, column 1: a cell where a span"),
    ([[m.Cell([m.Str("a")], colspan=0), m.Cell([m.Str("b")])]], "whole numbers from 1"),
    ([[m.Cell([m.Str("a")], align="middle"), m.Cell([m.Str("b")])]], "alignment `middle`"),
])
def test_table_spans_must_fit_the_grid(layout, rows, message):
    table = m.Table([m.Column(), m.Column()], [], rows, loc=AT)
    found = errors(document(table), layout)
    assert any(e.startswith("content/r/report.yaml:9:7: ") and message in e for e in found), found


def test_column_widths_and_styles(layout):
    table = m.Table([m.Column(0.7), m.Column(0.6, "centre")], [], [[m.Cell([m.Str("a")]), m.Cell([m.Str("b")])]],
                    style="fancy", loc=AT)
    found = " | ".join(errors(document(table), layout))
    assert "column widths add up to 1.30" in found and "alignment `centre`" in found and "style `fancy`" in found


def test_a_node_kind_the_check_does_not_know_is_a_located_error(layout):
    @dataclasses.dataclass
    class Video:
        url: str
        loc: Loc | None = None

    found = errors(document(Video("x.mp4", AT)), layout)
    assert found == ["content/r/report.yaml:9:7: a `Video` cannot be printed: the writers know paragraphs, lists, "
                     "quotes, callouts, tables, figures, charts and page breaks"]
    found = errors(document(src.Text("*raw*", AT)), layout)
    assert found and "unresolved text" in found[0]
    found = errors(document(para(src.Raw("*raw*"))), layout)
    assert found and found[0].startswith("content/r/report.yaml:9:7: unresolved text")


def test_a_paragraph_over_the_limit_is_refused_quickly(layout):
    doc = document(para(m.Str("甲乙丙丁" * 1_250_000)))  # 5 million characters
    start = time.monotonic()
    found = errors(doc, layout)
    assert time.monotonic() - start < 5
    assert found == ["content/r/report.yaml:9:7: this paragraph has 5,000,000 characters, more than the limit of "
                     "100,000; split it into shorter paragraphs (or raise the limit with REPORTGEN_MAX_PARAGRAPH_CHARS)"]


def test_the_paragraph_limit_can_be_raised_or_lowered(layout, monkeypatch):
    doc = document(para(m.Str("a" * 60)), m.Table([m.Column()], [], [[m.Cell([m.Str("b" * 60)])]], loc=AT))
    monkeypatch.setenv("REPORTGEN_MAX_PARAGRAPH_CHARS", "50")
    found = errors(doc, layout)
    assert len(found) == 2 and "more than the limit of 50" in found[0] and "this table cell" in found[1]
    monkeypatch.setenv("REPORTGEN_MAX_PARAGRAPH_CHARS", "60")
    assert errors(doc, layout) == []
    monkeypatch.setenv("REPORTGEN_MAX_PARAGRAPH_CHARS", "lots")
    with pytest.raises(ReportgenError, match="REPORTGEN_MAX_PARAGRAPH_CHARS=`lots` should be a whole number"):
        errors(doc, layout)


def _image_bytes(fmt: str, mode: str = "RGB") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (12, 8), "red" if mode == "RGB" else 1).save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_images_both_writers_read_pass(tmp_path, fmt):
    path = tmp_path / f"x.{fmt.lower()}"
    path.write_bytes(_image_bytes(fmt))
    assert image_problem(str(path)) == ""


@pytest.mark.parametrize("content, message", [
    (_image_bytes("WEBP"), "is a WEBP image, whatever its name says"),
    (_image_bytes("BMP"), "is a BMP image, whatever its name says"),
    (_image_bytes("TIFF"), "is a TIFF image, whatever its name says"),
    (b"GIF89a not really", "cannot be read as an image"),
    (b"", "cannot be read as an image"),
    (_image_bytes("PNG")[:60], "Word cannot read"),
])
def test_images_are_judged_by_content_not_name(tmp_path, layout, content, message):
    path = tmp_path / "x.png"
    path.write_bytes(content)
    assert message in image_problem(str(path))
    found = errors(document(m.Figure(str(path), loc=AT)), layout)
    assert found and found[0].startswith("content/r/report.yaml:9:7: this image `x.png`") and message in found[0]


def test_chart_problems_are_errors_at_the_chart(layout):
    chart = m.Chart("pie", ["a", "b"], [m.Series("份额", [3.0, -1.0])], loc=AT)
    assert errors(document(chart), layout) == [
        "content/r/report.yaml:9:7: a pie chart shows shares of a whole: series `份额` has a negative value"]


def nested(depth: int, inner) -> m.Quote:
    block = inner
    for i in range(depth):
        block = m.Quote([block]) if i % 2 else m.ListBlock([[m.Paragraph([m.Str("层")]), block]])
    return block


def test_nesting_that_leaves_no_line_is_refused_before_the_writer_fails(layout):
    # A4 with 22mm margins: 13 levels of quotes and lists still leave a line; 18 would make
    # ReportLab raise on a negative width.
    assert errors(document(nested(13, para(m.Str("正文")))), layout) == []
    found = errors(document(nested(18, para(m.Str("正文")))), layout)
    assert len(found) == 1 and "nested so deep here that less than 3 characters of line are left" in found[0]


def test_table_columns_must_fit_the_line(layout):
    def table(n, widths=None):
        cols = [m.Column(w) for w in (widths or [None] * n)]
        return m.Table(cols, [], [[m.Cell([m.Str("1")]) for _ in cols]], loc=AT)

    assert errors(document(table(20)), layout) == []
    found = errors(document(table(30)), layout)
    assert found and "30 columns do not fit in 471 pt of line at the layout's table size (9 pt)" in found[0]
    found = errors(document(table(2, [0.02, 0.5])), layout)
    assert found and "column 1 is 9 pt wide" in found[0]
    # Inside quotes the line is shorter: the same table that fits the page does not fit there.
    assert errors(document(nested(12, table(16))), layout)


def test_the_font_character_set_is_cached_and_a_damaged_cache_is_read_again(tmp_path, monkeypatch):
    from reportgen import fonts

    monkeypatch.setenv("REPORTGEN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(fonts, "_FAMILY_CHARS", {})
    chars = fonts.family_chars("Noto Sans CJK SC", tmp_path)
    assert "市" in chars and "A" in chars and "😀" not in chars and len(chars) > 40_000
    [cached] = (tmp_path / "cache" / "fonts").glob("chars-*.txt")
    for damage in (cached.read_text()[:500], "count=3\nzz-1\n", ""):
        cached.write_text(damage)
        monkeypatch.setattr(fonts, "_FAMILY_CHARS", {})
        assert fonts.family_chars("Noto Sans CJK SC", tmp_path) == chars
    assert not list(cached.parent.glob("*.ttf"))  # no face was cut
