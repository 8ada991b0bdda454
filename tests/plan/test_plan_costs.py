from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from econsec.plan.costs import extra_cost, kept_cost, rival_unit_value, unit_values


@pytest.mark.golden
def test_unit_value_fallbacks():
    # Importer 392. Exporter 1 reports q to 392 (bilateral); exporter 2 only to 276
    # (exporter); exporter 3 reports none (world median of flow unit values: 2, 4, 5 -> 4);
    # product B reports no quantity anywhere (value).
    flows = pl.DataFrame(
        {
            "i": [1, 1, 2, 2, 3, 1],
            "j": [392, 276, 392, 276, 392, 392],
            "k": ["A", "A", "A", "A", "A", "B"],
            "v": [10.0, 40.0, 5.0, 20.0, 9.0, 3.0],
            "q": [5.0, 10.0, None, 4.0, None, None],
        }
    )
    uv = {(k, i): (p, s) for k, i, p, s in unit_values(flows, 392).rows()}
    assert uv[("A", 1)] == (2.0, "bilateral")
    assert uv[("A", 2)] == (5.0, "exporter")
    assert uv[("A", 3)] == (pytest.approx(4.0), "world-median")
    assert uv[("B", 1)] == (1.0, "value")


@pytest.mark.golden
def test_switching_costs():
    price = np.array([1.0, 2.0, 0.5])
    rival = np.array([True, False, False])
    q0 = np.array([10.0, 5.0, 0.0])
    floor = rival_unit_value(q0, price, rival)
    assert floor == 1.0
    np.testing.assert_allclose(extra_cost(price, 0.1, floor), [1.1, 2.2, 1.1])
    np.testing.assert_allclose(kept_cost(price, floor), [1.0, 1.0, 0.5])
    # No rival sales: the importer's average unit value (10*1 + 5*2) / 15.
    assert rival_unit_value(q0, price, np.zeros(3, bool)) == pytest.approx(20 / 15)
    with pytest.raises(ValueError):
        extra_cost(price, -0.1, floor)
