"""Incremental builds: what an edition is made from, and whether its files are up to date.

Two checks, cheapest first. Before a report is even loaded, the digests of the files it was
made from (recorded in the manifest) are compared with the files now. When a file changed, the
edition is loaded and resolved and its *inputs* are hashed: the resolved tree without source
locations, the layout, the images it shows, the formats and reportgen itself; a comment, a
blank line or another locale's translation then changes nothing. Either way an output is up
to date only while it is still on disk as the manifest recorded it (its sha256).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
from pathlib import Path

from . import __version__
from . import model as m
from .cachefiles import sha256_file
from .errors import Loc
from .files import catalog_path, display_path
from .manifest import Result
from .outputs import output_path


def tree_json(document: m.Document, known: "ByObject | None" = None) -> str:
    """The resolved tree as compact JSON without source locations: where a value was written
    does not change what is printed, so moving text in a spec must not rebuild.

    `known` gives the JSON of some nodes (blocks taken as kept, kept.py): they are put in
    as they are, and the rest made around them, to the same text."""
    if not known:
        return plain_json(document)
    pieces: list[str] = []

    def node(value):
        found = known.of(value)
        if found is None:
            return _node(value)
        pieces.append(found)
        return _HOLE  # written where the node goes, in the order the encoder meets the nodes

    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=node, check_circular=False)
    parts = text.split(_HOLE_JSON)
    if len(parts) != len(pieces) + 1:
        return plain_json(document)  # a text of the tree was the mark itself
    out = [parts[0]]
    for piece, part in zip(pieces, parts[1:]):
        out += (piece, part)
    return "".join(out)


def node_json(node, known: "ByObject | None" = None) -> str:
    """`plain_json(node)`, from `known` (`kept.ByObject`: JSON made earlier) when it has it."""
    found = known.of(node) if known else None
    return found if found is not None else plain_json(node)


# What stands for a known node until its JSON is put in: a string no printable text is (a
# control character, which the check refuses; a text that is it anyway makes the counts
# disagree, and the tree is encoded whole).
_HOLE = "\0"
_HOLE_JSON = json.dumps(_HOLE)


def plain_json(value) -> str:
    """Any part of the resolved tree (a document, a chart) as compact JSON without locations:
    each node an object of its type's name and its fields but `loc`. The encoder walks the
    texts, numbers and sequences itself and asks `_node` only for the nodes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_node, check_circular=False)


def _node(value):
    kind = type(value)
    if kind is Loc:
        return None
    names = _fields(kind)
    if names is None:
        return str(value)
    out = {"type": kind.__name__}
    state = getattr(value, "__dict__", None)
    if state is not None and len(state) == len(names) + ("loc" in state):
        # A node's instance dictionary is its fields, in order (nodes are frozen dataclasses).
        out.update(state)
        out.pop("loc", None)
    else:
        for name in names:
            out[name] = getattr(value, name)
    return out


@functools.lru_cache(maxsize=None)
def _fields(cls) -> tuple[str, ...] | None:
    """A dataclass's field names but `loc`, looked up once per class (the tree has thousands
    of nodes); None for other classes."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls) if f.name != "loc")


@functools.lru_cache(maxsize=1)
def toolkit_hash() -> str:
    """A hash of reportgen's own code and catalogs: upgrading reportgen rebuilds everything."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".po") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def settings_digest(formats: list[str]) -> str:
    """What every edition depends on besides its files: reportgen itself and the build settings."""
    text = "\0".join([toolkit_hash(), ",".join(sorted(formats)), os.environ.get("SOURCE_DATE_EPOCH", "")])
    return hashlib.sha256(text.encode()).hexdigest()


def image_paths(doc: m.Document):
    """The image files a document shows."""
    if doc.meta.logo:
        yield doc.meta.logo
    yield from (block.path for block in doc.walk_blocks() if isinstance(block, m.Figure))


def _layout_images(layout) -> set[str]:
    return {getattr(layout, attr) for attr in ("logo", "docx_reference") if getattr(layout, attr, None)}


def input_hash(tree: str, layout, document: m.Document, formats: list[str]) -> str:
    """What an edition is made from: its resolved tree `tree` (spec, data, translations,
    numbering), its layout, the images it shows, the formats asked for, and reportgen itself."""
    digest = hashlib.sha256()
    digest.update(settings_digest(formats).encode())
    digest.update(tree.encode())
    digest.update(repr(layout).encode())
    for path in sorted(set(image_paths(document)) | _layout_images(layout)):
        digest.update(path.encode())
        digest.update(sha256_file(Path(path)).encode() if Path(path).exists() else b"missing")
    return digest.hexdigest()


@functools.lru_cache(maxsize=None)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(Path(path))


def file_digest(path: Path) -> str:
    """sha256 of a source file ("absent" when there is none), cached for one build by size and time."""
    try:
        stat = path.stat()
    except OSError:
        return "absent"
    return _file_digest(str(path), stat.st_size, stat.st_mtime_ns)


def edition_files(spec, locale: str, layout, document: m.Document, root: Path) -> list[Path]:
    """Every file an edition is made from: the spec and its fragments, its data, its
    translations (whether or not written yet), its layout and the images it shows."""
    files = {p for p in spec.files if p.suffix != ".po"}
    files.add(catalog_path(spec.folder, locale))
    files.add(root / "layouts" / f"{spec.layout}.yaml")
    files.update(Path(p) for p in image_paths(document))
    files.update(Path(p) for p in _layout_images(layout))
    return sorted(files)


def sources_of(spec, locale: str, layout, document: m.Document, root: Path, formats: list[str]) -> dict[str, str]:
    """Every file the edition is made from, with its digest; a catalog not yet written counts
    as absent, so creating it rebuilds the edition."""
    out = {display_path(p, root): file_digest(p) for p in edition_files(spec, locale, layout, document, root)}
    out["(settings)"] = settings_digest(formats)
    return out


def output_intact(entry: Result, target: Path) -> bool:
    """True when `target` is the file `entry` describes: not missing, emptied, cut short or
    changed. The whole file is hashed: a size and a time can survive damage."""
    try:
        if not target.is_file() or target.stat().st_size == 0:
            return False
        return sha256_file(target) == entry.sha256
    except OSError:
        return False


def sources_unchanged(entry: Result, root: Path, formats: list[str]) -> bool:
    """True when none of the files `entry` was built from changed since."""
    if not entry.sources:
        return False
    for name, digest in entry.sources.items():
        if name == "(settings)":
            if digest != settings_digest(formats):
                return False
        elif file_digest(Path(name) if Path(name).is_absolute() else root / name) != digest:
            return False
    return True


def built_and_intact(entry: Result | None, out_dir: Path) -> bool:
    return (entry is not None and entry.status == "built"
            and output_intact(entry, output_path(out_dir, entry.report, entry.locale, entry.format)))


def unchanged(entries: list[Result | None], root: Path, formats: list[str], out_dir: Path) -> bool:
    """True when each entry's file is on disk as built and none of its sources changed: the
    report need not even be loaded."""
    # Outputs are hashed last, and only for entries whose sources are unchanged.
    return bool(entries) and all(
        e is not None and e.status == "built" and sources_unchanged(e, root, formats) and built_and_intact(e, out_dir)
        for e in entries)


def up_to_date(entries: list[Result | None], inputs: str, out_dir: Path) -> bool:
    """True when every format of an edition was built from these inputs and is still on disk."""
    return bool(entries) and all(e is not None and e.inputs == inputs and built_and_intact(e, out_dir)
                                 for e in entries)
