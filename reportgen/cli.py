"""The `reportgen` command line. Heavy libraries are imported only by the commands that draw."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from pathlib import Path

from . import __version__
from .errors import Diagnostic, Diagnostics, ReportgenError
from .progress import NORMAL, QUIET, VERBOSE
from .project import find_root, load_settings

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
MESSAGE_FORMATS = ("text", "github")
SCHEMA_KINDS = ("spec", "fragment", "layout", "data")


def _verbosity_options(parser: argparse.ArgumentParser, default) -> None:
    """-q and -v, accepted before the command and after it (`reportgen -q build`, `reportgen build -q`)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=QUIET, default=default,
                       help="print only problems (errors and warnings)")
    group.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=VERBOSE, default=default,
                       help="also print the project found, files up to date and every note")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportgen",
        description="Build localised Word and PDF reports from YAML content specs and shared data.",
        epilog="The project is the nearest folder, from here upwards, with a content/ folder or a pyproject.toml "
               "holding a [tool.reportgen] table (which may set locales, formats, output and jobs).",
    )
    parser.add_argument("--version", action="version", version=f"reportgen {__version__}")
    parser.add_argument("-C", "--project", default=None, metavar="DIR",
                        help="run as if started in DIR (the project is found from there upwards)")
    _verbosity_options(parser, NORMAL)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, **kwargs) -> argparse.ArgumentParser:
        action = sub.add_parser(name, **kwargs)
        _verbosity_options(action, argparse.SUPPRESS)  # after the command, overriding the one before it
        return action

    b = command("build", help="build reports into output/<locale>/<report>.pdf and .docx")
    b.add_argument("reports", nargs="*", metavar="REPORT", help="report ids (default: all)")
    b.add_argument("--locale", action="append", default=[],
                   help="only this locale (repeatable; default: [tool.reportgen] locales, else every edition)")
    b.add_argument("--format", action="append", default=[], choices=["pdf", "docx"],
                   help="only this format (repeatable; default: [tool.reportgen] formats, else both)")
    b.add_argument("--output", default=None, metavar="DIR",
                   help="where to write, relative to the project (default: [tool.reportgen] output, else output)")
    b.add_argument("--strict", action="store_true", help="treat warnings (e.g. missing translations) as errors")
    b.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="build editions in N processes (default: [tool.reportgen] jobs, else the number of cores)")
    b.add_argument("--shard", type=_shard, default=None, metavar="K/N",
                   help="build only shard K of N (for a CI matrix); join the manifests with `reportgen manifest merge`")
    b.add_argument("--force", action="store_true", help="rebuild everything, even what is up to date")
    b.add_argument("--watch", "-w", action="store_true",
                   help="build, then rebuild what each saved change affects until Ctrl-C")

    c = command("check", help="check specs, layouts, data and translations without writing")
    c.add_argument("reports", nargs="*", metavar="REPORT")
    c.add_argument("--locale", action="append", default=[],
                   help="only this locale (repeatable; default: [tool.reportgen] locales, else every edition)")
    c.add_argument("--strict", action="store_true", help="treat warnings as errors")
    c.add_argument("--format", dest="messages", choices=MESSAGE_FORMATS, default=None,
                   help="how problems are printed: text (file:line:col: error: ...) or github "
                        "(::error file=...,line=...,col=...:: annotations); default: $REPORTGEN_MESSAGES, else text")

    ls = command("list", help="list reports, their locales, and the files of their last build")
    ls.add_argument("--output", default=None, metavar="DIR",
                    help="the build folder whose manifest to read (default: [tool.reportgen] output, else output)")

    sc = command("schema", help="write the JSON Schema of report specs, fragments, layouts or data files (for editors)")
    sc.add_argument("kind", nargs="?", choices=SCHEMA_KINDS, default="spec", help="spec (default), fragment, layout or data")
    sc.add_argument("-o", "--output", default=None, metavar="FILE", help="write it to FILE instead of standard output")

    comp = command("completion", help="print a shell completion script: bash or zsh")
    comp.add_argument("shell", choices=["bash", "zsh"])

    n = command("new", help="start a report: content/NAME/report.yaml from a template")
    n.add_argument("name", metavar="NAME", help="the report id: letters, digits and -")
    n.add_argument("--title", default=None, help="the report's title (default: the name)")

    mf = command("manifest", help="work with build manifests")
    msub = mf.add_subparsers(dest="manifest_command", metavar="ACTION", required=True)
    merge = msub.add_parser("merge", help="join the manifest.json files of several shards into one")
    merge.add_argument("manifests", nargs="+", metavar="MANIFEST")
    merge.add_argument("-o", "--output", default="output/manifest.json", metavar="FILE")

    i = command("i18n", help="the translators' workflow: extract, update, status, export, import")
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


