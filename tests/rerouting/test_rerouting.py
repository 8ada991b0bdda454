"""``econsec rerouting``: a planted reroute is found, control hubs are not flagged."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.countries import display_iso3, read_country_codes
from econsec.rerouting import math as rm
from econsec.rerouting import rerouting
from econsec.warehouse.store import write_release_frames

ECONSEC = str(Path(sys.executable).with_name("econsec"))
CHN, USA, KOR, JPN, DEU, NLD, BRA, FRA = 156, 842, 410, 392, 276, 528, 76, 251
P = "811292"

GALLIUM = (
    "Source,Country,Type,Prod_kg_2022,Prod_kg_est_2023,Prod_notes\n"
    "MCS2024,China,Primary production,600000,600000,\n"
    'MCS2024,"Korea, Republic of",Primary production,2000,2000,\n'
    "MCS2024,Brazil,Primary production,500000,500000,\n"
    "MCS2024,World total (rounded),Primary production,1100000,1100000,\n"
)


def history() -> pl.DataFrame:
    """2021-2024 flows of one product; a restriction in August 2023.

    KOR: imports from CHN and exports to USA rise together (the planted reroute) while
    CHN→USA falls. JPN: exports to USA rise, imports from CHN flat (control). DEU: imports
    from CHN rise, exports to USA flat (control). NLD exports ten times what it imports and
    produces nothing; BRA exports as much but produces more (balance controls).
    """
    series = {
        (CHN, USA): (1000, 1000, 600, 100),
        (CHN, KOR): (100, 100, 500, 900),
        (KOR, USA): (50, 50, 500, 850),
        (CHN, JPN): (200, 200, 200, 200),
        (JPN, USA): (100, 100, 300, 400),
        (CHN, DEU): (100, 100, 400, 800),
        (DEU, USA): (50, 50, 50, 50),
        (NLD, USA): (0, 0, 0, 1000),
        (FRA, NLD): (0, 0, 0, 100),
        (BRA, USA): (0, 0, 0, 1000),
    }
    rows = [
        (2021 + n, i, j, P, float(v), v / 10)
        for (i, j), vs in series.items()
        for n, v in enumerate(vs)
        if v
    ]
    return pl.DataFrame(
        rows,
        schema={
            "t": pl.Int16,
            "i": pl.Int16,
            "j": pl.Int16,
            "k": pl.Utf8,
            "v": pl.Float64,
            "q": pl.Float64,
        },
        orient="row",
    )


@pytest.fixture
def setup(make_warehouse, tmp_path: Path) -> tuple[Path, Path]:
    home = make_warehouse(history())
    usgs = tmp_path / "usgs"
    usgs.mkdir()
    (usgs / "mcs2024-galli_world.csv").write_text(GALLIUM)
    return home, usgs


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="250")
    return subprocess.run([ECONSEC, *args], capture_output=True, text=True, env=env, timeout=120)


ARGS = ("rerouting", "--from", "CHN", "--to", "USA", "--product", P, "--years", "2021-2024")


@pytest.mark.golden
def test_finds_the_planted_reroute_and_not_the_controls(setup):
    home, usgs = setup
    out = run(
        *ARGS, "--date", "2023-08", "--home", str(home), "--usgs-dir", str(usgs), "-f", "json"
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    rows = {r["hub"]: r for r in doc["rows"]}
    kor = rows["KOR"]
    assert kor["flagged"] is True
    assert kor["source_to_hub_before"] == 100 and kor["source_to_hub_after"] == 900
    assert kor["matched_rise"] == 800  # min(900-100, 850-50)
    assert kor["share_of_direct_fall"] == pytest.approx(800 / 900)
    assert kor["comovement"] > 0.9
    assert rows["JPN"]["flagged"] is False and rows["JPN"]["matched_rise"] == 0
    assert "DEU" in rows and rows["DEU"]["flagged"] is False
    assert doc["summary"]["flagged_hubs"] == ["KOR"]
    assert doc["params"]["before"] == [2021, 2022] and doc["params"]["after"] == [2024]
    bal = {r["hub"]: r for r in doc["balance"]}
    assert bal["NLD"]["flagged"] is True and bal["NLD"]["basis"] == "tons"
    assert bal["NLD"]["excess_t"] == pytest.approx(100 - 10)
    assert bal["BRA"]["flagged"] is False and bal["BRA"]["production_t"] == 500
    assert bal["KOR"]["flagged"] is False  # exports 85 t, imports 90 t
    assert any("Freund" in n and "Iyoha" in n for n in doc["notes"])
    assert any(n.startswith("Limits") for n in doc["notes"])


def test_csv_views_parse(setup):
    home, usgs = setup
    base = (*ARGS, "--date", "2023-08", "--home", str(home), "--usgs-dir", str(usgs), "-f", "csv")
    div = run(*base)
    assert div.returncode == 0, div.stderr
    rows = list(csv.DictReader(io.StringIO(div.stdout)))
    assert [r["hub"] for r in rows if r["flagged"] == "true"] == ["KOR"]
    bal = run(*base, "--view", "balance")
    assert bal.returncode == 0, bal.stderr
    assert {r["hub"] for r in csv.DictReader(io.StringIO(bal.stdout))} >= {"NLD", "BRA", "KOR"}
    assert "Freund" in div.stderr  # the method is cited beside the numbers


def test_without_production_tables_hubs_are_still_screened(setup, tmp_path: Path):
    home, _ = setup
    res = rerouting(
        "CHN", "USA", P, "2021-2024", date="2023-08", home=home, usgs_folder=tmp_path / "none"
    )
    assert res.summary()["flagged_hubs"] == ["KOR"]
    assert any(n.startswith("production unknown") for n in res.notes)
    assert set(res.balance["basis"].to_list()) == {"unknown"}


def test_thresholds_move_the_flag(setup):
    home, usgs = setup
    res = rerouting(
        "CHN",
        "USA",
        P,
        [2021, 2022, 2023, 2024],
        date="2023-08",
        home=home,
        usgs_folder=usgs,
        min_value=1000,
    )
    assert res.summary()["flagged_hubs"] == []
    assert any("no third country" in n for n in res.notes)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--from", "Chna"), "did you mean"),
        (("--years", "2021"), "--years '2021'"),
        (("--date", "2024-08"), "--date 2024-08"),
        (("--date", "Aug 2023"), "--date 'Aug 2023'"),
        (("--from", "EU27"), "give one country"),
        (("--to", "CHN"), "same country"),
    ],
)
def test_bad_input_is_one_line(setup, args: tuple[str, ...], needle: str):
    home, usgs = setup
    opts = dict(zip(ARGS[1::2], ARGS[2::2], strict=True))
    opts.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [x for kv in opts.items() for x in kv]
    # In process (the console script itself is run above): the same one-line error, exit 2.
    out = CliRunner().invoke(
        app, ["rerouting", *flat, "--home", str(home), "--usgs-dir", str(usgs)]
    )
    assert out.exit_code == 2, out.output
    lines = [x for x in out.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and needle in lines[0], out.stderr
    assert out.stdout == ""


# ---------------------------------------------------------------------------------------------
# Pure parts


def test_periods_drop_the_partly_treated_year():
    p = rm.periods([2021, 2022, 2023, 2024], dt.date(2023, 8, 1))
    assert (p.pre, p.post, p.event) == ((2021, 2022), (2024,), 2023)
    p = rm.periods([2021, 2022, 2023, 2024], dt.date(2023, 1, 1))
    assert (p.pre, p.post) == ((2021, 2022), (2023, 2024))
    p = rm.periods([2019, 2024], None)
    assert (p.pre, p.post, p.event) == ((2019,), (2024,), None)
    with pytest.raises(ValueError, match="--date"):
        rm.periods([2021, 2022], dt.date(2021, 6, 1))


@pytest.mark.property
@given(st.one_of(st.just(0.0), st.floats(1e-3, 1e9)), st.floats(0, 1e9))
def test_growth(before: float, after: float):
    g = rm.growth(before, after)
    if before > 0:
        assert math.isclose(before * (1 + g), after, rel_tol=1e-9, abs_tol=1e-6)
    else:
        assert g == (math.inf if after > 0 else 0.0)


@pytest.mark.property
@given(st.lists(st.floats(0, 1e6), min_size=4, max_size=4), st.floats(0.0, 1e5))
def test_matched_rise_never_exceeds_either_rise(vals: list[float], extra: float):
    a0, a1, b0, b1 = vals
    flows = pl.DataFrame(
        {
            "year": [2021, 2024, 2021, 2024, 2021],
            "exporter": ["CHN", "CHN", "KOR", "KOR", "CHN"],
            "importer": ["KOR", "KOR", "USA", "USA", "USA"],
            "product": [P] * 5,
            "value": [a0, a1, b0, b1 + extra, 1.0],
            "quantity": [None] * 5,
        }
    )
    d = rm.diversion(flows, "CHN", "USA", rm.Periods((2021,), (2024,), None), min_value=0)
    rows = d.filter(pl.col("hub") == "KOR").to_dicts()
    if not rows:  # KOR never sold to USA
        assert b0 == 0 and b1 + extra == 0
        return
    r = rows[0]
    assert 0 <= r["matched_rise"] <= max(0.0, a1 - a0) + 1e-9
    assert r["matched_rise"] <= max(0.0, b1 + extra - b0) + 1e-9


# ---------------------------------------------------------------------------------------------
# The real sample


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> tuple[Path, pl.DataFrame, dict[int, str]]:
    env = os.environ.get("ECONSEC_MIRROR")
    cands = [Path(env)] if env and "://" not in env else []
    cands.append(Path(__file__).resolve().parents[3] / "shared" / "data")
    mirror = next((c for c in cands if (c / "baci/BACI_HS17_V202601.zip").is_file()), None)
    if mirror is None:
        pytest.skip("real sample data absent: set ECONSEC_MIRROR to the shared data folder")
    with zipfile.ZipFile(mirror / "baci/BACI_HS17_V202601.zip") as z:
        flows = pl.concat(
            pl.read_csv(
                io.BytesIO(z.read(f"BACI_HS17_Y{y}_V202601.csv")),
                schema_overrides={"k": pl.Utf8, "q": pl.Float64},
            ).filter(pl.col("k") == P)
            for y in (2021, 2022, 2023, 2024)
        ).cast({"t": pl.Int16, "i": pl.Int16, "j": pl.Int16})
        cc = next(n for n in z.namelist() if n.startswith("country_codes"))
        countries = read_country_codes(io.BytesIO(z.read(cc)), name=cc)
    home = tmp_path_factory.mktemp("real") / "home"
    write_release_frames(home, "HS17", "V202601", flows, countries)
    iso3 = {int(c): display_iso3(str(i)) for c, i in countries.select("code", "iso3").rows()}
    return home, flows, iso3


@pytest.mark.realdata
def test_real_sample_gallium_germanium(real):
    home, flows, iso3 = real
    out = run(*ARGS, "--date", "2023-08", "--home", str(home), "-f", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["params"]["before"] == [2021, 2022] and doc["params"]["after"] == [2024]
    assert doc["summary"]["flagged_hubs"]  # the sample shows co-moving hubs
    # Every row against the raw CSV: mean of CHN→hub over 2021-2022 and hub→USA in 2024.
    f = flows.with_columns(
        pl.col("i").replace_strict(iso3, default=None, return_dtype=pl.Utf8).alias("e"),
        pl.col("j").replace_strict(iso3, default=None, return_dtype=pl.Utf8).alias("m"),
    )

    def total(e: str, m: str, years: tuple[int, ...]) -> float:
        sel = f.filter((pl.col("e") == e) & (pl.col("m") == m) & pl.col("t").is_in(years))
        return float(sel["v"].sum()) / len(years)

    for r in doc["rows"]:
        assert math.isclose(
            r["source_to_hub_before"],
            total("CHN", r["hub"], (2021, 2022)),
            rel_tol=1e-9,
            abs_tol=1e-9,
        )
        assert math.isclose(
            r["hub_to_target_after"], total(r["hub"], "USA", (2024,)), rel_tol=1e-9, abs_tol=1e-9
        )
        if r["flagged"]:
            assert r["source_to_hub_change"] > 0 and r["hub_to_target_change"] > 0


@pytest.mark.golden
def test_hub_balance_bases_by_hand():
    flows = pl.DataFrame(
        {
            "year": [2024] * 4,
            "exporter": ["SGP", "X", "MYS", "X"],
            "importer": ["USA", "SGP", "USA", "MYS"],
            "product": [P] * 4,
            "value": [100.0, 20.0, 100.0, 20.0],
            "quantity": [None, None, 10.0, 2.0],
        }
    )
    prod = pl.DataFrame({"product": [P, P], "iso3": ["SGP", "MYS"], "production_t": [0.0, 5.0]})
    b = {r["hub"]: r for r in rm.hub_balance(flows, ["SGP", "MYS"], [2024], prod).to_dicts()}
    # No quantities, no production: the value test (100 > 1.1 × 20).
    assert (b["SGP"]["basis"], b["SGP"]["flagged"]) == ("value", True)
    # Tons: 10 t out, 2 t in + 5 t produced: 3 t beyond supply.
    assert (b["MYS"]["basis"], b["MYS"]["flagged"], b["MYS"]["excess_t"]) == ("tons", True, 3.0)
    more = prod.with_columns(production_t=pl.Series([50.0, 50.0]))
    b2 = {r["hub"]: r for r in rm.hub_balance(flows, ["SGP", "MYS"], [2024], more).to_dicts()}
    assert (b2["SGP"]["basis"], b2["SGP"]["flagged"]) == ("unknown", None)
    assert b2["MYS"]["flagged"] is False
