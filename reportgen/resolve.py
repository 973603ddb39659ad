"""Resolve a spec into one edition: translate, parse Markdown, evaluate data expressions,
number headings, captions and footnotes, and attach the toolkit's localised words.

The input is the tree of source nodes `spec.py` loaded; the output is a new `Document`
of frozen resolved nodes (`model.py`). The source tree is never changed, so one spec
resolves into any number of editions.

Markdown is parsed before values are put in: each `{{ … }}` of the (translated) text
stands as an opaque token while the author's Markdown is parsed, and its value goes in
afterwards as plain text. A value from data can then never turn into a list, a quote,
a heading or emphasis.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Callable

from . import model as m
from . import source as src
from .errors import Diagnostics, Loc, ReportgenError
from .i18n import toolkit_terms
from .layout import CLOSING_PARTS, Layout
from .locale import EditionLocale, edition_locale, roman
from .mdconv import is_plain, parse_blocks, parse_inlines, protect
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
            return roman(n)
        return str(n)

    return re.sub(r"\{([1-6])(?::(\w+))?\}", one, template)


@dataclass
class Hooks:
    """The per-edition text transforms: translation, then data expressions."""

    translate: Callable[[str, str, object], str] = lambda source, context, loc: source
    # `{{ expr }}` → its printed value; used only when there is no evaluator.
    expand: Callable[[str, object], str] = lambda source, loc: source
    evaluator: object = None  # the edition's expr.Evaluator: expressions, charts and tables from data
    # The edition's kept blocks (kept.EditionBlocks): blocks an earlier build resolved alike.
    kept: object = None


def resolve(spec: Spec, locale: EditionLocale | str, layout: Layout, hooks: Hooks, diags: Diagnostics) -> m.Document:
    """One edition of `spec` in `locale`: a new resolved Document, ready for the chart renderer and the writers."""
    edition = locale if isinstance(locale, EditionLocale) else edition_locale(str(locale))
    terms = dict(toolkit_terms(edition.name))
    state = _State(layout, terms, hooks, edition, diags)
    # Cover first, then the body: strings are met (and extracted) in reading order.
    meta = m.Meta(
        id=spec.id,
        title=state.text(spec.title),
        subtitle=state.text(spec.subtitle),
        edition=state.text(spec.edition),
        date=state.text(spec.date),
        author=state.text(spec.author),
        logo=spec.logo or layout.logo,
        publisher=state.text(spec.publisher) if spec.publisher else state.text(_layout_raw(layout.publisher, layout,
                                                                                              "layout|publisher")),
        report_code=spec.report_code,
        draft=edition.name in spec.draft_locales,
    )
    front = state.blocks(spec.front)
    sections = state.sections(spec.sections, [], None)
    closing = state.closing(spec, layout)
    return m.Document(meta=meta, locale=edition, sections=sections, terms=terms, front=front, closing=closing)


def _layout_raw(text: str, layout: Layout, context: str):
    """Text a layout gives (publisher, closing page), translated like the report's own."""
    return src.Raw(text, Loc(layout.path) if layout.path else None, context) if text else None


