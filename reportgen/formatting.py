"""Locale formatting of numbers, money, percentages and dates, from Babel's CLDR data.

Money prints in the compact form market reports use: `32.6亿美元` in Chinese and
`USD 3.26 billion` in English, to the precision the value was written with.
"""

from __future__ import annotations

import datetime
import functools
import math
import re

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_compact_decimal, format_currency, format_decimal, format_percent, get_currency_name

from .locale import edition_locale


@functools.lru_cache(maxsize=None)
def _cldr(locale: str) -> Locale:
    """Babel's locale data, parsed once per locale (parsing costs more than formatting)."""
    return Locale.parse(locale)


# Chinese reports say 元 for renminbi amounts ("268.9亿元"); CLDR's name is 人民币.
ZH_CURRENCY_UNITS = {"CNY": "元"}
# The compact units Babel uses per language (CLDR), largest first.
COMPACT = {"zh": (1e12, 1e8, 1e4), "en": (1e12, 1e9, 1e6, 1e3)}


def _digits_for(resolution: float | None, divisor: float, value: float) -> int:
    if not resolution or resolution <= 0:
        # Unknown precision: three significant digits.
        resolution = 10 ** (math.floor(math.log10(abs(value))) - 2) if value else 1
    return max(0, math.ceil(-math.log10(resolution / divisor) - 1e-9))


def _compact_divisor(value: float, lang: str) -> float:
    for divisor in COMPACT.get(lang, COMPACT["en"]):
        if abs(value) >= divisor:
            return divisor
    return 1.0


def money(value: float, locale: str, currency: str | None = None, resolution: float | None = None,
          digits: int | None = None, names: dict | None = None) -> str:
    """`3.26e9 USD` → `32.6亿美元` (zh) / `USD 3.26 billion` (en)."""
    currency = currency or "CNY"
    lang = edition_locale(str(locale)).language
    divisor = _compact_divisor(value, lang)
    places = digits if digits is not None else _digits_for(resolution, divisor, value)
    if divisor == 1.0:
        if lang == "zh":
            return f"{format_decimal(value, format=_pattern(places), locale=_cldr(locale))}{_zh_unit(currency, locale, names)}"
        return format_currency(value, currency, locale=_cldr(locale), format_type="standard")
    compact = _precise(format_compact_decimal(value, format_type="short" if lang == "zh" else "long",
                                              locale=_cldr(locale), fraction_digits=places), value / divisor, places, locale)
    if lang == "zh":
        return f"{compact}{_zh_unit(currency, locale, names)}"
    return f"{currency} {compact}"


def _precise(compact: str, scaled: float, places: int, locale: str) -> str:
    """Babel's compact form, but with the number printed to `places` decimals and grouped:
    `1.0亿` (not `1亿`) when the data says tenths, `7,000亿` (not `7000亿`)."""
    number = format_decimal(scaled, format=_pattern(places), locale=_cldr(locale))
    return re.sub(r"\d[\d,.\u00a0\u202f ]*\d|\d", lambda _: number, compact, count=1)


def _zh_unit(currency: str, locale: str, names: dict | None) -> str:
    if names and currency in names:
        return names[currency]
    if currency in ZH_CURRENCY_UNITS and not edition_locale(str(locale)).traditional:
        return ZH_CURRENCY_UNITS[currency]
    return get_currency_name(currency, locale=_cldr(locale))


def _pattern(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places > 0 else "")


def number(value: float, locale: str, digits: int | None = None, resolution: float | None = None) -> str:
    """A plain number with the locale's grouping and decimal signs."""
    if digits is None:
        digits = max(0, math.ceil(-math.log10(resolution) - 1e-9)) if resolution else (0 if float(value).is_integer() else 2)
    return format_decimal(value, format=_pattern(digits), locale=_cldr(locale))


def compact(value: float, locale: str, resolution: float | None = None, digits: int | None = None) -> str:
    """A large quantity in the locale's short form: `3.1亿` / `310.3 million`."""
    lang = edition_locale(str(locale)).language
    divisor = _compact_divisor(value, lang)
    if divisor == 1.0:
        return number(value, locale, digits, resolution)
    places = digits if digits is not None else _digits_for(resolution, divisor, value)
    return _precise(format_compact_decimal(value, format_type="short" if lang == "zh" else "long",
                                           locale=_cldr(locale), fraction_digits=places), value / divisor, places, locale)


def percent(value: float, locale: str, digits: int = 2) -> str:
    """0.1522 → `15.22%` in the locale's style."""
    return format_percent(value, format=_pattern(digits) + "%", locale=_cldr(locale))


def month(value, locale: str) -> str:
    """`2025-07` (or a date) → `2025年7月` / `July 2025`."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        date = value
    elif not isinstance(value, str) or len(value) > 40:
        raise ValueError("month() needs a text such as \"2025-07\" or \"2025-07-15\"")
    else:
        match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*", str(value))
        if not match:
            raise ValueError(f"`{value}` is not a date; write YYYY-MM or YYYY-MM-DD")
        try:
            date = datetime.date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
        except ValueError:
            raise ValueError(f"`{str(value).strip()}` is not a date that exists; "
                             "write a real month as YYYY-MM or a day as YYYY-MM-DD") from None
    return format_skeleton("yMMMM", date, locale=_cldr(locale))
