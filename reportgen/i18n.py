"""Translation: the toolkit's own words and each report's gettext catalogs (Babel)."""

from __future__ import annotations

import datetime
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from babel.messages.pofile import read_po

from .errors import Diagnostic, Diagnostics, Loc, ReportgenError

# Catalogs carry no wall-clock dates, so re-extracting unchanged specs changes no file.
_FIXED_DATE = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)

TOOLKIT_DOMAIN = "reportgen"


def language(locale: str) -> str:
    """`zh_CN` → `zh`; used where only the language matters (numbering, wrapping)."""
    return locale.split("_")[0]


def fallbacks(locale: str) -> list[str]:
    """Catalog lookup order, most specific first: zh_Hant_TW → zh_TW → zh."""
    parts = locale.split("_")
    chain = [locale]
    if len(parts) == 3:
        chain.append(f"{parts[0]}_{parts[2]}")
    chain.append(parts[0])
    return list(dict.fromkeys(chain))


@functools.lru_cache(maxsize=None)
def _toolkit_catalog(locale: str):
    base = resources.files("reportgen") / "locales"
    for name in fallbacks(locale):
        path = base / name / "LC_MESSAGES" / f"{TOOLKIT_DOMAIN}.po"
        if path.is_file():
            with path.open("rb") as fh:
                return read_po(fh, locale=None)
    return None


@functools.lru_cache(maxsize=None)
def toolkit_terms(locale: str) -> dict[str, str]:
    """The words reportgen prints itself ("Contents", "Figure"...) in `locale`; keys are contexts."""
    english = _toolkit_catalog("en")
    terms = {m.context: m.id for m in english if m.id and m.context}
    catalog = _toolkit_catalog(locale)
    if catalog is not None:
        for message in catalog:
            if message.id and message.context and message.string and not message.fuzzy:
                terms[message.context] = message.string
    return terms


def catalog_path(report_dir: Path, locale: str) -> Path:
    """Where a report's translations for `locale` live."""
    return report_dir / "locales" / f"{locale}.po"


# ------------------------------------------------------------------ report catalogs

