"""The warehouse's typed schema and on-disk layout.

Layout under ``ECONSEC_HOME``::

    baci/hs=<HS>/release=<release>/
        year=<t>/part-0.parquet     # t int16, i int16, j int16, k string(6), v float64, q float64?
        countries.parquet          # the release's country table
        products.parquet           # the release's product table
        rejects/<file>.csv         # rejected rows: file, line, field, value, reason, row
        meta.json                  # provenance, synthetic flag; per year: rows, rejects,
                                   # source and sha256, countries (CEPII codes with flows)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
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

#: Largest plausible value of one flow, thousand USD (1e9 = 1 trillion USD; the largest real
#: bilateral HS6 flows are a few tens of billions).
V_MAX = 1e9
#: Largest plausible quantity of one flow, metric tons (the largest real flows, iron ore and
#: crude oil, are a few hundred million tons).
Q_MAX = 1e10
#: Longest accepted CSV line, bytes; a longer line is a reject (BACI lines are ~40 bytes).
MAX_LINE_BYTES = 1 << 20
#: Largest uncompressed yearly trade member of a release zip (a full BACI year is ~0.5 GB).
MAX_TRADE_MEMBER = 4 << 30
#: Largest uncompressed country or product table (real ones are well under 1 MB).
MAX_TABLE_MEMBER = 8 << 20
#: Largest compression ratio of a zip member over 1 MB (CSV compresses ~5:1; bombs far more).
MAX_RATIO = 200
#: A replacement that leaves a year with fewer than this share of its rows needs ``force``.
SHRINK_LIMIT = 0.5

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


def year_range(hs: str) -> tuple[int, int]:
    """First and last year a BACI year of nomenclature ``hs`` can be (last: the current year)."""
    return HS_FIRST_YEAR[check_hs(hs)], datetime.now(UTC).year


def check_year(hs: str, year: int) -> int:
    """Return ``year`` when the nomenclature can hold it; raise ``ValueError`` otherwise."""
    lo, hi = year_range(hs)
    if not lo <= year <= hi:
        raise ValueError(f"year {year} is outside {hs}'s range {lo}–{hi}")
    return year


def baci_root(home: Path) -> Path:
    """Folder holding every BACI nomenclature and release."""
    return home / "baci"


def release_dir(home: Path, hs: str, release: str) -> Path:
    """Folder of one nomenclature × release."""
    return baci_root(home) / f"hs={hs}" / f"release={release}"


def year_dir(home: Path, hs: str, release: str, year: int) -> Path:
    """Folder of one year partition."""
    return release_dir(home, hs, release) / f"year={year}"
