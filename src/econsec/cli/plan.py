"""``econsec plan``: cheapest plan capping a rival's share of an importer's supply."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from econsec.cli import defaults
from econsec.cli.common import (
    Format,
    FormatOption,
    HomeOption,
    SyntheticOption,
    emit_frame,
    emit_json,
    handle_errors,
)
from econsec.cli.metrics import emit_notes


class StrategyChoice(StrEnum):
    """Strategies of ``econsec plan`` (see :mod:`econsec.plan.strategies`)."""

    diversify = "diversify"
    friend_shore = "friend-shore"
    near_shore = "near-shore"
    china_plus_one = "china-plus-one"
    reshore = "reshore"


def _caps(text: str | None) -> list[float] | None:
    if not text:
        return None
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"--caps takes numbers separated by commas, got {text!r}") from None


def _headline(row: dict[str, Any]) -> str:
    k, imp, riv = row["product"], row["importer"], row["rival"]
    if row["status"] == "no imports":
        return f"{imp} {k}: no imports in this year"
    base = (
        f"{imp} {k} ({row['strategy']}: {row['allowed_set']}), rival {riv}: share "
        f"{row['baseline_rival_share']:.1%}"
    )
    if not row["feasible"]:
        return f"{base} → infeasible at cap {row['cap']:.1%}. {row['message']}"
    return (
        f"{base} → {row['rival_share']:.1%} (cap {row['cap']:.1%}); cost premium "
        f"{row['cost_premium']:,.0f} kUSD ({row['cost_premium_pct']:.2f}% of "
        f"{row['import_value']:,.0f}); HHI {row['baseline_hhi']:.3f} → {row['hhi']:.3f}; "
        f"residual exposure {row['residual_exposure']:,.0f} kUSD"
    )


def plan_cmd(
    importer: str = typer.Argument(
        ...,
        help="Importer: ISO3, ISO2, name or CEPII code, or a group (EU27: its extra-bloc imports).",
    ),
    product: list[str] | None = typer.Option(
        None,
        "--product",
        "-p",
        help="HS6 code, 4/2-digit heading or chapter, or basket (repeatable).",
    ),
    basket: str | None = typer.Option(None, "--basket", help="Plan every product of a basket."),
    year: int | None = typer.Option(None, "--year", "-y", help="Year (default: latest held)."),
    rival: list[str] = typer.Option(
        [defaults.PLAN_RIVAL],
        "--rival",
        help="Country or group whose share is capped (repeatable).",
    ),
    cap: float = typer.Option(
        defaults.PLAN_CAP, "--cap", help="Maximum share of the rival, in [0, 1]."
    ),
    strategy: StrategyChoice = typer.Option(
        StrategyChoice.diversify, "--strategy", "-s", help="Which suppliers may expand."
    ),
    group: str | None = typer.Option(
        None, "--group", help="friend-shore: country group (G7 by default; QUAD, CPTPP, yours)."
    ),
    region: list[str] | None = typer.Option(
        None, "--region", help="near-shore: M49 region, sub-region or group (repeatable)."
    ),
    single_cap: float | None = typer.Option(
        None, "--single-cap", help="china-plus-one: cap on any supplier (default: --cap)."
    ),
    premium: float = typer.Option(
        defaults.PLAN_SWITCHING_PREMIUM,
        "--premium",
        help="Switching premium on volume bought beyond a supplier's baseline.",
    ),
    reshore_premium: float = typer.Option(
        defaults.PLAN_RESHORE_PREMIUM,
        "--reshore-premium",
        help="reshore: premium of domestic output over import prices.",
    ),
    domestic_capacity: float | None = typer.Option(
        None,
        "--domestic-capacity",
        help="reshore: domestic capacity as a share of demand (default: from own exports).",
    ),
    horizon: str | None = typer.Option(
        None, "--horizon", help="Substitution horizon: 0-3m, 3-12m (default), 12m+."
    ),
    redirect: float | None = typer.Option(
        None, "--redirect", help="Redirectable fraction of other exporters' sales (overrides)."
    ),
    show_frontier: bool = typer.Option(
        False, "--frontier", help="Also sweep the cap: the cost–dependence frontier."
    ),
    caps: str | None = typer.Option(
        None, "--caps", help="Caps of the frontier, e.g. 0.3,0.4,0.5 (default 0 to 1 by 0.05)."
    ),
    ban_days: float | None = typer.Option(
        None, "--ban-days", help="Also size a stockpile bridging a ban of this many days."
    ),
    carrying_rate: float = typer.Option(
        defaults.PLAN_CARRYING_RATE,
        "--carrying-rate",
        help="Stockpile: yearly carrying cost per unit of value.",
    ),
    fmt: Format = FormatOption,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
) -> None:
    """Reallocate an importer's demand to cap a rival's share at minimum cost (an LP).

    Values are thousand USD. JSON output is one plan object for one product (feasible,
    suppliers, cost_premium, rival_share, ...), or the totals with plans for several;
    --frontier and --ban-days add frontier and stockpile.
    """
    from econsec.engine import Warehouse
    from econsec.plan import api

    wh = Warehouse(home, allow_synthetic=allow_synthetic)
    res = api.plan(
        importer,
        year,
        product,
        rival,
        cap=cap,
        strategy=strategy.value,
        group=group,
        region=region,
        single_cap=single_cap,
        switching_premium=premium,
        reshore_premium=reshore_premium,
        domestic_capacity=domestic_capacity,
        horizon=horizon,
        redirect=redirect,
        basket=basket,
        warehouse=wh,
    )
    fr = res.frontier(_caps(caps)) if show_frontier else None
    stock = (
        api.stockpile(
            importer,
            res.params["year"],
            res.params["products"],
            rival,
            ban_days=ban_days,
            carrying_rate=carrying_rate,
            warehouse=wh,
        )
        if ban_days is not None
        else None
    )
    emit_notes(res if stock is None else res.with_notes(*stock.notes))
    if fmt == Format.json:
        out = res.summary()
        if fr is not None:
            out["frontier"] = fr.to_polars().to_dicts()
        if stock is not None:
            out["stockpile"] = stock.summary()
        emit_json(out)
        return
    if fmt == Format.csv:
        emit_frame(fr.to_polars() if fr is not None else res.to_polars(), fmt)
        return
    con = Console()
    for row in res.plans.to_dicts():
        con.print(_headline(row), highlight=False, soft_wrap=True)
    mix = res.to_polars().select(
        "product",
        "supplier",
        "role",
        "allowed",
        "baseline_share",
        "planned_share",
        "planned_value",
        "change_value",
        "capacity_value",
    )
    if mix["product"].n_unique() == 1:
        mix = mix.drop("product")
    emit_frame(mix, fmt, title="supplier mix (thousand USD)")
    if fr is not None:
        emit_frame(fr.to_polars(), fmt, title="cost–dependence frontier", limit=500)
    if stock is not None:
        import polars as pl

        df = stock.to_polars().select(
            "product",
            "import_value",
            "rival_value",
            pl.col("ban_days"),
            "days_cover",
            "stock_value",
            "carrying_cost",
        )
        emit_frame(df, fmt, title=f"stockpile for a {ban_days:g}-day ban (thousand USD)")


def register(root: typer.Typer) -> None:
    """Add the ``plan`` command to the root app."""
    root.command("plan")(handle_errors(plan_cmd))
