r"""Strategic indispensability (export side): how much the world relies on each exporter.

For product *k* and year *t* (dropped below), flows :math:`x_{em}` from exporter *e* to
importer *m*, exporter sales :math:`S_e = \sum_m x_{em}`, importer purchases
:math:`M_m = \sum_e x_{em}` and world exports :math:`W = \sum_e S_e`:

* world share :math:`w_e = S_e / W`, world rank (1 = largest; ties share a rank),
  world export HHI :math:`H^W = \sum_e w_e^2`;
* dependents :math:`D_e(\theta) = \{m : x_{em} / M_m \ge \theta\}` (importers for which *e*
  supplies at least :math:`\theta`), their number and the value they buy from *e*,
  :math:`\sum_{m \in D_e} x_{em}`;
* replaceability :math:`\rho_e(r)`, the share of *e*'s sales the other exporters could
  cover if each redirected a fraction *r* of its exports to *e*'s customers. In market
  *m* the others can redirect only what they now sell elsewhere,

  .. math::

      C_{em} = r \sum_{e' \ne e} \sum_{m' \ne m} x_{e'm'} = r\,(W - S_e - M_m + x_{em}),

  and over all markets no more than :math:`r` of their total exports,
  :math:`P_e = r\,(W - S_e)`. Hence

  .. math::

      \rho_e = \frac{\min\left(\sum_m \min(x_{em}, C_{em}),\ P_e\right)}{S_e}
      \in [0, 1].

  :math:`\rho_e = 0` for a sole exporter; :math:`\rho_e \to 1` for an exporter that is
  small next to the others. It is an upper bound on short-run substitution: it ignores
  quality, contracts and the shortfall diverted supply causes where it came from.

Flows are an Ibis table ``t, i, j, k, v`` with one row per ``t, i, j, k``.
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir

from econsec.metrics.autonomy import restrict
from econsec.metrics.shares import concentration, hhi, lookup, safe_ratio
from econsec.metrics.summary import FlowSummary, exporter_totals, restrict_summary, summarize

INDISPENSABILITY_COLUMNS = (
    "year",
    "exporter",
    "product",
    "export_value",
    "world_share",
    "world_rank",
    "n_exporters",
    "world_hhi",
    "n_dependents",
    "dependent_value",
    "replaceability",
)
WORLD_COLUMNS = (
    "year",
    "product",
    "world_exports",
    "n_exporters",
    "world_hhi",
    "top_exporter",
    "top_share",
)


def check_fraction(name: str, x: float) -> float:
    """Validate a parameter in [0, 1]."""
    if not 0.0 <= float(x) <= 1.0:
        raise ValueError(f"{name} must be in [0, 1]; got {x!r}")
    return float(x)


def world_concentration(
    flows: ir.Table,
    *,
    products: Collection[str] | None = None,
    exports: ir.Table | None = None,
) -> ir.Table:
    """World export concentration per product × year.

    ``exports``: :func:`~econsec.metrics.summary.exporter_totals` of the same flows (and
    products), when the caller has them already.

    Returns
    -------
    ibis.Table
        :data:`WORLD_COLUMNS`: ``world_exports`` :math:`W`, ``n_exporters``, ``world_hhi``
        :math:`H^W`, ``top_exporter`` (ties: lower code) and its share.
    """
    e = exporter_totals(restrict(flows, products=products)) if exports is None else exports
    c = concentration(e, ["t", "k"], "i", value="S")
    return c.select(
        year=c.t,
        product=c.k,
        world_exports=c.total,
        n_exporters=c.n.cast("int64"),
        world_hhi=c.hhi,
        top_exporter=c.top,
        top_share=c.top_share,
    )


def indispensability(
    flows: ir.Table,
    *,
    exporters: Collection[int] | None = None,
    products: Collection[str] | None = None,
    threshold: float = 0.5,
    redirect: float = 0.2,
    summary: FlowSummary | None = None,
) -> ir.Table:
    r"""World reliance on each exporter per exporter × product × year.

    Parameters
    ----------
    flows
        Bilateral flows ``t, i, j, k, v``.
    exporters, products
        Report only these exporter codes and HS6 codes (world totals always use every
        exporter and importer of the product).
    threshold
        :math:`\theta`: an importer is a dependent when the exporter's share of its imports
        is at least this.
    redirect
        *r*: fraction of their exports the other exporters redirect (replaceability).
    summary
        :func:`~econsec.metrics.summary.summarize` of the same flows, when already computed.

    Returns
    -------
    ibis.Table
        :data:`INDISPENSABILITY_COLUMNS` (see the module docstring for the formulas).

    Notes
    -----
    Computed from the flow summary: sales and ranks from the sellers, world totals from the
    world table, and each market's largest flow from the markets. Flows are read again only
    in the markets where the largest flow does not settle the answer (:func:`_open_markets`).
    """
    theta = check_fraction("threshold", threshold)
    r = check_fraction("redirect", redirect)
    f = restrict(flows, products=products)
    s = summarize(f) if summary is None else restrict_summary(summary, products)
    per, world = s.sellers, s.world
    mk = _open_markets(s.markets, world, theta, r)
    mk = mk.filter(mk.open_dep | mk.open_short)
    # Only the columns used below: the rows are read twice, and the engine may hold them.
    rows = f.select("t", "i", "j", "k", "v").join(
        mk.select("t", "j", "k", "total", "W", "Smax", "open_dep", "open_short"), ["t", "j", "k"]
    )
    # Dependents and shortfall, one row per exporter × product that has either: one
    # aggregate and one join back to the sellers.
    both = ibis.union(
        _dependents(s.markets, rows, theta),
        _shortfall(rows.filter(rows.open_short), per, r),
    )
    parts = both.group_by(["t", "i", "k"]).aggregate(
        n_dependents=both.dep.count(),
        dependent_value=both.dep.sum(),
        shortfall=both.short.sum(),
    )
    # The sellers carry their ranks among all exporters of the product (any exporter filter
    # comes after).
    out = lookup(lookup(per, world, ["t", "k"]), parts, ["t", "i", "k"])
    if exporters is not None:
        out = out.filter(out.i.isin(sorted(exporters)))
    covered = out.S - out.shortfall.fill_null(0.0)
    pool = r * (out.W - out.S)
    return out.select(
        year=out.t,
        exporter=out.i,
        product=out.k,
        export_value=out.S,
        world_share=safe_ratio(out.S, out.W),
        world_rank=out.world_rank,
        n_exporters=out.n_exporters.cast("int64"),
        world_hhi=hhi(out.sum_sq, out.W),
        n_dependents=out.n_dependents.fill_null(0).cast("int64"),
        dependent_value=out.dependent_value.fill_null(0.0),
        replaceability=ibis.greatest(safe_ratio(ibis.least(covered, pool), out.S), 0.0),
    )


#: Relative margin on :math:`\min(x_{\max}, M - x_{\max}) \ge \theta M`: floating-point
#: sums must never make a market look settled by its largest flow when a second supplier
#: could reach :math:`\theta`; a market kept open by the margin is merely checked flow by
#: flow.
_OPEN_MARGIN = 1e-9


def _open_markets(markets: ir.Table, world: ir.Table, theta: float, r: float) -> ir.Table:
    r"""Each market with two flags: where its largest flow does not settle the answer.

    ``open_dep``: a supplier other than the largest could hold :math:`\theta` of the market,
    as its flow is at most :math:`\min(x_{\max}, M - x_{\max})`; elsewhere only the
    largest supplier can (for :math:`\theta \ge 1/2`, only on an exact tie).
    ``open_short``: some flow can exceed what the others could redirect, :math:`x - C > 0`
    (:func:`_shortfall`); as :math:`x - C` grows with :math:`x` and
    :math:`S_e \le \max_e S_e`, no flow can where the largest cannot with
    :math:`\max_e S_e`.
    """
    m = lookup(markets, world.select("t", "k", "W", "Smax"), ["t", "k"])
    return m.mutate(
        open_dep=_open_dep(m, theta),
        open_short=(1 - r) * m.vmax - r * (m.W - m.total) + r * m.Smax > 0,
    )


def _open_dep(m: ir.Table, theta: float) -> ir.BooleanValue:
    # The flow of a supplier other than the largest is at most min(vmax, M - vmax).
    return ibis.least(m.vmax, m.total - m.vmax) >= theta * m.total * (1 - _OPEN_MARGIN)


def _dependents(markets: ir.Table, rows: ir.Table, theta: float) -> ir.Table:
    """Each dependent's flow, ``t, i, k, dep`` (and a null ``short``), one row per dependent.

    In a settled market the largest supplier is the only candidate (its flow ``vmax``); in
    an open one every flow is checked.
    """
    top = markets.filter(~_open_dep(markets, theta) & (markets.vmax >= theta * markets.total))
    top = top.select("t", i=top.top, k="k", dep=top.vmax)
    op = rows.filter(rows.open_dep & (rows.v >= theta * rows.total))
    op = op.select("t", "i", "k", dep=op.v)
    return ibis.union(top, op).mutate(short=ibis.null("float64"))


def _shortfall(rows: ir.Table, per: ir.Table, r: float) -> ir.Table:
    r"""Each flow's uncovered part :math:`\max(0, x_{em} - C_{em})`, ``t, i, k, short``.

    :math:`x - C = (1 - r)x - r(W - M_m) + rS_e`; it can be positive only where
    :math:`(1 - r)x - r(W - M_m) + r \max_e S_e > 0`, so only those rows (few: large flows
    into large shares of small markets) are joined to :math:`S_e`. ``rows`` are flows with
    their market's ``total`` :math:`M_m`, ``W`` and ``Smax``. Rows come with a null ``dep``
    (see :func:`_dependents`); summed per exporter × product they give its shortfall.
    """
    c = rows.mutate(b=(1 - r) * rows.v - r * (rows.W - rows.total))
    c = c.filter(c.b + r * c.Smax > 0)
    # Every flow's exporter is a seller: an inner join lets the engine hash these few rows.
    c = c.select("t", "i", "k", "b").join(per.select("t", "i", "k", "S"), ["t", "i", "k"])
    return c.select(
        "t", "i", "k", dep=ibis.null("float64"), short=ibis.greatest(c.b + r * c.S, 0.0)
    )
