"""Markdown (Python-Markdown) to model blocks and inline runs.

Raw HTML is not markup here: the HTML and entity rules are removed, so `<b>` or
`&amp;` in a spec prints as written, in every writer.

Values from data are never Markdown: `protect` swaps each `{{ … }}` of the author's text
for a one-character token before parsing, and `fill` puts the values in afterwards as
plain text, inside whatever emphasis or link the author wrote around the expression.

The author's straight quotes and dashes become typographic ones here, in the resolved text,
so every writer prints the same: Python-Markdown's smarty turns `"…"` into `“…”`, `'…'`
into `‘…’`, `China's` into `China’s`, `'90s` into `’90s`, `--` into `–` and `---` into
`—`, never inside code spans, link addresses or bare URLs, and never in values from data
(they are filled in after). Smarty reads quote direction from the spaces around a quote,
which Chinese does not write: in a block with Han characters, straight double quotes are
paired by their neighbours first (see `_ChineseQuotes`). `\"` keeps a straight quote.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as etree

from . import model as m
from .errors import Loc

_PLACEHOLDER = re.compile("\x02[^\x03]*\x03")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def _parse(source: str) -> etree.Element:
    """Python-Markdown's element tree of `source`, as reportgen configures it (`mdparse`,
    imported only when a text holds Markdown: most texts are read without it)."""
    from .mdparse import parse

    return parse(source)


# The values of the placeholders in the text being parsed (see `protect`): a line that ends or
# starts with one joins as the value's own first or last character would.
_values: list[str] = []


def _edge(ch: str, last: bool) -> str:
    if _TOKEN_RE.match(ch):
        index = ord(ch) - _TOKEN_BASE
        value = _values[index] if index < len(_values) else ""
        return (value[-1:] if last else value[:1]) or " "
    return ch


def _join_lines(text: str) -> str:
    """Join soft line breaks: no space between two CJK characters, one space otherwise."""
    if "\n" not in text:
        return text
    parts = text.split("\n")
    out = parts[0]
    for part in parts[1:]:
        left = out.rstrip(" ")
        right = part.lstrip(" ")
        if left and right and _CJK.match(_edge(left[-1], True)) and _CJK.match(_edge(right[0], False)):
            out = left + right
        else:
            out = left + " " + right if left and right else left + right
    return out


# Text with none of Markdown's syntax is most text in a report: it is split into paragraphs
# directly, which gives the same tree as Python-Markdown at a fraction of the cost.
# Straight quotes and double hyphens take the Markdown path too: smarty makes them typographic.
_MARKUP = re.compile(r"[*_`\[\]<>#\\|!&~=\"']|--|^\s*(?:[-+]|\d+[.)])(?:\s|$)|^ {2,}\S|  $|\t", re.M)


def is_plain(source: str) -> bool:
    """True when `source` has no Markdown and no `{{ … }}`: it is read without Python-Markdown,
    quicker than anything could be looked up."""
    return "{{" not in source and not _MARKUP.search(source)


def _plain_paragraphs(source: str, loc) -> list:
    out = []
    for chunk in re.split(r"\n[ \t]*\n", source.strip()):
        text = _join_lines("\n".join(line.strip(" ") for line in chunk.split("\n")))
        inlines = _strip([m.Str(text)])
        if inlines:
            out.append(m.Paragraph(inlines, loc))
    return out


def _with_values(parse):
    """`parse` taking the values of the text's placeholders (`protect`) and putting them in."""

    def parse_with(source: str, loc: Loc | None = None, values: list[str] | None = None) -> list:
        global _values
        if not values:
            return parse(source, loc)
        saved, _values = _values, values
        try:
            return fill(parse(source, loc), values)
        finally:
            _values = saved

    parse_with.__doc__, parse_with.__name__ = parse.__doc__, parse.__name__
    return parse_with


@_with_values
def parse_blocks(source: str, loc: Loc | None = None) -> list:
    """Markdown text to a list of model blocks (with `values=`, its placeholders filled)."""
    if not source.strip():
        return []  # Python-Markdown returns early on empty input, leaving its last tree
    source = source.replace("\r\n", "\n").replace("\r", "\n")  # as Python-Markdown does
    if not _MARKUP.search(source):
        return _plain_paragraphs(source, loc)
    return _markdown_blocks(source, loc)


def _markdown_blocks(source: str, loc: Loc | None = None) -> list:
    """Markdown text to blocks through Python-Markdown, whatever the text holds."""
    if not source.strip():
        return []
    root = _parse(source)
    notes = _collect_notes(root)
    return _blocks(root, loc, notes)


