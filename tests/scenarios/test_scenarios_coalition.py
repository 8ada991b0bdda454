"""Golden and property tests of coalition access and the smallest joining set."""

from __future__ import annotations

import itertools

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.scenarios import coalition as coal

# World supply open to the target for one product: A 260, B 130, C 60, D 40 (W = 490).
EXPORTS = pl.DataFrame(
    {"product": ["p"] * 4, "exporter": [1, 2, 3, 4], "exports": [260.0, 130.0, 60.0, 40.0]}
)


@pytest.mark.golden
def test_access_by_hand() -> None:
    acc = coal.access(EXPORTS, [1, 2]).row(0, named=True)
    assert acc["world_supply"] == pytest.approx(490.0)
    assert acc["coalition_share"] == pytest.approx(390.0 / 490.0)
    assert acc["residual_share"] == pytest.approx(100.0 / 490.0)


@pytest.mark.golden
def test_who_must_join_by_hand() -> None:
    # Residual 100/490 = 0.204; to reach 0.10, C (60/490 = 0.122) suffices alone.
    acc = coal.access(EXPORTS, [1, 2])
    cand = coal.candidate_shares(EXPORTS, [1, 2])
    per = coal.join_per_product(cand, acc, 0.10)
    assert per["exporter"].to_list() == [3]
    assert per["residual_after"][0] == pytest.approx(40.0 / 490.0)
    js = coal.join_jointly(cand, acc, 0.10)
    assert js.exporters == [3] and js.exact
    # At 0.0 every non-member must join.
    assert coal.join_jointly(cand, acc, 0.0).exporters == [3, 4]
    # Already below the threshold: nobody.
    assert coal.join_jointly(cand, acc, 0.5).exporters == []


@pytest.mark.golden
def test_joint_set_across_products_beats_per_product_union() -> None:
    # Member 9 holds half of each product. p: 3 0.22, 4 0.14, 5 0.14; q: 5 0.25, 6 0.25.
    # To reach 0.4 each product needs 0.1 more: per product the largest are 3 (p) and 5 (q),
    # but exporter 5 alone covers both.
    ex = pl.DataFrame(
        {
            "product": ["p", "p", "p", "p", "q", "q", "q"],
            "exporter": [9, 3, 4, 5, 9, 5, 6],
            "exports": [50.0, 22.0, 14.0, 14.0, 50.0, 25.0, 25.0],
        }
    )
    acc = coal.access(ex, [9])
    cand = coal.candidate_shares(ex, [9])
    per = coal.join_per_product(cand, acc, 0.4)
    assert sorted(per["exporter"].to_list()) == [3, 5]
    js = coal.join_jointly(cand, acc, 0.4)
    assert js.exporters == [5] and js.method == "exact"


# Flows of at least 0.01 against 10 for the coalition: shares far above the 1e-9 tolerance.
shares_st = st.lists(
    st.one_of(st.just(0.0), st.floats(0.01, 100.0, allow_nan=False)), min_size=1, max_size=7
)


@pytest.mark.property
@settings(max_examples=50, deadline=None)
@given(shares_st, st.floats(0.0, 1.0))
def test_greedy_per_product_is_minimal(values: list[float], theta: float) -> None:
    ex = pl.DataFrame(
        {
            "product": ["p"] * (len(values) + 1),
            "exporter": list(range(len(values) + 1)),
            "exports": [*values, 10.0],
        }
    )
    members = [len(values)]  # the last exporter is the coalition
    acc = coal.access(ex, members)
    cand = coal.candidate_shares(ex, members)
    per = coal.join_per_product(cand, acc, theta)
    w = ex["exports"].sum()
    resid = acc["residual_share"][0]
    shares = {e: v / w for e, v in enumerate(values) if v > 0}
    best = None
    for n in range(len(shares) + 1):
        for combo in itertools.combinations(shares, n):
            if resid - sum(shares[c] for c in combo) <= theta + 1e-9:
                best = n
                break
        if best is not None:
            break
    assert per.height == best
    assert len(coal.join_jointly(cand, acc, theta).exporters) == best
