"""Markdown to the model: inline runs, lists, quotes, footnotes, and HTML kept as text."""

from __future__ import annotations

from reportgen import model as m
from reportgen.mdconv import parse_blocks, parse_inlines


def test_tight_list_items_keep_their_inline_runs_once():
    [lst] = parse_blocks("- **上市企业**：阿里巴巴\n- 普通 **粗** 项\n  - 嵌套\n")
    assert isinstance(lst, m.ListBlock) and len(lst.items) == 2
    first = lst.items[0]
    assert len(first) == 1 and m.plain(first[0].inlines) == "上市企业：阿里巴巴"
    second = lst.items[1]
    assert m.plain(second[0].inlines) == "普通 粗 项"
    assert isinstance(second[1], m.ListBlock) and m.plain(second[1].items[0][0].inlines) == "嵌套"


def test_raw_html_and_entities_stay_text():
    [para] = parse_blocks("a < b & <font color=red>x</font> &amp; <b>y</b>")
    assert m.plain(para.inlines) == "a < b & <font color=red>x</font> &amp; <b>y</b>"


def test_chinese_lines_join_without_space_latin_with_one():
    [para] = parse_blocks("中国医疗\n大模型 and\nEnglish")
    assert m.plain(para.inlines) == "中国医疗大模型 and English"


def test_footnote_travels_with_its_reference():
    [para] = parse_blocks("占比 22.0%[^1]。\n\n[^1]: 数据来源：国家统计局")
    notes = [n for n in para.inlines if isinstance(n, m.NoteRef)]
    assert len(notes) == 1 and m.plain(notes[0].children) == "数据来源：国家统计局"


def test_inlines_of_a_title():
    inlines = parse_inlines("**2025** 年 [报告](https://example.com)")
    assert isinstance(inlines[0], m.Strong)
    assert isinstance(inlines[-1], m.Link) and inlines[-1].url == "https://example.com"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from reportgen import mdconv  # noqa: E402


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="市场规模，。、（）“” abcXY 012.,;:?'\"-+*_#>`[]()<>&|!\n\t\u3000\xa0\r", max_size=80))
def test_plain_text_shortcut_agrees_with_python_markdown(text):
    assert mdconv.parse_blocks(text) == mdconv._markdown_blocks(text)


def test_values_are_put_in_as_plain_text_after_parsing():
    text, found = mdconv.protect("{{ a }}\n\n- x *{{ b }}* [l]({{ c }})\n\n行末\n{{ d }}\n继续")
    assert [expression.strip() for expression, _ in found] == ["a", "b", "c", "d"]
    values = ["1. > # 不是列表", "*星*_下_", "https://example.com/a_b", "中文"]
    para, lst, last = mdconv.parse_blocks(text, None, values)
    assert para == m.Paragraph((m.Str("1. > # 不是列表"),))
    [[item]] = lst.items
    assert item.inlines[1] == m.Emph((m.Str("*星*_下_"),))
    assert item.inlines[-1].url == "https://example.com/a_b"
    # A line ending next to a value joins as the value's own characters would: no space in Chinese.
    assert m.plain(last.inlines) == "行末中文继续"
    assert mdconv.parse_inlines(text.split("\n\n")[0], None, values) == [m.Str("1. > # 不是列表")]
