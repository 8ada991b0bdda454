"""Every analysis on PySpark equals DuckDB on the real BACI sample (2023–2024, HS17).

The warehouse is written from the release zip's CSVs (as in tests/metrics); each verb runs
once on DuckDB and once on the test session's Spark, and every column must agree within
1e-9 (codes, names and counts exactly). The CLI must print exactly what DuckDB prints.
"""

from __future__ import annotations

import io
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from econsec import analysis
from econsec.cli.main import app
from econsec.countries import read_country_codes
from econsec.engine import Warehouse
from econsec.scenarios import coalition_control, export_ban, tariff
from econsec.warehouse.store import write_release_frames

pytestmark = [pytest.mark.spark, pytest.mark.realdata]
ZIP = "baci/BACI_HS17_V202601.zip"
runner = CliRunner()
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture(scope="module")
def real_home(tmp_path_factory) -> Path:
    env = os.environ.get("ECONSEC_MIRROR")
    mirror = next(
        (
            c
            for c in (Path(env) if env and "://" not in env else None, SHARED)
            if c is not None and (c / ZIP).is_file()
        ),
        None,
    )
    if mirror is None or not (mirror / ZIP).is_file():
        pytest.skip("real sample data absent: set ECONSEC_MIRROR to the shared data folder")
    with zipfile.ZipFile(mirror / ZIP) as z:
        flows = pl.concat(
            pl.read_csv(
                io.BytesIO(z.read(f"BACI_HS17_Y{y}_V202601.csv")),
                schema_overrides={"k": pl.Utf8, "q": pl.Float64},
            )
            for y in (2023, 2024)
        ).cast({"t": pl.Int16, "i": pl.Int16, "j": pl.Int16})
        cc = next(n for n in z.namelist() if n.startswith("country_codes"))
        countries = read_country_codes(io.BytesIO(z.read(cc)), name=cc)
    home = tmp_path_factory.mktemp("spark-real") / "home"
    write_release_frames(home, "HS17", "V202601", flows, countries, source=str(mirror / ZIP))
    return home


def same(got: pl.DataFrame, want: pl.DataFrame) -> None:
    """Same columns, rows and order; floats within 1e-9 (relative), the rest exactly."""
    assert got.columns == want.columns
    assert got.height == want.height
    for c in want.columns:
        g, w = got[c].to_list(), want[c].to_list()
        if want[c].dtype.is_float():
            for a, b in zip(g, w, strict=True):
                assert (
                    (a is None and b is None)
                    or a == b
                    or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
                ), (c, a, b)
        else:
            assert g == w, c


P = ["850511", "810194", "811292", "283691", "280469", "250490"]

VERBS: dict[str, Any] = {
    "autonomy_rival": lambda **kw: analysis.autonomy("JPN", 2024, rival="CHN", **kw),
    "autonomy_all": lambda **kw: analysis.autonomy(None, 2024, P, **kw),
    "autonomy_bloc": lambda **kw: analysis.autonomy(None, 2024, bloc="EU27", **kw),
    "autonomy_trend": lambda **kw: analysis.autonomy_trend("DEU", P, rival="CHN", **kw),
    "supplier_shares": lambda **kw: analysis.supplier_shares("USA", 2024, P, top=3, **kw),
    "indispensability": lambda **kw: analysis.indispensability(None, 2024, **kw),
    "indispensability_bloc": lambda **kw: analysis.indispensability("EU27", 2024, P, **kw),
    "leverage": lambda **kw: analysis.leverage("JPN", "CHN", 2024, tau=0.3, sigma=0.1, **kw),
    "geodep": lambda **kw: analysis.screen_geodep(None, 2024, window=2, min_years=2, **kw),
    "eu": lambda **kw: analysis.screen_eu("EU27", 2024, **kw),
    "custom": lambda **kw: analysis.screen_custom(
        {
            "name": "few suppliers",
            "table": "autonomy",
            "combine": "any",
            "conditions": [
                {"column": "hhi", "op": ">", "value": 0.5},
                {"column": "n_suppliers", "op": "<=", "value": 3},
            ],
        },
        2024,
        **kw,
    ),
}


