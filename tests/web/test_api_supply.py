"""Minerals, rerouting and trade as reported over HTTP: absent data and bad input are 4xx."""

from __future__ import annotations

import pytest
from test_api import problem


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/mirror?year=2023",
        "/api/v1/monthly?importer=KOR&exporter=JPN&product=2805",
        "/api/v1/indispensability?source=comtrade&year=2023&product=811292",
    ],
)
def test_without_comtrade_or_national_data_the_answer_says_what_to_ingest(client, url):
    doc = problem(client.get(url), 404)
    assert "ingest" in doc["detail"]


@pytest.mark.parametrize(
    ("url", "status", "parameter"),
    [
        ("/api/v1/minerals?edition=2019", 404, "edition"),
        ("/api/v1/minerals?stage=smelted", 422, "stage"),
        ("/api/v1/minerals?top=0", 422, "top"),
        ("/api/v1/rerouting?from=CHN&to=JPN&product=280530&years=later", 400, None),
        ("/api/v1/rerouting?from=CHN&to=JPN&years=2022-2024", 422, "product"),
        ("/api/v1/mirror?year=2023&band_low=1.5", 422, "band_low"),
        ("/api/v1/mirror?year=2023&hs=HS99", 422, "hs"),
        ("/api/v1/mirror?year=2019", 404, "year"),
        ("/api/v1/monthly?importer=KOR&exporter=JPN&product=2805&years=19", 422, "years"),
        ("/api/v1/indispensability?source=comtrade&product=811292", 422, "source"),
        ("/api/v1/indispensability?source=usgs", 422, "source"),
    ],
)
def test_bad_input_names_the_parameter(sources_client, url, status, parameter):
    doc = problem(sources_client.get(url), status)
    assert doc.get("parameter") == parameter


def test_unknown_commodity_and_same_country_are_the_cli_messages(client):
    doc = problem(client.get("/api/v1/minerals?commodity=unobtainium"), 404)
    assert "unobtainium" in doc["detail"]
    doc = problem(
        client.get("/api/v1/rerouting?from=CHN&to=CHN&product=280530&years=2022-2024"), 400
    )
    assert "same country" in doc["detail"]


def test_a_server_without_usgs_tables_answers_404_and_the_map_says_none_is_held(web_home, tmp_path):
    from fastapi.testclient import TestClient

    from econsec.web import ServerConfig, create_app

    with TestClient(create_app(ServerConfig(home=web_home, usgs_dir=tmp_path))) as c:
        doc = problem(c.get("/api/v1/minerals?commodity=raree"), 404)
        assert doc["parameter"] == "edition" and "none" in doc["detail"]
        rows = c.get("/api/v1/hs-usgs?product=280530").json()["rows"]
        assert rows and not any(r["held"] for r in rows)
        # rerouting still screens hubs, and says production is absent
        r = c.get("/api/v1/rerouting?from=CHN&to=JPN&product=280530&years=2022-2024")
        assert r.status_code == 200 and any("production" in n for n in r.json()["notes"])


def test_the_map_says_which_commodities_the_server_holds(client):
    rows = client.get("/api/v1/hs-usgs?product=280530&product=811292&hs=HS17").json()["rows"]
    held = {r["usgs_code"] for r in rows if r["held"]}
    assert held == {"raree", "galli"}
    assert {r["hs6"] for r in rows} == {"280530", "811292"}
    assert {r["usgs_code"] for r in rows} > held  # germanium, indium… mapped but not held


def test_rerouting_balance_csv_is_the_cli_csv(client, web_home, web_usgs):
    from typer.testing import CliRunner

    from econsec.cli.main import app

    args = ["--from", "CHN", "--to", "JPN", "-p", "280530", "--years", "2022-2024"]
    res = CliRunner().invoke(
        app,
        [
            *("rerouting", *args, "--view", "balance", "-f", "csv"),
            *("--usgs-dir", str(web_usgs), "--home", str(web_home)),
        ],
    )
    assert res.exit_code == 0, res.output
    csv = [ln for ln in res.stdout.splitlines() if not ln.startswith("note:")]
    r = client.get(
        "/api/v1/rerouting?from=CHN&to=JPN&product=280530&years=2022-2024&view=balance&format=csv"
    )
    assert r.status_code == 200
    assert r.text.splitlines() == csv and len(csv) > 1
