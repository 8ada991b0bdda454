from __future__ import annotations

import json

import polars as pl
import pytest
import typer
from plan_helpers import FLOWS
from typer.testing import CliRunner

from econsec.cli import plan as plan_cli
from econsec.errors import NotFoundError
from econsec.plan import api


@pytest.fixture
def wh_home(make_warehouse):
    i, j, k, v, q = zip(*FLOWS, strict=True)
    df = pl.DataFrame(
        {"t": [2024] * len(FLOWS), "i": i, "j": j, "k": k, "v": v, "q": q},
        schema_overrides={"t": pl.Int16, "i": pl.Int16, "j": pl.Int16, "q": pl.Float64},
    )
    return make_warehouse(df)


def run(home, strategy="diversify", cap=0.5, products="850511", **kw):
    return api.plan("JPN", 2024, products, "CHN", cap=cap, strategy=strategy, home=home, **kw)


def check_plan(res, cap):
    """Every returned plan: cap met, capacities and allowed set respected, demand met."""
    mix = res.to_polars()
    for row in res.plans.filter(pl.col("feasible")).to_dicts():
        m = mix.filter(pl.col("product") == row["product"])
        assert row["rival_share"] <= cap + 1e-9
        assert m["planned_share"].sum() == pytest.approx(1.0)
        up = m.filter(pl.col("change_value") > 1e-9)
        assert up["allowed"].all()
        assert (up["change_value"] <= up["capacity_value"] * (1 + 1e-7) + 1e-9).all()
        inst = res.instances[row["product"]]
        vol = (m["planned_value"] / m["unit_value"]).sum()
        assert vol == pytest.approx(inst.demand, rel=1e-9)


@pytest.mark.golden
def test_diversify_golden(wh_home):
    # Move 10 kUSD (1 t) from China to a 10 kUSD/t supplier at 11: premium 1 (1%).
    res = run(wh_home)
    s = res.summary()
    assert s["feasible"] is True
    assert s["rival_share"] == pytest.approx(0.5)
    assert s["cost_premium"] == pytest.approx(1.0)
    assert s["cost_premium_pct"] == pytest.approx(1.0)
    assert s["baseline_hhi"] == pytest.approx(0.36 + 0.04 + 0.01 + 0.01)
    assert s["residual_exposure"] == pytest.approx(50.0)
    check_plan(res, 0.5)
    assert set(res.to_polars().columns) >= {
        "supplier",
        "baseline_share",
        "planned_share",
        "planned_value",
    }
    assert res.to_pandas().shape[0] == res.to_polars().height


@pytest.mark.golden
def test_friend_shore_capacity_binds(wh_home):
    # G7 suppliers DEU (+2 t) and USA (+0.5 t): China keeps 3.5 t = 35 of 105 kUSD.
    res = run(wh_home, "friend-shore", cap=0.1, group="G7")
    s = res.summary()
    assert s["feasible"] is False
    assert s["binding"] == "capacity"
    assert s["lowest_feasible_cap"] == pytest.approx(35 / 105)
    assert "33.3%" in s["message"]
    ok = run(wh_home, "friend-shore", cap=0.4, group="G7")
    check_plan(ok, 0.4)
    mix = ok.to_polars()
    kor = mix.filter(pl.col("supplier") == "KOR")
    assert kor["planned_value"][0] == pytest.approx(20.0)  # not G7: unchanged
    assert not kor["allowed"][0]


@pytest.mark.golden
def test_near_shore_default_region_is_asia(wh_home):
    # Asia: KOR (+20) and IND (+8, new): China keeps 32 of 100.
    res = run(wh_home, "near-shore", cap=0.1)
    assert res.params["allowed_set"] == "Asia"
    assert res.summary()["lowest_feasible_cap"] == pytest.approx(0.32)
    res = run(wh_home, "near-shore", cap=0.4, region="Eastern Asia")
    check_plan(res, 0.4)
    up = res.to_polars().filter(pl.col("change_value") > 0)["supplier"].to_list()
    assert up == ["KOR"]


@pytest.mark.unit
def test_china_plus_one_caps_every_supplier(wh_home):
    res = run(wh_home, "china-plus-one", cap=0.45, single_cap=0.3)
    check_plan(res, 0.45)
    assert res.summary()["feasible"]
    assert (res.to_polars()["planned_share"] <= 0.3 + 1e-9).all()


@pytest.mark.unit
def test_reshore(wh_home):
    res = run(wh_home, "reshore", cap=0.5, domestic_capacity=0.2, reshore_premium=0.5)
    check_plan(res, 0.5)
    mix = res.to_polars()
    dom = mix.filter(pl.col("role") == "domestic")
    assert dom["supplier"].to_list() == ["JPN"]
    assert dom["allowed"][0]
    # Only China shrinks and only Japan grows; at 1.5 x 10.53 kUSD/t the premium is dear.
    ch = mix.filter(pl.col("change_value").abs() > 1e-9)["supplier"].to_list()
    assert sorted(ch) == ["CHN", "JPN"]
    assert res.summary()["cost_premium"] > 1.0
    # Default domestic capacity: 20% of Japan's own exports (50 kUSD, 5 t) = 1 t.
    res2 = run(wh_home, "reshore", cap=0.1)
    assert res2.summary()["binding"] == "capacity"


