"""Resolve downloads through ``ECONSEC_MIRROR`` before the official URLs; verified fetches.

Nothing becomes a cached download unless it is a complete zip archive of the announced size;
each one's SHA-256 is recorded in ``SHA256SUMS`` beside it and checked before it is reused.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import httpx

from econsec.errors import EconsecError

#: Official download locations, by the path a mirror uses for the same file.
OFFICIAL = {
    "baci": "https://www.cepii.fr/DATA_DOWNLOAD/baci/data/{name}",
}

ProgressFn = Callable[[str, int, int], None]
NoteFn = Callable[[str], None]

#: Per-folder record of the SHA-256 of every file fetched (``sha256sum -c`` reads it).
SUMS_FILE = "SHA256SUMS"
ZIP_MAGIC = b"PK\x03\x04"


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


class DownloadError(EconsecError):
    """A download or mirror copy that cannot be verified as the complete file."""


def fetch(
    relpath: str,
    dest_dir: Path,
    *,
    mirror: str | None,
    progress: ProgressFn | None = None,
    timeout: float = 60.0,
    client: httpx.Client | None = None,
    note: NoteFn | None = None,
) -> Path:
    """Return a verified local copy of ``relpath`` in ``dest_dir``, downloading it if needed.

    A cached copy is reused only while it is still a complete zip whose SHA-256 matches the one
    recorded in ``dest_dir/SHA256SUMS`` when it was fetched; otherwise it is fetched again. A
    mirror folder's file is copied and verified the same way (and copied again when it changes).
    Downloads go through a ``.part`` file that a later call resumes with an HTTP range request;
    a resume that cannot be verified starts over from zero.

    Parameters
    ----------
    note
        Called with a sentence when something noteworthy happens (a bad cached copy dropped).

    Raises
    ------
    EconsecError
        Naming every location tried and why each failed.
    """
    dest = dest_dir / relpath.rsplit("/", 1)[-1]
    locs = candidates(relpath, mirror)
    local = next((_local(loc) for loc in locs if not _is_url(loc)), None)
    if dest.exists():
        problem = verify_cached(dest)
        stale = local is not None and local.is_file() and _changed(local, dest)
        if problem is None and not stale:
            return dest
        if problem is not None:
            forget(dest)
            if note is not None:
                note(f"{dest}: cached copy is not usable ({problem}); fetching it again")
    errors: list[str] = []
    for loc in locs:
        try:
            if not _is_url(loc):
                src = _local(loc)
                if not src.is_file():
                    errors.append(f"{src}: not found")
                    continue
                return _copy_verified(src, dest, progress)
            if client is not None:
                return _download(client, loc, dest, progress)
            with httpx.Client(timeout=timeout, follow_redirects=True) as c:
                return _download(c, loc, dest, progress)
        except (httpx.HTTPError, OSError, DownloadError) as e:
            errors.append(f"{loc}: {e}")
    raise EconsecError(f"could not obtain {relpath}: " + "; ".join(errors))


def _local(loc: str) -> Path:
    return Path(loc.removeprefix("file://"))


def _changed(src: Path, dest: Path) -> bool:
    a, b = src.stat(), dest.stat()
    return a.st_size != b.st_size or a.st_mtime_ns != b.st_mtime_ns


# ---------------------------------------------------------------------------------------------
# Verification


def check_zip(path: Path, *, size: int | None = None, deep: bool = False) -> str | None:
    r"""Return why ``path`` is not a complete zip archive, or ``None`` when it is.

    Checks the size (when known), the leading ``PK\x03\x04`` signature, the end record and
    central directory, and that every member's local header sits where the directory says
    (a spliced file fails this). ``deep`` also reads every member and checks its CRC.
    """
    actual = path.stat().st_size
    if size is not None and actual != size:
        return f"{actual} bytes where {size} were announced"
    with open(path, "rb") as f:
        head = f.read(512)
    if not head.startswith(ZIP_MAGIC):
        if b"<html" in head.lower() or b"<!doctype" in head.lower():
            return "an HTML page, not a zip (a captive portal, login or error page?)"
        return "not a zip archive (no zip signature at the start)"
    if not zipfile.is_zipfile(path):
        return "no zip end record (truncated or spliced file?)"
    try:
        with zipfile.ZipFile(path) as z, open(path, "rb") as f:
            infos = z.infolist()
            if not infos:
                return "an empty zip archive"
            for info in infos:
                f.seek(info.header_offset)
                if f.read(4) != ZIP_MAGIC:
                    return f"member {info.filename!r} is not where the directory says (spliced?)"
            if deep and (bad := z.testzip()) is not None:
                return f"member {bad!r} fails its CRC check"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as e:
        return f"unreadable zip directory ({e})"
    return None


def verify_cached(path: Path) -> str | None:
    """Return why a cached download cannot be reused, or ``None`` when it can.

    A copy without a recorded SHA-256 (fetched by an older version) is recorded once it passes
    the zip checks.
    """
    problem = check_zip(path)
    if problem is not None:
        return problem
    digest = sha256_of(path)
    want = read_sums(path.parent).get(path.name)
    if want is None:
        record_sum(path, digest)
    elif want != digest:
        return f"SHA-256 {digest[:12]}… differs from the {want[:12]}… recorded when fetched"
    return None


def read_sums(folder: Path) -> dict[str, str]:
    """Return the SHA-256 recorded per file name in ``folder/SHA256SUMS`` (sha256sum format)."""
    out: dict[str, str] = {}
    try:
        lines = (folder / SUMS_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return out
    for line in lines:
        digest, _, name = line.partition("  ")
        if len(digest) == 64 and name:
            out[name.strip()] = digest.lower()
    return out


def recorded_sha256(path: Path) -> str | None:
    """Return the SHA-256 recorded for a downloaded file, if any."""
    return read_sums(path.parent).get(path.name)


def record_sum(path: Path, digest: str | None) -> None:
    """Record (or with ``None`` drop) a file's SHA-256 in its folder's ``SHA256SUMS``."""
    sums = read_sums(path.parent)
    if digest is None:
        sums.pop(path.name, None)
    else:
        sums[path.name] = digest
    text = "".join(f"{d}  {n}\n" for n, d in sorted(sums.items()))
    tmp = path.parent / f".{SUMS_FILE}.{os.getpid()}.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path.parent / SUMS_FILE)


def forget(path: Path) -> None:
    """Remove a cached download and its record, so that the next fetch gets it again."""
    path.unlink(missing_ok=True)
    record_sum(path, None)


def _keep(part: Path, dest: Path, *, size: int | None, deep: bool) -> Path:
    """Verify a finished ``.part`` and rename it into place with its SHA-256 recorded."""
    problem = check_zip(part, size=size, deep=deep)
    if problem is not None:
        part.unlink(missing_ok=True)
        raise DownloadError(f"{problem}; nothing was kept")
    digest = sha256_of(part)
    os.replace(part, dest)
    record_sum(dest, digest)
    return dest


# ---------------------------------------------------------------------------------------------
# Mirror folders


def _copy_verified(src: Path, dest: Path, progress: ProgressFn | None) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.copy")
    total = src.stat().st_size
    try:
        with open(src, "rb") as a, open(tmp, "wb") as b:
            while block := a.read(1 << 22):
                b.write(block)
                if progress:
                    progress(dest.name, len(block), total)
        st = src.stat()  # same mtime: a changed mirror file is noticed later
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        return _keep(tmp, dest, size=total, deep=False)
    finally:
        tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# HTTP


def _download(client: httpx.Client, url: str, dest: Path, progress: ProgressFn | None) -> Path:
    """Download ``url`` to ``dest`` through ``dest.part``, resuming and verifying."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    side = dest.with_name(dest.name + ".part.json")
    for resume in (True, False):
        got = _download_once(client, url, part, side, progress, resume=resume)
        if got is None:  # the resume could not be verified: start over from zero
            continue
        total, was_resumed = got
        size = part.stat().st_size
        if total is not None and size < total:
            raise DownloadError(
                f"download incomplete ({size} of {total} bytes); run the command again to resume"
            )
        try:
            # A resumed file was joined from two answers: check every member's CRC as well.
            kept = _keep(part, dest, size=total, deep=was_resumed)
        except DownloadError:
            if was_resumed:  # spliced from two versions of the file: start over from zero
                continue
            side.unlink(missing_ok=True)
            raise
        side.unlink(missing_ok=True)
        return kept
    raise DownloadError("the server's answers cannot be verified; nothing was kept")


