"""Plotly figures of the review and the dashboard (pure: frames in, figures out).

One presentation layer for both: the dashboard asks the API for these figures
(``/api/v1/figures/...``) and the review embeds them, so a chart reads the same in both.
Labels are product names cut at a word (never mid-word), suppliers beyond the largest few
are grouped as "others", and every axis says its unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import plotly.graph_objects as go
import polars as pl

from econsec.formatting import plural

_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
    "font": {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
}
RIVAL_COLOUR, OTHER_COLOUR = "#c0392b", "#95a5a6"
#: Distinct colours for the largest suppliers (no red: the rival's; no grey: "others").
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#637939",
)
#: Suppliers with a colour of their own in a breakdown; the rest are "others".
TOP_SUPPLIERS = 8


def short(text: str, width: int = 38) -> str:
    """``text`` cut at the last whole word within ``width`` characters, with an ellipsis."""
    t = " ".join(text.split())
    if len(t) <= width:
        return t
    cut = t[: width - 1].rsplit(" ", 1)[0].rstrip(" ,;:(-")
    return (cut or t[: width - 1]) + "…"


def product_label(code: str, describe: Mapping[str, str], width: int = 38) -> str:
    """``Name (code)``: the product's name cut at a word, then its HS code."""
    name = describe.get(code, "")
    return f"{short(name, width)} ({code})" if name else code


def supplier_colours(suppliers: Iterable[str], rival: str | None) -> dict[str, str]:
    """Give a distinct colour to each supplier (in the order given), the rival red, others grey."""
    out: dict[str, str] = {"others": OTHER_COLOUR}
    free = iter(PALETTE)
    for s in suppliers:
        if s == rival:
            out[s] = RIVAL_COLOUR
        elif s not in out:
            out[s] = next(free, OTHER_COLOUR)
    return out


def supplier_breakdown(
    shares: pl.DataFrame,
    describe: Mapping[str, str],
    rival: str | None,
    top_suppliers: int = TOP_SUPPLIERS,
    names: Mapping[str, str] | None = None,
) -> go.Figure:
    """Stacked bars of supplier shares per product.

    The ``top_suppliers`` largest suppliers over the products shown (and the rival) each get
    a colour of their own; every other supplier is in "others", so colours never repeat.
    """
    fig = go.Figure()
    if shares.height == 0:
        return fig
    names = names or {}
    big = (
        shares.group_by("supplier")
        .agg(pl.col("value").sum())
        .sort(["value", "supplier"], descending=[True, False])["supplier"]
        .head(top_suppliers)
        .to_list()
    )
    keep = [*big, *([rival] if rival and rival not in big else [])]
    s = (
        shares.with_columns(
            pl.when(pl.col("supplier").is_in(keep))
            .then(pl.col("supplier"))
            .otherwise(pl.lit("others"))
            .alias("who")
        )
        .group_by(["product", "who"])
        .agg(pl.col("share").sum())
    )
    order = shares.group_by("product").agg(pl.col("value").sum()).sort("value")["product"].to_list()
    labels = {p: product_label(p, describe) for p in order}
    colours = supplier_colours(keep, rival)
    present = set(s["who"].to_list())
    for w in [*keep, "others"]:
        if w not in present:
            continue
        d = s.filter(pl.col("who") == w)
        m = dict(zip(d["product"].to_list(), d["share"].to_list(), strict=True))
        label = w if w == "others" else f"{names.get(w, w)} ({w})" if names.get(w) else w
        fig.add_bar(
            y=[labels[p] for p in order],
            x=[m.get(p, 0.0) for p in order],
            name=label,
            orientation="h",
            marker_color=colours[w],
            hovertemplate="%{y}<br>" + label + ": %{x:.1%}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        title="Who supplies each product (share of import value)",
        xaxis={"tickformat": ".0%", "range": [0, 1], "title": "share of import value"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.22, "x": 0, "traceorder": "normal"},
        height=max(360, 28 * len(order) + 170),
        **_LAYOUT,
    )
    return fig


def supplier_map(
    shares: pl.DataFrame, title: str, names: Mapping[str, str] | None = None
) -> go.Figure:
    """World map of each supplier's share of the imports (``supplier, value, share``).

    Shapes are plotly.js's world topojson; the dashboard serves it itself (``topojsonURL``).
    """
    fig = go.Figure()
    names = names or {}
    if shares.height:
        d = shares.group_by("supplier").agg(pl.col("value").sum())
        total = float(d["value"].sum()) or 1.0
        d = d.with_columns((pl.col("value") / total).alias("share")).sort("share")
        who = d["supplier"].to_list()
        fig.add_choropleth(
            locations=who,
            locationmode="ISO-3",
            z=d["share"].to_list(),
            text=[names.get(w, w) for w in who],
            customdata=d["value"].to_list(),
            colorscale="Reds",
            zmin=0,
            colorbar={"title": "share", "tickformat": ".0%"},
            hovertemplate="%{text}: %{z:.1%} (%{customdata:,.0f} thousand USD)<extra></extra>",
        )
    fig.update_layout(
        title=title,
        geo={
            "showframe": False,
            "showcoastlines": False,
            "showcountries": True,
            "countrycolor": "#d0d4d8",
            "projection": {"type": "natural earth", "rotation": {"lon": 0}},
            "center": {"lon": 0, "lat": 10},
            "lonaxis": {"range": [-180, 180]},
        },
        height=420,
        **_LAYOUT,
    )
    return fig


