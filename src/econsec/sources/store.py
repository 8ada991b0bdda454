"""Second and third sources in the warehouse: one folder per source, one partition per file.

Layout under ``ECONSEC_HOME``::

    sources/<source>/               # comtrade, national
        file=<stem>/part-0.parquet  # the accepted rows of one ingested file
        rejects/<stem>.csv          # its rejected rows: file, line, field, value, reason, row
        countries.parquet           # the country table codes were validated against
        meta.json                   # per file: sha256, rows, rejects, duplicates, years

A file is replaced wholesale when ingested again (same name). The whole source folder is
staged and swapped in with the warehouse's journal (:mod:`econsec.warehouse.store`), under its
writer lock, so a failed or interrupted ingest leaves the source as it was.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq

from econsec.errors import DataError, NotFoundError
from econsec.warehouse.catalog import read_meta
from econsec.warehouse.store import (
    PARQUET_OPTS,
    now_iso,
    staging,
    swap_into_place,
    write_meta,
)
from econsec.warehouse.zipfiles import read_countries_file

SOURCES = ("comtrade", "national")


def sources_root(home: Path) -> Path:
    """Folder holding every non-BACI source."""
    return home / "sources"


def source_dir(home: Path, source: str) -> Path:
    """Folder of one source."""
    if source not in SOURCES:
        raise NotFoundError("source", source, SOURCES)
    return sources_root(home) / source


def file_stem(path: Path) -> str:
    """Partition name of an ingested file: its name without extensions, safe characters only."""
    name = path.name
    for ext in (".gz", ".csv", ".txt"):
        if name.lower().endswith(ext):
            name = name[: -len(ext)]
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "file"


@dataclass
class SourceReport:
    """What one ingest into a source did."""

    source: str
    path: Path
    file: str
    sha256: str
    rows: int
    rejects: int
    duplicates: int
    breakdowns: int
    years: dict[int, int]
    rejects_file: Path | None
    shape: str
    seconds: float = 0.0
    skipped: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Return a JSON-friendly summary."""
        return {
            "source": self.source,
            "file": self.file,
            "shape": self.shape,
            "sha256": self.sha256,
            "rows": self.rows,
            "rejects": self.rejects,
            "duplicates": self.duplicates,
            "breakdowns": self.breakdowns,
            "years": {str(y): n for y, n in sorted(self.years.items())},
            "rejects_file": str(self.rejects_file) if self.rejects_file else None,
            "seconds": round(self.seconds, 3),
            "skipped": self.skipped,
            "notes": self.notes,
            "path": str(self.path),
        }


def country_table(home: Path, countries: Path | None, path: Path) -> pl.DataFrame:
    """Return the country table to check codes against: ``countries``, else the newest BACI one."""
    if countries is not None:
        return read_countries_file(countries)
    found = sorted(
        (home / "baci").glob("hs=*/release=*/countries.parquet"),
        key=lambda p: p.parent.name,
        reverse=True,
    )
    if found:
        return pl.read_parquet(found[0])
    raise DataError(
        "no country table to resolve country codes: pass --countries (a BACI country_codes "
        "CSV or release zip) or fetch a BACI release first",
        path=path,
    )


def held_files(home: Path, source: str) -> dict[str, dict[str, Any]]:
    """Files a source holds: stem → its record in ``meta.json``."""
    files: dict[str, dict[str, Any]] = read_meta(source_dir(home, source)).get("files", {})
    return files


def write_file(
    home: Path,
    source: str,
    stem: str,
    rows: pl.DataFrame,
    rejects: pl.DataFrame,
    record: dict[str, Any],
    countries: pl.DataFrame,
    *,
    wait: float | None = None,
) -> Path | None:
    """Replace the partition of file ``stem`` in ``source`` atomically; return its rejects file.

    ``record`` (sha256, counts, notes) is stored in ``meta.json`` with the rows per year.
    """
    target = source_dir(home, source)
    with staging(home, wait=wait, what=f"ingest {source} {stem}") as stage:
        out = stage / source
        if target.exists():
            _link_copy(target, out, drop=stem)
        out.mkdir(parents=True, exist_ok=True)
        part = out / f"file={stem}"
        part.mkdir()
        pq.write_table(rows.to_arrow(), part / "part-0.parquet", **PARQUET_OPTS)
        rej_file = None
        if rejects.height:
            (out / "rejects").mkdir(exist_ok=True)
            rej_file = out / "rejects" / f"{stem}.csv"
            rejects.write_csv(rej_file)
        countries.with_columns(pl.col("code").cast(pl.Int16)).write_parquet(
            out / "countries.parquet"
        )
        meta = read_meta(target) if target.exists() else {}
        files = dict(meta.get("files", {}))
        years = rows.group_by("year").len().sort("year")
        written = pq.ParquetFile(part / "part-0.parquet").metadata.num_rows
        if written != rows.height:  # never commit a write that lost rows
            raise DataError(f"{written} rows written but {rows.height} validated; not committed")
        files[stem] = {
            **record,
            "rows": rows.height,
            "rejects": rejects.height,
            "rejects_file": f"rejects/{stem}.csv" if rej_file else None,
            "years": {str(y): n for y, n in years.iter_rows()},
            "ingested_at": now_iso(),
        }
        write_meta(out, {"source": source, "files": files})
        swap_into_place(out, target)
    return target / "rejects" / f"{stem}.csv" if rej_file else None


