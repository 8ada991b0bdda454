"""The API answers every verb with the CLI's numbers.

Each case runs the ``econsec`` command (the console script's application, in-process: one
interpreter start instead of fourteen) with ``--format json`` and compares its stdout with
the API's answer; the console script itself runs in a subprocess for the CSV and for one
JSON case, so the installed entry point is covered too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ECONSEC = str(Path(sys.executable).with_name("econsec"))


def cli_env(home: Path) -> dict[str, str]:
    return {**os.environ, "ECONSEC_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}


SCENARIO_TOML = """
name = "China stops magnets to Japan"
year = 2024
horizon = "0-3m"

[[measures]]
kind = "export_ban"
suppliers = ["CHN"]
targets = ["JPN"]
products = ["850511", "280530"]
"""
SCENARIO_JSON = {
    "name": "China stops magnets to Japan",
    "year": 2024,
    "horizon": "0-3m",
    "measures": [
        {
            "kind": "export_ban",
            "suppliers": ["CHN"],
            "targets": ["JPN"],
            "products": ["850511", "280530"],
        }
    ],
}


def _rows(api: dict[str, Any]) -> Any:
    return api["rows"]


def _without_page(api: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in api.items() if k != "page"}


def _leverage(api: dict[str, Any]) -> dict[str, Any]:
    return {
        "summary": api["summary"],
        "notes": api["notes"],
        "dependencies": api["rows"],
        "exposure": api["exposure"],
    }


# (id, CLI arguments, API path, API body or None, what of the API answer equals the CLI's JSON)
CASES = [
    (
        "autonomy",
        ["autonomy", "-i", "JPN", "-y", "2024", "-p", "850511", "-p", "811292", "--rival", "CHN"],
        "/api/v1/autonomy?importer=JPN&year=2024&product=850511&product=811292&rival=CHN",
        None,
        _rows,
    ),
    (
        "autonomy-all",
        ["autonomy", "-y", "2023"],
        "/api/v1/autonomy?year=2023&limit=10000",
        None,
        _rows,
    ),
    (
        "indispensability",
        ["indispensability", "-e", "CHN", "--threshold", "0.4"],
        "/api/v1/indispensability?exporter=CHN&threshold=0.4",
        None,
        _rows,
    ),
    (
        "leverage",
        ["leverage", "JPN", "CHN", "-y", "2024"],
        "/api/v1/leverage?a=JPN&b=CHN&year=2024",
        None,
        _leverage,
    ),
    (
        "geodep",
        ["screen", "geodep", "-i", "JPN", "-i", "DEU"],
        "/api/v1/screens/geodep?importer=JPN&importer=DEU",
        None,
        _rows,
    ),
    (
        "eu",
        ["screen", "eu", "--bloc", "DEU,NLD", "--extra-hhi", "0.2"],
        "/api/v1/screens/eu?bloc=DEU,NLD&extra_hhi=0.2",
        None,
        _rows,
    ),
    (
        "yard",
        ["yard", "JPN", "--coverage", "0.7", "--rival", "CHN"],
        "/api/v1/yard?importer=JPN&coverage=0.7&rival=CHN",
        None,
        _without_page,
    ),
    (
        "plan",
        ["plan", "JPN", "-p", "850511", "--cap", "0.3", "--frontier", "--ban-days", "60"],
        "/api/v1/plans",
        {"importer": "JPN", "products": ["850511"], "cap": 0.3, "frontier": True, "ban_days": 60},
        lambda api: api["summary"],
    ),
    (
        "plan-get",
        ["plan", "JPN", "-p", "850511", "-p", "280530", "--strategy", "friend-shore"],
        "/api/v1/plan?importer=JPN&product=850511&product=280530&strategy=friend-shore",
        None,
        lambda api: api["summary"],
    ),
    (
        "ban",
        ["scenario", "ban", "--from", "CHN", "--to", "JPN,KOR", "-p", "850511", "--share", "0.5"],
        "/api/v1/scenarios/ban?from=CHN&to=JPN,KOR&product=850511&share=0.5",
        None,
        _without_page,
    ),
    (
        "tariff",
        ["scenario", "tariff", "--imposer", "USA", "--on", "CHN", "--rate", "0.25"],
        "/api/v1/scenarios/tariff?imposer=USA&on=CHN&rate=0.25",
        None,
        _without_page,
    ),
    (
        "coalition",
        [
            "scenario",
            "coalition",
            "--members",
            "USA,JPN,NLD",
            "--target",
            "CHN",
            "-p",
            "854231",
            "--threshold",
            "0.2",
            "--draws",
            "100",
            "--seed",
            "3",
        ],
        "/api/v1/scenarios/coalition?members=USA,JPN,NLD&target=CHN&product=854231"
        "&threshold=0.2&draws=100&seed=3",
        None,
        _without_page,
    ),
    ("run", ["scenario", "run", "{toml}"], "/api/v1/scenarios", SCENARIO_JSON, _without_page),
    (
        "review",
        ["review", "JPN", "--rival", "CHN", "--out", "{out}"],
        "/api/v1/review?country=JPN&rival=CHN",
        None,
        # the CLI also says where it wrote the report; the server writes nothing
        lambda api: {**api, "report": "{out}"},
    ),
    (
        "backtests",
        ["backtest", "list", "--country", "JPN"],
        "/api/v1/backtests?country=JPN",
        None,
        _rows,
    ),
    (
        "backtest-run",
        ["backtest", "run", "cn-gallium-germanium-2023", "--outcome-year", "2024"],
        "/api/v1/backtests/cn-gallium-germanium-2023?outcome_year=2024",
        None,
        _without_page,
    ),
    (
        "ban-io",
        ["scenario", "ban", "--from", "CHN", "--to", "JPN", "-p", "850511", "--io", "{io}/tiny"],
        "/api/v1/scenarios/ban?from=CHN&to=JPN&product=850511&io=tiny",
        None,
        _without_page,
    ),
]


# Verbs of USGS tables and ingested sources: (id, CLI arguments, API path, warehouse, pick).
# "sources" is the warehouse holding Comtrade and national statistics; "{usgs}" the tables.
SUPPLY_CASES = [
    ("minerals", ["minerals", "--usgs-dir", "{usgs}"], "/api/v1/minerals", None, _rows),
    (
        "minerals-hs",
        ["minerals", "-c", "280530", "-c", "galli", "--top", "2", "--usgs-dir", "{usgs}"],
        "/api/v1/minerals?commodity=280530&commodity=galli&top=2",
        None,
        _rows,
    ),
    (
        "rerouting",
        [
            *("rerouting", "--from", "CHN", "--to", "JPN", "-p", "280530", "-p", "850511"),
            *("--years", "2022-2024", "--date", "2023-06", "--min-value", "1"),
            *("--usgs-dir", "{usgs}"),
        ],
        "/api/v1/rerouting?from=CHN&to=JPN&product=280530&product=850511&years=2022-2024"
        "&date=2023-06&min_value=1",
        "web",
        _without_page,
    ),
    (
        "mirror",
        ["mirror", "--year", "2023", "--band-high", "1.1"],
        "/api/v1/mirror?year=2023&band_high=1.1",
        "sources",
        _rows,
    ),
    (
        "monthly",
        ["monthly", "--importer", "KOR", "--exporter", "JPN", "-p", "2805"],
        "/api/v1/monthly?importer=KOR&exporter=JPN&product=2805",
        "sources",
        _rows,
    ),
    (
        "indispensability-comtrade",
        ["indispensability", "--source", "comtrade", "-y", "2023", "-p", "811292"],
        "/api/v1/indispensability?source=comtrade&year=2023&product=811292",
        "sources",
        _rows,
    ),
]


@pytest.mark.parametrize("case", SUPPLY_CASES, ids=[c[0] for c in SUPPLY_CASES])
def test_supply_verbs_answer_the_cli_numbers(
    case, client, sources_client, web_home, sources_home, web_usgs
):
    from typer.testing import CliRunner

    from econsec.cli.main import app

    _, args, url, where, pick = case
    argv = [a.replace("{usgs}", str(web_usgs)) for a in args]
    if where is not None:
        argv += ["--home", str(sources_home if where == "sources" else web_home)]
    res = CliRunner().invoke(app, [*argv, "--format", "json"])
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)
    r = (sources_client if where == "sources" else client).get(url)
    assert r.status_code == 200, r.text
    assert pick(r.json()) == cli
    assert cli  # a comparison of two empty answers would prove nothing


@pytest.fixture(scope="module")
def toml_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "ban.toml"
    path.write_text(SCENARIO_TOML)
    return path


@pytest.fixture(scope="module")
def cli_outputs(web_home: Path, web_io: Path, toml_spec: Path) -> dict[str, Any]:
    """Every case's ``--format json`` output of the ``econsec`` application."""
    from typer.testing import CliRunner

    from econsec.cli.main import app

    out = {}
    runner = CliRunner()
    for name, args, *_ in CASES:
        argv = [a.replace("{toml}", str(toml_spec)).replace("{io}", str(web_io)) for a in args]
        report = str(toml_spec.parent / "review.html")
        argv = [a.replace("{out}", report) for a in argv]
        res = runner.invoke(app, [*argv, "--format", "json", "--home", str(web_home)])
        assert res.exit_code == 0, res.output
        doc = json.loads(res.stdout)
        if isinstance(doc, dict) and doc.get("report") == report:
            doc["report"] = "{out}"
        out[name] = doc
    return out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_api_answers_the_cli_numbers(case, client, cli_outputs):
    name, _, url, body, pick = case
    r = client.post(url, json=body) if body is not None else client.get(url)
    assert r.status_code == 200, r.text
    assert pick(r.json()) == cli_outputs[name]
    assert cli_outputs[name]  # a comparison of two empty answers would prove nothing


