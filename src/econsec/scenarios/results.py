"""Immutable results of a scenario run, following the one result protocol.

:class:`ScenarioResult` and each of its :class:`MeasureResult` are
:class:`~econsec.query.results.Result`: a tidy ``frame`` (per target × product outcome),
``params`` (the call, resolved, with what each party means), ``notes``, ``summary()`` (the
totals), ``to_polars()``, ``to_pandas()`` and ``to_dict()``. Countries appear as ISO3, blocs
by their name, values in thousand current USD.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from econsec.formatting import tidy_frame, to_jsonable
from econsec.query.results import Result
from econsec.scenarios.coalition import JoinSet
from econsec.scenarios.model import PRODUCT_COLUMNS
from econsec.scenarios.montecarlo import StopKernel, TariffKernel

#: Unit of every value column.
UNIT = "thousand USD"


def _records(df: pl.DataFrame | None, limit: int | None) -> list[dict[str, Any]] | None:
    if df is None:
        return None
    return tidy_frame(df.head(limit) if limit else df).to_dicts()


@dataclass(frozen=True)
class MeasureResult(Result):
    """Outcome of one measure.

    Attributes
    ----------
    frame
        Per target × product: :data:`~econsec.scenarios.model.PRODUCT_COLUMNS` and, for
        tariffs, ``from_target, sigma, sigma_source, tariff_revenue, target_exports,
        exposure_share`` (also :attr:`products`).
    params
        The measure as given, its resolved products and what each party means (``meaning``).
    index, kind, label
        Position in the scenario, measure kind and a one-line description.
    by_supplier
        ``importer, product, supplier, replaced``: who replaces (or, for tariffs, who gains).
    pain
        ``exporter, product, exports, lost_exports, lost_share``: the imposer's own loss (for
        tariffs the target's lost exports).
    totals
        Headline sums (also :meth:`summary`).
    access
        Coalition controls: ``importer, product, world_supply, coalition_supply,
        coalition_share, residual_share, baseline_from_non_members, leakage``.
    leakers
        Coalition controls: ``importer, product, supplier, baseline, redirected, leakage``.
    join_per_product, join_set
        Coalition controls with a threshold: who must join, per product and jointly.
    """

    index: int = 0
    kind: str = ""
    label: str = ""
    by_supplier: pl.DataFrame = field(default_factory=pl.DataFrame)
    pain: pl.DataFrame = field(default_factory=pl.DataFrame)
    totals: Mapping[str, Any] = field(default_factory=dict)
    access: pl.DataFrame | None = None
    leakers: pl.DataFrame | None = None
    join_per_product: pl.DataFrame | None = None
    join_set: JoinSet | None = None
    kernel: StopKernel | TariffKernel | None = field(default=None, repr=False)

    @property
    def products(self) -> pl.DataFrame:
        """The per target × product outcome (the result's ``frame``)."""
        return self.frame

    @property
    def parameters(self) -> dict[str, Any]:
        """The measure's parameters (``params`` as a plain dict)."""
        return dict(self.params)

    def summary(self) -> dict[str, Any]:
        """Return the measure's totals and its parameters."""
        return {**self.totals, "unit": UNIT, "params": dict(self.params)}

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """``params, notes, summary, rows`` and the measure's other tables, JSON-ready."""
        out = super().to_dict(limit=limit)
        out.update(index=self.index, kind=self.kind, label=self.label)
        out["replacement"] = _records(self.by_supplier, limit)
        out["mutual_pain"] = _records(self.pain, limit)
        if self.access is not None:
            out["access"] = _records(self.access, limit)
            out["leakers"] = _records(self.leakers, limit)
        if self.join_set is not None:
            out["must_join"] = {
                "threshold": self.join_set.threshold,
                "exporters": list(self.params.get("join_set_iso3", [])),
                "method": self.join_set.method,
                "exact": self.join_set.exact,
                "per_product": _records(self.join_per_product, limit),
            }
        return to_jsonable(out)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class IOOutcome:
    """Propagation of the scenario's shortfall through an MRIO table."""

    model: str
    table: str
    bridge: str
    totals: dict[str, Any]
    by_region: pl.DataFrame
    top_sectors: pl.DataFrame
    shock: pl.DataFrame

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """JSON-ready view."""
        return {
            "model": self.model,
            "table": self.table,
            "bridge": self.bridge,
            "totals": self.totals,
            "regions": (self.by_region.head(limit) if limit else self.by_region).to_dicts(),
            "top_sectors": self.top_sectors.to_dicts(),
        }


@dataclass(frozen=True)
class ScenarioResult(Result):
    """A scenario replayed on one year: per-measure outcomes, IO propagation, uncertainty.

    ``frame`` lists every measure's target × product rows (``measure, kind`` first);
    ``params`` holds ``scenario, year, hs, release, horizon, redirect`` and what each
    measure's parties mean.
    """

    measures: tuple[MeasureResult, ...] = ()
    io: IOOutcome | None = None
    uncertainty: pl.DataFrame | None = None

    @classmethod
    def build(
        cls, measures: tuple[MeasureResult, ...], params: Mapping[str, Any], notes: tuple[str, ...]
    ) -> ScenarioResult:
        """Assemble the result of ``measures`` (at least one; the frame concatenates their rows)."""
        frames = [
            m.frame.select(PRODUCT_COLUMNS).with_columns(
                pl.lit(m.index).alias("measure"), pl.lit(m.kind).alias("kind")
            )
            for m in measures
        ]
        frame = pl.concat(frames).select("measure", "kind", *PRODUCT_COLUMNS)
        return cls(frame, params, notes, measures=measures)

    @property
    def name(self) -> str:
        """The scenario's name."""
        return str(self.params["scenario"])

    @property
    def year(self) -> int:
        """The year replayed."""
        return int(self.params["year"])

    @property
    def hs(self) -> str:
        """The nomenclature of the year's release."""
        return str(self.params["hs"])

    @property
    def release(self) -> str:
        """The release describing the year."""
        return str(self.params["release"])

    @property
    def redirect(self) -> float:
        """The redirectable fraction used."""
        return float(self.params["redirect"])

    @property
    def horizon(self) -> str:
        """The substitution horizon (``custom`` for an explicit fraction)."""
        return str(self.params["horizon"])

    def products(self) -> pl.DataFrame:
        """Return the per measure × target × product outcome (the result's ``frame``)."""
        return self.frame

    def totals(self) -> dict[str, Any]:
        """Return sums over every measure (not netted), plus IO totals when run."""
        p = self.frame
        out: dict[str, Any] = {
            c: float(p[c].sum()) if p.height else 0.0
            for c in ("baseline_imports", "lost_imports", "replaced", "shortfall")
        }
        base = out["baseline_imports"]
        out["shortfall_share"] = out["shortfall"] / base if base else 0.0
        out["unit"] = UNIT
        if self.io is not None:
            out["io"] = self.io.totals
        return out

    def summary(self) -> dict[str, Any]:
        """Return the totals over every measure and the parameters."""
        return {**self.totals(), "params": dict(self.params)}

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """``params, notes, summary, rows`` plus ``measures``, ``io`` and ``uncertainty``."""
        out = super().to_dict(limit=limit)
        out["measures"] = [m.to_dict(limit=limit) for m in self.measures]
        out["io"] = self.io.to_dict(limit=limit) if self.io is not None else None
        out["uncertainty"] = _records(self.uncertainty, None)
        return to_jsonable(out)  # type: ignore[no-any-return]
