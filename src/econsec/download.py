"""Resolve downloads through ``ECONSEC_MIRROR`` before the official URLs; resumable fetches."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import httpx

from econsec.errors import DataError, EconsecError

#: Official download locations, by the path a mirror uses for the same file.
OFFICIAL = {
    "baci": "https://www.cepii.fr/DATA_DOWNLOAD/baci/data/{name}",
}

ProgressFn = Callable[[str, int, int], None]


def baci_zip_name(hs: str, release: str) -> str:
    """CEPII's file name of a BACI release zip."""
    return f"BACI_{hs}_{release}.zip"


def candidates(relpath: str, mirror: str | None) -> list[str]:
    """Locations to try for ``relpath`` (e.g. ``baci/BACI_HS17_V202601.zip``), mirror first."""
    out: list[str] = []
    if mirror:
        out.append(mirror.rstrip("/") + "/" + relpath)
    section, name = relpath.split("/", 1)
    if section in OFFICIAL:
        out.append(OFFICIAL[section].format(name=name))
    return out


def _is_url(loc: str) -> bool:
    return urlparse(loc).scheme in ("http", "https")


def fetch(
    relpath: str,
    dest_dir: Path,
    *,
    mirror: str | None,
    progress: ProgressFn | None = None,
    timeout: float = 60.0,
    client: httpx.Client | None = None,
) -> Path:
    """Return a local path to ``relpath``: a mirror folder's file as is, else a download.

    Downloads go to ``dest_dir`` through a ``.part`` file that a later call resumes (HTTP
    Range); the file is renamed into place only when complete.
    """
    errors: list[str] = []
    for loc in candidates(relpath, mirror):
        if not _is_url(loc):
            p = Path(loc.removeprefix("file://"))
            if p.is_file():
                return p
            errors.append(f"{p}: not found")
            continue
        try:
            with client or httpx.Client(timeout=timeout, follow_redirects=True) as c:
                return _download(c, loc, dest_dir / relpath.rsplit("/", 1)[-1], progress)
        except (httpx.HTTPError, OSError) as e:
            errors.append(f"{loc}: {e}")
    raise EconsecError(f"could not obtain {relpath}: " + "; ".join(errors))


def _download(client: httpx.Client, url: str, dest: Path, progress: ProgressFn | None) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        return dest
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    with client.stream("GET", url, headers=headers) as r:
        if r.status_code == 416:  # the .part is already complete
            os.replace(part, dest)
            return dest
        r.raise_for_status()
        if have and r.status_code != 206:  # server ignored Range: start over
            have = 0
        total = int(r.headers.get("content-length", 0)) + have
        with open(part, "ab" if have else "wb") as f:
            if progress and have:
                progress(dest.name, have, total)
            for block in r.iter_bytes(1 << 20):
                f.write(block)
                if progress:
                    progress(dest.name, len(block), total)
    if total and part.stat().st_size != total:
        raise DataError(
            f"download incomplete ({part.stat().st_size} of {total} bytes); "
            "run the command again to resume",
            path=part,
        )
    os.replace(part, dest)
    return dest


def sha256_of(path: Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    return sha256_and_lines(path)[0]


class LineCount:
    """Running count of lines over byte blocks; a last line without a newline counts."""

    def __init__(self) -> None:
        self.newlines = 0
        self.last = b"\n"

    def add(self, block: bytes) -> None:
        """Count the newlines of the next block."""
        if block:
            self.newlines += block.count(b"\n")
            self.last = block[-1:]

    @property
    def lines(self) -> int:
        """Lines seen so far."""
        return self.newlines + (self.last != b"\n")


def sha256_and_lines(path: Path) -> tuple[str, int]:
    """Return the SHA-256 hex digest and the line count (a last unterminated line counts).

    One read serves both, so a CSV's rows can be checked against its lines for free.
    """
    h = hashlib.sha256()
    count = LineCount()
    with open(path, "rb") as f:
        while b := f.read(1 << 22):
            h.update(b)
            count.add(b)
    return h.hexdigest(), count.lines
