"""Golden and property tests of the Armington/CES tariff response."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from econsec.scenarios.tariff import armington, price_index_change


@pytest.mark.golden
def test_fifty_percent_tariff_by_hand() -> None:
    # s = 0.5, τ = 0.5, σ = 2, η = 1:
    # P^(1-σ) = 0.5 * 1.5^-1 + 0.5 = 5/6, so P = 1.2;
    # v_X = 1.5^-2 * 1.2^(2-1) = 0.5333 -> imports from the target 50 -> 26.667 (lost 23.333);
    # v_o = 1.2 -> other origins 50 -> 60 (diversion 10); shortfall 13.333;
    # revenue 0.5 * 26.667 = 13.333.
    r = armington(np.array([50.0]), np.array([100.0]), 0.5, np.array([2.0]), 1.0)
    assert r.price_index[0] == pytest.approx(1.2)
    assert r.lost_imports[0] == pytest.approx(70.0 / 3.0)
    assert r.replaced[0] == pytest.approx(10.0)
    assert r.shortfall[0] == pytest.approx(40.0 / 3.0)
    assert r.tariff_revenue[0] == pytest.approx(40.0 / 3.0)


@pytest.mark.golden
def test_cobb_douglas_limit_by_hand() -> None:
    # σ = η = 1: P = 1.5^0.5, v_X = 1/1.5, others unchanged.
    r = armington(np.array([50.0]), np.array([100.0]), 0.5, np.array([1.0]), 1.0)
    assert r.price_index[0] == pytest.approx(1.5**0.5)
    assert r.lost_imports[0] == pytest.approx(50.0 - 50.0 / 1.5)
    assert r.replaced[0] == pytest.approx(0.0)


@pytest.mark.unit
def test_sigma_near_one_is_continuous() -> None:
    s, tau = np.array([0.3]), 0.4
    a = price_index_change(s, tau, np.array([1.0]))
    b = price_index_change(s, tau, np.array([1.0 + 1e-6]))
    assert a == pytest.approx(b, rel=1e-5)


@pytest.mark.unit
def test_zero_tariff_changes_nothing_and_large_tariff_is_a_ban() -> None:
    z = armington(np.array([30.0]), np.array([100.0]), 0.0, np.array([4.0]))
    assert z.lost_imports[0] == pytest.approx(0.0)
    assert z.replaced[0] == pytest.approx(0.0)
    big = armington(np.array([30.0]), np.array([100.0]), 1e6, np.array([4.0]))
    assert big.lost_imports[0] == pytest.approx(30.0, rel=1e-9)


@pytest.mark.unit
def test_bad_inputs_rejected() -> None:
    with pytest.raises(ValueError):
        armington(np.array([120.0]), np.array([100.0]), 0.5, np.array([2.0]))
    with pytest.raises(ValueError):
        armington(np.array([10.0]), np.array([100.0]), 0.5, np.array([0.0]))


markets = st.tuples(
    st.floats(0.0, 1.0), st.floats(1.0, 1e6), st.floats(0.0, 3.0), st.floats(1.0, 30.0)
)


def edge_cases(test: Any) -> Any:
    """The markets where floating point bites, tried on every run (s, V, τ, σ)."""
    cases = [
        (0.0, 100.0, 3.0, 18.0),  # no imports from the target
        (1.0 - 1e-16, 1.0, 3.0, 18.0),  # 1 - s loses every digit; (V - v_X) / V does not
        (1.0 - 1e-16, 1e6, 3.0, 18.0),
        (1.0 - 1e-12, 977.0, 3.0, 30.0),
        (1.0, 100.0, 3.0, 18.0),  # the target is the only supplier
        (0.5, 1e-9, 0.5, 4.0),  # tiny values
        (0.5, 1e15, 0.5, 4.0),  # huge values
        (1e-300, 1e6, 3.0, 18.0),  # a negligible share
        (0.3, 100.0, 0.5, 1.0),  # σ = 1 (Cobb-Douglas branch)
        (0.3, 100.0, 0.5, 1.0 + 1e-9),  # σ → 1 from above, CES branch
        (0.3, 100.0, 0.0, 30.0),  # no tariff
    ]
    for c in cases:
        test = example(c)(test)
    return test


@pytest.mark.property
@settings(max_examples=80, deadline=None)
@given(markets)
@edge_cases
def test_spending_with_duty_is_constant_when_eta_is_one(
    m: tuple[float, float, float, float],
) -> None:
    s, V, tau, sigma = m
    vx = s * V
    r = armington(np.array([vx]), np.array([V]), tau, np.array([sigma]), 1.0)
    new_x = vx - r.lost_imports[0]
    new_o = (V - vx) + r.replaced[0]
    assert (1 + tau) * new_x + new_o == pytest.approx(V, rel=1e-9, abs=1e-6)


@pytest.mark.property
@settings(max_examples=80, deadline=None)
@given(markets)
@edge_cases
def test_diversion_and_shortfall_signs(m: tuple[float, float, float, float]) -> None:
    # With σ >= η = 1: imports from the target fall, others gain, 0 <= shortfall <= lost.
    s, V, tau, sigma = m
    r = armington(np.array([s * V]), np.array([V]), tau, np.array([sigma]), 1.0)
    tol = 1e-9 * V
    assert r.lost_imports[0] >= -tol
    assert r.replaced[0] >= -tol
    assert -tol <= r.shortfall[0] <= r.lost_imports[0] + tol


@pytest.mark.unit
def test_sole_supplier_pays_the_whole_tariff_whatever_sigma() -> None:
    # s = 1, nothing else to buy: the price index rises by exactly the tariff.
    for sigma in (1.0, 2.0, 18.0):
        p = price_index_change(np.array([1.0]), 3.0, np.array([sigma]), np.array([0.0]))
        assert p[0] == pytest.approx(4.0, rel=1e-12)


@pytest.mark.unit
def test_complement_share_comes_from_values_not_from_one_minus_s() -> None:
    # v_X one ulp below V: 1 - s and (V - v_X) / V differ in every digit; the response must
    # follow the values, so that spending with duty stays V (σ = 18, τ = 3 amplify by 4^17).
    V = 1.0
    vx = np.nextafter(V, 0.0)
    r = armington(np.array([vx]), np.array([V]), 3.0, np.array([18.0]), 1.0)
    new_x = vx - r.lost_imports[0]
    new_o = (V - vx) + r.replaced[0]
    assert 4.0 * new_x + new_o == pytest.approx(V, rel=1e-12)
