"""CLI contracts: commands, options and the column names they promise."""

from __future__ import annotations

import csv
import io
import json

import polars as pl
import pytest
from metrics_helpers import CHN, DEU, FRA, GOLDEN, MAGNETS, NLD, frame
from typer.testing import CliRunner

from econsec.cli.main import app

pytestmark = pytest.mark.unit
runner = CliRunner()


@pytest.fixture
def home(make_warehouse):
    eu = frame(
        [
            (2024, CHN, DEU, MAGNETS, 50.0),
            (2024, CHN, FRA, MAGNETS, 30.0),
            (2024, FRA, DEU, MAGNETS, 40.0),
            (2024, DEU, NLD, MAGNETS, 5.0),
        ]
    )
    prev = GOLDEN.with_columns(t=pl.lit(2023, pl.Int16))
    return make_warehouse(pl.concat([prev, GOLDEN, eu]))


def invoke(home, *args: str):
    res = runner.invoke(app, [*args, "--home", str(home)], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    return res.stdout


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_autonomy_columns_and_rival(home):
    rows = csv_rows(
        invoke(
            home,
            "autonomy",
            "--importer",
            "JPN",
            "--year",
            "2024",
            "--product",
            "850511",
            "--rival",
            "CHN",
            "--format",
            "csv",
        )
    )
    assert len(rows) == 1
    for col in (
        "importer",
        "product",
        "year",
        "import_value",
        "n_suppliers",
        "top_supplier",
        "top_share",
        "hhi",
        "rival_share",
    ):
        assert col in rows[0]
    r = rows[0]
    assert (r["importer"], r["product"], r["year"], r["top_supplier"]) == (
        "JPN",
        "850511",
        "2024",
        "CHN",
    )
    assert float(r["hhi"]) == pytest.approx(0.46)
    assert float(r["rival_share"]) == pytest.approx(0.6)


def test_autonomy_every_importer_json(home):
    data = json.loads(invoke(home, "autonomy", "--year", "2024", "--format", "json"))
    assert {d["importer"] for d in data} >= {"JPN", "USA", "KOR", "CHN"}
    usa = next(d for d in data if d["importer"] == "USA")
    assert usa["import_export_ratio"] == "inf"  # JSON has no infinity
    assert "rival_share" not in usa


def test_autonomy_bloc_and_table(home):
    out = invoke(home, "autonomy", "--bloc", "DEU,FRA", "--year", "2024")
    assert "DEU+FRA" in out


def test_indispensability_columns(home):
    rows = csv_rows(
        invoke(home, "indispensability", "--year", "2024", "--exporter", "CHN", "--format", "csv")
    )
    for col in (
        "exporter",
        "product",
        "year",
        "export_value",
        "world_share",
        "world_rank",
        "world_hhi",
        "n_dependents",
        "replaceability",
    ):
        assert col in rows[0]
    assert {r["exporter"] for r in rows} == {"CHN"}


def test_screen_geodep_columns(home):
    rows = csv_rows(invoke(home, "screen", "geodep", "--year", "2024", "--format", "csv"))
    for col in (
        "importer",
        "product",
        "year",
        "import_hhi",
        "world_hhi",
        "import_export_ratio",
        "flagged",
    ):
        assert col in rows[0]
    keys = [(r["importer"], r["product"]) for r in rows]
    assert len(keys) == len(set(keys))  # one row per importer x product
    flagged = csv_rows(
        invoke(home, "screen", "geodep", "--year", "2024", "--flagged-only", "--format", "csv")
    )
    assert all(r["flagged"] == "true" for r in flagged)


def test_screen_eu_columns(home):
    rows = csv_rows(
        invoke(home, "screen", "eu", "--bloc", "DEU,FRA", "--year", "2024", "--format", "csv")
    )
    for col in (
        "bloc",
        "product",
        "year",
        "extra_hhi",
        "extra_share",
        "extra_import_export_ratio",
        "flagged",
    ):
        assert col in rows[0]
    assert rows[0]["bloc"] == "DEU+FRA"


def test_screen_eu_group(home):
    pytest.importorskip("econsec.reference.groups")
    res = runner.invoke(
        app, ["screen", "eu", "--bloc", "EU27", "--year", "2024", "--home", str(home)]
    )
    assert res.exit_code == 0, res.output
    assert "EU27" in res.stdout


def test_leverage_formats(home):
    out = invoke(home, "leverage", "JPN", "CHN", "--year", "2024")
    assert "JPN depends on CHN for 1 products" in out
    data = json.loads(invoke(home, "leverage", "JPN", "CHN", "--year", "2024", "--format", "json"))
    assert data["summary"]["b_depends_on_a"]["products"] == 1
    assert {d["exporter"] for d in data["exposure"]} == {"JPN", "CHN"}
    rows = csv_rows(invoke(home, "leverage", "JPN", "CHN", "--year", "2024", "--format", "csv"))
    assert {r["importer"] for r in rows} == {"JPN", "CHN"}


def test_screen_custom(home, tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(
        'table = "indispensability"\n[[conditions]]\ncolumn = "world_share"\n'
        'op = ">="\nvalue = 0.5\n'
    )
    rows = csv_rows(
        invoke(home, "screen", "custom", str(spec), "--year", "2024", "--format", "csv")
    )
    flagged = {(r["exporter"], r["product"]) for r in rows if r["flagged"] == "true"}
    assert flagged == {("CHN", "850511"), ("JPN", "854231")}


def test_errors_are_one_line_with_suggestions(home):
    res = runner.invoke(app, ["autonomy", "--importer", "JPNN", "--home", str(home)])
    assert res.exit_code == 2
    assert "JPN (Japan)" in res.output
    res = runner.invoke(app, ["autonomy", "--year", "1990", "--home", str(home)])
    assert res.exit_code == 2
    assert "2023–2024" in res.output
