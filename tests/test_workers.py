"""Chart pre-drawing: only what the cache lacks, and no processes or matplotlib for a warm cache."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen import chartdraw, workers
from reportgen import model as m
from reportgen.fonts import cache_dir, faces_for
from reportgen.layout import load_layout

ROOT = Path(__file__).resolve().parents[1]


def chart(i: int) -> m.Chart:
    return m.Chart("bar", ("A", "B", "C"), (m.Series("S", (1.0 + i, 2.0, 3.0)),), caption=None)


@pytest.fixture(scope="module")
def setting(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    layout = load_layout(ROOT, "market-report", "en")
    faces = faces_for("Noto Sans CJK SC", "ABCS0123456789.", root, latin=True)
    return root, layout, faces


def work(root, layout, faces, charts: list[m.Chart]) -> list[dict]:
    doc = m.Document(m.Meta("r", "Report"), "en", [m.Section([m.Str("One")], 1, blocks=charts)], {})
    return [{"document": doc, "layout": layout, "faces": faces, "root": root}]


def draw(charts, layout, faces, root) -> None:
    """Draw the charts in the file format the PDF asks for (vector unless the layout says png)."""
    for c in charts:
        chartdraw.render_chart(c, layout, faces, cache_dir(root) / "charts", workers._file_format(c, layout, False))


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path):
    """A chart cache of this test's own: what is drawn depends on what is already there."""
    monkeypatch.setenv("REPORTGEN_CACHE", str(tmp_path / "cache"))


def test_undrawn_names_the_file_render_chart_makes(setting):
    root, layout, faces = setting
    jobs = work(root, layout, faces, [chart(0), chart(0), chart(1)])
    undrawn = workers._undrawn(jobs)
    assert len(undrawn) == 2  # the same picture twice is drawn once
    drawn = [chartdraw.render_chart(*task) for task in undrawn]
    assert workers._undrawn(jobs) == []
    drawn[0].write_bytes(b"not a png")  # a damaged picture in the cache is drawn again
    assert len(workers._undrawn(jobs)) == 1


def test_a_warm_cache_starts_no_processes(setting, monkeypatch):
    root, layout, faces = setting
    charts = [chart(i) for i in range(8)]  # enough for a pool, were any to be drawn
    jobs = work(root, layout, faces, charts)
    draw(charts, layout, faces, root)
    monkeypatch.setattr(workers, "_pool", lambda n: pytest.fail("a pool was started for charts already drawn"))
    workers.prerender_charts(jobs, 4, root)


def test_a_warm_cache_imports_no_matplotlib(setting):
    """The workers are forked after `_preload`: with every chart drawn it must leave matplotlib out."""
    root, layout, faces = setting
    jobs = work(root, layout, faces, [chart(20)])
    draw([chart(20)], layout, faces, root)
    script = (
        "import pickle, sys\n"
        "from reportgen import workers\n"
        "workers._preload(pickle.load(open(sys.argv[1], 'rb')))\n"
        "print('matplotlib' in sys.modules)\n"
    )
    import pickle

    state = root / "jobs.pickle"
    state.write_bytes(pickle.dumps(jobs))
    done = subprocess.run([sys.executable, "-c", script, str(state)], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_matplotlib_version_is_looked_up_once(setting, monkeypatch):
    import importlib.util

    from reportgen import cachefiles

    root, layout, faces = setting
    calls = []
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: (calls.append(name), real(name, *a))[1])
    cachefiles.installed_version.cache_clear()
    keys = {chartdraw.chart_key(chart(i), layout, faces) for i in range(20)}
    assert len(keys) == 20 and calls == ["matplotlib"]
    # The version the charts are keyed by is the installed one.
    assert chartdraw._mpl_version() == importlib.metadata.version("matplotlib")


def test_a_damaged_picture_in_a_warm_cache_is_drawn_again_where_it_is_used(tmp_path, monkeypatch):
    """A rebuild looks only for chart files that are not there before the writers start (no
    hashing then); one that is there but damaged is found, and drawn again, by the writer
    that uses it: the PDF is the same as from a whole cache."""
    from conftest import make_project

    from reportgen.cachefiles import intact
    from reportgen.cli import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project(tmp_path, root="test-two-reports")
    args = ["-C", str(project), "build", "alpha", "--locale", "zh_CN", "--format", "pdf", "--force", "--jobs", "2"]
    assert main(args) == 0
    pdf = project / "output" / "zh_CN" / "alpha.pdf"
    first = pdf.read_bytes()
    [svg, *_] = sorted((cache_dir(project) / "charts").glob("chart-*.svg"))
    svg.write_bytes(svg.read_bytes()[:-40])  # cut short, its digest beside it no longer matches
    monkeypatch.setattr(workers, "_pool", lambda n: pytest.fail("a pool was started for one damaged chart"))
    assert main(args) == 0
    assert intact(svg) and pdf.read_bytes() == first
