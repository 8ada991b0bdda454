"""The ``econsec baskets`` commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from econsec.cli import baskets as cli

runner = CliRunner()


def root() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _cb() -> None:
        """Root."""

    cli.register(app)
    return app


@pytest.mark.unit
def test_list_json(home: Path) -> None:
    r = runner.invoke(root(), ["baskets", "list", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [x["name"] for x in rows][:2] == ["us-eo14017", "jp-espa"]
    assert {"name", "title", "hs_revision", "items", "codes"} <= set(rows[0])


@pytest.mark.unit
@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_show_columns(home: Path, fmt: str) -> None:
    r = runner.invoke(root(), ["baskets", "show", "eu-crma", "--hs", "HS22", "--format", fmt])
    assert r.exit_code == 0, r.output
    cols = ["basket", "item", "hs_revision", "hs6", "source"]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.stdout)))
        assert set(cols) <= set(rows[0])
        assert {x["hs_revision"] for x in rows} == {"HS22"}
        assert "811231" in {x["hs6"] for x in rows}
    elif fmt == "json":
        rows = json.loads(r.stdout)
        assert set(cols) <= set(rows[0])
    else:
        assert "hafnium" in r.stdout


@pytest.mark.unit
def test_show_user_basket_file(tmp_path: Path, home: Path) -> None:
    p = tmp_path / "b.toml"
    p.write_text('[baskets.x]\ntitle="t"\nitems=[{item="a", hs6=["850511"], source="s"}]\n')
    r = runner.invoke(root(), ["baskets", "show", "x", "--baskets-file", str(p), "-f", "csv"])
    assert r.exit_code == 0, r.output
    assert "850511" in r.stdout


@pytest.mark.unit
def test_unknown_basket_exits_2(home: Path) -> None:
    r = runner.invoke(root(), ["baskets", "show", "usgs2022"])
    assert r.exit_code == 2
    assert "usgs-2022" in r.output


@pytest.mark.unit
def test_weights_csv(home: Path) -> None:
    r = runner.invoke(root(), ["baskets", "weights", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows[0]["weight"] == "1.0" and rows[0]["baskets"]