@_with_values
def parse_inlines(source: str, loc: Loc | None = None) -> list:
    """Markdown of one line or paragraph (a title, a cell) to inline runs (with `values=`, filled)."""
    blocks = parse_blocks(source, loc)
    inlines: list = []
    for block in blocks:
        if inlines:
            inlines.append(m.LineBreak())
        if isinstance(block, m.Paragraph):
            inlines.extend(block.inlines)
        elif isinstance(block, m.ListBlock):
            for i, item in enumerate(block.items):
                if i:
                    inlines.append(m.LineBreak())
                marker = f"{block.start + i}. " if block.ordered else "• "
                inlines.append(m.Str(marker))
                for sub in item:
                    if isinstance(sub, m.Paragraph):
                        inlines.extend(sub.inlines)
    if not blocks and source.strip():
        inlines.append(m.Str(source.strip()))
    return _merge_str(inlines)


def _collect_notes(root) -> dict:
    notes = {}
    for div in list(root.iter("div")):
        if "footnote" in (div.get("class") or ""):
            for li in div.iter("li"):
                ident = li.get("id", "")
                for a in list(li.iter("a")):
                    if "footnote-backref" in (a.get("class") or ""):
                        _remove(li, a)
                inlines = []
                for child in li:
                    if child.tag == "p":
                        inlines.extend(_inlines(child, {}))
                    else:
                        inlines.extend(_inlines(child, {}))
                notes[ident.replace("fn:", "", 1)] = _strip(_merge_str(inlines))
            _remove(root, div)
    return notes


def _remove(root, target) -> None:
    for parent in root.iter():
        if target in list(parent):
            parent.remove(target)
            return


