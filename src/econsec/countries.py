"""Country codes: CEPII numeric codes, ISO3 and names, resolved from a release's own table.

BACI identifies countries by CEPII numeric codes (close to UN M49). The release's
``country_codes`` file is the authority: Taiwan is 490 ("Other Asia, nes", blank ISO2, ISO3
``S19`` in CEPII's file, accepted here as ``TWN`` too) and Namibia's ISO2 is the string ``NA``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

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


def _is_current(name: str) -> bool:
    # CEPII marks former entities with their end year: "Fed. Rep. of Germany (...1990)".
    return "(..." not in name


@dataclass(frozen=True)
class CountryTable:
    """A release's country table with lookups by code, ISO3, ISO2 and name.

    A country may hold several CEPII codes in one release: Germany is 276 and 280 ("Fed.
    Rep. of Germany (...1990)"), Belgium 56 and 58, Sudan 729 and 736, and the flows of a
    release may use either. Every code of an ISO3 resolves to one *canonical* code (the
    current entity's), and :mod:`econsec.query.flows` maps the flows' codes to it, so a
    country's trade is counted once whatever code the data uses.
    """

    frame: pl.DataFrame

    def __post_init__(self) -> None:
        missing = set(COUNTRY_SCHEMA) - set(self.frame.columns)
        if missing:
            raise ValueError(f"country table lacks columns {sorted(missing)}")
        canon: dict[int, int] = {}
        by_iso3: dict[str, list[tuple[int, str]]] = {}
        for code, name, iso3 in self.frame.select("code", "name", "iso3").iter_rows():
            if iso3:
                by_iso3.setdefault(str(iso3).upper(), []).append((int(code), str(name)))
            else:
                canon[int(code)] = int(code)
        for rows in by_iso3.values():
            current = sorted(c for c, n in rows if _is_current(n)) or sorted(c for c, _ in rows)
            for c, _ in rows:
                canon[c] = current[0]
        object.__setattr__(self, "_canon", canon)

    @property
    def codes(self) -> set[int]:
        """All CEPII numeric codes in the table."""
        return set(self.frame["code"].to_list())

    def canonical(self, code: int) -> int:
        """Return the canonical code of a CEPII code (itself unless its ISO3 has several codes)."""
        return int(self._canon.get(int(code), int(code)))  # type: ignore[attr-defined]

    @property
    def aliases(self) -> dict[int, int]:
        """Non-canonical codes and their canonical code (e.g. ``{280: 276, 58: 56}``)."""
        canon: dict[int, int] = self._canon  # type: ignore[attr-defined]
        return {c: k for c, k in canon.items() if c != k}

    def codes_of(self, name: str | int) -> tuple[int, ...]:
        """Every CEPII code of the country ``name`` resolves to (see :meth:`resolve`)."""
        k = self.resolve(name)
        canon: dict[int, int] = self._canon  # type: ignore[attr-defined]
        return tuple(sorted(c for c, v in canon.items() if v == k))

    def iso3_of(self, code: int) -> str:
        """ISO3 (display form) of a CEPII code, or ``C<code>`` when the table lacks it."""
        hit = self.frame.filter(pl.col("code") == code)
        if hit.height == 0:
            return f"C{code}"
        return display_iso3(str(hit["iso3"][0]))

    def name_of(self, code: int) -> str:
        """Name of the country a code belongs to (the current entity's name)."""
        hit = self.frame.filter(pl.col("code") == self.canonical(code))
        return str(hit["name"][0]) if hit.height else f"C{code}"

    def mapping(self) -> pl.DataFrame:
        """Frame ``code, iso3, name`` (display ISO3) to join onto results."""
        return self.frame.select(
            pl.col("code"),
            pl.col("iso3").replace({v: k for k, v in ISO3_ALIASES.items()}).alias("iso3"),
            pl.col("name"),
        )

    def resolve(self, name: str | int) -> int:
        """Resolve an ISO3, ISO2, CEPII code or country name to the canonical CEPII code.

        Names are BACI's own (``Rep. of Korea``), ISO 3166 names and common names
        (``South Korea``, ``Taiwan``), case-insensitive.

        Raises
        ------
        NotFoundError
            With the closest matches when the name is unknown.
        """
        if isinstance(name, bool):
            raise NotFoundError("country", name)
        if isinstance(name, int) or (isinstance(name, str) and name.strip().isdigit()):
            code = int(name)
            if code in self.codes:
                return self.canonical(code)
            raise NotFoundError("country code", name, self._suggest(str(name)))
        key = str(name).strip()
        if not key:
            raise NotFoundError("country", name, hint="give an ISO3 code, ISO2 code or name")
        up = ISO3_ALIASES.get(key.upper(), key.upper())
        f = self.frame
        for col in ("iso3", "iso2"):
            hit = f.filter(pl.col(col).str.to_uppercase() == up).sort("code")
            if hit["iso3"].n_unique() > 1:  # e.g. ISO2 CS: Czechoslovakia and Serbia-Montenegro
                now = hit.filter(~pl.col("name").str.contains("(...", literal=True))
                if now["iso3"].n_unique() != 1:
                    raise NotFoundError(
                        "country",
                        name,
                        [f"{display_iso3(i)} ({n})" for i, n in hit.select("iso3", "name").rows()],
                        hint=f"{col.upper()} {up} is ambiguous in this release; give the ISO3",
                    )
                hit = now
            if hit.height:
                return self.canonical(int(hit["code"][0]))
        hit = f.filter(pl.col("name").str.to_lowercase() == key.lower()).sort("code")
        if hit.height:
            return self.canonical(int(hit["code"][0]))
        iso = _iso_names().get(key.lower()) or _iso_names().get(up.lower())
        if iso is not None:
            iso = ISO3_ALIASES.get(iso, iso)
            hit = f.filter(pl.col("iso3") == iso).sort("code")
            if hit.height:
                return self.canonical(int(hit["code"][0]))
        raise NotFoundError("country", name, self._suggest(key))

    def resolve_many(self, names: Iterable[str | int]) -> list[int]:
        """Resolve several names; see :meth:`resolve`."""
        return [self.resolve(n) for n in names]

    def _suggest(self, key: str, limit: int = 5) -> list[str]:
        choices = [
            f"{display_iso3(i)} ({n})"
            for i, n in zip(self.frame["iso3"].to_list(), self.frame["name"].to_list(), strict=True)
            if _is_current(str(n))
        ]
        hits = process.extract(key, choices, limit=limit, score_cutoff=50)
        return [h[0] for h in hits]


@cache
def _iso_names() -> dict[str, str]:
    """ISO 3166 names, common names and ISO2 codes (lower case) → ISO3, from ``iso3166.csv``."""
    from econsec.reference._io import read_shipped

    out: dict[str, str] = {}
    for r in read_shipped("groups", "iso3166.csv", required=("iso3", "iso2", "name")):
        for k in (r["name"], r.values.get("common_name", ""), r["iso2"]):
            if k:
                out.setdefault(k.strip().lower(), r["iso3"])
    return out


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
    out = out.with_columns(pl.col("name").map_elements(repair_mojibake, return_dtype=pl.Utf8))
    # Namibia's ISO2 is the string "NA"; writers that coerce "NA" to missing leave it blank.
    return out.with_columns(
        pl.when((pl.col("iso3") == "NAM") & (pl.col("iso2") == ""))
        .then(pl.lit("NA"))
        .otherwise(pl.col("iso2"))
        .alias("iso2")
    )


def repair_mojibake(name: str) -> str:
    """Undo UTF-8 text decoded as Latin-1 once (``CÃ´te d'Ivoire`` → ``Côte d'Ivoire``).

    Some releases' country tables carry names encoded twice; a name that does not round-trip
    is returned unchanged.
    """
    if "Ã" not in name and "Â" not in name:
        return name
    try:
        return name.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


@cache
def _common_names() -> dict[str, str]:
    """ISO3 → the short name people write (``Taiwan``, ``South Korea``), from ``iso3166.csv``."""
    from econsec.reference._io import read_shipped

    out: dict[str, str] = {}
    for r in read_shipped("groups", "iso3166.csv", required=("iso3", "iso2", "name")):
        common = r.values.get("common_name", "").strip()
        # An all-capitals common name is an abbreviation (USA): the ISO name reads better.
        out[r["iso3"]] = common if common and not common.isupper() else r["name"]
    return out


def common_name(iso3: str, fallback: str = "") -> str:
    """Return the name a reader expects for an ISO3 (``TWN`` → ``Taiwan``), else ``fallback``.

    CEPII's names are statistical (``Other Asia, nes`` for Taiwan); charts and tables meant
    for people use these instead.
    """
    return _common_names().get(display_iso3(iso3.upper()), fallback or iso3)
