"""Results of back-tests, following the one result protocol (:class:`~econsec.query.Result`).

:class:`BacktestResult` holds one event's rows (product × importer × outcome year, see
:data:`econsec.backtest.rows.COLUMNS` plus ``reading``), its scores and what the sources say
happened; :class:`ScoreResult` the scores across events. Values in thousand current USD,
quantities in tons, unit values in USD per kg.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from econsec.formatting import tidy_frame, to_jsonable
from econsec.query.results import Result

UNIT = "thousand USD"


def _records(df: pl.DataFrame) -> list[dict[str, Any]]:
    return tidy_frame(df).to_dicts()


def totals_by_year(rows: pl.DataFrame) -> pl.DataFrame:
    """Return observed and predicted sums per measure and outcome year."""
    if rows.height == 0:
        return pl.DataFrame()
    return (
        rows.group_by("measure", "kind", "outcome_year", "horizon")
        .agg(
            pl.col(
                "base_value",
                "outcome_value",
                "observed_change",
                "predicted_change",
                "observed_replacement",
                "predicted_replacement",
            ).sum()
        )
        .sort("measure", "outcome_year")
    )


@dataclass(frozen=True)
class BacktestResult(Result):
    """One event replayed: rows, scores, statements, and the event's own record.

    Attributes
    ----------
    frame
        Product × importer × outcome year rows.
    params
        ``event, title, date, measures`` (each with its base year, outcome years, revision,
        products and resolved targets), ``sources``, ``unit``.
    scores
        :data:`econsec.backtest.score.SCORE_COLUMNS` for this event.
    statements
        Where the model is wrong and why, in plain sentences.
    outcomes
        What the sources say happened: ``text`` and ``sources`` (citations).
    monthly
        Who replaced the imposer, and how fast, from national customs series
        (:data:`econsec.backtest.reported.MONTHLY_COLUMNS`; empty without one).
    """

    scores: pl.DataFrame = field(default_factory=pl.DataFrame)
    statements: tuple[str, ...] = ()
    outcomes: tuple[Mapping[str, Any], ...] = ()
    monthly: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def event(self) -> str:
        """The event's id."""
        return str(self.params["event"])

    def totals(self) -> pl.DataFrame:
        """Observed and predicted sums per measure and outcome year."""
        return totals_by_year(self.frame)

    def summary(self) -> dict[str, Any]:
        """Headline sums per measure and outcome year, and the rows count."""
        return {
            "rows": self.frame.height,
            "unit": UNIT,
            "by_year": _records(self.totals()) if self.frame.height else [],
            "params": dict(self.params),
        }

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """``params, notes, summary, rows`` plus ``scores, statements, outcomes, monthly``."""
        out = super().to_dict(limit=limit)
        out["scores"] = _records(self.scores) if self.scores.height else []
        out["statements"] = list(self.statements)
        out["outcomes"] = [dict(o) for o in self.outcomes]
        out["monthly"] = _records(self.monthly) if self.monthly.height else []
        return to_jsonable(out)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ScoreResult(Result):
    """Scores across events: ``frame`` is the score table; ``rows`` every event's rows."""

    rows: pl.DataFrame = field(default_factory=pl.DataFrame)
    statements: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """Events scored and left out."""
        return {
            "scored": list(self.params.get("scored", [])),
            "not_covered": list(self.params.get("not_covered", [])),
            "params": dict(self.params),
        }

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """``params, notes, summary, rows`` (the scores) plus ``statements`` and ``details``."""
        out = super().to_dict(limit=limit)
        out["statements"] = list(self.statements)
        details = self.rows if limit is None else self.rows.head(limit)
        out["details"] = _records(details) if details.height else []
        return to_jsonable(out)  # type: ignore[no-any-return]
