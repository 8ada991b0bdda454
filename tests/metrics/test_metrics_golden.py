"""Golden tests: every metric on small flows computed by hand (arithmetic in comments)."""

from __future__ import annotations

import math

import pytest
from metrics_helpers import (
    CHIPS,
    CHN,
    DEU,
    FRA,
    GOLDEN,
    JPN,
    KOR,
    MAGNETS,
    USA,
    frame,
    run,
    table,
)

from econsec.metrics import autonomy as aut
from econsec.metrics import indispensability as ind
from econsec.metrics import leverage as lev
from econsec.metrics import screens
from econsec.metrics.shares import unit_shares

pytestmark = pytest.mark.golden
approx = pytest.approx


def row(df, **where):
    hit = df
    for k, v in where.items():
        hit = hit.filter(hit[k] == v)
    assert hit.height == 1, (where, hit)
    return hit.row(0, named=True)


def test_autonomy_by_hand():
    out = run(aut.autonomy(table(GOLDEN), rival=[CHN]))
    # JPN magnets: CHN 60, KOR 30, DEU 10 -> M = 100, shares .6 .3 .1,
    # HHI = .36 + .09 + .01 = .46; JPN exports magnets 40 (to USA) -> M/X = 100/40 = 2.5.
    r = row(out, importer=JPN, product=MAGNETS)
    assert r["import_value"] == 100.0
    assert r["n_suppliers"] == 3
    assert r["top_supplier"] == CHN
    assert r["top_share"] == approx(0.6)
    assert r["hhi"] == approx(0.46)
    assert r["export_value"] == 40.0
    assert r["import_export_ratio"] == approx(2.5)
    assert r["rival_value"] == 60.0
    assert r["rival_share"] == approx(0.6)
    # USA magnets: JPN 40, CHN 40 -> a tie, the lower code (CHN 156 < JPN 392) is top;
    # HHI = .25 + .25 = .5; USA exports none -> ratio +inf.
    r = row(out, importer=USA, product=MAGNETS)
    assert r["top_supplier"] == CHN
    assert r["top_share"] == approx(0.5)
    assert r["hhi"] == approx(0.5)
    assert r["import_export_ratio"] == math.inf
    # KOR magnets: CHN only -> HHI 1; KOR exports 30 magnets -> 20/30.
    r = row(out, importer=KOR, product=MAGNETS)
    assert (r["n_suppliers"], r["hhi"], r["top_share"]) == (1, 1.0, 1.0)
    assert r["import_export_ratio"] == approx(20 / 30)
    # CHN chips: JPN 90, KOR 10 -> HHI .81 + .01 = .82; rival CHN supplies none.
    r = row(out, importer=CHN, product=CHIPS)
    assert r["hhi"] == approx(0.82)
    assert r["rival_value"] == 0.0
    assert r["rival_share"] == 0.0
    assert out.height == 5  # JPN, USA, KOR magnets; CHN, KOR chips


def test_supplier_shares_by_hand():
    out = run(aut.supplier_shares(table(GOLDEN), importers=[JPN, USA], products=[MAGNETS]))
    jpn = out.filter(out["importer"] == JPN).sort("rank")
    assert jpn["supplier"].to_list() == [CHN, KOR, DEU]
    assert jpn["share"].to_list() == approx([0.6, 0.3, 0.1])
    # The USA tie: CHN (156) ranks before JPN (392).
    usa = out.filter(out["importer"] == USA).sort("rank")
    assert usa["supplier"].to_list() == [CHN, JPN]
    assert usa["rank"].to_list() == [1, 2]


def test_unit_shares_generic():
    t = table(GOLDEN)
    imports = t.group_by(["t", "k", "j"]).aggregate(v=t.v.sum())
    out = run(unit_shares(imports, ["t", "k"], "j"))
    # Imports by importer within magnets: JPN 100, USA 80, KOR 20 of 200.
    m = out.filter(out["k"] == MAGNETS).sort("rank")
    assert m["share"].to_list() == approx([0.5, 0.4, 0.1])


