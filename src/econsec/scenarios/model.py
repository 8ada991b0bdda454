r"""Product-level coercion model: trade at risk, substitution, shortfall (pure functions).

Notation, for product *k*, targets *m ∈ T* and suppliers *s ∈ S* that stop a share *c* of
their flows :math:`x_{smk}`:

* baseline imports :math:`M_{mk} = \sum_e x_{emk}`;
* lost imports :math:`L_{mk} = c \sum_{s \in S} x_{smk}`;
* redirectable pool of every other exporter *e* (not a supplier, not a target) at fraction
  *r* (:mod:`econsec.substitution`): :math:`r P_{ek}` with
  :math:`P_{ek} = \sum_{d \notin T} x_{edk}`, what *e* sells outside the targets. With one
  target this is exactly ``redirectable_supply``'s capacity. Exporters that are targets are
  short themselves and do not redirect;
* replacement. Targets compete for the same pool :math:`r P_k = r \sum_e P_{ek}`; it is
  shared in proportion to their losses:

  .. math::

      R_{mk} = L_{mk} \min\left(1, \frac{r P_k}{L_k}\right), \qquad L_k = \sum_m L_{mk},

  and each exporter supplies in proportion to its pool, :math:`R_{emk} = R_{mk} P_{ek} / P_k`;
* shortfall :math:`F_{mk} = L_{mk} - R_{mk}`.

Hence :math:`0 \le R \le L`, :math:`0 \le F \le L`, :math:`F = L` when :math:`r = 0`,
nothing changes when :math:`c = 0`, and :math:`F` falls weakly as *r* rises. Values are BACI
thousand USD. The model is an upper bound on short-run substitution: it ignores quality,
contracts, and the shortfall the diverted supply leaves where it came from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

Array = npt.NDArray[np.float64]

#: Columns of the per target × product outcome.
PRODUCT_COLUMNS = (
    "importer",
    "product",
    "baseline_imports",
    "lost_imports",
    "replaced",
    "shortfall",
    "shortfall_share",
)


def lost_imports(banned_flow: Array, share: float) -> Array:
    r""":math:`L = c \, x_S`: the stopped share of the suppliers' flows."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be in [0, 1], got {share}")
    return share * np.asarray(banned_flow, dtype=np.float64)


def replacement_ratio(lost_total: Array, pool_total: Array, r: float | Array) -> Array:
    r"""Share of each product's loss replaced, :math:`\min(1, r P_k / L_k)` (0 where L = 0).

    ``r`` may be a vector of draws (D,): the result is then (D, K).
    """
    lk = np.asarray(lost_total, dtype=np.float64)
    pk = np.asarray(pool_total, dtype=np.float64)
    rr = np.asarray(r, dtype=np.float64)
    if np.any(rr < 0) or np.any(rr > 1):
        raise ValueError("redirectable fraction r must be in [0, 1]")
    cap = rr[..., np.newaxis] * pk if rr.ndim else rr * pk
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(lk > 0, np.minimum(1.0, cap / np.where(lk > 0, lk, 1.0)), 0.0)
    return np.asarray(ratio, dtype=np.float64)


def replaced(
    lost: Array, cell_product: npt.NDArray[np.intp], pool_total: Array, r: float | Array
) -> Array:
    r""":math:`R_{mk} = L_{mk} \min(1, r P_k / L_k)` for cells (target × product).

    Parameters
    ----------
    lost
        :math:`L_{mk}` per cell.
    cell_product
        Index of each cell's product into ``pool_total``.
    pool_total
        :math:`P_k` (the pool at r = 1) per product.
    r
        Redirectable fraction, or a vector of draws (the result is then draws × cells).
    """
    lo = np.asarray(lost, dtype=np.float64)
    lk = np.bincount(cell_product, weights=lo, minlength=len(pool_total)).astype(np.float64)
    ratio = replacement_ratio(lk, pool_total, r)
    return np.asarray(lo * ratio[..., cell_product], dtype=np.float64)


