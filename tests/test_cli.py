"""The command line: fast start (no drawing libraries for --help or check), help on every command."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO

PROBE = """
import sys
from reportgen.cli import main
try:
    main({args!r})
except SystemExit:
    pass
print(sorted(m for m in ("matplotlib", "reportlab", "docx", "fontTools.subset") if m in sys.modules))
"""


def imported(args: list[str]) -> str:
    run = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, cwd=REPO)
    return run.stdout.strip().splitlines()[-1]


def test_help_and_check_do_not_import_drawing_libraries():
    assert imported(["--help"]) == "[]"
    assert imported(["-C", str(REPO), "check"]) == "[]"


def test_every_command_has_help():
    for command in (["build"], ["check"], ["list"], ["i18n", "update"], ["manifest", "merge"]):
        run = subprocess.run([sys.executable, "-m", "reportgen", *command, "--help"], capture_output=True, text=True)
        assert run.returncode == 0 and "usage: reportgen" in run.stdout, command


def test_unknown_report_is_named_with_a_suggestion(capsys):
    from reportgen.cli import main

    assert main(["-C", str(REPO), "check", "medical-llm-brand"]) == 1
    assert "no report `medical-llm-brand` in content/; did you mean `medical-llm-brands-2025`?" in capsys.readouterr().err


def test_new_scaffolds_a_report_that_builds(tmp_path, capsys):
    from conftest import make_project

    from reportgen.cli import main

    project = make_project(tmp_path)
    assert main(["-C", str(project), "new", "market-2026", "--title", "2026 年市场报告"]) == 0
    assert (project / "content/market-2026/report.yaml").exists()
    assert main(["-C", str(project), "build", "--format", "docx"]) == 0
    assert (project / "output/zh_CN/market-2026.docx").exists()
    assert main(["-C", str(project), "new", "market-2026"]) == 1
    assert "content/market-2026/ already exists" in capsys.readouterr().err


# ---------------------------------------------------------------- -q, -v, the progress bar

def small_project(tmp_path):
    from conftest import make_project

    return make_project(tmp_path, root="test-two-reports")


def test_quiet_prints_only_problems_and_verbose_lists_files_up_to_date(tmp_path, capsys):
    from reportgen.cli import main

    project = small_project(tmp_path)
    assert main(["-C", str(project), "-q", "build", "--jobs", "1", "--format", "docx"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err == ""
    assert (project / "output/en/alpha.docx").is_file()
    assert main(["-C", str(project), "build", "-v", "--jobs", "1", "--format", "docx"]) == 0
    out, err = capsys.readouterr()
    assert "  fresh  output/en/alpha.docx  (up to date)" in out
    assert f"project: {project}" in err
    assert main(["-C", str(project), "check", "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    # -q still shows every problem.
    spec = project / "content/beta/report.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    assert main(["-C", str(project), "-q", "check"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "content/beta/report.yaml:1:1: error: unknown key `titel`" in err


class Terminal:
    """A stream that says it is a terminal, as stderr is in an interactive shell."""

    def __init__(self):
        import io

        self.buffer = io.StringIO()

    def isatty(self):
        return True

    def write(self, text):
        self.buffer.write(text)

    def flush(self):
        pass


def test_the_progress_bar_is_drawn_on_a_terminal_only_and_never_with_term_dumb(monkeypatch):
    from reportgen.manifest import Result
    from reportgen.progress import Progress

    batch = [Result("r", "en", "pdf", "output/en/r.pdf", "built", 3)]
    for term, bar in (("xterm-256color", True), ("dumb", False)):
        monkeypatch.setenv("TERM", term)
        lines, stderr = [], Terminal()
        progress = Progress(0, lines.append, stream=stderr)
        progress.start(2)
        progress.done(batch)
        progress.summary(batch, [], 1.0)
        assert ("[###############...............] 1/2 editions" in stderr.buffer.getvalue()) is bar, term
        assert lines[0] == "  built  output/en/r.pdf  3 pages"
        assert not any("\r" in line or "[#" in line for line in lines)
    # Not a terminal (a pipe, a CI log): no bar, whatever TERM says.
    monkeypatch.setenv("TERM", "xterm")
    progress = Progress(0, [].append, stream=__import__("io").StringIO())
    assert not progress.bar


def test_a_build_on_a_terminal_draws_its_bar_on_stderr_not_in_the_log(tmp_path):
    import os
    import pty

    project = small_project(tmp_path)
    leader, follower = pty.openpty()
    env = {**os.environ, "TERM": "xterm"}
    run = subprocess.Popen([sys.executable, "-m", "reportgen", "-C", str(project), "build", "--jobs", "1",
                            "--format", "docx"], stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    out = run.stdout.read().decode()
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the pty closes when the build ends
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)
    assert run.wait(timeout=120) == 0
    assert "built  output/zh_CN/alpha.docx" in out and "[#" not in out and "\r" not in out
    assert b"3/3 editions" in terminal


# ---------------------------------------------------------------- annotations for CI

def test_check_format_github_prints_annotations_on_the_lines(tmp_path, capsys):
    from reportgen.cli import main

    project = small_project(tmp_path)
    spec = project / "content/beta/report.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    assert main(["-C", str(project), "check", "--strict", "--format", "github"]) == 1
    err = capsys.readouterr().err
    assert ("::error file=content/beta/report.yaml,line=1,col=1,title=reportgen [spec]::unknown key `titel` "
            "in the report; did you mean `title`?") in err
    assert "content/beta/report.yaml:1:1: error" not in err


def test_reportgen_messages_github_applies_to_build_and_escapes_what_github_reads(tmp_path, capsys, monkeypatch):
    from reportgen.cli import annotation, main
    from reportgen.errors import Diagnostic, Loc

    project = small_project(tmp_path)
    spec = project / "content/beta/report.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
    monkeypatch.setenv("REPORTGEN_MESSAGES", "github")
    assert main(["-C", str(project), "build", "--jobs", "1", "--format", "docx", "beta"]) == 1
    assert "::error file=content/beta/report.yaml,line=1,col=1," in capsys.readouterr().err
    line = annotation(Diagnostic(Loc("a,b:c.yaml", 2, 3), "50% off\nnext", "warning", "data"))
    assert line == "::warning file=a%2Cb%3Ac.yaml,line=2,col=3,title=reportgen [data]::50%25 off%0Anext"
    assert annotation(Diagnostic(None, "no reports found", "error", "cli")) == \
        "::error title=reportgen [cli]::no reports found"


# ---------------------------------------------------------------- list

def test_list_reads_the_output_folder_it_is_given_and_checks_the_disk(tmp_path, capsys):
    from reportgen.cli import main

    project = small_project(tmp_path)
    assert main(["-C", str(project), "build", "--jobs", "1", "--output", "elsewhere", "beta"]) == 0
    capsys.readouterr()
    assert main(["-C", str(project), "list"]) == 0
    assert "beta                             zh_CN[not built]" in capsys.readouterr().out
    assert main(["-C", str(project), "list", "--output", "elsewhere"]) == 0
    assert "beta                             zh_CN[pdf,docx]" in capsys.readouterr().out
    (project / "elsewhere/zh_CN/beta.pdf").unlink()
    (project / "elsewhere/zh_CN/beta.docx").write_bytes(b"changed by hand")
    assert main(["-C", str(project), "list", "--output", "elsewhere"]) == 0
    assert "beta                             zh_CN[pdf missing,docx changed]" in capsys.readouterr().out


def test_list_after_an_interrupted_build_names_only_the_files_on_disk(tmp_path, capsys):
    import signal

    from test_nothing_lost import project_of_two, start, wait_for

    from reportgen.cli import main

    project = project_of_two(tmp_path)
    process, marker = start(project, "hang", "--jobs", "1")  # a first build: s is interrupted half way
    wait_for(marker, process)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=120)
    assert process.returncode == 130
    capsys.readouterr()
    assert main(["-C", str(project), "list"]) == 0
    import re

    on_disk = {p.relative_to(project / "output").as_posix() for p in (project / "output").rglob("*.*")
               if not p.name.startswith(".") and p.suffix in (".pdf", ".docx")}
    shown = set()
    for line in capsys.readouterr().out.splitlines():
        report = line.split()[0]
        for locale, formats in re.findall(r"(\S+)\[([^\]]*)\]", line):
            shown |= {f"{locale}/{report}.{fmt}" for fmt in formats.split(",") if fmt in ("pdf", "docx")}
    assert on_disk and shown == on_disk


# ---------------------------------------------------------------- shell completion

def test_completion_scripts_for_bash_and_zsh_name_the_commands():
    for shell in ("bash", "zsh"):
        run = subprocess.run([sys.executable, "-m", "reportgen", "completion", shell], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        for word in ("build", "check", "schema", "--watch", "--locale"):
            assert word in run.stdout, (shell, word)


def test_a_single_edition_is_written_without_a_process_pool(tmp_path, monkeypatch, capsys):
    """A pool's start cost more than writing one edition's PDF and DOCX side by side saved
    (1.6× the time of --jobs 1); one edition is written in the build's own process."""
    from reportgen import workers
    from reportgen.cli import main

    def no_pool(jobs):
        raise AssertionError("a process pool was started for one edition")

    monkeypatch.setattr(workers, "_pool", no_pool)
    project = small_project(tmp_path)
    assert main(["-C", str(project), "build", "--jobs", "2", "beta"]) == 0
    assert sorted(p.name for p in (project / "output/zh_CN").iterdir()) == ["beta.docx", "beta.pdf"]


def test_check_strict_summary_says_which_editions_fail_it(tmp_path, capsys):
    from reportgen.cli import main

    project = small_project(tmp_path)
    (project / "content/alpha/locales/en.po").unlink()  # the en edition now warns: no translations yet
    assert main(["-C", str(project), "check", "--strict"]) == 1
    out, err = capsys.readouterr()
    assert "checked 2 report(s), 3 edition(s): 2 ok, 1 with warnings (--strict fails on them)" in out
    assert "1 warning(s) and --strict: failing" in err
