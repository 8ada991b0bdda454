"""The yard's result: the chosen products, every scored product, and the trend across years."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from econsec.query.results import Result

#: Columns of the yard's products (``YardResult.to_polars()``), ESPA columns follow with espa.
PRODUCT_COLUMNS = (
    "rank",
    "product",
    "description",
    "score",
    "cum_coverage",
    "import_value",
    "value_share",
    "dependence",
    "concentration",
    "substitution_gap",
    "criticality",
    "top_supplier",
    "top_share",
    "world_hhi",
    "import_export_ratio",
    "baskets",
    "reason",
)
#: Columns of the trend across years.
TREND_COLUMNS = (
    "year",
    "hs",
    "size",
    "coverage",
    "fence_cost",
    "fence_value",
    "import_value",
    "total_score",
    "candidates",
    "entering",
    "leaving",
)


@dataclass(frozen=True)
class YardResult(Result):
    """A chosen yard: its products (``frame``), every scored product, and the trend.

    Attributes
    ----------
    frame
        The yard's products, highest score first (:data:`PRODUCT_COLUMNS`).
    scores
        Every product imported, with its factors, ``eligible`` and ``in_yard``.
    headline
        ``importer, year, hs, release, method, coverage_target, size, coverage, fence_cost,
        fence_value, import_value, total_score, candidates, products_imported, optimal``.
    trend
        One row per year held (:data:`TREND_COLUMNS`); empty when not computed.
    changes
        Products entering or leaving the yard: ``year, product, status, hs_changed``.
    notes
        Caveats worth reading with the result (nomenclature changes, empty years, members
        or products a release lacks).
    """

    scores: pl.DataFrame = field(default_factory=pl.DataFrame)
    headline: Mapping[str, Any] = field(default_factory=dict)
    trend: pl.DataFrame = field(default_factory=pl.DataFrame)
    changes: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def coverage(self) -> float:
        """Share of the candidates' total vulnerability inside the yard."""
        return float(self.headline["coverage"])

    @property
    def fence_cost(self) -> float:
        """Share of the importer's total import value inside the yard."""
        return float(self.headline["fence_cost"])

    def growth(self) -> str | None:
        """``growing``, ``shrinking`` or ``stable`` (yard size, first vs last year held)."""
        if self.trend.height < 2:
            return None
        first, last = self.trend["size"][0], self.trend["size"][-1]
        return "growing" if last > first else "shrinking" if last < first else "stable"

    def summary(self) -> dict[str, Any]:
        """Headline figures, the yard's products, the trend verdict and the parameters."""
        out = dict(self.headline)
        out["products"] = self.frame["product"].to_list() if self.frame.height else []
        if self.trend.height:
            out["trend"] = self.growth()
            out["years"] = self.trend["year"].to_list()
        out["params"] = dict(self.params)
        return out

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """Everything JSON-ready (the CLI's JSON output).

        ``params``, ``notes``, ``summary``, ``rows`` (the yard's products, at most ``limit``),
        ``years`` (the trend, one row per year) and ``changes``.
        """
        from econsec.formatting import tidy_frame, to_jsonable

        out = super().to_dict(limit=limit)
        out["years"] = tidy_frame(self.trend).to_dicts() if self.trend.height else []
        out["changes"] = self.changes.to_dicts() if self.changes.height else []
        return dict(to_jsonable(out))
