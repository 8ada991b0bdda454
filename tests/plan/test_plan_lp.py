from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plan_helpers import instances, linprog_plan, make_instance

from econsec.plan.lp import diagnose, hhi, min_rival_share, premium, solve_plan

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-6


def golden_instance(cap_b: float = 100.0):
    # Rival R (80 t at 1), incumbent A (20 t at 1, can add 30), new supplier B (price 2).
    return make_instance(
        q0=[80, 20, 0],
        price=[1, 1, 2],
        capacity=[0, 30, cap_b],
        allowed=[False, True, True],
        rival=[True, False, False],
        premium=0.1,
    )


@pytest.mark.golden
def test_golden_plan_uses_cheapest_supplier_first():
    # Cap 0.5: move 30 t from R to A at 1.1 - 1 = 0.1 each -> premium 3.
    inst = golden_instance()
    sol = solve_plan(inst, 0.5)
    assert sol.feasible
    np.testing.assert_allclose(sol.x, [50, 50, 0], atol=1e-7)
    assert premium(sol.cost, inst.baseline_cost) == pytest.approx(3.0, rel=1e-9)


@pytest.mark.golden
def test_golden_plan_needs_the_dearer_supplier():
    # Cap 0.4: A is full (30); t from R to B: (50 - t) / (100 + t) = 0.4 -> t = 10 / 1.4,
    # each at 2.2 - 1 = 1.2: premium 3 + 12 / 1.4.
    inst = golden_instance()
    sol = solve_plan(inst, 0.4)
    t = 10 / 1.4
    np.testing.assert_allclose(sol.x, [50 - t, 50, t], atol=1e-7)
    assert premium(sol.cost, inst.baseline_cost) == pytest.approx(3 + 1.2 * t, rel=1e-9)
    assert inst.rival_share(sol.x) == pytest.approx(0.4, abs=1e-9)


@pytest.mark.golden
def test_golden_lowest_feasible_cap_and_diagnosis():
    # B can add 20: R keeps 30 of 130 t, valued 30 of 30 + 50 + 40 = 120 -> 0.25.
    inst = golden_instance(cap_b=20.0)
    assert min_rival_share(inst) == pytest.approx(0.25, abs=1e-9)
    assert not solve_plan(inst, 0.2).feasible
    d = diagnose(inst, 0.2)
    assert d.binding == "capacity"
    assert d.lowest_feasible_cap == pytest.approx(0.25, abs=1e-9)
    assert d.without_capacity == pytest.approx(0.0, abs=1e-9)
    assert "25.0%" in d.message(0.2)


@pytest.mark.golden
def test_diagnosis_allowed_set_binds():
    # Only A may expand (capacity 30); B could carry the rest but is outside the allowed set.
    inst = make_instance(
        q0=[80, 20, 0],
        price=[1, 1, 1],
        capacity=[0, 30, 100],
        allowed=[False, True, False],
        rival=[True, False, False],
    )
    assert min_rival_share(inst) == pytest.approx(0.5)
    d = diagnose(dataclasses.replace(inst, capacity=np.array([0.0, 30.0, 100.0])), 0.3)
    # Unlimited capacity for A would also do it: A reaches 0, B reaches 0; A listed first.
    assert d.binding in {"capacity", "allowed set"}
    inst2 = dataclasses.replace(inst, capacity=np.array([0.0, 0.0, 100.0]))
    d2 = diagnose(inst2, 0.3)
    assert d2.binding == "capacity"  # A with unlimited capacity reaches 0 as well
    inst3 = dataclasses.replace(inst, allowed=np.array([False, False, False]))
    assert diagnose(inst3, 0.3).binding == "allowed set"


