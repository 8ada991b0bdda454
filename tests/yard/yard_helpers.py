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


FRA, DEU_OLD = 251, 280


def two_code_countries(countries: pl.DataFrame) -> pl.DataFrame:
    """``countries`` with Germany listed twice, as BACI does: 276 and 280 (the code used)."""
    old = pl.DataFrame(
        {"code": [DEU_OLD], "name": ["Fed. Rep. of Germany (...1990)"], "iso2": ["DE"]}
    ).with_columns(iso3=pl.lit("DEU"))
    return pl.concat([countries, old.cast(dict(countries.schema))])


def bloc_flows(year: int = 2024) -> pl.DataFrame:
    """Magnets 850511 around a two-member bloc (Germany under code 280, France).

    * The bloc imports 100 from outside: China 90 (60 to Germany, 30 to France), USA 10.
    * Germany sells 500 to France (intra-bloc: not imports of the bloc) and 60 to Japan.
    * The USA sells 50 to Japan (capacity 0.2 * 50 = 10 to redirect to the bloc).
    * 280530: Japan sells 5 to the USA; the bloc imports none.
    """
    rows = [
        (CHN, DEU_OLD, "850511", 60.0),
        (CHN, FRA, "850511", 30.0),
        (USA, FRA, "850511", 10.0),
        (DEU_OLD, FRA, "850511", 500.0),
        (DEU_OLD, JPN, "850511", 60.0),
        (USA, JPN, "850511", 50.0),
        (JPN, USA, "280530", 5.0),
    ]
    return pl.DataFrame([(year, *r) for r in rows], schema=["t", "i", "j", "k", "v"], orient="row")
