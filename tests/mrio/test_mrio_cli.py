"""The ``econsec io`` commands, on a small bundle written by the test."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from mrio_helpers import mb_table
from typer.testing import CliRunner

from econsec.cli import mrio as mrio_cli
from econsec.mrio.tables import write_bundle

pytestmark = pytest.mark.unit


@pytest.fixture
def app() -> typer.Typer:
    a = typer.Typer()

    @a.callback()
    def _root() -> None:
        """Test root."""

    mrio_cli.register(a)
    return a


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(mb_table(), tmp_path / "mb")


def test_multipliers_csv(app, bundle) -> None:
    r = CliRunner().invoke(app, ["io", "multipliers", "--table", str(bundle), "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0][:4] == ["region", "sector", "output_multiplier", "input_multiplier"]
    assert float(rows[1][2]) == pytest.approx(1.15 / 0.7575)
    assert float(rows[2][3]) == pytest.approx(0.95 / 0.7575)


def test_multipliers_json_and_table(app, bundle) -> None:
    r = CliRunner().invoke(app, ["io", "multipliers", "-t", str(bundle), "--format", "json"])
    assert json.loads(r.stdout)[0]["sector"] == "s1"
    r = CliRunner().invoke(app, ["io", "multipliers", "-t", str(bundle)])
    assert r.exit_code == 0 and "output_multiplier" in r.stdout


def test_check(app, tmp_path) -> None:
    import numpy as np

    b = write_bundle(mb_table(x=np.array([1000.0, 2010.0])), tmp_path / "off")
    r = CliRunner().invoke(app, ["io", "check", "--table", str(b), "--format", "json"])
    out = json.loads(r.stdout)
    assert out["summary"]["rows_off_balance"] == 1 and out["worst"][0]["residual"] == 10.0
    r = CliRunner().invoke(app, ["io", "check", "--table", str(b)])
    assert r.exit_code == 0 and "rows_off_balance" in r.stdout


@pytest.mark.parametrize("model", ["ghosh", "leontief", "inoperability"])
def test_shock(app, bundle, model) -> None:
    r = CliRunner().invoke(
        app,
        [
            "io",
            "shock",
            "--table",
            str(bundle),
            "--region",
            "R",
            "--sector",
            "s1",
            "--value",
            "100",
            "--model",
            model,
            "--format",
            "json",
        ],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["totals"]["shock"] == 100.0 and out["totals"]["output_loss"] > 100.0
    assert {"top_sectors", "regions"} <= set(out)
    r = CliRunner().invoke(
        app, ["io", "shock", "-t", str(bundle), "-r", "R", "-s", "s1", "-v", "100", "-m", model]
    )
    assert r.exit_code == 0 and "most affected sectors" in r.stdout


def test_errors_exit_2_with_message(app, bundle, tmp_path) -> None:
    r = CliRunner().invoke(
        app, ["io", "shock", "-t", str(bundle), "-r", "R", "-s", "s9", "-v", "1"]
    )
    assert r.exit_code == 2 and "unknown sector 's9'" in r.output
    r = CliRunner().invoke(
        app, ["io", "shock", "-t", str(bundle), "-r", "R", "-s", "s1", "-v", "1", "-m", "cge"]
    )
    assert r.exit_code == 2 and "allowed: ghosh, leontief, inoperability" in r.output
    r = CliRunner().invoke(app, ["io", "check", "-t", str(tmp_path / "nothing")])
    assert r.exit_code == 2 and "nothing" in r.output
