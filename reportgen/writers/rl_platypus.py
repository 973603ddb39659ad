"""ReportLab's Platypus, imported without compiling a pattern that is almost never used.

`reportlab.platypus.paragraph` compiles, as it is imported, a regular expression for URIs
(`uri_pat`, about 500 characters with wide character classes: some 50 ms, a twentieth of a
120-page Chinese PDF's whole build). ReportLab uses it only to break a long URL inside its
own `Paragraph`, which reportgen sets for nothing but a cover title. Imported from here, the
pattern is compiled the first time it is used instead; every other pattern as usual.

Import this module before anything that imports `reportlab.platypus`.
"""

from __future__ import annotations

import re
import sys

# How ReportLab's URI pattern starts (reportlab/platypus/paragraph.py): nothing else is deferred.
_URI_START = "(^(?:[a-z0-9\\.\\-\\+]*)://)"


class _CompiledOnFirstUse:
    """A compiled pattern made when one of its methods is first asked for."""

    def __init__(self, pattern: str, flags: int):
        self._args = (pattern, flags)
        self._compiled = None

    def __getattr__(self, name: str):
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


def _import() -> None:
    if "reportlab.platypus.paragraph" in sys.modules:
        return
    real = re.compile

    def compile_(pattern, flags=0):
        if isinstance(pattern, str) and pattern.startswith(_URI_START):
            return _CompiledOnFirstUse(pattern, flags)
        return real(pattern, flags)

    re.compile = compile_
    try:
        import reportlab.platypus.paragraph  # noqa: F401
    finally:
        re.compile = real


_import()
