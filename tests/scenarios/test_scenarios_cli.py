"""CLI contract of ``econsec scenario`` on a small warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from econsec.cli.main import app

runner = CliRunner()
KEYS = {"importer", "product", "baseline_imports", "lost_imports", "replaced", "shortfall"}


def _json(args: list[str]) -> dict:
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.mark.unit
def test_ban_json_contract(small_home: Path) -> None:
    d = _json(
        [
            "scenario",
            "ban",
            "--from",
            "CHN",
            "--to",
            "JPN",
            "--product",
            "850511",
            "--year",
            "2024",
            "--redirect",
            "0.2",
            "--format",
            "json",
            "--home",
            str(small_home),
        ]
    )
    assert set(d["rows"][0]) >= KEYS
    p = d["rows"][0]
    assert (p["importer"], p["product"]) == ("JPN", "850511")
    assert p["shortfall"] == pytest.approx(22.0)
    assert d["summary"]["lost_imports"] == pytest.approx(60.0)
    assert d["params"]["year"] == 2024 and d["params"]["meaning"] == ["imposer CHN", "importer JPN"]
    assert d["measures"][0]["mutual_pain"][0]["exporter"] == "CHN"


@pytest.mark.unit
def test_ban_table_and_horizon(small_home: Path) -> None:
    r = runner.invoke(
        app,
        [
            "scenario",
            "ban",
            "--from",
            "CHN",
            "--to",
            "JPN",
            "--product",
            "850511",
            "--year",
            "2024",
            "--horizon",
            "0-3m",
            "--home",
            str(small_home),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "850511" in r.stdout and "replacement by supplier" in r.stdout


@pytest.mark.unit
def test_tariff_and_coalition_commands(small_home: Path) -> None:
    d = _json(
        [
            "scenario",
            "tariff",
            "--imposer",
            "USA",
            "--on",
            "CHN",
            "--rate",
            "0.5",
            "--product",
            "811292",
            "--year",
            "2024",
            "--format",
            "json",
            "--home",
            str(small_home),
        ]
    )
    assert d["rows"][0]["importer"] == "USA"
    assert d["measures"][0]["summary"]["target_exposure"] == pytest.approx(50.0)
    d = _json(
        [
            "scenario",
            "coalition",
            "--members",
            "CHN,KOR",
            "--target",
            "JPN",
            "--product",
            "850511",
            "--year",
            "2024",
            "--threshold",
            "0.1",
            "--format",
            "json",
            "--home",
            str(small_home),
        ]
    )
    mj = d["measures"][0]["must_join"]
    assert mj["exporters"] == ["USA"] and mj["exact"] is True
    assert d["measures"][0]["access"][0]["leakage"] == pytest.approx(28.0)


@pytest.mark.unit
def test_run_spec_json_html_and_draws(small_home: Path, tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(
        'name = "small"\nyear = 2024\n[[measures]]\nkind = "export_ban"\n'
        'suppliers = ["CHN"]\ntargets = ["JPN"]\nproducts = ["850511"]\n'
    )
    d = _json(
        [
            "scenario",
            "run",
            str(spec),
            "--format",
            "json",
            "--draws",
            "100",
            "--home",
            str(small_home),
        ]
    )
    assert d["params"]["scenario"] == "small"
    assert {u["metric"] for u in d["uncertainty"]} >= {"shortfall", "replaced"}
    out = tmp_path / "r.html"
    r = runner.invoke(
        app,
        [
            "scenario",
            "run",
            str(spec),
            "--format",
            "html",
            "--out",
            str(out),
            "--home",
            str(small_home),
        ],
    )
    assert r.exit_code == 0, r.output
    page = out.read_text()
    assert page.startswith("<!doctype html>") and "plotly" in page.lower()
    assert "cdn.plot.ly" not in page.split("<script")[1][:200]


@pytest.mark.unit
def test_errors_exit_2_with_a_message(small_home: Path, tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "scenario",
            "ban",
            "--from",
            "CHN",
            "--to",
            "JPN",
            "--product",
            "850511",
            "--year",
            "2024",
            "--horizon",
            "1y",
            "--home",
            str(small_home),
        ],
    )
    assert r.exit_code == 2
    assert "horizon" in r.output and "12m+" in r.output
    bad = tmp_path / "bad.toml"
    bad.write_text('year = 2024\n[[measures]]\nkind = "blockade"\n')
    r = runner.invoke(app, ["scenario", "run", str(bad), "--home", str(small_home)])
    assert r.exit_code == 2 and "measures[0].kind" in r.output and "export_ban" in r.output
