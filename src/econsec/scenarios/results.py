"""Immutable results of a scenario run, with frames and a JSON-ready view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from econsec.scenarios.coalition import JoinSet
from econsec.scenarios.model import PRODUCT_COLUMNS
from econsec.scenarios.montecarlo import StopKernel, TariffKernel


@dataclass(frozen=True)
class MeasureResult:
    """Outcome of one measure.

    Attributes
    ----------
    products
        Per target × product: :data:`~econsec.scenarios.model.PRODUCT_COLUMNS` and, for
        tariffs, ``from_target, sigma, sigma_source, tariff_revenue, target_exports,
        exposure_share``.
    by_supplier
        ``importer, product, supplier, replaced``: who replaces (or, for tariffs, who gains).
    pain
        ``exporter, product, exports, lost_exports, lost_share``: the coercer's own loss (for
        tariffs the target's lost exports).
    access
        Coalition controls: ``importer, product, world_supply, coalition_supply,
        coalition_share, residual_share, baseline_from_non_members, leakage``.
    leakers
        Coalition controls: ``importer, product, supplier, baseline, redirected, leakage``.
    join_per_product, join_set
        Coalition controls with a threshold: who must join, per product and jointly.
    """

    index: int
    kind: str
    label: str
    parameters: dict[str, Any]
    products: pl.DataFrame
    by_supplier: pl.DataFrame
    pain: pl.DataFrame
    totals: dict[str, Any]
    access: pl.DataFrame | None = None
    leakers: pl.DataFrame | None = None
    join_per_product: pl.DataFrame | None = None
    join_set: JoinSet | None = None
    kernel: StopKernel | TariffKernel | None = field(default=None, repr=False)

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """JSON-ready view (frames as lists of records, at most ``limit`` rows each)."""

        def rec(df: pl.DataFrame | None) -> list[dict[str, Any]] | None:
            if df is None:
                return None
            return (df.head(limit) if limit else df).to_dicts()

        out: dict[str, Any] = {
            "index": self.index,
            "kind": self.kind,
            "label": self.label,
            "parameters": self.parameters,
            "totals": self.totals,
            "products": rec(self.products),
            "replacement": rec(self.by_supplier),
            "mutual_pain": rec(self.pain),
        }
        if self.access is not None:
            out["access"] = rec(self.access)
            out["leakers"] = rec(self.leakers)
        if self.join_set is not None:
            out["must_join"] = {
                "threshold": self.join_set.threshold,
                "exporters": self.parameters.get("join_set_iso3", []),
                "method": self.join_set.method,
                "exact": self.join_set.exact,
                "per_product": rec(self.join_per_product),
            }
        return out


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
class ScenarioResult:
    """A scenario replayed on one year: per-measure outcomes, IO propagation, uncertainty."""

    name: str
    year: int
    hs: str
    release: str
    redirect: float
    horizon: str
    measures: list[MeasureResult]
    io: IOOutcome | None = None
    uncertainty: pl.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def products(self) -> pl.DataFrame:
        """Return the per measure × target × product outcome (``measure, kind`` first)."""
        frames = [
            m.products.select(PRODUCT_COLUMNS).with_columns(
                pl.lit(m.index).alias("measure"), pl.lit(m.kind).alias("kind")
            )
            for m in self.measures
        ]
        if not frames:
            return pl.DataFrame()
        return pl.concat(frames).select("measure", "kind", *PRODUCT_COLUMNS)

    def totals(self) -> dict[str, Any]:
        """Return sums over every measure (not netted), plus IO totals when run."""
        p = self.products()
        out: dict[str, Any] = {
            c: float(p[c].sum()) if p.height else 0.0
            for c in ("baseline_imports", "lost_imports", "replaced", "shortfall")
        }
        base = out["baseline_imports"]
        out["shortfall_share"] = out["shortfall"] / base if base else 0.0
        out["unit"] = "thousand USD"
        if self.io is not None:
            out["io"] = self.io.totals
        return out

    def to_polars(self) -> pl.DataFrame:
        """Return :meth:`products`."""
        return self.products()

    def to_pandas(self) -> Any:
        """:meth:`products` as a pandas frame."""
        return self.products().to_pandas()

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """JSON-ready view; ``products`` lists every measure's target × product rows."""
        return {
            "scenario": self.name,
            "year": self.year,
            "hs": self.hs,
            "release": self.release,
            "horizon": self.horizon,
            "redirect": self.redirect,
            "unit": "thousand USD",
            "products": self.products().to_dicts(),
            "totals": self.totals(),
            "measures": [m.to_dict(limit=limit) for m in self.measures],
            "io": self.io.to_dict(limit=limit) if self.io is not None else None,
            "uncertainty": (self.uncertainty.to_dicts() if self.uncertainty is not None else None),
            "notes": self.notes,
        }
