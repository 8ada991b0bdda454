r"""The diversification linear program: pure functions of arrays, solved with HiGHS.

An importer buys a product from suppliers :math:`e = 1..n`. Each supplier has a baseline
volume :math:`q^0_e`, a unit value :math:`p_e` (value per unit of volume), a cost
:math:`\pi_e` per unit of baseline volume kept (saved when cut) and a cost :math:`c_e` per unit
of volume bought beyond its baseline (see :mod:`econsec.plan.costs`). Volume kept from the
baseline is :math:`b_e`, extra volume :math:`y_e`; the planned volume is
:math:`x_e = b_e + y_e` and the import value :math:`T = \sum_e p_e x_e`.

.. math::

    \min_{b, y, T} \; & \sum_e \pi_e b_e + \sum_e c_e y_e \\
    \text{s.t.}\; & \textstyle\sum_e (b_e + y_e) = D
        && \text{(demand: total volume kept)} \\
    & \textstyle\sum_e p_e (b_e + y_e) - T = 0 && \text{(import value)} \\
    & \textstyle\sum_{e \in R} p_e (b_e + y_e) - \kappa T \le 0
        && \text{(rival share at most } \kappa) \\
    & p_e (b_e + y_e) - s T \le 0 \quad \forall e && \text{(single-supplier cap, optional)} \\
    & \ell_e \le b_e \le q^0_e, \quad 0 \le y_e \le u_e \mathbb{1}[e \in A] \\

with :math:`D = \sum_e q^0_e`, rival set :math:`R`, allowed set :math:`A` (suppliers that may
expand; never the rival), capacity :math:`u_e` (redirectable volume) and :math:`\ell_e = q^0_e`
for suppliers whose baseline volume may not be cut (else 0). Writing the shares against
:math:`T` keeps every row sparse: a single-supplier cap adds three non-zeros per supplier.

The lowest feasible rival share :math:`\kappa^* = \min \sum_{e\in R} p_e x_e / T` over the same
set without the rival row is a linear-fractional program, solved exactly as an LP after the
Charnes–Cooper transformation (:func:`min_rival_share`).

Volumes are scaled to :math:`D = 1` and unit values to a mean of 1 before solving, so that
HiGHS's absolute tolerances act as relative ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from econsec.highs import new_highs

INF = highspy.kHighsInf

#: Statuses returned in :attr:`Solution.status`.
OPTIMAL, INFEASIBLE = "optimal", "infeasible"


@dataclass(frozen=True)
class Instance:
    r"""One importer × product: the arrays of the LP (length ``n``, one entry per supplier).

    Attributes
    ----------
    q0
        Baseline volume :math:`q^0_e` (≥ 0).
    price
        Unit value :math:`p_e` (> 0), which weighs volumes into value shares.
    unit_cost
        Cost :math:`\pi_e` of one unit of baseline volume kept (saved when it is cut).
    extra_cost
        Cost :math:`c_e` of one unit of volume beyond the baseline.
    capacity
        Extra volume :math:`u_e` the supplier can redirect (``inf`` for no limit).
    allowed
        Whether the supplier may expand (the allowed set :math:`A`).
    rival
        Whether the supplier belongs to the rival set :math:`R`.
    keep
        Whether the supplier's baseline volume may not be cut (:math:`\ell_e = q^0_e`).
    single_cap
        Cap :math:`s` on any single supplier's value share (China+1), or ``None``.
    """

    q0: np.ndarray
    price: np.ndarray
    unit_cost: np.ndarray
    extra_cost: np.ndarray
    capacity: np.ndarray
    allowed: np.ndarray
    rival: np.ndarray
    keep: np.ndarray
    single_cap: float | None = None

    def __post_init__(self) -> None:
        n = len(self.q0)
        for name in ("price", "unit_cost", "extra_cost", "capacity", "allowed", "rival", "keep"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} entries, q0 has {n}")
        if n == 0 or float(np.sum(self.q0)) <= 0:
            raise ValueError("the baseline volume must be positive")
        if np.any(self.q0 < 0) or np.any(self.capacity < 0):
            raise ValueError("baseline volumes and capacities must be non-negative")
        if np.any(~(self.price > 0)) or np.any(~np.isfinite(self.price)):
            raise ValueError("unit values must be positive and finite")
        for name in ("unit_cost", "extra_cost"):
            c = getattr(self, name)
            if np.any(c < 0) or np.any(~np.isfinite(c)):
                raise ValueError(f"{name} must be non-negative and finite")
        if self.single_cap is not None and not 0 < self.single_cap <= 1:
            raise ValueError(f"single-supplier cap must be in (0, 1], got {self.single_cap}")

    @property
    def n(self) -> int:
        """Number of suppliers."""
        return len(self.q0)

    @property
    def demand(self) -> float:
        r"""Total volume :math:`D = \sum_e q^0_e`."""
        return float(np.sum(self.q0))

    @property
    def baseline_cost(self) -> float:
        r"""Cost of the baseline :math:`\sum_e \pi_e q^0_e` (a plan's premium is over it)."""
        return float(self.unit_cost @ self.q0)

    @property
    def baseline_value(self) -> float:
        r"""Baseline import value :math:`\sum_e p_e q^0_e`."""
        return float(self.price @ self.q0)

    def rival_share(self, x: np.ndarray) -> float:
        """Value share of the rival set in an allocation ``x``."""
        v = self.price * x
        return float(v[self.rival].sum() / v.sum())


@dataclass(frozen=True)
class Solution:
    """A solved plan: planned volumes ``x`` (= ``kept + extra``) and its cost."""

    status: str
    kept: np.ndarray
    extra: np.ndarray
    cost: float

    @property
    def feasible(self) -> bool:
        """Whether an optimal plan was found."""
        return self.status == OPTIMAL

    @property
    def x(self) -> np.ndarray:
        """Planned volume per supplier."""
        return self.kept + self.extra


@dataclass(frozen=True)
class _Model:
    """``min c·z  s.t.  row_lo ≤ A z ≤ row_hi,  col_lo ≤ z ≤ col_hi`` (A sparse)."""

    c: np.ndarray
    a: sp.csc_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray


def _scaled(inst: Instance) -> tuple[Instance, float, float]:
    """Scale volumes to D = 1 and unit values to a mean of 1; return the scales too."""
    d = inst.demand
    pbar = float(np.mean(inst.price))
    return (
        Instance(
            q0=inst.q0 / d,
            price=inst.price / pbar,
            unit_cost=inst.unit_cost / pbar,
            extra_cost=inst.extra_cost / pbar,
            capacity=inst.capacity / d,
            allowed=inst.allowed,
            rival=inst.rival,
            keep=inst.keep,
            single_cap=inst.single_cap,
        ),
        d,
        pbar,
    )


def _model(inst: Instance, cap: float | None) -> _Model:
    """Build the LP of the module docstring over ``z = (b, y, T)`` (no rival row if no cap)."""
    n = inst.n
    p = inst.price
    e = np.arange(n)
    rows: list[sp.coo_matrix] = []
    lo: list[float] = []
    hi: list[float] = []

    def add(cols: np.ndarray, vals: np.ndarray, r_lo: float, r_hi: float) -> None:
        rows.append(sp.coo_matrix((vals, (np.zeros(len(cols), dtype=int), cols)), (1, 2 * n + 1)))
        lo.append(r_lo)
        hi.append(r_hi)

    both = np.concatenate([e, n + e])
    add(both, np.ones(2 * n), inst.demand, inst.demand)
    add(np.append(both, 2 * n), np.append(np.tile(p, 2), -1.0), 0.0, 0.0)
    if cap is not None:
        r = np.flatnonzero(inst.rival)
        add(np.concatenate([r, n + r, [2 * n]]), np.concatenate([p[r], p[r], [-cap]]), -INF, 0.0)
    a = sp.vstack(rows) if rows else sp.coo_matrix((0, 2 * n + 1))
    if inst.single_cap is not None:
        # One row per supplier that can hold volume: p_e b_e + p_e y_e - s T <= 0.
        live = np.flatnonzero((inst.q0 > 0) | (inst.allowed & ~inst.rival))
        m = len(live)
        ri = np.repeat(np.arange(m), 3)
        ci = np.column_stack([live, n + live, np.full(m, 2 * n)]).ravel()
        vi = np.column_stack([p[live], p[live], np.full(m, -inst.single_cap)]).ravel()
        a = sp.vstack([a, sp.coo_matrix((vi, (ri, ci)), (m, 2 * n + 1))])
        lo += [-INF] * m
        hi += [0.0] * m
    y_hi = np.where(inst.allowed & ~inst.rival, inst.capacity, 0.0)
    y_hi = np.where(np.isfinite(y_hi), y_hi, INF)
    return _Model(
        c=np.concatenate([inst.unit_cost, inst.extra_cost, [0.0]]),
        a=sp.csc_matrix(a),
        row_lo=np.asarray(lo, dtype=float),
        row_hi=np.asarray(hi, dtype=float),
        col_lo=np.concatenate([np.where(inst.keep, inst.q0, 0.0), np.zeros(n), [0.0]]),
        col_hi=np.concatenate([inst.q0, y_hi, [INF]]),
    )


def _solve(m: _Model) -> tuple[str, np.ndarray, float]:
    """Solve a model with HiGHS; return its status, solution and objective value."""
    h = new_highs(primal_feasibility_tolerance=1e-9, dual_feasibility_tolerance=1e-9)
    lp = highspy.HighsLp()
    lp.num_col_ = len(m.c)
    lp.num_row_ = m.a.shape[0]
    lp.col_cost_ = m.c
    lp.col_lower_ = m.col_lo
    lp.col_upper_ = m.col_hi
    lp.row_lower_ = m.row_lo
    lp.row_upper_ = m.row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = m.a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = m.a.indices.astype(np.int32)
    lp.a_matrix_.value_ = m.a.data.astype(np.float64)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return INFEASIBLE, np.full(len(m.c), np.nan), float("nan")
    z = np.asarray(h.getSolution().col_value, dtype=np.float64)
    return OPTIMAL, z, float(h.getInfo().objective_function_value)


def solve_plan(inst: Instance, cap: float) -> Solution:
    """Cheapest plan with the rival's value share at most ``cap`` (see the module docstring).

    Returns
    -------
    Solution
        ``status`` is ``"infeasible"`` (with NaN volumes) when no plan meets the constraints.
    """
    if not 0.0 <= cap <= 1.0:
        raise ValueError(f"cap must be in [0, 1], got {cap}")
    s, d, pbar = _scaled(inst)
    status, z, obj = _solve(_model(s, cap))
    n = inst.n
    if status != OPTIMAL:
        nan = np.full(n, np.nan)
        return Solution(status, nan, nan, float("nan"))
    # HiGHS may return values a hair outside the bounds; clip to them.
    kept = np.clip(z[:n], np.where(inst.keep, s.q0, 0.0), s.q0) * d
    extra = np.clip(z[n : 2 * n], 0.0, None) * d
    return Solution(OPTIMAL, kept, extra, obj * d * pbar)


def _charnes_cooper(m: _Model, num: np.ndarray, den: np.ndarray) -> _Model:
    r"""LP over ``(w, t)`` equal to ``min num·z / den·z`` over the model's feasible set.

    With :math:`t = 1/(\mathrm{den}\cdot z)` and :math:`w = t z`: every row
    :math:`l \le a z \le h` becomes :math:`a w - l t \ge 0`, :math:`a w - h t \le 0`, every bound
    likewise, and :math:`\mathrm{den}\cdot w = 1`. Requires ``den·z > 0`` on the feasible set.
    """
    k = len(m.c)
    blocks: list[sp.spmatrix] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []
    eye = sp.identity(k, format="csc")
    for a, rlo, rhi in ((m.a, m.row_lo, m.row_hi), (eye, m.col_lo, m.col_hi)):
        for bound, is_lo in ((rlo, True), (rhi, False)):
            fin = np.flatnonzero(np.isfinite(bound) & (np.abs(bound) < INF))
            if is_lo and a is eye:
                fin = fin[bound[fin] != 0]  # w >= 0 is a column bound below
            if not len(fin):
                continue
            sub = sp.hstack(
                [
                    a[fin, :] if a is not eye else eye[fin, :],
                    sp.csc_matrix(-bound[fin].reshape(-1, 1)),
                ]
            )
            blocks.append(sub)
            z = np.zeros(len(fin))
            lo.append(z if is_lo else np.full(len(fin), -INF))
            hi.append(np.full(len(fin), INF) if is_lo else z)
    blocks.append(sp.csc_matrix(np.append(den, 0.0).reshape(1, -1)))
    lo.append(np.ones(1))
    hi.append(np.ones(1))
    col_lo = np.where(m.col_lo >= 0, 0.0, -INF)
    return _Model(
        c=np.append(num, 0.0),
        a=sp.csc_matrix(sp.vstack(blocks)),
        row_lo=np.concatenate(lo),
        row_hi=np.concatenate(hi),
        col_lo=np.append(col_lo, 0.0),
        col_hi=np.full(k + 1, INF),
    )


def min_rival_share(inst: Instance) -> float | None:
    r"""Lowest value share of the rival set any plan can reach (``None``: no plan at all).

    Solves :math:`\kappa^* = \min \sum_{e \in R} p_e x_e / \sum_e p_e x_e` over the plan's
    constraints without the rival cap, by the Charnes–Cooper transformation.
    """
    s, _, _ = _scaled(inst)
    m = _model(s, None)
    n = s.n
    num = np.zeros(len(m.c))
    num[: 2 * n] = np.tile(np.where(s.rival, s.price, 0.0), 2)
    den = np.zeros(len(m.c))
    den[2 * n] = 1.0  # T
    status, _, obj = _solve(_charnes_cooper(m, num, den))
    if status != OPTIMAL:
        return None
    return float(min(max(obj, 0.0), 1.0))


def premium(cost: float, baseline_cost: float, rtol: float = 1e-9) -> float:
    """Cost premium of a plan, ``cost - baseline_cost``; solver noise below ``rtol`` is 0."""
    d = cost - baseline_cost
    return 0.0 if abs(d) <= rtol * max(abs(baseline_cost), 1e-300) else d


def hhi(values: np.ndarray) -> float:
    r"""Herfindahl–Hirschman index :math:`\sum_e s_e^2` of the value shares :math:`s_e`."""
    v = np.asarray(values, dtype=float)
    tot = v.sum()
    return float(((v / tot) ** 2).sum()) if tot > 0 else float("nan")


#: What keeps the rival's share above the cap, as reported by :func:`diagnose`.
BINDING = ("capacity", "allowed set", "capacity and allowed set", "cap", "single-supplier cap")


@dataclass(frozen=True)
class Diagnosis:
    r"""Why no plan meets a cap, and the lowest caps reachable with constraints relaxed.

    Attributes
    ----------
    binding
        One of :data:`BINDING`: the constraint whose relaxation alone admits the cap
        (``capacity``: suppliers' redirectable volume; ``allowed set``: the strategy's
        suppliers; ``capacity and allowed set``: both together; ``cap``: the cap is below
        what any relaxation reaches; ``single-supplier cap``: no plan meets it at all).
    lowest_feasible_cap
        :math:`\kappa^*` under the plan's own constraints (``None`` when none is feasible).
    without_capacity
        :math:`\kappa^*` with unlimited capacity for the allowed suppliers.
    all_suppliers
        :math:`\kappa^*` with every supplier but the rival allowed, at their capacities.
    """

    binding: str
    lowest_feasible_cap: float | None
    without_capacity: float | None
    all_suppliers: float | None

    def message(self, cap: float) -> str:
        """One sentence for users."""
        low = self.lowest_feasible_cap
        if low is None:
            head = "no plan meets the single-supplier cap, whatever the rival's share"
        else:
            head = (
                f"no plan brings the rival's share to {cap:.1%}; the lowest feasible cap "
                f"is {low:.1%}"
            )
        why = {
            "capacity": "the allowed suppliers' redirectable capacity binds",
            "allowed set": "the strategy's allowed suppliers bind (other suppliers could do it)",
            "capacity and allowed set": "both capacity and the allowed set bind",
            "cap": "no relaxation of capacity or of the allowed set reaches the cap",
            "single-supplier cap": "too few suppliers can share the supply",
        }[self.binding]
        extra = []
        if self.without_capacity is not None:
            extra.append(f"lowest cap {self.without_capacity:.1%} with unlimited capacity")
        if self.all_suppliers is not None:
            extra.append(f"{self.all_suppliers:.1%} with every supplier allowed")
        return f"{head}: {why}" + (f" ({'; '.join(extra)})" if extra else "")


def diagnose(inst: Instance, cap: float, tol: float = 1e-9) -> Diagnosis:
    """Explain why ``cap`` is infeasible by relaxing capacity, the allowed set, or both."""
    from dataclasses import replace

    wide = inst.allowed | ~inst.rival
    unlimited = np.full(inst.n, np.inf)
    low = min_rival_share(inst)
    no_cap = min_rival_share(replace(inst, capacity=unlimited))
    all_sup = min_rival_share(replace(inst, allowed=wide))
    both = min_rival_share(replace(inst, allowed=wide, capacity=unlimited))

    def ok(k: float | None) -> bool:
        return k is not None and k <= cap + tol

    if ok(no_cap) and ok(all_sup):
        # Either relaxation alone suffices: the one reaching lower names the constraint.
        binding = "capacity" if (no_cap or 0.0) <= (all_sup or 0.0) else "allowed set"
    elif ok(no_cap):
        binding = "capacity"
    elif ok(all_sup):
        binding = "allowed set"
    elif ok(both):
        binding = "capacity and allowed set"
    else:
        # Nothing but the caps themselves: the rival's, or the single-supplier cap when no
        # plan exists whatever the rival's share.
        binding = "single-supplier cap" if low is None and both is None else "cap"
    return Diagnosis(binding, low, no_cap, all_sup)
