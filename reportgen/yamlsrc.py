"""Safe YAML reading that keeps a file:line:col for every value and refuses traps.

Values come back as plain Python data, except that mappings are `YMap` and sequences
`YList`, which remember where each of their items was written.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

from .errors import Diagnostic, Loc, ReportgenError
from .files import limit_bytes, read_project_file

# Bounds an alias bomb ("billion laughs"): no real spec comes near this many values.
MAX_VALUES = 200_000


class YMap(dict):
    """A mapping with the location of itself, of each key and of each value."""

    loc: Loc
    key_locs: dict
    locs: dict
    texts: dict  # the source text of each scalar value, as written (for number precision)

    def loc_of(self, key) -> Loc:
        return self.locs.get(key, self.loc)

    def text_of(self, key) -> str | None:
        """The value at `key` as text, exactly as written (see `as_written`)."""
        return as_written(self.get(key), self.texts.get(key))


class YList(list):
    """A sequence with the location of itself and of each item."""

    loc: Loc
    locs: list
    texts: list
    # Where each item and the list itself were written, as 1-based lines: an item's first line
    # (its `-`, for a block scalar too) and the first line after the list. A later build
    # re-reads only the items whose lines changed (see kept_spec.py).
    starts: list
    after: int

    def loc_of(self, index: int) -> Loc:
        return self.locs[index] if 0 <= index < len(self.locs) else self.loc

    def text_of(self, index: int) -> str | None:
        """The item at `index` as text, exactly as written (see `as_written`)."""
        text = self.texts[index] if 0 <= index < len(self.texts) else None
        return as_written(self[index], text)


def as_written(value, text: str | None) -> str | None:
    """A scalar for a place that holds text: the characters the author typed.

    YAML reads `010`, `1.10`, `1e3`, `true` or `~` as numbers, booleans or null; a title or
    a table cell should print them as typed, not as `10`, `1.1`, `1000.0`, `True` or `None`.
    Strings are returned as read (escapes and folding applied); an empty value is None.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, (YMap, YList)):
        return None
    if text is not None and text != "":
        return text
    return None if value is None else str(value)


def loc_of(value, default: Loc) -> Loc:
    """The location of a YMap/YList, or `default` for a scalar."""
    return getattr(value, "loc", default)


class _Source:
    """The file being read: its name in messages, its lines (for block scalars) and length,
    and whether a node was met twice (an alias)."""

    def __init__(self, display: str, text: str, whole: str | None = None):
        self.display = display
        self.lines = (whole or text).split("\n")
        self.size = len(text)
        self.seen: set[int] = set()
        self.aliased = False


def _loc(src: _Source, node: yaml.Node) -> Loc:
    mark = node.start_mark
    style = getattr(node, "style", None) or ""
    if isinstance(node, yaml.ScalarNode) and style in ("|", ">") and mark.line + 1 < len(src.lines):
        # Point at the first line of a block scalar's content, not at its `|` indicator.
        line_text = src.lines[mark.line + 1]
        indent = len(line_text) - len(line_text.lstrip(" "))
        return Loc(src.display, mark.line + 2, indent + 1, style)
    return Loc(src.display, mark.line + 1, mark.column + 1, style if isinstance(node, yaml.ScalarNode) else "")


# ---------------------------------------------------------------- the number rule
#
# YAML 1.1 (PyYAML's default) reads `010` as 8, `0x1F` as 31, `1_000` as 1000, `yes`/`off`
# as booleans and `2024-01-01` as a date. reportgen reads the YAML 1.2 core schema instead,
# restricted to decimal numbers: an integer is `[-+]?[0-9]+` (`010` is ten), a float has a
# `.` or an exponent (`1.10`, `.5`, `1e3`, `.inf`, `.nan`), only `true`/`false` are
# booleans, only `~`, `null` and an empty value are null. Everything else (`0x1F`, `0o17`,
# `1_000`, `yes`, `2024-01-01`) is a string; data files refuse the number-like ones.

_CORE_RESOLVERS = [
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("tag:yaml.org,2002:int", r"[-+]?[0-9]+", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
     "-+0123456789."),
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    # Resolved only so that `<<:` gets its own clear refusal below.
    ("tag:yaml.org,2002:merge", r"<<", "<"),
]