class _State:
    def __init__(self, layout: Layout, terms: dict, hooks: Hooks, locale: EditionLocale, diags: Diagnostics):
        self.layout = layout
        self.terms = terms
        self.hooks = hooks
        self.locale = locale
        self.diags = diags
        self.figures = 0
        self.tables = 0
        self.notes = 0
        self.chapter = 0  # chapters count on across parts

    # ---------------------------------------------------------- text

    def source(self, raw) -> tuple[str, list[str]]:
        """The translated text with each `{{ … }}` as a token, and the tokens' printed values."""
        text = self.hooks.translate(raw.source, raw.context, raw.loc)
        protected, expressions = protect(text)
        return protected, [self.value(text, expression, offset, raw.loc) for expression, offset in expressions]

    def value(self, text: str, expression: str, offset: int, loc) -> str:
        here = loc.at(text, offset + len(expression) - len(expression.lstrip())) if loc else None
        evaluator = self.hooks.evaluator
        try:
            if evaluator is None:
                return self.hooks.expand("{{" + expression + "}}", here)
            return evaluator.display(evaluator.value(expression, here), expression, here)
        except ReportgenError as exc:
            # Keep going, so every bad expression of the spec is reported in one run.
            self.diags.items.extend(exc.diagnostics)
            return "{{" + expression + "}}"

    def translate_data(self, text: str) -> str:
        """A label from a data file (a category, a table cell), in this edition's language."""
        return self.hooks.translate(text, "data", None)

    def text(self, raw) -> str:
        """A title or label as plain text (cover lines, chart titles)."""
        if raw is None:
            return ""
        return m.plain(self.inlines(raw))

    def inlines(self, raw) -> tuple:
        """One Markdown line (a title, a cell, a caption) as inline runs, footnotes numbered."""
        if raw is None:
            return ()
        protected, values = self.source(raw)
        found = tuple(parse_inlines(protected, raw.loc, values))
        return self.number_notes(found) if _may_refer_to_notes(protected) else found

    def number_notes(self, node):
        """`node` with its footnote references numbered on from the edition's last one."""
        if isinstance(node, tuple):
            return tuple(self.number_notes(n) for n in node)
        if isinstance(node, m.NoteRef):
            self.notes += 1
            return dataclasses.replace(node, number=self.notes)
        if isinstance(node, (m.Strong, m.Emph, m.Link, m.Paragraph, m.ListBlock, m.Quote, m.Callout,
                             m.Table, m.Cell)):
            changes = {f.name: self.number_notes(getattr(node, f.name)) for f in dataclasses.fields(node)
                       if isinstance(getattr(node, f.name), tuple) and f.name not in ("columns", "foot")}
            return dataclasses.replace(node, **changes)
        return node

    def closing(self, spec: Spec, layout: Layout) -> tuple:
        """The closing page's parts: the report's, else the layout's, in print order."""
        given = dict(layout.closing)
        out = []
        for part in CLOSING_PARTS:
            block = spec.closing.get(part)
            if block is None and part in given:
                block = src.Text(given[part], Loc(layout.path) if layout.path else None, f"layout|closing|{part}")
            if block is None:
                continue
            blocks = self.blocks([block])
            if blocks:
                out.append(m.ClosingPart(part, self.terms.get(f"closing_{part}", part.title()), blocks))
        return tuple(out)

    # ---------------------------------------------------------- structure

    def sections(self, sections: list, counters: list[int], child_numbering: str | None) -> tuple:
        out = []
        level_counter = 0
        for section in sections:
            title = self.inlines(section.title)
            common = dict(title=title, level=section.level, anchor=section.anchor, toc=section.toc,
                          numbered=section.numbered, child_numbering=section.child_numbering,
                          page_break=section.page_break, kind=section.kind, loc=section.loc)
            if section.kind == "part":
                blocks = self.blocks(section.blocks)
                # Chapters run on across parts: the parts share the counters of their level.
                children = self.sections(section.children, counters, child_numbering)
                out.append(m.Section(blocks=blocks, children=children, number="", **common))
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
                number = format_number(template, numbers)
            else:
                numbers = [*counters, level_counter]
                number = ""
            blocks = self.blocks(section.blocks)
            children = self.sections(section.children, numbers, section.child_numbering)
            out.append(m.Section(blocks=blocks, children=children, number=number, **common))
        return tuple(out)

    def blocks(self, blocks) -> tuple:
        out = []
        for block in blocks:
            try:
                out.extend(self.block(block) if self.hooks.kept is None else self.kept_block(block))
            except ReportgenError as exc:
                self.diags.items.extend(exc.diagnostics)
        return tuple(out)

    def kept_block(self, block) -> list:
        """`block` as an earlier build resolved it, when its source, its edition and the numbers
        it uses are the same (kept.EditionBlocks); else resolved here, and kept when that
        reported nothing. A block that warned, or leant on a warning given once for the whole
        edition (an untranslated string met before), is not kept: taken, it would be silent."""
        from .expr import MAX_EDITION_WORK

        if isinstance(block, src.Text) and is_plain(block.source):
            return self.block(block)  # read without Markdown: quicker than finding it kept
        evaluator = self.hooks.evaluator
        work = evaluator.work if evaluator is not None else 0
        counters = (self.figures, self.tables, self.notes)
        found = self.hooks.kept.take(block, counters, work, MAX_EDITION_WORK)
        if found is not None:
            nodes, (self.figures, self.tables, self.notes), work = found
            if evaluator is not None:
                evaluator.work = work
            return nodes
        reported, misses = len(self.diags.items), getattr(self.hooks.translate, "misses", 0)
        nodes = self.block(block)
        if len(self.diags.items) == reported and getattr(self.hooks.translate, "misses", 0) == misses:
            self.hooks.kept.put(block, counters, (self.figures, self.tables, self.notes),
                                (evaluator.work if evaluator is not None else 0) - work, nodes)
        return nodes

    def caption(self, raw, kind: str) -> m.Caption | None:
        if raw is None:
            return None
        if kind == "figure":
            self.figures += 1
            number = self.figures
        else:
            self.tables += 1
            number = self.tables
        return m.Caption(self.terms[kind], number, self.inlines(raw), self.layout.caption_separator)

    def block(self, block) -> list:
        if isinstance(block, src.Text):
            protected, values = self.source(block)
            found = parse_blocks(protected, block.loc, values)
            return [self.number_notes(b) for b in found] if _may_refer_to_notes(protected) else list(found)
        if isinstance(block, src.SourceQuote):
            return [m.Quote(self.blocks(block.blocks), block.loc)]
        if isinstance(block, src.SourceCallout):
            title = self.inlines(block.title)
            return [m.Callout(self.blocks(block.blocks), title, block.kind, block.loc)]
        if isinstance(block, src.SourceTable):
            return [self.table(block)]
        if isinstance(block, src.SourceFigure):
            caption = self.caption(block.caption, "figure")
            source = self.inlines(block.source) if block.source else None
            note = self.inlines(block.note) if block.note else None
            return [m.Figure(block.path, caption, source, block.width, block.alt, block.loc, note)]
        if isinstance(block, src.SourceChart):
            from .charts import resolve_chart

            return [resolve_chart(block, self)]
        if isinstance(block, src.SourcePageBreak):
            return [m.PageBreak(block.loc)]
        raise ReportgenError(f"reportgen cannot resolve a `{type(block).__name__}` block", getattr(block, "loc", None))

    def table(self, table: src.SourceTable) -> m.Table:
        caption = self.caption(table.caption, "table")
        body, foot, gaps = table.body, table.foot, None
        if table.rows is not None:
            from .tables import data_rows

            body, foot, gaps = data_rows(table, self)
        source = self.inlines(table.source) if table.source else None
        note = self.inlines(table.note) if table.note else None
        if gaps:
            note = (*note, m.LineBreak(), *gaps) if note else gaps
        head, body, foot = (tuple(tuple(self.cell(c) for c in row) for row in rows) for rows in (table.head, body, foot))
        return m.Table(table.columns, head, body, caption, source, table.style, foot, table.loc, note)

    def cell(self, cell):
        """A cell as written in the spec (Markdown), or one already made from data."""
        if isinstance(cell, src.SourceCell):
            return m.Cell(self.inlines(cell.text), cell.rowspan, cell.colspan, cell.align)
        return cell


def _may_refer_to_notes(text: str) -> bool:
    """False when Markdown `text` cannot hold a footnote reference (`[^label]`, which the
    parser turns into a `fnref` mark): its tree need not be walked and copied to number them."""
    return "[^" in text or "fnref" in text