BLOCK_TAGS = {"p", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr", "pre", "div"}


def _blocks(parent, loc, notes) -> list:
    out: list = []
    # A tight list item holds its text and inline elements directly, not in a <p>.
    pending: list = []
    if parent.text and parent.text.strip() and parent.tag in ("li", "blockquote"):
        pending.append(m.Str(_join_lines(parent.text)))

    def flush():
        if pending:
            inl = _strip(_merge_str(pending[:]))
            if inl:
                out.append(m.Paragraph(inl, loc))
            pending.clear()

    for child in parent:
        tag = child.tag
        if tag not in BLOCK_TAGS:
            pending.extend(_inlines_of(child, notes))  # the element and its tail
            continue
        flush()
        if tag == "p":
            inl = _strip(_merge_str(_inlines(child, notes)))
            if inl:
                out.append(m.Paragraph(inl, loc))
        elif tag in ("ul", "ol"):
            items = [_blocks(li, loc, notes) for li in child if li.tag == "li"]
            start = int(child.get("start", "1") or 1)
            out.append(m.ListBlock(items, ordered=tag == "ol", start=start, loc=loc))
        elif tag == "blockquote":
            out.append(m.Quote(_blocks(child, loc, notes), loc))
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            # A heading inside a text block is emphasis, not structure (sections are in YAML).
            out.append(m.Paragraph([m.Strong(_merge_str(_inlines(child, notes)))], loc))
        elif tag == "table":
            out.append(_table(child, loc, notes))
        elif tag == "pre":
            code = "".join(child.itertext())
            out.append(m.Paragraph([m.Code(code.rstrip("\n"))], loc))
        elif tag == "div":
            out.extend(_blocks(child, loc, notes))
        if child.tail and child.tail.strip() and parent.tag in ("li", "blockquote"):
            pending.append(m.Str(_join_lines(child.tail)))
    flush()
    return out


def _table(element, loc, notes) -> m.Table:
    head, body, aligns = [], [], []
    for section in element:
        rows = head if section.tag == "thead" else body
        for tr in section:
            row = []
            for cell in tr:
                style = cell.get("align") or cell.get("style") or ""
                align = "center" if "center" in style else "right" if "right" in style else None
                if section.tag == "thead":
                    aligns.append(align or "left")
                row.append(m.Cell(_strip(_merge_str(_inlines(cell, notes))), align=align))
            rows.append(row)
    columns = [m.Column(None, a) for a in aligns] or [m.Column() for _ in (body[0] if body else [])]
    return m.Table(columns, head, body, loc=loc)


def _inlines_of(element, notes) -> list:
    return _inline_element(element, notes) + ([m.Str(_join_lines(element.tail))] if element.tail else [])


def _inlines(element, notes) -> list:
    out: list = []
    if element.text:
        out.append(m.Str(_join_lines(element.text)))
    for child in element:
        out.extend(_inline_element(child, notes))
        if child.tail:
            out.append(m.Str(_join_lines(child.tail)))
    return out


def _inline_element(child, notes) -> list:
    tag = child.tag
    if tag == "strong":
        return [m.Strong(_inlines(child, notes))]
    if tag == "em":
        return [m.Emph(_inlines(child, notes))]
    if tag == "code":
        return [m.Code("".join(child.itertext()))]
    if tag == "br":
        return [m.LineBreak()]
    if tag == "sup" and child.get("id", "").startswith("fnref"):
        ident = child.get("id", "").split(":", 1)[-1]
        return [m.NoteRef(0, notes.get(ident, [m.Str(ident)]))]
    if tag == "a":
        return [m.Link(child.get("href", ""), _inlines(child, notes))]
    if tag == "img":
        return [m.Str(child.get("alt", ""))]
    return _inlines(child, notes)


# ---------------------------------------------------------------- placeholders

EXPR_RE = re.compile(r"\{\{(.*?)\}\}", re.S)
# Supplementary Private Use Area-B: no font draws it, no Markdown rule matches it, and one
# character stands for one expression wherever the parser moves it.
_TOKEN_BASE = 0x100000
_TOKEN_RE = re.compile("[\U00100000-\U0010FFFD]")


def protect(text: str) -> tuple[str, list[tuple[str, int]]]:
    """`text` with each `{{ expr }}` replaced by a token; the expressions with their offsets."""
    found: list[tuple[str, int]] = []

    def one(match: re.Match) -> str:
        found.append((match.group(1), match.start(1)))
        return chr(_TOKEN_BASE + len(found) - 1)

    return EXPR_RE.sub(one, text), found


def fill(nodes, values: list[str]):
    """Blocks or inline runs with each token replaced by its value, as plain text."""
    if not values:
        return nodes
    return tuple(_fill(n, values) for n in nodes) if isinstance(nodes, tuple) else [_fill(n, values) for n in nodes]


def _fill_text(text: str, values: list[str]) -> str:
    return _TOKEN_RE.sub(lambda match: values[ord(match.group(0)) - _TOKEN_BASE], text)


def _fill_inlines(inlines, values: list[str]) -> tuple:
    out = []
    for node in inlines:
        node = _fill(node, values)
        if isinstance(node, m.Str) and out and isinstance(out[-1], m.Str):
            out[-1] = m.Str(out[-1].text + node.text)
        elif not (isinstance(node, m.Str) and not node.text):
            out.append(node)
    return tuple(out)


def _fill(node, values: list[str]):
    if node is None:
        return None
    if isinstance(node, (m.Str, m.Code)):
        return dataclasses.replace(node, text=_fill_text(node.text, values))
    if isinstance(node, m.Link):
        return m.Link(_fill_text(node.url, values), _fill_inlines(node.children, values))
    if isinstance(node, (m.Strong, m.Emph, m.NoteRef)):
        return dataclasses.replace(node, children=_fill_inlines(node.children, values))
    if isinstance(node, m.Paragraph):
        return dataclasses.replace(node, inlines=_fill_inlines(node.inlines, values))
    if isinstance(node, m.ListBlock):
        return dataclasses.replace(node, items=tuple(tuple(_fill(b, values) for b in item) for item in node.items))
    if isinstance(node, (m.Quote, m.Callout)):
        return dataclasses.replace(node, blocks=tuple(_fill(b, values) for b in node.blocks))
    if isinstance(node, m.Cell):
        return dataclasses.replace(node, inlines=_fill_inlines(node.inlines, values))
    if isinstance(node, m.Table):
        rows = {name: tuple(tuple(_fill(c, values) for c in row) for row in getattr(node, name))
                for name in ("head", "body", "foot")}
        return dataclasses.replace(node, **rows)
    return node


def _merge_str(inlines: list) -> list:
    out: list = []
    for node in inlines:
        if isinstance(node, m.Str) and "\x02" in node.text:
            # Python-Markdown's placeholders for back-links we do not print.
            node = m.Str(_PLACEHOLDER.sub("", node.text))
        if isinstance(node, m.Str) and out and isinstance(out[-1], m.Str):
            out[-1] = m.Str(out[-1].text + node.text)
        elif isinstance(node, m.Str) and not node.text:
            continue
        else:
            out.append(node)
    return out


def _strip(inlines: list) -> list:
    if inlines and isinstance(inlines[0], m.Str):
        inlines[0] = m.Str(inlines[0].text.lstrip())
        if not inlines[0].text:
            inlines.pop(0)
    if inlines and isinstance(inlines[-1], m.Str):
        inlines[-1] = m.Str(inlines[-1].text.rstrip())
        if not inlines[-1].text:
            inlines.pop()
    return inlines
