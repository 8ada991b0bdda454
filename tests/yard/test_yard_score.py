"""Vulnerability score: golden values computed by hand and the factors' invariants."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsec.yard.score import (
    ScoreParams,
    criticality,
    dependence,
    score_products,
    substitution_gap,
    vulnerability,
)

unit = st.floats(0, 1, allow_nan=False)
value = st.floats(0, 1e9, allow_nan=False)


def frame(**cols: list) -> pl.DataFrame:
    return pl.DataFrame(cols)


@pytest.mark.golden
def test_magnets_by_hand() -> None:
    # 850511 bought by Japan: China 90, USA 10; the USA sells 50 elsewhere, r = 0.2.
    # D = 0.9; H = 0.9^2 + 0.1^2 = 0.82; C = 0.2 * 50 = 10; U = 1 - 10/90 = 8/9;
    # w = 0.6 (3 of 5 catalogues), floor 0.1: W = 0.1 + 0.9 * 0.6 = 0.64.
    df = frame(
        product=["850511"],
        import_value=[100.0],
        exposed_value=[90.0],
        hhi=[0.82],
        capacity=[10.0],
        weight=[0.6],
    )
    out = score_products(df).row(0, named=True)
    assert out["dependence"] == pytest.approx(0.9)
    assert out["substitution_gap"] == pytest.approx(8 / 9)
    assert out["criticality"] == pytest.approx(0.64)
    assert out["score"] == pytest.approx(0.9 * 0.82 * 8 / 9 * 0.64)


@pytest.mark.golden
def test_exponents_and_value_weight_by_hand() -> None:
    p = ScoreParams(alpha=2, beta=0, gamma=1, delta=0.5, floor=0.2, value_exponent=1)
    df = frame(
        product=["a", "b"],
        import_value=[300.0, 100.0],
        exposed_value=[150.0, 100.0],
        hhi=[0.5, 1.0],
        capacity=[300.0, 25.0],
        weight=[0.0, 1.0],
    )
    out = {r["product"]: r["score"] for r in score_products(df, p).iter_rows(named=True)}
    # a: D = 0.5, U = 1 - min(1, 300/150) = 0 -> 0.  b: D = 1, U = 0.75, W = 1, share 1/4.
    assert out["a"] == 0.0
    assert out["b"] == pytest.approx(1.0 * 0.75 * 1.0 * 0.25)


@pytest.mark.unit
def test_sorted_by_score_then_cheaper() -> None:
    df = frame(
        product=["x", "y", "z"],
        import_value=[50.0, 10.0, 10.0],
        exposed_value=[50.0, 10.0, 5.0],
        hhi=[1.0, 1.0, 0.5],
        capacity=[0.0, 0.0, 0.0],
        weight=[1.0, 1.0, 1.0],
    )
    assert score_products(df)["product"].to_list() == ["y", "x", "z"]


@pytest.mark.unit
def test_bad_parameters_and_missing_columns() -> None:
    with pytest.raises(ValueError, match="floor"):
        ScoreParams(floor=1.5)
    with pytest.raises(ValueError, match="alpha"):
        ScoreParams(alpha=-1)
    with pytest.raises(ValueError, match="capacity"):
        score_products(
            frame(product=["a"], import_value=[1.0], exposed_value=[1.0], hhi=[1.0], weight=[0.0])
        )


@pytest.mark.property
@given(x=value, m=value, c=value, h=unit, w=unit, floor=unit)
def test_factors_and_score_in_unit_interval(
    x: float, m: float, c: float, h: float, w: float, floor: float
) -> None:
    x = min(x, m)
    d, u, wk = dependence(x, m), substitution_gap(c, x), criticality(w, floor)
    s = vulnerability(d, h, u, wk, ScoreParams(floor=floor))
    for f in (d, u, wk, s):
        assert 0.0 <= float(f) <= 1.0


@pytest.mark.property
@given(x=st.floats(1e-3, 1e6), c1=value, c2=value)
def test_more_capacity_never_raises_the_gap(x: float, c1: float, c2: float) -> None:
    lo, hi = sorted((c1, c2))
    assert substitution_gap(hi, x) <= substitution_gap(lo, x)
    assert substitution_gap(x, x) == 0.0


@pytest.mark.property
@given(w=unit, floor=unit)
def test_criticality_between_floor_and_one(w: float, floor: float) -> None:
    assert criticality(0.0, floor) == pytest.approx(floor)
    assert criticality(1.0, floor) == pytest.approx(1.0)
    assert floor - 1e-12 <= float(criticality(w, floor)) <= 1.0 + 1e-12


@pytest.mark.property
@given(d=unit, h=unit, u=unit, w=unit)
def test_zero_exponents_drop_factors(d: float, h: float, u: float, w: float) -> None:
    p = ScoreParams(alpha=0, beta=0, gamma=0, delta=0)
    assert float(vulnerability(d, h, u, w, p)) == 1.0
    only_d = ScoreParams(beta=0, gamma=0, delta=0)
    assert float(vulnerability(d, h, u, w, only_d)) == pytest.approx(d)


@pytest.mark.unit
def test_nothing_exposed_means_nothing_to_replace() -> None:
    assert substitution_gap(0.0, 0.0) == 0.0
    assert dependence(5.0, 0.0) == 0.0
    np.testing.assert_allclose(dependence([5.0, 20.0], [10.0, 10.0]), [0.5, 1.0])
