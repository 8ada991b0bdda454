r"""The cost–dependence frontier: the cheapest plan's cost premium as the rival's cap varies.

For caps :math:`\kappa_1 < \dots < \kappa_K` the frontier is
:math:`\Pi(\kappa) = C^*(\kappa) - C^0`, the optimal cost of :mod:`econsec.plan.lp` less the
baseline's cost (:mod:`econsec.plan.costs`), also in percent of the baseline import value.
Raising the cap admits more plans (the feasible sets are nested), so :math:`\Pi` is
non-increasing in :math:`\kappa`; below the lowest feasible cap :math:`\kappa^*` no plan
exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from econsec.plan.lp import Instance, hhi, min_rival_share, premium, solve_plan

#: Columns of a frontier frame.
FRONTIER_COLUMNS = ("cap", "feasible", "cost_premium", "cost_premium_pct", "rival_share", "hhi")
#: Their types.
FRONTIER_SCHEMA: dict[str, type[pl.DataType]] = {
    "cap": pl.Float64,
    "feasible": pl.Boolean,
    "cost_premium": pl.Float64,
    "cost_premium_pct": pl.Float64,
    "rival_share": pl.Float64,
    "hhi": pl.Float64,
}
#: Caps of the default grid, 0 to 1 in steps of 0.05.
DEFAULT_CAP_POINTS = 21


def default_caps(inst: Instance, points: int = DEFAULT_CAP_POINTS) -> np.ndarray:
    """Caps from 0 to 1 in equal steps, plus the lowest feasible cap and the baseline share."""
    grid = np.linspace(0.0, 1.0, points)
    extra = [inst.rival_share(inst.q0)]
    low = min_rival_share(inst)
    if low is not None:
        extra.append(low)
    return np.unique(np.round(np.concatenate([grid, extra]), 12))


def frontier(inst: Instance, caps: Sequence[float] | np.ndarray | None = None) -> pl.DataFrame:
    """Solve the plan at each cap; return the frontier, one row per cap (ascending).

    Returns
    -------
    polars.DataFrame
        :data:`FRONTIER_COLUMNS`; ``cost_premium`` in the value unit of the instance,
        ``cost_premium_pct`` in percent of the baseline value; null where infeasible.
    """
    ks = default_caps(inst) if caps is None else np.unique(np.asarray(caps, dtype=float))
    v0 = inst.baseline_value
    rows: list[dict[str, Any]] = []
    for k in ks:
        sol = solve_plan(inst, float(k))
        if sol.feasible:
            prem = premium(sol.cost, inst.baseline_cost)
            rows.append(
                {
                    "cap": float(k),
                    "feasible": True,
                    "cost_premium": prem,
                    "cost_premium_pct": 100.0 * prem / v0,
                    "rival_share": inst.rival_share(sol.x),
                    "hhi": hhi(inst.price * sol.x),
                }
            )
        else:
            rows.append(
                {
                    "cap": float(k),
                    "feasible": False,
                    "cost_premium": None,
                    "cost_premium_pct": None,
                    "rival_share": None,
                    "hhi": None,
                }
            )
    return pl.DataFrame(rows, schema=FRONTIER_SCHEMA)
