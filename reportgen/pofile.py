"""Gettext PO files: read strictly, written with polib.

polib (like Babel) forgives a broken file: an unterminated string is cut short, a line
it does not understand is skipped, the second of two duplicate entries replaces the first.
A translator's file that is read that way and written back loses work without a word.
So this module reads with its own strict tokenizer of the PO grammar (as gettext's
`msgfmt` does) and builds polib entries from it; anything it cannot read exactly is a
located error and the file is left alone. polib's model and writer keep what Babel's
drops: previous-msgid lines (`#| msgid`), translator comments, flags.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import polib

from .errors import Diagnostic, Loc, ReportgenError

# The escapes polib reads and writes back unchanged; gettext's octal, hex and `\a` forms
# would be written back as other text, so they are refused rather than altered.
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "b": "\b", "f": "\f", "\\": "\\", '"': '"'}
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"[ \t]*')
_STRINGS = re.compile(r'(?:"(?:[^"\\]|\\.)*"[ \t]*)+')  # gettext joins `"a" "b"` on one line
_ESCAPE = re.compile(r"\\(.)")
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?(?=[ \t\"]|$)[ \t]*(.*)$")
_CHARSET = re.compile(rb"charset=([A-Za-z0-9_.:-]+)")
_PREVIOUS = {"msgctxt": "previous_msgctxt", "msgid": "previous_msgid", "msgid_plural": "previous_msgid_plural"}

WIDTH = 0  # strings are not wrapped: one line per source line, as reportgen always wrote them


@dataclass
class EntryLines:
    """Where an entry's parts are in its file (1-based lines), for messages."""

    first: int
    msgid: int = 0
    msgstr: int = 0
    flags: int = 0


@dataclass
class Parsed:
    """A strictly read catalog: the polib file and where each active entry is."""

    po: polib.POFile
    lines: dict  # (msgctxt, msgid) -> EntryLines


def charset_of(raw: bytes) -> str:
    """The charset the header declares (UTF-8 when none is declared)."""
    match = _CHARSET.search(raw[:4000])
    return match.group(1).decode("ascii") if match else "utf-8"


