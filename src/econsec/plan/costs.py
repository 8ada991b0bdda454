r"""Unit values and the cost of switching suppliers.

Unit value. The price of supplier :math:`e` for product :math:`k` is a unit value
:math:`p_e = \sum v / \sum q` (thousand USD per tonne) over flows that report a quantity,
taken from the first of:

1. ``bilateral``: e's flows to the importer;
2. ``exporter``: e's flows of k to every destination;
3. ``world-median``: the median unit value :math:`v/q` of every flow of k in the year;
4. ``value``: no flow of k reports a quantity; every supplier gets :math:`p_e = 1`, so volumes
   are measured in value (thousand USD) and the only cost of switching is the premium below.

Baseline volumes are :math:`q^0_e = v^0_e / p_e`, so that :math:`p_e q^0_e` is the observed
import value whatever the source of :math:`p_e`.

Switching cost. A unit of volume bought from e beyond its baseline costs

.. math:: c_e = \max(p_e, \bar p_R)\,(1 + \sigma_e),

and a unit of baseline volume cut from supplier a saves

.. math:: \pi_a = \min(p_a, \bar p_R),

with :math:`\sigma_e` the switching premium (new contracts, qualification, logistics; a
parameter, 10% by default) and :math:`\bar p_R` the unit value of what the rival sold the
importer. Unit values differ across suppliers mostly by grade, not as a saving on offer: pricing
new volume at no less, and cut volume at no more, than the rival's unit value makes every move
cost :math:`c_e - \pi_a \ge \sigma_e \bar p_R \ge 0`, so the cheapest plan moves no more volume
than its caps require and never switches for price alone. Moving a unit from the rival to e
costs :math:`\max(p_e, \bar p_R)(1 + \sigma_e) - p_R`. The premium of a plan is its cost less
the baseline's :math:`\sum_e \pi_e q^0_e`. Domestic output (reshoring) is priced at the
importer's average import unit value with its own premium :math:`\rho` (50% by default).
"""

from __future__ import annotations

import numpy as np
import polars as pl

#: Where a unit value comes from, best first (see the module docstring).
PRICE_SOURCES = ("bilateral", "exporter", "world-median", "value")
#: Default switching premium σ (a parameter, not an estimate).
DEFAULT_SWITCHING_PREMIUM = 0.10
#: Default premium ρ of domestic output over the import unit value (a parameter).
DEFAULT_RESHORE_PREMIUM = 0.50


def _ratio(df: pl.DataFrame, keys: list[str], name: str) -> pl.DataFrame:
    return df.group_by(keys).agg((pl.col("v").sum() / pl.col("q").sum()).alias(name))


def unit_values(flows: pl.DataFrame, importer: int) -> pl.DataFrame:
    """Return the unit value of every exporter of every product, with its source.

    Parameters
    ----------
    flows
        Flows ``i, j, k, v, q`` of one year (``q`` may be null).
    importer
        CEPII code of the importer (for the ``bilateral`` level).

    Returns
    -------
    polars.DataFrame
        ``k, i, price, price_source``: one row per product × exporter of ``flows``.
    """
    fq = flows.filter(pl.col("q").is_not_null() & (pl.col("q") > 0) & (pl.col("v") > 0))
    bil = _ratio(fq.filter(pl.col("j") == importer), ["k", "i"], "p_bilateral")
    exp = _ratio(fq, ["k", "i"], "p_exporter")
    med = fq.group_by("k").agg((pl.col("v") / pl.col("q")).median().alias("p_median"))
    base = flows.select("k", "i").unique()
    out = (
        base.join(bil, on=["k", "i"], how="left")
        .join(exp, on=["k", "i"], how="left")
        .join(med, on="k", how="left")
    )
    src = (
        pl.when(pl.col("p_bilateral").is_not_null())
        .then(pl.lit("bilateral"))
        .when(pl.col("p_exporter").is_not_null())
        .then(pl.lit("exporter"))
        .when(pl.col("p_median").is_not_null())
        .then(pl.lit("world-median"))
        .otherwise(pl.lit("value"))
    )
    price = pl.coalesce("p_bilateral", "p_exporter", "p_median", pl.lit(1.0))
    return out.select("k", "i", price.alias("price"), src.alias("price_source"))


def rival_unit_value(q0: np.ndarray, price: np.ndarray, rival: np.ndarray) -> float:
    r"""Return the rival's unit value :math:`\bar p_R = \sum_R p_e q^0_e / \sum_R q^0_e`.

    The importer's average unit value when the rival sells it nothing.
    """
    sel = rival & (q0 > 0)
    if not sel.any():
        tot = float(q0.sum())
        return float(price @ q0 / tot) if tot > 0 else float(np.mean(price))
    return float(price[sel] @ q0[sel] / q0[sel].sum())


def extra_cost(price: np.ndarray, premium: np.ndarray | float, floor: float) -> np.ndarray:
    r"""Return the cost of a unit of extra volume, :math:`c_e = \max(p_e, \bar p_R)(1+\sigma_e)`."""
    prem = np.broadcast_to(np.asarray(premium, dtype=float), np.shape(price))
    if np.any(prem < 0):
        raise ValueError("premiums must be non-negative")
    return np.maximum(price, floor) * (1.0 + prem)


def kept_cost(price: np.ndarray, floor: float) -> np.ndarray:
    r"""Return the saving per unit of baseline volume cut, :math:`\pi_a = \min(p_a, \bar p_R)`."""
    return np.minimum(price, floor)
