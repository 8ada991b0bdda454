"""Plotly figures of the review (pure: frames in, figures out)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
    "font": {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
}
RIVAL_COLOUR, OTHER_COLOUR = "#c0392b", "#95a5a6"


def supplier_breakdown(
    shares: pl.DataFrame, describe: dict[str, str], rival: str | None, top_suppliers: int = 5
) -> go.Figure:
    """Stacked bars of supplier shares per product (top suppliers, the rest as 'others')."""
    fig = go.Figure()
    if shares.height == 0:
        return fig
    s = (
        shares.with_columns(
            pl.when(pl.col("rank") <= top_suppliers)
            .then(pl.col("supplier"))
            .otherwise(pl.lit("others"))
            .alias("who")
        )
        .group_by(["product", "who"])
        .agg(pl.col("share").sum())
    )
    order = shares.group_by("product").agg(pl.col("value").sum()).sort("value")["product"].to_list()
    labels = {p: f"{describe.get(p, '')[:38]} ({p})" for p in order}
    whos = (
        s.group_by("who").agg(pl.col("share").sum()).sort("share", descending=True)["who"].to_list()
    )
    for w in whos:
        d = s.filter(pl.col("who") == w)
        m = dict(zip(d["product"].to_list(), d["share"].to_list(), strict=True))
        colour = RIVAL_COLOUR if w == rival else OTHER_COLOUR if w == "others" else None
        fig.add_bar(
            y=[labels[p] for p in order],
            x=[m.get(p, 0.0) for p in order],
            name=w,
            orientation="h",
            marker_color=colour,
            hovertemplate="%{y}<br>" + w + ": %{x:.1%}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        title="Who supplies each product (share of import value)",
        xaxis={"tickformat": ".0%", "range": [0, 1]},
        height=max(320, 28 * len(order) + 120),
        **_LAYOUT,
    )
    return fig


def dependence_trend(
    trend: pl.DataFrame,
    by_product: pl.DataFrame,
    describe: dict[str, str],
    rival: str,
    top: int = 6,
) -> go.Figure:
    """Plot the rival's share of imports over the years: all products, and the largest ones."""
    fig = go.Figure()
    if trend.height:
        t = trend.sort("year")
        fig.add_scatter(
            x=t["year"].to_list(),
            y=t["rival_share"].to_list(),
            mode="lines+markers",
            name="all reviewed products (value-weighted)",
            line={"width": 4, "color": RIVAL_COLOUR},
        )
    if by_product.height:
        # The products the rival matters most for: its largest supplies in the latest year.
        last = by_product.filter(pl.col("year") == by_product["year"].max())
        big = last.sort("rival_value", descending=True)["product"].head(top).to_list()
        for p in big:
            d = by_product.filter(pl.col("product") == p).sort("year")
            fig.add_scatter(
                x=d["year"].to_list(),
                y=d["rival_share"].to_list(),
                mode="lines",
                name=f"{describe.get(p, p)[:30]} ({p})",
                line={"width": 1.5},
            )
    fig.update_layout(
        title=f"Share of imports from {rival}",
        yaxis={"tickformat": ".0%", "range": [0, 1.02]},
        xaxis={"dtick": 2},
        height=420,
        **_LAYOUT,
    )
    return fig


def world_concentration(
    world: pl.DataFrame, describe: dict[str, str], rival: str | None
) -> go.Figure:
    """Top exporter's world share per product, the rival highlighted; HHI in the hover."""
    fig = go.Figure()
    if world.height == 0:
        return fig
    w = world.sort("world_share")
    fig.add_bar(
        y=[f"{describe.get(p, '')[:38]} ({p})" for p in w["product"].to_list()],
        x=w["world_share"].to_list(),
        orientation="h",
        marker_color=[RIVAL_COLOUR if e == rival else "#2c3e50" for e in w["exporter"].to_list()],
        text=w["exporter"].to_list(),
        textposition="auto",
        customdata=w["world_hhi"].to_list(),
        hovertemplate="%{y}<br>top exporter %{text}: %{x:.1%}<br>world HHI %{customdata:.2f}"
        "<extra></extra>",
    )
    fig.update_layout(
        title="World supply: the leading exporter's share of world exports",
        xaxis={"tickformat": ".0%", "range": [0, 1]},
        height=max(320, 26 * w.height + 120),
        showlegend=False,
        **_LAYOUT,
    )
    return fig


def leverage_balance(summary: dict, country: str, rival: str) -> go.Figure:
    """Values at stake each way (thousand USD → million USD on the axis)."""
    fig = go.Figure()
    if not summary:
        return fig
    a, b = summary["a_depends_on_b"], summary["b_depends_on_a"]
    fig.add_bar(
        x=[f"{country} depends on {rival}", f"{rival} depends on {country}"],
        y=[a["value_at_stake"] / 1e3, b["value_at_stake"] / 1e3],
        text=[f"{a['products']} products", f"{b['products']} products"],
        marker_color=[RIVAL_COLOUR, "#2c3e50"],
        textposition="auto",
    )
    fig.update_layout(
        title="Leverage: import value at stake in each direction (million USD)",
        height=360,
        showlegend=False,
        **_LAYOUT,
    )
    return fig
