"""The MRIO container and its loaders (Parquet bundle, pymrio systems).

A table is ``Z`` (n x n intermediate flows), ``Y`` (n x m final demand) and ``x`` (n gross
output) with row labels ``region, sector``; value added is the column residual
``v = x - 1ᵀ Z``. Published tables are rounded and not exactly balanced (``x ≠ Z 1 + Y 1``):
:meth:`MRIOTable.balance` reports by how much and :meth:`MRIOTable.rebalanced` recomputes ``x``
from ``Z`` and ``Y``.

The Parquet bundle is a folder with ``Z.parquet`` (columns ``region, sector`` then one column
``"region|sector"`` per column of Z, in row order), ``Y.parquet`` (``region, sector`` then
``"region|category"``), ``x.parquet`` (``region, sector, x``) and ``metadata.json`` (``name``,
``year``, ``unit``, ``regions``, ``sectors`` as ``{id, name, ...}`` records, ``citation``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from econsec.errors import DataError, NotFoundError
from econsec.mrio import iomath
from econsec.mrio.iomath import Array

BUNDLE_FILES = ("Z.parquet", "Y.parquet", "x.parquet", "metadata.json")


@dataclass(frozen=True)
class BalanceReport:
    """How far a table is from its row identity ``x = Z 1 + Y 1``.

    Attributes
    ----------
    residual
        Frame ``region, sector, x, x_from_flows, residual, rel_residual`` (one row per sector).
    atol, rtol
        A row is off balance when ``|r| > atol + rtol · |x|``.
    """

    residual: pl.DataFrame
    atol: float
    rtol: float
    negative_value_added: int
    zero_output: int
    max_column_sum_A: float

    @property
    def rows_off(self) -> int:
        """Number of rows outside the tolerance."""
        r = self.residual
        return int(((r["residual"].abs()) > self.atol + self.rtol * r["x"].abs()).sum())

    @property
    def balanced(self) -> bool:
        """True when every row is within tolerance."""
        return self.rows_off == 0

    def summary(self) -> dict[str, Any]:
        """Headline numbers as a flat dict (JSON-ready)."""
        r = self.residual
        total_x = float(r["x"].abs().sum())
        abs_r = r["residual"].abs()
        return {
            "rows": r.height,
            "rows_off_balance": self.rows_off,
            "balanced": self.balanced,
            "atol": self.atol,
            "rtol": self.rtol,
            "max_abs_residual": float(abs_r.max() or 0.0),  # type: ignore[arg-type]
            "max_rel_residual": float(r["rel_residual"].abs().max() or 0.0),  # type: ignore[arg-type]
            "sum_abs_residual": float(abs_r.sum()),
            "sum_abs_residual_share_of_output": float(abs_r.sum()) / total_x if total_x else 0.0,
            "zero_output_sectors": self.zero_output,
            "negative_value_added_sectors": self.negative_value_added,
            "max_column_sum_A": self.max_column_sum_A,
            "productive": self.max_column_sum_A < 1.0,
        }

    def worst(self, n: int = 10) -> pl.DataFrame:
        """Return the ``n`` rows with the largest absolute residual."""
        return self.residual.sort(pl.col("residual").abs(), descending=True).head(n)


@dataclass(frozen=True)
class MRIOTable:
    """A multi-regional input-output table.

    Attributes
    ----------
    Z, Y, x
        Intermediate flows (n x n), final demand (n x m), gross output (n).
    regions, sectors
        Row labels (length n each); columns of Z follow the same order.
    fd_labels
        ``(region, category)`` of each column of Y.
    unit
        Monetary unit of every flow (e.g. ``"million USD, current prices"``).
    source
        Where the table came from (file, release, citation).
    sector_names
        Optional ``sector id -> name``.
    """

    Z: Array
    Y: Array
    x: Array
    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    fd_labels: tuple[tuple[str, str], ...]
    unit: str = ""
    source: str = ""
    name: str = ""
    year: int | None = None
    sector_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.x.shape[0]
        if self.Z.shape != (n, n):
            raise DataError(f"Z has shape {self.Z.shape}, expected ({n}, {n})", field="Z")
        if self.Y.shape[0] != n or self.Y.shape[1] != len(self.fd_labels):
            raise DataError(
                f"Y has shape {self.Y.shape}, expected ({n}, {len(self.fd_labels)})", field="Y"
            )
        if len(self.regions) != n or len(self.sectors) != n:
            raise DataError("row labels do not match the size of x", field="region/sector")
        if len(set(zip(self.regions, self.sectors, strict=True))) != n:
            raise DataError("duplicate (region, sector) row labels", field="region/sector")

    @property
    def n(self) -> int:
        """Number of region x sector rows."""
        return int(self.x.shape[0])

    @property
    def v(self) -> Array:
        """Value added (primary inputs), ``vᵀ = xᵀ - 1ᵀ Z``."""
        return iomath.calc_v(self.Z, self.x)

    @property
    def y(self) -> Array:
        """Total final demand per row, ``y = Y 1``."""
        return self.Y.sum(axis=1)

    def region_list(self) -> list[str]:
        """Regions in table order, each once."""
        return list(dict.fromkeys(self.regions))

    def sector_list(self) -> list[str]:
        """Sectors in table order, each once."""
        return list(dict.fromkeys(self.sectors))

    def labels(self) -> pl.DataFrame:
        """Frame ``region, sector`` in row order."""
        return pl.DataFrame({"region": list(self.regions), "sector": list(self.sectors)})

    def index(self, region: str, sector: str) -> int:
        """Row position of ``(region, sector)``; raises :class:`NotFoundError` with suggestions."""
        for i, (r, s) in enumerate(zip(self.regions, self.sectors, strict=True)):
            if r == region and s == sector:
                return i
        if region not in self.regions:
            raise NotFoundError("region", region, _close(region, self.region_list()))
        raise NotFoundError("sector", sector, _close(sector, self.sector_list()))

    def balance(self, *, atol: float = 1.0, rtol: float = 1e-3) -> BalanceReport:
        """Check the row identity ``x = Z 1 + Y 1`` and report the residuals.

        Parameters
        ----------
        atol, rtol
            Tolerances: a row is off balance when ``|r| > atol + rtol · |x|``. The default
            ``atol = 1`` allows for values rounded to whole units.
        """
        xf = iomath.calc_x(self.Z, self.Y)
        r = self.x - xf
        # a row with no output but some flows counts as 100% off
        rel = np.where(
            self.x != 0, r / np.where(self.x != 0, self.x, 1.0), np.where(r != 0, 1.0, 0.0)
        )
        frame = self.labels().with_columns(
            pl.Series("x", self.x),
            pl.Series("x_from_flows", xf),
            pl.Series("residual", r),
            pl.Series("rel_residual", rel),
        )
        colsum = iomath.column_sums_A(iomath.calc_A(self.Z, self.x))
        return BalanceReport(
            residual=frame,
            atol=atol,
            rtol=rtol,
            negative_value_added=int((self.v < 0).sum()),
            zero_output=int((self.x == 0).sum()),
            max_column_sum_A=float(colsum.max()) if colsum.size else 0.0,
        )

    def rebalanced(self) -> MRIOTable:
        """Return a copy with ``x = Z 1 + Y 1``; value added absorbs the residual."""
        return replace(
            self,
            x=iomath.calc_x(self.Z, self.Y),
            source=(self.source + "; x recomputed as Z1 + Y1").lstrip("; "),
        )

    def vector(self, shock: pl.DataFrame, *, column: str = "value") -> Array:
        """Align a frame ``region, sector, <column>`` to the rows (duplicates add up)."""
        missing = {"region", "sector", column} - set(shock.columns)
        if missing:
            raise DataError(
                f"shock lacks columns {sorted(missing)}", field=",".join(sorted(missing))
            )
        out = np.zeros(self.n)
        pos = {(r, s): i for i, (r, s) in enumerate(zip(self.regions, self.sectors, strict=True))}
        for r, s, val in shock.select("region", "sector", column).iter_rows():
            i = pos.get((r, s))
            if i is None:
                self.index(str(r), str(s))  # raises with suggestions
            else:
                out[i] += 0.0 if val is None else float(val)
        return out

    def to_pymrio(self) -> Any:
        """Return the table as a ``pymrio.IOSystem`` (Z, Y, x with (region, sector) indexes)."""
        import pandas as pd
        import pymrio

        idx = pd.MultiIndex.from_arrays(
            [list(self.regions), list(self.sectors)], names=["region", "sector"]
        )
        fd = pd.MultiIndex.from_tuples(list(self.fd_labels), names=["region", "category"])
        return pymrio.IOSystem(
            Z=pd.DataFrame(self.Z, index=idx, columns=idx),
            Y=pd.DataFrame(self.Y, index=idx, columns=fd),
            x=pd.DataFrame({"indout": self.x}, index=idx),
            unit=pd.DataFrame({"unit": [self.unit] * self.n}, index=idx),
            name=self.name or "econsec",
        )


def _close(key: str, choices: list[str], limit: int = 5) -> list[str]:
    from rapidfuzz import process

    return [h[0] for h in process.extract(key, choices, limit=limit, score_cutoff=50)]


# ---------------------------------------------------------------------------------- bundle


def read_bundle(path: str | Path) -> MRIOTable:
    """Read a Parquet bundle folder (layout in the module docstring).

    Raises
    ------
    DataError
        Naming the file and field when a file is missing, labels disagree or values are not
        finite numbers.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DataError(
            "not a folder holding Z.parquet, Y.parquet, x.parquet, metadata.json", path=folder
        )
    for f in BUNDLE_FILES:
        if not (folder / f).is_file():
            raise DataError(f"missing {f} (a bundle needs {', '.join(BUNDLE_FILES)})", path=folder)
    meta_path = folder / "metadata.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataError(f"invalid JSON: {e.msg}", path=meta_path, line=e.lineno) from e
    if not isinstance(meta, dict):
        raise DataError("expected a JSON object", path=meta_path)
    Zf = _read_parquet(folder / "Z.parquet")
    Yf = _read_parquet(folder / "Y.parquet")
    xf = _read_parquet(folder / "x.parquet")
    labels = _labels(Zf, folder / "Z.parquet")
    for f, frame in (("Y.parquet", Yf), ("x.parquet", xf)):
        if _labels(frame, folder / f) != labels:
            raise DataError(
                "row labels (region, sector) differ from Z.parquet's",
                path=folder / f,
                field="region/sector",
            )
    want_cols = [f"{r}|{s}" for r, s in labels]
    zcols = Zf.columns[2:]
    if zcols != want_cols:
        bad = next(
            (i for i, (a, b) in enumerate(zip(zcols, want_cols, strict=False)) if a != b),
            min(len(zcols), len(want_cols)),
        )
        got = zcols[bad] if bad < len(zcols) else "(none)"
        raise DataError(
            f"column {bad + 3} is {got!r}, expected "
            f"{want_cols[bad] if bad < len(want_cols) else '(none)'!r} "
            "(Z columns must follow the row order)",
            path=folder / "Z.parquet",
            field=str(got),
        )
    if "x" not in xf.columns:
        raise DataError("no column 'x'", path=folder / "x.parquet", field="x")
    fd_labels = []
    for c in Yf.columns[2:]:
        reg, sep, cat = c.partition("|")
        if not sep:
            raise DataError(
                "final-demand columns must read 'region|category'",
                path=folder / "Y.parquet",
                field=c,
            )
        fd_labels.append((reg, cat))
    Z = _matrix(Zf, folder / "Z.parquet")
    Y = _matrix(Yf, folder / "Y.parquet")
    x = _matrix(xf.select("region", "sector", "x"), folder / "x.parquet").ravel()
    names = {
        str(s.get("id")): str(s.get("name", ""))
        for s in meta.get("sectors", [])
        if isinstance(s, dict)
    }
    year = meta.get("year")
    source = "; ".join(str(p) for p in (meta.get("name"), meta.get("citation"), folder) if p)
    return MRIOTable(
        Z=Z,
        Y=Y,
        x=x,
        regions=tuple(r for r, _ in labels),
        sectors=tuple(s for _, s in labels),
        fd_labels=tuple(fd_labels),
        unit=str(meta.get("unit", "")),
        source=source,
        name=str(meta.get("name", folder.name)),
        year=int(year) if year is not None else None,
        sector_names=names,
    )