def _construct_int(loader, node) -> int:
    text = loader.construct_scalar(node)
    if not re.fullmatch(r"[-+]?[0-9]+", text):
        raise ValueError(f"`{text}` is not a decimal whole number")
    return int(text, 10)


def _construct_float(loader, node) -> float:
    text = loader.construct_scalar(node)
    special = text.lstrip("+-").lower()
    if special in (".inf", ".nan"):
        value = math.inf if special == ".inf" else math.nan
        return -value if text.startswith("-") else value
    return float(text)


def _core_schema(cls):
    """Give a PyYAML loader class (pure-Python or libyaml) reportgen's number rule."""
    cls.yaml_implicit_resolvers = {}
    for tag, pattern, first in _CORE_RESOLVERS:
        cls.add_implicit_resolver(tag, re.compile(f"^(?:{pattern})$"), list(first))
    cls.add_constructor("tag:yaml.org,2002:int", _construct_int)
    cls.add_constructor("tag:yaml.org,2002:float", _construct_float)
    return cls


@_core_schema
class _Loader(yaml.SafeLoader):
    """SafeLoader used only to compose nodes and construct scalars."""


# libyaml's parser, when PyYAML has it, is about ten times faster; the pure-Python one
# words its error messages better, so it re-reads a file that has an error. Both resolve
# scalars with the same (Python) resolver, so they agree on every value.
_FastLoader = _core_schema(type("_FastLoader", (yaml.CSafeLoader,), {})) if hasattr(yaml, "CSafeLoader") else None


def read_text(path: Path, display: str, root: Path | None = None, kind: str = "spec",
              loc: Loc | None = None) -> str:
    """Read a UTF-8 file (a BOM is accepted) or raise a located error.

    The file must be a regular file inside `root` (when given) and within the size limit
    of its `kind` (`files.LIMITS`: REPORTGEN_MAX_SPEC_MB, REPORTGEN_MAX_DATA_MB).
    """
    raw = read_project_file(path, root, display, limit_bytes(kind), loc=loc, kind=kind)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise ReportgenError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            Loc(display, line, col),
        )


def load(path: Path, display: str | None = None, root: Path | None = None, kind: str = "spec"):
    """Parse one YAML file into located values; raise ReportgenError on any problem.

    With `root`, the file must lie inside that folder (symlinks followed); `kind` picks
    the size limit (`files.LIMITS`)."""
    display = display or str(path)
    text = read_text(path, display, root, kind)
    if root is None:
        return loads(text, display)
    return _kept_loads(text, display, root)


def _kept_loads(text: str, display: str, root: Path):
    """`loads`, kept in the project's cache under the text, its name and what parses it: a
    rebuild reads a layout or a data file unchanged since the last build without composing
    it again (PyYAML composes in Python). A file with a problem is parsed, and reported,
    every time."""
    import hashlib
    import pickle

    from .cachefiles import installed_version, intact, save
    from .fonts import cache_dir
    from .incremental import toolkit_hash

    digest = hashlib.sha256("\0".join([toolkit_hash(), installed_version("PyYAML", "yaml"), display, text])
                            .encode("utf-8", "surrogatepass")).hexdigest()
    kept = cache_dir(root) / "yaml" / f"{digest[:32]}.pickle"
    if intact(kept):
        try:
            return pickle.loads(kept.read_bytes())
        except Exception:  # noqa: BLE001 - an unreadable cache entry costs a parse, never the build
            pass
    value = loads(text, display)
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        kept.parent.mkdir(parents=True, exist_ok=True)
        save(kept, lambda tmp: tmp.write_bytes(data))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # a cache that cannot be written costs time, never the build
    return value


def _compose(text: str, display: str):
    """The node tree of `text`, and the loader class that composed it."""
    loader = (_FastLoader or _Loader)(text)
    try:
        try:
            return loader.get_single_node(), loader
        except yaml.YAMLError:
            if _FastLoader is None:
                raise
            loader.dispose()
            loader = _Loader(text)
            return loader.get_single_node(), loader
    except yaml.MarkedYAMLError as exc:
        raise ReportgenError(_yaml_error(exc, display)) from None
    except yaml.YAMLError as exc:
        raise ReportgenError(f"not valid YAML: {exc}", Loc(display))
    finally:
        loader.dispose()


