"""Results of the plan verbs: the supplier mix and plans, the frontier, the stockpile.

Each is a :class:`~econsec.query.results.Result` (``frame``, ``params``, ``notes``,
``summary()``, ``to_polars()``, ``to_pandas()``, ``to_dict()``). Values are thousand current
USD, shares of the importer's supply of the product; suppliers appear as ISO3 and a bloc
importer by its name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from econsec.plan import frontier as _frontier
from econsec.plan import lp
from econsec.query.results import Result

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: Columns of the supplier mix (``PlanResult.to_polars()``).
SUPPLIER_COLUMNS = (
    "product",
    "supplier",
    "role",
    "allowed",
    "unit_value",
    "price_source",
    "baseline_value",
    "baseline_share",
    "planned_value",
    "planned_share",
    "change_value",
    "capacity_value",
)
#: Keys of one product's plan in :meth:`PlanResult.summary`.
SUMMARY_KEYS = (
    "product",
    "feasible",
    "status",
    "strategy",
    "allowed_set",
    "importer",
    "rival",
    "cap",
    "import_value",
    "baseline_rival_share",
    "rival_share",
    "cost_premium",
    "cost_premium_pct",
    "baseline_hhi",
    "hhi",
    "residual_exposure",
    "moved_value",
    "lowest_feasible_cap",
    "binding",
    "message",
)
#: Status of a product the importer does not import in the year.
NO_IMPORTS = "no imports"


@dataclass(frozen=True)
class FrontierResult(Result):
    """Cost–dependence frontier per product: ``product`` and the frontier columns."""

    def figure(self, title: str | None = None) -> go.Figure:
        """Plot the frontier (see :func:`econsec.report.frontier.frontier_figure`)."""
        from econsec.report.frontier import frontier_figure

        return frontier_figure(self.frame, title=title)

    def summary(self) -> dict[str, Any]:
        """Per product: the lowest feasible cap on the grid and the premium at each cap."""
        out: dict[str, Any] = {"products": {}, "params": dict(self.params)}
        for (k,), part in self.frame.group_by(["product"], maintain_order=True):
            ok = part.filter(pl.col("feasible"))
            low = ok["cap"].min() if ok.height else None
            out["products"][k] = {
                "lowest_feasible_cap": float(low) if isinstance(low, float | int) else None,
                "frontier": part.drop("product").to_dicts(),
            }
        return out


@dataclass(frozen=True)
class PlanResult(Result):
    """Plans for one importer: the supplier mix (``frame``) and one row per product (``plans``).

    Attributes
    ----------
    plans
        Per product: feasibility, shares, cost premium, HHI, residual exposure and, when no
        plan meets the cap, the binding constraint and the lowest feasible cap.
    instances
        The LP of each product (for :meth:`frontier`).
    """

    plans: pl.DataFrame = field(default_factory=pl.DataFrame)
    instances: Mapping[str, lp.Instance] = field(default_factory=dict, repr=False)

    def plan_rows(self) -> pl.DataFrame:
        """Return the per-product frame (a copy)."""
        return self.plans.clone()

    def frontier(self, caps: Sequence[float] | None = None) -> FrontierResult:
        """Sweep the cap for every product planned (default: 0 to 1 by 0.05, plus κ*)."""
        frames = [
            _frontier.frontier(inst, caps).select(pl.lit(k).alias("product"), pl.all())
            for k, inst in self.instances.items()
        ]
        frame = (
            pl.concat(frames)
            if frames
            else pl.DataFrame(schema={"product": pl.Utf8, **_frontier.FRONTIER_SCHEMA})
        )
        params = {**self.params, "caps": list(caps) if caps else "default"}
        return FrontierResult(frame, params, self.notes)

    def _product_summary(self, row: Mapping[str, Any]) -> dict[str, Any]:
        sup = self.frame.filter(pl.col("product") == row["product"]).drop("product")
        return {**{k: row.get(k) for k in SUMMARY_KEYS}, "suppliers": sup.to_dicts()}

    def summary(self) -> dict[str, Any]:
        """Return the plan (one product) or every plan with totals (several) as plain values.

        Always has ``feasible``, ``suppliers``, ``cost_premium`` and ``rival_share``; for
        several products these are: all feasible, every supplier row, the total premium and
        the rival's share of the planned value over all feasible plans.
        """
        rows = self.plans.filter(pl.col("status") != NO_IMPORTS).to_dicts()
        if len(rows) == 1:
            return {**self._product_summary(rows[0]), "params": dict(self.params)}
        ok = [r for r in rows if r["feasible"]]
        v0 = sum(r["import_value"] for r in ok)
        prem = sum(r["cost_premium"] for r in ok)
        rival = sum(r["residual_exposure"] for r in ok)
        planned = self.frame.filter(pl.col("product").is_in([r["product"] for r in ok]))
        total = float(planned["planned_value"].sum()) if planned.height else 0.0
        return {
            "feasible": bool(rows) and len(ok) == len(rows),
            "products": len(rows),
            "feasible_products": len(ok),
            "no_imports": self.plans.filter(pl.col("status") == NO_IMPORTS)["product"].to_list(),
            "import_value": v0,
            "cost_premium": prem,
            "cost_premium_pct": 100.0 * prem / v0 if v0 else None,
            "rival_share": rival / total if total else None,
            "residual_exposure": rival,
            "plans": [self._product_summary(r) for r in rows],
            "suppliers": self.frame.to_dicts(),
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class StockpileResult(Result):
    """Stock needed per product to bridge a ban of the rival (see :mod:`.stockpile`)."""

    def summary(self) -> dict[str, Any]:
        """Totals over products: stock value, its carrying cost and cover in days."""
        df = self.frame
        imp = float(df["import_value"].sum()) if df.height else 0.0
        stock = float(df["stock_value"].sum()) if df.height else 0.0
        return {
            "products": df.height,
            "import_value": imp,
            "stock_value": stock,
            "days_cover": stock / (imp / 365.0) if imp else 0.0,
            "carrying_cost": float(df["carrying_cost"].sum()) if df.height else 0.0,
            "rows": df.to_dicts(),
            "params": dict(self.params),
        }
