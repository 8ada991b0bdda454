"""A planted history for the back-test tests (imported as a plain module).

Product 811292, thousand USD (tons in brackets), codes CHN 156, JPN 392, KOR 410, USA 842,
DEU 276. China bans its sales to Japan from 1 March 2021 (base year 2020):

    2020  CHN→JPN 100 (10 t)  KOR→JPN 50   KOR→DEU 200  USA→DEU 100
    2021  CHN→JPN 40  (5 t)   KOR→JPN 110  KOR→DEU 200  USA→DEU 100
    2022  CHN→JPN 0           KOR→JPN 150  KOR→DEU 200  USA→DEU 100

The scenario on 2020: Japan loses 100; the others' pool outside Japan is 300, so replacement
is 15 at r = 5%, 60 at 20%, 100 at 50% (capped by the loss). Observed: imports from China
fall by 60 (2021) and 100 (2022); others replace 60 and 100 — exactly the 20% prediction at
2021's horizon (3-12m) and the 50% one at 2022's (12m+).
"""

from __future__ import annotations

import polars as pl

CHN, JPN, KOR, USA, DEU = 156, 392, 410, 842, 276

ROWS = [
    (2020, CHN, JPN, 100.0, 10.0),
    (2020, KOR, JPN, 50.0, None),
    (2020, KOR, DEU, 200.0, None),
    (2020, USA, DEU, 100.0, None),
    (2021, CHN, JPN, 40.0, 5.0),
    (2021, KOR, JPN, 110.0, None),
    (2021, KOR, DEU, 200.0, None),
    (2021, USA, DEU, 100.0, None),
    (2022, KOR, JPN, 150.0, None),
    (2022, KOR, DEU, 200.0, None),
    (2022, USA, DEU, 100.0, None),
]


def history() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "t": [r[0] for r in ROWS],
            "i": [r[1] for r in ROWS],
            "j": [r[2] for r in ROWS],
            "k": ["811292"] * len(ROWS),
            "v": [r[3] for r in ROWS],
            "q": [r[4] for r in ROWS],
        },
        schema_overrides={"q": pl.Float64},
    )


EVENT_TOML = """
id = "planted-ban-2021"
title = "Planted: China stops 811292 to Japan"
date = 2021-03-01
summary = "A made-up ban with a known outcome."

[[sources]]
key = "test"
citation = "Test fixture: a planted history with a known answer"

[[measures]]
kind = "ban"
imposer = ["CHN"]
target = ["JPN"]
sources = ["test"]
[measures.products]
HS17 = ["811292"]

[[outcomes]]
text = "Japan's imports from China stopped within two years."
sources = ["test"]
"""
