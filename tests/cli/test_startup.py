"""Start-up stays light: the CLI imports only what the command run needs.

A guard on what is imported (modules present in ``sys.modules`` after a command ran in a fresh
interpreter), not a timing: timings are noisy, a stray top-level import is not.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from econsec.cli import defaults
from econsec.warehouse.store import write_release_frames

#: Heavy libraries no command may load just to parse its options or print help (typer itself
#: brings pydantic, which is therefore not listed).
HEAVY = (
    "ibis",
    "polars",
    "pandas",
    "numpy",
    "pyarrow",
    "duckdb",
    "sqlglot",
    "plotly",
    "scipy",
    "highspy",
    "jinja2",
    "httpx",
)
#: Libraries a metric query has no use for (reports, solvers, downloads); pandas is not listed:
#: the DuckDB backend of ibis imports it.
NOT_FOR_METRICS = ("plotly", "scipy", "highspy", "jinja2", "httpx")

# Runs the console script's entry point in this interpreter and prints the top-level modules
# loaded.
PROBE = """
import json, sys
sys.argv = ["econsec", *json.loads(sys.argv[1])]
from econsec.cli import run
try:
    run()
except SystemExit:
    pass
sys.stdout.flush()
print("\\nMODULES=" + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""


def loaded(*args: str, home: Path | None = None) -> tuple[set[str], str]:
    """Top-level modules loaded by ``econsec ARGS`` in a fresh interpreter, and its output."""
    env = {k: v for k, v in os.environ.items() if k != "ECONSEC_DEBUG"}
    env["COLUMNS"] = "200"
    if home is not None:
        env["ECONSEC_HOME"] = str(home)
    p = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    out, _, mods = p.stdout.rpartition("\nMODULES=")
    return set(json.loads(mods)), out + p.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["autonomy", "--help"],
        ["indispensability", "--help"],
        ["screen", "geodep", "--help"],
        ["data", "--help"],
        ["data", "ingest", "baci", "--help"],
        ["plan", "--help"],
        ["yard", "--help"],
        ["scenario", "ban", "--help"],
        ["io", "--help"],
        ["review", "--help"],
        ["data", "ingest", "comtrade", "--help"],
        ["mirror", "--help"],
        ["monthly", "--help"],
    ],
)
def test_help_loads_no_heavy_library(args: list[str]) -> None:
    mods, out = loaded(*args)
    assert "Usage" in out or "econsec" in out
    assert mods.isdisjoint(HEAVY), sorted(mods & set(HEAVY))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = tmp_path_factory.mktemp("startup") / "home"
    flows = pl.DataFrame(
        {"t": [2024, 2024], "i": [156, 410], "j": [392, 392], "k": ["850511"] * 2, "v": [6.0, 4.0]}
    )
    countries = pl.DataFrame(
        {
            "code": [156, 392, 410],
            "name": ["China", "Japan", "Rep. of Korea"],
            "iso2": ["CN", "JP", "KR"],
            "iso3": ["CHN", "JPN", "KOR"],
        }
    )
    write_release_frames(h, "HS17", "V202601", flows, countries)
    return h


@pytest.mark.parametrize("verb", ["autonomy", "indispensability"])
def test_metric_query_loads_no_report_solver_or_download_stack(verb: str, home: Path) -> None:
    mods, out = loaded(verb, "-p", "850511", "-f", "csv", home=home)
    assert "850511" in out  # the query really ran
    assert mods.isdisjoint(NOT_FOR_METRICS), sorted(mods & set(NOT_FOR_METRICS))


def test_help_defaults_are_the_library_defaults() -> None:
    from econsec.plan import api, assembly, costs
    from econsec.plan.stockpile import DEFAULT_CARRYING_RATE
    from econsec.yard.api import DEFAULT_COVERAGE
    from econsec.yard.espa import EspaParams
    from econsec.yard.score import ScoreParams

    assert defaults.PLAN_CAP == api.DEFAULT_CAP
    assert defaults.PLAN_RIVAL == assembly.DEFAULT_RIVAL
    assert defaults.PLAN_SWITCHING_PREMIUM == costs.DEFAULT_SWITCHING_PREMIUM
    assert defaults.PLAN_RESHORE_PREMIUM == costs.DEFAULT_RESHORE_PREMIUM
    assert defaults.PLAN_CARRYING_RATE == DEFAULT_CARRYING_RATE
    assert defaults.YARD_COVERAGE == DEFAULT_COVERAGE
    assert dataclasses.asdict(ScoreParams()) == defaults.SCORE
    espa = dataclasses.asdict(EspaParams())
    assert {k: espa[k] for k in defaults.ESPA} == defaults.ESPA


def test_console_script_is_the_entry_point_that_spares_the_collector() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "econsec"]
    assert ep.value == "econsec.cli:run"


def test_entry_point_raises_the_threshold_and_freezes_at_exit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gc

    from econsec.cli import run

    threshold = gc.get_threshold()
    monkeypatch.setattr(sys, "argv", ["econsec", "--version"])
    try:
        with pytest.raises(SystemExit) as e:
            run()
        assert e.value.code == 0
        assert "econsec" in capsys.readouterr().out
        assert gc.get_threshold()[0] > threshold[0]
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
