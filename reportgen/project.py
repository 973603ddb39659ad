"""The project a command works on: found from any folder inside it, with its defaults.

A project's root is the nearest folder, from where reportgen runs upwards, that holds a
`pyproject.toml` with a `[tool.reportgen]` table or a `content/` folder. The table may set
defaults that the command line overrides:

    [tool.reportgen]
    locales = ["zh_CN", "en"]     # editions build and check work on (default: each report's own)
    formats = ["pdf"]             # what build writes (default: pdf and docx)
    output = "dist/reports"       # where build writes and list reads (default: output)
    jobs = 1                      # build processes (default: the number of cores)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Diagnostic, Loc, ReportgenError, did_you_mean

PYPROJECT = "pyproject.toml"
TABLE = "tool.reportgen"
FORMATS = ("pdf", "docx")
KEYS = ("locales", "formats", "output", "jobs")


@dataclass
class Settings:
    """The project's defaults; empty lists mean "whatever each report has" and both formats."""

    locales: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    output: str = "output"
    jobs: int | None = None
    source: str = ""  # where they were read ("" when the project has no [tool.reportgen] table)


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that is a reportgen project, or None."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "content").is_dir() or _has_table(folder / PYPROJECT):
            return folder
    return None


def _has_table(path: Path) -> bool:
    """True when `path` is a pyproject.toml with a [tool.reportgen] table. A file that does not
    parse counts when it names the table, so that its syntax error is reported, not skipped."""
    if not path.is_file():
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*reportgen\s*\]", text, re.M) is not None or \
        re.search(r"^\s*tool\s*\.\s*reportgen\s*\.", text, re.M) is not None


def load_settings(root: Path) -> Settings:
    """The defaults of `[tool.reportgen]` in the project's pyproject.toml (none when there is
    no such table); a bad value is a located error."""
    path = root / PYPROJECT
    if not _has_table(path):
        return Settings()
    import tomllib

    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts the place in the message: "Invalid value (at line 3, column 11)".
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc)) or "not valid TOML"
        if match:
            where = Loc(PYPROJECT, int(match.group(1)), int(match.group(2)))
        else:  # "(at end of document)": just after the last character
            lines = text.split("\n")
            where = Loc(PYPROJECT, len(lines), len(lines[-1]) + 1)
        raise ReportgenError(Diagnostic(where, f"TOML syntax: {message[0].lower()}{message[1:]}", code="config")) \
            from None
    table = data.get("tool", {}).get("reportgen", {})
    problems: list[Diagnostic] = []

    def error(key: str, message: str) -> None:
        problems.append(Diagnostic(_key_loc(text, key), f"[tool.reportgen] {message}", code="config"))

    if not isinstance(table, dict):
        error("", "should be a table of settings")
        raise ReportgenError(problems)
    settings = Settings(source=f"{PYPROJECT} [{TABLE}]")
    for key, value in table.items():
        if key not in KEYS:
            error(key, f"unknown key `{key}`{did_you_mean(key, KEYS)} (known: {', '.join(KEYS)})")
        elif key == "locales":
            settings.locales = _locales(value, lambda message: error(key, message))
        elif key == "formats":
            if not _strings(value) or not value or any(v not in FORMATS for v in value):
                error(key, f"`formats` should be a list of {' and '.join(FORMATS)}, e.g. [\"pdf\"]")
            else:
                settings.formats = list(dict.fromkeys(value))
        elif key == "output":
            if not isinstance(value, str) or not value.strip():
                error(key, "`output` should be a folder name such as \"output\"")
            else:
                settings.output = value
        elif key == "jobs":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                error(key, "`jobs` should be a whole number of at least 1")
            else:
                settings.jobs = value
    if problems:
        raise ReportgenError(problems)
    return settings


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _locales(value, error) -> list[str]:
    from .locale import LocaleError, edition_locale

    if not _strings(value) or not value:
        error("`locales` should be a list of locale names, e.g. [\"zh_CN\", \"en\"]")
        return []
    for name in value:
        try:
            edition_locale(name)
        except LocaleError as exc:
            error(f"`locales`: {exc}")
            return []
    return list(dict.fromkeys(value))


def _key_loc(text: str, key: str) -> Loc:
    """Where `key` of [tool.reportgen] is written in pyproject.toml (tomllib keeps no places):
    the line of `key = …` and the column of its value, else the table's header."""
    lines = text.splitlines()
    header = None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if re.match(r"\[\s*tool\s*\.\s*reportgen\s*\]", stripped):
            header = number
            continue
        if header is not None and stripped.startswith("["):
            break
        if key:
            dotted = rf"tool\s*\.\s*reportgen\s*\.\s*{re.escape(key)}" if header is None else re.escape(key)
            match = re.match(rf"\s*(?:{dotted}|\"{re.escape(key)}\")\s*=\s*", line)
            if match and (header is not None or "reportgen" in line):
                return Loc(PYPROJECT, number, match.end() + 1)
    return Loc(PYPROJECT, header or 1, 1)
