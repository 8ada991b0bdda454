"""A small hand-made trade year for the scenario tests (imported as a plain module).

Product 850511 (thousand USD), codes: CHN 156, JPN 392, KOR 410, USA 842, DEU 276, FRA 251.

    CHN→JPN 60   KOR→JPN 30   USA→JPN 10          (Japan imports 100)
    CHN→DEU 200  KOR→DEU 100  USA→DEU 50  DEU→FRA 40  JPN→USA 5

Product 811292: CHN→USA 50, KOR→USA 50, CHN→JPN 10.
"""

from __future__ import annotations

import polars as pl

CHN, JPN, KOR, USA, DEU, FRA = 156, 392, 410, 842, 276, 251

FLOWS = [
    (CHN, JPN, "850511", 60.0),
    (KOR, JPN, "850511", 30.0),
    (USA, JPN, "850511", 10.0),
    (CHN, DEU, "850511", 200.0),
    (KOR, DEU, "850511", 100.0),
    (USA, DEU, "850511", 50.0),
    (DEU, FRA, "850511", 40.0),
    (JPN, USA, "850511", 5.0),
    (CHN, USA, "811292", 50.0),
    (KOR, USA, "811292", 50.0),
    (CHN, JPN, "811292", 10.0),
]


def flows(year: int = 2024) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "t": [year] * len(FLOWS),
            "i": [f[0] for f in FLOWS],
            "j": [f[1] for f in FLOWS],
            "k": [f[2] for f in FLOWS],
            "v": [f[3] for f in FLOWS],
        }
    )
