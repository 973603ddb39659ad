"""The `reportgen` command line. Heavy libraries are imported only by the commands that draw."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from . import __version__
from .errors import Diagnostics, ReportgenError

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen",
        description="Build localised Word and PDF reports from YAML content specs and shared data.",
    )
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    parser.add_argument("-C", "--project", default=".", metavar="DIR",
                        help="the project folder (holding content/ and layouts/); default: here")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("build", help="build reports into output/<locale>/<report>.pdf and .docx")
    b.add_argument("reports", nargs="*", metavar="REPORT", help="report ids (default: all)")
    b.add_argument("--locale", action="append", default=[], help="only this locale (repeatable)")
    b.add_argument("--format", action="append", default=[], choices=["pdf", "docx"], help="only this format (repeatable)")
    b.add_argument("--output", default="output", metavar="DIR", help="where to write (default: output)")
    b.add_argument("--strict", action="store_true", help="treat warnings (e.g. missing translations) as errors")
    b.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="build editions in N processes (default: the number of cores)")
    b.add_argument("--shard", type=_shard, default=None, metavar="K/N",
                   help="build only shard K of N (for a CI matrix); join the manifests with `reportgen manifest merge`")
    b.add_argument("--force", action="store_true", help="rebuild everything, even what is up to date")

    c = sub.add_parser("check", help="check specs, layouts, data and translations without writing")
    c.add_argument("reports", nargs="*", metavar="REPORT")
    c.add_argument("--locale", action="append", default=[])
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")

    sub.add_parser("list", help="list reports, their locales, and their last build")

    n = sub.add_parser("new", help="start a report: content/NAME/report.yaml from a template")
    n.add_argument("name", metavar="NAME", help="the report id: letters, digits and -")
    n.add_argument("--title", default=None, help="the report's title (default: the name)")

    mf = sub.add_parser("manifest", help="work with build manifests")
    msub = mf.add_subparsers(dest="manifest_command", metavar="ACTION", required=True)
    merge = msub.add_parser("merge", help="join the manifest.json files of several shards into one")
    merge.add_argument("manifests", nargs="+", metavar="MANIFEST")
    merge.add_argument("-o", "--output", default="output/manifest.json", metavar="FILE")

    i = sub.add_parser("i18n", help="the translators' workflow: extract, update, status, export, import")
    isub = i.add_subparsers(dest="i18n_command", metavar="ACTION", required=True)
    for name, text in (("extract", "write content/<id>/locales/messages.pot: every translatable string"),
                       ("update", "extract, then merge into each locale's .po (keeps translations, marks changes fuzzy)"),
                       ("status", "translated / fuzzy / untranslated counts per report and locale")):
        action = isub.add_parser(name, help=text)
        action.add_argument("reports", nargs="*", metavar="REPORT")
        if name == "update":
            action.add_argument("--no-obsolete", action="store_true",
                                help="drop translations no string uses any more (the #~ entries)")
        if name == "status":
            action.add_argument("--list", "--untranslated", dest="list_entries", action="store_true",
                                help="also list each untranslated and fuzzy entry with its .po line and source place")
    export = isub.add_parser("export", help="write the catalogs as a spreadsheet: one row per entry")
    export.add_argument("reports", nargs="*", metavar="REPORT")
    export.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="xlsx (default) or csv")
    export.add_argument("--locale", action="append", default=[], help="only this locale (repeatable)")
    export.add_argument("-o", "--output", default=None, metavar="FILE",
                        help="where to write (default: translations.xlsx or .csv in the project)")
    imp = isub.add_parser("import", help="merge a translated spreadsheet back into the .po files (all rows or none)")
    imp.add_argument("file", metavar="FILE", help="an .xlsx or .csv file made by `reportgen i18n export`")
    imp.set_defaults(reports=[])
    return parser


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` should be K/N, e.g. 2/4") from None
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"`{text}`: K should be from 1 to N")
    return k, n


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    root = Path(args.project).resolve()
    # SIGTERM unwinds like Ctrl-C, so `finally` blocks remove partial files and the
    # manifest is brought up to date before the exit.
    signal.signal(signal.SIGTERM, _terminated)
    diags = Diagnostics()
    try:
        status = COMMANDS[args.command](root, args, diags)
    except KeyboardInterrupt:
        report(diags)
        print("reportgen: interrupted; output/ holds only complete files (earlier ones where a rebuild "
              "did not finish), and manifest.json says which", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ReportgenError as exc:
        diags.items.extend(exc.diagnostics)
        status = EXIT_ERRORS
    except OSError as exc:
        from .outputs import disk_message, is_disk_error

        if not is_disk_error(exc) or os.environ.get("REPORTGEN_DEBUG"):
            return _internal_error(exc)
        # A full disk or a folder reportgen may not write: the user's to fix, not a bug.
        where = Path(exc.filename).parent if exc.filename else root
        print(f"reportgen: error: {disk_message(exc, str(where))}", file=sys.stderr)
        report(diags)
        return EXIT_ERRORS
    except Exception as exc:  # a bug in reportgen, not the user's input
        return _internal_error(exc)
    report(diags)
    if diags.errors:
        return EXIT_ERRORS
    if getattr(args, "strict", False) and diags.warnings:
        print(f"reportgen: {len(diags.warnings)} warning(s) and --strict: failing", file=sys.stderr)
        return EXIT_ERRORS
    return status


def _terminated(signum, frame) -> None:
    raise KeyboardInterrupt


def _internal_error(exc: Exception) -> int:
    if os.environ.get("REPORTGEN_DEBUG"):
        raise exc
    print(f"reportgen: internal error: {type(exc).__name__}: {exc}\n"
          "  this is a bug in reportgen; run again with REPORTGEN_DEBUG=1 for details and report it",
          file=sys.stderr)
    return EXIT_ERRORS


def report(diags: Diagnostics) -> None:
    """Print every diagnostic once, errors and warnings in the order found."""
    seen = set()
    notes = [d for d in diags if d.severity == "note"]
    if len(notes) > 5:
        # Draft translations: a count, not a page of gaps that are expected.
        first = notes[0]
        print(f"{first.loc}: note: {len(notes)} strings not yet translated in draft editions "
              f"(`reportgen i18n status` shows them) [i18n]", file=sys.stderr)
        diags = [d for d in diags if d.severity != "note"]
    for d in diags:
        line = str(d)
        if line not in seen:
            seen.add(line)
            print(line, file=sys.stderr)
    errors = {str(d) for d in diags if d.severity == "error"}
    if errors:
        print(f"reportgen: {len(errors)} error(s)", file=sys.stderr)


def _build(root: Path, args, diags: Diagnostics) -> int:
    from .build import FORMATS, build

    if args.jobs is not None and args.jobs < 1:
        raise ReportgenError("--jobs should be at least 1")
    out_dir = (root / args.output).resolve()
    formats = list(dict.fromkeys(args.format)) or list(FORMATS)
    locales = _locales(args.locale)
    results = build(root, args.reports, locales, formats, out_dir, diags,
                    jobs=args.jobs, shard=args.shard, force=args.force)
    _unused_locales(root, args.reports, locales, {r.locale for r in results}, diags)
    return EXIT_ERRORS if any(r.status != "built" for r in results) else EXIT_OK


def _locales(names: list[str]) -> list[str]:
    """The --locale values, each one reportgen can build (else an error with a suggestion)."""
    from .errors import Diagnostic
    from .locale import LocaleError, edition_locale

    problems = []
    for name in names:
        try:
            edition_locale(name)
        except LocaleError as exc:
            problems.append(Diagnostic(None, f"--locale {name}: {exc}", code="cli"))
    if problems:
        raise ReportgenError(problems)
    return list(dict.fromkeys(names))


def _unused_locales(root: Path, reports: list[str], asked: list[str], found: set[str], diags: Diagnostics) -> None:
    """A --locale that no selected report has would build or check nothing and pass: an error."""
    missing = [name for name in asked if name not in found]
    if not missing:
        return
    from .editions import select_reports
    from .spec import load_spec

    have: set[str] = set()
    for path in select_reports(root, reports, Diagnostics()):
        spec, _ = load_spec(path, root)
        if spec is None:
            return  # that report's errors are reported; its locales are unknown
        have.update(spec.locales)
    for name in missing:
        if name not in have:
            listed = ", ".join(sorted(have)) or "none"
            diags.error(None, f"--locale {name}: no selected report has this locale (they have: {listed})", "cli")


def _check(root: Path, args, diags: Diagnostics) -> int:
    from .editions import prepare, select_reports
    from .i18n import check_catalog, read_catalog
    from .spec import display_path

    locales = _locales(args.locale)
    paths = select_reports(root, args.reports, diags)
    editions = prepare(root, paths, locales, diags)
    _unused_locales(root, args.reports, locales, {e.locale for e in editions}, diags)
    # Every catalog is checked, whether or not its edition was selected by --locale.
    for path in paths:
        for po in sorted((path.parent / "locales").glob("*.po")):
            try:
                check_catalog(read_catalog(po, display_path(po, root)), diags)
            except ReportgenError as exc:
                diags.items.extend(exc.diagnostics)
    ok = [e for e in editions if not e.diags.errors]
    print(f"checked {len(paths)} report(s), {len(editions)} edition(s): {len(ok)} ok")
    return EXIT_OK


def _list(root: Path, args, diags: Diagnostics) -> int:
    from .manifest import read_manifest
    from .spec import find_reports, load_spec

    entries = read_manifest(root / "output" / "manifest.json")
    manifest = {r.key: r.status for r in entries}
    drafts = {(r.report, r.locale) for r in entries if r.draft and r.status in ("built", "stale")}
    for report_path in find_reports(root):
        spec, spec_diags = load_spec(report_path, root)
        if spec is None:
            print(f"{report_path.parent.name:<32} (spec has errors; run `reportgen check`)")
            continue
        states = []
        for locale in spec.locales:
            formats = [(fmt, manifest.get((spec.id, locale, fmt))) for fmt in ("pdf", "docx")]
            # A stale file is an earlier build kept after a rebuild failed.
            shown = [fmt if status == "built" else f"{fmt} stale" for fmt, status in formats
                     if status in ("built", "stale")]
            draft = " draft" if (spec.id, locale) in drafts else ""
            states.append(f"{locale}[{','.join(shown) or 'not built'}{draft}]")
        print(f"{spec.id:<32} {' '.join(states)}")
    return EXIT_OK


def _i18n(root: Path, args, diags: Diagnostics) -> int:
    from . import i18n_cli

    options = {k: v for k, v in vars(args).items()
               if k in ("no_obsolete", "list_entries", "format", "output", "locale", "file")}
    i18n_cli.run(args.i18n_command, root, args.reports, diags, **options)
    return EXIT_ERRORS if diags.errors else EXIT_OK


def _manifest(root: Path, args, diags: Diagnostics) -> int:
    from .manifest import merge_manifests, write_manifest

    paths = [Path(p) for p in args.manifests]
    for path in paths:
        if not path.is_file():
            raise ReportgenError(f"manifest `{path}` not found")
    merged = merge_manifests(paths)
    target = root / args.output
    if target.is_dir():
        raise ReportgenError(f"`{args.output}` is a folder; name the manifest file to write, e.g. -o output/manifest.json")
    write_manifest(target, merged)
    print(f"merged {len(paths)} manifest(s): {len(merged)} file(s) in {args.output}")
    return EXIT_ERRORS if any(r.status != "built" for r in merged) else EXIT_OK


NEW_REPORT = """\
# {title}: started with `reportgen new`. The README documents every key.
title: {title}
subtitle: 副标题
date: {year} 年
layout: market-report
source_locale: zh_CN
locales: [zh_CN]          # add en, zh_TW and run `reportgen i18n update {name}` to translate
data: []                  # files of content/data/ this report reads

