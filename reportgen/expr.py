"""`{{ ... }}` data expressions: evaluated in Jinja2's sandbox, narrowed further.

An expression may read data namespaces (by key, never by Python attribute), use
literals and arithmetic, and call the functions in `FUNCTIONS`. It cannot import,
touch files, reach Python internals, or run unbounded work.
"""

from __future__ import annotations

import math
import re
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from . import formatting
from .data import DataList, DataMap
from .errors import Loc, ReportgenError, did_you_mean

EXPR_RE = re.compile(r"\{\{(.*?)\}\}", re.S)
MAX_SEQUENCE = 100_000  # longest string or list an expression may build


class ExprError(Exception):
    """A user mistake inside an expression; the message says what to do."""


def _series(value, name: str) -> DataMap:
    if not isinstance(value, DataMap):
        raise ExprError(f"{name}() needs a series (a mapping of year or category to value), not {_what(value)}")
    return value


def _get(series: DataMap, key):
    if key in series:
        return series[key]
    if isinstance(key, float) and key.is_integer() and int(key) in series:
        return series[int(key)]
    keys = ", ".join(str(k) for k in series)
    raise ExprError(f"`{series.path}` has no value for `{key}` (it has {keys})")


def _numbers(values) -> list[float]:
    if isinstance(values, DataMap):
        values = list(values.values())
    out = []
    for v in values:
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


def _sum(values) -> float:
    return math.fsum(_numbers(values))


def _min(values) -> float:
    return min(_numbers(values))


def _max(values) -> float:
    return max(_numbers(values))


def _what(value) -> str:
    if isinstance(value, DataMap):
        return f"the series `{value.path}`"
    if isinstance(value, DataList):
        return f"the table `{value.path}`"
    if isinstance(value, str):
        return f"the text `{value}`"
    return f"`{value}`"


class Evaluator:
    """Evaluates expressions for one edition: its data and its locale."""

    def __init__(self, namespaces: dict, locale: str, settings: dict | None = None):
        self.namespaces = namespaces
        self.locale = locale
        self.settings = settings or {}
        self.env = _Sandbox(undefined=StrictUndefined)
        self.env.globals.clear()  # no range(), lipsum(), cycler or namespace()
        self.functions = {
            "growth": growth, "cagr": cagr, "growth_rates": growth_rates, "share": share, "sum": _sum, "min": _min, "max": _max,
            "money": self.money, "number": self.number, "compact": self.compact, "percent": self.percent, "month": self.month,
            "round": round, "abs": abs, "years": lambda s: list(_series(s, "years").keys()),
            "first": lambda s: list(_series(s, "first").values())[0],
            "last": lambda s: list(_series(s, "last").values())[-1],
        }
        self.env.allowed = set(map(id, self.functions.values()))
        self._compiled: dict[str, Any] = {}

    # ---- formatting functions (they know the edition's locale)

    def money(self, value, currency=None, digits=None) -> str:
        """Money in compact local form; currency and precision from the data unless given."""
        value = _finite(_number(value, "money"))
        currency = currency or getattr(value, "currency", None) or self.settings.get("currency") or "CNY"
        resolution = getattr(value, "resolution", None) or self.settings.get("money_resolution")
        return formatting.money(value, self.locale, currency, resolution, digits, self.settings.get("currency_names"))

    def number(self, value, digits=None) -> str:
        value = _finite(_number(value, "number"))
        return formatting.number(value, self.locale, digits, getattr(value, "resolution", None))

    def compact(self, value, digits=None) -> str:
        """A large quantity in short form: 3.1亿 / 310 million."""
        value = _finite(_number(value, "compact"))
        return formatting.compact(value, self.locale, getattr(value, "resolution", None), digits)

    def percent(self, value, digits=None) -> str:
        value = _finite(_number(value, "percent"))
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
            fn = self._compiled.get(expression)
            if fn is None:
                fn = self.env.compile_expression(expression, undefined_to_none=False)
                self._compiled[expression] = fn
            result = fn(**self.namespaces, **self.functions)
            if isinstance(result, Undefined):
                str(result)  # raises the UndefinedError that names the unknown name
            return result
        except TemplateSyntaxError as exc:
            raise ReportgenError(f"expression `{expression.strip()}`: {exc.message}", loc) from None
        except UndefinedError as exc:
            raise ReportgenError(f"expression `{expression.strip()}`: {self._undefined(exc)}", loc) from None
        except ExprError as exc:
            raise ReportgenError(f"expression `{expression.strip()}`: {exc}", loc) from None
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise ReportgenError(f"expression `{expression.strip()}`: {_plain_error(exc)}", loc) from None
        except RecursionError:
            raise ReportgenError(f"expression `{expression.strip()}` is nested too deeply", loc) from None

    def _undefined(self, exc: UndefinedError) -> str:
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
            raise ReportgenError(f"expression `{expression.strip()}` gives {value}, not something to print", loc)
        if isinstance(value, (int, float)):
            if not math.isfinite(value) or abs(value) > 1e18:
                raise ReportgenError(f"expression `{expression.strip()}` gives a number too large to print", loc)
            return self.number(value)
        raise ReportgenError(
            f"expression `{expression.strip()}` gives {_what(value)}, not a value; "
            "pick one item, e.g. series[2025], or format it with money(), number() or percent()", loc)


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ExprError(f"{name}() needs a number, not {_what(value)}")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value) or abs(value) > 1e18:
        raise ExprError("the number is too large to print; check the values")
    return value