def dependence_trend(
    trend: pl.DataFrame,
    by_product: pl.DataFrame,
    describe: Mapping[str, str],
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
                name=product_label(p, describe, 30),
                line={"width": 1.5},
            )
    fig.update_layout(
        title=f"Share of imports from {rival}",
        yaxis={"tickformat": ".0%", "range": [0, 1.02], "title": "share of import value"},
        xaxis={"dtick": 2, "title": "year"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        height=420,
        **_LAYOUT,
    )
    return fig


def world_concentration(
    world: pl.DataFrame, describe: Mapping[str, str], rival: str | None
) -> go.Figure:
    """Top exporter's world share per product, the rival highlighted; HHI in the hover."""
    fig = go.Figure()
    if world.height == 0:
        return fig
    w = world.sort("world_share")
    fig.add_bar(
        y=[product_label(p, describe) for p in w["product"].to_list()],
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
        xaxis={"tickformat": ".0%", "range": [0, 1], "title": "share of world exports"},
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
        text=[plural(a["products"], "product"), plural(b["products"], "product")],
        marker_color=[RIVAL_COLOUR, "#2c3e50"],
        textposition="auto",
    )
    fig.update_layout(
        title="Leverage: import value at stake in each direction (million USD)",
        yaxis={"title": "million USD"},
        height=360,
        showlegend=False,
        **_LAYOUT,
    )
    return fig


def yard_coverage(yard: pl.DataFrame, describe: Mapping[str, str], target: float) -> go.Figure:
    """Plot the yard's products by vulnerability score, with the cumulative coverage reached."""
    fig = go.Figure()
    if yard.height:
        y = yard.sort("rank")
        labels = [product_label(p, describe, 30) for p in y["product"].to_list()]
        fig.add_bar(
            x=labels,
            y=y["score"].to_list(),
            name="vulnerability score",
            marker_color="#2c3e50",
            hovertemplate="%{x}<br>score %{y:.3g}<extra></extra>",
        )
        fig.add_scatter(
            x=labels,
            y=y["cum_coverage"].to_list(),
            name="cumulative coverage",
            mode="lines+markers",
            yaxis="y2",
            line={"color": RIVAL_COLOUR},
            hovertemplate="%{x}<br>coverage %{y:.1%}<extra></extra>",
        )
    fig.update_layout(
        title=f"The small yard: {plural(yard.height, 'product')} covering "
        f"{target:.0%} of total vulnerability",
        yaxis={"title": "vulnerability score (unitless)"},
        yaxis2={
            "title": "cumulative coverage",
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, 1.02],
        },
        legend={"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0},
        height=440,
        **_LAYOUT,
    )
    return fig


def scenario_outcome(products: pl.DataFrame, describe: Mapping[str, str]) -> go.Figure:
    """Per target × product: imports lost, split into replaced and shortfall (thousand USD)."""
    fig = go.Figure()
    if products.height:
        d = (
            products.group_by("product")
            .agg(pl.col("replaced").sum(), pl.col("shortfall").sum())
            .with_columns((pl.col("replaced") + pl.col("shortfall")).alias("lost"))
            .sort("lost")
            .tail(25)
        )
        labels = [product_label(p, describe) for p in d["product"].to_list()]
        for col, name, colour in (
            ("replaced", "replaced by other suppliers", "#2c3e50"),
            ("shortfall", "shortfall (not replaced)", RIVAL_COLOUR),
        ):
            fig.add_bar(
                y=labels,
                x=d[col].to_list(),
                name=name,
                orientation="h",
                marker_color=colour,
                hovertemplate="%{y}<br>" + name + ": %{x:,.0f} thousand USD<extra></extra>",
            )
    fig.update_layout(
        barmode="stack",
        title="Imports lost: replaced and shortfall",
        xaxis={"title": "thousand USD", "tickformat": ",.0f"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0},
        height=max(340, 28 * min(products["product"].n_unique(), 25) + 170)
        if products.height
        else 340,
        **_LAYOUT,
    )
    return fig


def plan_mix(mix: pl.DataFrame, names: Mapping[str, str] | None = None) -> go.Figure:
    """Baseline and planned share of each supplier (one product's plan)."""
    fig = go.Figure()
    names = names or {}
    if mix.height:
        d = mix.sort("baseline_share", descending=True).head(15)
        who = [names.get(s, s) for s in d["supplier"].to_list()]
        fig.add_bar(x=who, y=d["baseline_share"].to_list(), name="today", marker_color="#95a5a6")
        fig.add_bar(x=who, y=d["planned_share"].to_list(), name="plan", marker_color="#2c3e50")
    fig.update_layout(
        barmode="group",
        title="Supplier shares today and in the plan",
        yaxis={"tickformat": ".0%", "title": "share of import value"},
        height=380,
        **_LAYOUT,
    )
    return fig