sections:
  - title: 摘要
    id: summary
    blocks:
      - |
        在这里用 **Markdown** 写正文。数字写在 content/data/ 的数据文件里，
        在正文中用双花括号里的表达式引用，例如 money() 和 percent()（见 README）。
      - table:
          caption: 示例表格
          source: 公开资料整理
          columns: [指标, {{header: 数值, align: right}}]
          rows:
            - [示例指标, "1.0"]
"""


def _new(root: Path, args, diags: Diagnostics) -> int:
    import datetime
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", args.name):
        raise ReportgenError(f"report name `{args.name}` should use lower-case letters, digits and -, e.g. market-2026")
    folder = root / "content" / args.name
    if folder.exists():
        raise ReportgenError(f"content/{args.name}/ already exists; choose another name")
    folder.mkdir(parents=True)
    year = int(os.environ.get("SOURCE_DATE_EPOCH") or 0) and datetime.datetime.fromtimestamp(
        int(os.environ["SOURCE_DATE_EPOCH"]), datetime.timezone.utc).year or datetime.date.today().year
    text = NEW_REPORT.format(title=args.title or args.name, name=args.name, year=year)
    (folder / "report.yaml").write_text(text, encoding="utf-8")
    print(f"wrote content/{args.name}/report.yaml; build it with `reportgen build {args.name}`")
    return EXIT_OK


COMMANDS = {"new": _new, "build": _build, "check": _check, "list": _list, "i18n": _i18n, "manifest": _manifest}

if __name__ == "__main__":
    sys.exit(main())
