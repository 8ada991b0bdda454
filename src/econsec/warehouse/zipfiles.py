"""Open a BACI release zip and find its members, with clear errors for bad archives.

Every member econsec reads is checked before a byte of it is inflated: not encrypted, a
compression method Python reads, an uncompressed size under its cap and a plausible
compression ratio (so a zip bomb fails in milliseconds). The zip's name must agree with its
members' names (nomenclature, release), and each year must come from exactly one member.
Yearly members are inflated block by block (:meth:`ReleaseZip.member_blocks`), so ingest
parses a plain member as it comes; only a member the typed read cannot keep whole is
extracted to a file for the slower paths.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import struct
import types
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import polars as pl

from econsec.countries import read_country_codes
from econsec.errors import DataError
from econsec.warehouse.schema import (
    MAX_RATIO,
    MAX_TABLE_MEMBER,
    MAX_TRADE_MEMBER,
    SYNTH_MARKER,
)

_YEAR_RE = re.compile(r"^BACI_(HS\d\d)_Y(\d{4})_(V[^/]+)\.csv$", re.IGNORECASE)
_ZIP_RE = re.compile(r"^BACI_(HS\d\d)_(V[^/]+)\.zip$", re.IGNORECASE)
_PRODUCTS_RE = re.compile(r"^product_codes_(HS\d\d)_(V[^/]+)\.csv$", re.IGNORECASE)
_COUNTRIES_RE = re.compile(r"^country_codes_(V[^/]+)\.csv$", re.IGNORECASE)
_READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then the name and extra field lengths
_IN, _OUT = 1 << 20, 1 << 22  # compressed bytes per read, inflated bytes per block
_RATIO_FROM = 1 << 20  # small members may compress far better than big ones; no ratio check


def require_regular_file(path: Path, what: str = "input") -> None:
    """Refuse anything but an existing regular file (directories, devices, FIFOs, sockets)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DataError("no such file", path=path) from None
    except OSError as e:
        raise DataError(f"cannot read: {e.strerror}", path=path) from None
    if not stat.S_ISREG(mode):
        kind = (
            "a directory"
            if stat.S_ISDIR(mode)
            else "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a device or other special file"
        )
        raise DataError(f"{what} is {kind}, not a regular file", path=path)


@dataclass
class ReleaseZip:
    """A BACI release zip: yearly trade members and the code files."""

    path: Path
    zip: zipfile.ZipFile
    hs: str | None
    release: str | None
    years: dict[int, str] = field(default_factory=dict)
    countries_member: str | None = None
    products_member: str | None = None
    synthetic: bool = False
    #: Set to hash the zip while its members are read (:meth:`member_blocks`).
    digest: ZipDigest | None = None

    def open_member(self, name: str) -> IO[bytes]:
        """Open a member for reading (its size and method were checked on opening the zip)."""
        return self.zip.open(name)

    def member_blocks(self, name: str) -> Iterator[bytes]:
        """Yield a member's bytes block by block as they are inflated.

        Deflated members are inflated with ISA-L when installed (about twice zlib's speed);
        the size and CRC-32 are checked after the last block, so a corrupt or truncated
        member raises :class:`DataError` naming it before its reader can finish.
        """
        info = self.zip.getinfo(name)
        where = f"{self.path}:{name}"
        try:
            if info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
                yield from _checked(_raw_member(self.path, info, self.digest), info)
            else:
                with self.zip.open(name) as f:  # bzip2, lzma: zipfile checks the CRC itself
                    while block := f.read(_OUT):
                        yield block
        except _MEMBER_ERRORS as e:
            raise DataError(
                f"cannot be read (corrupt or truncated archive?): {str(e)[:80]}", path=where
            ) from None

    def _read_small(self, name: str) -> bytes:
        try:
            with self.zip.open(name) as f:
                data = f.read(MAX_TABLE_MEMBER + 1)
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as e:
            raise DataError(
                f"cannot read (corrupt archive?): {e}", path=f"{self.path}:{name}"
            ) from None
        if len(data) > MAX_TABLE_MEMBER:
            raise DataError(f"larger than {MAX_TABLE_MEMBER:,} bytes", path=f"{self.path}:{name}")
        return data

    def read_countries(self) -> pl.DataFrame:
        """Return the release's country table ``code, name, iso2, iso3``."""
        if self.countries_member is None:
            raise DataError("no country_codes file inside", path=self.path)
        where = f"{self.path}:{self.countries_member}"
        data = self._read_small(self.countries_member)
        return table_or_error(lambda: read_country_codes(io.BytesIO(data), name=where), where)

    def read_products(self) -> pl.DataFrame | None:
        """Return the product table ``code, description`` (6-digit codes); ``None`` if absent."""
        if self.products_member is None:
            return None
        where = f"{self.path}:{self.products_member}"
        data = self._read_small(self.products_member)
        return table_or_error(lambda: parse_products(data, where), where)


