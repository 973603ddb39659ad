"""One locale object per edition: every stage asks it instead of re-deriving facts from a
string ("is this Chinese?", "which script?", "which heading numbers?").

A locale reportgen cannot build (a misspelt name, a language it has no words for) is an
error with a suggestion, never a silent English fallback.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from babel import Locale, UnknownLocaleError

from .errors import Loc, ReportgenError

# Languages reportgen has its own words for (contents, figure, table, source...) and knows
# how to set: heading numbers, fonts, line breaking.
LANGUAGES = {"en": "English", "zh": "Chinese"}
CJK_LANGUAGES = {"zh", "ja", "ko"}
# Chinese territories written in Traditional characters when no script is named.
HANT_TERRITORIES = {"TW", "HK", "MO"}
NAME_RE = re.compile(r"^[a-z]{2,3}(_[A-Z][a-z]{3})?(_[A-Z]{2})?$")


@dataclass(frozen=True, eq=False)
class EditionLocale:
    """What an edition's locale means for each stage. It equals its name (`loc == "zh_CN"`),
    so code and tests that compare names keep working."""

    name: str  # as written in specs and file names: zh_CN, zh_TW, en
    language: str  # zh, en
    script: str  # Hans, Hant, Latn
    territory: str  # CN, TW, "" when none
    tag: str  # BCP 47, for document metadata: zh-CN, zh-TW, zh-Hant, en
    babel: Locale = field(compare=False, repr=False)

    @property
    def cjk(self) -> bool:
        """Set in a CJK font with CJK line breaking."""
        return self.language in CJK_LANGUAGES

    @property
    def numbering(self) -> str:
        """The family of heading numbers a layout gives (`numbering: {zh: ..., en: ...}`)."""
        return "zh" if self.language == "zh" else "en"

    @property
    def traditional(self) -> bool:
        return self.script == "Hant"

    @property
    def catalogs(self) -> list[str]:
        """reportgen's own catalogs to look in, most specific first: zh_HK → zh_TW (Hant)."""
        chain = [self.name]
        if self.territory and self.script and self.name.count("_") == 2:
            chain.append(f"{self.language}_{self.territory}")
        if self.language == "zh":
            chain.append("zh_TW" if self.traditional else "zh_CN")
        chain.append(self.language)
        return list(dict.fromkeys(chain))

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other) -> bool:
        if isinstance(other, EditionLocale):
            return self.name == other.name
        if isinstance(other, str):
            return self.name == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)


class LocaleError(ValueError):
    """A locale name reportgen cannot build; the message says what to write instead."""


def _suggest(name: str) -> str:
    """zh-CN → zh_CN, ZH_cn → zh_CN, en-us → en_US; '' when nothing close is buildable."""
    parts = [p for p in re.split(r"[-_.@\s]+", name.strip()) if p]
    if not parts:
        return ""
    fixed = [parts[0].lower()]
    for part in parts[1:]:
        fixed.append(part.title() if len(part) == 4 else part.upper())
    candidate = "_".join(fixed)
    if candidate == name or not NAME_RE.match(candidate):
        return ""
    try:
        edition_locale(candidate)
    except LocaleError:
        return ""
    return candidate


@functools.lru_cache(maxsize=None)
def edition_locale(name: str) -> EditionLocale:
    """The EditionLocale of `name`, or LocaleError saying why it cannot be built."""
    text = str(name)
    if not NAME_RE.match(text):
        hint = _suggest(text)
        raise LocaleError(f"`{text}` is not a locale name; "
                          + (f"did you mean `{hint}`?" if hint else "write e.g. zh_CN, zh_TW or en"))
    try:
        babel = Locale.parse(text)
    except (UnknownLocaleError, ValueError):
        raise LocaleError(f"`{text}` is not a locale Babel knows; write e.g. zh_CN, zh_TW or en") from None
    language = babel.language
    if language not in LANGUAGES:
        known = ", ".join(f"{code} ({word})" for code, word in LANGUAGES.items())
        raise LocaleError(f"reportgen cannot build `{text}` editions: it has no words or typesetting rules "
                          f"for that language yet (it knows {known})")
    territory = babel.territory or ""
    script = babel.script or ""
    if not script:
        if language == "zh":
            script = "Hant" if territory in HANT_TERRITORIES else "Hans"
        else:
            script = "Latn"
    # The tag documents declare, as Word and PDF readers expect it: zh-CN, zh-TW, en; the
    # script only where no territory implies it (zh-Hant).
    tag = language + (f"-{territory}" if territory else (f"-{babel.script}" if babel.script else ""))
    return EditionLocale(text, language, script, territory, tag, babel)


def parse_locale(name: str, loc: Loc | None = None) -> EditionLocale:
    """edition_locale, raising a located ReportgenError instead."""
    try:
        return edition_locale(name)
    except LocaleError as exc:
        raise ReportgenError(str(exc), loc) from None


def roman(n: int) -> str:
    """4 → IV (heading and list numbers)."""
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out
