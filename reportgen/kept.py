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
import os
import pickle
import sys
from pathlib import Path

# Bump when what is kept changes shape.
FORMAT_VERSION = "2"


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
        kept.append(dataclasses.replace(edition, spec=SpecSettings.of(edition.spec)))
    try:
        # The editions pickled apart: a build whose inputs changed reads the key and the
        # digests, never the trees.
        trees = pickle.dumps((list(load_diags), kept), protocol=pickle.HIGHEST_PROTOCOL)
        data = pickle.dumps((FORMAT_VERSION, settings_key(root, _families(editions)), files,
                             sorted(_families(editions)), trees), protocol=pickle.HIGHEST_PROTOCOL)
        save(kept_path(folder, report), lambda tmp: tmp.write_bytes(data))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # a cache that cannot be written costs time, never the build


def restore(folder: Path, root: Path, report: Path, locales: list[str]) -> tuple[list, list] | None:
    """(load diagnostics, editions) kept for `report` when nothing they were made from has
    changed and every wanted locale is there; else None."""
    from .cachefiles import intact
    from .incremental import file_digest

    path = kept_path(folder, report)
    if not intact(path):
        return None
    try:
        version, key, files, families, trees = pickle.loads(path.read_bytes())
        if version != FORMAT_VERSION or key != settings_key(root, set(families)):
            return None
        if any(file_digest(Path(name)) != digest for name, digest in files.items()):
            return None
        load_diags, editions = pickle.loads(trees)
    except Exception:  # noqa: BLE001 - an unreadable cache entry costs a load, never the build
        return None
    if not editions or editions[0].spec.path != report:
        return None
    wanted = [loc for loc in editions[0].spec.locales if not locales or loc in locales]
    have = {edition.locale for edition in editions}
    if not wanted or any(loc not in have for loc in wanted):
        return None
    return load_diags, [edition for edition in editions if edition.locale in wanted]
