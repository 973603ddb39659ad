"""The document tree every writer visits: small, typed, and free of YAML.

`spec.py` builds it with raw Markdown in `Text` blocks and raw strings in titles;
`resolve.py` turns those into paragraphs, inline runs, numbers and captions, so a
writer only ever meets the resolved node kinds documented below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, is_dataclass
from typing import Union

from .errors import Loc

# ---------------------------------------------------------------- inline runs


@dataclass
class Str:
    """Plain text."""

    text: str


@dataclass
class Strong:
    children: list["Inline"]


@dataclass
class Emph:
    children: list["Inline"]


@dataclass
class Code:
    text: str


@dataclass
class Link:
    url: str
    children: list["Inline"]


@dataclass
class LineBreak:
    pass


@dataclass
class NoteRef:
    """A footnote reference; the note's text travels with it."""

    number: int
    children: list["Inline"]


@dataclass
class Raw:
    """Unresolved Markdown source of an inline place (only before `resolve`)."""

    source: str
    loc: Loc | None = None
    context: str = ""


Inline = Union[Str, Strong, Emph, Code, Link, LineBreak, NoteRef, Raw]


def plain(inlines: list[Inline]) -> str:
    """The text of inline runs without formatting (for bookmarks, TOC, search)."""
    out = []
    for node in inlines:
        if isinstance(node, (Str, Code)):
            out.append(node.text)
        elif isinstance(node, Raw):
            out.append(node.source)
        elif isinstance(node, LineBreak):
            out.append(" ")
        elif isinstance(node, NoteRef):
            continue
        else:
            out.append(plain(node.children))
    return "".join(out)


# ---------------------------------------------------------------- blocks


@dataclass
class Text:
    """Unresolved Markdown source (only before `resolve`)."""

    source: str
    loc: Loc | None = None
    context: str = ""


@dataclass
class Paragraph:
    inlines: list[Inline]
    loc: Loc | None = None


@dataclass
class ListBlock:
    """A bullet or numbered list; each item is a list of blocks (so lists nest)."""

    items: list[list["Block"]]
    ordered: bool = False
    start: int = 1
    loc: Loc | None = None


@dataclass
class Quote:
    blocks: list["Block"]
    loc: Loc | None = None


@dataclass
class Callout:
    """A boxed note or case study with an optional title."""

    blocks: list["Block"]
    title: list[Inline] = field(default_factory=list)
    kind: str = "note"  # note | case | quote
    loc: Loc | None = None


@dataclass
class Caption:
    """A numbered caption: `label` is the localised word ("图", "Figure")."""

    label: str
    number: int
    inlines: list[Inline]


@dataclass
class Column:
    width: float | None = None  # share of the text width, None = automatic
    align: str = "left"  # left | center | right


@dataclass
class Cell:
    inlines: list[Inline]
    rowspan: int = 1
    colspan: int = 1
    align: str | None = None  # overrides the column's alignment


@dataclass
class Table:
    """A grid: rows hold one entry per column, None where a span covers the place."""

    columns: list[Column]
    head: list[list[Cell | None]]
    body: list[list[Cell | None]]
    caption: Caption | None = None
    source: list[Inline] | None = None
    style: str = "grid"  # grid | stats
    foot: list[list[Cell | None]] = field(default_factory=list)
    loc: Loc | None = None
    spec: object = None  # a table from data, before `resolve`
    note: list[Inline] | None = None  # printed on its own line under the source


@dataclass
class Figure:
    """An image file with its caption; `path` is absolute and checked to exist."""

    path: str
    caption: Caption | None = None
    source: list[Inline] | None = None
    width: float = 1.0  # share of the text width
    alt: str = ""
    loc: Loc | None = None
    note: list[Inline] | None = None  # printed on its own line under the source


@dataclass
class PageBreak:
    loc: Loc | None = None


@dataclass
class Series:
    """One data series of a chart, with values already evaluated."""

    name: str
    values: list[float | None]  # None: no value for that category (a gap)
    kind: str = ""  # bar | line (for bar_line charts); empty = the chart's type
    axis: str = "left"  # left | right
    labels: list[str] = field(default_factory=list)  # formatted value labels, one per value
    x: list[float] = field(default_factory=list)  # scatter / bubble: x values
    sizes: list[float] = field(default_factory=list)  # bubble: sizes
    points: list[str] = field(default_factory=list)  # scatter / bubble: point names


@dataclass
class Chart:
    """A chart to draw. Before `resolve` `spec` holds its raw settings; after, the fields are set."""

    type: str  # bar | barh | grouped_bar | stacked_bar | line | pie | donut | bar_line | scatter | bubble
    categories: list[str] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    caption: Caption | None = None
    source: list[Inline] | None = None
    title: str = ""
    x_label: str = ""
    y_label: str = ""
    y2_label: str = ""
    value_labels: bool = False
    quadrants: dict | None = None  # scatter: {"x": float, "y": float, "labels": [4 names]}
    note: list[Inline] | None = None
    width: float = 1.0
    height: float = 0.6  # height as a share of the width
    spec: object = None
    loc: Loc | None = None


Block = Union[Text, Paragraph, ListBlock, Quote, Callout, Table, Figure, PageBreak, Chart]


@dataclass
class Section:
    """A heading and what follows it; `number` is the formatted prefix ("一、", "1.1")."""

    title: list[Inline]
    level: int
    blocks: list[Block] = field(default_factory=list)
    children: list["Section"] = field(default_factory=list)
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


@dataclass
class Meta:
    id: str
    title: str
    subtitle: str = ""
    edition: str = ""
    date: str = ""
    author: str = ""
    logo: str | None = None  # absolute path


@dataclass
class Document:
    """A resolved edition: one report in one locale, ready for any writer."""

    meta: Meta
    locale: str
    sections: list[Section]
    terms: dict[str, str] = field(default_factory=dict)
    front: list[Block] = field(default_factory=list)  # blocks before the first heading

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


def to_json(node, indent: int | None = 1) -> str:
    """The tree as JSON, for debugging and snapshot tests (and, compact, for hashing)."""

    def convert(value):
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        if isinstance(value, list):
            return [convert(v) for v in value]
        if is_dataclass(value) and not isinstance(value, Loc):
            out = {"type": type(value).__name__}
            for name, item in vars(value).items():
                out[name] = convert(item)
            return out
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, Loc):
            return str(value)
        return value

    return json.dumps(convert(node), ensure_ascii=False, indent=indent)
