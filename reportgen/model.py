"""The resolved document every writer visits: small, typed, frozen, and free of YAML.

`spec.py` loads what the author wrote into the source nodes of `source.py`; `resolve.py`
builds from them, per edition, a new tree of the node kinds below (paragraphs, inline
runs, evaluated numbers, numbered captions). Nodes are frozen and their sequences are
tuples, so no stage can change what an earlier one decided: a later stage that needs
another tree makes a new one (`dataclasses.replace`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Union

from .errors import Loc
from .locale import EditionLocale, edition_locale


def _tuples(value):
    """Lists (and lists of lists: table rows, list items) as tuples."""
    if isinstance(value, (list, tuple)):
        return tuple(_tuples(v) for v in value)
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # per node class: its fields, looked up once


class _Node:
    """Sequences given as lists are kept as tuples, so a node cannot change after it is made."""

    def __post_init__(self):
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(f.name for f in fields(self))
        for name in names:
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, _tuples(value))


_frozen = dataclass(frozen=True)

# ---------------------------------------------------------------- inline runs


@_frozen
class Str(_Node):
    """Plain text."""

    text: str


@_frozen
class Strong(_Node):
    children: tuple["Inline", ...]


@_frozen
class Emph(_Node):
    children: tuple["Inline", ...]


@_frozen
class Code(_Node):
    text: str


@_frozen
class Link(_Node):
    url: str
    children: tuple["Inline", ...]


@_frozen
class LineBreak(_Node):
    pass


@_frozen
class NoteRef(_Node):
    """A footnote reference; the note's text travels with it."""

    number: int
    children: tuple["Inline", ...]


Inline = Union[Str, Strong, Emph, Code, Link, LineBreak, NoteRef]


def plain(inlines)  -> str:
    """The text of inline runs without formatting (for bookmarks, TOC, search)."""
    out = []
    for node in inlines:
        if isinstance(node, (Str, Code)):
            out.append(node.text)
        elif isinstance(node, LineBreak):
            out.append(" ")
        elif isinstance(node, NoteRef):
            continue
        else:
            out.append(plain(node.children))
    return "".join(out)


# ---------------------------------------------------------------- blocks


@_frozen
class Paragraph(_Node):
    inlines: tuple[Inline, ...]
    loc: Loc | None = None


@_frozen
class ListBlock(_Node):
    """A bullet or numbered list; each item is a list of blocks (so lists nest)."""

    items: tuple[tuple["Block", ...], ...]
    ordered: bool = False
    start: int = 1
    loc: Loc | None = None


@_frozen
class Quote(_Node):
    blocks: tuple["Block", ...]
    loc: Loc | None = None


@_frozen
class Callout(_Node):
    """A boxed note or case study with an optional title."""

    blocks: tuple["Block", ...]
    title: tuple[Inline, ...] = ()
    kind: str = "note"  # note | case | quote
    loc: Loc | None = None


@_frozen
class Caption(_Node):
    """A numbered caption: `label` is the localised word ("图", "Figure")."""

    label: str
    number: int
    inlines: tuple[Inline, ...]
    separator: str = ""  # between number and text (the layout's); "" for the writers' default


@_frozen
class Column(_Node):
    width: float | None = None  # share of the text width, None = automatic
    align: str = "left"  # left | center | right


@_frozen
class Cell(_Node):
    inlines: tuple[Inline, ...]
    rowspan: int = 1
    colspan: int = 1
    align: str | None = None  # overrides the column's alignment


@_frozen
class Table(_Node):
    """A grid: rows hold one entry per column, None where a span covers the place."""

    columns: tuple[Column, ...]
    head: tuple[tuple[Cell | None, ...], ...]
    body: tuple[tuple[Cell | None, ...], ...]
    caption: Caption | None = None
    source: tuple[Inline, ...] | None = None
    style: str = "grid"  # grid | stats
    foot: tuple[tuple[Cell | None, ...], ...] = ()
    loc: Loc | None = None
    note: tuple[Inline, ...] | None = None  # printed on its own line under the source


@_frozen
class Figure(_Node):
    """An image file with its caption; `path` is absolute and checked to exist."""

    path: str
    caption: Caption | None = None
    source: tuple[Inline, ...] | None = None
    width: float = 1.0  # share of the text width
    alt: str = ""
    loc: Loc | None = None
    note: tuple[Inline, ...] | None = None  # printed on its own line under the source


@_frozen
class PageBreak(_Node):
    loc: Loc | None = None


@_frozen
class Series(_Node):
    """One data series of a chart, with values already evaluated."""

    name: str
    values: tuple[float | None, ...]  # None: no value for that category (a gap)
    kind: str = ""  # bar | line (for bar_line charts); empty = the chart's type
    axis: str = "left"  # left | right
    labels: tuple[str, ...] = ()  # formatted value labels, one per value
    x: tuple[float, ...] = ()  # scatter / bubble: x values
    sizes: tuple[float, ...] = ()  # bubble: sizes
    points: tuple[str, ...] = ()  # scatter / bubble: point names


