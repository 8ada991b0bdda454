r"""Dependency screens: the EU 2021 method, CEPII GeoDep and threshold screens.

**EU 2021** (European Commission, SWD(2021) 352, *Strategic dependencies and capacities*):
for a bloc *B* (members merged, intra-bloc flows set apart) and product *k*, year *t*,

* C1 :math:`H^{extra}_{k} > 0.4`: HHI of the bloc's extra-bloc imports by supplier;
* C2 :math:`M^{extra}_k / (M^{extra}_k + M^{intra}_k) > 0.5`: extra-bloc share of the
  bloc's total imports (intra-bloc imports are what members buy from each other);
* C3 :math:`M^{extra}_k / X^{extra}_k > 1`: extra-bloc imports over the bloc's exports to
  the world, taken as its extra-bloc exports (exports among members are not exports of the
  bloc); :math:`+\infty` when it exports none.

**GeoDep** (Lefebvre & Wibaux 2024, CEPII): for every importer *m*, product *k*, year *t*,
C1 import HHI :math:`H_{mk} > 0.4`; C2 world export HHI :math:`H^W_k > 0.4`; C3 imports
over exports :math:`M_{mk}/X_{mk} > 1` (:math:`+\infty` when *m* exports none); C4
persistence, see :func:`persistence`.

All thresholds are parameters; comparisons are strict as in the sources.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from econsec.metrics.autonomy import (
    autonomy,
    collapse_bloc,
    exporter_totals,
    intra_bloc,
    restrict,
)
from econsec.metrics.indispensability import world_concentration
from econsec.metrics.shares import hhi, lookup, safe_ratio
from econsec.metrics.summary import FlowSummary, restrict_summary

GEODEP_COLUMNS = (
    "year",
    "importer",
    "product",
    "import_value",
    "import_hhi",
    "world_hhi",
    "import_export_ratio",
    "top_supplier",
    "top_share",
    "c1_import_hhi",
    "c2_world_hhi",
    "c3_import_export",
    "conditions_met",
)
EU_COLUMNS = (
    "year",
    "bloc",
    "product",
    "extra_imports",
    "intra_imports",
    "extra_hhi",
    "extra_share",
    "extra_exports",
    "extra_import_export_ratio",
    "top_supplier",
    "top_share",
    "c1_extra_hhi",
    "c2_extra_share",
    "c3_import_export",
    "flagged",
)

OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


def geodep_conditions(
    flows: ir.Table,
    *,
    importers: Collection[int] | None = None,
    products: Collection[str] | None = None,
    import_hhi: float = 0.4,
    world_hhi: float = 0.4,
    ratio: float = 1.0,
    summary: FlowSummary | None = None,
) -> ir.Table:
    """GeoDep criteria C1–C3 per importer × product × year (persistence not applied).

    ``summary``: :func:`~econsec.metrics.summary.summarize` of the same flows, when held.

    Returns
    -------
    ibis.Table
        :data:`GEODEP_COLUMNS`; ``conditions_met`` is C1 ∧ C2 ∧ C3.
    """
    f = restrict(flows, products=products)
    # One exporter aggregate serves both the importers' own exports (C3) and world shares (C2).
    if summary is None:
        e = exporter_totals(f)
        a = autonomy(f, importers=importers, exports=e)
        w = world_concentration(f, exports=e).select("year", "product", "world_hhi")
    else:
        # World totals computed once with the summary.
        tot = restrict_summary(summary, products).world
        a = autonomy(f, importers=importers, products=products, summary=summary)
        w = tot.select(year=tot.t, product=tot.k, world_hhi=hhi(tot.sum_sq, tot.W))
    g = lookup(a, w, ["year", "product"])
    c1 = (g.hhi > import_hhi).fill_null(False)
    c2 = (g.world_hhi > world_hhi).fill_null(False)
    c3 = (g.import_export_ratio > ratio).fill_null(False)
    return g.select(
        "year",
        "importer",
        "product",
        "import_value",
        import_hhi=g.hhi,
        world_hhi=g.world_hhi,
        import_export_ratio=g.import_export_ratio,
        top_supplier=g.top_supplier,
        top_share=g.top_share,
        c1_import_hhi=c1,
        c2_world_hhi=c2,
        c3_import_export=c3,
        conditions_met=c1 & c2 & c3,
    )


def persistence(
    table: ir.Table,
    keys: Sequence[str],
    *,
    flag: str = "conditions_met",
    window: int = 3,
    min_years: int = 2,
) -> ir.Table:
    """Add ``years_met`` and ``persistent`` (GeoDep C4) to a table of yearly flags.

    ``years_met`` is, over every ``window``-year span :math:`[s, s + w - 1]` containing the
    row's year, the largest number of years in the span where ``flag`` holds for the same
    ``keys``; ``persistent`` is ``years_met >= min_years``. Years absent from ``table`` count
    as not meeting the flag, so only the neighbouring years held contribute.

    Written with unions and group-bys (no window functions) so it runs on every backend.
    """
    if window < 1 or not 1 <= min_years <= window:
        raise ValueError(
            f"need window >= 1 and 1 <= min_years <= window; got {window}, {min_years}"
        )
    ks = list(keys)
    met = table.filter(table[flag]).select(*ks, y=table.year.cast("int32"))
    # Each year met counts in the spans starting at y - window + 1 .. y ...
    starts = ibis.union(*(met.select(*ks, start=(met.y - o).cast("int32")) for o in range(window)))
    spans = starts.group_by([*ks, "start"]).aggregate(n=starts.count())
    # ... and each span's count applies to the years it contains.
    ends = ibis.union(
        *(spans.select(*ks, "n", y=(spans.start + o).cast("int32")) for o in range(window))
    )
    best = ends.group_by([*ks, "y"]).aggregate(years_met=ends.n.max().cast("int64"))
    best = best.select(*ks, "years_met", year=best.y.cast(table.year.type()))
    out = lookup(table, best, [*ks, "year"])
    years_met = out.years_met.fill_null(0)
    return out.mutate(years_met=years_met, persistent=years_met >= min_years)


def eu_conditions(
    flows: ir.Table,
    members: Collection[int],
    code: int,
    *,
    products: Collection[str] | None = None,
    extra_hhi: float = 0.4,
    extra_share: float = 0.5,
    ratio: float = 1.0,
) -> ir.Table:
    """EU 2021 criteria per product × year for the bloc of ``members`` (shown as ``code``).

    Returns
    -------
    ibis.Table
        :data:`EU_COLUMNS`; ``flagged`` is C1 ∧ C2 ∧ C3.
    """
    f = restrict(flows, products=products)
    m = sorted(members)
    touching = f.filter(f.i.isin(m) | f.j.isin(m))
    a = autonomy(collapse_bloc(touching, m, code), importers=[code])
    intra = intra_bloc(f, m)
    g = lookup(a, intra, ["year", "product"])
    intra_v = g.intra_value.fill_null(0.0)
    share = safe_ratio(g.import_value, g.import_value + intra_v)
    c1 = (g.hhi > extra_hhi).fill_null(False)
    c2 = (share > extra_share).fill_null(False)
    c3 = (g.import_export_ratio > ratio).fill_null(False)
    return g.select(
        "year",
        bloc=g.importer,
        product=g["product"],
        extra_imports=g.import_value,
        intra_imports=intra_v,
        extra_hhi=g.hhi,
        extra_share=share,
        extra_exports=g.export_value,
        extra_import_export_ratio=g.import_export_ratio,
        top_supplier=g.top_supplier,
        top_share=g.top_share,
        c1_extra_hhi=c1,
        c2_extra_share=c2,
        c3_import_export=c3,
        flagged=c1 & c2 & c3,
    )


@dataclass(frozen=True)
class Condition:
    """One threshold of a custom screen: ``column op value``."""

    column: str
    op: str
    value: float

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown operator {self.op!r}; allowed: {', '.join(OPS)}")

    def expr(self, table: ir.Table) -> ir.BooleanValue:
        """Return the condition as a boolean expression on ``table`` (null counts as false)."""
        if self.column not in table.columns:
            raise ValueError(
                f"unknown column {self.column!r}; available: {', '.join(table.columns)}"
            )
        result: ir.BooleanValue = OPS[self.op](table[self.column], self.value)
        return result.fill_null(False)


def threshold_screen(
    table: ir.Table, conditions: Sequence[Condition], *, combine: str = "all"
) -> ir.Table:
    """Flag rows meeting all (``combine="all"``) or any (``"any"``) of ``conditions``.

    Adds one boolean column per condition (``c1``, ``c2``, … in order) and ``flagged``.
    """
    if combine not in ("all", "any"):
        raise ValueError(f"combine must be 'all' or 'any'; got {combine!r}")
    if not conditions:
        raise ValueError("a screen needs at least one condition")
    cols = {f"c{n}": c.expr(table) for n, c in enumerate(conditions, start=1)}
    exprs = list(cols.values())
    flagged = exprs[0]
    for e in exprs[1:]:
        flagged = (flagged & e) if combine == "all" else (flagged | e)
    return table.mutate(**cols, flagged=flagged)


def churn(
    table: ir.Table, keys: Sequence[str], year_from: int, year_to: int, *, flag: str = "flagged"
) -> ir.Table:
    """Rows entering or leaving the flagged list between two years.

    Returns
    -------
    ibis.Table
        ``*keys, status, year_from, year_to`` with ``status`` ``"entering"`` (flagged in
        ``year_to`` only) or ``"leaving"`` (flagged in ``year_from`` only).
    """
    ks = list(keys)
    a = table.filter((table.year == year_from) & table[flag]).select(*ks)
    b = table.filter((table.year == year_to) & table[flag]).select(*ks)
    entering = b.anti_join(a, ks).mutate(status=ibis.literal("entering"))
    leaving = a.anti_join(b, ks).mutate(status=ibis.literal("leaving"))
    both = ibis.union(entering, leaving)
    return both.mutate(
        year_from=ibis.literal(year_from, "int32"), year_to=ibis.literal(year_to, "int32")
    )