def test_indispensability_by_hand():
    out = run(ind.indispensability(table(GOLDEN), threshold=0.5, redirect=0.2))
    # Magnets: sales S: CHN 60+40+20 = 120, JPN 40, KOR 30, DEU 10; W = 200.
    # World shares .6 .2 .15 .05; HHI = .36 + .04 + .0225 + .0025 = .425.
    # Imports M: JPN 100, USA 80, KOR 20.
    c = row(out, exporter=CHN, product=MAGNETS)
    assert c["export_value"] == 120.0
    assert c["world_share"] == approx(0.6)
    assert c["world_rank"] == 1
    assert c["n_exporters"] == 4
    assert c["world_hhi"] == approx(0.425)
    # Dependents (share >= .5): JPN .6, USA 40/80 = .5, KOR 1.0 -> 3, buying 120.
    assert c["n_dependents"] == 3
    assert c["dependent_value"] == 120.0
    # Capacity C = r (W - S - M + x):
    #   JPN: .2 (200 - 120 - 100 + 60) = 8  -> min(60, 8)  = 8
    #   USA: .2 (200 - 120 -  80 + 40) = 8  -> min(40, 8)  = 8
    #   KOR: .2 (200 - 120 -  20 + 20) = 16 -> min(20, 16) = 16
    # sum 32, pool r (W - S) = .2 * 80 = 16 -> covered 16 -> 16 / 120.
    assert c["replaceability"] == approx(16 / 120)
    # JPN: S = 40 to USA; C = .2 (200 - 40 - 80 + 40) = 24 -> 24 / 40 = .6 (pool 32).
    j = row(out, exporter=JPN, product=MAGNETS)
    assert (j["world_rank"], j["n_dependents"], j["dependent_value"]) == (2, 1, 40.0)
    assert j["replaceability"] == approx(0.6)
    # KOR: 30 to JPN (share .3: no dependent); C = .2 (200 - 30 - 100 + 30) = 20 -> 20/30.
    k = row(out, exporter=KOR, product=MAGNETS)
    assert (k["world_rank"], k["n_dependents"], k["dependent_value"]) == (3, 0, 0.0)
    assert k["replaceability"] == approx(20 / 30)
    # DEU: 10 to JPN; C = .2 (200 - 10 - 100 + 10) = 20 >= 10 -> fully replaceable.
    assert row(out, exporter=DEU, product=MAGNETS)["replaceability"] == approx(1.0)
    # Chips: JPN sells 90 + 20 = 110 of W = 120; CHN buys 90 of 100 (.9), KOR 20 of 20.
    # C(CHN) = .2 (120 - 110 - 100 + 90) = 0; C(KOR) = .2 (120 - 110 - 20 + 20) = 2;
    # sum min = 0 + 2 = 2; pool .2 (120 - 110) = 2 -> 2 / 110.
    j = row(out, exporter=JPN, product=CHIPS)
    assert j["world_share"] == approx(110 / 120)
    assert j["n_dependents"] == 2
    assert j["replaceability"] == approx(2 / 110)


def test_indispensability_sole_exporter_is_irreplaceable():
    df = frame([(2024, CHN, JPN, MAGNETS, 5.0), (2024, CHN, USA, MAGNETS, 7.0)])
    r = row(run(ind.indispensability(table(df))), exporter=CHN)
    # No other exporter: C = 0 everywhere, pool 0 -> 0.
    assert (r["world_share"], r["world_hhi"], r["replaceability"]) == (1.0, 1.0, 0.0)


def test_indispensability_exporter_filter_keeps_world_ranks():
    out = run(ind.indispensability(table(GOLDEN), exporters=[KOR]))
    assert set(out["exporter"].to_list()) == {KOR}
    assert row(out, product=MAGNETS)["world_rank"] == 3


def test_world_concentration_by_hand():
    out = run(ind.world_concentration(table(GOLDEN)))
    r = row(out, product=MAGNETS)
    assert (r["world_exports"], r["n_exporters"], r["top_exporter"]) == (200.0, 4, CHN)
    assert r["world_hhi"] == approx(0.425)


