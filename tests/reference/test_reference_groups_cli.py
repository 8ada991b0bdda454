from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from econsec.cli import groups as groups_cli


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """Root."""

    groups_cli.register(root)
    return root


@pytest.mark.unit
def test_groups_list_json(app):
    res = CliRunner().invoke(app, ["groups", "list", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert {"EU", "G7", "RCEP"} <= {r["group"] for r in rows}


@pytest.mark.unit
def test_groups_show_on_date_csv(app):
    res = CliRunner().invoke(app, ["groups", "show", "eu", "--on", "2013", "-f", "csv"])
    assert res.exit_code == 0, res.output
    lines = res.output.strip().splitlines()
    assert lines[0] == "iso3,start,end,source,note"
    assert len(lines) == 1 + 28
    assert any(line.startswith("HRV,2013-07-01") for line in lines)


@pytest.mark.unit
def test_groups_show_history_and_user_file(app, tmp_path: Path):
    f = tmp_path / "g.toml"
    f.write_text('[groups.PAIR]\nmembers = ["JPN", "KOR"]\n')
    res = CliRunner().invoke(app, ["groups", "show", "pair", "--groups-file", str(f), "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[1].startswith("JPN")
    res = CliRunner().invoke(app, ["groups", "show", "EU", "--history", "-f", "csv"])
    assert "GBR,1973-01-01,2020-01-31" in res.output


@pytest.mark.unit
def test_groups_show_errors_exit_2(app):
    res = CliRunner().invoke(app, ["groups", "show", "G8"])
    assert res.exit_code == 2
    res = CliRunner().invoke(app, ["groups", "show", "EU", "--on", "1/1/2020"])
    assert res.exit_code == 2
