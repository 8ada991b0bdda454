"""The flow summaries' files: where they live, what they were computed from, which are stale.

Each release year's summary is a folder ``<home>/cache/summaries/hs=…/release=…/year=…/``
holding ``markets.parquet``, ``sellers.parquet``, ``world.parquet`` and ``source.json``
(:func:`source_of`); :mod:`econsec.query.summaries` writes and reads them, ``econsec data
doctor`` prunes them (:func:`prune_summaries`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Bumped whenever the summary's columns or meaning change: older files are then recomputed.
SUMMARY_VERSION = 4
#: Staging folders of summary writes older than this are leftovers of a process that died.
STAGING_MAX_AGE_S = 3600.0


def cache_root(home: Path) -> Path:
    """Folder of the on-disk summaries of the warehouse at ``home``."""
    return home / "cache" / "summaries"


def summary_dir(home: Path, hs: str, release: str, year: int) -> Path:
    """Folder of one release year's summary (what :func:`prune_summaries` walks)."""
    return cache_root(home) / f"hs={hs}" / f"release={release}" / f"year={year}"


def readable(path: Path) -> bool:
    """Whether ``path`` is a whole Parquet file (its footer reads): a damaged copy is redone."""
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
    except Exception as e:  # missing, truncated or not Parquet at all
        log.info("flow summary %s not used: %s", path, e)
        return False
    return True


def source_of(release: Path, year: int) -> dict[str, Any]:
    """Return what a summary of ``year`` of the release folder ``release`` is computed from.

    The year's data files and the country table (codes are merged through it), each as
    name, size and modification time, with :data:`SUMMARY_VERSION`.
    """
    files = sorted((release / f"year={year}").glob("*.parquet"))
    files.append(release / "countries.parquet")
    stats = []
    for f in files:
        with contextlib.suppress(FileNotFoundError):
            st = f.stat()
            stats.append([f.name, st.st_size, st.st_mtime_ns])
    return {"version": SUMMARY_VERSION, "files": stats}


def prune_summaries(home: Path) -> list[str]:
    """Remove the flow summaries no query will read again; return one line per removal.

    Those are summaries of releases or years the warehouse no longer holds, of years whose
    data files changed since (a re-ingest), of an older summary version, and staging folders
    left by writes that died (older than :data:`STAGING_MAX_AGE_S`).
    """
    from econsec.warehouse.catalog import release_dirs

    root = cache_root(home)
    if not root.is_dir():
        return []
    held = {(hs, rel): path for hs, rel, path in release_dirs(home)}
    out = []
    for d in sorted(root.glob("hs=*/release=*/*")):
        hs = d.parent.parent.name.removeprefix("hs=")
        rel = d.parent.name.removeprefix("release=")
        where = f"{hs} {rel} {d.name.lstrip('.')}"
        why: str | None
        if d.name.startswith("."):
            if time.time() - d.stat().st_mtime < STAGING_MAX_AGE_S:
                continue  # perhaps a query writing it right now
            why = "a write that did not finish"
        else:
            why = _stale(d, held.get((hs, rel)))
        if why is not None:
            shutil.rmtree(d, ignore_errors=True)
            out.append(f"removed the flow summary {where} ({why})")
    for d in sorted(root.glob("hs=*/release=*"), reverse=True) + sorted(root.glob("hs=*")):
        with contextlib.suppress(OSError):
            d.rmdir()  # only when empty
    return out


def _stale(d: Path, release: Path | None) -> str | None:
    """Why the summary folder ``d`` is no longer used (``None``: it is)."""
    year = d.name.removeprefix("year=")
    if release is None:
        return "its release is no longer held"
    if not year.isdigit() or not (release / f"year={year}").is_dir():
        return "its year is no longer held"
    try:
        held = json.loads((d / "source.json").read_text())
    except (OSError, ValueError):
        held = None
    if held != source_of(release, int(year)):
        return "the year's data or the summary's format changed since; computed again when needed"
    return None
