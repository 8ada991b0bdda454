"""Scores: the error measure, the best fraction, readings (properties and small cases)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.backtest.rows import default_outcomes, horizon_of
from econsec.backtest.score import readings, scores, wape

values = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=20
)


def _err(p: list[float], o: list[float]) -> float | None:
    df = pl.DataFrame({"p": p, "o": o}, schema={"p": pl.Float64, "o": pl.Float64})
    return df.select(wape(pl.col("p"), pl.col("o"))).item()


@pytest.mark.unit
@settings(max_examples=60, deadline=None)
@given(values)
def test_wape_is_zero_when_exact_and_one_when_predicting_nothing(o: list[float]) -> None:
    if any(abs(x) > 0 for x in o):
        assert _err(o, o) == pytest.approx(0.0)
        assert _err([0.0] * len(o), o) == pytest.approx(1.0)
    else:
        assert _err(o, o) is None


def _rows(obs_rep: float, kinds: str = "ban") -> pl.DataFrame:
    base = {
        "event": "e",
        "kind": kinds,
        "horizon": "3-12m",
        "outcome_value": 1.0,
        "observed_change": -10.0,
        "predicted_change": -10.0,
        "observed_replacement": obs_rep,
        "predicted_replacement": 2.0,
        "predicted_replacement_r05": 0.5,
        "predicted_replacement_r20": 2.0,
        "predicted_replacement_r50": 5.0,
        "base_share": 0.5,
        "outcome_share": 0.25,
        "predicted_share": 0.3,
    }
    return pl.DataFrame([base])


@pytest.mark.unit
@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=0.01, max_value=100.0))
def test_best_fraction_is_the_smallest_error(obs_rep: float) -> None:
    row = scores(_rows(obs_rep)).filter(pl.col("horizon") == "3-12m").to_dicts()[0]
    errs = {0.05: row["error_r05"], 0.2: row["error_r20"], 0.5: row["error_r50"]}
    assert errs[row["best_redirect"]] == pytest.approx(min(errs.values()))


@pytest.mark.unit
def test_tariff_scores_have_no_redirect_sweep() -> None:
    row = scores(_rows(3.0, "tariff")).to_dicts()[0]
    assert row["scope"] == "tariffs" and row["best_redirect"] is None
    assert row["replacement_error"] == pytest.approx(1 / 3)
    assert row["share_error"] == pytest.approx(0.05 / 0.25)


@pytest.mark.unit
def test_readings_name_the_reason() -> None:
    df = pl.concat(
        [
            _rows(0.0).with_columns(pl.lit(5.0).alias("observed_change")),
            _rows(9.0),
            _rows(0.0).with_columns(pl.lit(None, pl.Float64).alias("outcome_value")),
        ]
    )
    r = readings(df)["reading"].to_list()
    assert r[0].startswith("rose instead of falling")
    assert "new capacity or rerouting" in r[1]
    assert r[2] == "no outcome data"
    assert scores(df.head(0)).height == 0


@pytest.mark.unit
@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2030, 12, 31)), st.integers(0, 5))
def test_horizons_grow_with_the_outcome_year(start: dt.date, ahead: int) -> None:
    m0, h0 = horizon_of(start, start.year + ahead)
    m1, h1 = horizon_of(start, start.year + ahead + 1)
    assert 0 <= m0 < m1
    order = ("0-3m", "3-12m", "12m+")
    assert order.index(h0) <= order.index(h1)
    assert h1 != "0-3m"  # a year later is always more than three months on
    first = default_outcomes(start)[0]
    assert first in (start.year, start.year + 1) and len(default_outcomes(start)) == 3
    with pytest.raises(ValueError, match="before the measure"):
        horizon_of(start, start.year - 1)
