"""The cited HS6 ↔ USGS commodity map shipped in ``econsec/data/reference/hs_usgs.csv``.

One row per HS6 code (in an HS revision) and MCS commodity whose world table measures the
supply of the traded good: ``stage`` is the good's (``mine`` for ores and concentrates,
``refined`` for processed compounds, unwrought metal and ferro-alloys, ``product`` for goods
made from it), ``series`` the words of the MCS ``Type`` selecting the matching production
series, ``note`` what the match leaves out (a broad HS code, a stage MCS does not report),
``source`` the HS subheading and the MCS chapter. A code with no MCS chapter (coking coal) has
an empty ``usgs_code``.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from econsec.errors import DataError
from econsec.reference._io import data_path, read_shipped

MAP_FILE = ("reference", "hs_usgs.csv")
MAP_COLUMNS = (
    "hs_revision",
    "hs6",
    "usgs_code",
    "usgs_commodity",
    "stage",
    "series",
    "note",
    "source",
)
STAGES = ("mine", "refined", "product")


@cache
def hs_usgs_map() -> pl.DataFrame:
    """Return the map as a frame with the columns of :data:`MAP_COLUMNS` (checked on reading).

    Raises
    ------
    DataError
        Naming the line of a malformed code or an unknown stage.
    """
    rows = read_shipped(*MAP_FILE, required=MAP_COLUMNS)
    path = data_path(*MAP_FILE)
    for r in rows:
        if len(r["hs6"]) != 6 or not r["hs6"].isdigit():
            raise DataError(f"not a 6-digit HS code: {r['hs6']!r}", path=path, line=r.line)
        if r["stage"] not in STAGES:
            raise DataError(f"stage must be one of {STAGES}", path=path, line=r.line)
    return pl.DataFrame(
        [{c: r[c] for c in MAP_COLUMNS} for r in rows], schema=dict.fromkeys(MAP_COLUMNS, pl.Utf8)
    )


def usgs_codes_for(hs6: str, hs_revision: str | None = None) -> pl.DataFrame:
    """Map rows of one HS6 code (in ``hs_revision``, else in the latest revision listing it)."""
    m = hs_usgs_map().filter(pl.col("hs6") == hs6)
    if hs_revision is not None and m.filter(pl.col("hs_revision") == hs_revision).height:
        return m.filter(pl.col("hs_revision") == hs_revision)
    if m.height == 0:
        return m
    # HS17 is the warehouse's default nomenclature; prefer it, then the newest.
    order = {"HS17": 0, "HS22": 1, "HS12": 2, "HS07": 3, "HS02": 4, "HS96": 5, "HS92": 6}
    best = min(m["hs_revision"].unique().to_list(), key=lambda h: order.get(h, 9))
    return m.filter(pl.col("hs_revision") == best)
