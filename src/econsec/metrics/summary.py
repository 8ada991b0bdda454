r"""Flow summaries: the two aggregates the import- and export-side metrics start from.

For flows :math:`x_{emkt}` (exporter *e*, importer *m*, product *k*, year *t*):

* **markets** ``t, j, k, total, n, sum_sq, vmax, top, own_exports``: per importer ×
  product × year, :math:`M_{mkt} = \sum_e x_{emkt}`, the number of suppliers,
  :math:`\sum_e x_{emkt}^2`, the largest flow and its supplier (ties: the lower code), and
  the importer's own sales of the product :math:`S_{mkt}` (0 when none), which autonomy
  compares imports with;
* **sellers** ``t, i, k, S, world_rank``: per exporter × product × year,
  :math:`S_{ekt} = \sum_m x_{emkt}`, and the exporter's rank among the product's exporters
  (1 = largest; ties share a rank);
* **world** ``t, k, W, n_exporters, sum_sq, Smax``: per product × year, over its exporters,
  :math:`W_{kt} = \sum_e S_{ekt}`, their number, :math:`\sum_e S_{ekt}^2` and
  :math:`\max_e S_{ekt}`. Computed once with the summary, they are the same in every query
  that reads it (a parallel sum in each query could differ in the last bits from run to
  run).

Autonomy is a function of these; indispensability needs, besides them, only the flows of
the few markets where a supplier other than the largest can hold a share :math:`\theta` or
fall short of what others could redirect
(:func:`econsec.metrics.indispensability.indispensability`).
All three are keyed by product, so the summary of a product subset is the subset of the
summary: :func:`restrict_summary`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from econsec.metrics.shares import group_moments, lookup

#: Columns of the three tables.
MARKET_COLUMNS = ("t", "j", "k", "total", "n", "sum_sq", "vmax", "top", "own_exports")
SELLER_COLUMNS = ("t", "i", "k", "S", "world_rank")
TOTAL_COLUMNS = ("t", "k", "W", "n_exporters", "sum_sq", "Smax")


@dataclass(frozen=True)
class FlowSummary:
    """The markets, sellers and world aggregates of one set of flows (see the module docstring)."""

    markets: ir.Table
    sellers: ir.Table
    world: ir.Table


def markets(
    flows: ir.Table, *, pair_max: bool = False, sellers: ir.Table | None = None
) -> ir.Table:
    """Per importer × product × year: :data:`MARKET_COLUMNS`.

    ``pair_max``: take the largest flow and its supplier as the maximum of the pairs
    :math:`(x, -e)`, one aggregate with a fixed state per market; ties still go to the lower
    code, as pairs compare by value first. Faster on DuckDB; backends that cannot order
    structs (polars) use an ordered aggregate (the default). ``sellers``:
    :func:`exporter_totals` of the same flows, when already computed.
    """
    if not pair_max:
        g = group_moments(flows, ["t", "j", "k"], "i")
    else:
        v = flows.v
        a = flows.group_by(["t", "j", "k"]).aggregate(
            total=v.sum(),
            n=flows.count(),
            sum_sq=(v * v).sum(),
            m=ibis.struct({"v": v, "ni": -flows.i}).max(),
        )
        top = (-a.m["ni"]).cast(flows.i.type())
        g = a.select("t", "j", "k", "total", "n", "sum_sq", vmax=a.m["v"], top=top)
    e = exporter_totals(flows) if sellers is None else sellers
    own = e.select("t", j=e.i, k="k", own=e.S)
    out = lookup(g, own, ["t", "j", "k"])
    return out.select(*MARKET_COLUMNS[:-1], own_exports=out.own.fill_null(0.0))


def exporter_totals(flows: ir.Table) -> ir.Table:
    """Each exporter's sales per product and year: ``t, i, k, S`` (the sellers table)."""
    return flows.group_by(["t", "i", "k"]).aggregate(S=flows.v.sum())


def world_totals(sales: ir.Table) -> ir.Table:
    """Per product × year, over its exporters: :data:`TOTAL_COLUMNS`.

    ``sales``: :func:`exporter_totals` (or sellers).
    """
    s = sales.S
    return sales.group_by(["t", "k"]).aggregate(
        W=s.sum(), n_exporters=sales.count(), sum_sq=(s * s).sum(), Smax=s.max()
    )


def world_ranks(sales: ir.Table) -> ir.Table:
    """:func:`exporter_totals` with each exporter's ``world_rank`` in its product and year.

    1 is the largest; ties share the lower rank (SQL ``RANK``). A window function: backends
    without windows (polars) rank after collecting, as the store does.
    """
    w = ibis.window(group_by=[sales.t, sales.k], order_by=ibis.desc(sales.S))
    return sales.mutate(world_rank=(ibis.rank().over(w) + 1).cast("int32"))


def summarize(flows: ir.Table, *, pair_max: bool = False) -> FlowSummary:
    """Both aggregates of ``flows`` (lazy expressions; a caller may materialise them).

    ``pair_max``: see :func:`markets`.
    """
    sales = exporter_totals(flows)
    return FlowSummary(
        markets(flows, pair_max=pair_max, sellers=sales), world_ranks(sales), world_totals(sales)
    )


def restrict_summary(s: FlowSummary, products: Collection[str] | None = None) -> FlowSummary:
    """Return the summary of the flows of ``products`` only (``None``: all)."""
    if products is None:
        return s
    ks = sorted(products)
    return FlowSummary(*(t.filter(t.k.isin(ks)) for t in (s.markets, s.sellers, s.world)))
