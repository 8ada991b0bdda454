"""The rows of a back-test: their columns and types, and when an outcome year falls.

Shared by the BACI replay (:mod:`.run`) and the importers' own reports (:mod:`.reported`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from econsec.backtest.events import EventMeasure

#: Years after the measure's start compared by default.
DEFAULT_OUTCOMES = 3
#: Months a measure must be in force in its first calendar year for that year to be compared
#: by default (a December measure leaves the year's flows as they were).
MIN_MONTHS_IN_FORCE = 3

#: Where the observed flows of a row come from.
SOURCE_BACI = "BACI"
SOURCE_COMTRADE = "Comtrade (importer's report)"

#: Columns of a back-test's rows, in order.
COLUMNS = (
    "event",
    "measure",
    "kind",
    "source",
    "product",
    "importer",
    "supplier",
    "base_year",
    "outcome_year",
    "months_after",
    "horizon",
    "base_value",
    "outcome_value",
    "observed_change",
    "predicted_change",
    "base_others",
    "outcome_others",
    "observed_replacement",
    "predicted_replacement",
    "predicted_replacement_r05",
    "predicted_replacement_r20",
    "predicted_replacement_r50",
    "base_quantity",
    "outcome_quantity",
    "base_unit_value",
    "outcome_unit_value",
    "base_share",
    "outcome_share",
    "predicted_share",
)


def default_outcomes(start: dt.date) -> list[int]:
    """Return the years compared by default (:data:`DEFAULT_OUTCOMES` of them).

    They start with the first year in which the measure is in force for at least
    :data:`MIN_MONTHS_IN_FORCE` months.
    """
    first = (
        start.year if start <= dt.date(start.year, 12 - MIN_MONTHS_IN_FORCE, 1) else start.year + 1
    )
    return list(range(first, first + DEFAULT_OUTCOMES))


def base_year_of(start: dt.date) -> int:
    """Return the last full year before a measure starting on ``start``."""
    return start.year - 1


def horizon_of(start: dt.date, year: int) -> tuple[float, str]:
    """Months from ``start`` to the middle of the part of ``year`` after it, and its horizon.

    Raises
    ------
    ValueError
        When ``year`` ends before ``start``.
    """
    if year < start.year:
        raise ValueError(f"outcome year {year} is before the measure ({start.isoformat()})")
    end = dt.date(year, 12, 31)
    begin = max(start, dt.date(year, 1, 1))
    mid = begin + (end - begin) / 2
    months = round((mid - start).days / 30.4375, 1)
    horizon = "0-3m" if months <= 3 else "3-12m" if months <= 12 else "12m+"
    return months, horizon


@dataclass(frozen=True)
class Roles:
    """Who imports and from whom, for one measure."""

    importers: list[str]
    supplier: list[str]

    @property
    def supplier_label(self) -> str:
        """The supplier side as shown (names joined by ``+``)."""
        return "+".join(self.supplier)


def roles(m: EventMeasure, targets: list[str]) -> Roles:
    """Return importers and supplier side.

    A stop's targets buy from the imposer; a tariff's imposer buys from the target.
    """
    if m.kind == "tariff":
        return Roles(list(m.imposer), targets)
    return Roles(targets, list(m.imposer))


def unit_value(v: str, q: str) -> pl.Expr:
    """Return value over quantity (thousand USD per ton = USD per kg), null without one."""
    # thousand USD per ton = USD per kg
    return pl.when(pl.col(q) > 0).then(pl.col(v) / pl.col(q)).otherwise(None)


def row_schema() -> pl.Schema:
    """Return the type of every column of :data:`COLUMNS`."""
    schema: dict[str, Any] = dict.fromkeys(COLUMNS, pl.Float64)
    schema.update(
        event=pl.Utf8,
        kind=pl.Utf8,
        source=pl.Utf8,
        product=pl.Utf8,
        importer=pl.Utf8,
        supplier=pl.Utf8,
        horizon=pl.Utf8,
        measure=pl.Int32,
        base_year=pl.Int32,
        outcome_year=pl.Int32,
    )
    return pl.Schema(schema)


def empty_rows() -> pl.DataFrame:
    """Return no rows, with the columns and types of a back-test."""
    return pl.DataFrame(schema=row_schema())


def with_shares(df: pl.DataFrame) -> pl.DataFrame:
    """Add the supplier side's share of the importer's imports: base, outcome and predicted.

    Shares are blind to how much the importer's demand grew between the two years, which
    changes alone are not; the predicted share is
    ``(base + predicted_change) / (base + others + predicted_change + predicted_replacement)``.
    Null where other suppliers are not reported.
    """

    def share(num: pl.Expr, den: pl.Expr) -> pl.Expr:
        return pl.when(den > 0).then(num / den).otherwise(None)

    b, o = pl.col("base_value"), pl.col("base_others")
    pc, pr = pl.col("predicted_change"), pl.col("predicted_replacement")
    return df.with_columns(
        share(b, b + o).alias("base_share"),
        share(pl.col("outcome_value"), pl.col("outcome_value") + pl.col("outcome_others")).alias(
            "outcome_share"
        ),
        share(b + pc, b + o + pc + pr).alias("predicted_share"),
    )
