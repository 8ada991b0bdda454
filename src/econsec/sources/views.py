"""Views over the national monthly series: one product between two countries, month by month."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from econsec.errors import NotFoundError
from econsec.sources.api import monthly

PAIR_COLUMNS = ("importer", "exporter", "product", "year", "month", "value", "quantity", "source")


def monthly_pair(
    importer: str,
    exporter: str,
    products: Sequence[str],
    years: Sequence[int] | None = None,
    *,
    home: Path | str | None = None,
) -> pl.DataFrame:
    """Monthly trade of ``products`` from ``exporter`` to ``importer`` (thousand USD, tons).

    Taken from the importer's own statistics (its imports) when it reports the pair, else
    from the exporter's (its exports); ``source`` says which.

    Raises
    ------
    NotFoundError
        When neither country's national statistics hold the pair and products.
    """
    imp = monthly(importer, partners=exporter, products=list(products), years=years, home=home)
    if imp.height:
        return _pair(imp, "import", reporter_is="importer")
    exp = monthly(exporter, partners=importer, products=list(products), years=years, home=home)
    if exp.height:
        return _pair(exp, "export", reporter_is="exporter")
    raise NotFoundError(
        "monthly series",
        f"{exporter} → {importer} {', '.join(products)}",
        hint="no national statistics held report it; ingest one with "
        "'econsec data ingest national FILE --reporter ISO3'",
    )


def _pair(df: pl.DataFrame, flow: str, *, reporter_is: str) -> pl.DataFrame:
    other = "exporter" if reporter_is == "importer" else "importer"
    return df.select(
        pl.col("reporter").alias(reporter_is),
        pl.col("partner").alias(other),
        "product",
        "year",
        "month",
        pl.col(f"{flow}_v").alias("value"),
        pl.col(f"{flow}_q").alias("quantity"),
        pl.concat_str(pl.col("reporter"), pl.lit(f" national statistics ({flow}s)")).alias(
            "source"
        ),
    ).select(PAIR_COLUMNS)
