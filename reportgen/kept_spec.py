"""A report's spec kept between builds, and patched where only some of its blocks changed.

Reading a long spec (PyYAML composing every node, every value located, every block checked
against the schema) is a large part of a rebuild after a small edit. A spec read without a
single problem is kept here with the text of each file it read (itself and its included
fragments) and where each item of its `blocks` lists was written (`spec.BlockSpan`). When a
later build finds one of those files changed only within the lines of some adjacent items
of one list, it reads those lines alone, padded with empty lines so that every location is
where it is in the file, and puts the blocks they give in place of the blocks the old items
gave; every later location in that file moves by the lines added or removed. Anything else
reads the whole spec as before: a change elsewhere, two files changed, an image or logo the
spec names changed, a problem in the new lines, an include or an alias among them, an alias
anywhere in the file, another version of reportgen or of the limits.
"""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

from .errors import Diagnostics

# Bump when what is kept changes shape.
FORMAT_VERSION = "1"


@dataclasses.dataclass
class _Watch:
    """What `spec.load_spec` reports of a full read."""

    spans: list = dataclasses.field(default_factory=list)
    checked: list = dataclasses.field(default_factory=list)
    texts: dict = dataclasses.field(default_factory=dict)  # path -> (text, values)


@dataclasses.dataclass(frozen=True)
class _Span:
    """A kept `BlockSpan`: its file, its lines [start, end), its list's column, which blocks
    list it filled (`_container`) and which of that list's blocks it gave."""

    path: str  # as messages name it
    start: int
    end: int
    col: int
    container: tuple
    first: int
    stop: int
    base: str
    ctx: str


@dataclasses.dataclass(frozen=True)
class _Text:
    """A file the spec read: where it is, its text, and at most how many values it holds
    (yamlsrc.MAX_VALUES bounds them)."""

    path: str
    text: str
    values: int


@dataclasses.dataclass(frozen=True)
class _Kept:
    texts: dict  # display name -> _Text, for the spec and each fragment read
    files: dict  # every file the spec read or named -> its digest
    spans: tuple  # sorted by file, then line
    spec: bytes  # the Spec, pickled


def load(path: Path, root: Path, folder: Path, later: list | None = None):
    """`spec.load_spec(path, root)`, from the spec kept in `folder` when only some of its
    blocks changed; the result is kept for the next build (by a call put in `later`, when
    given)."""
    from .spec import load_spec

    from .kept import kept_path

    where = kept_path(folder, path).with_suffix(".spec")
    kept = _read(where, root)
    if kept is not None:
        try:
            found = _patched(kept, path, root)
        except Exception:  # noqa: BLE001 - a kept spec that cannot be patched costs a full read, never the build
            found = None
        if found is not None:
            spec, patched = found
            if patched is not kept:
                _keep(where, root, patched, spec, later)
            return spec, Diagnostics()
    watch = _Watch()
    spec, diags = load_spec(path, root, watch)
    if spec is not None and not diags.items and watch.texts:
        fresh = _record(spec, watch, root)
        if fresh is not None:
            _keep(where, root, fresh, spec, later)
    return spec, diags


# ---------------------------------------------------------------- keeping


def _containers(spec) -> dict:
    """id(blocks list) -> where it is in the spec: ("front",) or ("sections", i, j, ...)."""
    out = {id(spec.front): ("front",)}

    def walk(sections, at):
        for i, section in enumerate(sections):
            out[id(section.blocks)] = at + (i,)
            walk(section.children, at + (i,))

    walk(spec.sections, ("sections",))
    return out


def _container(spec, at: tuple) -> list:
    if at == ("front",):
        return spec.front
    sections = spec.sections
    for i in at[1:-1]:
        sections = sections[i].children
    return sections[at[-1]].blocks


def _record(spec, watch: _Watch, root: Path) -> _Kept | None:
    """What to keep of a spec read in full without a problem."""
    from .files import display_path
    from .incremental import file_digest

    texts = {display_path(p, root): _Text(str(Path(p).resolve()), text, values) for p, (text, values) in watch.texts.items()}
    if len(texts) != len(watch.texts):
        return None
    containers = _containers(spec)
    spans = []
    for span in watch.spans:
        at = containers.get(id(span.blocks))
        if span.path not in texts or at is None:
            continue  # a list inside an included block: re-read with the whole spec
        spans.append(_Span(span.path, span.start, span.end, span.col, at, span.first, span.stop,
                           str(span.base), span.ctx))
    spans.sort(key=lambda s: (s.path, s.start))
    if any(a.path == b.path and a.end > b.start for a, b in zip(spans, spans[1:])) or \
            any(s.start >= s.end for s in spans):
        return None  # lines that are not one item's alone (a fragment read twice): nothing to patch
    files = {str(Path(p).resolve()): "" for p in [*watch.texts, *spec.files, *watch.checked]}
    files = {name: file_digest(Path(name)) for name in files}
    return _Kept(texts, files, tuple(spans), b"")


def _keep(where: Path, root: Path, kept: _Kept, spec, later: list | None) -> None:
    # The spec as read: the caller adds the data files and catalogs to its `files` meanwhile.
    spec = dataclasses.replace(spec, files=list(spec.files))

    def save():
        from .cachefiles import save as save_file
        from .kept import settings_key

        try:
            blob = dataclasses.replace(kept, spec=pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL))
            data = pickle.dumps((FORMAT_VERSION, settings_key(root, set()), blob), protocol=pickle.HIGHEST_PROTOCOL)
            save_file(where, lambda tmp: tmp.write_bytes(data))
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            pass  # a cache that cannot be written costs time, never the build

    if later is None:
        save()
    else:
        later.append(save)


