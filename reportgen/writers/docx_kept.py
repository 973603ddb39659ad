"""Blocks of the Word file kept between builds, as the PDF keeps its set paragraphs.

A rebuild after an edit meets the same paragraphs and tables again, and making their
WordprocessingML (runs, cell templates, properties in schema order) is a good part of the
Word writer's time (a table's elements are parsed back in about a quarter of the time it
takes to make them). `KeptBlocks` keeps each block's elements as XML text in a file of the
project's cache (`docx-<id>-<locale>.pickle`); a later build parses the text of an unchanged
block back (lxml, with python-docx's element classes) instead of making it again.

Only a block that touches nothing but its own elements is kept: one holding a footnote (the
footnotes part, note ids), a link (relationship ids, bookmarks of other headings), a figure
or a chart (image and chart parts, shape ids) or a list (numbering instances) is made every
time, and so is a quote, call-out or table holding one. Such a block is recognised by the
node types of its content (a list of the types that are safe, so a new kind of node is made
until it is known to be safe).

A block's key is its content without locations (`incremental.plain_json`), where it stands
(`_Ctx`: width, paragraph style, list nesting) and the look the writer gives it (`look`:
the layout, the style ids of this document, the fonts, the languages, the reference
document, the edition's terms); the file as a whole is keyed by reportgen's code and the
versions of python-docx and lxml.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from pathlib import Path

from docx.oxml.parser import oxml_parser
from lxml import etree

from .. import model as m

# Node types a kept block may hold: the blocks and inlines whose elements follow from
# themselves and the look alone.
SAFE_TYPES = frozenset({"Paragraph", "Quote", "Callout", "Table", "Caption", "Column", "Cell",
                        "Str", "Strong", "Emph", "Code", "LineBreak"})
KEPT_BLOCKS = (m.Paragraph, m.Quote, m.Callout, m.Table)
_TYPE = re.compile(r'"type":"(\w+)"')  # a node's type in plain_json (a text's quotes are escaped)


def kept_path(folder: Path, doc: m.Document) -> Path:
    """The file of `folder` where an edition's Word blocks are kept."""
    return folder / f"docx-{doc.meta.id}-{doc.locale}.pickle"


class KeptBlocks:
    """One edition's kept blocks: those an earlier build kept in `path` (None: keep nothing),
    and those this build makes or takes, written back by `save`."""

    def __init__(self, path: Path | None, known_json: dict | None = None):
        self.path = path
        self._known_json = known_json
        self._settings = _settings_key() if path is not None else ""
        self._kept = _read(path, self._settings) if path is not None else {}
        self._used: dict[bytes, tuple[bytes, ...]] = {}
        self._look = b""

    def set_look(self, look: str) -> None:
        """What every block's elements follow from besides the block and where it stands."""
        self._look = hashlib.blake2b(look.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def key(self, block, where: str, pres) -> bytes | None:
        """The key of `block` rendered at `where` (the context's repr) with the decisions of
        `pres` (`present.Presentation`: its tables' widths); None when it is not to be kept."""
        if self.path is None or not isinstance(block, KEPT_BLOCKS):
            return None
        from ..incremental import node_json

        content = node_json(block, self._known_json)
        if not SAFE_TYPES.issuperset(_TYPE.findall(content)):
            return None
        boxes = repr([pres.table_box(table) for table in _tables(block)])
        return hashlib.blake2b(self._look + where.encode() + b"\0" + boxes.encode() + b"\0"
                               + content.encode("utf-8", "surrogatepass"), digest_size=20).digest()

    def take(self, key: bytes) -> list | None:
        """New elements of a kept block, or None."""
        texts = self._kept.get(key)
        if texts is None:
            return None
        try:
            elements = [etree.fromstring(text, oxml_parser) for text in texts]
        except (etree.LxmlError, TypeError, ValueError):  # a damaged entry is made again
            return None
        self._used[key] = texts
        return elements

    def keep(self, key: bytes, elements: list) -> None:
        """Keep the elements just made for `key` (before anything outside the block changes them)."""
        self._used[key] = tuple(etree.tostring(node, encoding="UTF-8", with_tail=False) for node in elements)

    def save(self) -> None:
        """Write this build's blocks for the next one, when they differ from what was read.
        Blocks this build did not use stay as long as they are fewer than those it did (as
        the PDF's kept paragraphs do): a block edited back and forth is found again."""
        if self.path is None:
            return
        union = {**self._kept, **self._used}
        pruned = len(union) > 2 * len(self._used) + 64
        if pruned:
            union = dict(self._used)
        if not pruned and not self._used.keys() - self._kept.keys():
            return
        from ..cachefiles import save

        data = pickle.dumps((self._settings, union), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            save(self.path, lambda tmp: tmp.write_bytes(data))
        except OSError:  # a cache that cannot be written costs time, not correctness
            pass


def _tables(block):
    """The tables of a kept block, its own quotes and call-outs included."""
    if isinstance(block, m.Table):
        yield block
    elif isinstance(block, (m.Quote, m.Callout)):
        for inner in block.blocks:
            yield from _tables(inner)


def _settings_key() -> str:
    """What every kept block depends on besides its key: reportgen's code and the libraries
    that make and write the elements."""
    import docx

    from ..incremental import toolkit_hash

    parts = [toolkit_hash(), docx.__version__, repr(etree.LXML_VERSION), repr(etree.LIBXML_VERSION)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _read(path: Path, settings: str) -> dict:
    """The blocks an earlier build kept in `path`, if kept under `settings`."""
    from ..cachefiles import intact

    if not intact(path):
        return {}
    try:
        kept_settings, blocks = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - an unreadable cache costs time, never the build
        return {}
    if kept_settings != settings or not isinstance(blocks, dict):
        return {}
    return blocks
