"""Jinja2's sandbox, narrowed to reportgen's expressions (`expr.py`): data lookups by key,
arithmetic within bounds, reportgen's own functions, filters and tests. Imported when an
edition's first expression is compiled."""

from __future__ import annotations

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.environment import TemplateExpression
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment
from jinja2.visitor import NodeTransformer

from .data import DataMap
from .errors import did_you_mean
from .expr import FILTERS, FUNCTION_NAMES, MAX_SEQUENCE, TESTS, ExprError, _get, _what


def compile_expression(env: "Sandbox", expression: str, max_nodes: int):
    """(the compiled expression, its size in syntax nodes), after checking its size, filters
    and tests; `~` is rewritten to a bounded join that refuses to print a whole series or a
    function."""
    parser = Parser(env, expression, state="variable")
    tree = parser.parse_expression()
    if not parser.stream.eos:
        raise TemplateSyntaxError("unexpected text after the expression", parser.stream.current.lineno)
    size = 1 + sum(1 for _ in tree.find_all(nodes.Node))
    if size > max_nodes:
        raise ExprError(f"the expression has {size} parts, more than the {max_nodes} allowed; "
                        "split it or compute the value in the data")
    for node in [tree, *tree.find_all((nodes.Filter, nodes.Test))]:
        if isinstance(node, nodes.Filter) and node.name not in FILTERS:
            raise ExprError(f"the filter `|{node.name}` is not allowed; filters: "
                            f"{', '.join(sorted(FILTERS))}")
        if isinstance(node, nodes.Test) and node.name not in TESTS:
            raise ExprError(f"the test `is {node.name}` is not allowed; tests: {', '.join(TESTS)}")
    tree = _ConcatToFilter().visit(tree)
    tree.set_environment(env)
    body = [nodes.Assign(nodes.Name("result", "store"), tree, lineno=1)]
    template = env.from_string(nodes.Template(body, lineno=1))
    return TemplateExpression(template, False), size


class _ConcatToFilter(NodeTransformer):
    """Rewrites `a ~ b ~ c` as `[a, b, c]|_concat`, so joining is checked and bounded."""

    def visit_Concat(self, node):
        items = [self.visit(child) for child in node.nodes]
        return nodes.Filter(nodes.List(items, lineno=node.lineno), "_concat", [], [], None, None, lineno=node.lineno)


class Sandbox(SandboxedEnvironment):
    """Jinja2's sandbox, allowing only data lookups and reportgen's own functions: those of
    `evaluator`, its filters `filters` (and the bounded join `~` becomes) and its tests."""

    intercepted_binops = frozenset(["**", "*", "%", "+", "//"])
    allowed: set = set()

    def __init__(self, evaluator, filters: dict, tests: tuple):
        super().__init__(undefined=StrictUndefined)
        self.globals.clear()  # no range(), lipsum(), cycler or namespace()
        self.filters = {**filters, "_concat": evaluator._concat}
        self.tests = {name: test for name, test in self.tests.items() if name in tests}
        self.allowed = set(map(id, evaluator.functions.values()))

    def getattr(self, obj, attribute):
        if isinstance(obj, DataMap):
            if attribute in obj:
                return obj[attribute]
            raise ExprError(f"`{obj.path}.{attribute}` — no such name in `{obj.path}`"
                            f"{did_you_mean(attribute, [k for k in obj if isinstance(k, str)])}")
        raise ExprError(f"`.{attribute}` is not allowed here: expressions read data, not Python attributes")

    def getitem(self, obj, argument):
        if isinstance(obj, DataMap):
            if isinstance(argument, bool) or not isinstance(argument, (str, int, float)):
                raise ExprError(f"cannot index {_what(obj)} with {_what(argument)}; use a key such as 2025 or 'name'")
            if isinstance(argument, str) and argument not in obj:
                raise ExprError(f"`{obj.path}` has no `{argument}`{did_you_mean(argument, [str(k) for k in obj])}")
            return _get(obj, argument)
        if isinstance(obj, (list, tuple)) and isinstance(argument, int) and not isinstance(argument, bool):
            try:
                return obj[argument]
            except IndexError:
                raise ExprError(f"index {argument} is past the end ({len(obj)} items)") from None
        raise ExprError(f"cannot index {_what(obj)} with {_what(argument)}")

    def call(self, __context, __obj, *args, **kwargs):
        if id(__obj) not in self.allowed:
            raise ExprError(f"only reportgen's functions can be called ({', '.join(FUNCTION_NAMES)})")
        return __obj(*args, **kwargs)

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 100 or (
                    isinstance(left, (int, float)) and abs(left) > 1e18):
                raise ExprError("powers with exponents above 100 or bases above 10^18 are not allowed")
            return left ** right
        if operator == "%":
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
                raise ExprError("`%` is the remainder of two numbers; text formatting is not available, use ~ to join texts")
            return left % right
        if operator == "//":
            return left // right
        if operator == "+":
            if isinstance(left, (str, list)) and isinstance(right, (str, list)) and len(left) + len(right) > MAX_SEQUENCE:
                raise ExprError("the result would be too long")
            return left + right
        if isinstance(left, (str, list)) or isinstance(right, (str, list)):
            count = right if isinstance(left, (str, list)) else left
            size = len(left if isinstance(left, (str, list)) else right)
            if isinstance(count, int) and size * count > MAX_SEQUENCE:
                raise ExprError(f"the result would be longer than {MAX_SEQUENCE:,} items")
        return left * right

    def is_safe_attribute(self, obj, attr, value):
        return False

    def is_safe_callable(self, obj):
        return id(obj) in self.allowed
