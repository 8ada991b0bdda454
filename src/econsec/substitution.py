"""Substitution capacity shared by the indispensability metric, scenarios and plans.

Other exporters can replace a lost supplier only with what they can redirect from their other
customers. We bound it by a fraction ``r`` of each exporter's sales to destinations other than
the importer concerned, with a fraction per horizon: little can move within a quarter, more
within a year, most of what is needed after that. The 3–12 month fraction (0.2) is the default
everywhere, so that ``replaceability`` in the metrics and ``replaced`` in the scenarios agree.
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir

#: Redirectable fraction of an exporter's other sales, by horizon (parameters, not estimates).
HORIZONS: dict[str, float] = {"0-3m": 0.05, "3-12m": 0.2, "12m+": 0.5}
DEFAULT_HORIZON = "3-12m"
DEFAULT_REDIRECT = HORIZONS[DEFAULT_HORIZON]


def redirect_fraction(horizon: str | None = None, redirect: float | None = None) -> float:
    """Return the redirectable fraction: an explicit ``redirect`` wins over the horizon's."""
    if redirect is not None:
        if not 0.0 <= redirect <= 1.0:
            raise ValueError(f"redirect must be in [0, 1], got {redirect}")
        return float(redirect)
    h = horizon or DEFAULT_HORIZON
    if h not in HORIZONS:
        raise ValueError(f"unknown horizon {h!r}; allowed: {', '.join(HORIZONS)}")
    return HORIZONS[h]


def redirectable_supply(
    flows: ir.Table,
    importers: Collection[int],
    *,
    fraction: float = DEFAULT_REDIRECT,
    exclude_exporters: Collection[int] = (),
) -> ir.Table:
    """Capacity of each exporter to redirect product ``k`` towards a given importer.

    For importer m, exporter e and product k: ``capacity = r × Σ_{d ≠ m} v(e→d, k)``, the
    fraction ``r`` of e's sales of k to every other destination.

    Parameters
    ----------
    flows
        Bilateral flows ``t, i, j, k, v``.
    importers
        The importers m to compute capacity for.
    fraction
        Redirectable fraction r.
    exclude_exporters
        Exporters that cannot supply (the coercer, a coalition's members).

    Returns
    -------
    ibis.Table
        ``t, importer, exporter, k, other_sales, capacity``.
    """
    targets = ibis.memtable({"importer": [int(m) for m in importers]}).cast({"importer": "int16"})
    sales = flows
    if exclude_exporters:
        sales = sales.filter(~sales.i.isin([int(e) for e in exclude_exporters]))
    total = sales.group_by(["t", "i", "k"]).aggregate(total=sales.v.sum())
    to_m = (
        sales.filter(sales.j.isin([int(m) for m in importers]))
        .group_by(["t", "i", "k", "j"])
        .aggregate(to_m=lambda s: s.v.sum())
    )
    grid = total.cross_join(targets)
    joined = grid.left_join(
        to_m, [grid.t == to_m.t, grid.i == to_m.i, grid.k == to_m.k, grid.importer == to_m.j]
    )
    other = joined.total - joined.to_m.fill_null(0.0)
    return joined.select(
        t=joined.t,
        importer=joined.importer,
        exporter=joined.i,
        k=joined.k,
        other_sales=other,
        capacity=other * fraction,
    ).filter(lambda s: s.exporter != s.importer)
