"""Pure helpers on the tidy USGS frame: production series, stages and world shares."""

from __future__ import annotations

import re

import polars as pl

_WORLD_RE = re.compile(r"^world\s+(total\s+)?", re.IGNORECASE)
_ROUNDED_RE = re.compile(r"\(rounded\)", re.IGNORECASE)

#: Words of an MCS ``Type`` that mark a processing stage after the mine.
_REFINED = ("refin", "smelt", "plant", "primary", "sponge", "pig iron", "raw steel")


def series_key(type_text: str | None) -> str:
    """Normalise an MCS ``Type`` so that a country row and its world-total row match.

    The world total of a series is sometimes its own ``Type`` (``World mine production:
    Palladium`` beside ``Mine production: Palladium``; ``World total mine production: rutile
    (rounded), ...``).
    """
    s = _ROUNDED_RE.sub("", type_text or "")
    s = _WORLD_RE.sub("", " ".join(s.split()))
    return " ".join(s.replace(" ,", ",").split()).strip(" .").lower()


def stage_of(type_text: str | None) -> str:
    """``mine``, ``refined`` or ``production`` (the MCS ``Type`` names no stage)."""
    s = (type_text or "").lower()
    if "mine" in s or "mne " in s or "poduction" in s:  # the MCS files carry typos
        return "mine"
    if any(w in s for w in _REFINED):
        return "refined"
    return "production"


def with_series(df: pl.DataFrame) -> pl.DataFrame:
    """Add ``series`` (normalised type) and ``stage`` to a frame of :func:`usgs.read_world`."""
    types = df["type"].to_list()
    return df.with_columns(
        pl.Series("series", [series_key(t) for t in types], dtype=pl.Utf8),
        pl.Series("stage", [stage_of(t) for t in types], dtype=pl.Utf8),
    )


def attach_orphans(df: pl.DataFrame) -> pl.DataFrame:
    """Give country rows whose series has no world total the commodity's only total series.

    Some tables give each country its own ``Type`` (boron: ``crude borates``, ``ulexite``...)
    and one total no country shares (``boron total all types``); their shares are of that
    total. A series beside another with its own total (palladium beside platinum) keeps its
    own (shares of the listed rows).
    """
    keys = ["commodity_code", "series", "variant"]
    totals = df.filter(pl.col("is_total")).select(keys).unique()
    # Only a total no country row shares a series with ("all types") gathers the orphans.
    alone = totals.join(df.filter(~pl.col("is_total")).select(keys).unique(), on=keys, how="anti")
    one = totals.group_by("commodity_code", "variant").agg(
        pl.col("series").first().alias("_total_series"), pl.len().alias("_n")
    )
    orphan = df.join(totals, on=keys, how="anti").select(keys).unique()
    orphan = orphan.join(
        one.filter(pl.col("_n") == 1).join(
            alone.rename({"series": "_total_series"}),
            on=["commodity_code", "_total_series", "variant"],
            how="semi",
        ),
        on=["commodity_code", "variant"],
    )
    if orphan.height == 0:
        return df
    return (
        df.join(orphan.drop("_n"), on=keys, how="left")
        .with_columns(series=pl.coalesce("_total_series", "series"))
        .drop("_total_series")
    )


def world_shares(df: pl.DataFrame) -> pl.DataFrame:
    """Country rows with ``world_total``, ``share``, ``rank``, ``reserves_share``.

    ``share`` = production / the published world total of the same commodity, series,
    variant and year (MCS rounds it; for some series it excludes withheld U.S. figures);
    where the table has no total, the sum of the listed rows (``share_basis`` says which).
    ``rank`` orders countries (not ``Other countries``) by production, 1 = largest.
    """
    keys = ["commodity_code", "series", "variant", "year"]
    tot = (
        df.filter(pl.col("is_total"))
        .group_by(keys)
        .agg(
            pl.col("production").max().alias("world_total"),
            pl.col("reserves").max().alias("world_reserves"),
        )
    )
    rows = df.filter(~pl.col("is_total"))
    listed = rows.group_by(keys).agg(
        pl.col("production").sum().alias("_sum"), pl.col("reserves").sum().alias("_rsum")
    )
    out = rows.join(tot, on=keys, how="left").join(listed, on=keys, how="left")
    basis = (
        pl.when(pl.col("world_total").is_not_null())
        .then(pl.lit("world total"))
        .when(pl.col("_sum") > 0)
        .then(pl.lit("sum of rows"))
        .otherwise(pl.lit(None, pl.Utf8))
    )
    total = pl.coalesce("world_total", pl.when(pl.col("_sum") > 0).then(pl.col("_sum")))
    rtotal = pl.coalesce("world_reserves", pl.when(pl.col("_rsum") > 0).then(pl.col("_rsum")))
    ranked = pl.when(~pl.col("is_other") & pl.col("production").is_not_null()).then(
        pl.col("production")
    )
    return out.with_columns(
        world_total=total,
        share=pl.col("production") / total,
        share_basis=basis,
        reserves_share=pl.col("reserves") / rtotal,
        rank=ranked.rank("min", descending=True).over(keys).cast(pl.Int32),
    ).drop("_sum", "_rsum", "world_reserves")
