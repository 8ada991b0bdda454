r"""Vulnerability score of each product an importer buys: the four factors and their product.

For importer *m*, product *k* and year *t* (dropped below), imports :math:`x_e` from supplier
*e*, total imports :math:`M_k = \sum_e x_e`, shares :math:`s_e = x_e / M_k`, and a set *R* of
*exposed* suppliers (the rivals; without them, the top supplier alone):

* dependence :math:`D_k = \sum_{e \in R} s_e` — the share of imports from the rivals
  (without rivals, the top supplier's share :math:`\max_e s_e`);
* concentration :math:`H_k = \sum_e s_e^2 \in [1/n_k, 1]` — the import HHI;
* low substitutability :math:`U_k = 1 - \min\left(1, C_k / X^R_k\right)`, where
  :math:`X^R_k = \sum_{e \in R} x_e` is the value to replace and :math:`C_k` the capacity of
  the other exporters to redirect supply to *m*: a fraction *r* of what each exporter
  :math:`e \notin R` sells of *k* to destinations other than *m*
  (:func:`econsec.substitution.redirectable_supply`). :math:`U_k = 0` when
  :math:`X^R_k = 0` (nothing to replace);
* criticality :math:`W_k = \varphi + (1 - \varphi)\,w_k`, where :math:`w_k \in [0, 1]` is the
  share of catalogues listing *k* (:func:`econsec.baskets.criticality_weights`) and
  :math:`\varphi` a floor, so that products listed nowhere are not all scored zero.

The score is the weighted geometric product

.. math::

    S_k = D_k^{\alpha}\, H_k^{\beta}\, U_k^{\gamma}\, W_k^{\delta}\,
          \left(M_k / \textstyle\sum_{k'} M_{k'}\right)^{\varepsilon},

with exponents :math:`\alpha, \beta, \gamma, \delta \ge 0` (1 by default; 0 drops a factor)
and :math:`\varepsilon \ge 0` (0 by default: the score ignores how much is imported, so a small
but captive product counts as much as a large one). Every factor lies in [0, 1], hence
:math:`S_k \in [0, 1]`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from econsec.substitution import DEFAULT_REDIRECT

Array = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike

#: Columns :func:`score_products` needs.
INPUT_COLUMNS = ("product", "import_value", "exposed_value", "hhi", "capacity", "weight")
#: Factor columns :func:`score_products` adds, in order.
FACTOR_COLUMNS = ("dependence", "concentration", "substitution_gap", "criticality", "score")


@dataclass(frozen=True)
class ScoreParams:
    r"""Parameters of the vulnerability score (see the module docstring for the formula).

    Attributes
    ----------
    alpha, beta, gamma, delta
        Exponents of dependence, concentration, low substitutability and criticality.
    floor
        :math:`\varphi`, the criticality of a product listed in no catalogue.
    redirect
        *r*, the fraction of other exporters' sales elsewhere they can redirect
        (the 3–12 month fraction of :mod:`econsec.substitution` by default).
    value_exponent
        :math:`\varepsilon`, weight of the product's share of total imports.
    """

    alpha: float = 1.0
    beta: float = 1.0
    gamma: float = 1.0
    delta: float = 1.0
    floor: float = 0.1
    redirect: float = DEFAULT_REDIRECT
    value_exponent: float = 0.0

    def __post_init__(self) -> None:
        for name in ("alpha", "beta", "gamma", "delta", "value_exponent"):
            x = getattr(self, name)
            if not (np.isfinite(x) and x >= 0):
                raise ValueError(f"exponent {name} must be a finite number >= 0; got {x!r}")
        for name in ("floor", "redirect"):
            x = getattr(self, name)
            if not 0.0 <= x <= 1.0:
                raise ValueError(f"{name} must be in [0, 1]; got {x!r}")

    def as_dict(self) -> dict[str, Any]:
        """Return the parameters as a plain dict."""
        return asdict(self)


def _arr(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=np.float64)


def dependence(exposed_value: ArrayLike, import_value: ArrayLike) -> Array:
    r"""Share of imports from the exposed suppliers, :math:`D_k = X^R_k / M_k` (0 when M = 0)."""
    x, m = _arr(exposed_value), _arr(import_value)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(m > 0, np.clip(x / np.where(m > 0, m, 1.0), 0.0, 1.0), 0.0)


def substitution_gap(capacity: ArrayLike, exposed_value: ArrayLike) -> Array:
    r"""Low substitutability :math:`U_k = 1 - \min(1, C_k / X^R_k)`; 0 when :math:`X^R_k = 0`."""
    c, x = _arr(capacity), _arr(exposed_value)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(x > 0, np.maximum(c, 0.0) / np.where(x > 0, x, 1.0), np.inf)
    return 1.0 - np.minimum(1.0, ratio)


def criticality(weight: ArrayLike, floor: float) -> Array:
    r"""Criticality :math:`W_k = \varphi + (1 - \varphi) w_k` from the catalogue weight."""
    w = np.clip(_arr(weight), 0.0, 1.0)
    return floor + (1.0 - floor) * w


def vulnerability(
    d: ArrayLike,
    h: ArrayLike,
    u: ArrayLike,
    w: ArrayLike,
    params: ScoreParams,
    value_share: ArrayLike | None = None,
) -> Array:
    r"""Score :math:`S_k = D^\alpha H^\beta U^\gamma W^\delta (M_k/\sum M)^\varepsilon`.

    A zero exponent drops its factor (:math:`0^0 = 1`).
    """
    p = params
    s = _arr(d) ** p.alpha * _arr(h) ** p.beta * _arr(u) ** p.gamma * _arr(w) ** p.delta
    if value_share is not None and p.value_exponent != 0:
        s = s * _arr(value_share) ** p.value_exponent
    return np.asarray(s, dtype=np.float64)


def score_products(df: pl.DataFrame, params: ScoreParams | None = None) -> pl.DataFrame:
    """Add the factors and the score to a frame of products.

    Parameters
    ----------
    df
        One row per product with :data:`INPUT_COLUMNS`: ``import_value`` :math:`M_k`,
        ``exposed_value`` :math:`X^R_k`, ``hhi`` :math:`H_k`, ``capacity`` :math:`C_k` and
        ``weight`` :math:`w_k`.
    params
        Score parameters (defaults: :class:`ScoreParams`).

    Returns
    -------
    polars.DataFrame
        ``df`` with :data:`FACTOR_COLUMNS` added, highest score first (ties: lower import
        value, then product code).
    """
    p = params or ScoreParams()
    missing = [c for c in INPUT_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"score_products needs columns {missing}")
    m = df["import_value"].fill_null(0.0).to_numpy()
    x = df["exposed_value"].fill_null(0.0).to_numpy()
    d = dependence(x, m)
    h = np.clip(df["hhi"].fill_null(0.0).to_numpy().astype(np.float64), 0.0, 1.0)
    u = substitution_gap(df["capacity"].fill_null(0.0).to_numpy(), x)
    w = criticality(df["weight"].fill_null(0.0).to_numpy(), p.floor)
    total = float(m.sum())
    share = m / total if total > 0 else np.zeros_like(m)
    s = vulnerability(d, h, u, w, p, share)
    return df.with_columns(
        pl.Series("dependence", d),
        pl.Series("concentration", h),
        pl.Series("substitution_gap", u),
        pl.Series("criticality", w),
        pl.Series("score", s),
    ).sort(["score", "import_value", "product"], descending=[True, False, False])
