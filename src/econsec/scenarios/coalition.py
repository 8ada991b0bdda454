r"""Coalition export controls: the target's residual access to world supply, and who must join.

For product *k*, world supply open to the target is every other exporter's exports,
:math:`W_k = \sum_{e \notin T} X_{ek}`; a coalition *C* holds :math:`\sum_{e \in C} X_{ek}`
of it, and the target's residual access is :math:`a_k = 1 - \sum_{e \in C} X_{ek} / W_k`, the
share held by non-members (the leakage channel). Leakage itself is what non-members sell the
target after the control: their baseline sales plus what they redirect (:mod:`.model`).

**Who must join.** The smallest set *J* of non-members with
:math:`a_k - \sum_{e \in J} w_{ek} \le \theta` (:math:`w_{ek} = X_{ek} / W_k`):

* for one product, adding exporters by decreasing share is exact (no smaller set reaches
  the threshold: the *n* largest shares have the largest sum of any *n*);
* for several products at once (every product at or below θ) it is a set-multicover problem:
  solved exactly as a 0-1 integer program (HiGHS through ``scipy.optimize.milp``) when there
  are at most :data:`EXACT_MAX_CANDIDATES` candidates, otherwise by greedy coverage (largest
  remaining excess covered first), which may use more exporters than necessary; the result
  says which method ran.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import polars as pl

#: Above this many candidate exporters the joint set is found greedily.
EXACT_MAX_CANDIDATES = 400
#: Shares of world supply closer than this count as equal.
_EPS = 1e-9


def access(exports: pl.DataFrame, members: Collection[int]) -> pl.DataFrame:
    """Per product: world supply open to the target, the coalition's part, residual access.

    Parameters
    ----------
    exports
        ``product, exporter, exports`` for exporters other than the target(s).
    members
        Coalition members (exporter codes).

    Returns
    -------
    polars.DataFrame
        ``product, world_supply, coalition_supply, coalition_share, residual_share``.
    """
    mem = [int(m) for m in members]
    df = exports.group_by("product").agg(
        pl.col("exports").sum().alias("world_supply"),
        pl.col("exports").filter(pl.col("exporter").is_in(mem)).sum().alias("coalition_supply"),
    )
    return (
        df.with_columns(
            pl.when(pl.col("world_supply") > 0)
            .then(pl.col("coalition_supply") / pl.col("world_supply"))
            .otherwise(0.0)
            .alias("coalition_share"),
        )
        .with_columns((1.0 - pl.col("coalition_share")).alias("residual_share"))
        .sort("product")
    )


def candidate_shares(exports: pl.DataFrame, members: Collection[int]) -> pl.DataFrame:
    """``product, exporter, share``: each non-member's share of world supply open to the target."""
    mem = [int(m) for m in members]
    tot = exports.group_by("product").agg(pl.col("exports").sum().alias("w"))
    return (
        exports.filter(~pl.col("exporter").is_in(mem) & (pl.col("exports") > 0))
        .join(tot, on="product")
        .select("product", "exporter", (pl.col("exports") / pl.col("w")).alias("share"))
    )


def join_per_product(
    shares: pl.DataFrame, residual: pl.DataFrame, threshold: float
) -> pl.DataFrame:
    """Smallest set of non-members per product to bring residual access to ``threshold``.

    Exact (largest shares first). Returns ``product, rank, exporter, share, residual_after``
    for the exporters that must join, in order; products already at or below the threshold
    have no rows.
    """
    ranked = (
        shares.join(residual.select("product", "residual_share"), on="product")
        .sort(["product", "share", "exporter"], descending=[False, True, False])
        .with_columns(
            pl.col("share").cum_sum().over("product").alias("_cum"),
            pl.int_range(1, pl.len() + 1).over("product").alias("rank"),
        )
        .with_columns((pl.col("residual_share") - pl.col("_cum")).alias("residual_after"))
    )
    # Keep rows until the first whose residual_after reaches the threshold (inclusive).
    before = (pl.col("residual_after") + pl.col("share")) > threshold + _EPS
    return ranked.filter(before).select("product", "rank", "exporter", "share", "residual_after")


@dataclass(frozen=True)
class JoinSet:
    """Exporters that must join so that every product is at or below the threshold."""

    exporters: list[int]
    method: str  # "exact" or "greedy"
    threshold: float

    @property
    def exact(self) -> bool:
        """Whether the set is proven smallest."""
        return self.method == "exact"


def join_jointly(shares: pl.DataFrame, residual: pl.DataFrame, threshold: float) -> JoinSet:
    """Smallest set of non-members bringing *every* product to ``threshold`` (see module doc)."""
    need = residual.select(
        "product", (pl.col("residual_share") - threshold).alias("excess")
    ).filter(pl.col("excess") > _EPS)
    if need.height == 0:
        return JoinSet([], "exact", threshold)
    prods = need["product"].to_list()
    cands = sorted(set(shares.filter(pl.col("product").is_in(prods))["exporter"].to_list()))
    pi = {p: n for n, p in enumerate(prods)}
    ci = {c: n for n, c in enumerate(cands)}
    W = np.zeros((len(prods), len(cands)))
    for p, e, s in shares.filter(pl.col("product").is_in(prods)).iter_rows():
        W[pi[p], ci[e]] += s
    excess = need["excess"].to_numpy()
    if len(cands) <= EXACT_MAX_CANDIDATES:
        chosen = _exact(W, excess)
        if chosen is not None:
            return JoinSet(sorted(cands[n] for n in chosen), "exact", threshold)
    return JoinSet([cands[n] for n in _greedy(W, excess)], "greedy", threshold)


def _exact(W: np.ndarray, excess: np.ndarray) -> list[int] | None:
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = W.shape[1]
    # Rows scaled to excess 1, so the solver's absolute tolerance is relative to each need.
    res = milp(
        c=np.ones(n),
        constraints=LinearConstraint(W / excess[:, None], lb=1.0 - 1e-9, ub=np.inf),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
        options={"disp": False},  # stdout carries CSV and JSON documents
    )
    if not res.success or res.x is None:
        return None
    return [int(j) for j in np.flatnonzero(res.x > 0.5)]


def _greedy(W: np.ndarray, excess: np.ndarray) -> list[int]:
    left = excess.copy()
    chosen: list[int] = []
    free = np.ones(W.shape[1], dtype=bool)
    while np.any(left > _EPS) and free.any():
        gain = np.minimum(W, np.maximum(left, 0.0)[:, None]).sum(axis=0)
        gain[~free] = -1.0
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        free[j] = False
        left = left - W[:, j]
    return chosen
