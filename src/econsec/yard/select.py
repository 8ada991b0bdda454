r"""Choose the yard: the fewest (or cheapest) products covering a share of total vulnerability.

Products :math:`k = 1..n` have scores :math:`s_k \ge 0` (:mod:`econsec.yard.score`) and fence
costs :math:`c_k \ge 0` (import value). A yard :math:`Y` *covers* the target share
:math:`\tau \in [0, 1]` when

.. math::

    \sum_{k \in Y} s_k \ \ge\ T = \tau \sum_k s_k ,

compared with a relative tolerance of :data:`TOLERANCE` so that a yard reaching the target
exactly is not lost to rounding. Its coverage is :math:`\sum_Y s_k / \sum_k s_k` (1 when every
score is 0: there is nothing to cover). Three methods:

``smallest``
    :math:`\min |Y|` subject to coverage, by the greedy rule: take products by score,
    highest first (ties: lower cost, then input order), until the target is reached.

    *Proof of optimality.* Sort the scores :math:`s_{(1)} \ge s_{(2)} \ge \dots`. Any set
    of *c* products sums to at most :math:`\sum_{i \le c} s_{(i)}`, the sum of the *c*
    largest. So if some set of size *c* reaches *T*, the *c* largest do too, and the least
    *c* with :math:`\sum_{i \le c} s_{(i)} \ge T` is the minimum cardinality. Greedy stops at
    exactly that *c*. Breaking ties between equal scores by lower cost leaves the sum of the
    first *c* unchanged, so the yard stays minimal and is the cheapest among the yards made
    of the *c* largest scores (not necessarily among all yards of that size: see
    ``smallest-cheapest``).

``cheapest``
    :math:`\min \sum_{Y} c_k` subject to coverage: a 0/1 covering knapsack,

    .. math::

        \min_{x \in \{0,1\}^n} \sum_k c_k x_k \quad\text{s.t.}\quad
        \sum_k s_k x_k \ge T \ \ (\text{and } \textstyle\sum_k x_k \le K
        \text{ when a size cap } K \text{ is given}),

    NP-hard in general, solved exactly by HiGHS branch and bound (gap 0) for the moderate
    sizes of an importer's product list (thousands of binaries); "exactly" means up to
    HiGHS's tolerances, about 1e-9 of the largest cost. Products with score 0 are left out
    (they add cost and no coverage); free products that the target does not need are dropped
    after the solve, so the yard holds no product without purpose. Should HiGHS stop at
    ``time_limit`` the best yard found is returned with
    ``optimal = False``.

``smallest-cheapest``
    The cheapest among the yards of minimum cardinality: the ``cheapest`` problem with
    :math:`\sum_k x_k \le c^*`, :math:`c^*` from ``smallest``.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from econsec.highs import new_highs

#: Relative tolerance of the coverage test (a share of the total score).
TOLERANCE = 1e-9
METHODS = ("smallest", "cheapest", "smallest-cheapest")


@dataclass(frozen=True)
class Selection:
    r"""A chosen yard.

    Attributes
    ----------
    indices
        Positions of the chosen products in the input, in order of decreasing score.
    covered
        :math:`\sum_Y s_k`.
    coverage
        Share of the total score covered.
    cost
        :math:`\sum_Y c_k`.
    method
        The method used.
    optimal
        Whether the yard is proven optimal for the method.
    """

    indices: tuple[int, ...]
    covered: float
    coverage: float
    cost: float
    method: str
    optimal: bool = True

    @property
    def size(self) -> int:
        """Number of products in the yard."""
        return len(self.indices)


def _check(
    scores: npt.ArrayLike, costs: npt.ArrayLike, coverage: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    s = np.asarray(scores, dtype=np.float64)
    c = np.asarray(costs, dtype=np.float64)
    if s.ndim != 1 or s.shape != c.shape:
        raise ValueError("scores and costs must be 1-d arrays of the same length")
    if not (np.isfinite(s).all() and (s >= 0).all()):
        raise ValueError("scores must be finite and >= 0")
    if not (np.isfinite(c).all() and (c >= 0).all()):
        raise ValueError("costs must be finite and >= 0")
    if not 0.0 <= coverage <= 1.0:
        raise ValueError(f"coverage must be in [0, 1]; got {coverage!r}")
    return s, c


def target(scores: npt.ArrayLike, coverage: float) -> float:
    r"""Score sum a yard must reach: :math:`T = \tau \sum s_k` less the tolerance."""
    total = float(np.sum(scores))
    return coverage * total - TOLERANCE * total


def covers(scores: npt.ArrayLike, chosen: npt.ArrayLike, coverage: float) -> bool:
    """Whether the products at positions ``chosen`` reach the target share."""
    s = np.asarray(scores, dtype=np.float64)
    idx = np.asarray(chosen, dtype=np.int64)
    return float(s[idx].sum()) >= target(s, coverage)


def _result(
    s: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64],
    chosen: list[int],
    method: str,
    optimal: bool = True,
) -> Selection:
    order = sorted(chosen, key=lambda i: (-s[i], c[i], i))
    total = float(s.sum())
    covered = float(s[order].sum()) if order else 0.0
    return Selection(
        indices=tuple(int(i) for i in order),
        covered=covered,
        coverage=covered / total if total > 0 else 1.0,
        cost=float(c[order].sum()) if order else 0.0,
        method=method,
        optimal=optimal,
    )


def greedy_order(scores: npt.ArrayLike, costs: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Positions by decreasing score, ties by increasing cost, then by position."""
    s = np.asarray(scores, dtype=np.float64)
    c = np.asarray(costs, dtype=np.float64)
    # lexsort sorts by the last key first.
    return np.lexsort((np.arange(s.size), c, -s)).astype(np.int64)


