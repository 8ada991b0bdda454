r"""Stockpiles: days of import cover needed to bridge a ban while other suppliers ramp up.

A ban by the rival removes its sales :math:`L` (value per year) to the importer. Other exporters
can redirect a fraction :math:`r_h` of their other sales :math:`S` (the pool of
:func:`econsec.substitution.redirectable_supply`, rival excluded), with the fraction rising by
horizon as in the scenario engine (:data:`econsec.substitution.HORIZONS`: 0–3 months,
3–12 months, beyond 12 months; a step ramp: each horizon's fraction holds throughout it). The
shortfall rate in horizon :math:`h` is

.. math:: g_h = L - \min(L, r_h S),

and a ban of :math:`T` days leaves a gap, to be met from stock, of value

.. math:: K = \sum_h g_h \, \frac{|[0, T] \cap H_h|}{365},

where :math:`|[0, T] \cap H_h|` is the number of days of the ban falling in horizon
:math:`H_h` (:data:`HORIZON_DAYS`). Expressed as days of total imports :math:`M`,
the cover is :math:`K / (M / 365)`; holding the stock costs :math:`K \cdot c` a year at a
carrying-cost rate :math:`c` (storage, capital, losses; a parameter, 10% by default).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from econsec.substitution import HORIZONS

#: Days covered by each horizon of :data:`econsec.substitution.HORIZONS` (a year is 365 days).
HORIZON_DAYS: dict[str, tuple[float, float]] = {
    "0-3m": (0.0, 365.0 / 4),
    "3-12m": (365.0 / 4, 365.0),
    "12m+": (365.0, math.inf),
}
#: Default carrying-cost rate per year (a parameter, not an estimate).
DEFAULT_CARRYING_RATE = 0.10
#: Default duration of the ban to bridge, in days (about six months).
DEFAULT_BAN_DAYS = 180.0


@dataclass(frozen=True)
class Cover:
    """Stock needed to bridge one ban.

    Attributes
    ----------
    shortfall
        Shortfall rate :math:`g_h` (value per year) by horizon.
    days_in
        Days of the ban in each horizon.
    stock_value
        :math:`K`, the value to hold.
    days_cover
        :math:`K` in days of total imports.
    carrying_cost
        Yearly cost of holding the stock.
    """

    shortfall: Mapping[str, float]
    days_in: Mapping[str, float]
    stock_value: float
    days_cover: float
    carrying_cost: float


def days_in_horizons(ban_days: float) -> dict[str, float]:
    """Days of a ban of ``ban_days`` days falling in each horizon."""
    if ban_days < 0:
        raise ValueError(f"ban duration must be non-negative, got {ban_days}")
    return {h: max(0.0, min(ban_days, hi) - lo) for h, (lo, hi) in HORIZON_DAYS.items()}


def stock_cover(
    lost: float,
    imports: float,
    pool: float,
    ban_days: float,
    *,
    carrying_rate: float = DEFAULT_CARRYING_RATE,
    fractions: Mapping[str, float] = HORIZONS,
) -> Cover:
    """Stock needed to bridge a ban (formula in the module docstring).

    Parameters
    ----------
    lost
        :math:`L`, the rival's yearly sales to the importer.
    imports
        :math:`M`, the importer's total yearly imports of the product.
    pool
        :math:`S`, other exporters' yearly sales to other destinations.
    ban_days
        :math:`T`, the ban's duration in days.
    carrying_rate
        :math:`c`, yearly cost of holding stock per unit of value.
    fractions
        :math:`r_h` by horizon (the keys of :data:`HORIZON_DAYS`).
    """
    if min(lost, imports, pool) < 0 or lost > imports * (1 + 1e-12):
        raise ValueError("need 0 <= lost <= imports and pool >= 0")
    if carrying_rate < 0:
        raise ValueError(f"carrying-cost rate must be non-negative, got {carrying_rate}")
    if set(fractions) != set(HORIZON_DAYS):
        raise ValueError(f"fractions must be given for horizons {sorted(HORIZON_DAYS)}")
    days = days_in_horizons(ban_days)
    gap = {h: lost - min(lost, fractions[h] * pool) for h in HORIZON_DAYS}
    k = sum(gap[h] * days[h] / 365.0 for h in HORIZON_DAYS)
    cover = k / (imports / 365.0) if imports > 0 else 0.0
    return Cover(gap, days, k, cover, k * carrying_rate)
