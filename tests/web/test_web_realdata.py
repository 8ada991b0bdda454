"""The API on the real sample release: the issue's example URL answers the CLI's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner


@pytest.fixture
def real_client(mirror: Path, tmp_path: Path):
    from fastapi.testclient import TestClient

    from econsec.warehouse.ingest import ingest_baci
    from econsec.web import ServerConfig, create_app

    home = tmp_path / "web-real"
    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    with TestClient(create_app(ServerConfig(home=home))) as c:
        yield c, home


@pytest.mark.realdata
def test_japan_magnets_and_gallium_as_the_cli_says(real_client):
    from econsec.cli.main import app

    client, home = real_client
    url = "/api/v1/autonomy?importer=JPN&year=2024&product=850511&product=811292&rival=CHN"
    api = client.get(url).json()
    cli = CliRunner().invoke(
        app,
        [
            "autonomy",
            "-i",
            "JPN",
            "-y",
            "2024",
            "-p",
            "850511",
            "-p",
            "811292",
            "--rival",
            "CHN",
            "--format",
            "json",
            "--home",
            str(home),
        ],
    )
    assert cli.exit_code == 0, cli.output
    assert api["rows"] == json.loads(cli.stdout)
    magnets = next(r for r in api["rows"] if r["product"] == "850511")
    # BACI 2024: China supplies Japan about 28% of its permanent magnets, behind the
    # Philippines (the top supplier) and Viet Nam.
    assert magnets["top_supplier"] == "PHL" and 0.2 < magnets["rival_share"] < 0.35
    tw = {r["iso3"]: r["display_name"] for r in client.get("/api/v1/countries").json()["rows"]}
    assert tw["TWN"] == "Taiwan"
    figs = client.get("/api/v1/figures/dependence?importer=JPN&year=2024&rival=CHN").json()
    bars = figs["figures"]["suppliers"]["data"]
    colours = [t["marker"]["color"] for t in bars]
    # 30 products, dozens of suppliers: still one colour each for those shown, rest "others"
    assert len(colours) == len(set(colours)) <= 10 and bars[-1]["name"] == "others"


@pytest.mark.realdata
def test_minerals_from_the_mirror_beside_the_cli(real_client, mirror, monkeypatch):
    """The server reads the mirror's MCS 2024 tables: China's rare earths as MCS prints them."""
    from econsec.cli.main import app

    monkeypatch.setenv("ECONSEC_MIRROR", str(mirror))
    client, _ = real_client
    api = client.get("/api/v1/minerals?commodity=raree&top=3").json()
    cli = CliRunner().invoke(app, ["minerals", "-c", "raree", "--top", "3", "--format", "json"])
    assert cli.exit_code == 0, cli.output
    assert api["rows"] == json.loads(cli.stdout)
    chn = next(r for r in api["rows"] if r["iso3"] == "CHN" and r["year"] == 2023)
    assert chn["production"] == 240_000 and chn["rank"] == 1
    held = client.get("/api/v1/hs-usgs?product=811292&hs=HS17").json()["rows"]
    assert {r["usgs_code"] for r in held if r["held"]} >= {"galli", "germa"}
