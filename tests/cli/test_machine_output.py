"""Machine output as a user sees it: the installed console script, stdout parsed strictly.

Every command with ``--format csv|json`` runs in a subprocess on a small warehouse built here;
its whole stdout must parse (no solver banner, no notes, no ``NaN`` token) and values must be
written at BACI's precision (3 decimals of thousand USD), without binary float noise.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.mrio.tables import MRIOTable, write_bundle
from econsec.warehouse.store import write_release_frames

ECONSEC = str(Path(sys.executable).with_name("econsec"))

COUNTRIES = pl.DataFrame(
    {
        "code": [156, 392, 410, 842, 276, 251, 528, 36],
        "name": [
            "China",
            "Japan",
            "Rep. of Korea",
            "USA",
            "Germany",
            "France",
            "Netherlands",
            "Australia",
        ],
        "iso2": ["CN", "JP", "KR", "US", "DE", "FR", "NL", "AU"],
        "iso3": ["CHN", "JPN", "KOR", "USA", "DEU", "FRA", "NLD", "AUS"],
    }
)
CHN, JPN, KOR, USA, DEU, FRA, NLD, AUS = 156, 392, 410, 842, 276, 251, 528, 36
# Values with 3 decimals whose sums and shares are not exact in binary (0.1 + 0.2 style).
BASE = [
    (CHN, JPN, "850511", 26547.708),
    (CHN, JPN, "850511", 8210.855),  # summed with the line above: 34758.562999999995
    (KOR, JPN, "850511", 30.2),
    (USA, JPN, "850511", 10.1),
    (CHN, DEU, "850511", 200.3),
    (KOR, DEU, "850511", 100.7),
    (DEU, FRA, "850511", 40.1),
    (NLD, FRA, "850511", 0.2),
    (JPN, USA, "850511", 5.3),
    (CHN, USA, "811292", 50.1),
    (KOR, USA, "811292", 50.2),
    (CHN, JPN, "811292", 10.3),
    (AUS, CHN, "253090", 0.1),
    (AUS, JPN, "253090", 0.2),
]


def _flows() -> pl.DataFrame:
    rows = [
        (y, i, j, k, v * (1 + (y - 2024) / 10)) for y in (2022, 2023, 2024) for i, j, k, v in BASE
    ]
    df = pl.DataFrame(rows, schema=["t", "i", "j", "k", "v"], orient="row")
    # Duplicate (t, i, j, k) lines are not BACI's shape: sum them as a release would hold them.
    return df.group_by("t", "i", "j", "k").agg(pl.col("v").sum()).sort("t", "i", "j", "k")


SPEC = """
name = "ban and tariff"
year = 2024
[[measures]]
kind = "export_ban"
suppliers = ["CHN"]
targets = ["JPN"]
products = ["850511"]
[[measures]]
kind = "tariff"
imposer = ["USA"]
target = ["CHN"]
rate = 0.5
products = ["811292"]
"""

BASIC = ["--year", "2024"]
COMMANDS: dict[str, list[str]] = {
    "autonomy": ["autonomy", "-i", "JPN", "--rival", "CHN", *BASIC],
    "indispensability": ["indispensability", *BASIC],
    "leverage": ["leverage", "JPN", "CHN", *BASIC],
    "screen-geodep": ["screen", "geodep", *BASIC],
    "screen-eu": ["screen", "eu", *BASIC],
    "yard": ["yard", "JPN", *BASIC],
    "scenario-ban": ["scenario", "ban", "--from", "CHN", "--to", "JPN", "-p", "850511", *BASIC],
    "scenario-tariff": [
        "scenario",
        "tariff",
        "--imposer",
        "USA",
        "--on",
        "CHN",
        "--rate",
        "0.5",
        "-p",
        "811292",
        *BASIC,
    ],
    "scenario-coalition": [
        "scenario",
        "coalition",
        "--members",
        "CHN",
        "--target",
        "JPN",
        "-p",
        "850511",
        "--threshold",
        "0.1",
        *BASIC,
    ],
    "scenario-run": ["scenario", "run", "{spec}", "--draws", "50", "--seed", "1"],
    "plan": ["plan", "JPN", "-p", "850511", "--rival", "CHN", "--cap", "0.2", *BASIC],
    "plan-frontier": [
        "plan",
        "JPN",
        "-p",
        "850511",
        "--rival",
        "CHN",
        "--cap",
        "0.2",
        "--frontier",
        *BASIC,
    ],
    "io-multipliers": ["io", "multipliers", "--table", "{bundle}"],
    "baskets-show": ["baskets", "show", "semiconductor-chokepoints"],
    "groups-show": ["groups", "show", "G7", "--on", "2024"],
    "groups-list": ["groups", "list"],
    "data-list": ["data", "list"],
}
# Commands that call a C solver (HiGHS), whose output only a real process shows.
SOLVERS = ("yard", "scenario-coalition", "plan", "plan-frontier")
# JSON of every command and CSV of the solver commands run as processes; the other CSVs run
# in-process (Python's own writes to stdout are captured there too) to keep the suite fast.
RUNS = [(n, "json") for n in COMMANDS] + [(n, "csv") for n in COMMANDS if n in SOLVERS]
IN_PROCESS = [(n, "csv") for n in COMMANDS if n not in SOLVERS]
# Column names of values in thousand USD, which must carry at most 3 decimals.
# (A unit value is a price per kg, not an amount.)
VALUE_COL = re.compile(
    r"^(value|lost|replaced|shortfall|tariff_revenue|value_at_stake|cost_premium"
    r"|residual_exposure)$|(?<!^unit)_value$|_imports$|_exports$"
)


def _table() -> MRIOTable:
    import numpy as np

    return MRIOTable(
        Z=np.array([[150.0, 500.0], [200.0, 100.0]]),
        Y=np.array([[350.0], [1700.0]]),
        x=np.array([1000.0, 2000.0]),
        regions=("R", "R"),
        sectors=("s1", "s2"),
        fd_labels=(("R", "f"),),
        unit="USD",
        source="Miller & Blair 2009, Table 2.3",
        name="mb2",
        sector_names={"s1": "sector 1", "s2": "sector 2"},
    )


@pytest.fixture(scope="module")
def outputs(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("machine")
    home = root / "home"
    write_release_frames(home, "HS17", "V202601", _flows(), COUNTRIES)
    spec = root / "spec.toml"
    spec.write_text(SPEC, encoding="utf-8")
    bundle = write_bundle(_table(), root / "mb")
    env = {k: v for k, v in os.environ.items() if k not in ("ECONSEC_DEBUG", "COLUMNS")}
    env["ECONSEC_HOME"] = str(home)

    def args(name: str, fmt: str) -> list[str]:
        return [*(a.format(spec=spec, bundle=bundle) for a in COMMANDS[name]), "--format", fmt]

    def run(key: tuple[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ECONSEC, *args(*key)], capture_output=True, text=True, env=env, timeout=120
        )

    # Start-up is mostly reading files: more processes than cores still shortens the wall time.
    with ThreadPoolExecutor(max_workers=8) as pool:
        out = dict(zip(RUNS, pool.map(run, RUNS), strict=True))
    mp = pytest.MonkeyPatch()
    mp.setenv("ECONSEC_HOME", str(home))
    mp.delenv("ECONSEC_DEBUG", raising=False)
    try:
        for key in IN_PROCESS:
            r = CliRunner().invoke(app, args(*key))
            out[key] = subprocess.CompletedProcess(
                args(*key), r.exit_code, r.stdout, r.stderr + repr(r.exception or "")
            )
    finally:
        mp.undo()
    return out


def _decimals(x: float) -> int:
    text = repr(x)
    return 0 if "e" in text or "." not in text else len(text.split(".")[1])


def _check_numbers(records: list[dict[str, object]]) -> None:
    for rec in records:
        for k, v in rec.items():
            if isinstance(v, float):
                if VALUE_COL.search(k):
                    assert _decimals(v) <= 3, (k, v)
                # no binary noise: the shortest repr holds at most 12 significant digits
                digits = repr(abs(v)).split("e")[0].replace(".", "").strip("0")
                assert len(digits) <= 12, (k, v)


def _walk(obj: object) -> list[dict[str, object]]:
    """Every mapping inside a JSON document."""
    out: list[dict[str, object]] = []
    if isinstance(obj, dict):
        out.append(obj)
        for v in obj.values():
            out += _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            out += _walk(v)
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "fmt"), RUNS + IN_PROCESS, ids=[f"{n}-{f}" for n, f in RUNS + IN_PROCESS]
)
def test_stdout_is_the_document_and_nothing_else(outputs, name: str, fmt: str) -> None:
    p = outputs[(name, fmt)]
    assert p.returncode == 0, p.stderr
    assert "HiGHS" not in p.stdout and "Traceback" not in p.stderr
    assert p.stdout.strip(), "empty output"
    if fmt == "json":
        assert not re.search(r"\b(NaN|Infinity)\b", p.stdout)
        doc = json.loads(p.stdout)  # the whole stdout, strictly
        _check_numbers(_walk(doc))
    else:
        rows = list(csv.DictReader(io.StringIO(p.stdout), strict=True))
        assert rows and all(None not in r for r in rows), "ragged CSV"
        assert not any(v.lower() == "nan" for r in rows for v in r.values() if v)
        for r in rows:
            nums: dict[str, object] = {}
            for k, v in r.items():
                try:
                    nums[k] = float(v) if v and re.fullmatch(r"-?[\d.]+(e-?\d+)?", v) else v
                except ValueError:
                    nums[k] = v
            _check_numbers([nums])


@pytest.mark.slow
def test_values_are_written_at_the_source_precision(outputs) -> None:
    # Japan's magnet imports from China, 26547.708 + 8210.855 in BACI, are 34758.563 — not
    # 34758.562999999995.
    doc = json.loads(outputs[("autonomy", "json")].stdout)
    jp = next(r for r in doc if r["product"] == "850511")
    assert jp["rival_value"] == 34758.563
    assert "34758.563," in outputs[("autonomy", "csv")].stdout
    ban = json.loads(outputs[("scenario-ban", "json")].stdout)
    assert "34758.563" in json.dumps(ban)


@pytest.mark.slow
def test_baskets_show_exposes_broad_codes(outputs) -> None:
    rows = list(csv.DictReader(io.StringIO(outputs[("baskets-show", "csv")].stdout)))
    film = next(r for r in rows if r["hs6"] == "392099")
    assert film["broad"] == "true" and film["broad_note"]
    doc = json.loads(outputs[("baskets-show", "json")].stdout)
    assert {r["hs6"] for r in doc if r["broad"] is True} >= {"392099", "370790", "253090"}
    assert "390690" not in {r["hs6"] for r in doc}


REAL = {
    "plan": ["plan", "JPN", "--product", "850511", "--rival", "CHN", "--cap", "0.2", *BASIC],
    "plan-frontier": ["plan", "JPN", "-p", "850511", "--rival", "CHN", "--frontier", *BASIC],
    "autonomy": ["autonomy", "-i", "JPN", "--rival", "CHN", *BASIC],
    "yard": ["yard", "JPN", *BASIC],
    "scenario-coalition": [
        "scenario", "coalition", "--members", "CHN", "--target", "JPN", "--basket",
        "semiconductor-chokepoints", "--threshold", "0.2", "--draws", "100", *BASIC,
    ],
}  # fmt: skip


@pytest.mark.realdata
@pytest.mark.slow
def test_machine_output_on_the_real_sample(mirror: Path, tmp_path: Path) -> None:
    from econsec.warehouse.ingest import ingest_baci

    home = tmp_path / "home"
    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    env = {k: v for k, v in os.environ.items() if k != "ECONSEC_DEBUG"}
    env["ECONSEC_HOME"] = str(home)
    runs = [(n, f) for n in REAL for f in ("json", "csv")]

    def run(key: tuple[str, str]) -> subprocess.CompletedProcess[str]:
        cmd = [ECONSEC, *REAL[key[0]], "--format", key[1]]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)

    with ThreadPoolExecutor(max_workers=8) as pool:
        out = dict(zip(runs, pool.map(run, runs), strict=True))
    for (name, fmt), p in out.items():
        assert p.returncode == 0, (name, fmt, p.stderr)
        assert not p.stdout.startswith("Running HiGHS"), name
        if fmt == "json":
            assert not re.search(r"\b(NaN|Infinity)\b", p.stdout), name
            _check_numbers(_walk(json.loads(p.stdout)))
        else:
            assert list(csv.DictReader(io.StringIO(p.stdout), strict=True)), name
    plan = json.loads(out[("plan", "json")].stdout)
    assert plan["product"] == "850511" and plan["feasible"] is True
    # Japan's tungsten imports 810194: 34758.563 thousand USD in BACI, written as such.
    aut = json.loads(out[("autonomy", "json")].stdout)
    assert next(r for r in aut if r["product"] == "810194")["import_value"] == 34758.563
    assert ",810194,34758.563," in out[("autonomy", "csv")].stdout
