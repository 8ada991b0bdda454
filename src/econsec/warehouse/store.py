"""Atomic writes into the warehouse: stage aside, then rename into place."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from econsec.warehouse.schema import TRADE_SCHEMA, baci_root, release_dir

PARQUET_OPTS: dict[str, Any] = {"compression": "zstd", "compression_level": 1}


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file atomically (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        # mkstemp creates 0600; give the file the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def staging(home: Path) -> Iterator[Path]:
    """Provide a private staging folder in the warehouse, removed unless its content moved."""
    root = baci_root(home)
    root.mkdir(parents=True, exist_ok=True)
    stage = root / f".staging-{uuid.uuid4().hex}"
    stage.mkdir()
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def swap_into_place(staged: Path, target: Path) -> None:
    """Replace ``target`` by ``staged`` with renames, so readers see old or new, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        aside = target.parent / f".old-{target.name}-{uuid.uuid4().hex}"
        os.replace(target, aside)
        try:
            os.replace(staged, target)
        except BaseException:
            os.replace(aside, target)
            raise
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.replace(staged, target)


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    """Write ``meta.json`` atomically."""
    atomic_write_text(path / "meta.json", json.dumps(meta, indent=2, sort_keys=True) + "\n")


def now_iso() -> str:
    """Return the current UTC time as ISO text (for provenance)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def write_release_frames(
    home: Path,
    hs: str,
    release: str,
    trade: pl.DataFrame,
    countries: pl.DataFrame,
    products: pl.DataFrame | None = None,
    *,
    synthetic: bool = False,
    source: str = "frames",
) -> Path:
    """Write a whole release from in-memory frames (small data: tests, examples).

    ``trade`` has columns ``t, i, j, k, v`` and optionally ``q``; ``countries`` has
    ``code, name, iso2, iso3``; ``products`` has ``code, description``.
    """
    if "q" not in trade.columns:
        trade = trade.with_columns(pl.lit(None, dtype=pl.Float64).alias("q"))
    tbl = trade.select(list(TRADE_SCHEMA.names)).to_arrow().cast(TRADE_SCHEMA)
    if products is None:
        codes = sorted(set(trade["k"].to_list()))
        products = pl.DataFrame({"code": codes, "description": [""] * len(codes)})
    with staging(home) as stage:
        out = stage / "release"
        out.mkdir()
        years: dict[str, Any] = {}
        for y in sorted(set(tbl.column("t").to_pylist())):
            part = tbl.filter(pa.compute.equal(tbl.column("t"), y))
            d = out / f"year={y}"
            d.mkdir()
            pq.write_table(part, d / "part-0.parquet", **PARQUET_OPTS)
            years[str(y)] = {
                "rows": part.num_rows,
                "rejects": 0,
                "source": source,
                "products": len(set(part.column("k").to_pylist())),
                "countries": len(
                    set(part.column("i").to_pylist()) | set(part.column("j").to_pylist())
                ),
            }
        countries.with_columns(pl.col("code").cast(pl.Int16)).write_parquet(
            out / "countries.parquet"
        )
        products.write_parquet(out / "products.parquet")
        write_meta(
            out,
            {
                "hs": hs,
                "release": release,
                "synthetic": synthetic,
                "source": source,
                "ingested_at": now_iso(),
                "years": years,
            },
        )
        swap_into_place(out, release_dir(home, hs, release))
    return release_dir(home, hs, release)