def _plain_error(exc: Exception) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero (is a value 0?)"
    if isinstance(exc, ArithmeticError):
        return "the arithmetic overflows; check the values"
    return str(exc)


class _Sandbox(SandboxedEnvironment):
    """Jinja2's sandbox, allowing only data lookups and reportgen's own functions."""

    intercepted_binops = frozenset(["**", "*"])
    allowed: set = set()

    def getattr(self, obj, attribute):
        if isinstance(obj, DataMap):
            if attribute in obj:
                return obj[attribute]
            raise ExprError(f"`{obj.path}.{attribute}` — no such name in `{obj.path}`"
                            f"{did_you_mean(attribute, [k for k in obj if isinstance(k, str)])}")
        raise ExprError(f"`.{attribute}` is not allowed here: expressions read data, not Python attributes")

    def getitem(self, obj, argument):
        if isinstance(obj, DataMap):
            if isinstance(argument, str) and argument not in obj:
                raise ExprError(f"`{obj.path}` has no `{argument}`{did_you_mean(argument, [str(k) for k in obj])}")
            return _get(obj, argument)
        if isinstance(obj, (list, tuple)) and isinstance(argument, int) and not isinstance(argument, bool):
            try:
                return obj[argument]
            except IndexError:
                raise ExprError(f"index {argument} is past the end ({len(obj)} items)") from None
        raise ExprError(f"cannot index {_what(obj)} with `{argument}`")

    def call(self, __context, __obj, *args, **kwargs):
        if id(__obj) not in self.allowed:
            raise ExprError("only reportgen's functions can be called (growth, cagr, growth_rates, share, sum, min, max, "
                            "money, number, compact, percent, month, round, abs, years, first, last)")
        return __obj(*args, **kwargs)

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 100 or (
                    isinstance(left, (int, float)) and abs(left) > 1e18):
                raise ExprError("powers with exponents above 100 or bases above 10^18 are not allowed")
            return left ** right
        if isinstance(left, (str, list)) or isinstance(right, (str, list)):
            count = right if isinstance(left, (str, list)) else left
            size = len(left if isinstance(left, (str, list)) else right)
            if isinstance(count, int) and size * count > MAX_SEQUENCE:
                raise ExprError("the result would be too long")
        return left * right

    def is_safe_attribute(self, obj, attr, value):
        return False

    def is_safe_callable(self, obj):
        return id(obj) in self.allowed
