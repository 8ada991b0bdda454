r"""Tariffs: partial-equilibrium Armington/CES response of one importer's product market.

The imposer's imports of product *k* are a CES aggregate of varieties by origin with
elasticity of substitution σ (the ProTEE trade elasticity, :mod:`.elasticities`); the total
responds to the CES price index with elasticity η (η = 1: constant spending on *k*). Producer
prices are fixed (small-country, full pass-through). A tariff τ on the target's variety, whose
baseline share of the imposer's imports is :math:`s = v_X / V`, gives

.. math::

    \hat P^{\,1-\sigma} = s (1+\tau)^{1-\sigma} + (1 - s)
    \quad (\hat P = (1+\tau)^{s} \text{ when } \sigma = 1),

    \hat v_X = (1+\tau)^{-\sigma} \hat P^{\,\sigma-\eta}, \qquad
    \hat v_o = \hat P^{\,\sigma-\eta},

for the value at world prices of imports from the target and from every other origin (hats
are new/old ratios; untaxed origins keep their relative shares). Reported, in thousand USD:

* ``lost_imports`` :math:`= v_X (1 - \hat v_X)`, the fall of imports from the target (the
  target's lost exports: its exposure realised);
* ``replaced`` :math:`= (V - v_X)(\hat v_o - 1)`, trade diverted to other suppliers (negative
  when σ < η: the varieties are then complements);
* ``shortfall`` = ``lost_imports - replaced``, the fall of total imports at world prices;
* ``tariff_revenue`` :math:`= \tau v_X \hat v_X`.

An export ban is the limit τ → ∞. With η = 1 spending including duty is unchanged,
:math:`(1+\tau) v_X \hat v_X + (V - v_X) \hat v_o = V`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def price_index_change(
    s: Array, tau: float | Array, sigma: Array, s_other: Array | None = None
) -> Array:
    r"""CES price index ratio :math:`\hat P` after a tariff τ on a variety of share *s*.

    Parameters
    ----------
    s
        Baseline share of the taxed variety.
    tau, sigma
        Ad-valorem rate and elasticity of substitution.
    s_other
        Share of the untaxed varieties, :math:`(V - v_X) / V`; ``1 - s`` when omitted. Pass it
        computed from values: ``1 - s`` loses all precision when *s* is within a few ulps of 1,
        which the price index amplifies by a factor up to :math:`(1+\tau)^{\sigma-1}`.
    """
    s_ = np.asarray(s, dtype=np.float64)
    so = np.asarray(1.0 - s_ if s_other is None else s_other, dtype=np.float64)
    t = np.asarray(tau, dtype=np.float64)
    sg = np.asarray(sigma, dtype=np.float64)
    one = np.isclose(sg, 1.0)
    safe = np.where(one, 2.0, sg)  # avoid 1/(1-σ) at σ = 1; that branch uses the log form
    ces = (s_ * (1.0 + t) ** (1.0 - safe) + so) ** (1.0 / (1.0 - safe))
    cobb = (1.0 + t) ** s_
    return np.asarray(np.where(one, cobb, ces), dtype=np.float64)


@dataclass(frozen=True)
class ArmingtonResponse:
    """Response of one or many product markets (arrays broadcast over draws × markets)."""

    lost_imports: Array
    replaced: Array
    shortfall: Array
    price_index: Array
    tariff_revenue: Array


def armington(
    v_target: Array, v_total: Array, tau: float | Array, sigma: Array, eta: float = 1.0
) -> ArmingtonResponse:
    r"""Partial-equilibrium response to a tariff τ on the target's variety (see module doc).

    Parameters
    ----------
    v_target
        Baseline imports from the target, :math:`v_X`.
    v_total
        Baseline imports from all origins, :math:`V \\ge v_X`.
    tau
        Ad-valorem rate (0.5 = 50%).
    sigma
        Elasticity of substitution σ > 0 per market (or draws × markets).
    eta
        Elasticity of the importer's total demand for the product.
    """
    vx = np.asarray(v_target, dtype=np.float64)
    vt = np.asarray(v_total, dtype=np.float64)
    if np.any(vx < 0) or np.any(vx > vt * (1 + 1e-12)):
        raise ValueError("need 0 <= v_target <= v_total")
    if np.any(np.asarray(tau) < 0):
        raise ValueError("tariff rate must be >= 0")
    sg = np.asarray(sigma, dtype=np.float64)
    if np.any(sg <= 0):
        raise ValueError("sigma must be positive")
    # Both shares from values, so that s + s_other = 1 holds for the values actually used:
    # V - v_X is exact where 1 - s is not (s near 1), and the spending identity rests on it.
    v_other = np.maximum(vt - vx, 0.0)
    pos = vt > 0
    denom = np.where(pos, vt, 1.0)
    s = np.where(pos, vx / denom, 0.0)
    s_other = np.where(pos, v_other / denom, 1.0)
    p = price_index_change(s, tau, sg, s_other)
    vo_hat = p ** (sg - eta)
    vx_hat = (1.0 + np.asarray(tau, dtype=np.float64)) ** (-sg) * vo_hat
    lost = vx * (1.0 - vx_hat)
    rep = v_other * (vo_hat - 1.0)
    return ArmingtonResponse(
        lost_imports=np.asarray(lost, dtype=np.float64),
        replaced=np.asarray(rep, dtype=np.float64),
        shortfall=np.asarray(lost - rep, dtype=np.float64),
        price_index=np.asarray(p, dtype=np.float64),
        tariff_revenue=np.asarray(np.asarray(tau) * vx * vx_hat, dtype=np.float64),
    )
