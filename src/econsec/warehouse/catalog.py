"""What the warehouse holds: releases, years, rows and provenance (``meta.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from econsec.warehouse.schema import baci_root, release_dir


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
    """Read a release's ``meta.json`` (empty when absent)."""
    f = path / "meta.json"
    if not f.exists():
        return {}
    data: dict[str, Any] = json.loads(f.read_text())
    return data


def list_releases(home: Path) -> list[ReleaseInfo]:
    """Every nomenclature × release in the warehouse, sorted by HS then release."""
    root = baci_root(home)
    out: list[ReleaseInfo] = []
    if not root.exists():
        return out
    for hs_dir in sorted(root.glob("hs=*")):
        for rel_dir in sorted(hs_dir.glob("release=*")):
            meta = read_meta(rel_dir)
            years = {int(y): v for y, v in meta.get("years", {}).items()}
            out.append(
                ReleaseInfo(
                    hs=hs_dir.name.split("=", 1)[1],
                    release=rel_dir.name.split("=", 1)[1],
                    path=rel_dir,
                    years=years,
                    synthetic=bool(meta.get("synthetic", False)),
                    source=meta.get("source"),
                    sha256=meta.get("sha256"),
                )
            )
    return out


def get_release(home: Path, hs: str, release: str) -> ReleaseInfo | None:
    """Return the release's info, or ``None`` when the warehouse lacks it."""
    path = release_dir(home, hs, release)
    for r in list_releases(home):
        if r.path == path:
            return r
    return None
