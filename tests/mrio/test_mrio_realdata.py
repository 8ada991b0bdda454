"""The real WIOD 2011 world table (WIOD 2013 release): balance and parity with pymrio."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pymrio
import pytest

from econsec.mrio.bridge import hs_to_sectors
from econsec.mrio.propagate import Propagator
from econsec.mrio.tables import read_bundle

pytestmark = pytest.mark.realdata


@pytest.fixture
def wiod(mirror: Path):
    return read_bundle(mirror / "io" / "wiod2013_2011")


def test_wiod_shape_and_balance(wiod) -> None:
    assert wiod.n == 1435 and len(wiod.region_list()) == 41 and len(wiod.sector_list()) == 35
    assert wiod.unit.startswith("million USD") and wiod.year == 2011
    s = wiod.balance().summary()
    # rounded to whole millions: residuals small but present
    assert not s["balanced"] and 0 < s["max_abs_residual"] <= 200
    assert s["sum_abs_residual_share_of_output"] < 1e-3
    assert s["zero_output_sectors"] == 22 and s["productive"]
    assert wiod.rebalanced().balance(atol=1e-6, rtol=0).balanced


def test_multipliers_match_pymrio(wiod) -> None:
    m = Propagator(wiod).multipliers()
    A = pymrio.calc_A(wiod.Z, wiod.x)
    L = pymrio.calc_L(A)
    G = pymrio.calc_G(pymrio.calc_B(wiod.Z, wiod.x))
    np.testing.assert_allclose(m["output_multiplier"], L.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(m["input_multiplier"], G.sum(axis=1), rtol=1e-10)
    chn = m.filter((pl.col("region") == "CHN") & (pl.col("sector") == "c14"))
    assert 2.5 < chn["output_multiplier"][0] < 4.0  # China's electronics: long domestic chains


def test_magnet_ban_propagates(wiod) -> None:
    t = wiod.rebalanced()
    shock = hs_to_sectors(
        pl.DataFrame({"importer_iso3": ["JPN"], "product": ["850511"], "value": [500_000.0]}),
        "wiod13",
        regions=t.region_list(),
        scale=1e-3,
    )
    res = Propagator(t).run(shock, "ghosh")
    assert res.totals()["shock"] == pytest.approx(500.0)
    assert res.top(1)["region"][0] == "JPN" and res.top(1)["sector"][0] == "c14"
    assert res.totals()["output_loss"] > 500.0
    jpn = res.by_region().filter(pl.col("region") == "JPN")
    assert 0 < jpn["gdp_share_lost"][0] < 1e-3
