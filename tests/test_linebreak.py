"""The line engine's rules (clreq / JIS X 4051 and total-fit English), on made-up metrics.

Metrics: every CJK character and full-width mark one em (1000), Latin letters half an em,
a space a quarter: positions can be checked by hand.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reportgen import linebreak as lb
from reportgen.linebreak import CANNOT_END, CANNOT_START, FaceMetrics, Run, Typesetter

SIZE = 10.0
EM = SIZE


class _Widths(dict):
    def get(self, code, default=None):
        ch = chr(code)
        if unicodedata.east_asian_width(ch) in "WF" or ch in "“”‘’—…":
            return 1000
        return 250 if ch == " " else 500


def metrics(face: str) -> FaceMetrics:
    return FaceMetrics(_Widths(), 500)


def setter(**kw) -> Typesetter:
    return Typesetter(metrics, **kw)


def text_of(line) -> str:
    return "".join(p.text for p in line.pieces)


def glyphs(line):
    """(character, x) of every glyph on a line."""
    return [(c, x) for p in line.pieces for c, x in zip(p.text, p.xs)]


def x_of(line, ch: str, nth: int = 0) -> float:
    return [x for c, x in glyphs(line) if c == ch][nth]


def set_text(text: str, width_em: float, **kw):
    hy = kw.pop("hyphenate", None)
    hanging = kw.pop("hanging", False)
    return setter(hyphenate=hy, hanging=hanging).set([Run(text, "f", SIZE)], width_em * EM, **kw)


HAN = "人工智能正以惊人的速度改变生物医学研究和临床实践对于医疗保健系统生命科学公共卫生组织领导者而言"
PUNCT = "，。、；：？！）」》”（「《“…—"


# ---------------------------------------------------------------- Chinese


def test_justified_chinese_lines_end_exactly_at_the_measure():
    text = HAN * 3 + "。"
    lines = set_text(text, 17.3)
    assert len(lines) > 3
    for line in lines[:-1]:
        assert line.end == pytest.approx(17.3 * EM, abs=1e-6)
    assert lines[-1].end < 17.3 * EM


def test_adjacent_full_width_marks_take_one_and_a_half_em():
    for pair in ("）、", "。”", "“《", "」，"):
        line = set_text(f"研究{pair}临床", 30, align=lb.LEFT)[0]
        a, b = pair
        after = "临"
        # From the first mark's start to the next character: one em and a half, not two.
        assert x_of(line, after) - x_of(line, a) == pytest.approx(1.5 * EM), pair
        assert x_of(line, b) > x_of(line, a)


def test_a_closing_mark_never_starts_a_line_and_an_opening_one_never_ends_one():
    # The 9th character of a 9-em line would be the comma: it stays on the line, compressed.
    lines = set_text("一二三四五六七八，九十一二三四五六七八九十（一二三四五六七八九十", 9)
    for line in lines:
        t = text_of(line)
        assert t[0] not in CANNOT_START
        assert t[-1] not in CANNOT_END


def test_a_line_may_end_with_a_compressed_full_stop_and_still_end_at_the_edge():
    # Nine characters and 。 on a 9.5-em line: only a half-width 。 makes it fit.
    lines = set_text("一二三四五六七八九。十一二三四五六七八九十一二三", 9.5)
    first = lines[0]
    assert text_of(first).endswith("九。")
    assert first.end == pytest.approx(9.5 * EM, abs=1e-6)
    assert max(x for _, x in glyphs(first)) + EM / 2 <= 9.5 * EM + 1e-6


def test_a_closing_mark_ending_a_justified_line_is_always_half_width():
    # Nine characters and ，on a 10.3-em line would fit at full width, the comma's blank half
    # then making the edge look ragged: its ink, not its blank half, meets the edge.
    lines = set_text("一二三四五六七八九，十一二三四五六七八九十一二三四五六七八九十", 10.3)
    first = lines[0]
    assert text_of(first).endswith("九，")
    assert first.end == pytest.approx(10.3 * EM, abs=1e-6)
    assert x_of(first, "，") + EM / 2 == pytest.approx(10.3 * EM, abs=1e-6)


def test_nothing_hangs_into_the_margin_unless_the_layout_allows_it():
    text = "一二三四五六七八九十。一二三四五六七八九十一二三四五六七八九十。" * 2
    for line in set_text(text, 10):
        assert max(x for _, x in glyphs(line)) + EM / 2 <= 10 * EM + 1e-6
    hung = set_text(text, 10, hanging=True)
    assert any(text_of(line).endswith("。") and x_of(line, "。") >= 10 * EM - 1e-6 for line in hung)


def test_ellipsis_and_dash_pairs_never_split():
    for mark in ("……", "——"):
        for k in range(5, 12):
            lines = set_text("一" * k + mark + "二" * 20, 10)
            for line in lines:
                t = text_of(line)
                assert not (t.endswith(mark[0]) and not t.endswith(mark)), (k, mark)


def test_han_and_latin_are_a_quarter_em_apart_typed_space_or_not():
    tight = set_text("采用AI技术2025年", 40, align=lb.LEFT)[0]
    spaced = set_text("采用 AI 技术 2025 年", 40, align=lb.LEFT)[0]
    assert glyphs(tight) == [g for g in glyphs(spaced) if g[0] != " "]
    assert x_of(tight, "A") - (x_of(tight, "用") + EM) == pytest.approx(EM / 4)
    assert x_of(tight, "技") - (x_of(tight, "I") + EM / 2) == pytest.approx(EM / 4)
    assert x_of(tight, "2") - (x_of(tight, "术") + EM) == pytest.approx(EM / 4)


def test_latin_words_and_numbers_in_chinese_are_never_split():
    text = "生物医学领域的人工智慧格局正在经历数次变革性转变，总体拥有成本TCO和3.1031亿人以及Transformer模型。" * 3
    for width in (9, 11, 13.5, 17):
        words = []
        for line in set_text(text, width):
            t = text_of(line)
            words += [w for w in ("TCO", "3.1031", "Transformer") if w in t]
        assert words.count("TCO") == 3 and words.count("3.1031") == 3 and words.count("Transformer") == 3


def test_a_chinese_paragraph_never_ends_with_one_character_alone():
    # Greedy filling would leave "二。" on the last line.
    for n in range(18, 30):
        lines = set_text("一" * n + "二。", 10)
        last = text_of(lines[-1])
        assert sum(1 for c in last if c not in PUNCT) >= 2, n


def test_first_line_indent_and_forced_breaks():
    lines = set_text("一二三四五六七八九十一二三四五\n六七八", 10, first_indent=2 * EM)
    assert glyphs(lines[0])[0][1] == pytest.approx(2 * EM)
    assert glyphs(lines[1])[0][1] == pytest.approx(0)
    assert text_of(lines[-1]) == "六七八"
    # The line before a forced break is not stretched to the edge.
    assert lines[-2].end < 10 * EM


def test_centre_and_right_alignment():
    centre = set_text("一二三四", 10, align=lb.CENTER)[0]
    right = set_text("一二三四", 10, align=lb.RIGHT)[0]
    assert glyphs(centre)[0][1] == pytest.approx(3 * EM)
    assert right.end == pytest.approx(10 * EM)


# ---------------------------------------------------------------- English

ENGLISH = ("Artificial intelligence is transforming biomedical research and clinical practice at an "
           "astonishing pace, so a clear strategic direction is essential for leaders of healthcare "
           "systems, life sciences and public health organisations. Advances in algorithmic capability, "
           "computing architecture and data integration have brought technologies once confined to "
           "experimental settings into regulated clinical environments.")


def space_widths(line):
    """Widths of the word spaces of a line (from a space glyph to the next glyph)."""
    gs = glyphs(line)
    return [gs[i + 1][1] - x for i, (c, x) in enumerate(gs[:-1]) if c == " "]


def test_english_is_hyphenated_and_justified_without_loose_spaces():
    lines = set_text(ENGLISH, 30, hyphenate="en_US")
    assert any(text_of(line).endswith("-") for line in lines)
    natural = 0.25 * EM
    for line in lines[:-1]:
        assert line.end == pytest.approx(30 * EM, abs=1e-6)
        for w in space_widths(line):
            assert natural * (1 - lb.SPACE_SHRINK) - 1e-6 <= w <= 2 * natural + 1e-6


def test_word_spaces_stay_within_twice_their_width_on_a_narrow_measure():
    lines = set_text(ENGLISH, 24, hyphenate="en_US")
    assert all(max(space_widths(line) or [0]) <= 0.5 * EM + 1e-6 for line in lines[:-1])


def test_unhyphenated_text_breaks_only_at_spaces():
    words = ENGLISH.replace(",", "").replace(".", "").split()
    for line in set_text(ENGLISH, 24):
        assert all(w in words for w in text_of(line).replace(",", "").replace(".", "").split())


def test_a_word_wider_than_the_line_is_broken_rather_than_overflowing():
    lines = set_text("see https://example.com/a/very/long/path/that/has/no/spaces/at/all/anywhere", 10)
    assert all(line.end <= 10 * EM + 1e-6 for line in lines)


# ---------------------------------------------------------------- properties

chars = st.sampled_from(list(HAN[:12]) + list("，。、；：？！）》”（《“") + ["……", "——"] +
                        ["AI", "2025", " ", "Transformer", "model", "(TCO)", ","])
paragraphs = st.lists(chars, min_size=1, max_size=120).map("".join)


def _visible(text: str) -> str:
    return "".join(c for c in text if not c.isspace())


def _forced(text: str, pos: int, width_em: float) -> bool:
    """Whether a break at `pos` inside a run of marks that cannot start a line was the only
    way: the run, with the character it must stay with, is wider than the line (`……` and
    `——` at an em a mark, others at their compressed half em)."""
    a = b = pos
    while a > 0 and text[a - 1] in CANNOT_START:
        a -= 1
    while b < len(text) and text[b] in CANNOT_START:
        b += 1
    run = sum(1.0 if c in lb.NEVER_SPLIT else 0.5 for c in text[a:b])
    return a < pos < b and run + 1 > width_em


def test_a_run_of_ellipses_wider_than_the_line_breaks_between_its_pairs():
    # No break keeps every rule: the run is broken once, between two `……`, never inside one.
    assert [text_of(line) for line in set_text("人" + "……" * 4 + "人", 8)] == ["人" + "……" * 3, "……人"]
    assert [text_of(line) for line in set_text("甲乙" + "——" * 3 + "丙丁", 4)] == ["甲乙——", "————", "丙丁"]


@settings(max_examples=150, deadline=None)
@given(paragraphs, st.floats(min_value=8, max_value=40), st.sampled_from([lb.JUSTIFY, lb.LEFT]),
       st.floats(min_value=0, max_value=2))
@example("人" + "……" * 4 + "人", 8.0, lb.JUSTIFY, 0.0)  # a run of marks wider than the line
def test_properties_of_every_set_paragraph(text, width_em, align, indent_em):
    lines = set_text(text, width_em, align=align, first_indent=indent_em * EM)
    width = width_em * EM
    # Text preserved, in order (spaces aside: they become gaps).
    assert "".join(_visible(text_of(line)) for line in lines) == _visible(text)
    joined, at = _visible(text), 0
    for i, line in enumerate(lines):
        t = _visible(text_of(line))
        at += len(t)
        if not t:
            continue
        # No line starts with a prohibited mark (unless a line has nothing else to start with,
        # or the marks run on wider than a line: see `_forced`).
        if i > 0:
            assert t[0] not in CANNOT_START or len(t) == 1 or all(c in CANNOT_START for c in t) or \
                _forced(joined, at - len(t), width_em)
        if i < len(lines) - 1:
            assert t[-1] not in CANNOT_END or all(c in CANNOT_END for c in t)
        # No line wider than the measure, no glyph left of the line.
        assert line.end <= width + 1e-6
        assert min(x for _, x in glyphs(line)) >= -EM / 2 - 1e-6
    # Justified lines (all but the last) end exactly at the measure when they hold CJK text.
    if align == lb.JUSTIFY:
        for line in lines[:-1]:
            t = text_of(line)
            if any(unicodedata.east_asian_width(c) == "W" and c not in PUNCT for c in t) and len(t.split()) > 1:
                assert line.end == pytest.approx(width, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(ENGLISH.split()), min_size=3, max_size=60).map(" ".join),
       st.floats(min_value=15, max_value=45))
def test_properties_of_english_paragraphs(text, width_em):
    lines = set_text(text, width_em, hyphenate="en_US")
    joined = "".join(_visible(text_of(line))[:-1] if text_of(line).endswith("-") else _visible(text_of(line))
                     for line in lines)
    assert joined == _visible(text).replace("-", "") or joined == _visible(text)
    for line in lines:
        assert line.end <= width_em * EM + 1e-6


def test_traditional_chinese_marks_centred_in_the_em_are_not_compressed():
    ts = Typesetter(metrics, centred=lb.CENTRED_IN_TRADITIONAL)
    line = ts.set([Run("研究。」臨床", "f", SIZE)], 30 * EM, align=lb.LEFT)[0]
    assert x_of(line, "臨") - x_of(line, "。") == pytest.approx(2 * EM)
    # Brackets keep their blank half, and lose it next to another mark, as in Simplified.
    line = ts.set([Run("研究）、臨床", "f", SIZE)], 30 * EM, align=lb.LEFT)[0]
    assert x_of(line, "臨") - x_of(line, "）") == pytest.approx(1.5 * EM)