def smallest_yard(scores: npt.ArrayLike, costs: npt.ArrayLike, coverage: float) -> Selection:
    """Minimum-cardinality yard by the greedy rule (optimal; proof in the module docstring)."""
    s, c = _check(scores, costs, coverage)
    t = target(s, coverage)
    chosen: list[int] = []
    acc = 0.0
    if t > 0:
        for i in greedy_order(s, c):
            chosen.append(int(i))
            acc += s[i]
            if acc >= t:
                break
    return _result(s, c, chosen, "smallest")


def cheapest_yard(
    scores: npt.ArrayLike,
    costs: npt.ArrayLike,
    coverage: float,
    *,
    max_size: int | None = None,
    time_limit: float = 30.0,
    method: str = "cheapest",
) -> Selection:
    r"""Minimum-cost yard reaching the coverage (HiGHS MIP; see the module docstring).

    Parameters
    ----------
    scores, costs
        :math:`s_k` and :math:`c_k`.
    coverage
        Target share :math:`\tau`.
    max_size
        Optional cap *K* on the number of products.
    time_limit
        Seconds HiGHS may spend; past it the best yard found is returned, ``optimal=False``.
    method
        Name recorded in the result.

    Raises
    ------
    ValueError
        When no yard within ``max_size`` reaches the coverage.
    """
    s, c = _check(scores, costs, coverage)
    t = target(s, coverage)
    if t <= 0:
        return _result(s, c, [], method)
    cand = np.flatnonzero(s > 0)
    n = int(cand.size)
    # Scale to a total score of 1 so that HiGHS's absolute tolerances are relative ones.
    scale = float(s.sum())
    h = new_highs(
        mip_rel_gap=0.0,
        mip_abs_gap=0.0,
        mip_feasibility_tolerance=1e-10,
        primal_feasibility_tolerance=1e-10,
        time_limit=float(time_limit),
    )
    lp = highspy.HighsLp()
    lp.num_col_ = n
    # Costs scaled to a largest cost of 1 likewise: HiGHS resolves cost differences only down
    # to its tolerances, so yards whose costs differ by less than ~1e-9 of the largest tie.
    cmax = float(c[cand].max()) if n else 0.0
    lp.col_cost_ = c[cand] / cmax if cmax > 0 else c[cand]
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    rows_lo = [t / scale]
    rows_hi = [highspy.kHighsInf]
    values = [s[cand] / scale]
    if max_size is not None:
        rows_lo.append(-highspy.kHighsInf)
        rows_hi.append(float(max_size))
        values.append(np.ones(n))
    lp.num_row_ = len(rows_lo)
    lp.row_lower_ = np.array(rows_lo)
    lp.row_upper_ = np.array(rows_hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.arange(0, n * len(values) + 1, n, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(n, dtype=np.int32), len(values))
    lp.a_matrix_.value_ = np.concatenate(values)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise ValueError(f"no yard of at most {max_size} products reaches coverage {coverage:g}")
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    if x.size != n:
        raise ValueError(f"the yard MIP found no solution ({h.modelStatusToString(status)})")
    chosen = [int(i) for i in cand[x > 0.5]]
    if not covers(s, chosen, coverage):
        # Within HiGHS's tolerance but short of the exact target: add the best remaining.
        rest = [int(i) for i in greedy_order(s, c) if int(i) not in set(chosen) and s[i] > 0]
        while rest and not covers(s, chosen, coverage):
            chosen.append(rest.pop(0))
    chosen = _drop_free_surplus(s, c, chosen, coverage)
    return _result(s, c, chosen, method, optimal=status == highspy.HighsModelStatus.kOptimal)


def _drop_free_surplus(
    s: npt.NDArray[np.float64], c: npt.NDArray[np.float64], chosen: list[int], coverage: float
) -> list[int]:
    """Remove zero-cost products the target does not need (lowest score first)."""
    keep = list(chosen)
    for i in sorted((i for i in chosen if c[i] == 0), key=lambda i: (s[i], -i)):
        trial = [j for j in keep if j != i]
        if covers(s, trial, coverage):
            keep = trial
    return keep


def select_yard(
    scores: npt.ArrayLike,
    costs: npt.ArrayLike,
    coverage: float = 0.8,
    *,
    method: str = "smallest",
    time_limit: float = 30.0,
) -> Selection:
    """Choose the yard by ``method``: ``smallest``, ``cheapest`` or ``smallest-cheapest``.

    See the module docstring for the problems solved and why each solution is optimal.
    """
    if method == "smallest":
        return smallest_yard(scores, costs, coverage)
    if method == "cheapest":
        return cheapest_yard(scores, costs, coverage, time_limit=time_limit)
    if method == "smallest-cheapest":
        k = smallest_yard(scores, costs, coverage).size
        return cheapest_yard(
            scores, costs, coverage, max_size=k, time_limit=time_limit, method=method
        )
    raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
