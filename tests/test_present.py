"""The presentation pass: decisions both writers share, checked without writing a file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reportgen import model as m
from reportgen.errors import Loc, ReportgenError
from reportgen.layout import load_layout
from reportgen.present import Part, column_widths, present

ROOT = Path(__file__).resolve().parents[1]
TERMS_ZH = {"figure": "图", "table": "表", "source": "数据来源：", "note": "注：", "contents": "目录",
            "page_of": "第 {page} 页，共 {pages} 页"}


def S(text):
    return [m.Str(text)]


def doc_of(blocks, locale="en", terms=None, sections=None) -> m.Document:
    sections = sections if sections is not None else [m.Section(S("One"), 1, number="1. ", blocks=blocks)]
    return m.Document(m.Meta("r", "The title", "Sub"), locale, sections, dict(terms or {}))


def layout(locale="en", **changes):
    lay = load_layout(ROOT, "market-report", locale)
    return dataclasses.replace(lay, **changes) if changes else lay


def rows(*texts):
    return [[m.Cell(S(t)) for t in row] for row in texts]


# ------------------------------------------------------------ column widths


def test_given_shares_first_then_automatic_columns_by_content():
    width, size = 480.0, 9.0
    body = rows(["a", "b", "a rather long description of the segment", "1.0"])
    widths = column_widths([0.25, 0.25, None, None], body, width, size)
    assert sum(widths) == pytest.approx(width)
    assert widths[:2] == pytest.approx([120, 120])
    assert widths[2] > 3 * widths[3]  # the column with more text takes more of the rest


def test_shares_that_leave_no_room_shrink_for_the_automatic_minimum():
    """The issue's case: [0.5, 0.45, auto, auto] gave 83 pt columns in the PDF and 42 pt in Word."""
    width, size = 481.9, 9.0
    widths = column_widths([0.5, 0.45, None, None], rows(["x", "y", "24", "25"]), width, size)
    assert sum(widths) == pytest.approx(width)
    assert widths[0] / widths[1] == pytest.approx(0.5 / 0.45)
    minimum = 2 * size + 2 * 0.6 * size
    assert widths[2] == pytest.approx(minimum) and widths[3] == pytest.approx(minimum)


def test_a_long_word_widens_its_automatic_column():
    widths = column_widths([0.7, None, None], rows(["x", "1", "Pharmacovigilance"]), 400.0, 9.0)
    assert widths[2] >= 17 * 0.55 * 9.0  # the word fits unbroken
    assert sum(widths) == pytest.approx(400.0)


def test_shares_only_are_taken_as_written_and_overshoot_is_proportional():
    assert column_widths([0.3, 0.3], [], 100.0, 9.0) == pytest.approx([30, 30])
    assert column_widths([1.0, 1.0], [], 100.0, 9.0) == pytest.approx([50, 50])


def test_chinese_text_counts_as_wide():
    widths = column_widths([None, None], rows(["中国医疗大模型市场", "abcdefghi"]), 300.0, 9.0)
    assert widths[0] > widths[1]


def test_stats_tables_split_label_and_figure_and_right_align_the_figure():
    table = m.Table([m.Column(), m.Column()], [], rows(["Base year", "USD 3.26 billion"]), style="stats")
    box = present(doc_of([table]), layout()).table_box(table)
    assert box.widths == pytest.approx([0.62 * layout().text_width, 0.38 * layout().text_width])
    assert box.aligns == ("left", "right")


def test_tables_in_boxes_and_list_items_get_the_width_they_stand_in():
    inner = m.Table([m.Column(0.5), m.Column(0.5)], [], rows(["a", "b"]))
    item = m.Table([m.Column(0.5), m.Column(0.5)], [], rows(["a", "b"]))
    lst = m.ListBlock([[m.Paragraph(S("x")), item]])
    pres = present(doc_of([m.Callout([inner]), lst]), layout())
    text = layout().text_width
    assert sum(pres.table_box(inner).widths) == pytest.approx(text - 2 * pres.box_padding)
    assert sum(pres.table_box(item).widths) == pytest.approx(text - pres.list_box(lst).text_at)


# ------------------------------------------------------------ lists