def loads(text: str, display: str, whole: str | None = None):
    """Parse YAML text (named `display` in messages) into located values. `whole`, when
    given, is the file `text` is lines of (the other lines blank): a location looks at the
    lines around it there."""
    if not text.strip():
        raise ReportgenError("the file is empty; it should hold a YAML mapping", Loc(display, 1, 1))
    node, loader = _compose(text, display)
    if node is None:
        raise ReportgenError("the file is empty; it should hold a YAML mapping", Loc(display, 1, 1))
    marked = _mark_cjk_breaks(text, node)
    if marked is not None:
        node, loader = _compose(marked, display)
    budget = [MAX_VALUES]
    source = _Source(display, marked or text, whole)
    value = _convert(node, source, loader, budget, set())
    if isinstance(value, (YMap, YList)):
        value.aliased = source.aliased
        value.values = MAX_VALUES - budget[0]  # how many values the file holds
    return value


# ---------------------------------------------------------------- folding CJK lines
#
# YAML folds a line break inside a `>` block, a plain or a quoted scalar into one space.
# Chinese and Japanese put no space between words, so "甲乙丙丁" wrapped after 丁 would read
# "甲乙丙丁 戊己" in the PDF, the DOCX and the translation catalogs alike. Where the last
# character of a line and the first of the next are both CJK, the source is re-read with
# a marker at the end of the line, and the marker with the space YAML folded after it is
# removed from the value: YAML's own folding rules (escapes, indentation, blank lines
# that stay line breaks) apply unchanged, only those spaces go. Latin words keep theirs.

_MARK = "\ufdd0"  # a Unicode noncharacter: never part of real text, allowed in YAML
_FOLDED_STYLES = (None, "", ">", '"', "'")
_CJK_RANGES = (
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation: 。、「」
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x31A0, 0x31FF),  # bopomofo extended, CJK strokes, katakana extensions
    (0x3200, 0x9FFF),  # enclosed CJK, compatibility, extension A, unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms (vertical punctuation)
    (0xFF00, 0xFF60),  # full-width forms: ，！（）
    (0xFFE0, 0xFFE6),  # full-width signs
    (0x20000, 0x3FFFF),  # extensions B and later
)
# Punctuation Chinese shares with Latin text: joined without a space only beside CJK.
_SHARED_PUNCT = set("“”‘’—…·")


def is_cjk(ch: str) -> bool:
    """True for a Han, kana, bopomofo or full-width (CJK punctuation) character."""
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def _fullwidth_punct(ch: str) -> bool:
    code = ord(ch)
    return 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFF0F or 0xFF1A <= code <= 0xFF20 or (
        0xFF3B <= code <= 0xFF40) or 0xFF5B <= code <= 0xFF65


def joins_without_space(left: str, right: str) -> bool:
    """Whether a line break between these two characters is read as no space at all."""
    if is_cjk(left) and is_cjk(right):
        return True
    if _fullwidth_punct(left) and (right.isalnum() or _fullwidth_punct(right)) or (
            _fullwidth_punct(right) and left.isalnum()):
        return True  # full-width punctuation carries its own spacing: "中文，English"
    return (is_cjk(left) and right in _SHARED_PUNCT) or (left in _SHARED_PUNCT and is_cjk(right))


def _mark_cjk_breaks(text: str, root) -> str | None:
    """`text` with a marker after each CJK line end folded into a CJK line start, or None."""
    if _MARK in text:
        return None  # the marker would be ambiguous; YAML's plain folding is kept
    lines = text.split("\n")
    marks: set[int] = set()
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif node.style in _FOLDED_STYLES and node.end_mark.line > node.start_mark.line:
            # The pairs (line, next line) of the scalar; for a block the last pair reaches
            # the line after it, where a marker would only stand before a kept break.
            # A block's first line holds its `>` indicator, not text.
            first = node.start_mark.line + (1 if node.style == ">" else 0)
            for number in range(first, min(node.end_mark.line, len(lines) - 1)):
                left = lines[number].rstrip(" \t\r")
                right = lines[number + 1].lstrip(" \t")
                if left and right and joins_without_space(left[-1], right[0]):
                    marks.add(number)
    if not marks:
        return None
    for number in marks:
        line = lines[number]
        content = line.rstrip(" \t\r")
        lines[number] = content + _MARK + line[len(content):]
    return "\n".join(lines)


