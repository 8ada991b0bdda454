"""Yard selection: equal to a brute-force minimum on small cases; the greedy rule's details."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.yard.select import covers, select_yard

score = st.one_of(st.integers(0, 4).map(float), st.floats(0, 100, allow_nan=False))
cost = st.one_of(st.integers(0, 3).map(float), st.floats(0, 1000, allow_nan=False))


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[float], list[float], float]:
    n = draw(st.integers(1, 8))
    s = draw(st.lists(score, min_size=n, max_size=n))
    c = draw(st.lists(cost, min_size=n, max_size=n))
    tau = draw(st.one_of(st.sampled_from([0.0, 0.5, 0.8, 1.0]), st.floats(0, 1)))
    return s, c, tau


def cost_tol(c: list[float]) -> float:
    # The MIP is exact up to HiGHS's tolerances, relative to the largest cost.
    return 1e-7 * max([1e-12, *c])


def subsets(n: int):
    for r in range(n + 1):
        yield from combinations(range(n), r)


def brute_min_size(s: list[float], tau: float) -> int:
    return min(len(y) for y in subsets(len(s)) if covers(s, y, tau))


def brute_min_cost(
    s: list[float], c: list[float], tau: float, max_size: int | None = None
) -> float:
    return min(
        sum(c[i] for i in y)
        for y in subsets(len(s))
        if covers(s, y, tau) and (max_size is None or len(y) <= max_size)
    )


@pytest.mark.property
@settings(max_examples=150, deadline=None)
@given(case=cases())
def test_smallest_equals_brute_force(case: tuple[list[float], list[float], float]) -> None:
    s, c, tau = case
    sel = select_yard(s, c, tau, method="smallest")
    assert covers(s, sel.indices, tau)
    assert sel.size == brute_min_size(s, tau)
    # Greedy property: nothing left out scores more than anything taken.
    out = set(range(len(s))) - set(sel.indices)
    if sel.indices and out:
        assert min(s[i] for i in sel.indices) >= max(s[i] for i in out)


@pytest.mark.property
@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_cheapest_equals_brute_force(case: tuple[list[float], list[float], float]) -> None:
    s, c, tau = case
    sel = select_yard(s, c, tau, method="cheapest")
    assert sel.optimal
    assert covers(s, sel.indices, tau)
    assert sel.cost == pytest.approx(brute_min_cost(s, c, tau), rel=1e-9, abs=cost_tol(c))


@pytest.mark.property
@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_smallest_cheapest_equals_brute_force(
    case: tuple[list[float], list[float], float],
) -> None:
    s, c, tau = case
    k = brute_min_size(s, tau)
    sel = select_yard(s, c, tau, method="smallest-cheapest")
    assert covers(s, sel.indices, tau)
    assert sel.size == k
    assert sel.cost == pytest.approx(brute_min_cost(s, c, tau, k), rel=1e-9, abs=cost_tol(c))


@pytest.mark.golden
def test_greedy_by_hand_and_tie_break_by_cost() -> None:
    # Scores 5, 3, 3, 1 (total 12); 80% = 9.6: 5 + 3 + 3 = 11 -> three products.
    # The two 3s tie, both are needed; with 50% (6) one 3 is needed: the cheaper one (index 2).
    s, c = [3.0, 5.0, 3.0, 1.0], [100.0, 50.0, 10.0, 1.0]
    sel = select_yard(s, c, 0.8)
    assert sel.indices == (1, 2, 0)
    assert sel.coverage == pytest.approx(11 / 12)
    half = select_yard(s, c, 0.5)
    assert half.indices == (1, 2)
    assert half.cost == 60.0


@pytest.mark.golden
def test_cheapest_differs_from_smallest_by_hand() -> None:
    # Target 7 of 12: smallest takes {5, 4} (cost 101); {4, 3} also reaches 7 for 2;
    # the cheapest reaching 7 is {4, 3} too (cost 2).
    s, c = [5.0, 4.0, 3.0], [100.0, 1.0, 1.0]
    assert select_yard(s, c, 7 / 12).indices == (0, 1)
    assert select_yard(s, c, 7 / 12, method="smallest-cheapest").indices == (1, 2)
    assert select_yard(s, c, 7 / 12, method="cheapest").cost == 2.0


@pytest.mark.unit
def test_degenerate_inputs() -> None:
    assert select_yard([], [], 0.8).size == 0
    zero = select_yard([0.0, 0.0], [1.0, 2.0], 0.8)
    assert zero.size == 0 and zero.coverage == 1.0
    assert select_yard([1.0, 2.0], [1.0, 1.0], 0.0).size == 0
    full = select_yard([1.0, 2.0, 0.0], [1.0, 1.0, 1.0], 1.0, method="cheapest")
    assert sorted(full.indices) == [0, 1]


@pytest.mark.unit
def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="coverage"):
        select_yard([1.0], [1.0], 1.5)
    with pytest.raises(ValueError, match="scores"):
        select_yard([-1.0], [1.0], 0.5)
    with pytest.raises(ValueError, match="same length"):
        select_yard([1.0], [1.0, 2.0], 0.5)
    with pytest.raises(ValueError, match="method"):
        select_yard([1.0], [1.0], 0.5, method="fastest")
