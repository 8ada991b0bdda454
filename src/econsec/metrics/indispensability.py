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

from econsec.metrics.autonomy import exporter_totals, restrict
from econsec.metrics.shares import concentration, hhi, lookup, safe_ratio

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

    ``exports``: :func:`~econsec.metrics.autonomy.exporter_totals` of the same flows (and
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

    Returns
    -------
    ibis.Table
        :data:`INDISPENSABILITY_COLUMNS` (see the module docstring for the formulas).
    """
    theta = check_fraction("threshold", threshold)
    r = check_fraction("redirect", redirect)
    f = restrict(flows, products=products)
    imp = f.group_by(["t", "j", "k"]).aggregate(M=f.v.sum())
    # Only the columns used after the join: DuckDB holds these rows in memory (read twice).
    rows = lookup(f, imp, ["t", "j", "k"]).select("t", "i", "k", "v", "M")
    dep = rows.v >= theta * rows.M
    per = rows.group_by(["t", "i", "k"]).aggregate(
        S=rows.v.sum(),
        n_dependents=rows.count(where=dep),
        dependent_value=rows.v.sum(where=dep),
    )
    world = per.group_by(["t", "k"]).aggregate(
        W=per.S.sum(), n_exporters=per.count(), sum_sq=(per.S * per.S).sum(), Smax=per.S.max()
    )
    short = _shortfall(rows, per, world, r)
    out = lookup(lookup(per, world, ["t", "k"]), short, ["t", "i", "k"])
    # Ranks among all exporters of the product, before any exporter filter.
    w = ibis.window(group_by=[per.t, per.k], order_by=ibis.desc(per.S))
    ranks = per.select("t", "i", "k", world_rank=(ibis.rank().over(w) + 1).cast("int32"))
    out = lookup(out, ranks, ["t", "i", "k"])
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
        n_dependents=out.n_dependents.cast("int64"),
        dependent_value=out.dependent_value.fill_null(0.0),
        replaceability=ibis.greatest(safe_ratio(ibis.least(covered, pool), out.S), 0.0),
    )


def _shortfall(rows: ir.Table, per: ir.Table, world: ir.Table, r: float) -> ir.Table:
    r"""Uncovered sales :math:`\sum_m \max(0, x_{em} - C_{em})` per exporter × product × year.

    :math:`x - C = (1 - r)x - r(W - M_m) + rS_e`; it can be positive only where
    :math:`(1 - r)x - r(W - M_m) + r \max_e S_e > 0`, so only those rows (few: large flows
    into large shares of small markets) are joined to :math:`S_e`.
    """
    c = lookup(rows, world.select("t", "k", "W", "Smax"), ["t", "k"])
    c = c.mutate(b=(1 - r) * c.v - r * (c.W - c.M))
    c = c.filter(c.b + r * c.Smax > 0)
    c = lookup(c, per.select("t", "i", "k", "S"), ["t", "i", "k"])
    return c.group_by(["t", "i", "k"]).aggregate(shortfall=ibis.greatest(c.b + r * c.S, 0.0).sum())
