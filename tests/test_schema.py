"""The JSON Schemas shipped for editors agree with the loaders, and accept every sample."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from conftest import REPO

from reportgen import charts, data, layout, spec
from reportgen.schema import KINDS, SchemaDrift, _exact, make, schema_text

jsonschema = pytest.importorskip("jsonschema")


def schema(kind: str) -> dict:
    return json.loads(schema_text(kind))


def plain(path):
    """A YAML file as the language server reads it (YAML 1.2 core: plain values, no dates)."""
    class Loader(yaml.SafeLoader):
        pass

    # The editor's server reads 2025-01-01 as text; PyYAML would make a date, which JSON Schema has no type for.
    Loader.yaml_implicit_resolvers = {k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
                                      for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return as_json(yaml.load(path.read_text(encoding="utf-8"), Loader=Loader))


def as_json(value):
    """JSON's view of YAML: every mapping key is text (`2025:` is the key "2025")."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def errors(kind: str, value) -> list[str]:
    validator = jsonschema.Draft7Validator(schema(kind))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]


def test_the_shipped_schemas_are_the_ones_the_loaders_make():
    for kind in KINDS:
        assert schema_text(kind) == make(kind), f"reportgen/schema/{kind}.json is out of date: run python -m reportgen.schema"
        jsonschema.Draft7Validator.check_schema(schema(kind))


def _properties(node, found):
    """Every `properties` mapping in a schema, with its key set."""
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            found.append(set(node["properties"]))
        for value in node.values():
            _properties(value, found)
    elif isinstance(node, list):
        for value in node:
            _properties(value, found)
    return found


def test_every_key_a_loader_accepts_is_in_the_schema():
    spec_sets = _properties(schema("spec"), [])
    for keys in (spec.TOP_KEYS, spec.SECTION_KEYS, spec.FORMAT_KEYS, spec.CALLOUT_KEYS, spec.TABLE_KEYS,
                 spec.COLUMN_KEYS, spec.CELL_KEYS, spec.STATS_KEYS, spec.FIGURE_KEYS, charts.CHART_KEYS,
                 charts.SERIES_KEYS):
        assert set(keys) in spec_sets, sorted(keys)
    blocks = {next(iter(s)) for s in spec_sets if len(s) == 1} - {"include"}
    assert blocks | {"include"} >= set(spec.BLOCK_KINDS)
    layout_sets = _properties(schema("layout"), [])
    for keys in (layout.KNOWN, layout.PAGE_KEYS, set(layout.MARGIN_KEYS), layout.FONT_KEYS, layout.PARAGRAPH_KEYS,
                 layout.COVER_KEYS, set(layout.DEFAULT_SIZES), set(layout.DEFAULT_COLORS), set(layout.SLOTS),
                 set(layout.DEFAULT_NUMBERING)):
        assert set(keys) in layout_sets, sorted(keys)
    data_sets = _properties(schema("data"), [])
    assert data.UNIT_KEYS in data_sets and data.CHECK_KEYS in data_sets


def test_a_key_missing_from_the_schema_fails_the_making():
    with pytest.raises(SchemaDrift, match="missing \\['subtitle'\\]"):
        _exact({"title": {}}, {"title", "subtitle"}, "the report")


def test_every_sample_spec_fragment_layout_and_data_file_validates():
    specs = sorted(REPO.glob("content/*/report.yaml"))
    layouts = sorted(REPO.glob("layouts/*.yaml"))
    datas = sorted(p for p in REPO.glob("content/data/*.yaml") if not p.name.endswith(".csv.yaml"))
    assert specs and layouts and datas
    fragments = sorted(p for p in REPO.glob("content/*/*.yaml") if p.name != "report.yaml" and p.parent.name != "data")
    assert fragments
    for path in specs:
        assert errors("spec", plain(path)) == [], path
    for path in fragments:
        assert errors("fragment", plain(path)) == [], path
    for path in layouts:
        assert errors("layout", plain(path)) == [], path
    for path in datas:
        assert errors("data", plain(path)) == [], path


def test_the_schema_catches_what_an_editor_should_underline():
    assert any("titel" in e for e in errors("spec", {"titel": "x", "sections": []}))
    bad_block = {"title": "x", "sections": [{"title": "s", "blocks": [{"chart": {"type": "pie3d"}}]}]}
    assert errors("spec", bad_block)
    assert errors("layout", {"page": {"size": "A6"}})
    assert errors("layout", {"colors": {"primary": "1F4E79"}})
    assert errors("data", {"checks": [{"expect": "a.b"}]})
    assert errors("data", {"market": {"unit": {"currency": "USD", "scael": 1e8}}})


def test_schema_command_writes_each_kind(tmp_path):
    for kind in KINDS:
        run = subprocess.run([sys.executable, "-m", "reportgen", "schema", kind], capture_output=True, text=True)
        assert run.returncode == 0 and json.loads(run.stdout) == schema(kind)
    target = tmp_path / "schemas/report.schema.json"
    run = subprocess.run([sys.executable, "-m", "reportgen", "schema", "spec", "-o", str(target)],
                         capture_output=True, text=True)
    assert run.returncode == 0 and json.loads(target.read_text(encoding="utf-8"))["title"] == "reportgen report spec"