def test_console_script_json_equals_the_api(client, web_home, toml_spec):
    p = subprocess.run(
        [ECONSEC, "scenario", "run", str(toml_spec), "--format", "json"],
        capture_output=True,
        text=True,
        env=cli_env(web_home),
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    api = client.post("/api/v1/scenarios", json=SCENARIO_JSON).json()
    assert _without_page(api) == json.loads(p.stdout)


def test_csv_equals_the_cli_csv(client, web_home):
    p = subprocess.run(
        [ECONSEC, "autonomy", "-y", "2024", "--rival", "CHN", "--format", "csv"],
        capture_output=True,
        text=True,
        env=cli_env(web_home),
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    by_param = client.get("/api/v1/autonomy?year=2024&rival=CHN&format=csv&limit=10000")
    by_accept = client.get(
        "/api/v1/autonomy?year=2024&rival=CHN&limit=10000", headers={"Accept": "text/csv"}
    )
    assert by_param.headers["content-type"].startswith("text/csv")
    assert by_param.text == p.stdout == by_accept.text
    assert p.stdout.count("\n") > 10


def test_every_verb_of_the_openapi_document_is_compared(client):
    """A verb added to the API without a CLI comparison fails here."""
    paths = set(client.get("/openapi.json").json()["paths"])
    import re

    urls = {c[2].split("?")[0] for c in [*CASES, *SUPPLY_CASES]}
    # a path with a parameter ({event}) is compared when a case fills it in
    compared = {
        p for p in paths if any(re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", p), u) for u in urls)
    }
    verbs = {
        p
        for p in paths
        if not p.startswith(("/api/v1/figures", "/api/v1/jobs"))
        and p.split("/")[3]
        not in (
            "health",
            "years",
            "releases",
            "countries",
            "products",
            "groups",
            "baskets",
            "io-tables",
            "hs-usgs",
        )
    }
    # Verbs of the query layer with no CLI command of their own: checked against the library.
    library_only = {"/api/v1/autonomy/trend", "/api/v1/suppliers"}
    assert verbs - compared == library_only
