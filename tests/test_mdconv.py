"""Markdown to the model: inline runs, lists, quotes, footnotes, and HTML kept as text."""

from __future__ import annotations

from reportgen import model as m
from reportgen.mdconv import parse_blocks, parse_inlines, protect


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


# ---------------------------------------------------------------- typographic quotes and dashes


def text_of(source: str, values=None) -> str:
    return " | ".join(m.plain(b.inlines) for b in parse_blocks(source, values=values))


def test_straight_quotes_and_apostrophes_become_typographic():
    assert text_of("He said \"yes\" and 'no'.") == "He said “yes” and ‘no’."
    assert text_of("China's market in the '90s; the firms' share") == "China’s market in the ’90s; the firms’ share"
    assert text_of("\"Hello,\" she said.") == "“Hello,” she said."
    assert text_of("*\"stressed\"* and **'bold'**") == "“stressed” and ‘bold’"


def test_double_and_triple_hyphens_become_en_and_em_dashes():
    assert text_of("2025--2032 growth --- steady") == "2025–2032 growth — steady"
    assert text_of("a - b") == "a - b"


def test_code_spans_urls_and_escaped_quotes_stay_as_written():
    assert text_of('run `say "hi" -- now` then') == 'run say "hi" -- now then'
    assert text_of("see https://example.com/a--b?q=1--2 \"here\"") == "see https://example.com/a--b?q=1--2 “here”"
    [para] = parse_blocks('[the "site"](https://example.com/x--y)')
    [link] = para.inlines
    assert link.url == "https://example.com/x--y" and m.plain(link.children) == "the “site”"
    assert text_of('a \\"straight\\" quote') == 'a "straight" quote'


def test_values_from_data_print_as_written_inside_typographic_quotes():
    source, found = protect('The "{{ name }}" segment -- {{ name }}\'s share')
    assert len(found) == 2
    assert text_of(source, values=['Lab "A" -- 2', 'Lab "A" -- 2']) == \
        'The “Lab "A" -- 2” segment – Lab "A" -- 2’s share'


def test_chinese_straight_double_quotes_are_paired():
    assert text_of('被称为"智慧医疗"的模式，他说："好"。') == "被称为“智慧医疗”的模式，他说：“好”。"
    assert text_of('"AI医生"与"**数字人**"并行') == "“AI医生”与“数字人”并行"
    # A quote whose neighbours do not say (Han on both sides) alternates with the one before.
    assert text_of('甲"乙"丙"丁"戊') == "甲“乙”丙“丁”戊"
    [lst] = parse_blocks('- 条目"二"\n- item "three"')
    assert [m.plain(item[0].inlines) for item in lst.items] == ["条目“二”", "item “three”"]


def test_typographic_quotes_reach_the_pdf_and_the_word_file(tmp_path):
    import re

    import docx
    from conftest import make_project
    from pypdf import PdfReader

    from reportgen.cli import main

    spec_en = """\
title: Quotes
source_locale: en
locales: [en]
data: [names]
sections:
  - title: Overview
    blocks:
      - "The \\"AI doctor\\" is China's answer for the '90s generation -- 2025--2032 --- and `code \\"as is\\"`."
      - "Data: {{ names.lab }}."
"""
    spec_zh = """\
title: 引号
locales: [zh_CN]
sections:
  - title: 概述
    blocks:
      - '被称为"智慧医疗"的模式。'
"""
    project = make_project(tmp_path, {
        "content/data/names.yaml": 'lab: \'Lab "A" -- 2\'\n',
        "content/en-quotes/report.yaml": spec_en, "content/zh-quotes/report.yaml": spec_zh,
    })
    assert main(["-C", str(project), "build", "--jobs", "1"]) == 0

    def pdf(path):
        return "".join(p.extract_text() for p in PdfReader(str(path)).pages)

    def word(path):
        return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)

    out = project / "output"
    for text in (pdf(out / "en/en-quotes.pdf"), word(out / "en/en-quotes.docx")):
        flat = re.sub(r"\s+", " ", text)
        assert "The “AI doctor” is China’s answer for the ’90s generation – 2025–2032 — and code \"as is\"." in flat
        assert 'Data: Lab "A" -- 2.' in flat
    for text in (pdf(out / "zh_CN/zh-quotes.pdf"), word(out / "zh_CN/zh-quotes.docx")):
        assert "被称为“智慧医疗”的模式。" in re.sub(r"\s+", "", text)