def test_leverage_by_hand():
    deps = run(lev.mutual_dependencies(table(GOLDEN), JPN, CHN, tau=0.5, sigma=0.3))
    # JPN buys magnets 60 of 100 from CHN (.6 >= .5), CHN's world share .6 >= .3.
    a = row(deps, importer=JPN)
    assert (a["supplier"], a["product"], a["value_at_stake"]) == (CHN, MAGNETS, 60.0)
    assert a["import_share"] == approx(0.6)
    assert a["supplier_world_share"] == approx(0.6)
    # CHN buys chips 90 of 100 from JPN (.9); JPN's world share 110/120.
    b = row(deps, importer=CHN)
    assert (b["product"], b["value_at_stake"]) == (CHIPS, 90.0)
    assert b["supplier_world_share"] == approx(110 / 120)
    # sigma above .6 removes the JPN -> CHN dependency (CHN's share .6), keeps CHIPS (.92).
    strict = run(lev.mutual_dependencies(table(GOLDEN), JPN, CHN, sigma=0.7))
    assert strict["importer"].to_list() == [CHN]

    exp = run(lev.export_exposure(table(GOLDEN), JPN, CHN))
    # JPN exports 40 + 90 + 20 = 150, 90 of it to CHN; CHN exports 120, 60 to JPN.
    assert row(exp, exporter=JPN)["share"] == approx(90 / 150)
    assert row(exp, exporter=CHN)["share"] == approx(60 / 120)
    assert row(exp, exporter=CHN)["partner"] == JPN


def test_bloc_collapse_by_hand():
    df = frame(
        [
            (2024, CHN, DEU, MAGNETS, 50.0),
            (2024, CHN, FRA, MAGNETS, 30.0),
            (2024, USA, DEU, MAGNETS, 20.0),
            (2024, FRA, DEU, MAGNETS, 40.0),  # intra-bloc
            (2024, DEU, USA, MAGNETS, 10.0),
            (2024, DEU, FRA, MAGNETS, 5.0),  # intra-bloc
        ]
    )
    out = run(aut.autonomy(aut.collapse_bloc(table(df), [DEU, FRA], -1), importers=[-1]))
    r = row(out, importer=-1)
    # Extra-bloc imports: CHN 50 + 30 = 80, USA 20 -> 100; HHI .64 + .04 = .68;
    # extra-bloc exports: DEU -> USA 10 -> ratio 10.
    assert (r["import_value"], r["n_suppliers"], r["top_supplier"]) == (100.0, 2, CHN)
    assert r["hhi"] == approx(0.68)
    assert r["import_export_ratio"] == approx(10.0)

    eu = run(screens.eu_conditions(table(df), [DEU, FRA], -1))
    e = row(eu, bloc=-1)
    # Intra-bloc imports 40 + 5 = 45 -> extra share 100 / 145.
    assert e["intra_imports"] == 45.0
    assert e["extra_share"] == approx(100 / 145)
    assert e["extra_hhi"] == approx(0.68)
    assert e["extra_exports"] == 10.0
    assert (e["c1_extra_hhi"], e["c2_extra_share"], e["c3_import_export"]) == (True,) * 3
    assert e["flagged"] is True
    # A stricter C2 threshold (share .69 is not > .7) unflags it.
    strict = run(screens.eu_conditions(table(df), [DEU, FRA], -1, extra_share=0.7))
    assert row(strict, bloc=-1)["flagged"] is False


def _geodep_years():
    # One importer (JPN) of magnets from CHN alone (HHI 1) with CHN the only exporter
    # (world HHI 1), JPN exporting nothing (ratio inf): conditions met every year with
    # trade. In 2022 JPN buys from CHN and KOR equally (HHI .5 still > .4) but KOR also
    # exports... keep it simple: 2022 has no JPN imports at all.
    rows = []
    for y in (2020, 2021, 2023, 2024):
        rows.append((y, CHN, JPN, MAGNETS, 10.0))
    # A second market meeting the conditions only in 2024.
    rows.append((2024, CHN, USA, MAGNETS, 5.0))
    return frame(rows)


