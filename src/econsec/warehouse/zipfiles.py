"""Open a BACI release zip and find its members, with clear errors for bad archives."""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from econsec.countries import read_country_codes
from econsec.errors import DataError
from econsec.warehouse.schema import SYNTH_MARKER

_YEAR_RE = re.compile(r"^BACI_(HS\d\d)_Y(\d{4})_(V[^/]+)\.csv$", re.IGNORECASE)
_ZIP_RE = re.compile(r"^BACI_(HS\d\d)_(V[^/]+)\.zip$", re.IGNORECASE)


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

    def read_countries(self) -> pl.DataFrame:
        """Return the release's country table ``code, name, iso2, iso3``."""
        if self.countries_member is None:
            raise DataError("no country_codes file inside", path=self.path)
        with self.zip.open(self.countries_member) as f:
            return read_country_codes(
                io.BytesIO(f.read()), name=f"{self.path}:{self.countries_member}"
            )

    def read_products(self) -> pl.DataFrame:
        """Return the product table ``code, description`` (codes as 6-character strings)."""
        if self.products_member is None:
            return pl.DataFrame(schema={"code": pl.Utf8, "description": pl.Utf8})
        with self.zip.open(self.products_member) as f:
            df = pl.read_csv(io.BytesIO(f.read()), infer_schema=False)
        cols = {c.lower().strip(): c for c in df.columns}
        if "code" not in cols:
            raise DataError(
                f"no 'code' column; found {df.columns}",
                path=f"{self.path}:{self.products_member}",
                line=1,
            )
        desc = pl.col(cols["description"]) if "description" in cols else pl.lit("")
        return df.select(
            pl.col(cols["code"]).str.strip_chars().str.zfill(6).alias("code"),
            desc.alias("description"),
        )


def open_release_zip(path: Path) -> ReleaseZip:
    """Open and inspect a release zip; corrupt or truncated archives raise :class:`DataError`."""
    try:
        z = zipfile.ZipFile(path)
        bad = z.testzip() if path.stat().st_size < 50_000_000 else None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        raise DataError(
            f"not a readable zip archive (corrupt or truncated?): {e}", path=path
        ) from None
    if bad is not None:
        raise DataError(f"zip member {bad!r} is corrupt (CRC mismatch)", path=path)
    m = _ZIP_RE.match(path.name)
    rz = ReleaseZip(path, z, m.group(1).upper() if m else None, m.group(2) if m else None)
    for name in z.namelist():
        base = name.rsplit("/", 1)[-1]
        ym = _YEAR_RE.match(base)
        if ym:
            rz.years[int(ym.group(2))] = name
            rz.hs = rz.hs or ym.group(1).upper()
            rz.release = rz.release or ym.group(3)
        elif base.lower().startswith("country_codes") and base.lower().endswith(".csv"):
            rz.countries_member = name
        elif base.lower().startswith("product_codes") and base.lower().endswith(".csv"):
            rz.products_member = name
        elif base == SYNTH_MARKER:
            rz.synthetic = bool(json.loads(z.read(name)).get("synthetic", False))
    if not rz.years:
        raise DataError("no BACI yearly files (BACI_<HS>_Y<year>_<release>.csv) inside", path=path)
    return rz
