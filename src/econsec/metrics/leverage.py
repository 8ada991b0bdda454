r"""Leverage between two countries or blocs *A* and *B*: who depends on whom, for how much.

*A* depends on *B* for product *k* in year *t* when both

* *A*'s import share from *B* is at least :math:`\tau`:
  :math:`x_{BAk} / M_{Ak} \ge \tau`, and
* *B*'s world export share is at least :math:`\sigma`: :math:`S_{Bk} / W_k \ge \sigma`,

so that *B* supplies most of what *A* buys and *A* could not easily buy it elsewhere. The
value at stake is :math:`x_{BAk}`, what *A* would lose if *B* withheld it. The reverse
direction swaps *A* and *B*. Export-market exposure is the share of a side's exports (all
products in the flows) sold to the other: :math:`\sum_k x_{ABk} / \sum_k S_{Ak}`, what a
tariff or boycott by the other would hit.

Groups are merged into one node first (:func:`econsec.metrics.autonomy.collapse_bloc`), so
intra-group flows are excluded, also from world totals.
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir

from econsec.metrics.autonomy import restrict
from econsec.metrics.indispensability import check_fraction
from econsec.metrics.shares import lookup, safe_ratio

DEPENDENCY_COLUMNS = (
    "year",
    "importer",
    "supplier",
    "product",
    "import_value",
    "value_at_stake",
    "import_share",
    "supplier_world_share",
)
EXPOSURE_COLUMNS = ("year", "exporter", "partner", "exports_to_partner", "total_exports", "share")


def dependencies(
    flows: ir.Table,
    importer: int,
    supplier: int,
    *,
    tau: float = 0.5,
    sigma: float = 0.3,
    products: Collection[str] | None = None,
) -> ir.Table:
    """Products for which ``importer`` depends on ``supplier`` (thresholds ``tau``, ``sigma``).

    Returns
    -------
    ibis.Table
        :data:`DEPENDENCY_COLUMNS`: the importer's imports of the product, the value
        bought from the supplier (``value_at_stake``), its share, and the supplier's world
        export share.
    """
    tau = check_fraction("tau", tau)
    sigma = check_fraction("sigma", sigma)
    f = restrict(flows, products=products)
    imp = f.filter(f.j == importer)
    a = imp.group_by(["t", "k"]).aggregate(M=imp.v.sum(), xb=imp.v.sum(where=imp.i == supplier))
    world = f.group_by(["t", "k"]).aggregate(W=f.v.sum(), Sb=f.v.sum(where=f.i == supplier))
    d = lookup(a, world, ["t", "k"])
    d = d.mutate(share=safe_ratio(d.xb, d.M), wshare=safe_ratio(d.Sb, d.W))
    d = d.filter((d.share >= tau) & (d.wshare >= sigma))
    return d.select(
        year=d.t,
        importer=ibis.literal(importer, "int16"),
        supplier=ibis.literal(supplier, "int16"),
        product=d.k,
        import_value=d.M,
        value_at_stake=d.xb,
        import_share=d.share,
        supplier_world_share=d.wshare,
    )


def mutual_dependencies(
    flows: ir.Table,
    a: int,
    b: int,
    *,
    tau: float = 0.5,
    sigma: float = 0.3,
    products: Collection[str] | None = None,
) -> ir.Table:
    """Both directions of :func:`dependencies`: *A* on *B*, then *B* on *A*."""
    ab = dependencies(flows, a, b, tau=tau, sigma=sigma, products=products)
    ba = dependencies(flows, b, a, tau=tau, sigma=sigma, products=products)
    return ibis.union(ab, ba)


def export_exposure(
    flows: ir.Table, a: int, b: int, *, products: Collection[str] | None = None
) -> ir.Table:
    """Share of each side's exports sold to the other, per year.

    Returns
    -------
    ibis.Table
        :data:`EXPOSURE_COLUMNS`, one row per year and side (exporter *A*, partner *B*
        and the reverse).
    """
    f = restrict(flows, products=products, exporters=[a, b])
    partner = ibis.ifelse(f.i == a, ibis.literal(b, "int16"), ibis.literal(a, "int16"))
    g = f.group_by(year=f.t, exporter=f.i).aggregate(
        exports_to_partner=f.v.sum(where=f.j == partner),
        total_exports=f.v.sum(),
    )
    g = g.mutate(
        partner=ibis.ifelse(g.exporter == a, ibis.literal(b, "int16"), ibis.literal(a, "int16")),
        exports_to_partner=g.exports_to_partner.fill_null(0.0),
    )
    return g.select(*EXPOSURE_COLUMNS[:-1], share=safe_ratio(g.exports_to_partner, g.total_exports))
