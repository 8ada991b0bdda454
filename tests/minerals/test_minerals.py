"""``econsec minerals``: production by country, world shares and reserves from MCS tables."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from minerals_helpers import write_world
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.errors import NotFoundError
from econsec.minerals import minerals, supply_by_stage
from econsec.minerals.series import series_key, stage_of

ECONSEC = str(Path(sys.executable).with_name("econsec"))


def run(*args: str, env_mirror: Path | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ, COLUMNS="250")
    if env_mirror is not None:
        env["ECONSEC_MIRROR"] = str(env_mirror)
    return subprocess.run([ECONSEC, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    return write_world(tmp_path / "world")


def row(df: pl.DataFrame, **eq: object) -> dict:
    sel = df
    for k, v in eq.items():
        sel = sel.filter(pl.col(k) == v)
    assert sel.height == 1, (eq, sel)
    return sel.row(0, named=True)


# ---------------------------------------------------------------------------------------------
# Small tables built here


@pytest.mark.golden
def test_shares_of_the_published_world_total(world: Path):
    res = minerals("gallium", folder=world)
    df = res.to_polars()
    assert set(df["year"].to_list()) == {2023}  # the table's latest year by default
    cn = row(df, iso3="CHN")
    assert cn["production"] == 600000 and cn["world_total"] == 1100000
    assert cn["share"] == pytest.approx(600000 / 1100000)
    assert (cn["rank"], cn["share_basis"], cn["estimated"]) == (1, "world total", True)
    assert row(df, iso3="BRA")["rank"] == 2
    assert row(df, iso3="KOR", year=2023)["share"] == pytest.approx(2000 / 1100000)
    y22 = minerals("galli", folder=world, year=2022).to_polars()
    assert row(y22, iso3="BRA")["share"] == pytest.approx(100000 / 700000)


@pytest.mark.golden
def test_mine_and_refinery_series_are_separate(world: Path):
    df = minerals("copper", folder=world).to_polars()
    assert set(df["stage"].to_list()) == {"mine", "refined"}
    mine = df.filter(pl.col("stage") == "mine")
    ref = df.filter(pl.col("stage") == "refined")
    assert row(mine, iso3="CHL")["share"] == pytest.approx(5000 / 10000)
    assert row(mine, iso3="CHL")["reserves_share"] == pytest.approx(190000 / 450000)
    assert row(ref, iso3="CHN")["share"] == pytest.approx(12000 / 16000)
    assert row(ref, iso3="CHN")["rank"] == 1 and row(mine, iso3="CHL")["rank"] == 1
    # "Other countries" is kept, flagged and never ranked.
    other = row(mine, country="Other countries")
    assert other["is_other"] is True and other["rank"] is None


def test_withheld_values_are_noted_not_dropped(world: Path):
    res = minerals("copper", folder=world, stage="mine")
    us = row(res.to_polars(), iso3="USA")
    assert us["production"] is None and us["production_flag"] == "W"
    assert any("withheld" in n and "United States" in n for n in res.notes)


def test_world_total_under_its_own_type(world: Path):
    df = minerals("platinum", folder=world).to_polars()
    pt = df.filter(pl.col("type").str.contains("Platinum"))
    assert row(pt, iso3="ZAF")["share"] == pytest.approx(120000 / 180000)
    # Palladium has no total row: shares of the listed rows, said so.
    pd_ = df.filter(pl.col("type").str.contains("Palladium"))
    assert row(pd_, iso3="RUS")["share"] == pytest.approx(92000 / 163000)
    assert row(pd_, iso3="RUS")["share_basis"] == "sum of rows"


def test_per_country_types_share_the_one_total(world: Path):
    df = minerals("boron", folder=world).to_polars()
    assert row(df, iso3="TUR")["share"] == pytest.approx(3000 / 4000)
    assert row(df, iso3="TUR")["share_basis"] == "sum of rows"


def test_country_filter_and_top(world: Path):
    res = minerals(folder=world, country=["Chile", "DEU"])
    df = res.to_polars()
    assert set(df["iso3"].to_list()) == {"CHL"}
    assert any(n.startswith("DEU: not listed") for n in res.notes)
    top = minerals(folder=world, top=1).to_polars()
    leaders = {(r["commodity"], r["stage"], r["iso3"]) for r in top.iter_rows(named=True)}
    assert ("Copper", "refined", "CHN") in leaders and ("Copper", "mine", "CHL") in leaders
    assert top["rank"].max() == 1


def test_commodity_by_hs_code(world: Path):
    res = minerals("740311", folder=world)
    assert res.params["commodities"] == ["coppe"]


def test_unknown_commodity_suggests(world: Path):
    with pytest.raises(NotFoundError, match="did you mean: copper"):
        minerals("coper", folder=world)
    with pytest.raises(NotFoundError, match="country"):
        minerals("copper", folder=world, country="Atlantis")


def test_supply_by_stage_puts_miner_beside_refiner(world: Path):
    df = supply_by_stage(["740311"], folder=world)
    stages = {r["stage"]: r["top_iso3"] for r in df.iter_rows(named=True)}
    assert stages == {"mine": "CHL", "refined": "CHN"}
    assert supply_by_stage(["270112", "999999"], folder=world).height == 0


@pytest.mark.property
@given(st.from_regex(r"[a-j][a-j ,:]{0,29}", fullmatch=True))
def test_series_key_matches_world_rows(t: str):
    assert series_key(f"World total {t} (rounded)") == series_key(t)
    assert series_key(f"World {t}") == series_key(t)


def test_stages_of_mcs_types():
    assert stage_of("Mine production, recoverable copper content") == "mine"
    assert stage_of("Mne production, grosss weight, marketable chromite ore") == "mine"
    assert stage_of("Refinery production, copper") == "refined"
    assert stage_of("Smelter production, aluminum") == "refined"
    assert stage_of("Primary production") == "refined"
    assert stage_of("Cement production, estimated") == "production"


# ---------------------------------------------------------------------------------------------
# The command, as users run it


def test_cli_csv_and_json_parse(world: Path):
    out = run("minerals", "-c", "copper", "--usgs-dir", str(world), "-f", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    chl = [r for r in rows if r["iso3"] == "CHL" and r["stage"] == "mine"]
    assert float(chl[0]["share"]) == pytest.approx(0.5)
    assert "withheld" in out.stderr  # notes on stderr, stdout stays CSV
    js = run("minerals", "--usgs-dir", str(world), "-f", "json")
    assert js.returncode == 0, js.stderr
    leaders = json.loads(js.stdout)
    assert {r["rank"] for r in leaders} == {1}  # without --commodity: the leader of each series


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("-c", "cobolt"), "unknown USGS commodity 'cobolt'"),
        (("--country", "Chna"), "did you mean: China"),
        (("--stage", "smelt"), "--stage 'smelt'"),
        (("--top", "0"), "--top 0"),
        (("--edition", "1999"), "--edition 1999"),
    ],
)
def test_cli_bad_input_is_one_line(world: Path, args: tuple[str, ...], needle: str):
    # In process (the console script itself is run above): the same one-line error, exit 2.
    extra = () if "--edition" in args else ("--usgs-dir", str(world))
    out = CliRunner().invoke(
        app, ["minerals", *args, *extra], env={"ECONSEC_MIRROR": str(world.parent)}
    )
    assert out.exit_code == 2, out.output
    lines = [x for x in out.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and needle in lines[0], out.stderr
    assert out.stdout == ""


# ---------------------------------------------------------------------------------------------
# The real MCS 2024 tables


@pytest.mark.realdata
@pytest.mark.golden
def test_mcs2024_headline_figures(mirror: Path):
    # MCS 2024 (doi:10.3133/mcs2024), "World Mine Production and Reserves" tables of the Rare
    # Earths, Gallium and Cobalt chapters: China's 2023 rare-earth mine output 240,000 t of
    # 350,000 t; China's primary gallium 600,000 kg of 610,000 kg (98%); Congo (Kinshasa)'s
    # cobalt 170,000 t of 230,000 t (74%).
    ree = row(minerals("rare earths", mirror=mirror).to_polars(), iso3="CHN")
    assert (ree["year"], ree["production"], ree["unit"]) == (2023, 240000.0, "t")
    assert ree["world_total"] == 350000 and ree["rank"] == 1
    ga = row(minerals("gallium", mirror=mirror).to_polars(), iso3="CHN")
    assert round(100 * ga["share"]) == 98
    co = row(minerals("cobalt", mirror=mirror).to_polars(), iso3="COD")
    assert round(100 * co["share"]) == 74 and co["production"] == 170000


@pytest.mark.realdata
def test_cli_on_mcs2024(mirror: Path):
    out = run("minerals", "-c", "cobalt", "-f", "csv", env_mirror=mirror)
    assert out.returncode == 0, out.stderr
    rows = {r["iso3"]: r for r in csv.DictReader(io.StringIO(out.stdout))}
    assert float(rows["COD"]["share"]) == pytest.approx(170000 / 230000)
    every = run("minerals", "-f", "json", env_mirror=mirror)
    assert every.returncode == 0, every.stderr
    lead = {r["commodity"] for r in json.loads(every.stdout)}
    assert len(lead) > 60  # a leader for nearly every one of the 77 tables
