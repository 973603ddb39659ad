"""Translation: the toolkit's own words and each report's gettext catalogs (read strictly, kept by polib)."""

from __future__ import annotations

import difflib
import functools
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import polib

from . import pofile
from .errors import Diagnostics, Loc, ReportgenError

TOOLKIT_DOMAIN = "reportgen"


@functools.lru_cache(maxsize=None)
def _toolkit_catalog(locale: str):
    from .locale import edition_locale

    base = resources.files("reportgen") / "locales"
    # Most specific first: zh_HK → zh_TW (Traditional) → zh.
    for name in edition_locale(str(locale)).catalogs:
        path = base / name / "LC_MESSAGES" / f"{TOOLKIT_DOMAIN}.po"
        if path.is_file():
            return pofile.parse(path.read_bytes(), f"reportgen/locales/{name}/LC_MESSAGES/{TOOLKIT_DOMAIN}.po").po
    return None


@functools.lru_cache(maxsize=None)
def toolkit_terms(locale: str) -> dict[str, str]:
    """The words reportgen prints itself ("Contents", "Figure"...) in `locale`; keys are contexts."""
    english = _toolkit_catalog("en")
    terms = {m.msgctxt: m.msgid for m in english if m.msgid and m.msgctxt and not m.obsolete}
    catalog = _toolkit_catalog(locale)
    if catalog is not None:
        for message in catalog:
            if message.msgid and message.msgctxt and message.msgstr and not message.fuzzy and not message.obsolete:
                terms[message.msgctxt] = message.msgstr
    return terms



# ------------------------------------------------------------------ report catalogs

PLACEHOLDER_RE = re.compile(r"\{\{.*?\}\}", re.S)
NUMBER_RE = re.compile(r"(?<![0-9A-Za-z_.])\d[\d,]*(?:\.\d+)?")
TRANSLATOR_NOTE = "Keep each {{ … }} placeholder exactly as written; you may move it."
# Header values that gettext and Babel templates leave for a person to fill in: a catalog
# that still carries them tells Poedit and Weblate nothing, so reportgen does not write them.
_PLACEHOLDER_HEADERS = ("EMAIL@ADDRESS", "FULL NAME", "LL@li.org", "YEAR-MO-DA", "PACKAGE VERSION")
# Written where a catalog has none: the fields `msgfmt -c`, Poedit and Weblate read.
_FIXED_DATE = "2000-01-01 00:00+0000"


@dataclass
class Catalog:
    """One report's translations for one locale."""

    path: Path
    display: str
    po: polib.POFile
    lines: dict  # (msgctxt, msgid) -> pofile.EntryLines
    messages: dict = field(default_factory=dict)  # (msgctxt, msgid) -> active polib.POEntry
    rejected: set = field(default_factory=set)  # keys whose translation failed check_catalog

    def __post_init__(self):
        if not self.messages:
            self.messages = {(e.msgctxt, e.msgid): e for e in self.po if not e.obsolete}

    @property
    def language(self) -> str | None:
        return self.po.metadata.get("Language") or None

    def line(self, key, part: str = "msgid") -> int:
        where = self.lines.get(key)
        return getattr(where, part) if where else 0


def read_catalog(path: Path, display: str) -> Catalog:
    """Read a `.po` file strictly; syntax, duplicate and encoding errors are located ReportgenErrors."""
    return parse_catalog(_read_bytes(path, display), path, display)


def _read_bytes(path: Path, display: str) -> bytes:
    """The one place a catalog's bytes are read from disk: through the checked reader, so a
    catalog that is a link out of its report, a FIFO, a folder or a huge file is refused."""
    from .files import limit_bytes, read_project_file

    # content/<id>/locales/<locale>.po: the catalog stays inside its report's folder.
    return read_project_file(path, path.parent.parent, display, limit_bytes("spec"), kind="spec")


def parse_catalog(raw: bytes, path: Path, display: str) -> Catalog:
    parsed = pofile.parse(raw, display)
    return Catalog(path, display, parsed.po, parsed.lines)


def plural_forms(locale: str) -> str:
    """The gettext Plural-Forms header for `locale` (CLDR rules, from Babel)."""
    from babel.messages.plurals import get_plural

    try:
        return get_plural(locale).plural_forms
    except Exception:  # an unknown locale: one form, like Chinese
        return "nplurals=1; plural=0;"


