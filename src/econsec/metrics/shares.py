r"""Shares and concentration as Ibis expressions (no backend-specific code).

Notation (for a group *g*, e.g. importer *m* × product *k* × year *t*, and units *e* in it,
e.g. suppliers):

.. math::

    V_g = \sum_e v_e, \qquad s_e = v_e / V_g, \qquad
    H_g = \sum_e s_e^2 = \frac{\sum_e v_e^2}{V_g^2} \in [1/n_g, 1].

Every function expects at most one row per group × unit (BACI holds one row per
``t, i, j, k``; :func:`econsec.metrics.autonomy.collapse_bloc` re-aggregates after merging
countries). Ties for the largest unit go to the lower code, so results do not depend on
row order or on the backend.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir


def safe_ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.FloatingValue:
    """``num / den``, null where ``den`` is zero or null."""
    return ibis.ifelse(den == 0, ibis.null("float64"), num / den)


def lookup(left: ir.Table, right: ir.Table, keys: Sequence[str]) -> ir.Table:
    """Attach ``right``'s columns to each row of ``left`` matching on ``keys`` (left join).

    A left join also pins the join order: DuckDB's optimizer may otherwise join two
    aggregates on a partial key first and blow up the row count.
    """
    j = left.left_join(right, list(keys))
    return j.drop(*(f"{k}_right" for k in keys))


def hhi(sum_sq: ir.NumericValue, total: ir.NumericValue) -> ir.FloatingValue:
    r"""Herfindahl-Hirschman index from value moments: :math:`H = \sum v_e^2 / (\sum v_e)^2`.

    Equal to :math:`\sum_e s_e^2`; computed from moments so one group-by suffices.
    """
    return safe_ratio(sum_sq, total * total)


def group_moments(
    flows: ir.Table,
    by: Sequence[str],
    unit: str,
    *,
    value: str = "v",
    extra: dict[str, ir.Scalar] | None = None,
) -> ir.Table:
    """Per group: ``total, n, sum_sq, vmax, top`` (and ``extra``) in one pass.

    What :func:`concentration` is computed from; kept as it is, the moments also serve
    other metrics (e.g. the markets of :mod:`econsec.metrics.summary`). ``top`` is the unit
    with the largest value (ties: the lowest code).
    """
    v = flows[value]
    return flows.group_by(list(by)).aggregate(
        total=v.sum(),
        n=flows.count(),
        sum_sq=(v * v).sum(),
        vmax=v.max(),
        # An ordered aggregate rather than argmax, which picks an arbitrary row among ties.
        top=flows[unit].first(order_by=[ibis.desc(v), flows[unit]]),
        **(extra or {}),
    )


def from_moments(agg: ir.Table) -> ir.Table:
    """:func:`group_moments` → ``hhi`` and ``top_share`` in place of ``sum_sq, vmax``."""
    return agg.mutate(
        hhi=hhi(agg.sum_sq, agg.total), top_share=safe_ratio(agg.vmax, agg.total)
    ).drop("sum_sq", "vmax")


def concentration(
    flows: ir.Table,
    by: Sequence[str],
    unit: str,
    *,
    value: str = "v",
    extra: dict[str, ir.Scalar] | None = None,
) -> ir.Table:
    """Per group: total, number of units, HHI, largest unit and its share, in one pass.

    Parameters
    ----------
    flows
        One row per group × unit with a non-negative ``value`` column.
    by
        Group columns.
    unit
        Unit column (e.g. supplier code ``i``).
    value
        Value column.
    extra
        More aggregates over ``flows`` to compute in the same pass (named expressions).

    Returns
    -------
    ibis.Table
        ``*by, total, n, hhi, top, top_share`` and the ``extra`` columns. ``top`` is the
        unit with the largest value (ties: the lowest code).
    """
    return from_moments(group_moments(flows, by, unit, value=value, extra=extra))


def unit_shares(flows: ir.Table, by: Sequence[str], unit: str, *, value: str = "v") -> ir.Table:
    """Each unit's value, share and rank within its group.

    Returns
    -------
    ibis.Table
        ``*by, unit, value, total, share, rank``; ``rank`` 1 is the largest value (ties:
        the lower code). Uses a window function for the rank.
    """
    keys = list(by)
    totals = flows.group_by(keys).aggregate(total=flows[value].sum())
    t = flows.join(totals, keys)
    w = ibis.window(group_by=[t[c] for c in keys], order_by=[ibis.desc(t[value]), t[unit]])
    return t.select(
        *keys,
        unit,
        value,
        "total",
        share=safe_ratio(t[value], t.total),
        rank=(ibis.row_number().over(w) + 1).cast("int32"),
    )
