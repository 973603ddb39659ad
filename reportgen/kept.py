"""Resolved editions kept between builds, as Sphinx keeps its parsed doctrees.

`build` loads, resolves and checks a report's editions, then keeps them here with the digest
of every file they were made from and of everything else resolving reads: reportgen's code,
the libraries that parse and format (PyYAML, Python-Markdown, Babel, Jinja2), the limits set
in the environment, the font a check measures text against, the project's place. A later
build that must write the report although none of that changed (`--force`, an output removed
or damaged, a format not written before) takes the editions from here: the same trees, the
same warnings, with no YAML read or Markdown parsed. Any difference, or a damaged file, and
the report is loaded again; the writers always run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import sys
from pathlib import Path

from .errors import Loc as _Loc

# Bump when what is kept changes shape.
FORMAT_VERSION = "8"


class ByObject(dict):
    """Values made once in this process for some objects, looked up by the very object:
    held as id -> (object, value), so an id stays its object's while it is held here. A copy
    sent to another process, where ids mean nothing, arrives empty."""

    def put(self, obj, value) -> None:
        self[id(obj)] = (obj, value)

    def of(self, obj):
        found = self.get(id(obj))
        return found[1] if found is not None and found[0] is obj else None

    def __reduce__(self):
        return type(self), ()


def kept_path(folder: Path, report: Path) -> Path:
    """Where the editions of `report` (its report.yaml) are kept in `folder`."""
    # The report's place is in the name: projects may share one cache ($REPORTGEN_CACHE).
    where = hashlib.sha256(str(report.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return folder / f"{report.parent.name}-{where}.pickle"


def settings_key(root: Path, families: set[str]) -> str:
    """Everything resolving depends on besides the report's own files."""
    from .cachefiles import installed_version
    from .fonts import source_identity
    from .incremental import toolkit_hash

    parts = [FORMAT_VERSION, sys.version, toolkit_hash(), str(root.resolve())]
    parts += [installed_version(*lib) for lib in (("PyYAML", "yaml"), ("Markdown", "markdown"),
                                                   ("babel",), ("Jinja2", "jinja2"), ("polib",))]
    # Size limits and the paragraph limit are read from REPORTGEN_* variables.
    parts += sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("REPORTGEN_"))
    parts += [source_identity(family) for family in sorted(families)]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _families(editions) -> set[str]:
    return {edition.layout.pdf_font for edition in editions}


def keep(folder: Path, root: Path, report: Path, editions: list, load_diags: list) -> None:
    """Keep a report's resolved editions (all free of errors) for later builds."""
    from .cachefiles import save
    from .editions import SpecSettings, edition_json
    from .incremental import edition_files, file_digest

    files: dict[str, str] = {}
    kept = []
    for edition in editions:
        edition_json(edition)  # made now, kept with it (build needs it anyway)
        for path in edition_files(edition.spec, edition.locale, edition.layout, edition.document, root):
            files[str(path)] = file_digest(path)
        kept.append(dataclasses.replace(edition, spec=SpecSettings.of(edition.spec), block_json=None))
    try:
        # The key and the digests first, the editions after them: a build whose inputs
        # changed reads the head of the file alone, never the trees (see `restore`).
        head = pickle.dumps((FORMAT_VERSION, settings_key(root, _families(editions)), files,
                             sorted(_families(editions))), protocol=pickle.HIGHEST_PROTOCOL)
        trees = pickle.dumps((list(load_diags), kept), protocol=pickle.HIGHEST_PROTOCOL)
        save(kept_path(folder, report), lambda tmp: tmp.write_bytes(head + trees))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # a cache that cannot be written costs time, never the build


def restore(folder: Path, root: Path, report: Path, locales: list[str]) -> tuple[list, list] | None:
    """(load diagnostics, editions) kept for `report` when nothing they were made from has
    changed and every wanted locale is there; else None."""
    from .cachefiles import intact
    from .incremental import file_digest

    path = kept_path(folder, report)
    try:
        # The head alone first: most builds that get here changed a file (the editions are
        # not taken then), and need not read, nor check the digest of, the whole file. A
        # damaged head fails here or matches nothing; the whole file is checked before the
        # editions are read.
        with path.open("rb") as fh:
            version, key, files, families = pickle.Unpickler(fh).load()
            if version != FORMAT_VERSION or key != settings_key(root, set(families)):
                return None
            if any(file_digest(Path(name)) != digest for name, digest in files.items()):
                return None
            if not intact(path):
                return None
            load_diags, editions = pickle.Unpickler(fh).load()
    except Exception:  # noqa: BLE001 - an unreadable cache entry costs a load, never the build
        return None
    if not editions or editions[0].spec.path != report:
        return None
    wanted = [loc for loc in editions[0].spec.locales if not locales or loc in locales]
    have = {edition.locale for edition in editions}
    if not wanted or any(loc not in have for loc in wanted):
        return None
    return load_diags, [edition for edition in editions if edition.locale in wanted]