def _nplurals(po: polib.POFile) -> int | None:
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    return int(match.group(1)) if match else None


class Translator:
    """Looks up an edition's strings, warning once for each one not usable."""

    def __init__(self, catalog: Catalog | None, locale: str, diags: Diagnostics, expected: str, draft: bool = False):
        self.draft = draft  # a translation in progress: gaps are notes, not warnings
        self.catalog = catalog
        self.locale = locale
        self.diags = diags
        self.expected = expected  # the .po path the translator should edit, for messages
        self.missing: set = set()
        self.misses = 0  # strings asked for and not translated (see resolve._State.kept_block)

    def __call__(self, source: str, context: str, loc) -> str:
        if not _has_words(source):
            return source
        if self.catalog is None:
            # The edition's one "no translations yet" line was printed when the hooks were made.
            return source
        key = (context, source)
        message = self.catalog.messages.get(key)
        if message is not None and message.msgstr and not message.fuzzy and key not in self.catalog.rejected:
            return message.msgstr
        self.misses += 1
        if key in self.catalog.rejected:
            return source  # check_catalog reported it at its .po line; the build fails there
        if key in self.missing:
            return source
        self.missing.add(key)
        shown = source if len(source) <= 40 else source[:37] + "…"
        origin = f" (from {loc})" if loc else ""
        report = self.diags.note if self.draft else self.diags.warning
        if message is None:
            report(Loc(self.expected), f"“{shown}”{origin} is not in the {self.locale} catalog yet; using the source "
                   "text (run `reportgen i18n update` to add it, then translate it)", "i18n")
        elif message.fuzzy:
            report(Loc(self.expected, self.catalog.line(key), 1),
                   f"“{shown}”{origin} is fuzzy for {self.locale}: its source changed after it was translated; "
                   "review the translation, then remove the `fuzzy` flag (until then the source text is used)", "i18n")
        else:
            report(Loc(self.expected, self.catalog.line(key), 1),
                   f"“{shown}”{origin} is not translated for {self.locale}; using the source text "
                   "(write its msgstr)", "i18n")
        return source


class Recorder:
    """A translate hook that records every string an edition asks for (for extraction)."""

    def __init__(self):
        self.seen: dict = {}

    def __call__(self, source: str, context: str, loc) -> str:
        if _has_words(source):
            entry = self.seen.setdefault((context, source), [])
            if loc is not None and (loc.path, loc.line) not in entry:
                entry.append((loc.path, loc.line))
        return source


def data_locations(namespaces: dict) -> dict[str, list[tuple[str, int]]]:
    """Where each text of the loaded data files is written: labels reach the translator with a reference."""
    found: dict[str, list] = {}

    def note(text, loc) -> None:
        if isinstance(text, str) and loc is not None and getattr(loc, "line", 0):
            places = found.setdefault(text, [])
            if (loc.path, loc.line) not in places:
                places.append((loc.path, loc.line))

    def walk(value, loc, depth=0) -> None:
        if depth > 50:
            return
        if isinstance(value, dict):
            key_locs = getattr(value, "key_locs", None) or {}
            here = getattr(value, "loc", None) or loc
            for key, item in value.items():
                where = key_locs.get(key) or here
                note(str(key), where)
                walk(item, where, depth + 1)
        elif isinstance(value, (list, tuple)):
            here = getattr(value, "loc", None) or loc
            for item in value:
                walk(item, getattr(item, "loc", None) or here, depth + 1)
        else:
            note(value, loc)

    for value in namespaces.values():
        walk(value, getattr(value, "loc", None))
    return found


def template(recorder: Recorder, report_id: str, source_locale: str, data_refs: dict | None = None,
             fallback_ref: tuple[str, int] | None = None) -> polib.POFile:
    """The .pot of everything `recorder` saw: every entry with a `#:` reference."""
    pot = polib.POFile(wrapwidth=pofile.WIDTH, encoding="utf-8")
    pot.header = (f"Translatable strings of the report `{report_id}` (source: {source_locale}).\n"
                  "Made by `reportgen i18n extract`; do not edit: translate the locale's .po file.")
    pot.metadata = {
        "Project-Id-Version": report_id,
        "PO-Revision-Date": _FIXED_DATE,  # no wall-clock dates: an unchanged spec gives an unchanged file
        "Last-Translator": "",
        "Language-Team": "",
        "Language": source_locale,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": plural_forms(source_locale),
    }
    for (context, source), locations in recorder.seen.items():
        refs = list(locations) or list((data_refs or {}).get(source, [])) or ([fallback_ref] if fallback_ref else [])
        pot.append(polib.POEntry(msgctxt=context, msgid=source, msgstr="",
                                 occurrences=[(path, str(line) if line else "") for path, line in refs],
                                 comment=TRANSLATOR_NOTE if "{{" in source else ""))
    return pot