_inflate: types.ModuleType = zlib
_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error,)
try:  # ISA-L inflates about twice as fast as zlib; zlib stays the fallback
    from isal import isal_zlib

    _inflate = isal_zlib
    # the stub calls its error class an instance
    _INFLATE_ERRORS = (zlib.error, cast("type[Exception]", isal_zlib.error))
except ImportError:  # pragma: no cover - isal is a dependency; a platform may lack wheels
    pass
_MEMBER_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    EOFError,
    OSError,
    *_INFLATE_ERRORS,
)


class ZipDigest:
    """The SHA-256 of a zip, taken in file order from the reads that inflate its members.

    Bytes read out of order (a member before one already read, a second read) are left to
    :meth:`hexdigest`, which reads and hashes whatever was not seen in order.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sha = hashlib.sha256()
        self._upto = 0  # bytes hashed, from the start

    def catch_up(self, f: IO[bytes], offset: int) -> None:
        """Hash the bytes from where hashing stopped up to ``offset`` (``f`` is left there)."""
        if self._upto < offset:
            f.seek(self._upto)
            while self._upto < offset and (data := f.read(min(_IN, offset - self._upto))):
                self.feed(self._upto, data)
        f.seek(offset)

    def feed(self, offset: int, data: bytes) -> None:
        """Hash bytes read at ``offset`` if they come next in file order."""
        if offset == self._upto:
            self._sha.update(data)
            self._upto += len(data)

    def hexdigest(self) -> str:
        """Return the digest of the whole file, reading the bytes not seen in order."""
        with open(self.path, "rb") as f:
            self.catch_up(f, self.path.stat().st_size)
        return self._sha.hexdigest()


def _raw_member(path: Path, info: zipfile.ZipInfo, digest: ZipDigest | None) -> Iterator[bytes]:
    """Yield a deflated or stored member's bytes, inflated, without any check."""
    with open(path, "rb") as f:
        tap = digest.feed if digest is not None else (lambda offset, data: None)
        if digest is not None:
            digest.catch_up(f, info.header_offset)
        f.seek(info.header_offset)
        head = f.read(_LOCAL_HEADER.size)
        tap(info.header_offset, head)
        if len(head) < _LOCAL_HEADER.size or head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        _, name_len, extra_len = _LOCAL_HEADER.unpack(head)
        tap(f.tell(), f.read(name_len + extra_len))
        left = info.compress_size
        inflater = (
            _inflate.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        )
        while left:
            at = f.tell()
            data = f.read(min(_IN, left))
            if not data:
                raise EOFError("member ends early")
            tap(at, data)  # the zip's SHA-256 in the same read
            left -= len(data)
            if inflater is None:
                yield data
                continue
            while data:
                yield inflater.decompress(data, _OUT)
                data = inflater.unconsumed_tail
        if inflater is not None:
            yield inflater.flush()
            if not inflater.eof:
                raise EOFError("compressed data ends early")


