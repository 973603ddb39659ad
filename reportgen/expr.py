"""`{{ ... }}` data expressions: evaluated in Jinja2's sandbox, narrowed further.

An expression may read data namespaces (by key, never by Python attribute), use
literals and arithmetic, and call the functions in `FUNCTIONS`. It cannot import,
touch files, reach Python internals, or run unbounded work.
"""

from __future__ import annotations

import math
import re
from typing import Any

from . import formatting
from .data import DataList, DataMap
from .errors import Loc, ReportgenError, did_you_mean

EXPR_RE = re.compile(r"\{\{(.*?)\}\}", re.S)
# Bounds on what one expression, and all expressions of one edition, may do. Real
# expressions use a dozen nodes and print a few words; these leave a wide margin.
MAX_SEQUENCE = 10_000  # longest string or list an expression may build
MAX_TEXT = 10_000  # longest text an expression may give
MAX_NODES = 400  # syntax nodes in one expression
MAX_EDITION_WORK = 2_000_000  # syntax nodes evaluated for one edition, all expressions together
MAX_DIGITS = 20  # decimals number(), money(), compact() and percent() may print
FUNCTION_NAMES = ("growth", "cagr", "growth_rates", "share", "sum", "min", "max", "money", "number", "compact",
                  "percent", "month", "round", "abs", "years", "first", "last")


class ExprError(ReportgenError):
    """A user mistake inside an expression; the message says what to do.

    `Evaluator.value` adds the expression and its location. It is a ReportgenError so that
    a caller outside an expression (a table column's `digits`) still reports it as a user
    error, never as an internal one.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def _series(value, name: str) -> DataMap:
    if not isinstance(value, DataMap):
        raise ExprError(f"{name}() needs a series (a mapping of year or category to value), not {_what(value)}")
    return value


def _get(series: DataMap, key):
    if key in series:
        return series[key]
    if isinstance(key, float) and key.is_integer() and int(key) in series:
        return series[int(key)]
    keys = [str(k) for _, k in zip(range(12), series)]
    listed = ", ".join(keys[:11]) + (", …" if len(keys) > 11 else "")
    wanted = f"`{key}`" if isinstance(key, (str, int, float)) and not isinstance(key, bool) else _what(key)
    raise ExprError(f"`{series.path}` has no value for {wanted} (it has {listed})")


def _numbers(values) -> list[float]:
    if isinstance(values, DataMap):
        values = list(values.values())
    out = []
    for v in values:
        if v is None:
            continue  # a missing value (an empty CSV cell, `n/a`) is left out
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ExprError(f"expected numbers, found {_what(v)}")
        out.append(v)
    return out


def growth(series, start, end) -> float:
    """Growth from `start` to `end`: end / start - 1."""
    s = _series(series, "growth")
    return _get(s, end) / _get(s, start) - 1


def cagr(series, start, end) -> float:
    """Compound annual growth rate between two years."""
    s = _series(series, "cagr")
    years = float(end) - float(start)
    if years <= 0:
        raise ExprError("cagr() needs the end year after the start year")
    return (_get(s, end) / _get(s, start)) ** (1 / years) - 1


def growth_rates(series) -> DataMap:
    """Each point's annual growth from the point before it (a CAGR across gaps of several years)."""
    s = _series(series, "growth_rates")
    out = DataMap()
    out.path, out.loc, out.key_locs = f"growth_rates({s.path})", s.loc, {}
    keys = list(s)
    for before, key in zip(keys, keys[1:]):
        years = float(key) - float(before)
        out[key] = (s[key] / s[before]) ** (1 / years) - 1 if years > 0 else s[key] / s[before] - 1
    return out


def share(part, total=None) -> float:
    """`share(x, total)` = x / total; `share(series, key)` = series[key] / sum(series)."""
    if isinstance(part, DataMap):
        return _get(part, total) / sum(_numbers(part))
    if total is None:
        raise ExprError("share() needs two values: share(part, total) or share(series, key)")
    return float(part) / float(total)


def _round(value, digits=None):
    """round(x) to a whole number, round(x, d) to d decimals (at most MAX_DIGITS)."""
    value = _number(value, "round")
    return round(value) if digits is None else round(value, _digits(digits, "round"))


def _sum(values) -> float:
    return math.fsum(_numbers(values))


def _min(values) -> float:
    return min(_numbers(values))