def command() -> int:
    """The `reportgen` program (and `python -m reportgen`): `main`, in a process of its own."""
    # A build makes hundreds of thousands of small objects that live to its end: fewer,
    # larger young collections spend about half as long in the collector.
    gc.set_threshold(10_000, 10, 10)
    status = main()
    # Python's last collection at exit walks the whole heap a build leaves, only for the
    # process to end (about 0.2 s after a 120-page report); a frozen heap is not walked.
    gc.freeze()
    return status


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    if args.command in ("schema", "completion"):
        return COMMANDS[args.command](None, args, Diagnostics())  # they need no project
    start = Path(args.project or ".").resolve()
    if args.project and not start.is_dir():
        print(f"reportgen: error: -C {args.project}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    root = find_root(start) or start
    args.style = _message_style(args)
    # SIGTERM unwinds like Ctrl-C, so `finally` blocks remove partial files and the
    # manifest is brought up to date before the exit.
    signal.signal(signal.SIGTERM, _terminated)
    diags = Diagnostics()
    try:
        args.settings = load_settings(root)
        if args.verbosity >= VERBOSE:
            where = f", defaults from {args.settings.source}" if args.settings.source else ""
            print(f"project: {root}{where}", file=sys.stderr)
        status = COMMANDS[args.command](root, args, diags)
    except KeyboardInterrupt:
        report(diags, args.style, args.verbosity)
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
        report(diags, args.style, args.verbosity)
        return EXIT_ERRORS
    except Exception as exc:  # a bug in reportgen, not the user's input
        return _internal_error(exc)
    return _finish(diags, args, status)


def _finish(diags: Diagnostics, args, status: int) -> int:
    """Report the diagnostics of a run; its exit status."""
    report(diags, args.style, args.verbosity)
    if diags.errors:
        return EXIT_ERRORS
    if getattr(args, "strict", False) and diags.warnings:
        print(f"reportgen: {len(diags.warnings)} warning(s) and --strict: failing", file=sys.stderr)
        return EXIT_ERRORS
    return status


def _message_style(args) -> str:
    """text, or github for annotations on a pull request (`--format github` or $REPORTGEN_MESSAGES)."""
    chosen = getattr(args, "messages", None)
    if chosen:
        return chosen
    env = os.environ.get("REPORTGEN_MESSAGES", "").strip().lower()
    return env if env in MESSAGE_FORMATS else "text"


def _terminated(signum, frame) -> None:
    raise KeyboardInterrupt


def _internal_error(exc: Exception) -> int:
    if os.environ.get("REPORTGEN_DEBUG"):
        raise exc
    print(f"reportgen: internal error: {type(exc).__name__}: {exc}\n"
          "  this is a bug in reportgen; run again with REPORTGEN_DEBUG=1 for details and report it",
          file=sys.stderr)
    return EXIT_ERRORS


def report(diags: Diagnostics, style: str = "text", verbosity: int = NORMAL) -> None:
    """Print every diagnostic once, errors and warnings in the order found."""
    seen = set()
    notes = [d for d in diags if d.severity == "note"]
    if len(notes) > 5 and verbosity < VERBOSE:
        # Draft translations: a count, not a page of gaps that are expected (-v lists them).
        first = notes[0]
        summary = Diagnostic(first.loc, f"{len(notes)} strings not yet translated in draft editions "
                             "(`reportgen i18n status` shows them)", "note", "i18n")
        diags = [summary] + [d for d in diags if d.severity != "note"]
    for d in diags:
        line = annotation(d) if style == "github" else str(d)
        if line not in seen:
            seen.add(line)
            print(line, file=sys.stderr)
    errors = {str(d) for d in diags if d.severity == "error"}
    if errors:
        print(f"reportgen: {len(errors)} error(s)", file=sys.stderr)


def annotation(d: Diagnostic) -> str:
    """A diagnostic as a GitHub Actions workflow command, shown on the pull request's line."""
    kind = {"error": "error", "warning": "warning"}.get(d.severity, "notice")
    props = []
    if d.loc:
        props.append(f"file={_escape(d.loc.path, True)}")
        if d.loc.line:
            props.append(f"line={d.loc.line}")
            props.append(f"col={d.loc.col or 1}")
    props.append(f"title={_escape(f'reportgen [{d.code}]', True)}")
    return f"::{kind} {','.join(props)}::{_escape(d.message)}"


def _escape(text: str, property_value: bool = False) -> str:
    # GitHub's workflow-command escaping: % and line breaks always, `:` and `,` in properties.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def _output_dir(root: Path, args) -> Path:
    return (root / (args.output or args.settings.output)).resolve()


def _build(root: Path, args, diags: Diagnostics) -> int:
    if args.jobs is not None and args.jobs < 1:
        raise ReportgenError("--jobs should be at least 1")
    if args.watch:
        from .watch import watch

        return watch(root, lambda run_diags: _build_once(root, args, run_diags), _output_dir(root, args),
                     lambda run_diags, status: _finish(run_diags, args, status), verbosity=args.verbosity)
    return _build_once(root, args, diags)


def _build_once(root: Path, args, diags: Diagnostics) -> int:
    from .build import FORMATS, build
    from .progress import Progress

    out_dir = _output_dir(root, args)
    formats = list(dict.fromkeys(args.format)) or args.settings.formats or list(FORMATS)
    locales = _locales(args.locale) or args.settings.locales
    log = print if args.verbosity >= NORMAL else (lambda *a, **k: None)
    results = build(root, args.reports, locales, formats, out_dir, diags,
                    jobs=args.jobs or args.settings.jobs, shard=args.shard, force=args.force,
                    progress=Progress(0, log, verbosity=args.verbosity), log=log)
    # Only a --locale typed on the command line must exist; the project's default list is a filter.
    _unused_locales(root, args.reports, _locales(args.locale), {r.locale for r in results}, diags)
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
    from .files import display_path

    locales = _locales(args.locale) or args.settings.locales
    paths = select_reports(root, args.reports, diags)
    editions = prepare(root, paths, locales, diags)
    _unused_locales(root, args.reports, _locales(args.locale), {e.locale for e in editions}, diags)
    # Every catalog is checked, whether or not its edition was selected by --locale.
    for path in paths:
        for po in sorted((path.parent / "locales").glob("*.po")):
            try:
                check_catalog(read_catalog(po, display_path(po, root)), diags)
            except ReportgenError as exc:
                diags.items.extend(exc.diagnostics)
    if args.verbosity >= NORMAL:
        failed = sum(bool(e.diags.errors) for e in editions)
        warned = sum(bool(e.diags.warnings) and not e.diags.errors for e in editions)
        parts = [f"{len(editions) - failed - warned} ok"]
        if warned:
            parts.append(f"{warned} with warnings" + (" (--strict fails on them)" if args.strict else ""))
        if failed:
            parts.append(f"{failed} with errors")
        print(f"checked {len(paths)} report(s), {len(editions)} edition(s): {', '.join(parts)}")
    return EXIT_OK


def _list(root: Path, args, diags: Diagnostics) -> int:
    from .incremental import output_intact
    from .manifest import read_manifest
    from .outputs import output_path
    from .files import display_path, find_reports
    from .spec import load_spec

    out_dir = _output_dir(root, args)
    entries = read_manifest(out_dir / "manifest.json")
    manifest = {r.key: r for r in entries}
    drafts = {(r.report, r.locale) for r in entries if r.draft and r.status in ("built", "stale")}
    if args.verbosity >= VERBOSE:
        print(f"build folder: {display_path(out_dir, root)}", file=sys.stderr)
    for report_path in find_reports(root):
        spec, spec_diags = load_spec(report_path, root)
        if spec is None:
            print(f"{report_path.parent.name:<32} (spec has errors; run `reportgen check`)")
            continue
        states = []
        for locale in spec.locales:
            shown = []
            for fmt in ("pdf", "docx"):
                entry = manifest.get((spec.id, locale, fmt))
                if entry is None or entry.status == "failed":
                    continue
                # The manifest says what a build left; the disk says what is there now (a file
                # removed or changed since, by hand or by an interrupted run, is not listed as built).
                if not output_intact(entry, output_path(out_dir, spec.id, locale, fmt)):
                    gone = not output_path(out_dir, spec.id, locale, fmt).exists()
                    shown.append(f"{fmt} {'missing' if gone else 'changed'}")
                else:
                    # A stale file is an earlier build kept after a rebuild failed.
                    shown.append(fmt if entry.status == "built" else f"{fmt} stale")
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


def _schema(root, args, diags: Diagnostics) -> int:
    from .schema import schema_text

    text = schema_text(args.kind)
    if args.output:
        target = Path(args.output)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"reportgen: error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
            return EXIT_ERRORS
        if args.verbosity >= NORMAL:
            print(f"wrote the {args.kind} schema to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _completion(root, args, diags: Diagnostics) -> int:
    import shtab

    sys.stdout.write(shtab.complete(_parser(), shell=args.shell))
    return EXIT_OK


COMMANDS = {"new": _new, "build": _build, "check": _check, "list": _list, "i18n": _i18n, "manifest": _manifest,
            "schema": _schema, "completion": _completion}

if __name__ == "__main__":
    sys.exit(main())