class _Error(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


@dataclass
class _Entry:
    first: int = 0
    obsolete: bool | None = None  # None until a keyword line says
    tcomment: list = field(default_factory=list)
    comment: list = field(default_factory=list)
    occurrences: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    flags_line: int = 0
    previous: dict = field(default_factory=dict)  # polib field name -> [parts]
    fields: dict = field(default_factory=dict)  # "msgctxt", "msgid", "msgid_plural", "msgstr" -> [parts]
    lines: dict = field(default_factory=dict)  # field -> line of its keyword
    plural: dict = field(default_factory=dict)  # index -> [parts]
    current: list | None = None  # the parts a continuation line extends
    current_previous: list | None = None

    @property
    def started(self) -> bool:
        return bool(self.fields or self.plural)

    @property
    def complete(self) -> bool:
        return "msgstr" in self.fields or bool(self.plural)

    @property
    def empty(self) -> bool:
        return not (self.started or self.tcomment or self.comment or self.occurrences or self.flags or self.previous)


def _string(text: str, line: int) -> str:
    """The value of one quoted PO string, or a located error."""
    match = _STRINGS.fullmatch(text)
    if not match:
        if not text.startswith('"'):
            raise _Error(line, "a quoted string should follow here")
        raise _Error(line, "this string is not closed (check for a missing closing quote): it should end with a "
                     'double quote on the same line, and a double quote inside the text is written \\"')

    def unescape(m: re.Match) -> str:
        char = m.group(1)
        if char not in _ESCAPES:
            raise _Error(line, f"unknown escape `\\{char}` in a string; write the character itself "
                         "(escapes allowed: \\n \\t \\\" \\\\)")
        return _ESCAPES[char]

    return "".join(_ESCAPE.sub(unescape, part) for part in _STRING.findall(text))


def _located(display: str, errors: list[_Error]) -> ReportgenError:
    return ReportgenError([Diagnostic(Loc(display, e.line, 1), f"PO file: {e.message}; the file was not changed",
                                      "error", "i18n") for e in errors])


def decode(raw: bytes, display: str) -> str:
    """The text of a catalog in the charset its header declares, or a located error."""
    charset = charset_of(raw)
    try:
        codecs.lookup(charset)
    except LookupError:
        line = raw[: _CHARSET.search(raw).start()].count(b"\n") + 1
        raise _located(display, [_Error(line, f"the header's charset `{charset}` is not an encoding name; "
                                        "use charset=UTF-8")]) from None
    if raw.startswith(codecs.BOM_UTF8) and codecs.lookup(charset).name == "utf-8":
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode(charset)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _located(display, [_Error(line, f"the file is not valid {charset} (as its header says); "
                                        "save it as UTF-8")]) from None


def parse(raw: bytes, display: str) -> Parsed:
    """Read a PO file strictly: every line must be PO syntax, every entry complete and unique."""
    text = decode(raw, display)
    reader = _Reader()
    reader.run(text)
    if reader.errors:
        raise _located(display, reader.errors)
    return _assemble(reader.entries, display, charset_of(raw))


class _Reader:
    """The PO grammar, one line at a time."""

    def __init__(self):
        self.errors: list[_Error] = []
        self.entries: list[tuple[_Entry, polib.POEntry]] = []
        self.entry = _Entry()

    def finish(self) -> None:
        entry = self.entry
        if entry.started:
            if not entry.complete:
                self.errors.append(_Error(entry.lines.get("msgid", entry.first), "this msgid has no msgstr"))
            else:
                self.entries.append((entry, _build(entry)))
            self.entry = _Entry()

    def run(self, text: str) -> None:
        skipping = False
        for number, raw_line in enumerate(text.split("\n"), start=1):
            line = raw_line.strip()
            if skipping:
                # After an error, resume at the next blank line, so one run reports every broken entry.
                skipping = bool(line)
                continue
            try:
                self.line(line, number)
            except _Error as exc:
                self.errors.append(exc)
                self.entry = _Entry()
                skipping = True
        entry = self.entry
        if entry.started:
            self.finish()
        elif not entry.empty:
            self.errors.append(_Error(entry.first, "comments at the end of the file belong to no entry; "
                                      "move them above an entry or delete them"))

    def line(self, line: str, number: int) -> None:
        if not line:
            return  # as in gettext, blank lines separate nothing: the keywords do
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if not line:
                return
            if line.startswith("|"):
                if self.entry.started:
                    if not self.entry.complete:
                        raise _Error(number, "a comment inside an entry; comments go before its msgctxt/msgid")
                    self.finish()
                _previous(self.entry, line[1:].strip(), number)
                return
        elif line.startswith("#"):
            if self.entry.started:
                if not self.entry.complete:
                    raise _Error(number, "a comment inside an entry; comments go before its msgctxt/msgid")
                self.finish()
            _comment(self.entry, line, number)
            return
        self.keyword(line, number, obsolete)

    def keyword(self, line: str, number: int, obsolete: bool) -> None:
        entry = self.entry
        match = _KEYWORD.match(line)
        if match is None:
            if line.startswith('"'):
                if entry.current is None:
                    raise _Error(number, "a quoted string with no msgid or msgstr before it")
                if entry.obsolete != obsolete:
                    raise _Error(number, "an entry mixes obsolete (#~) lines and active lines")
                entry.current.append(_string(line, number))
                return
            raise _Error(number, "this line is not PO syntax: expected msgctxt, msgid or msgstr with a quoted "
                         "string, a quoted continuation, a comment (#) or a blank line")
        word, index, rest = match.groups()
        if entry.started and not entry.complete and word in ("msgctxt", "msgid") and "msgid" in entry.fields:
            raise _Error(entry.lines["msgid"], "this msgid has no msgstr")
        if entry.started and entry.complete and word in ("msgctxt", "msgid"):
            self.finish()  # gettext allows entries with no blank line between them
            entry = self.entry
        if entry.empty:
            entry.first = number
        if entry.started and entry.obsolete != obsolete:
            raise _Error(number, "an entry mixes obsolete (#~) lines and active lines")
        entry.obsolete = obsolete
        value = _string(rest, number)
        fields = entry.fields
        if index is not None and word != "msgstr":
            raise _Error(number, f"`{word}` takes no [index]; only msgstr[N] does")
        if word == "msgctxt":
            if entry.started:
                raise _Error(number, "msgctxt should come before msgid")
        elif word == "msgid":
            if "msgid" in fields:
                raise _Error(number, "a second msgid before this entry's msgstr")
        elif word == "msgid_plural":
            if "msgid" not in fields or "msgid_plural" in fields or entry.complete:
                raise _Error(number, "msgid_plural should follow the msgid")
        elif index is None:
            if "msgid" not in fields:
                raise _Error(number, "msgstr with no msgid before it")
            if "msgid_plural" in fields:
                raise _Error(number, "this entry has msgid_plural: its translations are msgstr[0], msgstr[1] ...")
            if "msgstr" in fields:
                raise _Error(number, "a second msgstr in one entry")
        else:
            if "msgid_plural" not in fields:
                raise _Error(number, "msgstr[N] belongs to an entry with msgid_plural; write msgstr")
            if int(index) != len(entry.plural):
                raise _Error(number, f"msgstr[{index}] out of order: expected msgstr[{len(entry.plural)}]")
            entry.plural[int(index)] = [value]
            entry.current = entry.plural[int(index)]
            entry.lines.setdefault("msgstr", number)
            return
        fields[word] = [value]
        entry.lines[word] = number
        entry.current = fields[word]


def _comment(entry: _Entry, line: str, number: int) -> None:
    if entry.empty:
        entry.first = number
    kind, rest = line[:2], line[2:].strip()
    if kind == "#|":
        _previous(entry, rest, number)
    elif kind == "#,":
        entry.flags.extend(f.strip() for f in rest.split(",") if f.strip())
        entry.flags_line = entry.flags_line or number
    elif kind == "#.":
        entry.comment.append(rest)
    elif kind == "#:":
        for token in rest.split():
            path, _, lineno = token.rpartition(":")
            entry.occurrences.append((path, lineno) if path and lineno.isdigit() else (token, ""))
    else:
        body = line[1:]
        entry.tcomment.append(body[1:] if body.startswith(" ") else body)


def _previous(entry: _Entry, rest: str, number: int) -> None:
    if entry.empty:
        entry.first = number
    match = _KEYWORD.match(rest)
    if match and match.group(1) in _PREVIOUS and match.group(2) is None:
        name = _PREVIOUS[match.group(1)]
        if name in entry.previous:
            raise _Error(number, f"a second `#| {match.group(1)}` in one entry")
        entry.previous[name] = [_string(match.group(3), number)]
        entry.current_previous = entry.previous[name]
    elif rest.startswith('"') and entry.current_previous is not None:
        entry.current_previous.append(_string(rest, number))
    else:
        raise _Error(number, "a `#|` line should hold `msgctxt`, `msgid` or `msgid_plural` with a quoted "
                     "string, or continue one")


def _build(entry: _Entry) -> polib.POEntry:
    join = "".join
    e = polib.POEntry(
        msgid=join(entry.fields["msgid"]),
        msgctxt=join(entry.fields["msgctxt"]) if "msgctxt" in entry.fields else None,
        msgid_plural=join(entry.fields.get("msgid_plural", [])),
        msgstr=join(entry.fields.get("msgstr", [])),
        msgstr_plural={i: join(parts) for i, parts in entry.plural.items()},
        occurrences=list(entry.occurrences),
        flags=list(dict.fromkeys(entry.flags)),
        tcomment="\n".join(entry.tcomment),
        comment="\n".join(entry.comment),
        obsolete=bool(entry.obsolete),
        linenum=entry.first,
    )
    for name, parts in entry.previous.items():
        setattr(e, name, join(parts))
    return e


def _assemble(entries: list, display: str, charset: str) -> Parsed:
    po = polib.POFile(wrapwidth=WIDTH, encoding="utf-8" if codecs.lookup(charset).name == "utf-8" else charset)
    lines: dict = {}
    seen: dict = {}
    errors: list[_Error] = []
    header = None
    for raw, e in entries:
        key = (e.msgctxt, e.msgid)
        where = EntryLines(raw.first, raw.lines.get("msgid", raw.first), raw.lines.get("msgstr", raw.first),
                           raw.flags_line or raw.first)
        if not e.obsolete:
            if key in seen:
                what = "the header (an empty msgid)" if key == (None, "") else "an entry with this msgctxt and msgid"
                errors.append(_Error(where.msgid, f"duplicate of {what} at line {seen[key]}; "
                                     "merge the two into one"))
                continue
            seen[key] = where.msgid
        if key == (None, "") and not e.obsolete:
            header = (raw, e, where)
            continue
        if not e.obsolete:
            lines[key] = where
        po.append(e)
    if header is not None:
        raw, e, where = header
        if e.comment or e.occurrences or e.previous_msgid is not None:
            errors.append(_Error(where.first, "the header entry may carry translator comments (#) and flags only"))
        po.header = e.tcomment
        po.metadata_is_fuzzy = "fuzzy" in e.flags
        for text in e.msgstr.split("\n"):
            if not text.strip():
                continue
            name, colon, value = text.partition(":")
            if not colon or not name.strip() or " " in name.strip():
                errors.append(_Error(where.msgstr, f"the header line `{text}` should be `Name: value`"))
                continue
            if name.strip() in po.metadata:
                errors.append(_Error(where.msgstr, f"the header names `{name.strip()}` twice"))
            po.metadata[name.strip()] = value.strip()
    if errors:
        raise _located(display, errors)
    return Parsed(po, lines)


def render(po: polib.POFile) -> bytes:
    """The bytes of a catalog as reportgen writes it (stable: the same catalog gives the same bytes)."""
    po.wrapwidth = WIDTH
    # Written as UTF-8 whatever charset the file was read in: a translation may hold any character.
    content_type = po.metadata.get("Content-Type")
    if content_type is not None and "charset=" in content_type and not re.search(r"charset=utf-?8\b", content_type, re.I):
        po.metadata["Content-Type"] = re.sub(r"charset=[^;\s]*", "charset=UTF-8", content_type)
    po.encoding = "utf-8"
    # polib writes an empty header comment as a lone "#" and a comment line beginning with ","
    # as a flags line; the header comment is written here, as it was read.
    header = "".join(f"# {line}\n" if line else "#\n" for line in po.header.split("\n")) if po.header else ""
    text = header + polib._BaseFile.__unicode__(po)
    if not text.endswith("\n"):
        text += "\n"
    return text.encode("utf-8")
