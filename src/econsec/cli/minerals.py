"""``econsec minerals``: mine and refinery production by country from USGS MCS world tables."""

from __future__ import annotations

from pathlib import Path

import typer

from econsec.cli.common import Format, FormatOption, console, emit_frame, handle_errors

#: Columns shown in the terminal table (csv and json carry every column).
TABLE_COLUMNS = (
    "commodity",
    "stage",
    "year",
    "country",
    "iso3",
    "production",
    "unit",
    "share",
    "rank",
    "reserves",
    "reserves_share",
)


def register(app: typer.Typer) -> None:
    """Attach ``econsec minerals`` to the root command."""
    app.command("minerals")(minerals)


@handle_errors
def minerals(
    commodity: list[str] | None = typer.Option(
        None,
        "--commodity",
        "-c",
        help="USGS commodity: name (cobalt), MCS code (raree) or HS6 code; repeatable. "
        "Default: every commodity, leading producer of each series.",
    ),
    edition: int = typer.Option(2024, "--edition", help="Mineral Commodity Summaries edition."),
    country: list[str] | None = typer.Option(
        None, "--country", help="Only this country (ISO3, ISO2 or name); repeatable."
    ),
    year: int | None = typer.Option(None, "--year", "-y", help="Year (each table's latest)."),
    stage: str | None = typer.Option(None, "--stage", help="mine, refined or production."),
    top: int | None = typer.Option(
        None, "--top", help="Largest producers per series (default: all; 1 without --commodity)."
    ),
    usgs_dir: Path | None = typer.Option(
        None,
        "--usgs-dir",
        help="Folder of mcs<edition>-<code>_world.csv files "
        "(default: ECONSEC_MIRROR/ref/usgs_mcs<edition>_world).",
    ),
    fmt: Format = FormatOption,
) -> None:
    """Mine and refinery production by country, with world shares and reserves (USGS MCS)."""
    from econsec.minerals import minerals as run

    if stage is not None and stage not in ("mine", "refined", "production"):
        raise ValueError(f"--stage {stage!r}: use mine, refined or production")
    if top is not None and top < 1:
        raise ValueError(f"--top {top}: give a positive number")
    if top is None and not commodity and not country:
        top = 1
    res = run(
        commodity or None,
        edition=edition,
        country=country or None,
        year=year,
        stage=stage,
        top=top,
        folder=usgs_dir,
    )
    for n in res.notes:
        console.print(f"note: {n}", highlight=False, soft_wrap=True)
    df = res.to_polars()
    if fmt == Format.table:
        emit_frame(
            df.select(TABLE_COLUMNS),
            fmt,
            title=f"USGS Mineral Commodity Summaries {edition}: production by country",
            limit=200,
        )
        console.print(
            "share: of the published world total (rounded); reserves_share: of world reserves. "
            "Source: U.S. Geological Survey, Mineral Commodity Summaries "
            f"{edition} (public domain).",
            highlight=False,
            soft_wrap=True,
        )
    else:
        emit_frame(df, fmt)