# ---------------------------------------------------------------- blocks
#
# A report whose spec changed is loaded and resolved again, but most of its blocks are as
# they were. Each block resolved without a problem is kept, keyed by its source (locations
# counted from the block's own line, so text added above it does not change its key) and by
# everything else resolving reads: the edition's language, catalog, data, layout and the
# settings above. A block whose key matches is taken as resolved, its locations moved to
# where it now stands, when the numbers it used (figure, table, footnote) enter it alike.


def block_settings(root: Path, spec, locale: str, data_files: list[Path]) -> bytes:
    """The digest of everything a block's resolution reads besides the block itself."""
    from .files import catalog_path
    from .incremental import file_digest

    parts = [settings_key(root, set()), locale, repr(spec.source_locale), repr(spec.formats),
             repr(locale in spec.draft_locales), repr(spec.data), spec.layout,
             file_digest(catalog_path(spec.folder, locale)), file_digest(root / "layouts" / f"{spec.layout}.yaml")]
    parts += [f"{path}={file_digest(path)}" for path in data_files]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).digest()


def _relative(value, loc) -> tuple[bytes, bool]:
    """`value` pickled as a key: each location in `loc`'s file counted from `loc`'s line (a
    dispatch table: the pickler calls back for locations alone, at C speed otherwise), and
    without the pickler's memo, so that the bytes follow from the values alone, not from
    which of them are one object (a spec read in full and one read back from kept_spec.py
    share strings differently). Also whether it holds a location in another file (the key
    then changes when that file's lines move)."""
    where, base = loc.path, loc.line
    elsewhere = []

    def reduce(place):
        if place.path == where:
            return _rebased, ("+", place.line - base, place.col, place.style)
        elsewhere.append(place)
        return _rebased, ("=", place.path, place.line, place.col, place.style)

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {_Loc: reduce}
    pickler.fast = True
    pickler.dump(value)
    return buffer.getvalue(), bool(elsewhere)


def _rebased(kind, *args):
    """A location as `_relative` writes it: read only for keys, never unpickled."""
    raise pickle.UnpicklingError("a relative location read without its base")


def unpickle_moved(data: bytes, path: str, below: int, delta: int):
    """`data` unpickled with every location in file `path` at line `below` or later moved by
    `delta` lines. Unmoved, it is a plain (C) unpickling."""
    if not delta:
        return pickle.loads(data)

    class Moved(_Loc):
        """A location as it is read back: moved, then a `Loc` like any other (Loc compares
        classes)."""

        def __setstate__(self, state: dict) -> None:
            if state.get("path") == path and state.get("line", 0) >= below:
                state = {**state, "line": state["line"] + delta}
            self.__dict__.update(state)
            object.__setattr__(self, "__class__", _Loc)

    class Unpickler(pickle.Unpickler):
        def find_class(self, module, name):
            if module == _Loc.__module__ and name == "Loc":
                return Moved
            return super().find_class(module, name)

    return Unpickler(io.BytesIO(data)).load()


@dataclasses.dataclass(frozen=True)
class _Block:
    """A kept block: the counters it read with their values entering it, what it added to
    each counter and to the expression work, its resolved nodes and the line it stood on,
    and whether they checked clean."""

    entering: tuple  # ((counter index, value), ...) for each counter the block advanced
    added: tuple  # (figures, tables, notes)
    work: int
    nodes: bytes  # pickled as they were, at `line`
    line: int
    checked: str = ""  # the font its nodes last checked clean in (check.py), "" when they did not
    json: tuple = ()  # each node's `incremental.plain_json`, which no move changes


class KeptBlocks:
    """The resolved blocks of one report's editions, kept in the cache folder beside its
    kept editions, one group per edition (its settings' digest). `edition(settings)` gives
    the memo one edition's resolution uses."""

    def __init__(self, folder: Path, report: Path, root: Path, block_keys: ByObject | None = None):
        from .cachefiles import intact

        self.block_keys = block_keys if block_keys is not None else ByObject()  # spec.Spec.block_keys
        self.path = kept_path(folder, report).with_suffix(".blocks")
        self.key = settings_key(root, set())
        self.old: dict = {}  # edition settings -> {block key -> [_Block]}, as the last build kept them
        self.new: dict = {}  # the same, for the editions resolved in this build
        self.changed = False
        try:
            if intact(self.path):
                version, key, old = pickle.loads(self.path.read_bytes())
                if version == FORMAT_VERSION and key == self.key and isinstance(old, dict):
                    self.old = old
        except Exception:  # noqa: BLE001 - an unreadable cache costs a resolve, never the build
            self.old = {}

    def edition(self, settings: bytes) -> "EditionBlocks":
        return EditionBlocks(self, settings, self.old.get(settings, {}), self.new.setdefault(settings, {}))

    def save(self) -> None:
        """Keep this build's blocks for the next: an edition resolved here keeps the blocks it
        has now (those it no longer has are dropped); the others keep theirs (a build of one
        locale leaves the other locales' blocks)."""
        from .cachefiles import save

        if not self.changed and all(blocks.keys() == self.old.get(settings, {}).keys()
                                    for settings, blocks in self.new.items()):
            return
        kept = {**self.old, **self.new}
        try:
            data = pickle.dumps((FORMAT_VERSION, self.key, kept), protocol=pickle.HIGHEST_PROTOCOL)
            save(self.path, lambda tmp: tmp.write_bytes(data))
        except (OSError, pickle.PicklingError, TypeError, AttributeError):
            pass


