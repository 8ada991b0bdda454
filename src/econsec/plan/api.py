"""Plans over a warehouse: the cheapest reallocation capping a rival, its frontier, stockpiles.

>>> from econsec.plan import api
>>> r = api.plan("JPN", 2024, "850511", "CHN", cap=0.5,
...              strategy="friend-shore", group="G7")  # doctest: +SKIP
>>> r.summary()["cost_premium_pct"], r.to_polars()  # doctest: +SKIP

The importer is a country or a bloc (a group such as ``EU27``, or a list of countries): a
bloc's demand is its extra-bloc imports, reallocated among extra-bloc suppliers. Values are
thousand current USD (BACI's unit), volumes tonnes (or thousand USD where no flow of the
product reports a quantity, see :mod:`econsec.plan.costs`), shares of the importer's supply of
the product. One LP is solved per product; a basket gives one plan per product.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from pathlib import Path
from typing import Any

import polars as pl

from econsec.engine import Warehouse
from econsec.plan import assembly as asm
from econsec.plan import costs, lp
from econsec.plan.results import FrontierResult, PlanResult, StockpileResult
from econsec.plan.stockpile import DEFAULT_BAN_DAYS, DEFAULT_CARRYING_RATE
from econsec.plan.strategies import resolve_strategy
from econsec.query.resolver import Countries, Products, as_list, open_warehouse
from econsec.substitution import redirect_fraction

__all__ = ["FrontierResult", "PlanResult", "StockpileResult", "frontier", "plan", "stockpile"]

#: Default cap on the rival's share of the importer's supply.
DEFAULT_CAP = 0.5
#: Default strategy.
DEFAULT_STRATEGY = "diversify"


def _year(year: int | None) -> int | None:
    """Return the year as an ``int``; fail clearly on products given where the year goes."""
    if year is None or (isinstance(year, Integral) and not isinstance(year, bool)):
        return None if year is None else int(year)
    raise TypeError(
        f"year must be an integer such as 2024, got {year!r}; the arguments are "
        "(importer, year, products, rival, ...): pass products=..."
    )


def plan(
    importer: Countries,
    year: int | None = None,
    products: Products | None = None,
    rival: Countries | None = None,
    rival_group: str | None = None,
    *,
    cap: float = DEFAULT_CAP,
    strategy: str = DEFAULT_STRATEGY,
    group: Countries | None = None,
    region: str | Sequence[str] | None = None,
    single_cap: float | None = None,
    switching_premium: float = costs.DEFAULT_SWITCHING_PREMIUM,
    reshore_premium: float = costs.DEFAULT_RESHORE_PREMIUM,
    domestic_capacity: float | None = None,
    horizon: str | None = None,
    redirect: float | None = None,
    basket: str | None = None,
    warehouse: Warehouse | None = None,
    home: Path | str | None = None,
    allow_synthetic: bool = False,
) -> PlanResult:
    """Cheapest reallocation of an importer's supply bringing the rival's share to ``cap``.

    One LP per product (see :mod:`econsec.plan.lp`): demand (volume) is kept, suppliers in the
    strategy's allowed set (:mod:`econsec.plan.strategies`) expand up to their redirectable
    exports, costs come from unit values plus a switching premium (:mod:`econsec.plan.costs`).

    Parameters
    ----------
    importer
        ISO3, ISO2, name or CEPII code of the importer; or a bloc (a group name, built-in or
        in ``groups.toml``, or a list of countries): its extra-bloc imports, reallocated among
        extra-bloc suppliers (``params["meaning"]`` says so).
    year
        Year of the flows; the latest held when omitted.
    products
        HS6 codes, 4/2-digit headings or chapters (expanded), or basket names.
    rival, rival_group
        The countries (or groups) and the group whose share is capped; ``CHN`` when neither
        is given. It may not be, or share members with, the importer.
    cap
        Maximum value share of the rival in the plan, in [0, 1].
    strategy
        ``diversify``, ``friend-shore``, ``near-shore``, ``china-plus-one`` or ``reshore``.
    group, region, single_cap
        Options of friend-shore (a group, or countries), near-shore (M49 regions,
        sub-regions or groups; the importer's region by default) and china-plus-one (cap on
        any single supplier; the rival's cap by default).
    switching_premium
        σ, the premium on volume bought beyond a supplier's baseline.
    reshore_premium
        ρ, the premium of domestic output over the import unit value.
    domestic_capacity
        Domestic capacity as a fraction of demand (reshore); by default the redirectable
        fraction of the importer's own exports of the product (a bloc's extra-bloc exports).
    horizon, redirect
        Substitution horizon (``0-3m``, ``3-12m``, ``12m+``) or explicit redirectable fraction.
    basket
        A basket name adding its codes (same as naming it in ``products``).
    warehouse, home, allow_synthetic
        The warehouse (or its folder), and whether synthetic releases may be used.

    Returns
    -------
    PlanResult
        The supplier mix (``frame``), one row per product (``plans``), the parameters and
        notes (products without imports, products the rival does not supply, group members
        or basket codes the release lacks).
    """
    if not 0.0 <= cap <= 1.0:
        raise ValueError(f"cap must be in [0, 1], got {cap}")
    if switching_premium < 0 or reshore_premium < 0:
        raise ValueError("premiums must be non-negative")
    fraction = redirect_fraction(horizon, redirect)
    wh = open_warehouse(warehouse, home, allow_synthetic)
    s = asm.setup(wh, importer, _year(year), products, basket, rival, rival_group)
    strat = resolve_strategy(
        strategy,
        s.r,
        s.importer,
        cap=cap,
        group=group,
        region=as_list(region) or None,
        single_cap=single_cap,
    )
    flows, pool = asm.read_flows(s, fraction)
    table = asm.supplier_table(s, flows, pool, strat, fraction, domestic_capacity)
    parts = table.sort("k", "i").partition_by("k", as_dict=True)
    rows: list[dict[str, Any]] = []
    mixes: list[pl.DataFrame] = []
    instances: dict[str, lp.Instance] = {}
    for k in s.products:
        part = parts.get((k,))
        if part is None:
            rows.append(asm.plan_row(s, k, strat, cap))
            continue
        instances[k] = asm.instance(part, strat, switching_premium, reshore_premium)
        row, mix = asm.solve_product(k, part, instances[k], cap, s, strat)
        rows.append(row)
        mixes.append(mix)
    plans = pl.DataFrame(rows, infer_schema_length=None)
    params = {
        **s.params(),
        "cap": cap,
        "strategy": strat.name,
        "allowed_set": strat.label,
        "single_cap": strat.single_cap,
        "switching_premium": switching_premium,
        "reshore_premium": reshore_premium,
        "domestic_capacity": domestic_capacity,
        "redirect": fraction,
        "basket": basket,
        "meaning": s.meaning(strat.domestic),
    }
    notes = (*s.r.notes, *asm.plan_notes(s, plans))
    return PlanResult(asm.mix_frame(s, mixes), params, notes, plans=plans, instances=instances)


def frontier(
    importer: Countries,
    year: int | None = None,
    products: Products | None = None,
    rival: Countries | None = None,
    rival_group: str | None = None,
    *,
    caps: Sequence[float] | None = None,
    **options: Any,
) -> FrontierResult:
    """Sweep the cap: the cost–dependence frontier (default caps: 0 to 1 by 0.05).

    Takes :func:`plan`'s arguments (``cap`` is ignored but for the default single-supplier
    cap of china-plus-one).
    """
    return plan(importer, year, products, rival, rival_group, **options).frontier(caps)


def stockpile(
    importer: Countries,
    year: int | None = None,
    products: Products | None = None,
    rival: Countries | None = None,
    rival_group: str | None = None,
    *,
    ban_days: float = DEFAULT_BAN_DAYS,
    carrying_rate: float = DEFAULT_CARRYING_RATE,
    basket: str | None = None,
    warehouse: Warehouse | None = None,
    home: Path | str | None = None,
    allow_synthetic: bool = False,
) -> StockpileResult:
    """Days of import cover needed to bridge a ban by the rival, and its carrying cost.

    Parties, year and products as in :func:`plan` (a bloc importer: its extra-bloc imports,
    bridged by extra-bloc suppliers). See :mod:`econsec.plan.stockpile` for the formula.
    Values in thousand USD.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic)
    s = asm.setup(wh, importer, _year(year), products, basket, rival, rival_group)
    flows, pool = asm.read_flows(s, 1.0)
    frame = asm.stockpile_frame(s, flows, pool, ban_days, carrying_rate)
    absent = sorted(set(s.products) - set(frame["product"].to_list()))
    params = {
        **s.params(),
        "ban_days": ban_days,
        "carrying_rate": carrying_rate,
        "basket": basket,
        "meaning": s.meaning(False),
    }
    return StockpileResult(frame, params, (*s.r.notes, *asm.no_imports_note(s, absent)))
