"""Propagate a shock by region x sector through an MRIO table.

Three models share one factorisation of ``I - A`` (:class:`~econsec.mrio.solver.LeontiefSolver`).
Shock values are *losses* (positive = removed), in the table's unit:

``ghosh``
    Forward, supply-driven (Miller & Blair 2009, sec. 12.1): a loss of primary supply
    ``Δv`` to a sector reaches its buyers, ``Δxᵀ = Δvᵀ G``. The right reading of an export ban,
    which removes supply.
``leontief``
    Backward, demand-driven: a fall in final demand ``Δy`` reaches the suppliers,
    ``Δx = L Δy``.
``inoperability``
    Inoperability input-output model (Santos & Haimes 2004): ``q = (I - A*)⁻¹ c*`` with
    ``A* = x̂⁻¹ A x̂`` and the demand perturbation ``c* = x̂⁻¹ Δc``; ``q`` is the share of each
    sector's output lost. In money, ``x̂ q = L Δc`` (Dietzenbacher & Miller 2015), so the
    losses equal Leontief's; the model ranks sectors by ``q`` instead.

Value-added losses use fixed value-added coefficients, ``Δv_j = (v_j / x_j) Δx_j``; a region's
GDP is taken as its total value added ``Σ_j v_j`` (basic prices), so ``gdp_share_lost`` is its
value-added loss over that total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import polars as pl

from econsec.errors import EconsecError
from econsec.mrio.iomath import Array, recip
from econsec.mrio.solver import LeontiefSolver, Method
from econsec.mrio.tables import MRIOTable

Model = Literal["ghosh", "leontief", "inoperability"]
MODELS: tuple[str, ...] = get_args(Model)


@dataclass(frozen=True)
class PropagationResult:
    """Output and value-added losses of one shock, by region x sector.

    Attributes
    ----------
    model
        ``ghosh``, ``leontief`` or ``inoperability``.
    shock
        The shock vector (losses, table unit), aligned to the table rows.
    output_loss
        Loss of gross output per row (table unit); ``output_loss / x`` is the inoperability.
    """

    model: str
    table: MRIOTable
    shock: Array
    output_loss: Array

    @property
    def value_added_loss(self) -> Array:
        """``Δv_j = (v_j / x_j) Δx_j`` (fixed value-added coefficients)."""
        t = self.table
        return t.v * recip(t.x) * self.output_loss

    @property
    def inoperability(self) -> Array:
        """Share of each row's output lost, ``q = x̂⁻¹ Δx`` (0 where output is 0)."""
        return recip(self.table.x) * self.output_loss

    def by_sector(self) -> pl.DataFrame:
        """Return the result per row, in table order.

        Columns: ``region, sector, sector_name, output, shock, output_loss, inoperability,
        value_added, value_added_loss``.
        """
        t = self.table
        return t.labels().with_columns(
            pl.Series("sector_name", [t.sector_names.get(s, "") for s in t.sectors]),
            pl.Series("output", t.x),
            pl.Series("shock", self.shock),
            pl.Series("output_loss", self.output_loss),
            pl.Series("inoperability", self.inoperability),
            pl.Series("value_added", t.v),
            pl.Series("value_added_loss", self.value_added_loss),
        )

    def by_region(self) -> pl.DataFrame:
        """Frame ``region, output, output_loss, gdp, value_added_loss, gdp_share_lost``."""
        df = (
            self.by_sector()
            .group_by("region", maintain_order=True)
            .agg(
                pl.col("output").sum(),
                pl.col("output_loss").sum(),
                pl.col("value_added").sum().alias("gdp"),
                pl.col("value_added_loss").sum(),
            )
        )
        return df.with_columns(
            pl.when(pl.col("gdp") != 0)
            .then(pl.col("value_added_loss") / pl.col("gdp"))
            .otherwise(0.0)
            .alias("gdp_share_lost")
        ).sort("value_added_loss", descending=True, maintain_order=True)

    def top(self, n: int = 10, *, by: str = "output_loss") -> pl.DataFrame:
        """Return the ``n`` most affected sectors.

        ``by`` is ``output_loss``, ``inoperability`` or ``value_added_loss``.
        """
        allowed = ("output_loss", "inoperability", "value_added_loss")
        if by not in allowed:
            raise EconsecError(f"by must be one of {', '.join(allowed)}, got {by!r}")
        return self.by_sector().sort(by, descending=True, maintain_order=True).head(n)

    def totals(self) -> dict[str, Any]:
        """Headline totals: shock, output and value-added losses, world GDP share lost."""
        gdp = float(self.table.v.sum())
        va = float(self.value_added_loss.sum())
        return {
            "model": self.model,
            "unit": self.table.unit,
            "shock": float(self.shock.sum()),
            "output_loss": float(self.output_loss.sum()),
            "value_added_loss": va,
            "world_gdp": gdp,
            "world_gdp_share_lost": va / gdp if gdp else 0.0,
        }

    def to_polars(self) -> pl.DataFrame:
        """Return :meth:`by_sector`."""
        return self.by_sector()

    def to_pandas(self) -> Any:
        """:meth:`by_sector` as a pandas frame."""
        return self.by_sector().to_pandas()


class Propagator:
    """Factorise a table once, then propagate any number of shocks.

    Parameters
    ----------
    table
        The MRIO table (use ``table.rebalanced()`` first to work on exact identities).
    method
        LU flavour, ``auto`` (by size and density), ``dense`` or ``sparse``.
    """

    def __init__(self, table: MRIOTable, *, method: Method = "auto") -> None:
        self.table = table
        self.solver = LeontiefSolver(table.Z, table.x, method=method)

    def run(self, shock: pl.DataFrame | Array, model: str = "ghosh") -> PropagationResult:
        """Propagate one shock (frame ``region, sector, value`` or a vector of losses)."""
        if model not in MODELS:
            raise EconsecError(f"unknown model {model!r}; allowed: {', '.join(MODELS)}")
        s = (
            self.table.vector(shock)
            if isinstance(shock, pl.DataFrame)
            else np.asarray(shock, dtype=np.float64)
        )
        if s.shape != (self.table.n,):
            raise EconsecError(f"shock must have {self.table.n} entries, got shape {s.shape}")
        if model == "ghosh":
            loss = self.solver.ghosh(s)
        elif model == "leontief":
            loss = self.solver.leontief(s)
        else:
            loss = self.table.x * self.solver.inoperability(recip(self.table.x) * s)
        return PropagationResult(model=model, table=self.table, shock=s, output_loss=loss)

    def multipliers(self) -> pl.DataFrame:
        """Frame ``region, sector, output_multiplier, input_multiplier, sector_name``.

        ``output_multiplier`` is the column sum of ``L`` (Leontief), ``input_multiplier`` the
        row sum of ``G`` (Ghosh).
        """
        t = self.table
        return t.labels().with_columns(
            pl.Series("output_multiplier", self.solver.output_multipliers()),
            pl.Series("input_multiplier", self.solver.input_multipliers()),
            pl.Series("sector_name", [t.sector_names.get(s, "") for s in t.sectors]),
        )


def propagate(
    table: MRIOTable, shock: pl.DataFrame | Array, model: str = "ghosh", *, method: Method = "auto"
) -> PropagationResult:
    """Propagate one shock; see :class:`Propagator` to reuse the factorisation."""
    return Propagator(table, method=method).run(shock, model)


def multipliers(table: MRIOTable, *, method: Method = "auto") -> pl.DataFrame:
    """Leontief output and Ghosh input multipliers per region x sector."""
    return Propagator(table, method=method).multipliers()