class EditionBlocks:
    """Kept blocks for one edition (see `resolve._State.kept_block`): `old` as kept, `new`
    those this build takes or resolves."""

    def __init__(self, kept: KeptBlocks, settings: bytes, old: dict, new: dict):
        self.kept, self.settings, self.old, self.new = kept, settings, old, new
        # id(resolved node) -> [block key, entry, clean so far, the block's nodes (kept alive
        # so that the ids stay theirs)], for the blocks taken or kept in this build.
        self.placed: dict[int, list] = {}
        # The JSON of the same nodes: the edition's tree JSON is made of them
        # (incremental.tree_json), and the writers' keys.
        self.json = ByObject()

    def _key(self, block) -> bytes | None:
        known = self.kept.block_keys
        key = known.of(block)
        if key is not None:
            return key
        loc = getattr(block, "loc", None)
        if loc is None or not loc.line:
            return None
        try:
            text, elsewhere = _relative(block, loc)
        except (pickle.PicklingError, TypeError, AttributeError):
            return None
        key = hashlib.blake2b(text, digest_size=20).digest()
        if not elsewhere:
            # The same for every edition, and while the block's file only moves it (a kept
            # spec patched elsewhere, kept_spec.py): a block whose locations all lie in its
            # own file keeps its key where they move together.
            known.put(block, key)
        return key

    def take(self, block, counters: tuple, work: int, limit: int):
        """(nodes, counters after, work after) kept for `block` entering `counters`, or None."""
        key = self._key(block)
        if key is None:
            return None
        for entry in self.new.get(key) or self.old.get(key) or ():
            if all(counters[i] == value for i, value in entry.entering) and work + entry.work <= limit:
                try:
                    # Its locations in its own file move with it (those in others stay).
                    nodes = unpickle_moved(entry.nodes, block.loc.path, 0, block.loc.line - entry.line)
                except Exception:  # noqa: BLE001 - a damaged entry is resolved again
                    return None
                self._remember(key, entry)
                self._place(key, entry, nodes)
                return nodes, tuple(c + a for c, a in zip(counters, entry.added)), work + entry.work
        return None

    def put(self, block, before: tuple, after: tuple, work: int, nodes: list) -> None:
        """Keep `block`, resolved into `nodes` from counters `before` to `after` with `work`."""
        key = self._key(block)
        if key is None:
            return
        try:
            blob = pickle.dumps(nodes, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError):
            return
        from .incremental import plain_json

        added = tuple(a - b for a, b in zip(after, before))
        entry = _Block(tuple((i, before[i]) for i, n in enumerate(added) if n), added, work, blob, block.loc.line,
                       json=tuple(map(plain_json, nodes)))
        self._remember(key, entry)
        self._place(key, entry, nodes)
        self.kept.changed = True

    # What check.py learns of the blocks placed here.

    def _place(self, key: bytes, entry: _Block, nodes: list) -> None:
        holder = [key, entry, True, nodes]
        for node in nodes:
            self.placed[id(node)] = holder
        if len(entry.json) == len(nodes):
            for node, text in zip(nodes, entry.json):
                self.json.put(node, text)

    def was_checked(self, node, font: str) -> bool:
        """Whether `node` belongs to a block whose nodes all checked clean in `font` before."""
        holder = self.placed.get(id(node))
        return holder is not None and holder[1].checked == font

    def check_result(self, node, clean: bool) -> None:
        holder = self.placed.get(id(node))
        if holder is not None:
            holder[2] = holder[2] and clean

    def checked_clean(self, font: str) -> None:
        """The check is done: each block all of whose nodes checked clean is kept as such."""
        done = set()
        for holder in self.placed.values():
            key, entry, clean, _ = holder
            if id(holder) in done or not clean or entry.checked == font:
                continue
            done.add(id(holder))
            self._remember(key, dataclasses.replace(entry, checked=font))
            self.kept.changed = True

    def _remember(self, key: bytes, entry: _Block) -> None:
        entries = self.new.setdefault(key, [])
        if entry not in entries:
            entries[:] = [e for e in entries if e.entering != entry.entering] + [entry]
