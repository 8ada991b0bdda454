"""Small LP instances, an independent dense formulation solved with scipy's linprog, and
the flows of the small plan warehouses."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import linprog

from econsec.plan.costs import extra_cost, kept_cost, rival_unit_value
from econsec.plan.lp import Instance


def make_instance(
    q0, price, capacity, allowed, rival, *, premium=0.1, single_cap=None, keep=None
) -> Instance:
    q0 = np.asarray(q0, dtype=float)
    price = np.asarray(price, dtype=float)
    rival = np.asarray(rival, dtype=bool)
    floor = rival_unit_value(q0, price, rival)
    if keep is None:
        keep = np.zeros(len(q0), bool) if single_cap is not None else ~rival
    return Instance(
        q0=q0,
        price=price,
        unit_cost=kept_cost(price, floor),
        extra_cost=extra_cost(price, premium, floor),
        capacity=np.asarray(capacity, dtype=float),
        allowed=np.asarray(allowed, dtype=bool),
        rival=rival,
        keep=np.asarray(keep, dtype=bool),
        single_cap=single_cap,
    )


def linprog_plan(inst: Instance, cap: float) -> tuple[bool, float]:
    """The plan LP written densely in x = (b, y) without the T variable, by scipy."""
    n = inst.n
    p = inst.price
    c = np.concatenate([inst.unit_cost, inst.extra_cost])
    a_eq = np.ones((1, 2 * n))
    b_eq = [inst.demand]
    # sum_R p x - cap * sum p x <= 0
    w = np.where(inst.rival, p, 0.0) - cap * p
    rows = [np.concatenate([w, w])]
    if inst.single_cap is not None:
        for e in range(n):
            r = -inst.single_cap * p.copy()
            r[e] += p[e]
            rows.append(np.concatenate([r, r]))
    a_ub = np.array(rows)
    b_ub = np.zeros(len(rows))
    y_hi = np.where(inst.allowed & ~inst.rival, inst.capacity, 0.0)
    bounds = [
        (float(lo), float(hi))
        for lo, hi in zip(np.where(inst.keep, inst.q0, 0.0), inst.q0, strict=True)
    ]
    bounds += [(0.0, None if np.isinf(h) else float(h)) for h in y_hi]
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    return res.status == 0, float(res.fun) if res.status == 0 else float("nan")


@st.composite
def instances(draw, max_n: int = 6, single: bool | None = None):
    """Random small instances: one rival, 1-5 other suppliers, some new, some not allowed."""
    n = draw(st.integers(2, max_n))
    fl = st.floats(0.5, 5.0, allow_nan=False)
    price = np.array([draw(fl) for _ in range(n)])
    q0 = np.array([draw(st.sampled_from([0.0, 1.0, 5.0, 20.0, 60.0])) for _ in range(n)])
    q0[0] = draw(st.floats(10.0, 100.0))  # the rival sells something
    capacity = np.array([draw(st.sampled_from([0.0, 2.0, 10.0, 40.0, np.inf])) for _ in range(n)])
    allowed = np.array([draw(st.booleans()) for _ in range(n)])
    rival = np.zeros(n, bool)
    rival[0] = True
    allowed[0] = False
    premium = draw(st.sampled_from([0.0, 0.1, 0.5]))
    use_single = draw(st.booleans()) if single is None else single
    sc = draw(st.sampled_from([0.3, 0.5, 0.8])) if use_single else None
    return make_instance(q0, price, capacity, allowed, rival, premium=premium, single_cap=sc)


CHN, JPN, KOR, USA, DEU, IND, AUS, NLD, FRA = 156, 392, 410, 842, 276, 699, 36, 528, 251

# (exporter, importer, product, value kUSD, tonnes). Japan buys 850511 for 100: China 60,
# Korea 20, USA 10, Germany 10, all at 10 kUSD/t but the USA at 20. Other sales give
# capacities at r = 0.2: KOR 20, USA 10, DEU 20, IND 8, AUS 6. 811292 has no quantities.
FLOWS = [
    (CHN, JPN, "850511", 60.0, 6.0),
    (KOR, JPN, "850511", 20.0, 2.0),
    (USA, JPN, "850511", 10.0, 0.5),
    (DEU, JPN, "850511", 10.0, 1.0),
    (KOR, NLD, "850511", 100.0, 10.0),
    (USA, NLD, "850511", 50.0, 2.5),
    (DEU, FRA, "850511", 100.0, 10.0),
    (IND, FRA, "850511", 40.0, 4.0),
    (AUS, NLD, "850511", 30.0, 3.0),
    (CHN, FRA, "850511", 500.0, 50.0),
    (JPN, USA, "850511", 50.0, 5.0),
    (CHN, JPN, "811292", 30.0, None),
    (KOR, JPN, "811292", 10.0, None),
    (KOR, NLD, "811292", 100.0, None),
    (USA, NLD, "280429", 5.0, 1.0),
]
