"""A tidy inventory of the warehouse (what ``econsec data list`` shows)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from econsec.warehouse.catalog import list_releases

LIST_SCHEMA = {
    "hs": pl.Utf8,
    "release": pl.Utf8,
    "year": pl.Int64,
    "rows": pl.Int64,
    "products": pl.Int64,
    "countries": pl.Int64,
    "bytes": pl.Int64,
    "rejects": pl.Int64,
    "synthetic": pl.Boolean,
    "source": pl.Utf8,
}


def _count(countries: object) -> int | None:
    """Countries of a year: ``meta.json`` holds the list of codes (older ones, a count)."""
    if isinstance(countries, list):
        return len(countries)
    return countries if isinstance(countries, int) else None


def inventory(home: Path) -> pl.DataFrame:
    """One row per nomenclature × release × year: rows, products, countries, bytes, rejects."""
    recs = []
    for r in list_releases(home):
        for y, m in sorted(r.years.items()):
            files = list((r.path / f"year={y}").glob("*.parquet"))
            recs.append(
                {
                    "hs": r.hs,
                    "release": r.release,
                    "year": y,
                    "rows": m.get("rows"),
                    "products": m.get("products"),
                    "countries": _count(m.get("countries")),
                    "bytes": sum(f.stat().st_size for f in files),
                    "rejects": m.get("rejects", 0),
                    "synthetic": r.synthetic,
                    "source": m.get("source"),
                }
            )
    from econsec.sources.store import inventory_rows  # Comtrade, national statistics

    recs.extend(inventory_rows(home))
    return pl.DataFrame(recs, schema=LIST_SCHEMA)
