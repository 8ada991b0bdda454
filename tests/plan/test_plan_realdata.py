from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from econsec.plan import api


@pytest.fixture
def real_home(mirror: Path, tmp_path: Path) -> Path:
    from econsec.warehouse.ingest import ingest_baci

    home = tmp_path / "plan-real"
    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    return home


@pytest.mark.realdata
def test_japan_magnets_plans_and_stockpile(real_home):
    # BACI 2024: China sells Japan about 28% of its permanent magnets (850511); the
    # Philippines and Viet Nam more. A 50% cap costs nothing; 20% has a positive premium.
    base = api.plan("JPN", 2024, "850511", "CHN", cap=0.5, home=real_home)
    s = base.summary()
    assert 0.2 < s["baseline_rival_share"] < 0.35
    assert s["feasible"] and s["cost_premium"] == 0.0
    tight = api.plan("JPN", 2024, "850511", "CHN", cap=0.2, home=real_home)
    t = tight.summary()
    assert t["feasible"] and t["rival_share"] <= 0.2 + 1e-9 and t["cost_premium"] > 0
    mix = tight.to_polars()
    assert mix["planned_share"].sum() == pytest.approx(1.0)
    up = mix.filter(pl.col("change_value") > 1e-6)
    assert (up["change_value"] <= up["capacity_value"] * (1 + 1e-7)).all()
    # G7 suppliers cannot carry China's volume down to 15%: capacity binds.
    fs = api.plan(
        "JPN",
        2024,
        "850511",
        "CHN",
        cap=0.15,
        strategy="friend-shore",
        group="G7",
        home=real_home,
    ).summary()
    assert not fs["feasible"]
    assert fs["binding"] == "capacity"
    assert 0.15 < fs["lowest_feasible_cap"] < s["baseline_rival_share"]
    fr = tight.frontier().to_polars().filter(pl.col("feasible")).sort("cap")
    assert (fr["cost_premium"].diff().drop_nulls() <= 1e-6).all()
    # Stockpile for a 180-day ban: less than the ban's share of China in days of imports.
    r = api.stockpile("JPN", 2024, "850511", "CHN", ban_days=180, home=real_home)
    row = r.to_polars().row(0, named=True)
    assert 0 < row["days_cover"] < 180 * row["rival_share"]
    assert row["carrying_cost"] == pytest.approx(0.1 * row["stock_value"])


@pytest.mark.realdata
def test_germany_is_a_g7_friend_and_eu27_plans_its_extra_bloc_imports(real_home):
    from econsec import analysis

    # BACI lists Germany as 276 and 280 and its flows use 280: it must count as a G7 friend.
    res = api.plan(
        "JPN", 2024, "850511", "CHN", cap=0.2, strategy="friend-shore", group="G7",
        home=real_home,
    )  # fmt: skip
    s = res.summary()
    assert s["feasible"] and s["rival_share"] <= 0.2 + 1e-9
    deu = res.to_polars().filter(pl.col("supplier") == "DEU").row(0, named=True)
    assert deu["allowed"] and deu["baseline_value"] > 0 and deu["change_value"] > 0
    # EU27 as one importer: the same extra-bloc imports and Chinese share as autonomy's bloc.
    eu = api.plan("EU27", 2024, "850511", "CHN", cap=0.9, home=real_home)
    aut = analysis.autonomy(bloc="EU27", year=2024, products="850511", rival="CHN", home=real_home)
    row = aut.to_polars().row(0, named=True)
    e = eu.summary()
    assert e["import_value"] == pytest.approx(row["import_value"], rel=1e-9)
    assert e["baseline_rival_share"] == pytest.approx(row["rival_share"], rel=1e-6)
    sup = set(eu.to_polars()["supplier"].to_list())
    assert not sup & {"DEU", "FRA", "BEL", "NLD"} and "CHN" in sup
    assert "extra-bloc imports" in eu.params["meaning"][0]
    st = api.stockpile("EU27", 2024, "850511", "CHN", ban_days=90, home=real_home)
    assert st.to_polars()["import_value"][0] == pytest.approx(row["import_value"], rel=1e-9)