@pytest.mark.parametrize("locale, second", [("en", "(1)"), ("zh_CN", "（1）"), ("zh_TW", "（1）")])
def test_list_labels_per_depth(locale, second):
    deepest = m.ListBlock([[m.Paragraph(S("d"))]], ordered=True)
    third = m.ListBlock([[m.Paragraph(S("c")), deepest], [m.Paragraph(S("c2"))]], ordered=True)
    sub = m.ListBlock([[m.Paragraph(S("b")), third]], ordered=True)
    top = m.ListBlock([[m.Paragraph(S("a")), sub]] * 1 + [[m.Paragraph(S("a2"))]], ordered=True, start=9)
    pres = present(doc_of([top], locale), layout(locale))
    assert pres.list_box(top).labels == ("9.", "10.")
    assert pres.list_box(sub).labels == (second,)
    assert pres.list_box(third).labels == ("a)", "b)")
    assert pres.list_box(deepest).labels == ("i.",)
    # Each depth starts where its parent's text starts, and its text after the widest label.
    assert pres.list_box(sub).label_at == 0 and pres.list_box(sub).text_at > 0
    assert pres.list_box(top).text_at > pres.list_box(top).label_at


def test_bullets_per_depth():
    inner = m.ListBlock([[m.Paragraph(S("b"))]])
    outer = m.ListBlock([[m.Paragraph(S("a")), inner]])
    pres = present(doc_of([outer]), layout())
    assert pres.list_box(outer).labels == ("●",) and pres.list_box(inner).labels == ("○",)


# ------------------------------------------------------------ words


def test_caption_source_and_note_words_per_language():
    cap_en = present(doc_of([]), layout()).caption(m.Caption("Figure", 3, S("Size")))
    assert cap_en.prefix == "Figure 3: " and m.plain(list(cap_en.inlines)) == "Size"
    zh = present(doc_of([], "zh_CN", TERMS_ZH), layout("zh_CN"))
    # The number never runs into the text: "表 2：规模", not "表 2 规模".
    assert zh.caption(m.Caption("表", 2, S("规模"))).prefix == "表 2："
    assert (zh.source_prefix(), zh.note_prefix(), zh.contents_title()) == ("数据来源：", "注：", "目录")
    en = present(doc_of([]), layout())
    assert (en.source_prefix(), en.note_prefix(), en.contents_title()) == ("Source: ", "Note: ", "Contents")


def test_header_and_footer_slots_become_parts():
    lay = layout("zh_CN", header={"left": "{title} · {edition}", "right": "{section}"},
                 footer={"center": "{page_of}", "right": "{nothing}"})
    pres = present(doc_of([], "zh_CN", TERMS_ZH), lay)
    assert pres.header() == {"left": (Part("text", "The title ·"),), "right": (Part("section"),)}
    assert pres.footer() == {
        "center": (Part("text", "第 "), Part("page"), Part("text", " 页，共 "), Part("pages"), Part("text", " 页")),
        "right": (Part("text", "{nothing}"),),
    }


# ------------------------------------------------------------ outline and anchors


def test_anchors_and_contents_entries_nest_chapters_under_parts():
    chapter = m.Section(S("Market"), 1, number="1. ", anchor="1-market",
                        children=[m.Section(S("Size"), 2, number="1.1 ",
                                            children=[m.Section(S("Deep"), 3, number="1.1.1 ")])])
    part = m.Section(S("Overview"), 1, kind="part", anchor="overview", children=[chapter])
    after = m.Section(S("Credits"), 1, numbered=False, toc=False)
    pres = present(doc_of([], sections=[part, after]), layout(toc_depth=2))
    got = [(e.depth, e.level, e.text, e.listed) for e in pres.entries]
    assert got == [(0, 1, "Overview", True), (1, 1, "1. Market", True), (2, 2, "1.1 Size", True),
                   (3, 3, "1.1.1 Deep", False), (0, 1, "Credits", False)]
    assert pres.link_target("#1-market") == "s1_market" == pres.key(chapter)  # a valid Word bookmark name
    assert pres.link_target("#overview") == "overview" and pres.link_target("#missing") is None
    assert pres.key(after).startswith("_Toc")


# ------------------------------------------------------------ images and charts


def png(path: Path, size) -> str:
    from PIL import Image

    Image.new("RGB", size, "white").save(path)
    return str(path)


def test_image_boxes_from_the_width_share_and_the_pixel_ratio(tmp_path):
    lay = layout()
    wide = m.Figure(png(tmp_path / "w.png", (1000, 500)), width=0.5)
    tall = m.Figure(png(tmp_path / "t.png", (100, 1000)))
    chart = m.Chart("bar", width=0.8)
    pres = present(doc_of([wide, tall, chart]), lay, chart_images=[png(tmp_path / "c.png", (800, 400))])
    assert (pres.image_box(wide).width, pres.image_box(wide).height) == pytest.approx(
        (lay.text_width / 2, lay.text_width / 4))
    assert pres.image_box(tall).height == pytest.approx(lay.text_height * 0.6)  # no taller than that
    assert pres.image_box(chart).width == pytest.approx(lay.text_width * 0.8)
    assert pres.image_box(chart).path.endswith("c.png")


