"""A spec kept from the last build is patched where only some blocks changed (kept_spec.py):
the result must be exactly what reading the whole spec gives — every value, every location
(line, column and quoting style), every problem reported — and a rebuild must actually take
the short way for ordinary edits."""

from __future__ import annotations

import hashlib
import random
import shutil

import pytest
from conftest import REPO, make_project

from reportgen import kept_spec
from reportgen.kept import KeptBlocks, _relative
from reportgen.spec import load_spec

SAMPLES = ["ai-biomedical-market", "ai-healthcare-whitepaper", "medical-llm-brands-2025", "medical-llm-industry"]


def _blocks(spec):
    out = list(spec.front)

    def walk(sections):
        for section in sections:
            out.extend(section.blocks)
            walk(section.children)

    walk(spec.sections)
    return out


def _kept_load(path, project, cache):
    """`kept_spec.load`, and whether it took the short way (no full read)."""
    import reportgen.spec

    real, reads = reportgen.spec.load_spec, []

    def counted(*args, **kwargs):
        reads.append(args)
        return real(*args, **kwargs)

    reportgen.spec.load_spec = counted
    try:
        spec, diags = kept_spec.load(path, project, cache)
    finally:
        reportgen.spec.load_spec = real
    return spec, diags, not reads


def _same(project, path, cache, patched: list) -> None:
    """Load through the kept spec and in full; they must agree in everything."""
    spec, diags, short = _kept_load(path, project, cache)
    full, full_diags = load_spec(path, project)
    assert [(str(d.loc), d.message) for d in diags.items] == [(str(d.loc), d.message) for d in full_diags.items]
    assert spec == full
    if spec is not None:
        # Locations compared with their quoting style, and the keys kept blocks are found by.
        assert [_relative(b, b.loc) for b in _blocks(spec)] == \
               [_relative(b, b.loc) for b in _blocks(full)]
        assert [repr(b.loc) + b.loc.style for b in _blocks(spec)] == [repr(b.loc) + b.loc.style for b in _blocks(full)]
    patched.append(short)


@pytest.fixture
def sample(tmp_path):
    def make(name):
        project = make_project(tmp_path)
        shutil.copytree(REPO / "content", project / "content")
        return project, project / "content" / name / "report.yaml", tmp_path / "cache"

    return make


def _items(path):
    """(first line, last line) of every item of a `blocks:` list in the spec, 0-based."""
    lines = path.read_text(encoding="utf-8").split("\n")
    items, inside = [], None
    for n, line in enumerate(lines):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if stripped.startswith("blocks:"):
            inside = indent
            continue
        if inside is None or not stripped:
            continue
        if indent <= inside and not stripped.startswith("- "):
            inside = None
        elif stripped.startswith("- ") and (indent == inside or indent == inside + 2):
            items.append([n, n])
        elif items and indent > inside:
            items[-1][1] = n
    return lines, items


def _files(path):
    """The spec and the fragments beside it (a white paper keeps a chapter per file)."""
    return [path, *sorted(p for p in path.parent.glob("*.yaml") if p != path)]


@pytest.mark.parametrize("name", SAMPLES)
def test_edits_inside_blocks_are_patched_exactly(sample, name):
    project, path, cache = sample(name)
    kept_spec.load(path, project, cache)  # the first build reads it all and keeps it
    rng = random.Random(name)
    patched = []
    for edited_file in _files(path):
        _edit_blocks(project, path, cache, edited_file, rng, patched)
    assert sum(patched) >= len(patched) // 2, "ordinary edits should take the short way"


def _edit_blocks(project, path, cache, edited_file, rng, patched):
    lines, items = _items(edited_file)
    for first, last in rng.sample(items, min(6 if edited_file == path else 2, len(items))):
        indent = " " * (len(lines[first]) - len(lines[first].lstrip(" ")))
        edits = [
            # a word changed in the block's last line
            lines[:last] + [lines[last] + " 修订 revised"] + lines[last + 1:],
            # a new paragraph above it (every later line moves down)
            lines[:first] + [indent + '- "新段落 A new paragraph."'] + lines[first:],
            # the block removed (every later line moves up)
            lines[:first] + lines[last + 1:],
            # a Markdown paragraph over several lines in its place
            lines[:first] + [indent + "- |", indent + "  第一行 **first**", indent + "  second line"] + lines[last + 1:],
        ]
        for edited in edits:
            edited_file.write_text("\n".join(edited), encoding="utf-8")
            _same(project, path, cache, patched)
        edited_file.write_text("\n".join(lines), encoding="utf-8")
        _same(project, path, cache, patched)


def test_problems_are_reported_as_a_full_read_reports_them(sample):
    project, path, cache = sample("ai-biomedical-market")
    kept_spec.load(path, project, cache)
    lines, items = _items(path)
    first, last = items[3]
    indent = " " * (len(lines[first]) - len(lines[first].lstrip(" ")))
    bad = [
        [indent + "- tabel:", indent + "    columns: [a]"],  # an unknown block kind
        [indent + '- "unclosed'],  # YAML syntax
        [indent + "- *nowhere"],  # an alias to nothing
        [indent + "- include: missing.yaml"],  # a file that is not there
    ]
    patched = []
    for block in bad:
        path.write_text("\n".join(lines[:first] + block + lines[last + 1:]), encoding="utf-8")
        _same(project, path, cache, patched)
        path.write_text("\n".join(lines), encoding="utf-8")
        _same(project, path, cache, patched)
    assert not any(patched[0::2]), "a block with a problem is read with the whole spec"


