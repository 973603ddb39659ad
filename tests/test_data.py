"""Data files read by one documented rule: CSV decimal and thousands separators (per file
`decimal: ","`), missing values, duplicate headers, YAML 1.2 numbers, dates that exist, and
memory in proportion to the file."""

from __future__ import annotations

import tracemalloc

import pytest
from conftest import make_project
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.cli import main
from reportgen.data import load_data
from reportgen.errors import Diagnostics, Loc
from reportgen.expr import Evaluator


def _load(tmp_path, files: dict, name: str = "t"):
    project = make_project(tmp_path, {f"content/data/{k}": v for k, v in files.items()})
    diags = Diagnostics()
    namespaces, read = load_data(project, [name], Loc("r.yaml", 1, 1), diags)
    return namespaces.get(name), [str(d) for d in diags], read


@pytest.mark.parametrize("cell, value", [
    ("1234.5", 1234.5), ("1,234.5", 1234.5), ("12,345,678", 12345678), ("-3", -3), ("+0.25", 0.25),
    ("1.5e3", 1500), ("007", 7), ('"1,234"', 1234),
])
def test_default_rule_reads_point_decimals_and_comma_groups(tmp_path, cell, value):
    quoted = cell if cell.startswith('"') else f'"{cell}"'
    table, errors, _ = _load(tmp_path, {"t.csv": f"name,v\nx,{quoted}\n"})
    assert not errors and table[0]["v"] == value


@pytest.mark.parametrize("cell", ["12,5", "1.234,5", "1,23", "12,34,567", "1,234,5", "0,5"])
def test_default_rule_refuses_ambiguous_numbers_where_they_are(tmp_path, cell):
    table, errors, _ = _load(tmp_path, {"t.csv": f'name,v\nx,"{cell}"\n'})
    assert len(errors) == 1
    assert errors[0].startswith(f"content/data/t.csv:2:3: error: `{cell}` is ambiguous")
    assert 'decimal: ","' in errors[0] and "content/data/t.csv.yaml" in errors[0]


@pytest.mark.parametrize("cell, value", [
    ("12,5", 12.5), ("1.234,5", 1234.5), ("1 234,5", 1234.5), ("1.234.567", 1234567), ("-0,25", -0.25), ("7", 7),
])
def test_decimal_comma_per_file(tmp_path, cell, value):
    table, errors, read = _load(tmp_path, {"t.csv": f"name;v\nx;{cell}\n", "t.csv.yaml": 'decimal: ","\ndelimiter: ";"\n'})
    assert not errors and table[0]["v"] == value
    assert any(p.name == "t.csv.yaml" for p in read)  # a change to the options rebuilds what reads the file


@pytest.mark.parametrize("cell", ["1.5", "1,234.5", "12.34"])
def test_decimal_comma_refuses_point_decimals(tmp_path, cell):
    _, errors, _ = _load(tmp_path, {"t.csv": f"name;v\nx;{cell}\n", "t.csv.yaml": 'decimal: ","\ndelimiter: ";"\n'})
    assert len(errors) == 1 and "is ambiguous" in errors[0] and errors[0].startswith("content/data/t.csv:2:3:")


def test_bad_options_are_located(tmp_path):
    _, errors, _ = _load(tmp_path, {"t.csv": "a\n1\n", "t.csv.yaml": "decimal: ';'\ndelimter: x\n"})
    assert any(e.startswith("content/data/t.csv.yaml:1:10: error: `decimal` should be") for e in errors)
    assert any(e.startswith("content/data/t.csv.yaml:2:1: error: unknown CSV option `delimter`; did you mean `delimiter`?")
               for e in errors)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=-10**9, max_value=10**9, places=3, allow_nan=False, allow_infinity=False),
       st.sampled_from([".", ","]), st.booleans())
def test_numbers_written_by_either_rule_read_back_exactly(tmp_path_factory, number, decimal, grouped):
    """Property: a number written in a file's convention reads as that number, to the
    precision written; it never reads as another number."""
    text = f"{number:,.3f}" if grouped else f"{number:.3f}"
    if decimal == ",":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    files = {"t.csv": f'name;v\nx;"{text}"\n'}
    files["t.csv.yaml"] = f'decimal: "{decimal}"\ndelimiter: ";"\n'
    table, errors, _ = _load(tmp_path_factory.mktemp("d"), files)
    assert not errors
    assert table[0]["v"] == pytest.approx(float(number)) and table[0]["v"].resolution == pytest.approx(0.001)


def test_duplicate_and_empty_headers_are_located(tmp_path):
    _, errors, _ = _load(tmp_path, {"t.csv": 'year,value,"note",value,,x\n2024,1,a,2,3,4\n'})
    assert "content/data/t.csv:1:19: error: duplicate column `value` (first at column 6); give each column its own name [data]" in errors
    assert any(e.startswith("content/data/t.csv:1:25: error: column 5 has no name") for e in errors)


def test_missing_values_are_none_and_left_out_of_sums(tmp_path):
    csv = "k,v\na,1\nb,\nc,n/a\nd,NA\ne,-\nf,—\ng,2.5\n"
    table, errors, _ = _load(tmp_path, {"t.csv": csv})
    assert not errors
    assert [r["v"] for r in table] == [1, None, None, None, None, None, 2.5]
    evaluator = Evaluator({"t": table}, "en")
    assert evaluator.value("t|length", None) == 7


