"""Request bodies of ``POST /api/v1/plans`` and the yard's options, as pydantic models.

A plan spec holds the options of ``econsec plan`` (the same names, ``_`` for ``-``);
scenarios take :class:`econsec.scenarios.spec.Scenario`, the TOML file's model, as JSON.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from econsec.cli import defaults

Strategy = Literal["diversify", "friend-shore", "near-shore", "china-plus-one", "reshore"]
HorizonName = Literal["0-3m", "3-12m", "12m+"]


class PlanSpec(BaseModel):
    """The options of ``econsec plan`` as a JSON object (values in thousand USD)."""

    model_config = ConfigDict(extra="forbid")

    importer: str = Field(..., min_length=1, description="Country, group or ISO3 list.")
    year: int | None = Field(default=None, ge=1900, le=2100)
    products: list[str] = Field(
        default_factory=list, max_length=200, description="HS codes, headings or baskets."
    )
    basket: str | None = Field(default=None, description="Plan every product of a basket.")
    rival: list[str] = Field(default_factory=lambda: [defaults.PLAN_RIVAL], min_length=1)
    cap: float = Field(default=defaults.PLAN_CAP, ge=0.0, le=1.0, allow_inf_nan=False)
    strategy: Strategy = "diversify"
    group: str | None = None
    region: list[str] = Field(default_factory=list, max_length=50)
    single_cap: float | None = Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False)
    premium: float = Field(
        default=defaults.PLAN_SWITCHING_PREMIUM, ge=0.0, le=100.0, allow_inf_nan=False
    )
    reshore_premium: float = Field(
        default=defaults.PLAN_RESHORE_PREMIUM, ge=0.0, le=100.0, allow_inf_nan=False
    )
    domestic_capacity: float | None = Field(default=None, ge=0.0, le=100.0, allow_inf_nan=False)
    horizon: HorizonName | None = None
    redirect: float | None = Field(default=None, ge=0.0, le=1.0, allow_inf_nan=False)
    frontier: bool = Field(default=False, description="Also sweep the cap.")
    caps: list[float] | None = Field(
        default=None, max_length=201, description="Caps of the frontier (default 0 to 1 by 0.05)."
    )
    ban_days: float | None = Field(
        default=None, ge=0.0, le=3650.0, allow_inf_nan=False, description="Stockpile for a ban."
    )
    carrying_rate: float = Field(
        default=defaults.PLAN_CARRYING_RATE, ge=0.0, le=10.0, allow_inf_nan=False
    )


def plan_json(spec: PlanSpec, wh: object) -> dict[str, object]:
    """Run the plan of ``spec`` and return the API's answer.

    ``summary`` (with ``frontier`` and ``stockpile`` when asked) is exactly what
    ``econsec plan --format json`` prints; ``rows`` is the supplier mix (the CSV).
    """
    from econsec.formatting import tidy_frame, to_jsonable
    from econsec.plan import api

    caps = spec.caps
    if caps is not None and any(not 0.0 <= c <= 1.0 for c in caps):
        raise ValueError("caps must be between 0 and 1")
    res = api.plan(
        spec.importer,
        spec.year,
        spec.products or None,
        spec.rival,
        cap=spec.cap,
        strategy=spec.strategy,
        group=spec.group,
        region=spec.region or None,
        single_cap=spec.single_cap,
        switching_premium=spec.premium,
        reshore_premium=spec.reshore_premium,
        domestic_capacity=spec.domestic_capacity,
        horizon=spec.horizon,
        redirect=spec.redirect,
        basket=spec.basket,
        warehouse=wh,  # type: ignore[arg-type]
    )
    fr = res.frontier(caps or None) if spec.frontier else None
    stock = (
        api.stockpile(
            spec.importer,
            res.params["year"],
            res.params["products"],
            spec.rival,
            ban_days=spec.ban_days,
            carrying_rate=spec.carrying_rate,
            warehouse=wh,  # type: ignore[arg-type]
        )
        if spec.ban_days is not None
        else None
    )
    notes = list(res.notes) + (list(stock.notes) if stock is not None else [])
    summary = res.summary()
    if fr is not None:
        summary["frontier"] = fr.to_polars().to_dicts()
    if stock is not None:
        summary["stockpile"] = stock.summary()
    return {
        "params": to_jsonable(dict(res.params)),
        "notes": list(dict.fromkeys(notes)),
        "summary": to_jsonable(summary),
        "rows": to_jsonable(tidy_frame(res.frame).to_dicts()),
        "plans": to_jsonable(tidy_frame(res.plans).to_dicts()),
        "frontier": to_jsonable(fr.to_polars().to_dicts()) if fr is not None else None,
        "stockpile": to_jsonable(stock.frame.to_dicts()) if stock is not None else None,
    }
