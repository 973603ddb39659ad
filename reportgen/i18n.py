"""Translation: the toolkit's own words and each report's gettext catalogs (Babel)."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from babel.messages.pofile import read_po

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
