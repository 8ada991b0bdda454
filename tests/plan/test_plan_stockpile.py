from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.plan.stockpile import HORIZON_DAYS, days_in_horizons, stock_cover
from econsec.substitution import HORIZONS


@pytest.mark.golden
def test_stock_cover_golden():
    # L = 60, M = 100, S = 400 a year; 180-day ban. 0-3m: 5% of 400 = 20 replaced, gap 40 for
    # 91.25 days; 3-12m: 20% of 400 = 80 >= 60, no gap. Stock 40 * 91.25 / 365 = 10,
    # 10 / (100 / 365) = 36.5 days of imports, 10% carrying cost = 1.
    c = stock_cover(60.0, 100.0, 400.0, 180.0, carrying_rate=0.1)
    assert c.shortfall == {"0-3m": 40.0, "3-12m": 0.0, "12m+": 0.0}
    assert c.days_in == {"0-3m": 91.25, "3-12m": 88.75, "12m+": 0.0}
    assert c.stock_value == pytest.approx(10.0)
    assert c.days_cover == pytest.approx(36.5)
    assert c.carrying_cost == pytest.approx(1.0)


@pytest.mark.golden
def test_stock_cover_two_years():
    # Pool 100: 5, 20, 50 replaced of 60 -> gaps 55, 40, 10 over 91.25, 273.75, 365 days.
    c = stock_cover(60.0, 100.0, 100.0, 730.0)
    k = (55 * 91.25 + 40 * 273.75 + 10 * 365) / 365
    assert c.stock_value == pytest.approx(k)
    assert c.days_cover == pytest.approx(k / (100 / 365))


@pytest.mark.unit
def test_horizons_match_the_scenario_engine():
    assert set(HORIZON_DAYS) == set(HORIZONS)
    assert days_in_horizons(0) == {"0-3m": 0.0, "3-12m": 0.0, "12m+": 0.0}
    with pytest.raises(ValueError):
        stock_cover(120.0, 100.0, 1.0, 10.0)
    with pytest.raises(ValueError):
        days_in_horizons(-1)


@pytest.mark.property
@settings(max_examples=100, deadline=None)
@given(
    share=st.floats(0, 1),
    imports=st.floats(1, 1e6),
    pool=st.floats(0, 1e7),
    t1=st.floats(0, 1000),
    t2=st.floats(0, 1000),
)
def test_stock_cover_invariants(share, imports, pool, t1, t2):
    lost = share * imports
    a, b = sorted([t1, t2])
    ca, cb = stock_cover(lost, imports, pool, a), stock_cover(lost, imports, pool, b)
    assert 0 <= ca.stock_value <= cb.stock_value + 1e-9 * max(1.0, cb.stock_value)
    # Never more than the whole loss for the whole ban, nor more days than the ban.
    assert cb.stock_value <= lost * b / 365 * (1 + 1e-12) + 1e-12
    assert cb.days_cover <= b * share * (1 + 1e-9) + 1e-9
    assert math.isclose(sum(cb.days_in.values()), b, rel_tol=1e-12, abs_tol=1e-12)
    # A larger pool never needs more stock.
    assert stock_cover(lost, imports, pool * 2, b).stock_value <= cb.stock_value + 1e-9