def merge(pot: polib.POFile, old: polib.POFile | None, locale: str, keep_obsolete: bool = True) -> polib.POFile:
    """Merge a template into a locale's catalog as `msgmerge --previous` does.

    Translations of unchanged strings are kept with their comments and flags. A string whose
    source changed takes the translation of the closest old string, marked fuzzy, with the
    old source as `#| msgid` and the translator's comments. Translations no string uses any
    more are kept as obsolete `#~` entries (dropped with keep_obsolete=False).
    """
    new = polib.POFile(wrapwidth=pofile.WIDTH, encoding="utf-8")
    new.header = old.header if old is not None else (
        f"{locale} translations of the report `{pot.metadata['Project-Id-Version']}`.\n"
        "Update with `reportgen i18n update`; keep each {{ … }} placeholder unchanged.")
    new.metadata_is_fuzzy = old.metadata_is_fuzzy if old is not None else []
    new.metadata = _header(pot, old, locale)
    old_entries = [e for e in old] if old is not None else []
    exact: dict = {}
    for e in old_entries:
        key = (e.msgctxt, e.msgid)
        if key not in exact or exact[key].obsolete:
            exact[key] = e  # an active entry wins over an obsolete copy
    wanted = {(e.msgctxt, e.msgid) for e in pot}
    # Old translations of strings the template no longer has: candidates for fuzzy matching.
    spare = [e for e in old_entries if (e.msgctxt, e.msgid) not in wanted and _translated(e)]
    used: set = set()
    for p in pot:
        key = (p.msgctxt, p.msgid)
        o = exact.get(key)
        entry = polib.POEntry(msgctxt=p.msgctxt, msgid=p.msgid, msgid_plural=p.msgid_plural,
                              occurrences=list(p.occurrences), comment=p.comment)
        if o is not None:
            used.add(id(o))
            _carry(entry, o)
            if o.fuzzy:
                entry.previous_msgctxt, entry.previous_msgid = o.previous_msgctxt, o.previous_msgid
                entry.previous_msgid_plural = o.previous_msgid_plural
        else:
            o = _closest(p, [e for e in spare if id(e) not in used])
            if o is not None:
                used.add(id(o))
                _carry(entry, o)
                if "fuzzy" not in entry.flags:
                    entry.flags.insert(0, "fuzzy")
                # The source the translation was made for: an already fuzzy entry keeps its own.
                before = o if not (o.fuzzy and o.previous_msgid is not None) else None
                entry.previous_msgctxt = (o.msgctxt if before else o.previous_msgctxt)
                entry.previous_msgid = o.msgid if before else o.previous_msgid
                if entry.previous_msgctxt == entry.msgctxt:
                    entry.previous_msgctxt = None
        new.append(entry)
    if keep_obsolete:
        for o in old_entries:
            if id(o) in used or not (_translated(o) or o.tcomment):
                continue
            gone = polib.POEntry(msgctxt=o.msgctxt, msgid=o.msgid, msgid_plural=o.msgid_plural, obsolete=True)
            _carry(gone, o)
            new.append(gone)
    return new


def _header(pot: polib.POFile, old: polib.POFile | None, locale: str) -> dict:
    """The old header as the translator's tool wrote it, with the fields tools need filled in."""
    metadata = {}
    for name, value in (old.metadata.items() if old is not None else ()):
        if any(mark in value for mark in _PLACEHOLDER_HEADERS) or (name == "Generated-By" and value.startswith("Babel")):
            continue  # template placeholders and Babel's version stamp: noise that changed on upgrades
        metadata[name] = value
    defaults = {
        "Project-Id-Version": pot.metadata["Project-Id-Version"],
        "PO-Revision-Date": _FIXED_DATE,
        "Last-Translator": "",
        "Language-Team": "",
        "Language": locale,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": plural_forms(locale),
    }
    for name, value in defaults.items():
        metadata.setdefault(name, value)
    return metadata