_PO_LINE = re.compile(r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"$')
PLACEHOLDER_RE = re.compile(r"\{\{.*?\}\}", re.S)
NUMBER_RE = re.compile(r"(?<![0-9A-Za-z_.])\d[\d,]*(?:\.\d+)?")
TRANSLATOR_NOTE = "Keep each {{ … }} placeholder exactly as written; you may move it."


@dataclass
class Catalog:
    """One report's translations for one locale, read with Babel."""

    path: Path
    display: str
    messages: dict  # (context, msgid) -> Message
    language: str | None = None
    babel: object = None  # the Babel catalog


def read_catalog(path: Path, display: str) -> Catalog:
    """Read a `.po` file; syntax and encoding errors become located diagnostics."""
    from babel.messages.pofile import PoFileError

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReportgenError(f"cannot read {display}: {exc.strerror}", Loc(display))
    charset = _po_charset(raw)
    try:
        raw.decode(charset)
    except (UnicodeDecodeError, LookupError) as exc:
        line = raw[: getattr(exc, "start", 0)].count(b"\n") + 1
        raise ReportgenError(Diagnostic(Loc(display, line, 1), f"the file is not valid {charset} (as its header "
                                        "says); save it as UTF-8", "error", "i18n"))
    # Babel forgives an unterminated string (it drops a character); gettext does not.
    for number, line in enumerate(raw.decode(charset).splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not _PO_LINE.match(stripped):
            raise ReportgenError(Diagnostic(Loc(display, number, 1), "PO syntax: this line should be a keyword "
                                 "(msgctxt, msgid, msgstr) with a quoted string, or a quoted continuation; "
                                 "check for a missing closing quote", "error", "i18n"))
    try:
        catalog = read_po(io.BytesIO(raw), abort_invalid=True)
    except PoFileError as exc:
        match = re.search(r"(?:line|on) (\d+)", str(exc))
        line = int(match.group(1)) + 1 if match else 0  # Babel counts lines from 0 here
        message = re.sub(r"\s*(?:on line|on) \d+.*$", "", str(exc)).strip() or "syntax error"
        if "num_plurals" in message:
            message = "more plural forms (msgstr[N]) than the header's Plural-Forms nplurals allows"
        raise ReportgenError(Diagnostic(Loc(display, line, 1), f"PO file: {message}", "error", "i18n"))
    except Exception as exc:  # Babel raises assorted errors on broken files
        raise ReportgenError(f"PO file could not be read: {exc}", Loc(display, 1, 1))
    messages = {(msg.context, msg.id): msg for msg in catalog if msg.id}
    return Catalog(path, display, messages, str(catalog.locale) if catalog.locale else None, catalog)


def _po_charset(raw: bytes) -> str:
    match = re.search(rb"charset=([A-Za-z0-9_-]+)", raw[:2000])
    return match.group(1).decode("ascii") if match else "utf-8"


class Translator:
    """Looks up an edition's strings, warning once for each one not translated."""

    def __init__(self, catalog: Catalog | None, locale: str, diags: Diagnostics, expected: str, draft: bool = False):
        self.draft = draft  # a translation in progress: gaps are notes, not warnings
        self.catalog = catalog
        self.locale = locale
        self.diags = diags
        self.expected = expected  # the .po path the translator should edit, for messages
        self.missing: set = set()

    def __call__(self, source: str, context: str, loc) -> str:
        if not _has_words(source):
            return source
        message = self.catalog.messages.get((context, source)) if self.catalog else None
        if message is not None and message.string and not message.fuzzy:
            return message.string
        key = (context, source)
        if key not in self.missing:
            self.missing.add(key)
            state = "is fuzzy" if message is not None and message.fuzzy else "is not translated"
            where = Loc(self.expected, message.lineno, 1) if message is not None and message.lineno else Loc(self.expected)
            shown = source if len(source) <= 40 else source[:37] + "…"
            origin = f" (from {loc})" if loc else ""
            report = self.diags.note if self.draft else self.diags.warning
            report(where, f"“{shown}”{origin} {state} for {self.locale}; "
                   "using the source text (run `reportgen i18n update`, then translate)", "i18n")
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


def template(recorder: Recorder, report_id: str, source_locale: str):
    """A Babel catalog (the .pot) of everything `recorder` saw."""
    from babel.messages.catalog import Catalog as BabelCatalog

    catalog = BabelCatalog(project=report_id, version="1", charset="utf-8", fuzzy=False,
                           header_comment=f"# Translatable strings of the report `{report_id}` (source: {source_locale}).\n"
                           "# Made by `reportgen i18n extract`; do not edit: translate the locale's .po file.",
                           creation_date=_FIXED_DATE, revision_date=_FIXED_DATE)
    for (context, source), locations in recorder.seen.items():
        notes = [TRANSLATOR_NOTE] if "{{" in source else []
        catalog.add(source, "", locations=locations, context=context, auto_comments=notes)
    return catalog


def write_catalog(catalog, path: Path) -> None:
    """Write a catalog in a stable form (sorted by source location), atomically."""
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_by_file=False, omit_header=False, include_previous=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


def update_catalog(pot, po_path: Path, locale: str, display: str):
    """Merge the template into a locale's catalog: keep translations, mark changed ones fuzzy."""
    from babel.messages.catalog import Catalog as BabelCatalog

    if po_path.exists():
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
    else:
        catalog = BabelCatalog(locale=locale, project=pot.project, version="1", charset="utf-8",
                               header_comment=f"# {locale} translations of the report `{pot.project}`.\n"
                               "# Update with `reportgen i18n update`; keep each {{ … }} placeholder unchanged.",
                               creation_date=_FIXED_DATE, revision_date=_FIXED_DATE, fuzzy=False)
    catalog.update(pot, no_fuzzy_matching=False, update_header_comment=False)
    catalog.revision_date = _FIXED_DATE
    return catalog


def counts(catalog: Catalog) -> tuple[int, int, int]:
    """(translated, fuzzy, untranslated) messages of a catalog, obsolete ones not counted."""
    translated = fuzzy = untranslated = 0
    for message in catalog.messages.values():
        if message.fuzzy and message.string:
            fuzzy += 1
        elif message.string:
            translated += 1
        else:
            untranslated += 1
    return translated, fuzzy, untranslated


def check_catalog(catalog: Catalog, diags: Diagnostics, known: set | None = None) -> None:
    """Placeholders kept, no literal number absent from the source, plural forms right."""
    for (context, source), message in catalog.messages.items():
        text = message.string
        if isinstance(text, (tuple, list)):
            text = " ".join(t for t in text if t)
        if isinstance(source, (tuple, list)):
            source = " ".join(source)
        if not text or message.fuzzy:
            continue
        loc = Loc(catalog.display, message.lineno or 0, 1)
        wanted = sorted(_norm(p) for p in PLACEHOLDER_RE.findall(source))
        got = sorted(_norm(p) for p in PLACEHOLDER_RE.findall(text))
        if wanted != got:
            lost = [p for p in wanted if p not in got]
            extra = [p for p in got if p not in wanted]
            parts = []
            if lost:
                parts.append("missing " + ", ".join(lost))
            if extra:
                parts.append("not in the source " + ", ".join(extra))
            diags.error(loc, f"the translation changes the placeholders ({'; '.join(parts)}); "
                        "copy each {{ … }} from the msgid unchanged", "i18n")
        source_numbers = {_num(n) for n in NUMBER_RE.findall(PLACEHOLDER_RE.sub(" ", source))}
        for number in NUMBER_RE.findall(PLACEHOLDER_RE.sub(" ", text)):
            if _num(number) not in source_numbers:
                diags.error(loc, f"the translation has the number {number}, which its source does not; "
                            "numbers come from data: use the source's placeholder or its exact number", "i18n")
    # Babel's own checks: the number of plural forms, and format flags.
    for message, errors in catalog.babel.check():
        for error in errors:
            diags.error(Loc(catalog.display, message.lineno or 0, 1), f"{error}", "i18n")


def _has_words(text: str) -> bool:
    """Only text with letters is translated: "2025" or "—" reads the same in every language."""
    return any(c.isalpha() for c in PLACEHOLDER_RE.sub("", text))


def _norm(placeholder: str) -> str:
    return "{{ " + " ".join(placeholder[2:-2].split()) + " }}"


def _num(text: str) -> str:
    return text.replace(",", "").rstrip("0").rstrip(".") if "." in text else text.replace(",", "")