@pytest.fixture(scope="module")
def warehouses(real_home: Path, spark_con) -> tuple[Warehouse, Warehouse]:
    return Warehouse(real_home, engine="duckdb"), Warehouse(real_home, engine=spark_con)


@pytest.mark.parametrize("verb", list(VERBS))
def test_verb_on_spark_equals_duckdb(warehouses, verb):
    duck, spark = warehouses
    want = VERBS[verb](warehouse=duck)
    got = VERBS[verb](warehouse=spark)
    assert want.to_polars().height > 0
    same(got.to_polars(), want.to_polars())
    assert got.notes == want.notes
    if hasattr(want, "churn"):
        same(got.churn, want.churn)


SCENARIOS: dict[str, Any] = {
    "export_ban": lambda wh: export_ban("CHN", "JPN", 2024, "850511", warehouse=wh),
    "coalition": lambda wh: coalition_control(
        ["USA", "JPN", "NLD"], "CHN", 2024, ["850511", "811292"], warehouse=wh
    ),
    "tariff": lambda wh: tariff("USA", "CHN", 2024, ["850511"], rate=0.5, warehouse=wh),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_trade_queries_on_spark_equal_duckdb(warehouses, name):
    duck, spark = warehouses
    want, got = SCENARIOS[name](duck), SCENARIOS[name](spark)
    same(got.to_polars(), want.to_polars())
    gt, wt = got.totals(), want.totals()
    assert gt.keys() == wt.keys()
    for k, w in wt.items():
        assert gt[k] == (pytest.approx(w, rel=1e-9) if isinstance(w, float) else w), k


COMMANDS = [
    ["autonomy", "--importer", "JPN", "--year", "2024", "--rival", "CHN"],
    ["indispensability", "--year", "2024", "--exporter", "CHN"],
    ["leverage", "JPN", "CHN", "--year", "2024"],
    ["screen", "geodep", "--year", "2024", "--importer", "JPN", "--window", "2"],
    ["screen", "eu", "--bloc", "EU27", "--year", "2024"],
]


@pytest.mark.parametrize(
    ("cmd", "fmt"),
    [*((c, "csv") for c in COMMANDS), (COMMANDS[0], "json"), (COMMANDS[0], "table")],
    ids=lambda x: "-".join(x[:2]) if isinstance(x, list) else x,
)
def test_cli_prints_what_duckdb_prints(real_home, spark_session, monkeypatch, cmd, fmt):
    # In-process, the pyspark engine finds the test session's Spark already running;
    # --engine sets ECONSEC_ENGINE, which monkeypatch restores afterwards.
    monkeypatch.setenv("ECONSEC_ENGINE", "duckdb")
    args = [*cmd, "--home", str(real_home), "--format", fmt]
    want = runner.invoke(app, ["--engine", "duckdb", *args])
    views = len(spark_session.catalog.listTables())
    got = runner.invoke(app, ["--engine", "pyspark", *args])
    # The trade partitions were registered in Spark: the command really ran there.
    assert len(spark_session.catalog.listTables()) > views
    assert want.exit_code == 0, want.output
    assert got.exit_code == 0, got.output
    assert got.stdout == want.stdout
    assert len(want.stdout.splitlines()) > 1


@pytest.mark.slow
def test_console_script_on_spark_prints_what_duckdb_prints(real_home):
    # As a user runs it: the installed script, its own JVM, ECONSEC_ENGINE from the shell.
    exe = Path(sys.executable).with_name("econsec")
    args = [str(exe), "autonomy", "--importer", "JPN", "--year", "2024", "--rival", "CHN"]
    args += ["--format", "csv", "--home", str(real_home)]

    def run(engine: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ECONSEC_ENGINE": engine}
        return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)

    want, got = run("duckdb"), run("pyspark")
    assert want.returncode == 0, want.stderr
    assert got.returncode == 0, got.stderr
    assert got.stdout == want.stdout
    assert want.stdout.startswith("year,importer,product,import_value")
    assert "Traceback" not in got.stderr
