r"""Strategic autonomy (import side): how concentrated is each importer's supply of a product.

For importer *m*, product *k*, year *t* with imports :math:`x_{emkt}` from supplier *e*:

.. math::

    M_{mkt} = \sum_e x_{emkt}, \quad s_e = x_{emkt} / M_{mkt}, \quad
    H_{mkt} = \sum_e s_e^2, \quad
    \text{ratio}_{mkt} = M_{mkt} / X_{mkt},

where :math:`X_{mkt} = \sum_{m'} x_{mm'kt}` is *m*'s own exports of *k* (can domestic
exports substitute?); the ratio is :math:`+\infty` when *m* exports none.

A bloc is treated as one importer by :func:`collapse_bloc`: its members become one node,
intra-bloc flows are dropped, so its imports are extra-bloc imports and its exports are
extra-bloc exports.

Flows are an Ibis table ``t, i, j, k, v`` (CEPII codes, HS6 string, thousand USD) with one row
per ``t, i, j, k``.
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir

from econsec.metrics.shares import concentration, from_moments, lookup, safe_ratio, unit_shares
from econsec.metrics.summary import FlowSummary, exporter_totals, restrict_summary

#: Column order of :func:`autonomy` (``rival_value, rival_share`` follow when asked).
AUTONOMY_COLUMNS = (
    "year",
    "importer",
    "product",
    "import_value",
    "n_suppliers",
    "top_supplier",
    "top_share",
    "hhi",
    "export_value",
    "import_export_ratio",
)
SUPPLIER_COLUMNS = ("year", "importer", "product", "supplier", "value", "share", "rank")

INF = ibis.literal(float("inf"))


def restrict(
    flows: ir.Table,
    *,
    products: Collection[str] | None = None,
    exporters: Collection[int] | None = None,
    importers: Collection[int] | None = None,
) -> ir.Table:
    """Keep the flows of the given products, exporters and importers (``None``: all)."""
    f = flows
    if products is not None:
        f = f.filter(f.k.isin(sorted(products)))
    if exporters is not None:
        f = f.filter(f.i.isin(sorted(exporters)))
    if importers is not None:
        f = f.filter(f.j.isin(sorted(importers)))
    return f


def collapse_bloc(flows: ir.Table, members: Collection[int], code: int) -> ir.Table:
    """Merge the ``members`` into one country ``code`` and drop intra-bloc flows.

    The result holds, for the bloc, its extra-bloc imports (``j == code``) and extra-bloc
    exports (``i == code``), summed over members; flows between non-members are unchanged.
    """
    m = sorted(members)
    if not m:
        raise ValueError("a bloc needs at least one member")
    c = ibis.literal(code, "int16")
    f = flows.mutate(
        i=ibis.ifelse(flows.i.isin(m), c, flows.i),
        j=ibis.ifelse(flows.j.isin(m), c, flows.j),
    )
    f = f.filter(f.i != f.j)
    return f.group_by(["t", "i", "j", "k"]).aggregate(v=f.v.sum())


def intra_bloc(flows: ir.Table, members: Collection[int]) -> ir.Table:
    """Intra-bloc imports per product and year: ``year, product, intra_value``."""
    m = sorted(members)
    f = flows.filter(flows.i.isin(m) & flows.j.isin(m))
    return f.group_by(year=f.t, product=f.k).aggregate(intra_value=f.v.sum())


def exports_by_country(flows: ir.Table) -> ir.Table:
    """Each country's exports per product and year: ``year, country, product, export_value``."""
    return flows.group_by(year=flows.t, country=flows.i, product=flows.k).aggregate(
        export_value=flows.v.sum()
    )


def autonomy(
    flows: ir.Table,
    *,
    importers: Collection[int] | None = None,
    products: Collection[str] | None = None,
    rival: Collection[int] | None = None,
    exports: ir.Table | None = None,
    summary: FlowSummary | None = None,
) -> ir.Table:
    r"""Import concentration per importer × product × year.

    Parameters
    ----------
    flows
        Bilateral flows ``t, i, j, k, v``.
    importers, products
        Restrict to these importer codes and HS6 codes (``None``: all).
    rival
        Supplier codes whose combined share is reported as ``rival_share``.
    exports
        :func:`exporter_totals` of the same flows when the caller needs them too (e.g. for
        world shares): the one aggregate then serves both.
    summary
        :func:`~econsec.metrics.summary.summarize` of the same flows (every importer and
        product; already computed): the markets and sellers are taken from it, and the
        flows are read only for the ``rival``'s share.

    Returns
    -------
    ibis.Table
        :data:`AUTONOMY_COLUMNS` (+ ``rival_value, rival_share``): ``import_value``
        :math:`M`, ``n_suppliers``, ``top_supplier`` (largest; ties: lower code),
        ``top_share``, ``hhi`` :math:`H`, ``export_value`` :math:`X` (0 when none) and
        ``import_export_ratio`` :math:`M/X` (:math:`+\infty` when :math:`X = 0`).
    """
    f = restrict(flows, products=products)
    imports = restrict(f, importers=importers)
    if summary is None:
        extra = {}
        if rival is not None:
            extra["rival_value"] = imports.v.sum(where=imports.i.isin(sorted(rival)))
        c = concentration(imports, ["t", "j", "k"], "i", extra=extra)
        e = restrict(exporter_totals(f) if exports is None else exports, exporters=importers)
        out = c.left_join(e.select(t=e.t, j=e.i, k=e.k, xv=e.S), ["t", "j", "k"])
        xv = out.xv.fill_null(0.0)
    else:
        s = restrict_summary(summary, products)
        out = from_moments(s.markets)
        if importers is not None:
            out = out.filter(out.j.isin(sorted(importers)))
        if rival is not None:
            # Only the rival's flows are read: a small slice of the year.
            rf = imports.filter(imports.i.isin(sorted(rival)))
            rv = rf.group_by(["t", "j", "k"]).aggregate(rival_value=rf.v.sum())
            out = lookup(out, rv, ["t", "j", "k"])
        xv = out.own_exports  # each market carries its importer's own sales: no join
    cols = {
        "year": out.t,
        "importer": out.j,
        "product": out.k,
        "import_value": out.total,
        "n_suppliers": out.n.cast("int64"),
        "top_supplier": out.top,
        "top_share": out.top_share,
        "hhi": out.hhi,
        "export_value": xv,
        "import_export_ratio": ibis.ifelse(xv == 0, INF, out.total / xv),
    }
    if rival is not None:
        rv = out.rival_value.fill_null(0.0)
        cols["rival_value"] = rv
        cols["rival_share"] = safe_ratio(rv, out.total)
    return out.select(**cols)


def supplier_shares(
    flows: ir.Table,
    *,
    importers: Collection[int] | None = None,
    products: Collection[str] | None = None,
) -> ir.Table:
    """Each supplier's value, share and rank in each importer × product × year.

    Returns
    -------
    ibis.Table
        :data:`SUPPLIER_COLUMNS`; shares of an importer × product sum to 1, rank 1 is the
        top supplier of :func:`autonomy` (uses a window function).
    """
    f = restrict(flows, products=products, importers=importers)
    s = unit_shares(f, ["t", "j", "k"], "i")
    return s.select(
        year=s.t,
        importer=s.j,
        product=s.k,
        supplier=s.i,
        value=s.v,
        share=s.share,
        rank=s["rank"],
    )
