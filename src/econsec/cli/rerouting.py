"""``econsec rerouting``: trade diversion through third countries after a restriction."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from econsec.cli.common import (
    Format,
    FormatOption,
    HomeOption,
    SyntheticOption,
    console,
    emit_frame,
    emit_json,
    handle_errors,
)

#: Columns of the terminal table of the diversion view (csv and json carry every column).
TABLE_COLUMNS = (
    "product",
    "hub",
    "flagged",
    "matched_rise",
    "share_of_direct_fall",
    "source_to_hub_before",
    "source_to_hub_after",
    "hub_to_target_before",
    "hub_to_target_after",
    "comovement",
)


class View(StrEnum):
    """Which frame ``--format csv`` writes."""

    diversion = "diversion"
    balance = "balance"


def register(app: typer.Typer) -> None:
    """Attach ``econsec rerouting`` to the root command."""
    app.command("rerouting")(rerouting)


@handle_errors
def rerouting(
    source: str = typer.Option(..., "--from", help="Restricting country (ISO3, ISO2 or name)."),
    target: str = typer.Option(..., "--to", help="Target country of the restriction."),
    product: list[str] = typer.Option(
        ..., "--product", "-p", help="HS code (6 digits, or a heading) or basket; repeatable."
    ),
    years: str = typer.Option(..., "--years", help="Years compared: 2021-2024 or 2019,2024."),
    date: str | None = typer.Option(
        None, "--date", help="Restriction date YYYY-MM (default: first year against last)."
    ),
    min_growth: float = typer.Option(
        0.25, "--min-growth", help="Rise both flows need to flag a hub (0.25 = 25%)."
    ),
    min_value: float = typer.Option(
        100.0, "--min-value", help="Matched rise needed to flag a hub, thousand USD a year."
    ),
    slack: float = typer.Option(
        0.10, "--slack", help="Margin before exports exceed imports plus production (0.10)."
    ),
    edition: int = typer.Option(2024, "--edition", help="USGS MCS edition for production."),
    usgs_dir: Path | None = typer.Option(
        None, "--usgs-dir", help="Folder of MCS world tables (default: the mirror's)."
    ),
    view: View = typer.Option(
        View.diversion, "--view", help="Frame written by --format csv: diversion or balance."
    ),
    fmt: Format = FormatOption,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
) -> None:
    """Screen third countries for rerouting after a restriction (diversion, hub balances)."""
    from econsec.rerouting import rerouting as run

    if min_growth < 0 or min_value < 0 or slack < 0:
        raise ValueError("--min-growth, --min-value and --slack cannot be negative")
    res = run(
        source,
        target,
        list(product),
        years,
        date=date,
        min_growth=min_growth,
        min_value=min_value,
        slack=slack,
        edition=edition,
        usgs_folder=usgs_dir,
        home=home,
        allow_synthetic=allow_synthetic,
    )
    if fmt == Format.json:
        emit_json(res.to_dict())
        return
    for n in res.notes:
        console.print(f"note: {n}", highlight=False, soft_wrap=True)
    if fmt == Format.csv:
        emit_frame(res.to_polars() if view == View.diversion else res.balance, fmt)
        return
    s = res.params
    emit_frame(
        res.frame.select(TABLE_COLUMNS),
        fmt,
        title=f"Diversion {s['source']} → hub → {s['target']} (thousand USD a year)",
    )
    if res.balance.height:
        emit_frame(res.balance, fmt, title="Hub exports against imports plus production")