def _translated(entry: polib.POEntry) -> bool:
    return bool(entry.msgstr or any(entry.msgstr_plural.values()))


def _carry(entry: polib.POEntry, old: polib.POEntry) -> None:
    """Move what the translator wrote (translation, comments, flags) onto `entry`."""
    entry.msgstr = old.msgstr
    entry.msgstr_plural = dict(old.msgstr_plural)
    entry.tcomment = _unmangle(old.tcomment)
    entry.flags = list(old.flags)


def _unmangle(comment: str) -> str:
    """Drop the `# | msgid …` lines older reportgen (Babel) wrote in place of real `#| msgid` lines.

    Babel wrote them after the translator's own comments, so everything from the first such
    line on is that damage; the comments above it are the translator's and stay.
    """
    lines = comment.split("\n")
    for i, line in enumerate(lines):
        if re.match(r"\|\s*(?:msgid|msgctxt|msgid_plural)\b", line):
            return "\n".join(lines[:i])
    return comment


def _closest(entry: polib.POEntry, candidates: list) -> polib.POEntry | None:
    """The old entry whose source is most like `entry`'s (msgmerge's rule: similarity ≥ 0.6).

    Entries of the same context (the same place in the spec) are tried first: an edited
    paragraph keeps its place, and comparing it with every other string of the report
    would make an update of many edits quadratic in the report's length.
    """
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(entry.msgid)  # the new source is indexed once, compared with each candidate

    def best_of(pool):
        best, best_score = None, 0.6
        for o in pool:
            matcher.set_seq1(o.msgid)
            if matcher.real_quick_ratio() < best_score or matcher.quick_ratio() < best_score:
                continue
            score = matcher.ratio()
            if score > best_score:
                best, best_score = o, score
        return best

    same_text = [o for o in candidates if o.msgid == entry.msgid]  # a section renamed, its text not
    return (same_text[0] if same_text else None) or best_of([o for o in candidates if o.msgctxt == entry.msgctxt]) \
        or best_of([o for o in candidates if o.msgctxt != entry.msgctxt])


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` completely or not at all, keeping the file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def counts(catalog: Catalog) -> tuple[int, int, int]:
    """(translated, fuzzy, untranslated) messages of a catalog, obsolete ones not counted."""
    translated = fuzzy = untranslated = 0
    for message in catalog.messages.values():
        if message.fuzzy and _translated(message):
            fuzzy += 1
        elif _translated(message):
            translated += 1
        else:
            untranslated += 1
    return translated, fuzzy, untranslated


def check_catalog(catalog: Catalog, diags: Diagnostics) -> None:
    """Placeholders kept, no number or link target absent from the source, plural forms right.

    A translation that fails is recorded in `catalog.rejected`: the Translator then uses the
    source text, so the error is reported once, at the .po line, and not again at the spec.
    """
    nplurals = _nplurals(catalog.po)
    for key, message in catalog.messages.items():
        texts = [message.msgstr] if not message.msgid_plural else [
            message.msgstr_plural[i] for i in sorted(message.msgstr_plural)]
        if not any(texts) or message.fuzzy:
            continue
        source = message.msgid + (" " + message.msgid_plural if message.msgid_plural else "")
        loc = Loc(catalog.display, catalog.line(key), 1)
        problems = []
        for text in (t for t in texts if t):
            problems += translation_problems(source, text)
        if message.msgid_plural and nplurals is not None and len(texts) != nplurals:
            problems.append(f"{'more' if len(texts) > nplurals else 'fewer'} plural forms ({len(texts)} msgstr[N]) "
                            f"than the header's Plural-Forms nplurals={nplurals}")
        for problem in dict.fromkeys(problems):
            diags.error(loc, problem, "i18n")
        if problems:
            catalog.rejected.add(key)


def translation_problems(source: str, text: str) -> list[str]:
    """What is wrong with `text` as a translation of `source`: placeholders, numbers, links."""
    return (_placeholder_problems(source, text) + _number_problems(source, text) + _link_problems(source, text)
            + _line_break_problems(source, text))


def _line_break_problems(source: str, text: str) -> list[str]:
    # msgfmt refuses a catalog where they differ, so CI running gettext tools would fail later.
    out = []
    for where, test in (("begins", str.startswith), ("ends", str.endswith)):
        if test(source, "\n") != test(text, "\n"):
            has, lacks = ("msgid", "translation") if test(source, "\n") else ("translation", "msgid")
            out.append(f"the {has} {where} with a line break (\\n) and the {lacks} does not; "
                       "gettext requires both or neither")
    return out


def translated(entry: polib.POEntry) -> bool:
    """Whether an entry has a translation (fuzzy or not)."""
    return _translated(entry)


def _placeholder_problems(source: str, text: str) -> list[str]:
    wanted = sorted(_norm(p) for p in PLACEHOLDER_RE.findall(source))
    got = sorted(_norm(p) for p in PLACEHOLDER_RE.findall(text))
    # A brace pair left unclosed or opened by hand would reach the expression evaluator.
    stray = PLACEHOLDER_RE.sub("", text).count("{{") + PLACEHOLDER_RE.sub("", text).count("}}") \
        - PLACEHOLDER_RE.sub("", source).count("{{") - PLACEHOLDER_RE.sub("", source).count("}}")
    if wanted == got and stray <= 0:
        return []
    lost = [p for p in wanted if p not in got]
    extra = [p for p in got if p not in wanted]
    parts = []
    if lost:
        parts.append("missing " + ", ".join(lost))
    if extra:
        parts.append("not in the source " + ", ".join(extra))
    if stray > 0:
        parts.append("an unmatched {{ or }}")
    return [f"the translation changes the placeholders ({'; '.join(parts)}); copy each {{{{ … }}}} from the "
            "msgid unchanged"]


def _number_problems(source: str, text: str) -> list[str]:
    source_numbers = {_num(n) for n in NUMBER_RE.findall(PLACEHOLDER_RE.sub(" ", source))}
    return [f"the translation has the number {number}, which its source does not; numbers come from data: "
            "use the source's placeholder or its exact number"
            for number in NUMBER_RE.findall(PLACEHOLDER_RE.sub(" ", text)) if _num(number) not in source_numbers]


# Text that is, or that a reader's software may turn into, a link: any `scheme://…`, the
# schemes that run or read things without `//`, and bare `www.` hosts.
_URL_TEXT = re.compile(r"(?i)(?<![\w.+-])(?:[a-z][a-z0-9+.-]*://|(?:javascript|vbscript|data|file|mailto|tel|blob):|www\.)"
                       r"[^\s<>\"'`)\]]+")


