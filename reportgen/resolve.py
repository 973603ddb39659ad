"""Resolve a spec into one edition: translate, expand data expressions, parse Markdown,
number headings, captions and footnotes, and attach the toolkit's localised words.

The input tree is never changed: each edition gets its own copy.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Callable

from . import model as m
from .errors import Diagnostics, ReportgenError
from .i18n import language, toolkit_terms
from .layout import Layout
from .mdconv import parse_blocks, parse_inlines
from .spec import Spec

ZH_DIGITS = "零一二三四五六七八九"


def zh_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 21 → 二十一 (heading numbers, up to 999)."""
    if n < 10:
        return ZH_DIGITS[n]
    if n < 20:
        return "十" + (ZH_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return ZH_DIGITS[n // 10] + "十" + (ZH_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if not rest else ("零" + zh_numeral(rest) if rest < 10 else
                                ("一" + zh_numeral(rest) if rest < 20 else zh_numeral(rest)))
    return ZH_DIGITS[n // 100] + "百" + tail


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def format_number(template: str, counters: list[int]) -> str:
    """Fill a numbering template such as `{1:zh}、` or `{1}.{2} ` from level counters."""

    def one(match: re.Match) -> str:
        level = int(match.group(1))
        style = match.group(2) or "decimal"
        n = counters[level - 1] if level <= len(counters) else 0
        if style == "zh":
            return zh_numeral(n)
        if style == "alpha":
            return chr(ord("A") + (n - 1) % 26)
        if style == "roman":
            return _roman(n)
        return str(n)

    return re.sub(r"\{([1-6])(?::(\w+))?\}", one, template)


@dataclass
class Hooks:
    """The per-edition text transforms: translation, then data expressions."""

    translate: Callable[[str, str, object], str] = lambda source, context, loc: source
    expand: Callable[[str, object], str] = lambda source, loc: source
    evaluator: object = None  # the edition's expr.Evaluator, for charts and tables from data


def resolve(spec: Spec, locale: str, layout: Layout, hooks: Hooks, diags: Diagnostics) -> m.Document:
    """One edition of `spec` in `locale`, ready for the chart renderer and the writers."""
    terms = dict(toolkit_terms(locale))
    state = _State(layout, terms, hooks, locale, diags)
    # Cover first, then the body: strings are met (and extracted) in reading order.
    meta = m.Meta(
        id=spec.id,
        title=state.text(spec.title),
        subtitle=state.text(spec.subtitle),
        edition=state.text(spec.edition),
        date=state.text(spec.date),
        author=state.text(spec.author),
        logo=spec.logo or layout.logo,
    )
    sections = copy.deepcopy(spec.sections)
    front = state.blocks(copy.deepcopy(spec.front))
    state.sections(sections, [], None)
    return m.Document(meta=meta, locale=locale, sections=sections, terms=terms, front=front)


class _State:
    def __init__(self, layout: Layout, terms: dict, hooks: Hooks, locale: str, diags: Diagnostics):
        self.layout = layout
        self.terms = terms
        self.hooks = hooks
        self.locale = locale
        self.diags = diags
        self.figures = 0
        self.tables = 0
        self.notes = 0
        self.chapter = 0  # chapters count on across parts
        self.lang = language(locale)

    def source(self, raw) -> str:
        text = self.hooks.translate(raw.source, raw.context, raw.loc)
        try:
            return self.hooks.expand(text, raw.loc)
        except ReportgenError as exc:
            # Keep going, so every bad expression of the spec is reported in one run.
            self.diags.items.extend(exc.diagnostics)
            return text

    def translate_data(self, text: str, context: str = "data") -> str:
        """A label from a data file (a category, a table cell), in this edition's language."""
        return self.hooks.translate(text, "data", None)

    def text(self, raw) -> str:
        if raw is None:
            return ""
        return m.plain(self.inlines([raw]))

    def inlines(self, inlines: list) -> list:
        out = []
        for node in inlines:
            if isinstance(node, m.Raw):
                out.extend(self.number_notes(parse_inlines(self.source(node), node.loc)))
            else:
                out.append(node)
        return out

    def number_notes(self, inlines: list) -> list:
        for node in inlines:
            if isinstance(node, m.NoteRef):
                self.notes += 1
                node.number = self.notes
            elif hasattr(node, "children"):
                self.number_notes(node.children)
        return inlines

    def sections(self, sections: list, counters: list[int], child_numbering: str | None) -> None:
        level_counter = 0
        for section in sections:
            section.title = self.inlines(section.title)
            if section.kind == "part":
                section.number = ""
                section.blocks = self.blocks(section.blocks)
                # Chapters run on across parts: the parts share the counters of their level.
                self.sections(section.children, counters, child_numbering)
                continue
            if section.numbered:
                # Chapter counters continue across parts at the same level.
                if section.level == 1:
                    self.chapter += 1
                    level_counter = self.chapter
                else:
                    level_counter += 1
                numbers = [*counters, level_counter]
                template = child_numbering or (
                    self.layout.numbering[section.level - 1] if section.level <= len(self.layout.numbering) else ""
                )
                section.number = format_number(template, numbers)
            else:
                numbers = [*counters, level_counter]
                section.number = ""
            section.blocks = self.blocks(section.blocks)
            self.sections(section.children, numbers, section.child_numbering)

    def blocks(self, blocks: list) -> list:
        out = []
        for block in blocks:
            try:
                out.extend(self.block(block))
            except ReportgenError as exc:
                self.diags.items.extend(exc.diagnostics)
        return out

    def caption(self, caption: m.Caption | None, kind: str) -> m.Caption | None:
        if caption is None:
            return None
        if kind == "figure":
            self.figures += 1
            number = self.figures
        else:
            self.tables += 1
            number = self.tables
        return m.Caption(self.terms[kind], number, self.inlines(caption.inlines))

    def block(self, block) -> list:
        if isinstance(block, m.Text):
            text = self.source(block)
            return [self.number_blocks(b) for b in parse_blocks(text, block.loc)]
        if isinstance(block, m.Quote):
            block.blocks = self.blocks(block.blocks)
            return [block]
        if isinstance(block, m.Callout):
            block.title = self.inlines(block.title)
            block.blocks = self.blocks(block.blocks)
            return [block]
        if isinstance(block, m.Table):
            block.caption = self.caption(block.caption, "table")
            if block.spec is not None:
                from .tables import resolve_data_table

                resolve_data_table(block, self)
            if block.source:
                block.source = self.inlines(block.source)
            if block.note:
                block.note = self.inlines(block.note)
            for rows in (block.head, block.body, block.foot):
                for row in rows:
                    for cell in row:
                        if cell is not None:
                            cell.inlines = self.inlines(cell.inlines)
            return [block]
        if isinstance(block, m.Figure):
            block.caption = self.caption(block.caption, "figure")
            if block.source:
                block.source = self.inlines(block.source)
            if block.note:
                block.note = self.inlines(block.note)
            return [block]
        if isinstance(block, m.Chart):
            from .charts import resolve_chart

            return resolve_chart(block, self)
        return [block]

    def number_blocks(self, block):
        if isinstance(block, m.Paragraph):
            self.number_notes(block.inlines)
        elif isinstance(block, m.ListBlock):
            for item in block.items:
                for sub in item:
                    self.number_blocks(sub)
        elif isinstance(block, m.Quote):
            for sub in block.blocks:
                self.number_blocks(sub)
        elif isinstance(block, m.Table):
            block.caption = None
            for rows in (block.head, block.body):
                for row in rows:
                    for cell in row:
                        if cell:
                            self.number_notes(cell.inlines)
        return block
