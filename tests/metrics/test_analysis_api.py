"""The Python API over a small warehouse: names, years, groups, results, trends, screens."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import polars as pl
import pytest
from metrics_helpers import CHN, DEU, FRA, GOLDEN, JPN, KOR, MAGNETS, NLD, TWN, USA, frame

from econsec import analysis
from econsec.errors import DataError, NotFoundError, SyntheticDataError

pytestmark = pytest.mark.unit
approx = pytest.approx

AUTONOMY_COLUMNS = [
    "importer",
    "product",
    "year",
    "import_value",
    "n_suppliers",
    "top_supplier",
    "top_share",
    "hhi",
]


@pytest.fixture
def wh_home(make_warehouse):
    """GOLDEN flows in 2024; in 2023 the same but JPN buys magnets from TWN instead of KOR."""
    y2023 = GOLDEN.with_columns(t=pl.lit(2023, pl.Int16)).with_columns(
        i=pl.when((pl.col("i") == KOR) & (pl.col("j") == JPN))
        .then(pl.lit(TWN, pl.Int16))
        .otherwise(pl.col("i"))
    )
    eu = frame(
        [
            (2024, CHN, DEU, MAGNETS, 50.0),
            (2024, CHN, FRA, MAGNETS, 30.0),
            (2024, FRA, DEU, MAGNETS, 40.0),
            (2024, DEU, NLD, MAGNETS, 5.0),
        ]
    )
    return make_warehouse(pl.concat([y2023, GOLDEN, eu]))


def test_autonomy_one_importer(wh_home):
    res = analysis.autonomy("JPN", 2024, rival="CHN", home=wh_home)
    df = res.to_polars()
    assert {*AUTONOMY_COLUMNS, "rival_share"} <= set(df.columns)
    r = df.filter(pl.col("product") == MAGNETS).row(0, named=True)
    assert (r["importer"], r["top_supplier"], r["n_suppliers"]) == ("JPN", "CHN", 3)
    assert r["hhi"] == approx(0.46)
    assert r["rival_share"] == approx(0.6)
    assert res.params["year"] == 2024 and res.params["rival"] == "CHN"
    s = res.summary()
    assert s["importers"] == 1 and s["rival_share"] == approx(0.6)


def test_autonomy_every_importer_and_latest_year(wh_home):
    df = analysis.autonomy(home=wh_home).to_polars()
    assert set(df["year"].to_list()) == {2024}
    assert set(df["importer"].to_list()) == {"JPN", "USA", "KOR", "CHN", "DEU", "FRA", "NLD"}
    assert df.filter(pl.col("importer") == "USA")["import_export_ratio"][0] == math.inf


def test_taiwan_is_shown_as_twn(wh_home):
    df = analysis.autonomy("Japan", 2023, products=["8505"], home=wh_home).to_polars()
    sup = analysis.supplier_shares("JPN", 2023, products="850511", home=wh_home).to_polars()
    assert "TWN" in sup["supplier"].to_list()
    assert df["product"].to_list() == [MAGNETS]


def test_bloc_view_excludes_intra_bloc_trade(wh_home):
    df = analysis.autonomy(bloc=["DEU", "FRA"], year=2024, home=wh_home).to_polars()
    r = df.row(0, named=True)
    # Extra-bloc imports CHN 50 + 30; intra FRA -> DEU excluded; extra-bloc exports
    # DEU -> NLD 5 and DEU -> JPN 10.
    assert (r["importer"], r["import_value"], r["n_suppliers"]) == ("DEU+FRA", 80.0, 1)
    assert r["import_export_ratio"] == approx(80 / 15)
    with pytest.raises(ValueError, match="either importer or bloc"):
        analysis.autonomy("JPN", 2024, bloc=["DEU", "FRA"], home=wh_home)


def test_unknown_names_list_close_matches(wh_home):
    with pytest.raises(NotFoundError, match=r"JPN \(Japan\)"):
        analysis.autonomy("JPNN", 2024, home=wh_home)
    with pytest.raises(NotFoundError, match=r"unknown product '850599'.*850511"):
        analysis.autonomy("JPN", 2024, products=["850599"], home=wh_home)
    with pytest.raises(NotFoundError, match=r"years held.*2023–2024"):
        analysis.autonomy("JPN", 1999, home=wh_home)


def test_product_codes_lost_leading_zero_and_headings(make_warehouse):
    home = make_warehouse(frame([(2024, CHN, JPN, "080300", 1.0), (2024, CHN, JPN, "080390", 2.0)]))
    df = analysis.autonomy("JPN", 2024, products=[80300], home=home).to_polars()
    assert df["product"].to_list() == ["080300"]
    df = analysis.autonomy("JPN", 2024, products=["0803"], home=home).to_polars()
    assert df["product"].to_list() == ["080300", "080390"]


def test_results_are_immutable(wh_home):
    res = analysis.autonomy("JPN", 2024, home=wh_home)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.frame = pl.DataFrame()  # type: ignore[misc]
    with pytest.raises(TypeError):
        res.params["year"] = 1  # type: ignore[index]
    res.to_polars().clear()
    assert len(res) == 1
    assert isinstance(res.to_pandas(), pd.DataFrame)


def test_indispensability_api(wh_home):
    res = analysis.indispensability("CHN", 2024, products=MAGNETS, home=wh_home)
    r = res.to_polars().row(0, named=True)
    # Magnets 2024 include the EU flows: CHN sells 120 + 80 = 200 of W = 200 + 125 = 325.
    assert (r["exporter"], r["world_rank"]) == ("CHN", 1)
    assert r["export_value"] == 200.0
    assert r["world_share"] == approx(200 / 325)
    assert res.summary()["exporters"] == 1


def test_leverage_api(wh_home):
    res = analysis.leverage("JPN", "CHN", 2024, home=wh_home)
    s = res.summary()
    assert s["a_depends_on_b"]["products"] == 1
    assert s["b_depends_on_a"] == {"products": 1, "value_at_stake": 90.0}
    assert s["product_ratio"] == 1.0
    assert s["value_ratio"] == approx(90 / 60)
    assert s["a_export_share_to_b"] == approx(90 / 150)
    assert set(res.exposure["exporter"].to_list()) == {"JPN", "CHN"}
    with pytest.raises(ValueError, match="share members"):
        analysis.leverage(["JPN", "KOR"], ["KOR", "CHN"], 2024, home=wh_home)


def test_leverage_between_blocs(wh_home):
    res = analysis.leverage(["DEU", "FRA"], "CHN", 2024, home=wh_home)
    df = res.to_polars()
    # The bloc buys all its extra-bloc magnets (80) from CHN, whose world share is 200/285
    # (intra-bloc flows leave the world total too).
    assert df.row(0, named=True)["importer"] == "DEU+FRA"
    assert df.row(0, named=True)["value_at_stake"] == 80.0


def test_screen_geodep_persistence_and_churn(wh_home):
    res = analysis.screen_geodep(year=2024, home=wh_home)
    df = res.to_polars()
    assert {
        "importer",
        "product",
        "year",
        "import_hhi",
        "world_hhi",
        "import_export_ratio",
        "flagged",
    } <= set(df.columns)
    assert set(df["year"].to_list()) == {2024}
    assert res.params["years_used"] == [2023, 2024]
    s = res.summary()
    assert s["flagged"] == df["flagged"].sum()
    assert "entering" in s and "leaving" in s
    one_year = analysis.screen_geodep(year=2024, persistence=False, home=wh_home)
    assert one_year.to_polars()["flagged"].sum() >= s["flagged"]


def test_screen_eu_with_member_list(wh_home):
    res = analysis.screen_eu(["DEU", "FRA"], 2024, home=wh_home)
    r = res.to_polars().row(0, named=True)
    # Extra 80 (CHN), intra 40 (FRA -> DEU): share 80/120; extra exports 15: ratio 80/15.
    assert (r["bloc"], r["extra_hhi"], r["top_supplier"]) == ("DEU+FRA", 1.0, "CHN")
    assert r["extra_share"] == approx(80 / 120)
    assert r["flagged"] is True
    assert res.summary()["dominant_suppliers"]["CHN"]["products"] == 1


def test_screen_custom_from_toml(wh_home, tmp_path):
    spec = tmp_path / "tight.toml"
    spec.write_text(
        'name = "tight"\ntable = "autonomy"\ncombine = "all"\nimporter = "JPN"\n\n'
        '[[conditions]]\ncolumn = "hhi"\nop = ">"\nvalue = 0.4\n\n'
        '[[conditions]]\ncolumn = "top_share"\nop = ">="\nvalue = 0.6\n'
    )
    res = analysis.screen_custom(spec, 2024, home=wh_home)
    df = res.to_polars()
    assert df.filter(pl.col("flagged"))["product"].to_list() == [MAGNETS]
    assert {"c1", "c2", "flagged"} <= set(df.columns)
    assert res.params["conditions"] == ["hhi > 0.4", "top_share >= 0.6"]


def test_screen_custom_bad_column_names_line(wh_home, tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text(
        'table = "autonomy"\n\n[[conditions]]\ncolumn = "hhi"\nop = ">"\nvalue = 0.4\n\n'
        '[[conditions]]\ncolumn = "top_shar"\nop = ">"\nvalue = 0.5\n'
    )
    with pytest.raises(DataError) as e:
        analysis.screen_custom(spec, 2024, home=wh_home)
    assert e.value.line == 8
    assert e.value.field == "conditions[1].column"
    assert "top_share" in str(e.value)


def test_trend_spans_releases(make_warehouse):
    old = frame([(y, CHN, JPN, MAGNETS, 10.0 + y - 2015) for y in (2015, 2016)])
    new = frame([(y, CHN, JPN, MAGNETS, 20.0) for y in (2017, 2018)]).vstack(
        frame([(2018, KOR, JPN, MAGNETS, 20.0)])
    )
    make_warehouse(old, hs="HS02")
    home = make_warehouse(new, hs="HS17")
    res = analysis.autonomy_trend("JPN", products=[MAGNETS], rival="CHN", home=home)
    df = res.to_polars()
    assert df["year"].to_list() == [2015, 2016, 2017, 2018]
    assert df["rival_share"].to_list() == approx([1.0, 1.0, 1.0, 0.5])
    assert set(df["hs"].to_list()) == {"HS17"}  # HS02 years converted, codes unchanged here
    ind = analysis.indispensability_trend("CHN", products=[MAGNETS], home=home).to_polars()
    assert ind["year"].to_list() == [2015, 2016, 2017, 2018]


def test_synthetic_data_needs_permission(make_warehouse):
    home = make_warehouse(GOLDEN, synthetic=True)
    with pytest.raises(NotFoundError, match="only synthetic"):
        analysis.autonomy("JPN", home=home)
    with pytest.raises(SyntheticDataError):
        analysis.autonomy("JPN", 2024, home=home)
    assert len(analysis.autonomy("JPN", 2024, home=home, allow_synthetic=True)) == 1


def test_groups_integration(wh_home):
    pytest.importorskip("econsec.reference.groups")
    res = analysis.autonomy("JPN", 2024, rival_group="G7", home=wh_home)
    df = res.to_polars().filter(pl.col("product") == MAGNETS)
    # G7 members supplying JPN magnets: DEU (10 of 100).
    assert df["rival_share"][0] == approx(0.1)
    eu = analysis.screen_eu("EU27", 2024, home=wh_home)
    assert eu.params["bloc"] == "EU27" and "DEU" in eu.params["members"]
    with pytest.raises(NotFoundError, match="group"):
        analysis.autonomy("JPN", 2024, rival_group="G77x", home=wh_home)


def test_screen_geodep_trend_churn(make_warehouse):
    rows = [(y, CHN, JPN, MAGNETS, 10.0) for y in (2020, 2021, 2022, 2023)]
    # From 2023 JPN exports more magnets than it imports: C3 fails, it leaves the list.
    rows += [(2023, JPN, USA, MAGNETS, 30.0)]
    home = make_warehouse(frame(rows))
    res = analysis.screen_geodep_trend("JPN", home=home)
    df = res.to_polars().filter(pl.col("importer") == "JPN").sort("year")
    assert df["year"].to_list() == [2020, 2021, 2022, 2023]
    assert df["flagged"].to_list() == [True, True, True, False]
    # 2020: best span [2020, 2022] holds 3 years.
    assert df["years_met"].to_list() == [3, 3, 3, 2]
    ch = res.churn
    assert ch.select("importer", "status", "year_from", "year_to").rows() == [
        ("JPN", "leaving", 2022, 2023)
    ]
    assert res.summary()["leaving"] == 1
