"""``econsec data doctor``: repair what crashes left and check that metadata matches the data.

Repairs (under the writer lock): interrupted release swaps are finished or undone, leftover
staging folders and temporary files are removed, cached downloads that fail their checks are
dropped (the next fetch gets them again), and flow summaries no query will read again are
removed (:func:`econsec.query.summary_files.prune_summaries`). Checks, per release: ``meta.json``
is readable; every year it lists has Parquet files whose rows (from the Parquet footers) add
up to the rows it records, and no year is on disk without being listed; the files and rejects
files it lists are present with their recorded sizes; the country and product tables are
present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from econsec.download import forget, verify_cached
from econsec.errors import EconsecError
from econsec.warehouse.catalog import read_meta, release_dirs
from econsec.warehouse.journal import journals
from econsec.warehouse.schema import baci_root
from econsec.warehouse.store import writing


@dataclass
class DoctorReport:
    """What the doctor repaired and which problems remain."""

    home: Path
    fixed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    releases: int = 0
    files: int = 0

    @property
    def ok(self) -> bool:
        """Whether no problem remains."""
        return not self.problems

    def summary(self) -> dict[str, Any]:
        """Return a JSON-friendly summary."""
        return {
            "home": str(self.home),
            "ok": self.ok,
            "releases": self.releases,
            "files": self.files,
            "fixed": self.fixed,
            "problems": self.problems,
        }


def doctor(home: Path, *, wait: float | None = None) -> DoctorReport:
    """Repair and check the warehouse under ``home`` (see the module docstring).

    Raises
    ------
    WarehouseBusyError
        When another writer holds the warehouse for longer than ``wait`` seconds.
    StorageError
        When ``home`` is a file or cannot be written.
    """
    rep = DoctorReport(home)
    with writing(home, wait=wait, what="data doctor") as repaired:
        rep.fixed.extend(repaired)
        rep.problems.extend(  # tidy() leaves only journals it cannot read
            f"unreadable swap journal {j}; check the release beside it, then delete it"
            for j in journals(baci_root(home))
        )
        rep.fixed.extend(_drop_bad_downloads(home / "downloads"))
        from econsec.query.summary_files import prune_summaries

        rep.fixed.extend(prune_summaries(home))
        for hs, release, path in release_dirs(home):
            rep.releases += 1
            n, problems = check_release(path)
            rep.files += n
            rep.problems.extend(f"{hs} {release}: {p}" for p in problems)
        from econsec.sources.store import check_sources  # Comtrade, national statistics

        for source, n, problems in check_sources(home):
            rep.files += n
            rep.problems.extend(f"{source}: {p}" for p in problems)
    return rep


def _drop_bad_downloads(folder: Path) -> list[str]:
    out = []
    for f in sorted(folder.glob("*.zip")) if folder.is_dir() else []:
        problem = verify_cached(f)
        if problem is not None:
            forget(f)
            out.append(f"removed bad download {f.name} ({problem}); the next fetch gets it again")
    return out


def check_release(path: Path) -> tuple[int, list[str]]:
    """Check one release folder; return the Parquet files read and the problems found."""
    try:
        meta = read_meta(path)
    except EconsecError as e:
        return 0, [str(e)]
    if not meta:
        return 0, [f"no meta.json in {path}; re-ingest the release"]
    problems = [
        f"{name} is missing from {path}"
        for name in ("countries.parquet", "products.parquet")
        if not (path / name).is_file()
    ]
    rows, files, bad = _parquet_rows(path)
    problems += bad
    listed = {int(y): v for y, v in meta.get("years", {}).items()}
    for y in sorted(set(listed) | set(rows)):
        want = listed.get(y, {}).get("rows")
        if y not in listed:
            problems.append(f"year {y} is on disk but not in meta.json")
        elif y not in rows:
            problems.append(f"year {y} is in meta.json ({want} rows) but has no Parquet files")
        elif want != rows[y]:
            problems.append(
                f"year {y}: meta.json says {want} rows, the Parquet files hold {rows[y]}"
            )
    for rel, rec in sorted(meta.get("files", {}).items()):
        f = path / rel
        if not f.is_file():
            problems.append(f"{rel} is listed in meta.json but missing")
        elif isinstance(rec, dict) and rec.get("bytes") not in (None, f.stat().st_size):
            problems.append(f"{rel}: {f.stat().st_size} bytes, meta.json records {rec['bytes']}")
    for rel in sorted(meta.get("rejects_files", {})):
        if not (path / rel).is_file():
            problems.append(f"rejects file {rel} is listed in meta.json but missing")
    if "rejects_files" not in meta:  # written by an older version: check what it can
        for y, v in sorted(listed.items()):
            if v.get("rejects") and not any(path.glob("rejects/*.csv")):
                problems.append(f"year {y} has {v['rejects']} rejects but no rejects file")
    if problems:
        problems.append(f"fix: re-ingest {meta.get('source') or 'the release'} with --force")
    return len(files), problems


def _parquet_rows(path: Path) -> tuple[dict[int, int], list[Path], list[str]]:
    rows: dict[int, int] = {}
    files = sorted(path.glob("year=*/*.parquet"))
    bad = []
    for f in files:
        try:
            n = pq.ParquetFile(f).metadata.num_rows
        except (OSError, ValueError) as e:
            bad.append(f"{f.relative_to(path)} is unreadable ({e})")
            continue
        year = f.parent.name.split("=", 1)[1]
        if not year.isdigit():
            bad.append(f"unexpected folder {f.parent.name}")
            continue
        rows[int(year)] = rows.get(int(year), 0) + n
    return rows, files, bad