def _link_copy(src: Path, dst: Path, *, drop: str) -> None:
    """Stage a copy of a source folder without file ``drop`` (Parquet files hard-linked)."""

    def ignore(folder: str, names: list[str]) -> list[str]:
        here = Path(folder)
        if here == src:
            return [n for n in names if n == f"file={drop}"]
        if here.name == "rejects":
            return [n for n in names if n == f"{drop}.csv"]
        return []

    def copy(a: str, b: str) -> None:
        if a.endswith(".parquet") and Path(a).parent.name.startswith("file="):
            os.link(a, b)  # partitions are only ever replaced whole, never rewritten
        else:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=copy, ignore=ignore)


def scan(home: Path, source: str) -> pl.LazyFrame | None:
    """All partitions of a source as one lazy frame (``None`` when it holds nothing)."""
    parts = sorted(source_dir(home, source).glob("file=*/part-0.parquet"))
    if not parts:
        return None
    return pl.concat(
        [pl.scan_parquet(p).with_columns(pl.lit(p.parent.name[5:]).alias("file")) for p in parts],
        how="vertical_relaxed",
    )


def countries_of(home: Path, source: str) -> pl.DataFrame:
    """Return the country table stored with a source."""
    f = source_dir(home, source) / "countries.parquet"
    if not f.exists():
        raise NotFoundError("source", source, SOURCES, hint=_ingest_hint(source))
    return pl.read_parquet(f)


def _ingest_hint(source: str) -> str:
    return f"ingest one first: 'econsec data ingest {source} FILE'"


def inventory_rows(home: Path) -> list[dict[str, Any]]:
    """Rows for ``econsec data list``: one per source × file × year."""
    out = []
    root = sources_root(home)
    for source in SOURCES:
        d = root / source
        if not d.is_dir():
            continue
        for stem, rec in sorted(read_meta(d).get("files", {}).items()):
            part = d / f"file={stem}" / "part-0.parquet"
            size = part.stat().st_size if part.exists() else 0
            years = rec.get("years", {})
            for y, n in sorted(years.items()):
                out.append(
                    {
                        "hs": ",".join(rec.get("hs", [])) or None,
                        "release": source,
                        "year": int(y),
                        "rows": n,
                        "products": None,
                        "countries": None,
                        "bytes": size if len(years) == 1 else None,
                        "rejects": rec.get("rejects", 0),
                        "synthetic": False,
                        "source": Path(rec.get("path", stem)).name,
                    }
                )
    return out


def check_sources(home: Path) -> list[tuple[str, int, list[str]]]:
    """``econsec data doctor`` for sources: per source, Parquet files read and problems.

    Every file ``meta.json`` lists has its partition with the rows it records (Parquet footers),
    and its rejects file; no partition is on disk without being listed; the country table is
    there.
    """
    out = []
    for source in SOURCES:
        d = sources_root(home) / source
        if d.is_dir():
            out.append((source, *_check_source(d)))
    return out


def _check_source(d: Path) -> tuple[int, list[str]]:
    try:
        files = read_meta(d).get("files", {})
    except DataError as e:
        return 0, [str(e)]
    problems = [] if (d / "countries.parquet").is_file() else [f"countries.parquet missing in {d}"]
    parts = {p.parent.name[5:]: p for p in d.glob("file=*/part-0.parquet")}
    for stem in sorted(set(parts) - set(files)):
        problems.append(f"file={stem} is on disk but not in meta.json")
    for stem, rec in sorted(files.items()):
        if stem not in parts:
            problems.append(f"{stem} is in meta.json but has no Parquet file")
            continue
        try:
            n = pq.ParquetFile(parts[stem]).metadata.num_rows
        except (OSError, ValueError) as e:
            problems.append(f"file={stem}/part-0.parquet is unreadable ({e})")
            continue
        if n != rec.get("rows"):
            problems.append(f"{stem}: meta.json says {rec.get('rows')} rows, the file holds {n}")
        rej = rec.get("rejects_file")
        if rej and not (d / rej).is_file():
            problems.append(f"rejects file {rej} is listed in meta.json but missing")
    if problems:
        problems.append("fix: re-ingest the files named with --force")
    return len(parts), problems