def _checked(blocks: Iterator[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Pass a member's blocks on, checking its size as they come and its CRC-32 at the end."""
    size = crc = 0
    for block in blocks:
        if not block:
            continue
        size += len(block)
        if size > info.file_size:  # more than the directory says: never inflate on
            raise zipfile.BadZipFile(f"member is larger than the {info.file_size:,} bytes listed")
        crc = _inflate.crc32(block, crc)
        yield block
    if size != info.file_size:
        raise zipfile.BadZipFile(f"member has {size:,} bytes, not the {info.file_size:,} listed")
    if crc != info.CRC:
        raise zipfile.BadZipFile("CRC-32 mismatch")


def table_or_error(read: Callable[[], pl.DataFrame], where: str) -> pl.DataFrame:
    """Run a table reader, turning parse failures into a one-line :class:`DataError`."""
    try:
        return read()
    except DataError:
        raise
    except (pl.exceptions.PolarsError, UnicodeDecodeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataError(f"unreadable code table: {first[:80]}", path=where) from None


def parse_products(data: bytes, where: str) -> pl.DataFrame:
    """Parse a BACI ``product_codes`` CSV; every code must be an HS6 code (1–6 digits)."""
    df = pl.read_csv(io.BytesIO(data), infer_schema=False)
    cols = {c.lower().strip(): c for c in df.columns}
    if "code" not in cols:
        raise DataError(f"no 'code' column; found {str(df.columns)[:80]}", path=where, line=1)
    desc = pl.col(cols["description"]) if "description" in cols else pl.lit("")
    out = df.select(pl.col(cols["code"]).str.strip_chars().alias("code"), desc.alias("description"))
    bad = out.with_row_index("n").filter(
        pl.col("code").is_null() | ~pl.col("code").str.contains(r"^\d{1,6}$")
    )
    if bad.height:
        n, code = bad.row(0)[:2]
        raise DataError(
            f"product code {str(code)[:20]!r} is not an HS6 code", path=where, line=int(n) + 2
        )
    return out.with_columns(pl.col("code").str.zfill(6))


def _check_member(path: Path, info: zipfile.ZipInfo, cap: int) -> None:
    where = f"{path}:{info.filename}"
    if info.flag_bits & 0x1:
        raise DataError("member is encrypted; econsec reads unencrypted BACI zips", path=where)
    if info.compress_type not in _READABLE:
        raise DataError(
            f"member uses compression method {info.compress_type} (e.g. deflate64), which "
            "cannot be read; re-zip it with standard deflate",
            path=where,
        )
    if info.file_size > cap:
        raise DataError(
            f"member is {info.file_size:,} bytes uncompressed, over the {cap:,}-byte cap",
            path=where,
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _RATIO_FROM and ratio > MAX_RATIO:
        raise DataError(
            f"member compresses {ratio:,.0f}:1 (over {MAX_RATIO}:1): a zip bomb?", path=where
        )


def _read_marker(path: Path, z: zipfile.ZipFile, name: str) -> bool:
    try:
        meta: Any = json.loads(z.read(name))
    except (ValueError, UnicodeDecodeError):
        meta = None
    if not isinstance(meta, dict) or not isinstance(meta.get("synthetic", False), bool):
        raise DataError(
            'synthetic marker is not a JSON object like {"synthetic": true}',
            path=f"{path}:{name}",
        )
    return bool(meta.get("synthetic", False))


def open_release_zip(path: Path) -> ReleaseZip:
    """Open and inspect a release zip; bad archives and members raise :class:`DataError`."""
    require_regular_file(path)
    try:
        z = zipfile.ZipFile(path)
        infos = z.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, ValueError) as e:
        raise DataError(
            f"not a readable zip archive (corrupt or truncated?): {str(e)[:80]}", path=path
        ) from None
    m = _ZIP_RE.match(path.name)
    rz = ReleaseZip(path, z, m.group(1).upper() if m else None, m.group(2) if m else None)
    named = (rz.hs, rz.release) if m else None
    marker = None
    for info in infos:
        base = info.filename.rsplit("/", 1)[-1]
        ym = _YEAR_RE.match(base)
        if info.is_dir():
            continue
        if ym:
            _check_member(path, info, MAX_TRADE_MEMBER)
            year = int(ym.group(2))
            if year in rz.years:
                raise DataError(
                    f"two members for year {year}: {rz.years[year]!r} and {info.filename!r}",
                    path=path,
                )
            rz.years[year] = info.filename
            _agree(path, rz, base, ym.group(1).upper(), ym.group(3), named)
        elif base.lower().startswith("country_codes") and base.lower().endswith(".csv"):
            _check_member(path, info, MAX_TABLE_MEMBER)
            cm = _COUNTRIES_RE.match(base)
            if cm:
                _agree(path, rz, base, None, cm.group(1), named)
            rz.countries_member = info.filename
        elif base.lower().startswith("product_codes") and base.lower().endswith(".csv"):
            _check_member(path, info, MAX_TABLE_MEMBER)
            pm = _PRODUCTS_RE.match(base)
            if pm:
                _agree(path, rz, base, pm.group(1).upper(), pm.group(2), named)
            rz.products_member = info.filename
        elif base == SYNTH_MARKER:
            _check_member(path, info, MAX_TABLE_MEMBER)
            marker = info.filename
    if not rz.years:
        raise DataError("no BACI yearly files (BACI_<HS>_Y<year>_<release>.csv) inside", path=path)
    if marker is not None:
        rz.synthetic = _read_marker(path, z, marker)
    # No separate CRC pass: every member read is checked as it is inflated (zipfile or
    # member_blocks verify the size and CRC at its end), so a corrupt archive still fails
    # before anything is committed.
    return rz


def _agree(
    path: Path,
    rz: ReleaseZip,
    member: str,
    hs: str | None,
    release: str,
    named: tuple[str | None, str | None] | None,
) -> None:
    """Check a member's nomenclature and release against the zip's name (or other members)."""
    want_hs, want_rel = named if named else (rz.hs, rz.release)
    source = "the zip's name" if named else "other members"
    if (hs and want_hs and hs != want_hs) or (want_rel and release.lower() != want_rel.lower()):
        got = " ".join(x for x in (hs, release) if x)
        want = " ".join(x for x in (want_hs, want_rel) if x)
        raise DataError(
            f"member {member!r} is {got} but {source} says {want}: "
            "a renamed or mixed archive; refusing to ingest",
            path=path,
        )
    rz.hs = rz.hs or hs
    rz.release = rz.release or release


def read_countries_file(path: Path) -> pl.DataFrame:
    """Read ``--countries``: a ``country_codes`` CSV or a release zip's table."""
    require_regular_file(path, "country table")
    if zipfile.is_zipfile(path):
        return open_release_zip(path).read_countries()
    if path.stat().st_size > MAX_TABLE_MEMBER:
        raise DataError(f"larger than {MAX_TABLE_MEMBER:,} bytes: not a country table", path=path)
    if path.stat().st_size == 0:
        raise DataError("empty file: not a country table", path=path)
    data = path.read_bytes()
    return table_or_error(lambda: read_country_codes(io.BytesIO(data), name=str(path)), str(path))
