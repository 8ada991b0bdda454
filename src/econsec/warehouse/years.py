"""What a release's years hold: the rules for replacing them and their ``meta.json`` entries.

A year comes from exactly one file. Ingesting a file replaces each of its years wholesale; a
replacement that would leave a year with less than half its rows (or drop it) needs ``force``.
Each year's entry records the rows and rejects committed, the file it came from (name,
SHA-256, size) and ``countries``: the sorted CEPII codes seen as exporter or importer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from econsec.errors import DataError
from econsec.warehouse.schema import SHRINK_LIMIT, check_year
from econsec.warehouse.store import now_iso
from econsec.warehouse.zipfiles import ReleaseZip

_YEAR_IN_NAME = re.compile(r"_Y(\d{4})_", re.IGNORECASE)


@dataclass
class YearStats:
    """Rows, rejects, products and countries of one year as ingested."""

    rows: int = 0
    rejects: int = 0
    products: set[str] = field(default_factory=set)
    countries: set[int] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)
    n_products: int = 0  # distinct count when the set was not kept (fast path)
    rejects_file: str | None = None


def file_years(rz: ReleaseZip | None, path: Path, hs: str, year: int | None) -> list[int]:
    """Return the years the input holds: the zip's members, or the yearly CSV's single year."""
    if rz is not None:
        if year is not None:
            raise DataError("--year applies to a yearly CSV, not to a release zip", path=path)
        years = sorted(rz.years)
    else:
        m = _YEAR_IN_NAME.search(path.name)
        named = int(m.group(1)) if m else None
        if year is not None and named is not None and year != named:
            raise DataError(f"--year {year} contradicts the file's name (year {named})", path=path)
        y = year if year is not None else named
        if y is None:
            raise DataError(
                "cannot tell the file's year from its name (like BACI_HS17_Y2024_V202601.csv); "
                "pass --year",
                path=path,
            )
        years = [y]
    for y in years:
        try:
            check_year(hs, y)
        except ValueError as e:
            raise DataError(str(e), path=path) from None
    return years


def already_held(old: dict[str, Any], years: list[int], digest: str, is_zip: bool) -> bool:
    """Whether the warehouse's current content of ``years`` came from this very file."""
    held = old.get("years", {})
    if not digest or (is_zip and set(held) != {str(y) for y in years}):
        return False
    return all(held.get(str(y), {}).get("sha256") == digest for y in years)


def check_shrink(
    old: dict[str, Any], stats: dict[int, YearStats], years: list[int], is_zip: bool, path: Path
) -> None:
    """Refuse a replacement that would leave a year with less than half its rows (or none)."""
    held = {int(y): int(v.get("rows", 0)) for y, v in old.get("years", {}).items()}
    touched = sorted(held) if is_zip else years
    lost = []
    for y in touched:
        before = held.get(y, 0)
        after = stats[y].rows if y in stats else 0
        if before and after < before * SHRINK_LIMIT:
            lost.append(f"{y}: {before:,} → {after:,} rows")
    if lost:
        more = f" (+{len(lost) - 3} more years)" if len(lost) > 3 else ""
        raise DataError(
            f"would shrink years held to less than {SHRINK_LIMIT:.0%} of their rows "
            f"({'; '.join(lost[:3])}{more}); nothing was ingested; pass --force to replace them",
            path=path,
        )


def forget_years(out: Path, old: dict[str, Any], years: list[int]) -> None:
    """Drop the staged copy's rejects of years about to be replaced (never credit them again)."""
    for y in years:
        rf = old.get("years", {}).get(str(y), {}).get("rejects_file")
        if rf:
            (out / rf).unlink(missing_ok=True)
        # Releases ingested before rejects files were recorded: BACI names carry the year.
        for f in (out / "rejects").glob(f"*_Y{y}_*.csv") if (out / "rejects").exists() else []:
            f.unlink()


def new_meta(
    old: dict[str, Any],
    rz: ReleaseZip | None,
    products: pl.DataFrame | None,
    stats: dict[int, YearStats],
    path: Path,
    size: int,
    digest: str,
    hs: str,
    rel: str,
) -> dict[str, Any]:
    """Return the release's ``meta.json``: provenance, and per year what was committed."""
    meta = dict(old) if (rz is None and old) else {}
    years_meta = dict(meta.get("years", {}))
    for y, s in stats.items():
        years_meta.pop(str(y), None)
        if not s.rows:
            continue
        years_meta[str(y)] = {
            "rows": s.rows,
            "rejects": s.rejects,
            "rejects_file": s.rejects_file,
            "products": s.n_products or len(s.products),
            "countries": sorted(int(c) for c in s.countries),
            "source": ",".join(s.sources),
            "file": path.name,
            "sha256": digest,
            "size": size,
        }
    shas = dict(meta.get("sources_sha256", {}))
    shas[path.name] = digest
    sizes = dict(meta.get("sources_size", {}))
    sizes[path.name] = size
    table = "release" if products is not None else meta.get("product_table", "seen")
    if rz is None and products is None:
        table = "seen"
    meta.update(
        {
            "hs": hs,
            "release": rel,
            "source": str(path),
            "sha256": digest,
            "sources_sha256": shas,
            "sources_size": sizes,
            "ingested_at": now_iso(),
            "synthetic": bool(rz.synthetic) if rz else bool(meta.get("synthetic", False)),
            "product_table": table,
            "years": years_meta,
            "rejects": sum(int(v.get("rejects", 0)) for v in years_meta.values()),
        }
    )
    return meta
