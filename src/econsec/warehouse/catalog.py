"""What the warehouse holds: releases, years, rows and provenance (``meta.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from econsec.errors import DataError, StorageError
from econsec.warehouse import journal
from econsec.warehouse.schema import baci_root


@dataclass(frozen=True)
class ReleaseInfo:
    """One nomenclature × release held in the warehouse."""

    hs: str
    release: str
    path: Path
    years: dict[int, dict[str, Any]] = field(default_factory=dict)
    synthetic: bool = False
    source: str | None = None
    sha256: str | None = None

    @property
    def year_list(self) -> list[int]:
        """Years held, ascending."""
        return sorted(self.years)


def read_meta(path: Path) -> dict[str, Any]:
    """Read a release's ``meta.json`` (empty when absent).

    Raises
    ------
    DataError
        Naming the file when it is not a JSON object (``econsec data doctor`` reports it).
    """
    f = path / "meta.json"
    if not f.exists():
        return {}
    try:
        data = json.loads(f.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        msg = f"unreadable release metadata ({e}); run 'econsec data doctor'"
        raise DataError(msg, path=f) from None
    if not isinstance(data, dict):
        raise DataError("release metadata is not a JSON object; run 'econsec data doctor'", path=f)
    return data


def release_dirs(home: Path) -> list[tuple[str, str, Path]]:
    """``(hs, release, folder)`` of every release as a reader should see it, sorted.

    A release whose replacement was interrupted by a crash is seen through its journal: the
    previous folder until a writer or ``econsec data doctor`` repairs it (readers never write).

    Raises
    ------
    StorageError
        When ``home`` is a file.
    """
    if home.exists() and not home.is_dir():
        raise StorageError(f"the warehouse folder {home} (ECONSEC_HOME) is a file, not a folder")
    root = baci_root(home)
    if not root.is_dir():
        return []
    found = {(p.parent.name, p.name): p for p in root.glob("hs=*/release=*") if p.is_dir()}
    for j in journal.journals(root):
        swap = journal.read_journal(j)
        view = journal.readable(swap) if swap is not None else None
        if swap is not None and view is not None:
            found[(swap.target.parent.name, swap.target.name)] = view
    return [
        (hs.split("=", 1)[1], rel.split("=", 1)[1], found[(hs, rel)]) for hs, rel in sorted(found)
    ]


def list_releases(home: Path) -> list[ReleaseInfo]:
    """Every nomenclature × release in the warehouse, sorted by HS then release."""
    out: list[ReleaseInfo] = []
    for hs, release, path in release_dirs(home):
        meta = read_meta(path)
        out.append(
            ReleaseInfo(
                hs=hs,
                release=release,
                path=path,
                years={int(y): v for y, v in meta.get("years", {}).items()},
                synthetic=bool(meta.get("synthetic", False)),
                source=meta.get("source"),
                sha256=meta.get("sha256"),
            )
        )
    return out


def get_release(home: Path, hs: str, release: str) -> ReleaseInfo | None:
    """Return the release's info, or ``None`` when the warehouse lacks it."""
    for r in list_releases(home):
        if (r.hs, r.release) == (hs, release):
            return r
    return None
