"""Country codes: CEPII numeric codes, ISO3 and names, resolved from a release's own table.

BACI identifies countries by CEPII numeric codes (close to UN M49). The release's
``country_codes`` file is the authority: Taiwan is 490 ("Other Asia, nes", blank ISO2, ISO3
``S19`` in CEPII's file, accepted here as ``TWN`` too) and Namibia's ISO2 is the string ``NA``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl
from rapidfuzz import process

from econsec.errors import NotFoundError

#: ISO3 aliases for CEPII's non-standard ISO3 codes; the left side is what users type.
ISO3_ALIASES: dict[str, str] = {"TWN": "S19"}

COUNTRY_SCHEMA = {
    "code": pl.Int16,
    "name": pl.Utf8,
    "iso2": pl.Utf8,
    "iso3": pl.Utf8,
}


def display_iso3(iso3: str) -> str:
    """Return the ISO3 code users expect (``S19`` is shown as ``TWN``)."""
    for alias, cepii in ISO3_ALIASES.items():
        if iso3 == cepii:
            return alias
    return iso3


@dataclass(frozen=True)
class CountryTable:
    """A release's country table with lookups by code, ISO3, ISO2 and name."""

    frame: pl.DataFrame

    def __post_init__(self) -> None:
        missing = set(COUNTRY_SCHEMA) - set(self.frame.columns)
        if missing:
            raise ValueError(f"country table lacks columns {sorted(missing)}")

    @property
    def codes(self) -> set[int]:
        """All CEPII numeric codes in the table."""
        return set(self.frame["code"].to_list())

    def iso3_of(self, code: int) -> str:
        """ISO3 (display form) of a CEPII code, or ``C<code>`` when the table lacks it."""
        hit = self.frame.filter(pl.col("code") == code)
        if hit.height == 0:
            return f"C{code}"
        return display_iso3(str(hit["iso3"][0]))

    def mapping(self) -> pl.DataFrame:
        """Frame ``code, iso3`` (display ISO3) to join onto results."""
        return self.frame.select(
            pl.col("code"),
            pl.col("iso3").replace({v: k for k, v in ISO3_ALIASES.items()}).alias("iso3"),
            pl.col("name"),
        )

    def resolve(self, name: str | int) -> int:
        """Resolve an ISO3, ISO2, CEPII code or country name to the CEPII code.

        Raises
        ------
        NotFoundError
            With the closest matches when the name is unknown.
        """
        if isinstance(name, int) or (isinstance(name, str) and name.strip().isdigit()):
            code = int(name)
            if code in self.codes:
                return code
            raise NotFoundError("country code", name, self._suggest(str(name)))
        key = name.strip()
        up = ISO3_ALIASES.get(key.upper(), key.upper())
        f = self.frame
        for col in ("iso3", "iso2"):
            hit = f.filter(pl.col(col).str.to_uppercase() == up)
            if hit.height:
                return int(hit["code"][0])
        hit = f.filter(pl.col("name").str.to_lowercase() == key.lower())
        if hit.height:
            return int(hit["code"][0])
        raise NotFoundError("country", name, self._suggest(key))

    def resolve_many(self, names: Iterable[str | int]) -> list[int]:
        """Resolve several names; see :meth:`resolve`."""
        return [self.resolve(n) for n in names]

    def _suggest(self, key: str, limit: int = 5) -> list[str]:
        choices = [
            f"{display_iso3(i)} ({n})"
            for i, n in zip(self.frame["iso3"].to_list(), self.frame["name"].to_list(), strict=True)
        ]
        hits = process.extract(key, choices, limit=limit, score_cutoff=50)
        return [h[0] for h in hits]


def read_country_codes(source: object, *, name: str = "country_codes") -> pl.DataFrame:
    """Read a BACI ``country_codes`` CSV (path or file-like) keeping ``NA`` as a string.

    Returns a frame with columns ``code`` (Int16), ``name``, ``iso2``, ``iso3``.
    """
    df = pl.read_csv(
        source,  # type: ignore[arg-type]
        infer_schema=False,
        null_values=[],
    )
    cols = {c.lower().strip(): c for c in df.columns}
    want = {
        "code": "country_code",
        "name": "country_name",
        "iso2": "country_iso2",
        "iso3": "country_iso3",
    }
    missing = [v for v in want.values() if v not in cols]
    if missing:
        from econsec.errors import DataError

        raise DataError(f"missing columns {missing}; found {df.columns}", path=name, line=1)
    out = df.select(
        pl.col(cols["country_code"]).str.strip_chars().cast(pl.Int16).alias("code"),
        pl.col(cols["country_name"]).alias("name"),
        pl.col(cols["country_iso2"]).fill_null("").str.strip_chars().alias("iso2"),
        pl.col(cols["country_iso3"]).fill_null("").str.strip_chars().alias("iso3"),
    )
    # Namibia's ISO2 is the string "NA"; writers that coerce "NA" to missing leave it blank.
    return out.with_columns(
        pl.when((pl.col("iso3") == "NAM") & (pl.col("iso2") == ""))
        .then(pl.lit("NA"))
        .otherwise(pl.col("iso2"))
        .alias("iso2")
    )