def _download_once(
    client: httpx.Client,
    url: str,
    part: Path,
    side: Path,
    progress: ProgressFn | None,
    *,
    resume: bool,
) -> tuple[int | None, bool] | None:
    """One request; ``(total size, resumed)`` or ``None`` when a resume must start over."""
    info = _read_side(side)
    # A mirror and the official site serve the same file: a .part from either may continue.
    have = part.stat().st_size if resume and part.exists() else 0
    headers = {}
    if have:
        headers["Range"] = f"bytes={have}-"
        validator = info.get("etag") or info.get("last_modified")
        if validator:
            headers["If-Range"] = str(validator)
    else:
        part.unlink(missing_ok=True)
        side.unlink(missing_ok=True)
    with client.stream("GET", url, headers=headers) as r:
        if have and r.status_code == 416:  # stale .part (the file changed or was complete)
            return None
        r.raise_for_status()
        ctype = r.headers.get("content-type", "").lower()
        if "html" in ctype:
            raise DownloadError(
                f"the server answered an HTML page ({ctype}), not a zip: a captive portal, "
                "login or error page? nothing was kept"
            )
        if r.status_code == 206:
            if not have:
                raise DownloadError("the server answered a partial file (206) to a full request")
            fits, total = _check_range(r.headers.get("content-range", ""), have, info.get("total"))
            if not fits:
                return None
        elif have:  # the server ignored the range (or the file changed): this is the whole file
            have = 0
            total = None
        else:
            total = None
        if not have:
            length = r.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            _write_side(side, url, total, r.headers)
        _stream_to(r, part, have, total, progress)
    return total, bool(have)


