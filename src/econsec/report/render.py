"""Render a :class:`~econsec.report.review.Review` to one offline HTML page (jinja2 + plotly)."""

from __future__ import annotations

import math
from typing import Any

import jinja2
import plotly.offline
import polars as pl

from econsec.report import charts
from econsec.report.findings import money, pct
from econsec.report.frontier import frontier_figure

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("econsec.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _fig_html(fig: Any) -> str:
    if not fig.data:
        return ""
    return str(
        fig.to_html(
            full_html=False,
            include_plotlyjs=False,
            config={"displaylogo": False, "responsive": True},
        )
    )


def _num(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "∞"
    return f"{x:.{digits}f}"


def _rows(df: pl.DataFrame, describe: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    for r in df.iter_rows(named=True):
        r = dict(r)
        if "product" in r:
            r["description"] = describe.get(r["product"], "")
        out.append(r)
    return out


def render_review(review: Any, *, generated: str, version: str) -> str:
    """Return the review as a self-contained HTML document (plotly.js inlined once)."""
    r = review
    conc = r.autonomy.sort(["hhi", "import_value"], descending=True).head(20)
    figs = {
        "suppliers": _fig_html(charts.supplier_breakdown(r.shares, r.describe, r.rival)),
        "trend": _fig_html(
            charts.dependence_trend(r.trend, r.trend_by_product, r.describe, r.rival)
        )
        if r.rival
        else "",
        "world": _fig_html(charts.world_concentration(r.world, r.describe, r.rival)),
        "leverage": _fig_html(charts.leverage_balance(r.leverage_summary, r.country, r.rival))
        if r.rival
        else "",
        "frontier": _fig_html(frontier_figure(r.frontier)) if r.frontier.height else "",
    }
    lev = r.leverage
    a_dep = lev.filter(pl.col("importer") == r.country).head(15) if lev.height else lev
    b_dep = lev.filter(pl.col("importer") == r.rival).head(15) if lev.height else lev
    geo = (
        r.geodep.filter(pl.col("flagged")).sort("import_value", descending=True)
        if r.geodep.height
        else r.geodep
    )
    tpl = _ENV.get_template("review.html.j2")
    return tpl.render(
        r=r,
        generated=generated,
        version=version,
        figs=figs,
        plotly_js=plotly.offline.get_plotlyjs(),
        concentrated=_rows(conc, r.describe),
        a_dep=_rows(a_dep, r.describe),
        b_dep=_rows(b_dep, r.describe),
        geodep=_rows(geo, r.describe),
        world=_rows(r.world.sort("world_share", descending=True), r.describe),
        summary=r.summary(),
        money=money,
        pct=pct,
        num=_num,
    )
