from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from plan_helpers import instances, make_instance

from econsec.plan.frontier import FRONTIER_COLUMNS, default_caps, frontier
from econsec.plan.lp import min_rival_share
from econsec.report.frontier import frontier_figure


@pytest.mark.property
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=instances())
def test_frontier_is_monotone(inst):
    fr = frontier(inst, np.linspace(0, 1, 11))
    assert fr.columns == list(FRONTIER_COLUMNS)
    feas = fr["feasible"].to_list()
    # Once feasible, feasible for every larger cap.
    assert feas == sorted(feas)
    ok = fr.filter(pl.col("feasible"))
    prem = ok["cost_premium"].to_numpy()
    tol = 1e-6 * inst.baseline_cost
    assert np.all(np.diff(prem) <= tol)  # cost non-increasing as the cap rises
    assert np.all(ok["rival_share"].to_numpy() <= ok["cap"].to_numpy() + 1e-6)


@pytest.mark.golden
def test_frontier_golden_points():
    inst = make_instance(
        q0=[80, 20, 0],
        price=[1, 1, 2],
        capacity=[0, 30, 20],
        allowed=[False, True, True],
        rival=[True, False, False],
    )
    fr = frontier(inst, [0.2, 0.4, 0.5, 0.8])
    assert fr["feasible"].to_list() == [False, True, True, True]
    assert fr["cost_premium"].to_list()[1:] == pytest.approx([3 + 12 / 1.4, 3.0, 0.0])
    assert fr["cost_premium_pct"][2] == pytest.approx(3.0)  # of a baseline value of 100
    caps = default_caps(inst)
    assert 0.25 in np.round(caps, 9) and 0.8 in np.round(caps, 9)  # κ* and the baseline share
    assert min_rival_share(inst) == pytest.approx(0.25)


@pytest.mark.unit
def test_frontier_figure():
    inst = make_instance(
        q0=[80, 20, 0],
        price=[1, 1, 2],
        capacity=[0, 30, 20],
        allowed=[False, True, True],
        rival=[True, False, False],
    )
    fr = frontier(inst)
    fig = frontier_figure(fr)
    assert len(fig.data) == 2  # the frontier and the infeasible caps
    assert fig.layout.xaxis.tickformat == ".0%"
    two = pl.concat([fr.select(pl.lit(k).alias("product"), pl.all()) for k in ("a", "b")])
    assert {t.name for t in frontier_figure(two).data} >= {"a", "b"}
    assert "<html" in fig.to_html(include_plotlyjs=False, full_html=True)
    assert len(frontier_figure(fr.to_pandas()).data) == 2


@pytest.mark.unit
def test_frontier_figure_old_import_warns():
    import econsec.plan

    with pytest.warns(DeprecationWarning, match="econsec.report.frontier"):
        old = econsec.plan.frontier_figure
    assert old is frontier_figure