def test_yaml_data_sums_skip_missing_values(tmp_path):
    data, errors, _ = _load(tmp_path, {"t.yaml": "s:\n  2024: 1.5\n  2025: ~\n  2026: 2\n"})
    assert not errors
    assert Evaluator({"t": data}, "en").expand("{{ number(sum(t.s), 1) }}", None) == "3.5"


def test_a_gap_in_a_sorted_column_builds(tmp_path, capsys):
    project = make_project(tmp_path, {
        "content/data/t.csv": "name,v\na,3\nb,n/a\nc,1\nd,\n",
        "content/r/report.yaml": """\
title: 报告
data: [t]
sections:
  - title: 一
    blocks:
      - table:
          data: t
          sort: -v
          columns:
            - {field: name, header: 名称}
            - {field: v, header: 值, format: number}
""",
    })
    assert main(["-C", str(project), "check"]) == 0, capsys.readouterr().err
    assert main(["-C", str(project), "build", "--format", "docx"]) == 0, capsys.readouterr().err


def test_rows_of_the_wrong_width_and_bad_bytes_are_located(tmp_path):
    _, errors, _ = _load(tmp_path, {"t.csv": "a,b\n1,2\n1,2,3\n"})
    assert errors == ["content/data/t.csv:3:1: error: this row has 3 cells, the header 2 [data]"]
    project = make_project(tmp_path / "2")
    (project / "content/data").mkdir(parents=True)
    (project / "content/data/t.csv").write_bytes(b"a,b\n1,2\n3,\xff\n")
    diags = Diagnostics()
    load_data(project, ["t"], Loc("r.yaml", 1, 1), diags)
    assert [str(d) for d in diags] == [
        "content/data/t.csv:3:3: error: not valid UTF-8 (byte 0xff); save the file as UTF-8 [spec]"]


# ---------------------------------------------------------------- YAML data

@pytest.mark.parametrize("written, message", [
    ("0x1F", "hexadecimal numbers are not read in data"),
    ("0o17", "octal and binary numbers are not read in data"),
    ("1_000", "`_` is not a digit separator"),
    ("1,234", "`,` is not read in YAML numbers"),
    ("1:30", "sexagesimal"),
    (".inf", "is not a finite number"),
    (".nan", "is not a finite number"),
    ("2025-02-30", "is not a date that exists"),
    ("2025-13-01", "is not a date that exists"),
])
def test_yaml_data_refuses_numbers_it_would_misread(tmp_path, written, message):
    _, errors, _ = _load(tmp_path, {"t.yaml": f"a: 1\nb: {written}\n"})
    assert len(errors) == 1 and errors[0].startswith("content/data/t.yaml:2:4: error:") and message in errors[0]


def test_yaml_data_reads_decimal_numbers_and_quoted_text(tmp_path):
    data, errors, _ = _load(tmp_path, {"t.yaml": 'a: 010\nb: "0x1F"\nc: 1e3\nd: yes\ne: 2025-02-28\nf: 1.10\n'})
    assert not errors
    assert data["a"] == 10 and data["b"] == "0x1F" and data["c"] == 1000 and data["d"] == "yes"
    assert data["e"] == "2025-02-28"
    assert data["f"].resolution == pytest.approx(0.01) and data["f"].text == "1.10"


def test_a_date_that_does_not_exist_is_located_through_check(tmp_path, capsys):
    project = make_project(tmp_path, {
        "content/data/t.yaml": "launch: 2025-07\nbad: 2025-02-30\n",
        "content/r/report.yaml": "title: t\ndata: [t]\nsections:\n  - title: a\n    blocks:\n"
                                 "      - \"{{ month(t.launch) }} {{ month('2025-04-31') }}\"\n",
    })
    assert main(["-C", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert "content/data/t.yaml:2:6: error: `2025-02-30` is not a date that exists" in err
    (project / "content/data/t.yaml").write_text("launch: 2025-07\n", encoding="utf-8")
    assert main(["-C", str(project), "check"]) == 1
    err = capsys.readouterr().err
    assert "content/r/report.yaml:6:35: error: expression `month('2025-04-31')`: `2025-04-31` is not a date that exists" in err


# ---------------------------------------------------------------- size

def test_csv_memory_grows_in_proportion_to_the_file(tmp_path):
    rows = 200_000
    body = "".join(f"{2000 + i % 30},r{i % 97},{i * 0.37:.2f},{i % 1000 / 1000:.4f}\n" for i in range(rows))
    project = make_project(tmp_path, {"content/data/t.csv": "year,region,value,share\n" + body})
    size = (project / "content/data/t.csv").stat().st_size
    tracemalloc.start()
    try:
        diags = Diagnostics()
        namespaces, _ = load_data(project, ["t"], Loc("r.yaml", 1, 1), diags)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not diags.errors and len(namespaces["t"]) == rows
    assert namespaces["t"][rows - 1]["value"] == pytest.approx((rows - 1) * 0.37)
    # Stored column by column: about the file's size, where a mapping per row took ~25 times it.
    assert peak < 3 * size, (peak, size)
