"""Who mines, who refines, who exports: USGS producers beside BACI exporters (pure)."""

from __future__ import annotations

import polars as pl

#: Columns of :func:`side_by_side`.
SIDE_COLUMNS = (
    "product",
    "commodity",
    "miner",
    "mine_share",
    "refiner",
    "refine_share",
    "exporter",
    "export_share",
    "differs",
    "usgs_year",
    "map_note",
)


def side_by_side(supply: pl.DataFrame, exporters: pl.DataFrame) -> pl.DataFrame:
    """One row per product × MCS commodity: the leading miner, refiner and exporter.

    Parameters
    ----------
    supply
        :func:`econsec.minerals.supply_by_stage` rows (``product, commodity, stage, year,
        top_iso3, top_share, map_note``).
    exporters
        The leading exporter of each product: ``product, exporter, world_share`` (BACI).

    Returns
    -------
    polars.DataFrame
        :data:`SIDE_COLUMNS`; ``refiner`` is null where MCS reports no refined series;
        ``differs`` is true when the leading refiner or exporter is not the leading miner
        (null without a mine series).
    """
    if supply.height == 0:
        return pl.DataFrame(
            schema={
                **dict.fromkeys(SIDE_COLUMNS, pl.Utf8),
                "mine_share": pl.Float64,
                "refine_share": pl.Float64,
                "export_share": pl.Float64,
                "differs": pl.Boolean,
                "usgs_year": pl.Int64,
            }
        )
    keys = ["product", "commodity"]
    base = supply.group_by(keys, maintain_order=True).agg(
        pl.col("year").max().cast(pl.Int64).alias("usgs_year"), pl.col("map_note").first()
    )

    def lead(stage: str, who: str, share: str) -> pl.DataFrame:
        return (
            supply.filter(pl.col("stage") == stage)
            .group_by(keys, maintain_order=True)
            .agg(pl.col("top_iso3").first().alias(who), pl.col("top_share").first().alias(share))
        )

    ex = exporters.select(
        "product", pl.col("exporter"), pl.col("world_share").alias("export_share")
    )
    out = (
        base.join(lead("mine", "miner", "mine_share"), on=keys, how="left")
        .join(lead("refined", "refiner", "refine_share"), on=keys, how="left")
        .join(ex, on="product", how="left")
    )
    differs = (
        pl.when(pl.col("miner").is_null())
        .then(None)
        .otherwise(
            (pl.col("refiner").is_not_null() & (pl.col("refiner") != pl.col("miner")))
            | (pl.col("exporter").is_not_null() & (pl.col("exporter") != pl.col("miner")))
        )
    )
    return out.with_columns(differs=differs).select(SIDE_COLUMNS).sort(keys)
