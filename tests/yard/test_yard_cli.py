"""The ``econsec yard`` command: JSON contract, CSV and table views, errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner
from yard_helpers import flows

from econsec.cli.main import app

runner = CliRunner()


@pytest.fixture
def wh(make_warehouse) -> Path:
    return make_warehouse(pl.concat([flows(2023), flows(2024)]))


@pytest.mark.unit
def test_json_contract(wh: Path) -> None:
    r = runner.invoke(
        app,
        [
            "yard",
            "JPN",
            "--year",
            "2024",
            "--rival",
            "CHN",
            "--catalogue",
            "jp-espa",
            "--format",
            "json",
            "--home",
            str(wh),
        ],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert {"rows", "summary", "years", "changes", "params", "notes"} <= set(out)
    assert [p["product"] for p in out["rows"]] == ["280530", "850511"]
    first = out["rows"][0]
    assert {
        "product",
        "score",
        "dependence",
        "concentration",
        "substitution_gap",
        "criticality",
        "top_supplier",
        "baskets",
        "reason",
    } <= set(first)
    assert first["score"] == pytest.approx(1.0)
    assert out["summary"]["fence_cost"] == pytest.approx(200 / 1300)
    assert out["params"]["rival"] == "CHN"
    assert [y["year"] for y in out["years"]] == [2023, 2024]


@pytest.mark.unit
def test_csv_and_table(wh: Path) -> None:
    r = runner.invoke(
        app,
        [
            "yard",
            "JPN",
            "--format",
            "csv",
            "--no-trend",
            "--espa",
            "--method",
            "cheapest",
            "--home",
            str(wh),
        ],
    )
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and {"product", "score", "espa"} <= set(rows[0])
    r = runner.invoke(app, ["yard", "JPN", "--home", str(wh)])
    assert r.exit_code == 0, r.output
    assert "Small yard of JPN in 2024" in r.stdout and "growing" in r.stdout


@pytest.mark.unit
def test_errors_exit_2(wh: Path) -> None:
    r = runner.invoke(app, ["yard", "Atlantis", "--home", str(wh)])
    assert r.exit_code == 2
    assert "unknown country" in r.output
    r = runner.invoke(app, ["yard", "JPN", "--coverage", "2", "--home", str(wh)])
    assert r.exit_code == 2
    assert "coverage" in r.output


@pytest.mark.unit
def test_products_and_rival_group_options(wh: Path) -> None:
    args = ["yard", "JPN", "-p", "850511", "-p", "2805", "--rival-group", "BRICS"]
    r = runner.invoke(app, [*args, "--no-trend", "--format", "json", "--home", str(wh)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["params"]["products"] == ["280530", "850511"]
    assert out["params"]["rival"] == "BRICS" and out["params"]["dependence"] == "rival share"
    r = runner.invoke(app, ["yard", "JPN", "-p", "850599", "--home", str(wh)])
    assert r.exit_code == 2
    assert "850599" in r.stderr and "850511" in r.stderr  # a code of the same heading
