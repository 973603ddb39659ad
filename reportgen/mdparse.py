"""Python-Markdown, configured as reportgen reads Markdown: the parser whose element tree
`mdconv` turns into model nodes (imported by it only when a text holds Markdown).

Raw HTML and entities are not markup; smarty's quotes and dashes are characters; a bare URL
keeps its quotes and dashes; straight double quotes in Chinese are paired by their neighbours
(`_ChineseQuotes`). See `mdconv` for what the tree becomes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown import util as md_util
from markdown.extensions.smarty import SmartyExtension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

# What smarty writes, as characters rather than HTML entities: the model holds text.
SMART = {
    "left-single-quote": "\u2018", "right-single-quote": "\u2019",
    "left-double-quote": "\u201c", "right-double-quote": "\u201d",
    "ndash": "\u2013", "mdash": "\u2014",
}
_SMART_CHARS = frozenset(SMART.values())
_STASHED = re.compile(re.escape(md_util.STX) + r"wzxhzdk:(\d+)" + re.escape(md_util.ETX))


class _Capture(Treeprocessor):
    """Keeps the finished element tree; runs after every other tree processor.

    Smarty leaves its quotes and dashes in Python-Markdown's stash (placeholders in the
    text); they are put back here, other stashed HTML (footnote back-links) is dropped later.
    """

    def run(self, root):
        blocks = self.md.htmlStash.rawHtmlBlocks

        def unstash(match: re.Match) -> str:
            index = int(match.group(1))
            value = blocks[index] if index < len(blocks) else None
            return value if value in _SMART_CHARS else match.group(0)

        for element in root.iter():
            for attr in ("text", "tail"):
                value = getattr(element, attr)
                if value and md_util.STX in value:
                    new = _STASHED.sub(unstash, value)
                    setattr(element, attr, md_util.AtomicString(new) if isinstance(value, md_util.AtomicString) else new)
        self.md.captured = root
        return root


class _BareURL(InlineProcessor):
    """A URL written out in the text stays as written: smarty makes no quote or dash in it."""

    def handleMatch(self, match, data):
        return md_util.AtomicString(match.group(0)), match.start(0), match.end(0)


_URL = r"\b(?:https?|ftp)://[^\s<>\"'\u201c\u201d]*[^\s<>\"'.,;:!?)\]}\u201c\u201d]"

# Blocks whose inline text is paired as one run (a nested block is a run of its own).
_QUOTE_BLOCKS = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "blockquote", "div"}
_OPEN_BEFORE = set("（(「『【〔《〈“‘[{—：:，,、。；;！？!?")
_CLOSE_AFTER = set("，。、；：！？）」』】〕》〉”’,.;:!?)]}")


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


class _ChineseQuotes(Treeprocessor):
    """Straight double quotes in a block with Han characters, made `“` or `”`.

    A quote after a space, an opening mark or a clause's punctuation opens; one before a
    space or closing punctuation closes; one between two characters (Chinese writes no
    spaces: `称为"智慧医疗"的`) alternates with the quote before it in the block.
    """

    def run(self, root):
        for element in root.iter():
            if element.tag in _QUOTE_BLOCKS:
                self._pair(element)
        return root

    @staticmethod
    def _slots(element, out: list, top: bool = True) -> list:
        """(element, attribute) of each piece of the block's own text, in reading order."""
        if element.text and not isinstance(element.text, md_util.AtomicString):
            out.append((element, "text"))
        for child in element:
            if child.tag not in _QUOTE_BLOCKS:
                _ChineseQuotes._slots(child, out, False)
            if child.tail and not isinstance(child.tail, md_util.AtomicString):
                out.append((child, "tail"))
        return out

    def _pair(self, element) -> None:
        slots = self._slots(element, [])
        pieces = [getattr(e, a) for e, a in slots]
        text = "".join(pieces)
        if '"' not in text or not _has_han(text):
            return
        chars, is_open = list(text), False
        for i, ch in enumerate(chars):
            if ch != '"':
                continue
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if (not after or after.isspace() or after in _CLOSE_AFTER) and before and not before.isspace():
                opening = False
            elif not before or before.isspace() or before in _OPEN_BEFORE:
                opening = True
            else:
                opening = not is_open
            chars[i] = "\u201c" if opening else "\u201d"
            is_open = opening
        new, start = "".join(chars), 0
        for (owner, attr), piece in zip(slots, pieces):
            setattr(owner, attr, new[start:start + len(piece)])
            start += len(piece)


def _make() -> markdown.Markdown:
    # tab_length 2: nested lists indented by two spaces, as most editors write them.
    smarty = SmartyExtension(substitutions=SMART, smart_ellipses=False, smart_angled_quotes=False)
    md = markdown.Markdown(extensions=["sane_lists", "tables", "footnotes", smarty], tab_length=2)
    # Highest priority in smarty's own pass: a URL is hidden from its quote and dash rules.
    smarty.inlinePatterns.register(_BareURL(_URL, md), "reportgen_bare_url", 1000)
    md.treeprocessors.register(_ChineseQuotes(md), "reportgen_chinese_quotes", 7)  # before smarty (6)
    for name in ("html_block",):
        if name in md.preprocessors:
            md.preprocessors.deregister(name)
    for name in ("html", "entity"):
        if name in md.inlinePatterns:
            md.inlinePatterns.deregister(name)
    md.treeprocessors.register(_Capture(md), "reportgen_capture", -100)
    return md


_MD = None


def parse(source: str) -> etree.Element:
    """`source`'s element tree, by one Markdown instance reset for each text."""
    global _MD
    if _MD is None:
        _MD = _make()
    _MD.reset()
    _MD.convert(source)
    return _MD.captured