@_frozen
class Chart(_Node):
    """A chart to draw, its values evaluated and their labels formatted for the edition."""

    type: str  # bar | barh | grouped_bar | stacked_bar | line | pie | donut | bar_line | scatter | bubble
    categories: tuple[str, ...] = ()
    series: tuple[Series, ...] = ()
    caption: Caption | None = None
    source: tuple[Inline, ...] | None = None
    title: str = ""
    x_label: str = ""
    y_label: str = ""
    y2_label: str = ""
    value_labels: bool = False
    quadrants: dict | None = None  # scatter: {"x": float, "y": float, "labels": [4 names]}
    note: tuple[Inline, ...] | None = None
    width: float = 1.0
    height: float = 0.6  # height as a share of the width
    loc: Loc | None = None
    alt: str = ""  # the chart in words, for screen readers (PDF /Alt, Word `descr`); default: the caption
    # Per category: "E" (estimate), "F" (forecast) or "" (actual), from the spec's
    # `estimate_from:`/`forecast_from:`; the axis shows them as `2025E`, `2031F`.
    marks: tuple[str, ...] = ()
    cagr: tuple["Growth", ...] = ()  # growth annotations drawn over the bars
    centre: str = ""  # donut: the text in the hole (the total with its unit)

    @property
    def category_labels(self) -> tuple[str, ...]:
        """The categories as the axis prints them: a year with its estimate/forecast mark."""
        marks = self.marks or ("",) * len(self.categories)
        return tuple(f"{c}{m}" for c, m in zip(self.categories, marks))


@_frozen
class Growth(_Node):
    """A compound annual growth rate shown as an arrow from one category to another."""

    start: int  # index of the first category of the period
    end: int  # index of the last
    value: float  # the rate (0.218 = 21.8%)
    label: str  # as printed: "CAGR 21.8%"


Block = Union[Paragraph, ListBlock, Quote, Callout, Table, Figure, PageBreak, Chart]


@_frozen
class Section(_Node):
    """A heading and what follows it; `number` is the formatted prefix ("一、", "1.1")."""

    title: tuple[Inline, ...]
    level: int
    blocks: tuple[Block, ...] = ()
    children: tuple["Section", ...] = ()
    number: str = ""
    anchor: str = ""
    toc: bool = True
    numbered: bool = True
    child_numbering: str | None = None
    page_break: bool = False  # start on a new page
    kind: str = "section"  # section | part
    loc: Loc | None = None

    @property
    def heading_text(self) -> str:
        # The number carries its own separator ("一、" or "1.1 ").
        return f"{self.number}{plain(self.title)}"


@_frozen
class Meta(_Node):
    id: str
    title: str
    subtitle: str = ""
    edition: str = ""
    date: str = ""
    author: str = ""
    logo: str | None = None  # absolute path
    publisher: str = ""
    report_code: str = ""
    draft: bool = False  # a draft edition (`draft_locales`): marked as such on every page


@_frozen
class ClosingPart(_Node):
    """One part of the closing page: disclaimer, copyright or contact, with its localised title."""

    kind: str
    title: str
    blocks: tuple[Block, ...]


@_frozen
class Document(_Node):
    """A resolved edition: one report in one locale, ready for any writer."""

    meta: Meta
    locale: EditionLocale  # str() of it is the locale's name (zh_CN)
    sections: tuple[Section, ...]
    terms: dict[str, str] = field(default_factory=dict)
    front: tuple[Block, ...] = ()  # blocks before the first heading
    closing: tuple[ClosingPart, ...] = ()  # the closing page (disclaimer, copyright, contact)

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.locale, EditionLocale):
            object.__setattr__(self, "locale", edition_locale(str(self.locale)))

    def walk_sections(self):
        """Every section, depth first, in reading order."""
        stack = list(reversed(self.sections))
        while stack:
            section = stack.pop()
            yield section
            stack.extend(reversed(section.children))

    def walk_blocks(self):
        """Every block, those inside quotes, boxes and list items included, in reading order."""

        def visit(blocks):
            for block in blocks:
                yield block
                if isinstance(block, (Quote, Callout)):
                    yield from visit(block.blocks)
                elif isinstance(block, ListBlock):
                    for item in block.items:
                        yield from visit(item)

        yield from visit(self.front)
        for section in self.walk_sections():
            yield from visit(section.blocks)


def strings(node) -> list[str]:
    """Every string the tree holds (texts, labels, values; not source locations): what a font
    embedded for the document must be able to draw, besides what the writer adds itself."""
    out: list[str] = []

    def walk(value):
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif is_dataclass(value) and not isinstance(value, (Loc, type)):
            names = _FIELD_NAMES.get(type(value))
            if names is None:
                names = _FIELD_NAMES[type(value)] = tuple(f.name for f in fields(value))
            for name in names:
                walk(getattr(value, name))

    walk(node)
    return out


def to_json(node, indent: int | None = 1) -> str:
    """The tree as JSON, for debugging and snapshot tests (and, compact, for hashing)."""

    def convert(value):
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        if isinstance(value, EditionLocale):
            return value.name
        if is_dataclass(value) and not isinstance(value, Loc):
            out = {"type": type(value).__name__}
            for f in fields(value):
                out[f.name] = convert(getattr(value, f.name))
            return out
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, Loc):
            return str(value)
        return value

    return json.dumps(convert(node), ensure_ascii=False, indent=indent)
