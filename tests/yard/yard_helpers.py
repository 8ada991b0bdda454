"""A small warehouse whose yard is computed by hand in the tests (CEPII codes)."""

from __future__ import annotations

import polars as pl

CHN, JPN, KOR, USA, DEU = 156, 392, 410, 842, 276

#: Catalogues used in the golden tests: jp-espa lists 280530 and 850511, not 280469 or 870323.
CATALOGUES = ["jp-espa"]


def flows(year: int = 2024) -> pl.DataFrame:
    """Japan's imports of four products and the exporters' sales elsewhere.

    * 280530 (rare-earth metals): all from China; no other exporter.
    * 850511 (permanent magnets): China 90, USA 10; the USA sells 50 to Germany.
    * 280469 (silicon): USA 70, China 30; USA sells 100 and China 200 to Germany.
    * 870323 (cars, listed nowhere): Germany 500, USA 500; Germany sells 1000 to the USA.
    """
    rows = [
        (CHN, JPN, "280530", 100.0),
        (CHN, USA, "280530", 20.0),
        (CHN, JPN, "850511", 90.0),
        (USA, JPN, "850511", 10.0),
        (USA, DEU, "850511", 50.0),
        (CHN, DEU, "850511", 50.0),
        (JPN, USA, "850511", 1.0),
        (USA, JPN, "280469", 70.0),
        (CHN, JPN, "280469", 30.0),
        (USA, DEU, "280469", 100.0),
        (CHN, DEU, "280469", 200.0),
        (DEU, JPN, "870323", 500.0),
        (USA, JPN, "870323", 500.0),
        (DEU, USA, "870323", 1000.0),
    ]
    return pl.DataFrame([(year, *r) for r in rows], schema=["t", "i", "j", "k", "v"], orient="row")
