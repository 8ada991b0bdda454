"""Command bodies shared with other command modules (kept here so they stay small)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from econsec.cli.common import Format, console, emit_frame


def world_reliance(
    exporters: list[str] | None,
    year: int | None,
    products: list[str] | None,
    basket: list[str] | None,
    fmt: Format,
    home: Path | None,
) -> None:
    """``econsec indispensability --source comtrade``: concentration from partner-World rows."""
    from econsec.settings import get_settings
    from econsec.sources.mirror import world_indispensability

    if year is None or not products or basket:
        raise ValueError("--source comtrade needs --year and --product codes (no --basket)")
    df = world_indispensability(year, products, home=get_settings(home).home)
    if exporters:
        df = df.filter(pl.col("exporter").is_in([e.strip().upper() for e in exporters]))
    if fmt == Format.table:
        console.print(
            "note: exporters' own reports to partner World (UN Comtrade, re-exports excluded); "
            "dependents and replaceability need bilateral flows",
            highlight=False,
        )
    emit_frame(df, fmt, title=f"Export reliance {year} (UN Comtrade, exports to World)")
