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
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from econsec.plan.lp import Instance, hhi, min_rival_share, premium, solve_plan

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Columns of a frontier frame.
FRONTIER_COLUMNS = ("cap", "feasible", "cost_premium", "cost_premium_pct", "rival_share", "hhi")


def default_caps(inst: Instance, points: int = 21) -> np.ndarray:
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
    schema = {
        "cap": pl.Float64,
        "feasible": pl.Boolean,
        "cost_premium": pl.Float64,
        "cost_premium_pct": pl.Float64,
        "rival_share": pl.Float64,
        "hhi": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def frontier_figure(frontier: Any, *, title: str | None = None) -> go.Figure:
    """Plot a frontier: cost premium (% of imports) against the cap on the rival's share.

    Parameters
    ----------
    frontier
        A frontier frame (:data:`FRONTIER_COLUMNS`, optionally ``product``), or a result
        with ``.to_polars()`` (:class:`econsec.plan.api.FrontierResult`).
    title
        Figure title; a default one names the axes' meaning.
    """
    import plotly.graph_objects as go

    df = frontier.to_polars() if hasattr(frontier, "to_polars") else frontier
    if not isinstance(df, pl.DataFrame):
        df = pl.from_pandas(df)
    fig = go.Figure()
    has_product = "product" in df.columns
    keys = df["product"].unique(maintain_order=True).to_list() if has_product else [None]
    for key in keys:
        part = df if key is None else df.filter(pl.col("product") == key)
        ok = part.filter(pl.col("feasible")).sort("cap")
        name = "cost premium" if key is None else str(key)
        fig.add_trace(
            go.Scatter(
                x=ok["cap"].to_list(),
                y=ok["cost_premium_pct"].to_list(),
                mode="lines+markers",
                name=name,
                line={"shape": "linear"},
                customdata=np.column_stack(
                    [ok["cost_premium"].to_numpy(), ok["rival_share"].to_numpy()]
                ),
                hovertemplate=(
                    "cap %{x:.0%}<br>premium %{y:.2f}% (%{customdata[0]:,.0f} kUSD)"
                    "<br>rival share %{customdata[1]:.1%}<extra>" + name + "</extra>"
                ),
            )
        )
        bad = part.filter(~pl.col("feasible"))
        if bad.height:
            fig.add_trace(
                go.Scatter(
                    x=bad["cap"].to_list(),
                    y=[0.0] * bad.height,
                    mode="markers",
                    marker={"symbol": "x", "color": "grey"},
                    name=f"{name}: infeasible",
                    hovertemplate="cap %{x:.0%}: no feasible plan<extra></extra>",
                )
            )
    fig.update_layout(
        title=title or "Cost of reducing dependence on the rival",
        xaxis={
            "title": "cap on the rival's share of imports",
            "tickformat": ".0%",
            "range": [0, 1],
        },
        yaxis={"title": "cost premium (% of baseline imports)"},
        template="plotly_white",
    )
    return fig
