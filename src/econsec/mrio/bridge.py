"""HS product codes to input-output sectors: versioned bridge tables and value-conserving mapping.

A bridge is a CSV ``hs, sector, weight, source, date, note`` shipped under
``econsec/data/bridges`` and listed in ``bridges.toml``. ``hs`` is an HS chapter (2 digits),
heading (4) or subheading (6). **Precedence:** a product takes the rows of the longest code that
matches it — its HS6 code if listed, else its HS4 heading, else its HS2 chapter. The weights of
each code sum to 1, so mapping a value through the bridge conserves it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from econsec.errors import DataError, NotFoundError

BRIDGE_COLUMNS = ("hs", "sector", "weight", "source", "date", "note")
SECTOR_COLUMNS = ("sector", "name", "source")
_WEIGHT_TOL = 1e-9


@dataclass(frozen=True)
class Bridge:
    """An HS -> IO-sector bridge.

    Attributes
    ----------
    rows
        Frame ``hs, sector, weight, source, date, note`` (validated).
    sectors
        Frame ``sector, name, ...`` of the target classification.
    rest_of_world
        Region label that absorbs countries missing from the table.
    region_aliases
        ISO3 -> table region label where the table's label differs (WIOD 2013: ``ROU -> ROM``).
    """

    name: str
    classification: str
    version: str
    rows: pl.DataFrame
    sectors: pl.DataFrame
    rest_of_world: str = "RoW"
    region_aliases: dict[str, str] = field(default_factory=dict)

    def lookup(self, products: Iterable[str]) -> pl.DataFrame:
        """Frame ``product, sector, weight, hs`` by longest matching code (HS6, HS4, HS2).

        Raises
        ------
        DataError
            Naming the products no bridge row matches.
        """
        prods = pl.DataFrame(
            {"product": list(dict.fromkeys(products))}, schema={"product": pl.Utf8}
        )
        bad = prods.filter(~pl.col("product").str.contains(r"^\d{6}$"))["product"].to_list()
        if bad:
            raise DataError(f"products must be 6-digit HS codes, got {bad[:10]}", field="product")
        parts = []
        left = prods
        for width in (6, 4, 2):
            level = self.rows.filter(pl.col("hs").str.len_chars() == width)
            hit = left.with_columns(pl.col("product").str.slice(0, width).alias("hs")).join(
                level.select("hs", "sector", "weight"), on="hs", how="inner"
            )
            parts.append(hit)
            left = left.join(hit.select("product").unique(), on="product", how="anti")
        if left.height:
            codes = sorted(left["product"].to_list())
            raise DataError(
                f"no bridge row for {len(codes)} product(s): {', '.join(codes[:10])}"
                f" (bridge {self.name})",
                field="product",
            )
        return pl.concat(parts).select("product", "sector", "weight", "hs")

    def region(self, iso3: str, regions: Iterable[str] | None) -> str:
        """Table region for an ISO3 code: alias first, then the rest of the world if absent."""
        label = self.region_aliases.get(iso3, iso3)
        if regions is None:
            return label
        return label if label in set(regions) else self.rest_of_world


def hs_to_sectors(
    shock: pl.DataFrame,
    bridge: Bridge | str = "wiod13",
    *,
    regions: Iterable[str] | None = None,
    scale: float = 1.0,
) -> pl.DataFrame:
    """Map a product-level shock to region x IO sector, conserving value.

    Parameters
    ----------
    shock
        Frame ``importer_iso3, product, value`` (``product`` a 6-digit HS code).
    bridge
        A :class:`Bridge` or the name of a shipped one (see :func:`available_bridges`).
    regions
        The table's regions. Countries not among them (after the bridge's aliases) go to the
        bridge's rest-of-world region, so the total is kept. ``None`` keeps every ISO3 code.
    scale
        Factor applied to values, e.g. ``1e-3`` from BACI's thousand USD to a table in million
        USD.

    Returns
    -------
    polars.DataFrame
        ``region, sector, value`` with ``Σ value = scale · Σ shock.value``.
    """
    b = load_bridge(bridge) if isinstance(bridge, str) else bridge
    missing = {"importer_iso3", "product", "value"} - set(shock.columns)
    if missing:
        raise DataError(f"shock lacks columns {sorted(missing)}", field=",".join(sorted(missing)))
    s = shock.select(
        pl.col("importer_iso3").cast(pl.Utf8),
        pl.col("product").cast(pl.Utf8),
        pl.col("value").cast(pl.Float64),
    )
    if s["value"].null_count() or s["importer_iso3"].null_count():
        raise DataError("shock has missing importer_iso3 or value", field="value")
    region_list = list(regions) if regions is not None else None
    iso = s["importer_iso3"].unique().to_list()
    rmap = pl.DataFrame(
        {"importer_iso3": iso, "region": [b.region(c, region_list) for c in iso]},
        schema={"importer_iso3": pl.Utf8, "region": pl.Utf8},
    )
    lk = b.lookup(s["product"].to_list())
    return (
        s.join(rmap, on="importer_iso3")
        .join(lk.select("product", "sector", "weight"), on="product")
        .group_by("region", "sector")
        .agg((pl.col("value") * pl.col("weight") * scale).sum().alias("value"))
        .sort("region", "sector")
    )


# ------------------------------------------------------------------------------ loading


def _bridge_dir() -> Path:
    return Path(str(resources.files("econsec"))) / "data" / "bridges"


def _registry() -> dict[str, Any]:
    path = _bridge_dir() / "bridges.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise DataError(f"invalid TOML: {e}", path=path) from e


def available_bridges() -> list[str]:
    """Names of the shipped bridges."""
    return sorted(_registry())


def load_bridge(name: str = "wiod13") -> Bridge:
    """Load and validate a shipped bridge by name (``wiod13``, ``icio23``)."""
    reg = _registry()
    if name not in reg:
        raise NotFoundError("bridge", name, sorted(reg))
    entry = reg[name]
    folder = _bridge_dir()
    return read_bridge(
        folder / entry["bridge"],
        folder / entry["sectors"],
        name=name,
        classification=str(entry.get("classification", "")),
        version=str(entry.get("version", "")),
        rest_of_world=str(entry.get("rest_of_world", "RoW")),
        region_aliases={str(k): str(v) for k, v in entry.get("region_aliases", {}).items()},
    )


def read_bridge(
    path: str | Path,
    sectors_path: str | Path,
    *,
    name: str = "",
    classification: str = "",
    version: str = "",
    rest_of_world: str = "RoW",
    region_aliases: dict[str, str] | None = None,
) -> Bridge:
    """Read and validate a bridge CSV and its sector list.

    Raises
    ------
    DataError
        Naming the file, line and field of the first bad entry: a code that is not 2, 4 or 6
        digits, a weight outside (0, 1], an unknown sector, an empty source, or weights of one
        code that do not sum to 1.
    """
    sectors = _read_csv(Path(sectors_path), SECTOR_COLUMNS)
    known = set(sectors["sector"].to_list())
    p = Path(path)
    rows = _read_csv(p, BRIDGE_COLUMNS)
    weights: list[float] = []
    first_line: dict[str, int] = {}
    for n, (hs, sector, weight, source, date) in enumerate(
        rows.select("hs", "sector", "weight", "source", "date").iter_rows(), start=2
    ):
        if not (hs.isdigit() and len(hs) in (2, 4, 6)):
            raise DataError(
                f"HS code must be 2, 4 or 6 digits, got {hs!r}", path=p, line=n, field="hs"
            )
        if sector not in known:
            raise DataError(
                f"unknown sector {sector!r} (not in {Path(sectors_path).name})",
                path=p,
                line=n,
                field="sector",
            )
        try:
            w = float(weight)
        except ValueError:
            raise DataError(
                f"weight is not a number: {weight!r}", path=p, line=n, field="weight"
            ) from None
        if not 0.0 < w <= 1.0:
            raise DataError(f"weight must be in (0, 1], got {w}", path=p, line=n, field="weight")
        if not source.strip():
            raise DataError("empty source", path=p, line=n, field="source")
        if not date.strip():
            raise DataError("empty date", path=p, line=n, field="date")
        weights.append(w)
        first_line.setdefault(hs, n)
    rows = rows.with_columns(pl.Series("weight", weights, dtype=pl.Float64))
    sums = rows.group_by("hs").agg(
        pl.col("weight").sum(), pl.col("sector").n_unique().alias("k"), pl.len().alias("n")
    )
    for hs, total, k, cnt in sums.iter_rows():
        if abs(total - 1.0) > _WEIGHT_TOL:
            raise DataError(
                f"weights of HS {hs} sum to {total:g}, not 1",
                path=p,
                line=first_line[hs],
                field="weight",
            )
        if k != cnt:
            raise DataError(
                f"HS {hs} lists a sector twice", path=p, line=first_line[hs], field="sector"
            )
    return Bridge(
        name=name or p.stem,
        classification=classification,
        version=version,
        rows=rows,
        sectors=sectors,
        rest_of_world=rest_of_world,
        region_aliases=dict(region_aliases or {}),
    )


def _read_csv(path: Path, required: tuple[str, ...]) -> pl.DataFrame:
    if not path.is_file():
        raise DataError("no such file", path=path)
    try:
        df = pl.read_csv(path, infer_schema=False).fill_null("")
    except pl.exceptions.PolarsError as e:
        raise DataError(f"cannot read CSV: {e}", path=path) from e
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataError(f"missing columns {missing}", path=path, line=1, field=missing[0])
    return df