@pytest.mark.golden
def test_diagnosis_single_supplier_cap():
    # Two suppliers cannot both stay under 40%, whatever the capacities.
    two = make_instance(
        q0=[50, 50],
        price=[1, 1],
        capacity=[0, np.inf],
        allowed=[False, True],
        rival=[True, False],
        single_cap=0.4,
    )
    assert min_rival_share(two) is None
    assert diagnose(two, 0.5).binding == "single-supplier cap"
    assert "single-supplier cap" in diagnose(two, 0.5).message(0.5)
    # A third supplier without capacity: relaxing capacity (B takes >= 20 of 100) suffices.
    three = make_instance(
        q0=[50, 50, 0],
        price=[1, 1, 1],
        capacity=[0, 0, 0],
        allowed=[False, True, True],
        rival=[True, False, False],
        single_cap=0.4,
    )
    assert min_rival_share(three) is None
    assert diagnose(three, 0.5).binding == "capacity"
    ok = dataclasses.replace(three, capacity=np.array([0.0, 0.0, 20.0]))
    sol = solve_plan(ok, 0.5)
    assert sol.feasible
    np.testing.assert_allclose(sol.x, [40, 40, 20], atol=1e-7)


@pytest.mark.unit
def test_hhi_and_validation():
    assert hhi(np.array([1.0, 1.0])) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="cap"):
        solve_plan(golden_instance(), 1.5)
    with pytest.raises(ValueError, match="positive"):
        make_instance(q0=[0, 0], price=[1, 1], capacity=[0, 0], allowed=[0, 1], rival=[1, 0])
    with pytest.raises(ValueError, match="unit values"):
        make_instance(q0=[1, 1], price=[0, 1], capacity=[0, 0], allowed=[0, 1], rival=[1, 0])


def check_constraints(inst, sol, cap):
    x = sol.x
    assert x.sum() == pytest.approx(inst.demand, rel=1e-7)  # demand met
    assert inst.rival_share(x) <= cap + TOL  # cap
    assert np.all(
        sol.extra <= np.where(inst.allowed & ~inst.rival, inst.capacity, 0.0) * (1 + 1e-7) + 1e-9
    )  # capacities and allowed set
    assert np.all(sol.kept <= inst.q0 * (1 + 1e-9) + 1e-12)
    assert np.all(sol.kept[inst.keep] >= inst.q0[inst.keep] * (1 - 1e-9) - 1e-12)
    if inst.single_cap is not None:
        v = inst.price * x
        assert np.all(v / v.sum() <= inst.single_cap + TOL)


@pytest.mark.property
@SETTINGS
@given(inst=instances(), cap=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0]))
def test_every_plan_meets_its_constraints_and_equals_linprog(inst, cap):
    sol = solve_plan(inst, cap)
    ok, fun = linprog_plan(inst, cap)
    assert sol.feasible == ok
    if ok:
        check_constraints(inst, sol, cap)
        assert sol.cost == pytest.approx(fun, rel=1e-6, abs=1e-6 * inst.baseline_cost)
        assert premium(sol.cost, inst.baseline_cost) >= -1e-6 * inst.baseline_cost
    else:
        low = min_rival_share(inst)
        assert low is None or low > cap - TOL


@pytest.mark.property
@SETTINGS
@given(inst=instances())
def test_lowest_feasible_cap_is_the_feasibility_threshold(inst):
    low = min_rival_share(inst)
    if low is None:
        assert not solve_plan(inst, 1.0).feasible
        return
    assert 0.0 <= low <= inst.rival_share(inst.q0) + TOL or inst.single_cap is not None
    assert solve_plan(inst, min(1.0, low + 1e-6)).feasible
    if low > 1e-4:
        assert not solve_plan(inst, low - 1e-4).feasible
        assert diagnose(inst, low - 1e-4).lowest_feasible_cap == pytest.approx(low, abs=1e-7)


@pytest.mark.property
@SETTINGS
@given(inst=instances(single=False), scale=st.sampled_from([1e-3, 1.0, 1e6]))
def test_scale_invariance(inst, scale):
    big = dataclasses.replace(inst, q0=inst.q0 * scale, capacity=inst.capacity * scale)
    a, b = solve_plan(inst, 0.3), solve_plan(big, 0.3)
    assert a.feasible == b.feasible
    if a.feasible:
        assert b.cost / scale == pytest.approx(a.cost, rel=1e-6)