def _read(where: Path, root: Path) -> _Kept | None:
    from .cachefiles import intact
    from .kept import settings_key

    try:
        if not intact(where):
            return None
        version, key, kept = pickle.loads(where.read_bytes())
        if version != FORMAT_VERSION or key != settings_key(root, set()) or not isinstance(kept, _Kept):
            return None
        return kept
    except Exception:  # noqa: BLE001 - an unreadable cache costs a full read, never the build
        return None


# ---------------------------------------------------------------- patching


def _patched(kept: _Kept, path: Path, root: Path):
    """(spec, what to keep now) when the spec can be had from `kept`, else None."""
    from .errors import ReportgenError
    from .incremental import file_digest
    from .yamlsrc import _MARK, read_text

    changed = [name for name, digest in kept.files.items() if file_digest(Path(name)) != digest]
    first_text = next(iter(kept.texts.values()), None)
    if first_text is None or Path(first_text.path) != path.resolve():
        return None
    if not changed:
        return _unpickled(kept.spec, "", 0, 0), kept
    displays = {entry.path: name for name, entry in kept.texts.items()}
    if len(changed) != 1 or changed[0] not in displays:
        return None  # two files, or an image or logo: a full read says what became of them
    display = displays[changed[0]]
    try:
        text = read_text(Path(changed[0]), display, root)
    except ReportgenError:
        return None
    if _MARK in text:  # the whole file's CJK folding works differently then (yamlsrc)
        return None
    old, new = kept.texts[display].text.split("\n"), text.split("\n")
    a = 0
    limit = min(len(old), len(new))
    while a < limit and old[a] == new[a]:
        a += 1
    s = 0
    while s < limit - a and old[-1 - s] == new[-1 - s]:
        s += 1
    delta = len(new) - len(old)
    # The changed lines, 1-based: old lines first..last were replaced (none when last < first).
    first, last = a + 1, len(old) - s

    def holding(line: int) -> int | None:
        return next((k for k, span in enumerate(kept.spans)
                     if span.path == display and span.start <= line < span.end), None)

    if last < first:  # lines put in before old line `first`: they end the item above, or begin this one
        i = j = holding(first - 1) if holding(first - 1) is not None else holding(first)
    else:
        i, j = holding(first), holding(last)
    if i is None or j is None or j < i:
        return None
    spans = kept.spans
    for k in range(i, j):
        if spans[k + 1].container != spans[i].container or spans[k + 1].first != spans[k].stop:
            return None
    return _patch(kept, text, new, display, root, path, i, j, delta)


def _patch(kept: _Kept, text: str, new: list, display: str, root: Path, path: Path, i: int, j: int, delta: int):
    from .errors import ReportgenError
    from .incremental import file_digest
    from .spec import _Loader
    from .yamlsrc import MAX_VALUES, YList, loads

    top, bottom = kept.spans[i], kept.spans[j]
    end = bottom.end + delta  # the first line after the new items
    body = new[top.start - 1:end - 1]
    # Empty lines above keep every line number; the line break after the last line is in
    # the file too (a block scalar keeps it).
    padded = "\n" * (top.start - 1) + "\n".join(body) + ("\n" if end - 1 < len(new) else "")
    try:
        items = loads(padded, display, text)
    except ReportgenError:
        return None
    if not isinstance(items, YList) or not items or items.aliased or items.loc.col != top.col:
        return None
    old_text = kept.texts[display]
    values = old_text.values + items.values  # counted as if no old value went: never too few
    if values > MAX_VALUES:
        return None
    diags = Diagnostics()
    loader = _Loader(root, path.parent, diags)
    loader.report_path = path.resolve()
    loader.spans = []
    blocks = loader.blocks(items, Path(top.base), top.ctx, items.loc)
    if diags.items or loader.files:
        return None  # a problem is reported by a full read, in its place among the others
    spec = _unpickled(kept.spec, display, bottom.end, delta)
    container = _container(spec, top.container)
    for gone in container[top.first:bottom.stop]:
        spec.block_keys.pop(id(gone), None)
    container[top.first:bottom.stop] = blocks
    grown = len(blocks) - (bottom.stop - top.first)
    made = [_Span(display, span.start, span.end, span.col, top.container, top.first + span.first,
                  top.first + span.stop, top.base, top.ctx) for span in loader.spans]
    # The new items cover the old ones' lines exactly: blank or comment lines above the
    # first item stay with it.
    made[0] = dataclasses.replace(made[0], start=top.start)
    made[-1] = dataclasses.replace(made[-1], end=end)
    later = []
    for span in kept.spans[j + 1:]:
        # Made directly: a long spec has a thousand items below an edit (`replace` is slow).
        moved = delta if span.path == display else 0
        shift = grown if span.container == top.container else 0
        if moved or shift:
            span = _Span(span.path, span.start + moved, span.end + moved, span.col, span.container,
                         span.first + shift, span.stop + shift, span.base, span.ctx)
        later.append(span)
    texts = {**kept.texts, display: _Text(old_text.path, text, values)}
    files = {**kept.files, old_text.path: file_digest(Path(old_text.path))}
    files.update((str(p.resolve()), file_digest(p)) for p in loader.checked)
    return spec, _Kept(texts, files, (*kept.spans[:i], *made, *later), b"")


def _unpickled(data: bytes, display: str, below: int, delta: int):
    """The kept spec, with every location in `display` at line `below` or later moved by
    `delta` lines."""
    from .kept import unpickle_moved

    return unpickle_moved(data, display, below, delta)