def test_a_changed_file_the_spec_names_reads_it_all(sample):
    project, path, cache = sample("ai-healthcare-whitepaper")  # its chapters are included files
    kept_spec.load(path, project, cache)
    chapter = path.parent / "ch1.yaml"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("title:", "title: 改 ", 1), encoding="utf-8")
    patched = []
    _same(project, path, cache, patched)
    assert patched == [False]


def test_changes_outside_blocks_read_it_all(sample):
    project, path, cache = sample("medical-llm-industry")
    kept_spec.load(path, project, cache)
    text = path.read_text(encoding="utf-8")
    patched = []
    for edited in (text.replace("title:", "title: 新 ", 1), "# a comment\n" + text, text + "\n# the end\n"):
        path.write_text(edited, encoding="utf-8")
        _same(project, path, cache, patched)
    assert patched == [False, False, False]


def test_a_damaged_kept_spec_costs_a_full_read(sample):
    project, path, cache = sample("medical-llm-brands-2025")
    kept_spec.load(path, project, cache)
    for kept in cache.glob("*.spec"):
        kept.write_bytes(kept.read_bytes()[:100])
    patched = []
    _same(project, path, cache, patched)
    assert patched == [False]


def _fresh_key(block) -> bytes:
    return hashlib.blake2b(_relative(block, block.loc)[0], digest_size=20).digest()


@pytest.mark.parametrize("name, edited", [("ai-biomedical-market", 0), ("ai-healthcare-whitepaper", 2)])
def test_kept_block_keys_come_with_the_spec_for_the_blocks_an_edit_left(sample, name, edited):
    """A rebuild makes the keys of kept resolved blocks only for the blocks that changed: the
    others come with the kept spec, each the key its block has where it now stands."""
    project, path, cache = sample(name)
    later = []
    spec, _ = kept_spec.load(path, project, cache, later)
    editions = KeptBlocks(cache, path, project, spec.block_keys).edition(b"")
    for block in _blocks(spec):
        editions._key(block)  # as resolving does, before the spec is kept
    for save in later:
        save()
    edited_file = _files(path)[edited]  # the spec, or a chapter it includes
    lines, items = _items(edited_file)
    first, _ = items[len(items) // 2]
    indent = " " * (len(lines[first]) - len(lines[first].lstrip(" ")))
    # A new paragraph above a block in the middle: every later line moves down.
    edited_file.write_text("\n".join(lines[:first] + [indent + '- "新段落 A new paragraph."'] + lines[first:]),
                           encoding="utf-8")
    spec, _, short = _kept_load(path, project, cache)
    assert short
    blocks = _blocks(spec)
    carried = [b for b in blocks if id(b) in spec.block_keys]
    # The new paragraph's key is made; so is the block above it, read again with it (the
    # lines put in might have been its own).
    assert len(carried) == len(blocks) - 2
    assert all(spec.block_keys.of(b) == _fresh_key(b) for b in carried)
    assert any("A new paragraph" in repr(b) for b in blocks if id(b) not in spec.block_keys)


@pytest.mark.slow
@pytest.mark.parametrize("name", SAMPLES)
def test_random_edits_agree_with_a_full_read(sample, name, request):
    """Random line edits anywhere (many leave the YAML broken or the spec wrong)."""
    if "slow" not in (request.config.option.markexpr or ""):
        pytest.skip("a longer random run: pytest -m slow")
    project, path, cache = sample(name)
    rng = random.Random(f"fuzz-{name}")
    patched = []
    kept_spec.load(path, project, cache)
    files = _files(path)
    for _ in range(150):
        edited_file = rng.choice(files)
        text = edited_file.read_text(encoding="utf-8")
        lines = text.split("\n")
        k = rng.randrange(len(lines))
        line = lines[k]
        op = rng.choice(["char", "char", "dup", "del", "comment", "indent", "item", "quote"])
        if op == "char" and line.strip():
            at = rng.randrange(len(line))
            lines[k] = line[:at] + rng.choice("甲x 1:#-") + line[at:]
        elif op == "dup":
            lines.insert(k, line)
        elif op == "del":
            del lines[k]
        elif op == "comment":
            lines.insert(k, " " * (len(line) - len(line.lstrip())) + "# note")
        elif op == "indent":
            lines[k] = " " + line
        elif op == "item":
            lines.insert(k, " " * (len(line) - len(line.lstrip())) + '- "新的段落 new"')
        elif op == "quote":
            lines[k] = line + ' "'
        edited_file.write_text("\n".join(lines), encoding="utf-8")
        _same(project, path, cache, patched)
        if not patched[-1] or rng.random() < 0.5:  # mostly back to a good spec
            edited_file.write_text(text, encoding="utf-8")
            _same(project, path, cache, patched)
    assert sum(patched) > 10