def test_unreadable_images_and_missing_chart_images_are_located(tmp_path):
    where = Loc("content/r/report.yaml", 12, 7)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    with pytest.raises(ReportgenError) as info:
        present(doc_of([m.Figure(str(bad), loc=where)]), layout())
    assert str(info.value).startswith("content/r/report.yaml:12:7: error: figure")
    chart = m.Chart("bar", loc=where)
    with pytest.raises(ReportgenError, match=r"report.yaml:12:7: error: this chart was not drawn"):
        present(doc_of([chart]), layout())
    with pytest.raises(ReportgenError, match="2 chart image"):
        present(doc_of([chart]), layout(), chart_images=[png(tmp_path / "a.png", (10, 10))] * 2)


# ------------------------------------------------------------ the width rule, for any table

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

texts = st.text(alphabet=st.sampled_from("ab 12.%中文，"), max_size=30)


@settings(max_examples=150, deadline=None)
@given(shares=st.lists(st.one_of(st.none(), st.floats(0.01, 0.9)), min_size=1, max_size=7),
       cells=st.lists(texts, min_size=1, max_size=40), width=st.floats(150, 800))
def test_widths_fill_the_table_and_respect_shares_and_minimums(shares, cells, width):
    n = len(shares)
    body = [[m.Cell(S(cells[(r * n + c) % len(cells)])) for c in range(n)] for r in range(len(cells) // n + 1)]
    widths = column_widths(shares, body, width, 9.0)
    assert len(widths) == n and all(w > 0 for w in widths)
    given_ = [(w, s) for w, s in zip(widths, shares) if s is not None]
    if any(s is None for s in shares) or sum(s for s in shares if s is not None) >= 1:
        assert sum(widths) == pytest.approx(width)  # the table spans the width it stands in
    else:
        assert sum(widths) == pytest.approx(width * sum(shares))
    for (w1, s1), (w2, s2) in zip(given_, given_[1:]):
        assert w1 / w2 == pytest.approx(s1 / s2)  # given shares keep their proportions
    floor = min(2 * 9.0 + 2 * 0.6 * 9.0, width / n)
    assert all(w >= floor - 1e-6 for w, s in zip(widths, shares) if s is None)


def test_caption_separator_comes_from_the_layout_and_the_caption_carries_it():
    lay = layout("zh_CN", caption_separator="  ")
    pres = present(doc_of([], "zh_CN", TERMS_ZH), lay)
    assert pres.caption(m.Caption("图", 1, S("市场规模"))).prefix == "图 1  "
    # A caption resolved with a separator keeps it (the font is cut for what the document holds).
    assert pres.caption(m.Caption("图", 1, S("市场规模"), "｜")).prefix == "图 1｜"


def test_continued_table_line_per_language():
    zh = present(doc_of([], "zh_CN", {"table_continued": "续表 {number}"}), layout("zh_CN"))
    assert zh.continued(m.Caption("表", 3, S("x"))) == "续表 3"
    en = present(doc_of([]), layout())
    assert en.continued(m.Caption("Table", 3, S("x"))) == "Table 3 (continued)"


def test_a_draft_edition_says_so_in_the_running_head():
    meta = m.Meta("r", "The title", "Sub", draft=True)
    doc = m.Document(meta, "en", [m.Section(S("One"), 1)], {"draft": "DRAFT"})
    header = present(doc, layout()).header()
    assert [p.text for p in header["center"]] == ["DRAFT"]
    # With a centre slot already used, the mark goes before the left slot's text.
    busy = present(doc, layout(header={"left": "{title}", "center": "x"})).header()
    assert [p.text for p in busy["left"]][0] == "DRAFT"
    final = present(doc_of([]), layout()).header()
    assert "DRAFT" not in [p.text for parts in final.values() for p in parts]


def test_cover_lines_publisher_signs_and_report_code_is_labelled():
    meta = m.Meta("r", "T", date="2025", author="A. Author", publisher="Pub House", report_code="1984023")
    pres = present(m.Document(meta, "en", [m.Section(S("One"), 1)], {}), layout())
    lines, signature = pres.cover_lines()
    assert signature == "Pub House"
    assert lines == ["2025", "Report code: 1984023", "A. Author"]
    alone = present(m.Document(m.Meta("r", "T", author="A. Author"), "en", [m.Section(S("One"), 1)], {}), layout())
    assert alone.cover_lines() == ([], "A. Author")
