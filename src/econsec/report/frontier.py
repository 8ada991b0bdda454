"""The cost–dependence frontier as a plotly figure (see :mod:`econsec.plan.frontier`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

    from econsec.query.results import Result


def frontier_figure(
    frontier: pl.DataFrame | pd.DataFrame | Result, *, title: str | None = None
) -> go.Figure:
    """Plot a frontier: cost premium (% of imports) against the cap on the rival's share.

    Parameters
    ----------
    frontier
        A frontier frame (:data:`econsec.plan.frontier.FRONTIER_COLUMNS`, optionally
        ``product``), as polars or pandas, or a result such as
        :class:`econsec.plan.results.FrontierResult`.
    title
        Figure title; a default one names the axes' meaning.
    """
    import plotly.graph_objects as go

    df = _frame(frontier)
    fig = go.Figure()
    has_product = "product" in df.columns
    keys = df["product"].unique(maintain_order=True).to_list() if has_product else [None]
    top = _top(df)
    for key in keys:
        part = df if key is None else df.filter(pl.col("product") == key)
        name = "cost premium" if key is None else str(key)
        for trace in _traces(part, name, top):
            fig.add_trace(trace)
    fig.update_layout(
        title=title or "Cost of reducing dependence on the rival",
        xaxis={
            "title": "cap on the rival's share of imports",
            "tickformat": ".0%",
            "range": [0, 1],
        },
        yaxis={"title": "cost premium (% of baseline imports)", "rangemode": "tozero"},
        template="plotly_white",
    )
    return fig


def _frame(frontier: pl.DataFrame | pd.DataFrame | Result) -> pl.DataFrame:
    if isinstance(frontier, pl.DataFrame):
        return frontier
    from econsec.query.results import Result

    if isinstance(frontier, Result):
        return frontier.to_polars()
    return pl.from_pandas(frontier)


def _top(df: pl.DataFrame) -> float:
    """Height of the row of "no feasible plan" crosses: above every feasible premium.

    Crosses at zero would read as "costs nothing"; above the curves they read as "beyond
    reach", and their hover says so.
    """
    ok = df.filter(pl.col("feasible"))["cost_premium_pct"].drop_nulls()
    high = float(ok.max()) if ok.len() else 0.0  # type: ignore[arg-type]
    return high * 1.1 if high > 0 else 1.0


def _traces(part: pl.DataFrame, name: str, top: float) -> list[go.Scatter]:
    """Return the feasible line of one product and grey crosses where no plan meets the cap."""
    import plotly.graph_objects as go

    ok = part.filter(pl.col("feasible")).sort("cap")
    out = [
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
    ]
    bad = part.filter(~pl.col("feasible"))
    if bad.height:
        out.append(
            go.Scatter(
                x=bad["cap"].to_list(),
                y=[top] * bad.height,
                mode="markers",
                marker={"symbol": "x", "color": "grey"},
                name=f"{name}: no plan meets the cap",
                hovertemplate="cap %{x:.0%}: no feasible plan<extra></extra>",
            )
        )
    return out
