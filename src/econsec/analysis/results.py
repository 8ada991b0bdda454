"""Immutable results of the analysis API: a tidy frame, the parameters used, a summary.

Countries appear as ISO3 (display form, ``TWN`` for CEPII's ``S19``; groups by their name),
products as 6-character HS codes, values in thousand current USD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from econsec.query.results import Result


def _total(df: pl.DataFrame, col: str) -> float:
    return float(df[col].sum()) if df.height else 0.0


@dataclass(frozen=True)
class AutonomyResult(Result):
    """Import concentration per importer × product × year (see ``econsec.analysis.autonomy``)."""

    def summary(self) -> dict[str, Any]:
        """Rows, importers, products, import value, concentrated (HHI > 0.4) and rival figures."""
        df = self.frame
        total = _total(df, "import_value")
        conc = df.filter(pl.col("hhi") > 0.4)
        out: dict[str, Any] = {
            "rows": df.height,
            "importers": df["importer"].n_unique() if df.height else 0,
            "products": df["product"].n_unique() if df.height else 0,
            "years": sorted(df["year"].unique().to_list()) if df.height else [],
            "import_value": total,
            "concentrated": conc.height,
            "concentrated_value_share": _total(conc, "import_value") / total if total else 0.0,
        }
        if "rival_value" in df.columns:
            rv = _total(df, "rival_value")
            out["rival_value"] = rv
            out["rival_share"] = rv / total if total else 0.0
        out["params"] = dict(self.params)
        return out


@dataclass(frozen=True)
class SupplierSharesResult(Result):
    """Each supplier's share per importer × product × year."""


@dataclass(frozen=True)
class IndispensabilityResult(Result):
    """World reliance per exporter × product × year (see ``econsec.analysis``)."""

    def summary(self) -> dict[str, Any]:
        """Rows, exporters, products, export value, dependents and replaceability."""
        df = self.frame
        out: dict[str, Any] = {
            "rows": df.height,
            "exporters": df["exporter"].n_unique() if df.height else 0,
            "products": df["product"].n_unique() if df.height else 0,
            "export_value": _total(df, "export_value"),
            "products_with_dependents": df.filter(pl.col("n_dependents") > 0).height,
            "dependents": int(_total(df, "n_dependents")),
            "dependent_value": _total(df, "dependent_value"),
            "median_replaceability": (
                float(df["replaceability"].median()) if df.height else None  # type: ignore[arg-type]
            ),
            "params": dict(self.params),
        }
        return out


@dataclass(frozen=True)
class LeverageResult(Result):
    """Mutual dependencies of *A* and *B* (``frame``) and export-market exposure.

    Attributes
    ----------
    exposure
        ``year, exporter, partner, exports_to_partner, total_exports, share``.
    """

    exposure: pl.DataFrame = field(default_factory=pl.DataFrame)

    def summary(self) -> dict[str, Any]:
        """Balance: products and value at stake each way, their ratios, and exposure.

        ``product_ratio`` = products where *B* depends on *A* / products where *A* depends
        on *B* (above 1: *A* holds more chokepoints over *B* than the reverse);
        ``value_ratio`` likewise for the values at stake. ``None`` when undefined.
        """
        a, b = self.params["a"], self.params["b"]
        df = self.frame
        a_dep = df.filter(pl.col("importer") == a)
        b_dep = df.filter(pl.col("importer") == b)
        av, bv = _total(a_dep, "value_at_stake"), _total(b_dep, "value_at_stake")
        ex = {r["exporter"]: r["share"] for r in self.exposure.iter_rows(named=True)}
        return {
            "a": a,
            "b": b,
            "a_depends_on_b": {"products": a_dep.height, "value_at_stake": av},
            "b_depends_on_a": {"products": b_dep.height, "value_at_stake": bv},
            "product_ratio": b_dep.height / a_dep.height if a_dep.height else None,
            "value_ratio": bv / av if av else None,
            "a_export_share_to_b": ex.get(a),
            "b_export_share_to_a": ex.get(b),
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class ScreenResult(Result):
    """A dependency screen: every screened row with its ``flagged`` column, and churn.

    Attributes
    ----------
    churn
        Rows entering or leaving the flagged list since the previous year held:
        keys, ``status``, ``year_from``, ``year_to`` (empty when no earlier year is held).
    value_column
        The value column used for value shares (e.g. ``import_value``).
    """

    churn: pl.DataFrame = field(default_factory=pl.DataFrame)
    value_column: str = "import_value"

    def flagged(self) -> pl.DataFrame:
        """Return the flagged rows, largest value first."""
        return self.frame.filter(pl.col("flagged")).sort(self.value_column, descending=True)

    def summary(self) -> dict[str, Any]:
        """Return counts, value shares, dominant suppliers of flagged rows and churn counts."""
        df, vc = self.frame, self.value_column
        fl = df.filter(pl.col("flagged"))
        total = _total(df, vc)
        out: dict[str, Any] = {
            "rows": df.height,
            "flagged": fl.height,
            "flagged_value": _total(fl, vc),
            "value_share": _total(fl, vc) / total if total else 0.0,
        }
        if "top_supplier" in fl.columns and fl.height:
            dom = (
                fl.group_by("top_supplier")
                .agg(products=pl.len(), value=pl.col(vc).sum())
                .sort(["products", "value"], descending=True)
            )
            out["dominant_suppliers"] = {
                r["top_supplier"]: {"products": r["products"], "value": r["value"]}
                for r in dom.iter_rows(named=True)
            }
        if self.churn.height or "status" in self.churn.columns:
            st = self.churn["status"] if self.churn.height else pl.Series([], dtype=pl.Utf8)
            out["entering"] = int((st == "entering").sum())
            out["leaving"] = int((st == "leaving").sum())
        out["params"] = dict(self.params)
        return out
