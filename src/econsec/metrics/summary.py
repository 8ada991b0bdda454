r"""Flow summaries: the two aggregates the import- and export-side metrics start from.

For flows :math:`x_{emkt}` (exporter *e*, importer *m*, product *k*, year *t*):

* **markets** ``t, j, k, total, n, sum_sq, vmax, top``: per importer × product × year,
  :math:`M_{mkt} = \sum_e x_{emkt}`, the number of suppliers, :math:`\sum_e x_{emkt}^2`,
  the largest flow and its supplier (ties: the lower code);
* **sellers** ``t, i, k, S``: per exporter × product × year, :math:`S_{ekt} = \sum_m x_{emkt}`.

Autonomy is a function of the two; indispensability needs, besides them, only the flows of
the few markets where a supplier other than the largest can hold a share :math:`\theta` or
fall short of what others could redirect
(:func:`econsec.metrics.indispensability.indispensability`).
Both summaries are keyed by product, so the summary of a product subset is the subset of
the summary: :func:`restrict_summary`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import ibis.expr.types as ir

from econsec.metrics.shares import group_moments

#: Columns of the two tables.
MARKET_COLUMNS = ("t", "j", "k", "total", "n", "sum_sq", "vmax", "top")
SELLER_COLUMNS = ("t", "i", "k", "S")


@dataclass(frozen=True)
class FlowSummary:
    """The markets and sellers aggregates of one set of flows (see the module docstring)."""

    markets: ir.Table
    sellers: ir.Table


def markets(flows: ir.Table) -> ir.Table:
    """Per importer × product × year: :data:`MARKET_COLUMNS`."""
    return group_moments(flows, ["t", "j", "k"], "i")


def exporter_totals(flows: ir.Table) -> ir.Table:
    """Each exporter's sales per product and year: ``t, i, k, S`` (the sellers table)."""
    return flows.group_by(["t", "i", "k"]).aggregate(S=flows.v.sum())


def summarize(flows: ir.Table) -> FlowSummary:
    """Both aggregates of ``flows`` (lazy expressions; a caller may materialise them)."""
    return FlowSummary(markets(flows), exporter_totals(flows))


def restrict_summary(
    s: FlowSummary, products: Collection[str] | None = None, years: Collection[int] | None = None
) -> FlowSummary:
    """Return the summary of the flows of ``products`` and ``years`` only (``None``: all)."""
    m, x = s.markets, s.sellers
    if products is not None:
        ks = sorted(products)
        m, x = m.filter(m.k.isin(ks)), x.filter(x.k.isin(ks))
    if years is not None:
        ys = sorted(years)
        m, x = m.filter(m.t.isin(ys)), x.filter(x.t.isin(ys))
    return FlowSummary(m, x)