def _check_range(header: str, start: int, known_total: object) -> tuple[bool, int | None]:
    """Check ``Content-Range: bytes a-b/total`` continues the ``.part``; ``(fits, total)``."""
    m = re.fullmatch(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*", header)
    if not m or int(m.group(1)) != start:
        return False, None
    total = None if m.group(3) == "*" else int(m.group(3))
    if total is not None and (int(m.group(2)) != total - 1 or total <= start):
        return False, None
    if isinstance(known_total, int) and total is not None and total != known_total:
        return False, None  # the file changed since the .part was started
    return True, total


def _stream_to(
    r: httpx.Response, part: Path, have: int, total: int | None, progress: ProgressFn | None
) -> None:
    head = b""
    with open(part, "ab" if have else "wb") as f:
        if progress and have:
            progress(part.name.removesuffix(".part"), have, total or 0)
        for block in r.iter_bytes(1 << 20):
            if not have and len(head) < 4:
                head += block[:4]
                if len(head) >= 4 and not head.startswith(ZIP_MAGIC):
                    f.close()
                    part.unlink(missing_ok=True)
                    raise DownloadError("the server's answer is not a zip (no zip signature)")
            f.write(block)
            if progress:
                progress(part.name.removesuffix(".part"), len(block), total or 0)


def _read_side(side: Path) -> dict[str, object]:
    try:
        d = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return d if isinstance(d, dict) else {}


def _write_side(side: Path, url: str, total: int | None, headers: httpx.Headers) -> None:
    """Note what a resume must match: the size and the server's validators."""
    side.write_text(
        json.dumps(
            {
                "url": url,
                "total": total,
                "etag": headers.get("etag"),
                "last_modified": headers.get("last-modified"),
            }
        ),
        encoding="utf-8",
    )


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