def substitution(
    cells: pl.DataFrame, pool: pl.DataFrame, *, share: float, r: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Outcome of a stop of ``share`` of the suppliers' flows, with substitution at ``r``.

    Parameters
    ----------
    cells
        ``importer, product, baseline_imports, banned_flow`` (one row per target × product;
        ``banned_flow`` is what the suppliers sold it).
    pool
        ``exporter, product, pool``: :math:`P_{ek}`, sales of eligible exporters outside the
        targets.
    share, r
        Share of the flows stopped, redirectable fraction.

    Returns
    -------
    tuple of polars.DataFrame
        Per cell :data:`PRODUCT_COLUMNS`; and the replacement by supplier
        ``importer, product, supplier, replaced``.
    """
    cells = cells.sort("importer", "product")
    products = cells["product"].unique(maintain_order=False).sort()
    pk = (
        pl.DataFrame({"product": products})
        .join(pool.group_by("product").agg(pl.col("pool").sum()), on="product", how="left")
        .fill_null(0.0)
    )
    index = {p: n for n, p in enumerate(pk["product"].to_list())}
    cp = np.array([index[p] for p in cells["product"].to_list()], dtype=np.intp)
    lost = lost_imports(cells["banned_flow"].to_numpy(), share)
    rep = replaced(lost, cp, pk["pool"].to_numpy(), r)
    out = cells.select("importer", "product", "baseline_imports").with_columns(
        pl.Series("lost_imports", lost),
        pl.Series("replaced", rep),
        pl.Series("shortfall", np.maximum(lost - rep, 0.0)),
    )
    out = out.with_columns(
        pl.when(pl.col("baseline_imports") > 0)
        .then(pl.col("shortfall") / pl.col("baseline_imports"))
        .otherwise(0.0)
        .alias("shortfall_share")
    )
    by_supplier = (
        out.filter(pl.col("replaced") > 0)
        .select("importer", "product", "replaced")
        .join(pool.filter(pl.col("pool") > 0), on="product")
        .join(pk.rename({"pool": "pool_total"}), on="product")
        .select(
            "importer",
            "product",
            pl.col("exporter").alias("supplier"),
            (pl.col("replaced") * pl.col("pool") / pl.col("pool_total")).alias("replaced"),
        )
        .sort(["importer", "product", "replaced"], descending=[False, False, True])
    )
    return out.select(PRODUCT_COLUMNS), by_supplier


def coercer_pain(exports: pl.DataFrame, *, share: float) -> pl.DataFrame:
    """Return the suppliers' own loss ("mutual pain"): exports given up, and their share.

    Parameters
    ----------
    exports
        ``exporter, product, exports, to_targets``: world exports and sales to the targets.

    Returns
    -------
    polars.DataFrame
        ``exporter, product, exports, lost_exports, lost_share`` with
        ``lost_exports = share · to_targets``.
    """
    return exports.select(
        "exporter",
        "product",
        "exports",
        (pl.col("to_targets") * share).alias("lost_exports"),
    ).with_columns(
        pl.when(pl.col("exports") > 0)
        .then(pl.col("lost_exports") / pl.col("exports"))
        .otherwise(0.0)
        .alias("lost_share")
    )


def totals(products: pl.DataFrame) -> dict[str, Any]:
    """Return sums of the value columns and the shortfall over baseline imports."""
    s: dict[str, float] = {
        c: float(products[c].sum())
        for c in ("baseline_imports", "lost_imports", "replaced", "shortfall")
        if c in products.columns
    }
    base = s.get("baseline_imports", 0.0)
    s["shortfall_share"] = s.get("shortfall", 0.0) / base if base else 0.0
    lost = s.get("lost_imports", 0.0)
    s["replaced_share_of_lost"] = s.get("replaced", 0.0) / lost if lost else 0.0
    return s
