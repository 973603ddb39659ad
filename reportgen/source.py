"""The spec as written: the nodes `spec.py` loads and `resolve.py` reads.

Source nodes hold what the author wrote — Markdown and `{{ … }}` expressions still
unparsed (`Raw`, `Text`), data expressions still unevaluated — with the location of
each. They never reach a writer: `resolve` turns them into a new tree of the resolved
node kinds of `model.py`, one per edition, and leaves these untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from .errors import Loc
from .model import Column


@dataclass(frozen=True)
class Raw:
    """One piece of Markdown text as written (a title, a cell, a caption)."""

    source: str
    loc: Loc | None = None
    context: str = ""  # the msgctxt its translation is filed under


@dataclass(frozen=True)
class Text:
    """A Markdown text block as written: paragraphs, lists, quotes, tables, footnotes."""

    source: str
    loc: Loc | None = None
    context: str = ""


@dataclass(frozen=True)
class SourceQuote:
    blocks: tuple
    loc: Loc | None = None


@dataclass(frozen=True)
class SourceCallout:
    blocks: tuple
    title: Raw | None = None
    kind: str = "note"  # note | case | quote
    loc: Loc | None = None


@dataclass(frozen=True)
class SourceCell:
    text: Raw
    rowspan: int = 1
    colspan: int = 1
    align: str | None = None


@dataclass(frozen=True)
class SourceField:
    """A column of a table from data: which record key it shows, and how."""

    field: str | None
    format: str = "text"  # text | markdown | number | percent | money | share
    digits: int | None = None
    merge: bool = False
    loc: Loc | None = None


@dataclass(frozen=True)
class SourceRows:
    """Where the rows of a table from data come from."""

    expression: str
    loc: Loc | None
    fields: tuple[SourceField, ...]
    sort: tuple[str, bool] | None = None  # (field, descending)
    total: bool = False


@dataclass(frozen=True)
class SourceTable:
    columns: tuple[Column, ...]
    head: tuple  # rows of SourceCell, None where a span covers the place
    body: tuple
    foot: tuple = ()
    caption: Raw | None = None
    source: Raw | None = None
    note: Raw | None = None
    style: str = "grid"  # grid | stats
    rows: SourceRows | None = None  # set for a table from data
    loc: Loc | None = None


@dataclass(frozen=True)
class SourceFigure:
    path: str
    caption: Raw | None = None
    source: Raw | None = None
    note: Raw | None = None
    width: float = 1.0
    alt: str = ""
    loc: Loc | None = None


@dataclass(frozen=True)
class SourcePageBreak:
    loc: Loc | None = None


@dataclass(frozen=True)
class SourceSeries:
    """One series of a chart: a data expression and how to show its values."""

    data: str
    data_loc: Loc | None
    name: Raw | None = None
    kind: str = ""  # bar | line (bar_line charts); empty = the chart's type
    axis: str = "left"
    labels: str = "number"  # number | percent | money | none
    digits: int | None = None  # decimals of the value labels; None = from the data or the spec
    scale: float | tuple[tuple[str, float], ...] | None = None  # one, or (language, scale) pairs
    x: str | None = None  # scatter / bubble: the record fields of each coordinate
    y: str | None = None
    size: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class SourceQuadrants:
    x: float
    y: float
    labels: tuple[Raw, ...] = ()


@dataclass(frozen=True)
class SourceChart:
    type: str
    series: tuple[SourceSeries, ...]
    categories: str | None = None  # a data expression giving the order of the categories
    categories_loc: Loc | None = None
    caption: Raw | None = None
    source: Raw | None = None
    note: Raw | None = None
    title: Raw | None = None
    x_label: Raw | None = None
    y_label: Raw | None = None
    y2_label: Raw | None = None
    quadrants: SourceQuadrants | None = None
    value_labels: bool = False
    width: float = 1.0
    height: float = 0.6
    context: str = ""  # the msgctxt prefix of its data labels
    loc: Loc | None = None
    alt: Raw | None = None  # the chart described for readers who cannot see it (default: its caption)
    centre: Raw | None = None  # a donut's centre text (default: the total with its unit)
    # The first estimated and the first forecast year: a year or a data expression giving one.
    estimate_from: SourceYear | None = None
    forecast_from: SourceYear | None = None
    cagr: tuple[SourceCagr, ...] = ()


@dataclass(frozen=True)
class SourceYear:
    """A year as written in a chart's spec: a number, or a data expression that gives one."""

    value: int | str
    loc: Loc | None = None


@dataclass(frozen=True)
class SourceCagr:
    """A growth annotation over a period: from/to categories, the series it is computed from,
    or the value given (a number or a data expression), and its label's words and decimals."""

    start: str
    end: str
    series: int | None = None  # which series (None: the first; a stacked chart's totals)
    value: float | str | None = None
    label: Raw | None = None
    digits: int | None = None
    loc: Loc | None = None


SourceBlock = Union[Text, SourceQuote, SourceCallout, SourceTable, SourceFigure, SourcePageBreak, SourceChart]


@dataclass
class SourceSection:
    title: Raw
    level: int
    blocks: list = field(default_factory=list)
    children: list["SourceSection"] = field(default_factory=list)
    anchor: str = ""
    toc: bool = True
    numbered: bool = True
    child_numbering: str | None = None
    page_break: bool = False
    kind: str = "section"  # section | part
    loc: Loc | None = None
