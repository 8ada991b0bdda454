"""Golden tests: Miller & Blair (2009), 2nd ed., ch. 2 section 2.3, two-sector example.

Z = [[150, 500], [200, 100]], x = [1000, 2000]. The book gives A = [[.15, .25], [.20, .05]]
and L = [[1.254, .330], [.264, 1.122]]; for the new final demand f = [600, 1500] it finds
x = [1247.52, 1841.58]. Exact values below are hand-computed: det(I - A) = .85·.95 − .25·.20
= .7575, so L = [[.95, .25], [.20, .85]] / .7575; likewise B = x̂⁻¹Z = [[.15, .5], [.1, .05]],
det(I − B) = .7575 and G = [[.95, .5], [.1, .85]] / .7575.
"""

from __future__ import annotations

import numpy as np
import pytest
from mrio_helpers import MB_X, MB_Y, MB_Z

from econsec.mrio import iomath
from econsec.mrio.propagate import Propagator
from econsec.mrio.solver import LeontiefSolver

DET = 0.7575
L_EXACT = np.array([[0.95, 0.25], [0.20, 0.85]]) / DET
G_EXACT = np.array([[0.95, 0.5], [0.1, 0.85]]) / DET

pytestmark = pytest.mark.golden


def test_A_and_L_match_the_book() -> None:
    A = iomath.calc_A(MB_Z, MB_X)
    np.testing.assert_allclose(A, [[0.15, 0.25], [0.20, 0.05]])
    L = iomath.calc_L(A)
    np.testing.assert_allclose(L, L_EXACT, rtol=1e-12)
    np.testing.assert_allclose(L, [[1.254, 0.330], [0.264, 1.122]], atol=5e-4)


def test_new_final_demand_gives_book_output() -> None:
    s = LeontiefSolver(MB_Z, MB_X)
    np.testing.assert_allclose(s.leontief([600.0, 1500.0]), [1247.52, 1841.58], atol=5e-3)
    np.testing.assert_allclose(s.leontief(MB_Y[:, 0]), MB_X, rtol=1e-12)


def test_ghosh_inverse_and_value_added() -> None:
    B = iomath.calc_B(MB_Z, MB_X)
    np.testing.assert_allclose(B, [[0.15, 0.5], [0.1, 0.05]])
    np.testing.assert_allclose(iomath.calc_G(B), G_EXACT, rtol=1e-12)
    np.testing.assert_allclose(iomath.calc_G_from_L(L_EXACT, MB_X), G_EXACT, rtol=1e-12)
    v = iomath.calc_v(MB_Z, MB_X)
    np.testing.assert_allclose(v, [650.0, 1400.0])
    # xᵀ = vᵀ G
    np.testing.assert_allclose(LeontiefSolver(MB_Z, MB_X).ghosh(v), MB_X, rtol=1e-12)


def test_multipliers(mb) -> None:
    m = Propagator(mb).multipliers()
    assert m.columns[:4] == ["region", "sector", "output_multiplier", "input_multiplier"]
    np.testing.assert_allclose(m["output_multiplier"], [1.15 / DET, 1.10 / DET], rtol=1e-12)
    np.testing.assert_allclose(m["input_multiplier"], [1.45 / DET, 0.95 / DET], rtol=1e-12)


def test_inoperability_model() -> None:
    # A* = x̂⁻¹ A x̂ = B here; q = (I − A*)⁻¹ c* = G c* for c* = [0.1, 0].
    A_star = iomath.calc_A_star(iomath.calc_A(MB_Z, MB_X), MB_X)
    np.testing.assert_allclose(A_star, iomath.calc_B(MB_Z, MB_X))
    q = LeontiefSolver(MB_Z, MB_X).inoperability([0.1, 0.0])
    np.testing.assert_allclose(q, [0.095 / DET, 0.01 / DET], rtol=1e-12)
    np.testing.assert_allclose(iomath.inoperability(A_star, [0.1, 0.0]), q, rtol=1e-12)


def test_ghosh_shock_result(mb) -> None:
    # Losing 100 of primary supply in sector 1: Δxᵀ = [100, 0] G.
    res = Propagator(mb).run(np.array([100.0, 0.0]), "ghosh")
    np.testing.assert_allclose(res.output_loss, 100 * G_EXACT[0], rtol=1e-12)
    # value-added loss at fixed coefficients v/x = [.65, .7]
    np.testing.assert_allclose(res.value_added_loss, res.output_loss * [0.65, 0.7], rtol=1e-12)
    reg = res.by_region()
    assert reg["gdp"][0] == pytest.approx(2050.0)
    assert reg["gdp_share_lost"][0] == pytest.approx(res.value_added_loss.sum() / 2050.0)
    assert res.top(1)["sector"][0] == "s1"