def test_geodep_persistence_by_hand():
    cond = screens.geodep_conditions(table(_geodep_years()))
    out = run(screens.persistence(cond, ["importer", "product"]))
    jpn = {r["year"]: r for r in out.filter(out["importer"] == JPN).iter_rows(named=True)}
    # Met in 2020, 2021, 2023, 2024 (no 2022 row). Best 3-year span containing the year:
    # 2020: [2018-20] 1, [2019-21] 2, [2020-22] 2 -> 2
    # 2021: [2019-21] 2, [2020-22] 2, [2021-23] 2 -> 2
    # 2023: [2021-23] 2, [2022-24] 2, [2023-25] 2 -> 2
    # 2024: [2022-24] 2, [2023-25] 2, [2024-26] 1 -> 2
    assert {y: r["years_met"] for y, r in jpn.items()} == {2020: 2, 2021: 2, 2023: 2, 2024: 2}
    assert all(r["persistent"] for r in jpn.values())
    usa = row(out, importer=USA)
    # USA meets the conditions in 2024 only: 1 year in any span -> not persistent.
    assert (usa["conditions_met"], usa["years_met"], usa["persistent"]) == (True, 1, False)
    # With a 1-of-1 rule it is.
    one = run(screens.persistence(cond, ["importer", "product"], window=1, min_years=1))
    assert row(one, importer=USA)["persistent"] is True


def test_geodep_conditions_by_hand():
    out = run(screens.geodep_conditions(table(GOLDEN)))
    # JPN magnets: HHI .46 > .4; world HHI .425 > .4; ratio 2.5 > 1 -> met.
    r = row(out, importer=JPN, product=MAGNETS)
    assert (r["c1_import_hhi"], r["c2_world_hhi"], r["c3_import_export"]) == (True,) * 3
    assert r["conditions_met"] is True
    # KOR magnets: HHI 1, but imports 20 < exports 30 -> C3 fails.
    r = row(out, importer=KOR, product=MAGNETS)
    assert (r["c3_import_export"], r["conditions_met"]) == (False, False)
    # Raising the world HHI threshold to .43 unflags magnets everywhere.
    strict = run(screens.geodep_conditions(table(GOLDEN), world_hhi=0.43))
    assert not strict.filter(strict["product"] == MAGNETS)["conditions_met"].any()


def test_threshold_screen_all_any():
    t = aut.autonomy(table(GOLDEN))
    conds = [screens.Condition("hhi", ">", 0.8), screens.Condition("import_value", ">=", 100)]
    every = run(screens.threshold_screen(t, conds, combine="all"))
    some = run(screens.threshold_screen(t, conds, combine="any"))
    # hhi > .8: KOR magnets (1), CHN chips (.82), KOR chips (1); import >= 100: JPN, CHN chips.
    assert every.filter(every["flagged"])["importer"].to_list() == [CHN]
    assert sorted(some.filter(some["flagged"])["importer"].to_list()) == [CHN, JPN, KOR, KOR]
    with pytest.raises(ValueError, match="unknown column"):
        screens.threshold_screen(t, [screens.Condition("nope", ">", 1)])
    with pytest.raises(ValueError, match="operator"):
        screens.Condition("hhi", "=>", 1)
    with pytest.raises(ValueError, match="combine"):
        screens.threshold_screen(t, conds, combine="most")


def test_churn_by_hand():
    df = frame(
        [
            (2023, CHN, JPN, MAGNETS, 1.0),
            (2023, CHN, USA, MAGNETS, 1.0),
            (2024, CHN, USA, MAGNETS, 1.0),
            (2024, CHN, KOR, MAGNETS, 1.0),
        ]
    )
    cond = screens.geodep_conditions(table(df)).mutate(flagged=True)
    out = run(screens.churn(cond, ["importer", "product"], 2023, 2024))
    # JPN flagged in 2023 only -> leaving; KOR in 2024 only -> entering; USA in both.
    assert sorted(zip(out["importer"], out["status"], strict=True)) == [
        (JPN, "leaving"),
        (KOR, "entering"),
    ]


def test_parameters_are_validated():
    t = table(GOLDEN)
    with pytest.raises(ValueError, match="threshold"):
        ind.indispensability(t, threshold=1.5)
    with pytest.raises(ValueError, match="redirect"):
        ind.indispensability(t, redirect=-0.1)
    with pytest.raises(ValueError, match="tau"):
        lev.dependencies(t, JPN, CHN, tau=2)
    with pytest.raises(ValueError, match="min_years"):
        screens.persistence(screens.geodep_conditions(t), ["importer"], window=2, min_years=3)
    with pytest.raises(ValueError, match="member"):
        aut.collapse_bloc(t, [], -1)
