"""Small Comtrade and national files built by the tests, and a subprocess runner."""

from __future__ import annotations

import csv
import gzip
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

ECONSEC = str(Path(sys.executable).with_name("econsec"))

#: A release-format country table with Italy (380) and Hong Kong (for legacy and national files).
COUNTRIES = pl.DataFrame(
    {
        "code": [156, 392, 410, 842, 276, 280, 251, 528, 380, 344, 642, 757, 36],
        "name": [
            "China",
            "Japan",
            "Rep. of Korea",
            "USA",
            "Germany",
            "Fed. Rep. of Germany (...1990)",
            "France",
            "Netherlands",
            "Italy",
            "China, Hong Kong SAR",
            "Romania",
            "Switzerland",
            "Australia",
        ],
        "iso2": ["CN", "JP", "KR", "US", "DE", "DE", "FR", "NL", "IT", "HK", "RO", "CH", "AU"],
        "iso3": [
            "CHN",
            "JPN",
            "KOR",
            "USA",
            "DEU",
            "DEU",
            "FRA",
            "NLD",
            "ITA",
            "HKG",
            "ROU",
            "CHE",
            "AUS",
        ],
    }
)

API_HEADER = [
    "typeCode",
    "freqCode",
    "refYear",
    "period",
    "reporterCode",
    "reporterISO",
    "flowCode",
    "partnerCode",
    "partnerISO",
    "partner2Code",
    "classificationCode",
    "cmdCode",
    "customsCode",
    "motCode",
    "qtyUnitCode",
    "qty",
    "netWgt",
    "primaryValue",
]


def api_row(
    reporter: int,
    partner: int,
    cmd: str,
    flow: str,
    value: float | str,
    *,
    year: int = 2022,
    cls: str = "H6",
    mot: str = "0",
    customs: str = "C00",
    partner2: str = "0",
    netwgt: str = "1000",
    freq: str = "A",
) -> list[object]:
    """One row of the Comtrade API (``/data/v1/get``) CSV shape."""
    return [
        "C",
        freq,
        year,
        year,
        reporter,
        "",
        flow,
        partner,
        "",
        partner2,
        cls,
        cmd,
        customs,
        mot,
        8,
        netwgt,
        netwgt,
        value,
    ]


def write_csv(path: Path, header: list[str], rows: list[list[object]], *, gz: bool = False) -> Path:
    """Write rows as a CSV (gzipped when ``gz``)."""
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="", encoding="utf-8") as f:  # type: ignore[operator]
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


COMPACT_HEADER = ["year", "reporter", "partner", "cmd", "flow", "value", "netwgt", "qty", "qtyunit"]


def econsec(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script on warehouse ``home``."""
    e = {k: v for k, v in os.environ.items() if k != "ECONSEC_DEBUG"}
    e.update(ECONSEC_HOME=str(home), COLUMNS="250", **env)
    return subprocess.run([ECONSEC, *args], capture_output=True, text=True, env=e, timeout=120)
