"""Golden and property tests of the product-level ban model."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.scenarios.model import replaced, substitution

# Japan imports 100 of 850511; China sells it 60. Other exporters' sales outside Japan:
# KOR 100, USA 50, DEU 40 (pool 190).
CELLS = pl.DataFrame(
    {"importer": [392], "product": ["850511"], "baseline_imports": [100.0], "banned_flow": [60.0]}
)
POOL = pl.DataFrame(
    {"exporter": [410, 842, 276], "product": ["850511"] * 3, "pool": [100.0, 50.0, 40.0]}
)


@pytest.mark.golden
def test_full_ban_by_hand() -> None:
    # L = 60; r P = 0.2 * 190 = 38 < 60, so R = 38, F = 22; suppliers in proportion to pools.
    prod, by = substitution(CELLS, POOL, share=1.0, r=0.2)
    row = prod.row(0, named=True)
    assert row["lost_imports"] == pytest.approx(60.0)
    assert row["replaced"] == pytest.approx(38.0)
    assert row["shortfall"] == pytest.approx(22.0)
    assert row["shortfall_share"] == pytest.approx(0.22)
    got = dict(zip(by["supplier"], by["replaced"], strict=True))
    assert got == pytest.approx({410: 20.0, 842: 10.0, 276: 8.0})


@pytest.mark.golden
def test_partial_ban_by_hand() -> None:
    # share 0.5: L = 30 <= 38, fully replaced.
    prod, _ = substitution(CELLS, POOL, share=0.5, r=0.2)
    assert prod["lost_imports"][0] == pytest.approx(30.0)
    assert prod["replaced"][0] == pytest.approx(30.0)
    assert prod["shortfall"][0] == pytest.approx(0.0)


@pytest.mark.golden
def test_targets_share_the_pool_in_proportion_to_losses() -> None:
    # Two targets lose 60 and 20 of one product; pool r P = 0.2 * 200 = 40 < 80, so each
    # gets half its loss replaced: 30 and 10.
    cells = pl.DataFrame(
        {
            "importer": [1, 2],
            "product": ["x", "x"],
            "baseline_imports": [60.0, 40.0],
            "banned_flow": [60.0, 20.0],
        }
    )
    pool = pl.DataFrame({"exporter": [3], "product": ["x"], "pool": [200.0]})
    prod, _ = substitution(cells, pool, share=1.0, r=0.2)
    assert prod["replaced"].to_list() == pytest.approx([30.0, 10.0])
    assert prod["shortfall"].to_list() == pytest.approx([30.0, 10.0])


@pytest.mark.unit
def test_no_pool_means_no_replacement() -> None:
    prod, by = substitution(CELLS, POOL.head(0), share=1.0, r=0.5)
    assert prod["shortfall"][0] == pytest.approx(60.0)
    assert by.height == 0


cells_st = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.floats(0, 1e6, allow_nan=False),
        st.floats(0, 1e6, allow_nan=False),
    ),
    min_size=1,
    max_size=12,
)


def _arrays(data: list[tuple[int, float, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cp = np.array([d[0] for d in data], dtype=np.intp)
    lost = np.array([d[1] for d in data])
    pool = np.array([d[2] for d in data] + [0.0] * 4)[:4]
    return lost, cp, pool


@pytest.mark.property
@settings(max_examples=80, deadline=None)
@given(cells_st, st.floats(0, 1))
def test_shortfall_between_zero_and_lost(data: list[tuple[int, float, float]], r: float) -> None:
    lost, cp, pool = _arrays(data)
    rep = replaced(lost, cp, pool, r)
    short = lost - rep
    assert np.all(rep >= -1e-9)
    assert np.all(short >= -1e-6 * np.maximum(lost, 1))
    assert np.all(short <= lost + 1e-9)


@pytest.mark.property
@settings(max_examples=50, deadline=None)
@given(cells_st)
def test_zero_capacity_shortfall_equals_lost(data: list[tuple[int, float, float]]) -> None:
    lost, cp, pool = _arrays(data)
    assert np.array_equal(replaced(lost, cp, pool, 0.0), np.zeros_like(lost))
    prod, _ = substitution(
        pl.DataFrame(
            {
                "importer": list(range(len(lost))),
                "product": [str(c) for c in cp],
                "baseline_imports": lost,
                "banned_flow": lost,
            }
        ),
        pl.DataFrame({"exporter": [9] * 4, "product": ["0", "1", "2", "3"], "pool": pool}),
        share=1.0,
        r=0.0,
    )
    assert prod["shortfall"].to_list() == pytest.approx(prod["lost_imports"].to_list())


@pytest.mark.property
@settings(max_examples=50, deadline=None)
@given(cells_st, st.floats(0, 1))
def test_zero_share_changes_nothing(data: list[tuple[int, float, float]], r: float) -> None:
    lost, cp, pool = _arrays(data)
    prod, by = substitution(
        pl.DataFrame(
            {
                "importer": list(range(len(lost))),
                "product": [str(c) for c in cp],
                "baseline_imports": lost + 1.0,
                "banned_flow": lost,
            }
        ),
        pl.DataFrame({"exporter": [9] * 4, "product": ["0", "1", "2", "3"], "pool": pool}),
        share=0.0,
        r=r,
    )
    assert prod["lost_imports"].sum() == 0
    assert prod["replaced"].sum() == 0
    assert prod["shortfall"].sum() == 0
    assert by.height == 0


@pytest.mark.property
@settings(max_examples=50, deadline=None)
@given(cells_st, st.floats(0, 1), st.floats(0, 1))
def test_shortfall_falls_as_redirect_rises(
    data: list[tuple[int, float, float]], r1: float, r2: float
) -> None:
    lost, cp, pool = _arrays(data)
    lo, hi = sorted((r1, r2))
    s_lo = lost - replaced(lost, cp, pool, lo)
    s_hi = lost - replaced(lost, cp, pool, hi)
    assert np.all(s_hi <= s_lo + 1e-6 * np.maximum(lost, 1))


@pytest.mark.unit
def test_vector_of_draws_matches_scalar_calls() -> None:
    lost = np.array([60.0, 20.0, 5.0])
    cp = np.array([0, 0, 1], dtype=np.intp)
    pool = np.array([200.0, 10.0])
    rs = np.array([0.0, 0.1, 0.3, 1.0])
    many = replaced(lost, cp, pool, rs)
    assert many.shape == (4, 3)
    for n, r in enumerate(rs):
        assert many[n] == pytest.approx(replaced(lost, cp, pool, float(r)))


@pytest.mark.unit
def test_bad_share_and_redirect_rejected() -> None:
    with pytest.raises(ValueError, match="share"):
        substitution(CELLS, POOL, share=1.5, r=0.2)
    with pytest.raises(ValueError, match="r must be"):
        substitution(CELLS, POOL, share=1.0, r=-0.1)
