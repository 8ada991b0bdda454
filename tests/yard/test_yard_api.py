"""The yard over a small warehouse: golden scores, selection, fence cost, trend, options."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from yard_helpers import CATALOGUES, flows

from econsec.errors import NotFoundError
from econsec.yard import ScoreParams, yard
from econsec.yard.select import covers


@pytest.fixture
def wh(make_warehouse) -> Path:
    return make_warehouse(pl.concat([flows(2023), flows(2024)]))


def scores(res) -> dict[str, float]:
    return dict(zip(res.scores["product"], res.scores["score"], strict=True))


@pytest.mark.golden
def test_rival_china_by_hand(wh: Path) -> None:
    res = yard("JPN", 2024, rival="CHN", catalogues=CATALOGUES, home=wh, trend=False)
    s = scores(res)
    # 280530: D = H = U = W = 1.
    assert s["280530"] == pytest.approx(1.0)
    # 850511: D 0.9, H 0.82, capacity 0.2 * 50 (USA to Germany) -> U = 8/9, listed: W = 1.
    assert s["850511"] == pytest.approx(0.9 * 0.82 * 8 / 9)
    # 280469: D 0.3, H 0.58, capacity 0.2 * 100 (USA) vs 30 at risk -> U = 1/3, W = floor.
    assert s["280469"] == pytest.approx(0.3 * 0.58 / 3 * 0.1)
    assert s["870323"] == 0.0
    # Total 1.6618; 80% needs 280530 and 850511; their import value 200 of 1300.
    assert res.to_polars()["product"].to_list() == ["280530", "850511"]
    assert res.coverage == pytest.approx((1 + 0.656) / (1 + 0.656 + 0.0058))
    assert res.fence_cost == pytest.approx(200 / 1300)
    row = res.to_polars().row(1, named=True)
    assert row["top_supplier"] == "CHN" and row["baskets"] == ["jp-espa"]
    assert "90% from rivals" in row["reason"]


@pytest.mark.golden
def test_top_supplier_by_hand(wh: Path) -> None:
    res = yard(
        "JPN", 2024, catalogues=CATALOGUES, home=wh, trend=False, score=ScoreParams(floor=0.2)
    )
    s = scores(res)
    # 280469: top USA 0.7, H 0.58, China can redirect 0.2 * 200 = 40 of 70 -> U = 3/7.
    assert s["280469"] == pytest.approx(0.7 * 0.58 * 3 / 7 * 0.2)
    # 870323: top Germany (tie broken to the lower code), the USA sells none elsewhere.
    assert s["870323"] == pytest.approx(0.5 * 0.5 * 1.0 * 0.2)
    assert res.params["dependence"] == "top-supplier share"


@pytest.mark.unit
def test_coverage_reached_for_every_method(wh: Path) -> None:
    for method in ("smallest", "cheapest", "smallest-cheapest"):
        for tau in (0.3, 0.99, 1.0):
            res = yard("JPN", 2024, coverage=tau, method=method, home=wh, trend=False)
            cand = res.scores.filter("eligible")
            chosen = [i for i, p in enumerate(cand["product"]) if p in set(res.frame["product"])]
            assert covers(cand["score"].to_list(), chosen, tau)
            assert res.coverage >= tau - 1e-9
            assert 0.0 <= res.fence_cost <= 1.0


@pytest.mark.unit
def test_espa_keeps_products_meeting_all_four(wh: Path) -> None:
    res = yard("JPN", 2024, rival="CHN", catalogues=CATALOGUES, espa=True, home=wh, trend=False)
    assert res.headline["candidates"] == 2
    assert set(res.scores.filter("espa")["product"]) == {"280530", "850511"}
    assert res.frame["espa"].all()


@pytest.mark.unit
def test_basket_restricts_products_and_min_value(wh: Path) -> None:
    res = yard("JPN", 2024, baskets="jp-espa", home=wh, trend=False)
    assert set(res.scores["product"]) == {"280530", "850511"}
    res = yard("JPN", 2024, min_value=150.0, home=wh, trend=False)
    assert res.scores.filter("eligible")["product"].to_list() == ["870323"]


@pytest.mark.unit
def test_trend_across_nomenclatures(make_warehouse) -> None:
    make_warehouse(flows(2016), hs="HS02")
    later = flows(2024).filter(pl.col("k") != "850511")
    home = make_warehouse(pl.concat([flows(2017), later]))
    res = yard("JPN", rival="CHN", catalogues=CATALOGUES, home=home)
    assert res.headline["year"] == 2024
    t = res.trend
    assert t["year"].to_list() == [2016, 2017, 2024]
    assert t["hs"].to_list() == ["HS02", "HS17", "HS17"]
    assert any("HS02" in n for n in res.notes)
    ch = res.changes.filter(pl.col("year") == 2024)
    assert ch.rows() == [(2024, "850511", "leaving", False)]
    assert res.growth() == "shrinking"
    assert res.summary()["trend"] == "shrinking"
    d = res.to_dict()
    assert set(d) == {"params", "notes", "summary", "rows", "years", "changes"}
    assert {"coverage", "fence_cost", "products", "trend"} <= set(d["summary"])
    assert [y["year"] for y in d["years"]] == [2016, 2017, 2024]
    assert len(res.to_dict(limit=1)["rows"]) == 1


@pytest.mark.unit
def test_rival_group_and_errors(wh: Path) -> None:
    res = yard("JPN", 2024, rival_group="BRICS", catalogues=CATALOGUES, home=wh, trend=False)
    assert res.params["rival_group"] == "BRICS"
    assert scores(res)["280530"] == pytest.approx(1.0)  # China is a BRICS member
    with pytest.raises(NotFoundError):
        yard("XXX", 2024, home=wh)
    with pytest.raises(NotFoundError):
        yard("JPN", 1999, home=wh)
    with pytest.raises(ValueError, match="method"):
        yard("JPN", 2024, method="best", home=wh)


@pytest.mark.unit
def test_results_are_frames(wh: Path) -> None:
    res = yard("JPN", 2024, home=wh, trend=False)
    assert res.to_polars().columns[:3] == ["rank", "product", "description"]
    assert list(res.to_pandas()["product"]) == res.frame["product"].to_list()
    assert res.summary()["products"] == res.frame["product"].to_list()
    assert res.growth() is None


@pytest.mark.unit
def test_trend_skips_years_whose_release_lacks_the_country(
    make_warehouse, small_countries: pl.DataFrame
) -> None:
    no_korea = small_countries.filter(pl.col("iso3") != "KOR")
    make_warehouse(flows(2016), hs="HS02", countries=no_korea)
    home = make_warehouse(flows(2024))
    res = yard("JPN", 2024, rival="KOR", home=home)
    assert res.trend["year"].to_list() == [2024]
    assert any(n.startswith("2016 left out") for n in res.notes)


@pytest.mark.unit
def test_importer_without_imports_has_an_empty_yard(wh: Path) -> None:
    res = yard("BRA", 2024, home=wh)
    assert res.frame.height == 0 and res.headline["size"] == 0
    assert res.fence_cost == 0.0 and res.coverage == 1.0
    assert any("no imports" in n for n in res.notes)
