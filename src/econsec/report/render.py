"""Render a :class:`~econsec.report.review.Review` to one offline HTML page (jinja2 + plotly)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

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
    # A missing name or attribute is a bug in the template or its context: fail loudly in
    # tests rather than print an empty cell; render_review always passes a complete context.
    undefined=jinja2.StrictUndefined,
)

if TYPE_CHECKING:
    from econsec.report.review import Review


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


def _top(df: pl.DataFrame, by: list[str], n: int | None = None) -> pl.DataFrame:
    """Rows sorted by ``by`` descending (an empty frame, even one without columns, as is)."""
    if df.height == 0 or not set(by) <= set(df.columns):
        return df.clear() if df.width else df
    out = df.sort(by, descending=True, nulls_last=True)
    return out.head(n) if n is not None else out


def _rows_of(df: pl.DataFrame, col: str, value: object, n: int) -> pl.DataFrame:
    if df.height == 0 or col not in df.columns:
        return df.clear() if df.width else df
    return df.filter(pl.col(col) == value).head(n)


def _rival_never_supplied(r: Review) -> bool:
    """Whether the rival supplied none of the reviewed imports in any year held."""
    t = r.trend
    if t.height == 0 or "rival_value" not in t.columns:
        return "rival_value" not in r.autonomy.columns or not r.autonomy["rival_value"].sum()
    return not t["rival_value"].sum()


def _frontier_eligible(r: Review) -> int:
    """Products where the rival supplies at least half of the imports (the frontier's pool)."""
    a = r.autonomy
    if not r.rival or "rival_share" not in a.columns:
        return 0
    return a.filter(pl.col("rival_share") >= 0.5).height


def render_review(review: Review, *, generated: str, version: str) -> str:
    """Return the review as a self-contained HTML document (plotly.js inlined once).

    Every name the template uses is passed here (the environment is strict); sections with
    nothing to show say so in words.
    """
    r = review
    conc = _top(r.autonomy, ["hhi", "import_value"], 20)
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
    a_dep = _rows_of(lev, "importer", r.country, 15)
    b_dep = _rows_of(lev, "importer", r.rival, 15)
    geo = r.geodep
    geo = (
        _top(geo.filter(pl.col("flagged")), ["import_value"])
        if geo.height and "flagged" in geo.columns
        else geo.clear()
    )
    params = r.leverage_summary.get("params", {}) if r.leverage_summary else {}
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
        world=_rows(_top(r.world, ["world_share"]), r.describe),
        minerals=_rows(r.minerals, r.describe),
        summary=r.summary(),
        lev_tau=params.get("tau"),
        lev_sigma=params.get("sigma"),
        rival_never=bool(r.rival) and _rival_never_supplied(r),
        products_charted=r.shares["product"].n_unique() if r.shares.height else 0,
        frontier_shown=r.frontier["product"].n_unique() if r.frontier.height else 0,
        frontier_eligible=_frontier_eligible(r),
        plural=charts.plural,
        money=money,
        pct=pct,
        num=_num,
    )