@pytest.mark.golden
def test_value_mode_and_no_imports(wh_home):
    res = run(wh_home, products=["811292", "280429", "850511"])
    plans = {r["product"]: r for r in res.plans.to_dicts()}
    assert plans["280429"]["status"] == "no imports"
    # 811292: no quantities, volumes in value: move 10 of 40 to Korea at a 10% premium.
    assert plans["811292"]["cost_premium"] == pytest.approx(1.0)
    src = res.to_polars().filter(pl.col("product") == "811292")["price_source"].unique()
    assert src.to_list() == ["value"]
    s = res.summary()
    assert s["feasible"] is True and s["products"] == 2
    assert s["cost_premium"] == pytest.approx(2.0)
    assert s["no_imports"] == ["280429"]


@pytest.mark.property
def test_frontier_on_warehouse_is_monotone(wh_home):
    fr = api.frontier("JPN", 2024, "850511", "CHN", home=wh_home).to_polars()
    ok = fr.filter(pl.col("feasible")).sort("cap")
    assert (ok["cost_premium"].diff().drop_nulls() <= 1e-9).all()
    # Capacities add to 5.9 of China's 6 t: it keeps 0.1 t = 1 of 105 kUSD.
    low = fr.filter(pl.col("feasible"))["cap"].min()
    assert low == pytest.approx(1 / 105)
    assert fr.filter(pl.col("cap") == 0.0)["feasible"].to_list() == [False]
    fig = api.plan("JPN", 2024, "850511", home=wh_home).frontier([0.2, 0.5]).figure()
    assert fig.data


@pytest.mark.golden
def test_stockpile_golden(wh_home):
    # L 60, M 100, pool 320 (KOR 100, USA 50, DEU 100, IND 40, AUS 30): 0-3m replaces 16,
    # gap 44 for 91.25 days = 11 kUSD = 40.15 days of imports; 3-12m replaces 64 >= 60.
    r = api.stockpile("JPN", 2024, "850511", "CHN", ban_days=180, carrying_rate=0.1, home=wh_home)
    row = r.to_polars().row(0, named=True)
    assert row["redirectable_pool"] == pytest.approx(320.0)
    assert row["stock_value"] == pytest.approx(11.0)
    assert row["days_cover"] == pytest.approx(11.0 * 365 / 100)
    assert row["carrying_cost"] == pytest.approx(1.1)
    assert r.summary()["days_cover"] == pytest.approx(40.15)


@pytest.mark.unit
def test_bad_input(wh_home):
    with pytest.raises(ValueError, match="friend-shore"):
        run(wh_home, "diversify", group="G7")
    with pytest.raises(NotFoundError, match="region"):
        run(wh_home, "near-shore", region="Atlantis")
    with pytest.raises(NotFoundError, match="product"):
        run(wh_home, products="999999")
    with pytest.raises(ValueError, match="own rival"):
        api.plan("CHN", 2024, "850511", "CHN", home=wh_home)
    with pytest.raises(ValueError, match="cap"):
        run(wh_home, cap=1.5)


@pytest.fixture
def cli() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """Root."""

    plan_cli.register(root)
    return root


@pytest.mark.unit
def test_cli_json_contract(cli, wh_home):
    args = [
        "plan",
        "JPN",
        "--year",
        "2024",
        "--product",
        "850511",
        "--rival",
        "CHN",
        "--cap",
        "0.5",
        "--strategy",
        "friend-shore",
        "--group",
        "G7",
        "--format",
        "json",
        "--home",
        str(wh_home),
    ]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"feasible", "suppliers", "cost_premium", "rival_share"} <= set(out)
    assert out["feasible"] is True and out["rival_share"] == pytest.approx(0.5)
    assert {"supplier", "baseline_share", "planned_share", "planned_value"} <= set(
        out["suppliers"][0]
    )
    args[args.index("--cap") + 1] = "0.1"
    res = CliRunner().invoke(
        cli, [*args, "--frontier", "--caps", "0.1,0.4,0.6", "--ban-days", "90"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["feasible"] is False and out["binding"]
    assert out["lowest_feasible_cap"] > 0.1
    assert [f["cap"] for f in out["frontier"]] == [0.1, 0.4, 0.6]
    assert out["stockpile"]["rows"][0]["ban_days"] == 90


@pytest.mark.unit
def test_cli_table_basket_and_errors(cli, wh_home):
    res = CliRunner().invoke(
        cli,
        ["plan", "JPN", "-p", "850511", "-p", "811292", "--home", str(wh_home), "--ban-days", "30"],
    )
    assert res.exit_code == 0, res.output
    assert "cost premium" in res.output and "stockpile" in res.output
    res = CliRunner().invoke(
        cli, ["plan", "JPN", "-p", "850511", "-f", "json", "-p", "811292", "--home", str(wh_home)]
    )
    out = json.loads(res.stdout)
    assert {"feasible", "suppliers", "cost_premium", "rival_share", "plans"} <= set(out)
    res = CliRunner().invoke(
        cli, ["plan", "JPN", "-p", "850511", "--region", "Asia", "--home", str(wh_home)]
    )
    assert res.exit_code == 2
    assert "near-shore" in res.output
    res = CliRunner().invoke(
        cli, ["plan", "JPN", "-p", "850511", "--rival", "JPN", "--home", str(wh_home)]
    )
    assert res.exit_code == 2
    assert "own rival" in res.output and "Traceback" not in res.output