def _max(values) -> float:
    return max(_numbers(values))


def _what(value) -> str:
    """A value described for a message: never a Python repr (`<... at 0x...>`)."""
    if isinstance(value, DataMap):
        return f"the series `{value.path}`"
    if isinstance(value, DataList):
        return f"the table `{value.path}`"
    if isinstance(value, str):
        return f"the text `{value if len(value) <= 60 else value[:57] + '...'}`"
    if value is None:
        return "a missing value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {float(value):.6g}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} items"
    if callable(value):
        name = getattr(value, "__name__", "")
        return f"the function `{name.lstrip('_')}`" if name and name != "<lambda>" else "a function"
    return f"a value of another kind ({type(value).__name__})"


_REPR = re.compile(r"<[^<>]*\bat 0x[0-9a-fA-F]+>")


def _no_repr(message: str) -> str:
    """A library message with any Python object repr replaced (they differ run to run)."""
    return _REPR.sub("a Python object", message)


def _digits(value, name: str):
    """A `digits` argument: None or a whole number from 0 to MAX_DIGITS."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value) \
            or not 0 <= value <= MAX_DIGITS:
        raise ExprError(f"{name}(): digits should be a whole number from 0 to {MAX_DIGITS}, not {_what(value)}")
    return int(value)


def _text(value, name: str) -> str:
    if not isinstance(value, str):
        raise ExprError(f"|{name} works on text, not {_what(value)}")
    return value


def _sized(value, name: str):
    if isinstance(value, (str, list, tuple, DataMap, DataList)):
        return value
    raise ExprError(f"|{name} needs a text, a list, a table or a series, not {_what(value)}")


def _f_length(value):
    return len(_sized(value, "length"))


def _f_first(value):
    value = _sized(value, "first")
    if not len(value):
        raise ExprError(f"|first of {_what(value)}, which is empty")
    return next(iter(value.values() if isinstance(value, DataMap) else value))


def _f_last(value):
    value = _sized(value, "last")
    if not len(value):
        raise ExprError(f"|last of {_what(value)}, which is empty")
    return list(value.values())[-1] if isinstance(value, DataMap) else value[-1]


def _f_join(value, separator=""):
    value = _sized(value, "join")
    separator = _text(separator, "join")
    if len(value) > MAX_SEQUENCE:
        raise ExprError(f"|join of more than {MAX_SEQUENCE:,} items")
    items = list(value.values()) if isinstance(value, DataMap) else list(value)
    parts = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ExprError(f"|join joins texts and numbers, not {_what(item)}")
        parts.append(item if isinstance(item, str) else _plain_number(item))
    return _bounded(separator.join(parts))


def _f_number(value, name: str, convert):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or isinstance(value, str) and len(value) > 40:
        raise ExprError(f"|{name} needs a number or a short text of digits, not {_what(value)}")
    try:
        return convert(value)
    except (ValueError, OverflowError):
        raise ExprError(f"|{name}: {_what(value)} is not a number") from None


def _f_round(value, precision=0, method="common"):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"|round needs a number, not {_what(value)}")
    digits = _digits(precision, "round")
    if method not in ("common", "floor", "ceil"):
        raise ExprError("|round's method should be common, floor or ceil")
    if method == "common":
        return round(value, digits)
    factor = 10 ** digits
    return (math.floor if method == "floor" else math.ceil)(value * factor) / factor


def _f_default(value, default="", boolean=False):
    from jinja2 import Undefined  # a filter runs only once an expression is compiled

    if isinstance(value, Undefined) or value is None or (boolean and not value):
        return default
    return value


def _plain_number(value) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e18 else repr(float(value))


def _bounded(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise ExprError(f"the text would be {len(text):,} characters long, more than the {MAX_TEXT:,} an expression may give")
    return text


# The filters an expression may use: harmless, bounded, and type-checked (Jinja's own would
# print a Python repr of the data for `|upper` on a series, or pad a text to gigabytes).
FILTERS = {
    "abs": lambda v: abs(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else abs(_f_number(v, "abs", float)),
    "round": _f_round,
    "int": lambda v: _f_number(v, "int", lambda x: int(float(x)) if isinstance(x, str) else int(x)),
    "float": lambda v: _f_number(v, "float", float),
    "default": _f_default,
    "d": _f_default,
    "length": _f_length,
    "count": _f_length,
    "upper": lambda v: _text(v, "upper").upper(),
    "lower": lambda v: _text(v, "lower").lower(),
    "title": lambda v: _text(v, "title").title(),
    "capitalize": lambda v: _text(v, "capitalize").capitalize(),
    "trim": lambda v: _text(v, "trim").strip(),
    "first": _f_first,
    "last": _f_last,
    "join": _f_join,
}
TESTS = ("defined", "undefined", "none", "number", "string", "even", "odd", "divisibleby")


class Evaluator:
    """Evaluates expressions for one edition: its data and its locale."""

    def __init__(self, namespaces: dict, locale: str, settings: dict | None = None):
        self.namespaces = namespaces
        self.locale = locale
        self.settings = settings or {}
        self._env = None  # Jinja2's sandbox, made (and Jinja2 imported) for the first expression
        self.work = 0  # syntax nodes evaluated so far in this edition (see MAX_EDITION_WORK)
        self.functions = {
            "growth": growth, "cagr": cagr, "growth_rates": growth_rates, "share": share, "sum": _sum, "min": _min, "max": _max,
            "money": self.money, "number": self.number, "compact": self.compact, "percent": self.percent, "month": self.month,
            "round": _round, "abs": lambda x: abs(_number(x, "abs")),
            "years": lambda s: list(_series(s, "years").keys()),
            "first": lambda s: list(_series(s, "first").values())[0],
            "last": lambda s: list(_series(s, "last").values())[-1],
        }
        self._compiled: dict[str, Any] = {}

    @property
    def env(self):
        """The edition's sandbox (`sandbox.py`), made when an expression is first compiled:
        a build whose blocks are all kept (kept.py) imports no Jinja2."""
        if self._env is None:
            from .sandbox import Sandbox

            self._env = Sandbox(self, FILTERS, TESTS)
        return self._env

    # ---- formatting functions (they know the edition's locale)

    def money(self, value, currency=None, digits=None) -> str:
        """Money in compact local form; currency and precision from the data unless given."""
        value = _finite(_number(value, "money"))
        digits = _digits(digits, "money")
        if currency is not None and not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
            raise ExprError(f"money(): the currency should be an ISO code such as CNY or USD, not {_what(currency)}")
        currency = currency or getattr(value, "currency", None) or self.settings.get("currency") or "CNY"
        resolution = getattr(value, "resolution", None) or self.settings.get("money_resolution")
        return formatting.money(value, self.locale, currency, resolution, digits, self.settings.get("currency_names"))

    def number(self, value, digits=None) -> str:
        value = _finite(_number(value, "number"))
        digits = _digits(digits, "number")
        return formatting.number(value, self.locale, digits, getattr(value, "resolution", None))

    def compact(self, value, digits=None) -> str:
        """A large quantity in short form: 3.1亿 / 310 million."""
        value = _finite(_number(value, "compact"))
        digits = _digits(digits, "compact")
        return formatting.compact(value, self.locale, getattr(value, "resolution", None), digits)

    def percent(self, value, digits=None) -> str:
        """A share as a percentage. Decimals: the ones asked for; else, for a value from data,
        as many as it was written with (0.48 → 48%, 0.557 → 55.7%), so a table, a chart and the
        text print one value alike; else (a computed share or rate) the spec's `percent_digits`."""
        resolution = getattr(value, "resolution", None)
        value = _finite(_number(value, "percent"))
        digits = _digits(digits, "percent")
        if digits is None and resolution:
            digits = max(0, math.ceil(-math.log10(resolution) - 1e-9) - 2)
        return formatting.percent(value, self.locale, self.settings.get("percent_digits", 2) if digits is None else digits)

    def month(self, value) -> str:
        try:
            return formatting.month(value, self.locale)
        except ValueError as exc:
            raise ExprError(str(exc)) from None

    # ---- evaluation

    def value(self, expression: str, loc: Loc | None):
        """The value of one expression (without braces), or a located ReportgenError."""
        try:
            compiled = self._compiled.get(expression)
            if compiled is None:
                compiled = self._compile(expression)
                self._compiled[expression] = compiled
            fn, size = compiled
            self.work += size
            if self.work > MAX_EDITION_WORK:
                raise ExprError(f"the expressions of this edition together exceed the work limit "
                                f"({MAX_EDITION_WORK:,} steps); simplify them or compute values in the data")
            result = fn(**self.namespaces, **self.functions)
            if isinstance(result, str):
                _bounded(result)
            elif type(result).__module__.startswith("jinja2"):
                from jinja2 import Undefined

                if isinstance(result, Undefined):
                    str(result)  # raises the UndefinedError that names the unknown name
            return result
        except Exception as exc:  # noqa: BLE001 - each failure an expression can meet becomes a located error
            located = self._located(exc, expression, loc)
            if located is None:
                raise
            raise located from None

    def _located(self, exc: Exception, expression: str, loc) -> ReportgenError | None:
        """The located error an expression's failure is reported as; None for any other
        exception (it goes on). Jinja2's error classes are imported here, when one may be met."""
        from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError

        where = f"expression `{_short(expression)}`"
        if isinstance(exc, TemplateSyntaxError):
            return ReportgenError(f"{where}: {_no_repr(exc.message or 'syntax error')}", loc)
        if isinstance(exc, UndefinedError):
            return ReportgenError(f"{where}: {self._undefined(exc)}", loc)
        if isinstance(exc, ExprError):
            return ReportgenError(f"{where}: {_no_repr(str(exc))}", loc)
        if isinstance(exc, (ArithmeticError, ValueError, TypeError)):
            return ReportgenError(f"{where}: {_no_repr(_plain_error(exc))}", loc)
        if isinstance(exc, RecursionError):
            return ReportgenError(f"{where} is nested too deeply", loc)
        if isinstance(exc, (TemplateError, LookupError, AttributeError)):
            return ReportgenError(f"{where}: {_no_repr(str(exc) or 'not allowed')}", loc)
        return None

    def _compile(self, expression: str):
        """The expression compiled after checking its size, filters and tests (`sandbox.py`)."""
        from .sandbox import compile_expression

        return compile_expression(self.env, expression, MAX_NODES)

    def _concat(self, items) -> str:
        """`a ~ b`: texts and numbers joined, at most MAX_TEXT characters."""
        parts = []
        for item in items:
            if isinstance(item, str):
                parts.append(item)
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                parts.append(self.number(item) if isinstance(item, float) and not float(item).is_integer()
                             else _plain_number(_finite(item)))
            else:
                raise ExprError(f"`~` joins texts and numbers, not {_what(item)}")
            if sum(map(len, parts)) > MAX_TEXT:
                raise ExprError(f"the text would be more than the {MAX_TEXT:,} characters an expression may give")
        return "".join(parts)

    def _undefined(self, exc: Exception) -> str:
        message = str(exc.message or exc)
        match = re.search(r"'([^']+)' is undefined", message)
        if match:
            name = match.group(1)
            known = [*self.namespaces, *self.functions]
            return f"no data or function named `{name}`{did_you_mean(name, known)}" + (
                "" if self.namespaces else "; list the data file under the report's `data:`")
        return message

    def expand(self, text: str, loc: Loc | None) -> str:
        """Replace every `{{ expr }}` in `text` by its formatted value."""
        if "{{" not in text:
            return text

        def one(match: re.Match) -> str:
            here = loc.at(text, match.start(1) + len(match.group(1)) - len(match.group(1).lstrip())) if loc else None
            value = self.value(match.group(1), here)
            return self.display(value, match.group(1), here)

        return EXPR_RE.sub(one, text)

    def display(self, value, expression: str, loc) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, bool) or value is None:
            raise ReportgenError(f"expression `{_short(expression)}` gives {_what(value)}, not something to print", loc)
        if isinstance(value, (int, float)):
            if not math.isfinite(value) or abs(value) > 1e18:
                raise ReportgenError(f"expression `{_short(expression)}` gives a number too large to print", loc)
            return self.number(value)
        raise ReportgenError(
            f"expression `{_short(expression)}` gives {_what(value)}, not a value; "
            "pick one item, e.g. series[2025], or format it with money(), number() or percent()", loc)


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"{name}() needs a number, not {_what(value)}")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value) or abs(value) > 1e18:
        raise ExprError("the number is too large to print; check the values")
    return value


def _short(expression: str) -> str:
    text = expression.strip()
    return text if len(text) <= 200 else text[:197] + "..."


def _plain_error(exc: Exception) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero (is a value 0?)"
    if isinstance(exc, ArithmeticError):
        return "the arithmetic overflows; check the values"
    return str(exc)
