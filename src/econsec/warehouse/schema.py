"""The warehouse's typed schema and on-disk layout.

Layout under ``ECONSEC_HOME``::

    baci/hs=<HS>/release=<release>/
        year=<t>/part-0.parquet     # t int16, i int16, j int16, k string(6), v float64, q float64?
        countries.parquet          # the release's country table
        products.parquet           # the release's product table
        rejects/<file>.csv         # rejected rows: file, line, field, value, reason, row
        meta.json                  # provenance: source, sha256, rows per year, synthetic flag
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

TRADE_SCHEMA = pa.schema(
    [
        pa.field("t", pa.int16(), nullable=False),
        pa.field("i", pa.int16(), nullable=False),
        pa.field("j", pa.int16(), nullable=False),
        pa.field("k", pa.string(), nullable=False),
        pa.field("v", pa.float64(), nullable=False),
        pa.field("q", pa.float64(), nullable=True),
    ]
)
TRADE_COLUMNS = tuple(TRADE_SCHEMA.names)

#: HS nomenclatures CEPII publishes BACI in, with the first year each covers.
HS_FIRST_YEAR = {
    "HS92": 1995,
    "HS96": 1996,
    "HS02": 2002,
    "HS07": 2007,
    "HS12": 2012,
    "HS17": 2017,
    "HS22": 2022,
}

#: Member of a release zip marking it synthetic (written by ``econsec data synth``).
SYNTH_MARKER = "econsec_synthetic.json"

_RELEASE_RE = re.compile(r"^V\d{6}[A-Za-z0-9_-]*$")


def check_hs(hs: str) -> str:
    """Normalise and validate an HS nomenclature name such as ``HS17``."""
    h = hs.strip().upper()
    if h not in HS_FIRST_YEAR:
        raise ValueError(f"unknown HS nomenclature {hs!r}; allowed: {', '.join(HS_FIRST_YEAR)}")
    return h


def check_release(release: str) -> str:
    """Validate a BACI release name such as ``V202601``."""
    r = release.strip()
    if not _RELEASE_RE.match(r):
        raise ValueError(f"invalid BACI release {release!r}; expected like 'V202601'")
    return r


def baci_root(home: Path) -> Path:
    """Folder holding every BACI nomenclature and release."""
    return home / "baci"


def release_dir(home: Path, hs: str, release: str) -> Path:
    """Folder of one nomenclature × release."""
    return baci_root(home) / f"hs={hs}" / f"release={release}"


def year_dir(home: Path, hs: str, release: str, year: int) -> Path:
    """Folder of one year partition."""
    return release_dir(home, hs, release) / f"year={year}"
