"""Monte Carlo over substitution capacity and trade elasticities (seeded, vectorised).

Each draw takes one redirectable fraction ``r`` (uniform on a range; by default ±50% of the
central value, clipped to [0, 1]) and one σ per product and market (log-normal with median
the central σ and ``sigma_log_sd`` the sd of log σ). The product-level models are evaluated for
all draws at once (arrays of draws × cells); every headline number gets its median and 90%
interval (5th and 95th percentiles) next to the central (no-uncertainty) value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from econsec.scenarios.model import replaced
from econsec.scenarios.tariff import armington

Array = npt.NDArray[np.float64]
#: Fewest and most Monte Carlo draws, for scenario files and the command line alike. Each
#: draw holds a float per product cell and measure; a million keeps memory in the gigabytes.
MIN_DRAWS, MAX_DRAWS = 10, 1_000_000
SUMMARY_COLUMNS = ("measure", "metric", "central", "median", "p05", "p95")


def check_draws(draws: int, *, what: str = "draws") -> int:
    """Return ``draws`` when within [:data:`MIN_DRAWS`, :data:`MAX_DRAWS`]; ValueError if not."""
    if not MIN_DRAWS <= draws <= MAX_DRAWS:
        raise ValueError(f"{what} must be between {MIN_DRAWS} and {MAX_DRAWS:,}, got {draws:,}")
    return draws


def redirect_draws(
    rng: np.random.Generator, draws: int, central: float, span: tuple[float, float] | None
) -> Array:
    """Redirectable fractions, uniform on ``span`` (default ``[0.5 r, min(1, 1.5 r)]``)."""
    lo, hi = span if span is not None else (0.5 * central, min(1.0, 1.5 * central))
    return np.asarray(rng.uniform(lo, hi, draws), dtype=np.float64)


def sigma_draws(rng: np.random.Generator, draws: int, sigma: Array, log_sd: float) -> Array:
    """σ per draw × market: ``σ · exp(N(0, log_sd²))`` (median σ)."""
    s = np.asarray(sigma, dtype=np.float64)
    return np.asarray(s * np.exp(rng.normal(0.0, log_sd, (draws, s.size))), dtype=np.float64)


@dataclass(frozen=True)
class StopKernel:
    """What a ban, quota or coalition control needs to be re-evaluated at other ``r``."""

    lost: Array
    cell_product: npt.NDArray[np.intp]
    pool_total: Array
    baseline: Array

    def shortfall(self, r: Array) -> tuple[Array, Array]:
        """Return ``(replaced, shortfall)``, each draws × cells."""
        rep = replaced(self.lost, self.cell_product, self.pool_total, r)
        return rep, np.maximum(self.lost - rep, 0.0)


@dataclass(frozen=True)
class TariffKernel:
    """What a tariff needs to be re-evaluated at other σ."""

    v_target: Array
    v_total: Array
    tau: float
    sigma: Array
    eta: float

    def response(self, sigma: Array) -> tuple[Array, Array, Array]:
        """Return ``(lost, replaced, shortfall)``, each draws × cells."""
        r = armington(self.v_target, self.v_total, self.tau, sigma, self.eta)
        return r.lost_imports, r.replaced, r.shortfall


def interval(name: str, metric: str, central: float, values: Array) -> dict[str, object]:
    """One summary row: central value, median and the 5–95% interval of the draws."""
    v = np.asarray(values, dtype=np.float64)
    q = np.quantile(v, [0.5, 0.05, 0.95]) if v.size else np.full(3, np.nan)
    return {
        "measure": name,
        "metric": metric,
        "central": float(central),
        "median": float(q[0]),
        "p05": float(q[1]),
        "p95": float(q[2]),
    }


def simulate_stop(kernel: StopKernel, r: Array) -> tuple[dict[str, Array], Array]:
    """Headline draws of a stop (``lost_imports, replaced, shortfall, shortfall_share``).

    Returns the per-draw totals and the shortfall per draw × cell (for IO propagation).
    """
    rep, short = kernel.shortfall(r)
    base = float(kernel.baseline.sum())
    lost = np.full(r.shape[0], float(kernel.lost.sum()))
    tot_short = short.sum(axis=1)
    out = {
        "lost_imports": lost,
        "replaced": rep.sum(axis=1),
        "shortfall": tot_short,
        "shortfall_share": tot_short / base if base else np.zeros_like(tot_short),
    }
    return out, short


def simulate_tariff(kernel: TariffKernel, sigma: Array) -> tuple[dict[str, Array], Array]:
    """Headline draws of a tariff (``lost_imports, replaced, shortfall``) and cell shortfalls."""
    lost, rep, short = kernel.response(sigma)
    out = {
        "lost_imports": lost.sum(axis=1),
        "replaced": rep.sum(axis=1),
        "shortfall": short.sum(axis=1),
    }
    return out, short


def summary_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    """Rows of :func:`interval` as a frame with :data:`SUMMARY_COLUMNS`."""
    schema = {
        "measure": pl.Utf8,
        "metric": pl.Utf8,
        "central": pl.Float64,
        "median": pl.Float64,
        "p05": pl.Float64,
        "p95": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)
