"""UN General Assembly ideal points (Bailey, Strezhnev & Voeten 2017; July 2025 release).

Ideal points place each country-year on one dimension estimated from UN General Assembly roll
calls; the US-led liberal order sits at the positive end. This module reads the published CSV
(``unga_ideal_points_2025-07.csv``: ``ccode, iso3c, countryname, year, idealpointfp,
idealpointall, idealpointlegacy, ...``) and measures how far apart two countries vote.

Which estimate is used (``column``):

- ``"auto"`` (default): ``idealpointall`` (all resolutions) where the release has it, i.e.
  1946-2023, and ``idealpointfp`` (final-passage votes only) in years where ``idealpointall``
  is empty, i.e. 2024 in the July 2025 release. The ``source_column`` output column says which
  was used for each country-year. The two estimates are close but not identical: for a series
  that must be comparable across the switch, choose one column.
- ``"all"``, ``"fp"`` or ``"legacy"``: that column for every year.

Country identifiers: ``iso3c`` is used; the few rows without it take the ISO3 of the same
Correlates of War code (``ccode``) elsewhere in the file; South Yemen (ccode 680, labelled
``YAR`` like North Yemen in the release) is given its ISO 3166-3 code ``YMD``. Where two
codes still share an ISO3 in a year (the German Federal Republic, ccode 260, and Germany,
ccode 255), the code whose series runs latest is kept.

Alignment: ``alignment(a, b, year) = |θ_a − θ_b|``, the absolute distance between the two
ideal points. 0 means identical voting positions; larger means less aligned (it is a
distance, not a similarity).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from econsec.errors import DataError, NotFoundError
from econsec.reference._io import as_path
from econsec.settings import get_settings

FILE = Path("ref") / "unga_ideal_points_2025-07.csv"
COLUMNS = {"all": "idealpointall", "fp": "idealpointfp", "legacy": "idealpointlegacy"}
_NVOTES = {
    "idealpointall": "nvotesall",
    "idealpointfp": "nvotesfp",
    "idealpointlegacy": "nvotesLegacy",
}
#: Correlates of War codes whose ISO3 in the release is wrong or missing.
CCODE_ISO3_OVERRIDES = {680: "YMD"}

IDEAL_SCHEMA = {
    "iso3": pl.Utf8,
    "ccode": pl.Int32,
    "country": pl.Utf8,
    "year": pl.Int16,
    "ideal_point": pl.Float64,
    "source_column": pl.Utf8,
    "nvotes": pl.Float64,
}


def default_path(mirror: Path | str | None = None) -> Path:
    """``<ECONSEC_MIRROR>/ref/unga_ideal_points_2025-07.csv``."""
    m = mirror if mirror is not None else get_settings().mirror
    if m is None or "://" in str(m):
        raise FileNotFoundError(
            "no local data mirror: set ECONSEC_MIRROR to a folder holding ref/ or pass path="
        )
    return as_path(m) / FILE


def _fix_text(s: str | None) -> str | None:
    # The release's names are UTF-8 read as Latin-1 and re-encoded ("CÃ´te dâ\x80\x99Ivoire").
    if s is None:
        return None
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def read_raw(path: Path | str | None = None) -> pl.DataFrame:
    """Read the release as published, with identifiers repaired (see the module docstring)."""
    p = as_path(path) if path is not None else default_path()
    df = pl.read_csv(p, infer_schema_length=None, encoding="utf8-lossy")
    need = ["ccode", "iso3c", "countryname", "year", *COLUMNS.values()]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(f"missing columns {missing}", path=p, line=1)
    df = df.with_columns(
        pl.col("ccode").cast(pl.Int32),
        pl.col("year").cast(pl.Float64).round(0).cast(pl.Int16),
        pl.col("countryname").map_elements(_fix_text, return_dtype=pl.Utf8),
    )
    known = (
        df.filter(pl.col("iso3c").is_not_null())
        .group_by("ccode")
        .agg(
            pl.col("iso3c").first().alias("_iso"),
            pl.col("countryname").drop_nulls().first().alias("_name"),
        )
    )
    over = pl.DataFrame(
        {"ccode": list(CCODE_ISO3_OVERRIDES), "_over": list(CCODE_ISO3_OVERRIDES.values())},
        schema={"ccode": pl.Int32, "_over": pl.Utf8},
    )
    df = df.join(known, on="ccode", how="left").join(over, on="ccode", how="left")
    return df.with_columns(
        pl.coalesce("_over", "iso3c", "_iso").alias("iso3c"),
        pl.coalesce("countryname", "_name").alias("countryname"),
    ).drop("_iso", "_name", "_over")


@cache
def _cached(path: str, column: str) -> pl.DataFrame:
    return _ideal_points(read_raw(path), column)


def _ideal_points(raw: pl.DataFrame, column: str) -> pl.DataFrame:
    if column == "auto":
        has_all = raw.group_by("year").agg(
            pl.col("idealpointall").is_not_null().any().alias("_has")
        )
        raw = raw.join(has_all, on="year")
        src = (
            pl.when(pl.col("_has")).then(pl.lit("idealpointall")).otherwise(pl.lit("idealpointfp"))
        )
        raw = raw.with_columns(src.alias("source_column"))
        value = (
            pl.when(pl.col("_has")).then(pl.col("idealpointall")).otherwise(pl.col("idealpointfp"))
        )
        votes = pl.when(pl.col("_has")).then(pl.col("nvotesall")).otherwise(pl.col("nvotesfp"))
    elif column in COLUMNS:
        name = COLUMNS[column]
        raw = raw.with_columns(pl.lit(name).alias("source_column"))
        value = pl.col(name)
        nv = _NVOTES[name]
        votes = pl.col(nv) if nv in raw.columns else pl.lit(None, pl.Float64)
    else:
        raise ValueError(f"column must be one of auto, {', '.join(COLUMNS)}; got {column!r}")
    out = raw.select(
        pl.col("iso3c").alias("iso3"),
        "ccode",
        pl.col("countryname").alias("country"),
        "year",
        value.alias("ideal_point"),
        "source_column",
        votes.cast(pl.Float64).alias("nvotes"),
    ).filter(pl.col("ideal_point").is_not_null() & pl.col("iso3").is_not_null())
    # Keep one code per ISO3-year: the one whose series reaches the latest year.
    last = out.group_by("ccode").agg(pl.col("year").max().alias("_last"))
    out = out.join(last, on="ccode").sort("iso3", "year", "_last", descending=[False, False, True])
    out = out.unique(["iso3", "year"], keep="first", maintain_order=True).drop("_last")
    return out.cast(IDEAL_SCHEMA).sort("iso3", "year")  # type: ignore[arg-type]


def ideal_points(path: Path | str | None = None, *, column: str = "auto") -> pl.DataFrame:
    """Ideal points ``iso3, ccode, country, year, ideal_point, source_column, nvotes``.

    One row per ISO3 and year with an estimate in the chosen column (see the module
    docstring for ``column`` and for how identifiers are repaired).
    """
    p = as_path(path) if path is not None else default_path()
    return _cached(str(p.resolve()), column)


def _year(points: pl.DataFrame, year: int) -> pl.DataFrame:
    y = points.filter(pl.col("year") == year)
    if y.height == 0:
        yrs = points["year"]
        raise NotFoundError("year", year, hint=f"ideal points cover {yrs.min()!s}-{yrs.max()!s}")
    return y


def alignment(
    a_iso3: str,
    b_iso3: str,
    year: int,
    *,
    path: Path | str | None = None,
    column: str = "auto",
) -> float:
    """Distance ``|θ_a − θ_b|`` between two countries' ideal points in a year (0 = aligned).

    Raises
    ------
    NotFoundError
        When the year is not covered or a country has no ideal point that year.
    """
    y = _year(ideal_points(path, column=column), year)
    theta = dict(zip(y["iso3"].to_list(), y["ideal_point"].to_list(), strict=True))
    vals = []
    for c in (a_iso3, b_iso3):
        key = c.strip().upper()
        if key not in theta:
            from rapidfuzz import process

            sugg = [h[0] for h in process.extract(key, list(theta), limit=3, score_cutoff=60)]
            raise NotFoundError("country", c, sugg, hint=f"no ideal point in {year}")
        vals.append(theta[key])
    return abs(vals[0] - vals[1])


def alignment_matrix(
    year: int,
    *,
    countries: list[str] | None = None,
    path: Path | str | None = None,
    column: str = "auto",
) -> pl.DataFrame:
    """All pairwise distances of a year: ``a, b, distance`` (long form, both orders, a ≠ b).

    ``countries`` restricts the matrix to those ISO3 codes (those without an estimate are left
    out).
    """
    y = _year(ideal_points(path, column=column), year).select("iso3", "ideal_point")
    if countries is not None:
        y = y.filter(pl.col("iso3").is_in([c.strip().upper() for c in countries]))
    return pairwise_distances(y)


def pairwise_distances(points: pl.DataFrame) -> pl.DataFrame:
    """Compute ``a, b, distance = |θ_a − θ_b|`` for every ordered pair of ``iso3, ideal_point``."""
    y = points.select("iso3", "ideal_point")
    pairs = y.join(y, how="cross", suffix="_b").filter(pl.col("iso3") != pl.col("iso3_b"))
    return pairs.select(
        pl.col("iso3").alias("a"),
        pl.col("iso3_b").alias("b"),
        (pl.col("ideal_point") - pl.col("ideal_point_b")).abs().alias("distance"),
    ).sort("a", "b")