def write_bundle(table: MRIOTable, path: str | Path) -> Path:
    """Write a table as a Parquet bundle folder (the layout :func:`read_bundle` reads)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    lab = table.labels()
    cols = [f"{r}|{s}" for r, s in zip(table.regions, table.sectors, strict=True)]
    fd = [f"{r}|{c}" for r, c in table.fd_labels]
    pl.concat(
        [lab, pl.DataFrame(table.Z, schema=cols, orient="row")], how="horizontal"
    ).write_parquet(folder / "Z.parquet")
    pl.concat(
        [lab, pl.DataFrame(table.Y, schema=fd, orient="row")], how="horizontal"
    ).write_parquet(folder / "Y.parquet")
    lab.with_columns(pl.Series("x", table.x)).write_parquet(folder / "x.parquet")
    meta = {
        "name": table.name,
        "year": table.year,
        "unit": table.unit,
        "regions": table.region_list(),
        "sectors": [{"id": s, "name": table.sector_names.get(s, "")} for s in table.sector_list()],
        "final_demand_categories": list(dict.fromkeys(c for _, c in table.fd_labels)),
        "citation": table.source,
    }
    (folder / "metadata.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return folder


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except Exception as e:  # polars raises several types for corrupt files
        raise DataError(f"cannot read Parquet: {e}", path=path) from e


def _labels(frame: pl.DataFrame, path: Path) -> list[tuple[str, str]]:
    for c in ("region", "sector"):
        if c not in frame.columns:
            raise DataError(f"no column {c!r}", path=path, field=c)
    return list(
        zip(
            frame["region"].cast(pl.Utf8).to_list(),
            frame["sector"].cast(pl.Utf8).to_list(),
            strict=True,
        )
    )


def _matrix(frame: pl.DataFrame, path: Path) -> Array:
    body = frame.drop("region", "sector")
    for c, dt in body.schema.items():
        if not dt.is_numeric():
            raise DataError(f"column is {dt}, expected numbers", path=path, field=c)
    arr = body.to_numpy().astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = (int(a[0]) for a in np.nonzero(bad))
        raise DataError("missing or non-finite value", path=path, line=i + 1, field=body.columns[j])
    return arr


# ---------------------------------------------------------------------------------- pymrio


def from_pymrio(io: Any, *, source: str = "") -> MRIOTable:
    """Convert a ``pymrio.IOSystem`` (rows indexed by ``region, sector``) to a table.

    ``x`` is taken from the system when present, else computed as ``Z 1 + Y 1``.
    """
    if io.Z is None or io.Y is None:
        raise DataError(
            "the pymrio system has no Z or Y (parse it with its flows)", path=source or None
        )
    Zdf, Ydf = io.Z, io.Y
    if Zdf.index.nlevels != 2 or not Zdf.index.equals(Zdf.columns):
        raise DataError("Z must be indexed by (region, sector) on both axes", path=source or None)
    Ydf = Ydf.reindex(Zdf.index)
    Z = Zdf.to_numpy(dtype=np.float64)
    Y = Ydf.to_numpy(dtype=np.float64)
    if io.x is not None:
        x = io.x.reindex(Zdf.index).to_numpy(dtype=np.float64).ravel()
    else:
        x = iomath.calc_x(Z, Y)
    regions = tuple(str(r) for r in Zdf.index.get_level_values(0))
    sectors = tuple(str(s) for s in Zdf.index.get_level_values(1))
    fd = tuple(
        (str(c[0]), str(c[1])) if isinstance(c, tuple) else ("", str(c)) for c in Ydf.columns
    )
    unit = ""
    if getattr(io, "unit", None) is not None and len(io.unit):
        unit = str(io.unit.iloc[0, 0])
    meta = getattr(io, "meta", None)
    name = str(getattr(meta, "name", "") or "")
    year = getattr(meta, "year", None)
    src = "; ".join(p for p in (name, source) if p)
    return MRIOTable(
        Z=Z,
        Y=Y,
        x=x,
        regions=regions,
        sectors=sectors,
        fd_labels=fd,
        unit=unit,
        source=src,
        name=name,
        year=int(year) if isinstance(year, int | str) and str(year).isdigit() else None,
    )


def _parse_with_pymrio(kind: str, path: str | Path, **kwargs: Any) -> MRIOTable:
    import pymrio

    parser = {
        "oecd": pymrio.parse_oecd,
        "exiobase3": pymrio.parse_exiobase3,
        "wiod": pymrio.parse_wiod,
    }[kind]
    p = Path(path)
    if not p.exists():
        raise DataError("no such file or folder", path=p)
    try:
        io = parser(path=str(p), **kwargs)
    except Exception as e:  # pymrio raises bare exceptions of many kinds on malformed input
        raise DataError(
            f"pymrio.parse_{kind} could not read it: {type(e).__name__}: {e}", path=p
        ) from e
    return from_pymrio(io, source=str(p))


def read_oecd_icio(path: str | Path, year: int | None = None) -> MRIOTable:
    """Read an OECD ICIO file (zip or CSV) through ``pymrio.parse_oecd``."""
    return _parse_with_pymrio("oecd", path, year=year)


def read_exiobase3(path: str | Path) -> MRIOTable:
    """Read an EXIOBASE 3 archive or folder through ``pymrio.parse_exiobase3``."""
    return _parse_with_pymrio("exiobase3", path)


def read_wiod(path: str | Path, year: int | None = None) -> MRIOTable:
    """Read a WIOD 2013 release file through ``pymrio.parse_wiod``."""
    return _parse_with_pymrio("wiod", path, year=year)


def load_table(path: str | Path, *, kind: str = "auto", year: int | None = None) -> MRIOTable:
    """Load a table of any supported format.

    ``kind`` is ``auto`` (a Parquet bundle folder), ``bundle``, ``oecd``, ``exiobase3`` or
    ``wiod``.
    """
    p = Path(path)
    if kind == "auto":
        if p.is_dir() and (p / "Z.parquet").exists():
            kind = "bundle"
        else:
            raise DataError(
                "not a Parquet bundle folder; for other formats give the kind: "
                "oecd, exiobase3 or wiod",
                path=p,
            )
    if kind == "bundle":
        return read_bundle(p)
    if kind == "oecd":
        return read_oecd_icio(p, year)
    if kind == "exiobase3":
        return read_exiobase3(p)
    if kind == "wiod":
        return read_wiod(p, year)
    raise DataError(
        f"unknown table kind {kind!r}; allowed: auto, bundle, oecd, exiobase3, wiod", field="kind"
    )
