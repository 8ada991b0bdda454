"""End-to-end scenarios on a small hand-made warehouse (see scen_helpers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from econsec.engine import Warehouse
from econsec.errors import NotFoundError
from econsec.mrio.bridge import hs_to_sectors
from econsec.mrio.tables import MRIOTable, write_bundle
from econsec.scenarios import (
    coalition_control,
    export_ban,
    parse_scenario,
    run_scenario,
    tariff,
)
from econsec.scenarios.elasticities import Elasticities
from econsec.scenarios.propagation import cell_matrix, pick_bridge, shortfall_cells

SIGMA2 = Elasticities(pl.DataFrame({"hs6": ["811292"], "sigma": [2.0]}), 5.0, "test")


@pytest.mark.golden
def test_ban_end_to_end_by_hand(small_wh: Warehouse) -> None:
    # Pools outside Japan: KOR 100, USA 50, DEU 40 -> r P = 38; L = 60 -> R = 38, F = 22.
    res = export_ban("CHN", "JPN", 2024, "850511", redirect=0.2, warehouse=small_wh)
    row = res.products().row(0, named=True)
    assert row["importer"] == "JPN" and row["product"] == "850511"
    assert row["baseline_imports"] == pytest.approx(100.0)
    assert row["lost_imports"] == pytest.approx(60.0)
    assert row["replaced"] == pytest.approx(38.0)
    assert row["shortfall"] == pytest.approx(22.0)
    m = res.measures[0]
    assert dict(zip(m.by_supplier["supplier"], m.by_supplier["replaced"], strict=True)) == (
        pytest.approx({"KOR": 20.0, "USA": 10.0, "DEU": 8.0})
    )
    # Mutual pain: China gives up 60 of its 260 exports of 850511.
    pain = m.pain.row(0, named=True)
    assert pain["exporter"] == "CHN"
    assert pain["lost_exports"] == pytest.approx(60.0)
    assert pain["lost_share"] == pytest.approx(60.0 / 260.0)
    assert m.totals["pain_ratio"] == pytest.approx(60.0 / 22.0)
    # The other product to Japan is untouched by this ban.
    assert res.totals()["shortfall"] == pytest.approx(22.0)


@pytest.mark.golden
def test_horizon_and_partial_ban(small_wh: Warehouse) -> None:
    # 12m+ horizon: r = 0.5 -> pool 95 >= 60: fully replaced.
    res = export_ban("CHN", "JPN", 2024, "850511", horizon="12m+", warehouse=small_wh)
    assert res.totals()["shortfall"] == pytest.approx(0.0)
    # 0-3m: r = 0.05 -> 9.5 replaced.
    res = export_ban("CHN", "JPN", 2024, "850511", horizon="0-3m", warehouse=small_wh)
    assert res.totals()["replaced"] == pytest.approx(9.5)
    half = export_ban("CHN", "JPN", 2024, "85", share=0.5, redirect=0.0, warehouse=small_wh)
    # chapter 85 expands to 850511; share 0.5 of 60, nothing replaced.
    assert half.totals()["shortfall"] == pytest.approx(30.0)


@pytest.mark.golden
def test_quota_with_licensing_delay(small_wh: Warehouse) -> None:
    # allowed 0.5 after a 6-month delay: lost share 1 - 0.5 * 0.5 = 0.75 -> 45 of 60.
    spec = parse_scenario(
        {
            "year": 2024,
            "redirect": 0.0,
            "measures": [
                {
                    "kind": "quota",
                    "suppliers": ["CHN"],
                    "targets": ["JPN"],
                    "products": ["850511"],
                    "allowed": 0.5,
                    "delay_months": 6,
                }
            ],
        }
    )
    res = run_scenario(spec, warehouse=small_wh)
    assert res.totals()["lost_imports"] == pytest.approx(45.0)


@pytest.mark.golden
def test_coalition_leakage_by_hand(small_wh: Warehouse) -> None:
    # CHN + KOR stop 850511 to JPN: L = 90; pools USA 50, DEU 40 -> r P = 18 -> F = 72.
    # World supply open to Japan: 260 + 130 + 60 + 40 = 490, coalition 390.
    # Leakage: USA's 10 plus redirected USA 10 and DEU 8 = 28.
    res = coalition_control(
        ["CHN", "KOR"], "JPN", 2024, "850511", threshold=0.1, redirect=0.2, warehouse=small_wh
    )
    m = res.measures[0]
    assert res.totals()["shortfall"] == pytest.approx(72.0)
    acc = m.access.row(0, named=True)
    assert acc["world_supply"] == pytest.approx(490.0)
    assert acc["coalition_share"] == pytest.approx(390.0 / 490.0)
    assert acc["residual_share"] == pytest.approx(100.0 / 490.0)
    assert acc["baseline_from_non_members"] == pytest.approx(10.0)
    assert acc["leakage"] == pytest.approx(28.0)
    leak = dict(zip(m.leakers["supplier"], m.leakers["leakage"], strict=True))
    assert leak == pytest.approx({"USA": 20.0, "DEU": 8.0})
    # To leave Japan at most 10% of world supply, the USA (60/490) must join.
    assert m.parameters["join_set_iso3"] == ["USA"]
    assert m.join_set is not None and m.join_set.exact


@pytest.mark.golden
def test_tariff_end_to_end_by_hand(small_wh: Warehouse) -> None:
    # USA buys 811292 from CHN 50 and KOR 50; 50% on China with σ = 2 (η = 1):
    # China's sales fall 23.333, Korea gains 10; China sells 60 in all, exposure 50/60.
    res = tariff("USA", "CHN", 2024, "811292", rate=0.5, warehouse=small_wh, elasticities=SIGMA2)
    m = res.measures[0]
    row = m.products.row(0, named=True)
    assert row["lost_imports"] == pytest.approx(70.0 / 3.0)
    assert row["replaced"] == pytest.approx(10.0)
    assert row["exposure_share"] == pytest.approx(50.0 / 60.0)
    assert row["sigma_source"] == "protee"
    assert m.by_supplier.row(0, named=True)["supplier"] == "KOR"
    assert m.totals["target_exposure"] == pytest.approx(50.0)
    assert m.totals["target_total_exports"] == pytest.approx(320.0)


@pytest.mark.unit
def test_tariff_on_all_goods_uses_what_the_target_sells(small_wh: Warehouse) -> None:
    res = tariff("USA", "JPN", 2024, rate=0.25, warehouse=small_wh, elasticities=SIGMA2)
    p = res.measures[0].products
    assert p["product"].to_list() == ["850511"]
    # No estimate for 850511, its heading or its chapter in this table: the default σ.
    assert p["sigma_source"].to_list() == ["default"]
    assert p["sigma"].to_list() == [5.0]


@pytest.mark.unit
def test_year_in_the_older_release_replays(small_wh: Warehouse) -> None:
    res = export_ban("CHN", "JPN", 2010, "850511", redirect=0.2, warehouse=small_wh)
    assert res.hs == "HS02"
    assert res.totals()["shortfall"] == pytest.approx(22.0)


@pytest.mark.unit
def test_group_target_is_one_bloc_with_its_extra_bloc_imports(small_wh: Warehouse) -> None:
    # G7 members in the small country table: JPN, USA, DEU, FRA. As one bloc, its imports of
    # 850511 from outside: CHN 60 + 200, KOR 30 + 100 = 390 (USA→JPN, USA→DEU, DEU→FRA and
    # JPN→USA are trade between members); China's 260 stop.
    res = export_ban("CHN", "G7", 2024, "850511", redirect=0.0, warehouse=small_wh)
    row = res.to_polars().row(0, named=True)
    assert res.to_polars().height == 1
    assert (row["importer"], row["baseline_imports"]) == ("G7", pytest.approx(390.0))
    assert row["lost_imports"] == pytest.approx(260.0)
    assert any("G7 = 4 members, extra-bloc imports" in s for s in res.params["meaning"])


@pytest.mark.unit
def test_a_list_of_targets_reports_each_country(small_wh: Warehouse) -> None:
    res = export_ban(
        "CHN", ["JPN", "USA", "DEU", "FRA"], 2024, "850511", redirect=0.0, warehouse=small_wh
    )
    imps = dict(zip(res.to_polars()["importer"], res.to_polars()["lost_imports"], strict=True))
    # France and the USA import 850511 from members only: listed with nothing lost.
    assert imps == pytest.approx({"JPN": 60.0, "DEU": 200.0, "FRA": 0.0, "USA": 0.0})


@pytest.mark.unit
def test_unknown_names_are_clear(small_wh: Warehouse) -> None:
    with pytest.raises(NotFoundError, match="targets"):
        export_ban("CHN", "Atlantis", 2024, "850511", warehouse=small_wh)
    with pytest.raises(NotFoundError, match="product"):
        export_ban("CHN", "JPN", 2024, "999999", warehouse=small_wh)
    with pytest.raises(NotFoundError, match="year"):
        export_ban("CHN", "JPN", 1999, "850511", warehouse=small_wh)
    with pytest.raises(ValueError, match="CHN on both sides"):
        export_ban("CHN", ["JPN", "CHN"], 2024, "850511", warehouse=small_wh)


@pytest.mark.unit
def test_monte_carlo_is_seeded_and_brackets_the_central_value(small_wh: Warehouse) -> None:
    a = export_ban("CHN", "JPN", 2024, "850511", warehouse=small_wh, draws=400, seed=7)
    b = export_ban("CHN", "JPN", 2024, "850511", warehouse=small_wh, draws=400, seed=7)
    assert a.uncertainty is not None and b.uncertainty is not None
    assert a.uncertainty.equals(b.uncertainty)
    s = a.uncertainty.filter(
        (pl.col("measure") == "all measures") & (pl.col("metric") == "shortfall")
    ).row(0, named=True)
    # r uniform on [0.1, 0.3]: replaced 19..57, shortfall 3..41 around the central 22.
    assert 3.0 - 1e-9 <= s["p05"] <= s["median"] <= s["p95"] <= 41.0 + 1e-9
    assert s["p05"] < 22.0 < s["p95"]


def _tiny_table() -> MRIOTable:
    regions = ("JPN", "JPN", "RoW", "RoW")
    sectors = ("c12", "c14", "c12", "c14")
    Z = np.array([[10.0, 20, 5, 5], [5, 10, 5, 5], [5, 5, 10, 20], [5, 5, 5, 10]])
    Y = np.array([[60.0, 10], [70, 10], [10, 60], [10, 80]])
    x = Z.sum(axis=1) + Y.sum(axis=1)
    return MRIOTable(
        Z=Z,
        Y=Y,
        x=x,
        regions=regions,
        sectors=sectors,
        fd_labels=(("JPN", "hh"), ("RoW", "hh")),
        unit="million USD",
        source="tiny",
        name="tiny",
    )


@pytest.mark.unit
def test_io_propagation_of_the_shortfall(small_wh: Warehouse, tmp_path: Path) -> None:
    table = _tiny_table()
    bundle = write_bundle(table, tmp_path / "tiny")
    res = export_ban(
        "CHN",
        "JPN",
        2024,
        "850511",
        redirect=0.2,
        warehouse=small_wh,
        io=bundle,
        draws=200,
        seed=1,
    )
    assert res.io is not None and res.io.bridge == "wiod13"
    # 22 thousand USD of 850511 (HS 85 -> c14) lands on JPN|c14 as 0.022 million.
    assert res.io.totals["shock"] == pytest.approx(0.022)
    assert res.io.shock.to_dicts() == [{"region": "JPN", "sector": "c14", "value": 0.022}]
    assert res.io.totals["output_loss"] >= 0.022
    assert res.uncertainty is not None
    assert {"output_loss", "value_added_loss", "world_gdp_share_lost"} <= set(
        res.uncertainty.filter(pl.col("measure") == "io")["metric"].to_list()
    )


@pytest.mark.unit
def test_cell_matrix_matches_the_bridge_mapping(small_wh: Warehouse) -> None:
    table = _tiny_table()
    res = export_ban(
        "CHN", ["JPN", "DEU"], 2024, ["850511", "811292"], redirect=0.1, warehouse=small_wh
    )
    cells = shortfall_cells(res)
    bridge = pick_bridge(table)
    M = cell_matrix(cells, table, bridge)
    via_matrix = M @ cells["value"].to_numpy()
    frame = hs_to_sectors(cells, bridge, regions=table.region_list())
    assert via_matrix == pytest.approx(table.vector(frame))
