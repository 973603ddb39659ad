"""Diagnostics: user errors as values with a location, collected and reported together."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Loc:
    """A place in a source file; line and column are 1-based."""

    path: str
    line: int = 0
    col: int = 0
    # How the text at this place was written: "" plain, '"' or "'" quoted, "|" or ">" block.
    style: str = field(default="", compare=False)

    def at(self, source: str, offset: int) -> "Loc":
        """The location of character `offset` of the scalar text that starts here."""
        before = source[:offset]
        lines = before.count("\n")
        if self.style in ("|", ">"):
            # self.line/col point at the first content line and its indentation.
            col = self.col + len(before) - (before.rfind("\n") + 1)
            return Loc(self.path, self.line + lines, col)
        if lines:
            return Loc(self.path, self.line + lines, len(before) - before.rfind("\n"))
        quote = 1 if self.style in ('"', "'") else 0
        return Loc(self.path, self.line, self.col + quote + offset)

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path


@dataclass(frozen=True)
class Diagnostic:
    """One problem a user can fix: where, what, and what would be right."""

    loc: Loc | None
    message: str
    severity: str = "error"  # "error", "warning", or "note" (never fails a build, even --strict)
    code: str = "spec"

    def __str__(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        return f"{where}{self.severity}: {self.message} [{self.code}]"


@dataclass
class Diagnostics:
    """An ordered collection of diagnostics, shared by the stages of one build."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, loc: Loc | None, message: str, code: str = "spec") -> None:
        self.items.append(Diagnostic(loc, message, "error", code))

    def warning(self, loc: Loc | None, message: str, code: str = "spec") -> None:
        self.items.append(Diagnostic(loc, message, "warning", code))

    def note(self, loc: Loc | None, message: str, code: str = "spec") -> None:
        self.items.append(Diagnostic(loc, message, "note", code))

    def extend(self, other: "Diagnostics") -> None:
        self.items.extend(other.items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self):
        return iter(self.items)


class ReportgenError(Exception):
    """Raised to stop a stage; carries located diagnostics for the user."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str, loc: Loc | None = None):
        if isinstance(diagnostics, str):
            diagnostics = [Diagnostic(loc, diagnostics)]
        elif isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def did_you_mean(word: str, choices) -> str:
    """A ' did you mean `x`?' suffix when a close match exists, else ''."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""
