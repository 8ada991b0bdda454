"""Invariants of the IO models on random productive tables (hypothesis)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mrio_helpers import random_table

from econsec.mrio import iomath
from econsec.mrio.bridge import hs_to_sectors, load_bridge
from econsec.mrio.propagate import MODELS, Propagator
from econsec.mrio.solver import LeontiefSolver

pytestmark = pytest.mark.property
SET = settings(max_examples=40, deadline=None)
tables = st.builds(random_table, st.integers(1, 3), st.integers(1, 4), st.integers(0, 10_000))


@SET
@given(tables)
def test_I_minus_A_times_L_is_identity(t) -> None:
    A = iomath.calc_A(t.Z, t.x)
    L = LeontiefSolver(t.Z, t.x).leontief(np.eye(t.n))
    np.testing.assert_allclose((np.eye(t.n) - A) @ L, np.eye(t.n), atol=1e-9)
    np.testing.assert_allclose(L, iomath.calc_L(A), atol=1e-9)


@SET
@given(tables)
def test_total_output_identities(t) -> None:
    s = LeontiefSolver(t.Z, t.x)
    np.testing.assert_allclose(s.leontief(t.y), t.x, rtol=1e-9)  # x = L y
    np.testing.assert_allclose(s.ghosh(t.v), t.x, rtol=1e-9)  # xᵀ = vᵀ G


@SET
@given(tables, st.sampled_from(MODELS))
def test_zero_shock_changes_nothing(t, model) -> None:
    res = Propagator(t).run(np.zeros(t.n), model)
    assert np.all(res.output_loss == 0)
    assert res.totals()["value_added_loss"] == 0


@SET
@given(tables, st.sampled_from(MODELS), st.floats(-3, 3), st.floats(-3, 3), st.integers(0, 99))
def test_linearity(t, model, a, b, seed) -> None:
    rng = np.random.default_rng(seed)
    s1, s2 = rng.random(t.n), rng.random(t.n)
    p = Propagator(t)
    lhs = p.run(a * s1 + b * s2, model).output_loss
    rhs = a * p.run(s1, model).output_loss + b * p.run(s2, model).output_loss
    np.testing.assert_allclose(lhs, rhs, atol=1e-8 * (1 + np.abs(rhs).max()))


@SET
@given(tables, st.integers(0, 99))
def test_bounded_shocks_never_exceed_output(t, seed) -> None:
    frac = np.random.default_rng(seed).random(t.n)
    p = Propagator(t)
    tol = 1e-9 * t.x
    ghosh = p.run(frac * t.v, "ghosh").output_loss  # lose at most all primary supply
    leon = p.run(frac * t.y, "leontief").output_loss  # lose at most all final demand
    q = p.run(frac * t.y, "inoperability").inoperability
    assert np.all(ghosh >= -tol) and np.all(ghosh <= t.x + tol)
    assert np.all(leon >= -tol) and np.all(leon <= t.x + tol)
    assert np.all(q <= 1 + 1e-9)


@SET
@given(st.integers(2, 3), st.integers(2, 4), st.integers(0, 10_000))
def test_zero_output_sectors_match_explicit_inverses(nr, ns, seed) -> None:
    t = random_table(nr, ns, seed, zero_rows=1)
    A, B = iomath.calc_A(t.Z, t.x), iomath.calc_B(t.Z, t.x)
    L, G = iomath.calc_L(A), iomath.calc_G(B)
    s = LeontiefSolver(t.Z, t.x)
    dv = np.random.default_rng(seed).random(t.n)
    np.testing.assert_allclose(s.ghosh(dv), dv @ G, atol=1e-9)
    np.testing.assert_allclose(s.leontief(dv), L @ dv, atol=1e-9)
    np.testing.assert_allclose(s.output_multipliers(), L.sum(axis=0), atol=1e-9)
    np.testing.assert_allclose(s.input_multipliers(), G.sum(axis=1), atol=1e-9)


@SET
@given(tables, st.integers(0, 99))
def test_sparse_and_dense_agree(t, seed) -> None:
    d = np.random.default_rng(seed).random(t.n)
    dense, sparse = (
        LeontiefSolver(t.Z, t.x, method="dense"),
        LeontiefSolver(t.Z, t.x, method="sparse"),
    )
    for f in ("leontief", "ghosh", "inoperability"):
        np.testing.assert_allclose(getattr(sparse, f)(d), getattr(dense, f)(d), atol=1e-9)
    np.testing.assert_allclose(sparse.input_multipliers(), dense.input_multipliers(), atol=1e-9)


BRIDGE = load_bridge("wiod13")
CODES = [
    "850511",
    "811292",
    "280469",
    "271121",
    "260600",
    "010121",
    "870323",
    "999999",
    "300490",
    "720293",
]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["JPN", "CHN", "ROU", "NAM", "S19", "USA"]),
            st.sampled_from(CODES),
            st.floats(0, 1e6),
        ),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([1.0, 1e-3]),
)
def test_bridge_conserves_value(rows, scale) -> None:
    shock = pl.DataFrame(rows, schema=["importer_iso3", "product", "value"], orient="row")
    out = hs_to_sectors(shock, BRIDGE, regions=["JPN", "CHN", "ROM", "TWN", "RoW"], scale=scale)
    assert out.columns == ["region", "sector", "value"]
    assert out["value"].sum() == pytest.approx(shock["value"].sum() * scale, rel=1e-12, abs=1e-9)
    assert set(out["region"]) <= {"JPN", "CHN", "ROM", "TWN", "RoW"}


@SET
@given(st.integers(1, 3), st.integers(2, 4), st.integers(0, 10_000), st.integers(0, 1))
def test_several_shocks_at_once_equal_one_by_one(nr, ns, seed, dead) -> None:
    t = random_table(nr, ns, seed, zero_rows=dead)
    s = LeontiefSolver(t.Z, t.x)
    D = np.random.default_rng(seed).random((t.n, 3))
    for f in ("leontief", "ghosh", "inoperability"):
        many = getattr(s, f)(D)
        one = np.column_stack([getattr(s, f)(D[:, k]) for k in range(3)])
        np.testing.assert_allclose(many, one, atol=1e-10)


@SET
@given(tables, st.integers(0, 99))
def test_leontief_value_added_loss_equals_final_demand_loss(t, seed) -> None:
    # income = expenditure: v̂x̂⁻¹ L = (1ᵀ − 1ᵀA) L = 1ᵀ, so Σ Δv = Σ Δy
    dy = np.random.default_rng(seed).random(t.n)
    res = Propagator(t).run(dy, "leontief")
    assert res.value_added_loss.sum() == pytest.approx(dy.sum(), rel=1e-9)