def link_targets(text: str) -> set[str]:
    """The link targets of a text: those its Markdown makes, and URL-like text."""
    targets = {m.group(0) for m in _URL_TEXT.finditer(text)}
    if re.search(r"\]\s*[(\[:]|<[^>]*:", text):
        from . import model
        from .mdconv import parse_blocks

        def walk(node):
            if isinstance(node, model.Link):
                targets.add(node.url.strip())
            if isinstance(node, (list, tuple)):
                for item in node:
                    walk(item)
            elif hasattr(node, "__dataclass_fields__"):
                for name in node.__dataclass_fields__:
                    walk(getattr(node, name))

        try:
            walk(parse_blocks(text))
        except ReportgenError:
            pass  # the text itself is reported where the edition uses it
    targets = {t for t in targets if t}
    # URL-like text stops at a parenthesis; where Markdown read the whole target, keep that one.
    return {t for t in targets if not any(o != t and o.startswith(t) for o in targets)}


def _link_problems(source: str, text: str) -> list[str]:
    added = sorted(t for t in link_targets(text) if t not in source)
    if not added:
        return []
    return [f"the translation links to {', '.join(f'`{t}`' for t in added)}, which its source does not; "
            "a translation keeps the source's links (copy each target from the msgid)"]


def _has_words(text: str) -> bool:
    """Only text with letters is translated: "2025" or "—" reads the same in every language."""
    return any(c.isalpha() for c in PLACEHOLDER_RE.sub("", text))


def _norm(placeholder: str) -> str:
    return "{{ " + " ".join(placeholder[2:-2].split()) + " }}"


def _num(text: str) -> str:
    return text.replace(",", "").rstrip("0").rstrip(".") if "." in text else text.replace(",", "")