def _unmark(value: str) -> str:
    # The marker stands where YAML folded a line break; a kept break ("\n") stays.
    if _MARK not in value:
        return value
    return value.replace(_MARK + " ", "").replace(_MARK, "")


def _yaml_error(exc: yaml.MarkedYAMLError, display: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    loc = Loc(display, mark.line + 1, mark.column + 1) if mark else Loc(display)
    problem = exc.problem or "not valid YAML"
    hint = ""
    if "\\t" in problem or "'\\t'" in str(exc) or "tab" in problem:
        problem = "a tab character is used for indentation"
        hint = "; indent with spaces"
    elif "mapping values are not allowed" in problem:
        hint = "; a `key: value` is not indented to match its neighbours, or a value holding `: ` needs quotes"
    elif "expected <block end>" in problem or "did not find expected" in problem:
        hint = "; check the indentation of this line against the lines above"
    context = f" ({exc.context})" if exc.context else ""
    return Diagnostic(loc, f"YAML syntax: {problem}{context}{hint}", code="yaml")


# The tags plain YAML data may carry; anything else (`!!python/...`, custom tags) is refused.
_STR = "tag:yaml.org,2002:str"
SAFE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")}


def _convert(node, path: _Source, loader, budget, active):
    if id(node) in path.seen:
        path.aliased = True
    else:
        path.seen.add(id(node))
    if node.tag not in SAFE_TAGS:
        raise ReportgenError(f"the tag `{node.tag.replace('tag:yaml.org,2002:', '!!')}` is not allowed; "
                             "reportgen reads plain YAML data only", _loc(path, node))
    budget[0] -= 1
    if budget[0] < 0:
        raise ReportgenError(
            "the YAML expands to too many values (an alias bomb?); remove the nested aliases",
            _loc(path, node),
        )
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR:  # text, the usual value: what the str constructor would give
            return _unmark(node.value)
        try:
            value = loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise ReportgenError(f"bad value: {getattr(exc, 'problem', None) or exc}", _loc(path, node))
        except (ValueError, TypeError, OverflowError) as exc:
            # An explicit tag on a value it cannot hold: `!!float abc`, `!!timestamp 2025-02-30`.
            raise ReportgenError(f"bad value `{_unmark(node.value)}` for its tag: {exc}", _loc(path, node))
        return _unmark(value) if isinstance(value, str) else value
    if id(node) in active:
        raise ReportgenError("a YAML alias refers to itself", _loc(path, node))
    active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            out = YList()
            out.loc = _loc(path, node)
            out.locs = []
            out.texts = []
            out.starts = []
            end = node.end_mark
            out.after = len(path.lines) + 1 if end.index >= path.size else end.line + 1
            for item in node.value:
                out.append(_convert(item, path, loader, budget, active))
                out.locs.append(_loc(path, item))
                out.starts.append(item.start_mark.line + 1)
                out.texts.append(_unmark(item.value) if isinstance(item, yaml.ScalarNode) else None)
            return out
        out = YMap()
        out.loc = _loc(path, node)
        out.key_locs = {}
        out.locs = {}
        out.texts = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ReportgenError(
                    "merge keys (`<<:`) are not supported; write the keys out", _loc(path, key_node)
                )
            key = _convert(key_node, path, loader, budget, active)
            if isinstance(key, (YMap, YList)):
                raise ReportgenError("a mapping key must be a plain value", _loc(path, key_node))
            if key in out:
                first = out.key_locs[key]
                raise ReportgenError(
                    f"duplicate key `{key}` (first at line {first.line}); keep one of them",
                    _loc(path, key_node),
                )
            out[key] = _convert(value_node, path, loader, budget, active)
            out.key_locs[key] = _loc(path, key_node)
            out.locs[key] = _loc(path, value_node)
            out.texts[key] = _unmark(value_node.value) if isinstance(value_node, yaml.ScalarNode) else None
        return out
    finally:
        active.discard(id(node))
