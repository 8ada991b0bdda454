"""The back-test on a planted history with a known answer (golden values)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from econsec.backtest import backtest, score_events
from econsec.backtest.rows import COLUMNS
from econsec.engine import Warehouse


@pytest.mark.unit
def test_planted_ban_rows_are_the_known_answer(planted_home: Path) -> None:
    res = backtest("planted-ban-2021", warehouse=Warehouse(planted_home))
    df = res.frame
    assert df.columns[: len(COLUMNS)] == list(COLUMNS) and "reading" in df.columns
    assert df["outcome_year"].to_list() == [2021, 2022]
    y1, y2 = df.to_dicts()
    # Golden: the scenario on 2020 and the planted outcome.
    assert (y1["product"], y1["importer"], y1["supplier"], y1["base_year"]) == (
        "811292",
        "JPN",
        "CHN",
        2020,
    )
    assert y1["horizon"] == "3-12m" and y2["horizon"] == "12m+"
    assert y1["observed_change"] == pytest.approx(-60.0)
    assert y2["observed_change"] == pytest.approx(-100.0)
    assert y1["predicted_change"] == y2["predicted_change"] == pytest.approx(-100.0)
    assert y1["observed_replacement"] == pytest.approx(60.0)
    assert y2["observed_replacement"] == pytest.approx(100.0)
    for row in (y1, y2):
        assert row["predicted_replacement_r05"] == pytest.approx(15.0)
        assert row["predicted_replacement_r20"] == pytest.approx(60.0)
        assert row["predicted_replacement_r50"] == pytest.approx(100.0)
    # At each year's horizon the model's fraction gives the planted replacement exactly.
    assert y1["predicted_replacement"] == pytest.approx(60.0)
    assert y2["predicted_replacement"] == pytest.approx(100.0)
    # Quantities and unit values where the data has them (thousand USD per ton = USD/kg).
    assert y1["base_quantity"] == pytest.approx(10.0)
    assert y1["outcome_quantity"] == pytest.approx(5.0)
    assert y1["base_unit_value"] == pytest.approx(10.0)
    assert y1["outcome_unit_value"] == pytest.approx(8.0)
    assert y2["outcome_quantity"] is None and y2["outcome_unit_value"] is None
    assert y1["reading"] == "fall within a factor 2 of the prediction"
    # Shares: China sold Japan 100 of 150; 40 of 150 in 2021, none in 2022; the ban leaves 0.
    assert y1["base_share"] == pytest.approx(2 / 3)
    assert y1["outcome_share"] == pytest.approx(40 / 150)
    assert y2["outcome_share"] == pytest.approx(0.0)
    assert y1["predicted_share"] == y2["predicted_share"] == pytest.approx(0.0)


@pytest.mark.unit
def test_planted_scores_find_the_planted_fraction(planted_home: Path) -> None:
    res = score_events(["planted-ban-2021"], warehouse=Warehouse(planted_home))
    s = {r["horizon"]: r for r in res.frame.to_dicts()}
    assert s["3-12m"]["best_redirect"] == pytest.approx(0.2)
    assert s["3-12m"]["error_r20"] == pytest.approx(0.0)
    assert s["3-12m"]["replacement_error"] == pytest.approx(0.0)
    assert s["12m+"]["best_redirect"] == pytest.approx(0.5)
    assert s["12m+"]["error_r50"] == pytest.approx(0.0)
    # The ban predicts -100 each year: 40/60 off in 2021, exact in 2022.
    assert s["3-12m"]["change_error"] == pytest.approx(40 / 60)
    assert s["12m+"]["change_error"] == pytest.approx(0.0)
    assert s["all"]["direction_right"] == pytest.approx(1.0)
    assert res.params["scored"] == ["planted-ban-2021"]


@pytest.mark.unit
def test_outcome_years_and_base_year_options(planted_home: Path) -> None:
    wh = Warehouse(planted_home)
    res = backtest("planted-ban-2021", outcome_years=[2022, 2023], warehouse=wh)
    assert res.frame["outcome_year"].to_list() == [2022]
    assert any("2023 not in the warehouse" in n for n in res.notes)
    with pytest.raises(ValueError, match="before the measure"):
        backtest("planted-ban-2021", outcome_years=[2020], warehouse=wh)
    with pytest.raises(ValueError, match="not before the measure"):
        backtest("planted-ban-2021", base_year=2021, warehouse=wh)


@pytest.mark.unit
def test_licensing_target_all_and_tariff(planted_home: Path) -> None:
    from econsec.backtest.events import parse_event

    wh = Warehouse(planted_home)
    src = [{"key": "t", "citation": "Test fixture, planted history"}]
    lic = parse_event(
        {
            "id": "planted-licensing",
            "title": "Planted licensing",
            "date": "2021-03-01",
            "sources": src,
            "measures": [
                {
                    "kind": "licensing",
                    "imposer": ["CHN"],
                    "target": "all",
                    "share": 0.5,
                    "share_basis": "half the flow held up",
                    "sources": ["t"],
                    "products": {"HS17": ["811292"]},
                }
            ],
        }
    )
    res = backtest(lic, warehouse=wh)
    assert set(res.frame["importer"].to_list()) == {"JPN"}  # China's only buyer
    assert res.frame["predicted_change"].to_list() == pytest.approx([-50.0, -50.0])
    assert any("main buyers in 2020" in n for n in res.notes)
    tar = parse_event(
        {
            "id": "planted-tariff",
            "title": "Planted tariff",
            "date": "2021-03-01",
            "sources": src,
            "measures": [
                {
                    "kind": "tariff",
                    "imposer": ["JPN"],
                    "target": ["CHN"],
                    "rate": 0.25,
                    "sources": ["t"],
                    "products": {"all": True},
                }
            ],
        }
    )
    t = backtest(tar, warehouse=wh).frame
    assert t["importer"].unique().to_list() == ["JPN"] and t["supplier"][0] == "CHN"
    assert (t["predicted_change"] < 0).all()
    # A tariff's replacement does not depend on a redirect fraction.
    assert (t["predicted_replacement_r05"] == t["predicted_replacement_r50"]).all()


@pytest.mark.unit
def test_uncovered_products_are_said_plainly(planted_home: Path) -> None:
    from econsec.backtest.events import parse_event

    ev = parse_event(
        {
            "id": "planted-absent",
            "title": "Products nobody trades",
            "date": "2021-03-01",
            "sources": [{"key": "t", "citation": "Test fixture, planted history"}],
            "measures": [
                {
                    "kind": "ban",
                    "imposer": "CHN",
                    "target": "JPN",
                    "sources": ["t"],
                    "products": {"HS17": ["280530"]},
                    "products_note": "rare earths are not in this warehouse",
                }
            ],
        }
    )
    res = backtest(ev, warehouse=Warehouse(planted_home))
    assert res.frame.height == 0
    assert any("not covered" in n for n in res.notes)
    assert any("rare earths are not in this warehouse" in n for n in res.notes)
    assert res.frame.schema == pl.Schema(res.frame.schema)  # typed even when empty
    assert res.to_dict()["rows"] == []
