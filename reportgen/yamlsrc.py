"""Safe YAML reading that keeps a file:line:col for every value and refuses traps.

Values come back as plain Python data, except that mappings are `YMap` and sequences
`YList`, which remember where each of their items was written.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .errors import Diagnostic, Loc, ReportgenError

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


class YList(list):
    """A sequence with the location of itself and of each item."""

    loc: Loc
    locs: list
    texts: list

    def loc_of(self, index: int) -> Loc:
        return self.locs[index] if 0 <= index < len(self.locs) else self.loc


def loc_of(value, default: Loc) -> Loc:
    """The location of a YMap/YList, or `default` for a scalar."""
    return getattr(value, "loc", default)


class _Source:
    """The file being read: its name in messages, and its lines (for block scalars)."""

    def __init__(self, display: str, text: str):
        self.display = display
        self.lines = text.split("\n")


def _loc(src: _Source, node: yaml.Node) -> Loc:
    mark = node.start_mark
    style = getattr(node, "style", None) or ""
    if isinstance(node, yaml.ScalarNode) and style in ("|", ">") and mark.line + 1 < len(src.lines):
        # Point at the first line of a block scalar's content, not at its `|` indicator.
        line_text = src.lines[mark.line + 1]
        indent = len(line_text) - len(line_text.lstrip(" "))
        return Loc(src.display, mark.line + 2, indent + 1, style)
    return Loc(src.display, mark.line + 1, mark.column + 1, style if isinstance(node, yaml.ScalarNode) else "")


class _Loader(yaml.SafeLoader):
    """SafeLoader used only to compose nodes and construct scalars."""


# libyaml's parser, when PyYAML has it, is about ten times faster; the pure-Python one
# words its error messages better, so it re-reads a file that has an error.
_FastLoader = getattr(yaml, "CSafeLoader", None)


def read_text(path: Path, display: str) -> str:
    """Read a UTF-8 file (a BOM is accepted) or raise a located error."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ReportgenError(f"file not found: {display}", Loc(display))
    except OSError as exc:
        raise ReportgenError(f"cannot read {display}: {exc.strerror}", Loc(display))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ReportgenError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            Loc(display, line, col),
        )


def load(path: Path, display: str | None = None):
    """Parse one YAML file into located values; raise ReportgenError on any problem."""
    display = display or str(path)
    text = read_text(path, display)
    return loads(text, display)


def loads(text: str, display: str):
    """Parse YAML text (named `display` in messages) into located values."""
    if not text.strip():
        raise ReportgenError("the file is empty; it should hold a YAML mapping", Loc(display, 1, 1))
    loader = (_FastLoader or _Loader)(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            if _FastLoader is None:
                raise
            loader.dispose()
            loader = _Loader(text)
            node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise ReportgenError(_yaml_error(exc, display)) from None
    except yaml.YAMLError as exc:
        raise ReportgenError(f"not valid YAML: {exc}", Loc(display))
    finally:
        loader.dispose()
    if node is None:
        raise ReportgenError("the file is empty; it should hold a YAML mapping", Loc(display, 1, 1))
    budget = [MAX_VALUES]
    return _convert(node, _Source(display, text), loader, budget, set())


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
SAFE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp", "merge")}


def _convert(node, path: _Source, loader, budget, active):
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
        try:
            return loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise ReportgenError(f"bad value: {exc}", _loc(path, node))
    if id(node) in active:
        raise ReportgenError("a YAML alias refers to itself", _loc(path, node))
    active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            out = YList()
            out.loc = _loc(path, node)
            out.locs = []
            out.texts = []
            for item in node.value:
                out.append(_convert(item, path, loader, budget, active))
                out.locs.append(_loc(path, item))
                out.texts.append(item.value if isinstance(item, yaml.ScalarNode) else None)
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
            out.texts[key] = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
        return out
    finally:
        active.discard(id(node))
