"""Custom screen specs: parsing, validation errors naming file, line and field."""

from __future__ import annotations

import pytest

from econsec.errors import DataError
from econsec.metrics.spec import load_spec

pytestmark = pytest.mark.unit

GOOD = """\
name = "magnets"
table = "geodep"
combine = "any"
importer = ["JPN", "KOR"]
products = ["8505"]
year = 2023

[[conditions]]
column = "import_hhi"
op = ">"
value = 0.6

[[conditions]]
column = "world_hhi"
op = ">="
value = 1
"""


def test_load_good_spec(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(GOOD)
    for src in (
        p,
        GOOD,
        {"table": "geodep", "conditions": [{"column": "import_hhi", "op": ">", "value": 0.6}]},
    ):
        s = load_spec(src)
        assert s.table == "geodep"
        assert s.conditions[0].column == "import_hhi"
    s = load_spec(p)
    assert (s.name, s.combine, s.year, s.source) == ("magnets", "any", 2023, str(p))
    assert s.options == {"importer": ["JPN", "KOR"], "products": ["8505"]}
    assert s.conditions[1].value == 1.0


@pytest.mark.parametrize(
    ("text", "line", "field", "msg"),
    [
        (
            'table = "autonomy"\ncombine = "most"\n[[conditions]]\ncolumn="hhi"\nop=">"\nvalue=1\n',
            2,
            "combine",
            "all' or 'any",
        ),
        ('table = "trade"\n', 1, "table", "must be one of"),
        ('table = "autonomy"\nexporter = "CHN"\n', 2, "exporter", "unknown field"),
        ('table = "autonomy"\n', None, "conditions", "at least one"),
        (
            'table = "autonomy"\n\n[[conditions]]\ncolumn = "hhi"\nop = "=>"\nvalue = 1\n',
            3,
            "conditions[0].op",
            "'op' must be one of",
        ),
        (
            'table = "autonomy"\n[[conditions]]\ncolumn = "hhi"\nop = ">"\nvalue = "high"\n',
            2,
            "conditions[0].value",
            "must be a number",
        ),
        (
            'table = "autonomy"\nyear = "2024"\n[[conditions]]\ncolumn="hhi"\nop=">"\nvalue=1\n',
            2,
            "year",
            "integer",
        ),
        (
            'table = "autonomy"\n[[conditions]]\ncolumn = "hhi"\nop = ">"\nvalue = 1\nunit = 3\n',
            2,
            "conditions[0].unit",
            "unknown keys",
        ),
    ],
)
def test_bad_specs_name_line_and_field(tmp_path, text, line, field, msg):
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(DataError, match=msg) as e:
        load_spec(p)
    assert (e.value.line, e.value.field) == (line, field)
    assert str(p) in str(e.value)


def test_toml_syntax_error_has_line(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text('table = "autonomy"\n[[conditions]\n')
    with pytest.raises(DataError, match="invalid TOML") as e:
        load_spec(p)
    assert e.value.line == 2


def test_check_columns_suggests():
    s = load_spec(GOOD)
    s.check_columns(["import_hhi", "world_hhi", "import_value"])
    with pytest.raises(DataError, match="did you mean import_hhi") as e:
        s.check_columns(["import_hhi", "import_value"])  # no world_hhi
    assert e.value.field == "conditions[1].column"
    assert e.value.line == 13


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        load_spec("/nonexistent/spec.toml")
