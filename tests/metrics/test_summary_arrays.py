"""Flow summaries accumulated over chunks of dense-coded flows (``SummaryArrays``).

Checked against a plain-Python reference on random flows with many ties (values on a coarse
grid), whatever the chunking and however chunks are split between merged accumulators; and
by hand on a small example.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econsec.metrics.summary_arrays import MAX_SLOTS, SummaryArrays, ranks_desc

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def dense_flows(draw):
    """Unique (e, m, k) flows with values on a coarse grid; countries and products counts."""
    c = draw(st.integers(1, 5))
    k = draw(st.integers(1, 4))
    cells = [(e, m, p) for e in range(c) for m in range(c) for p in range(k)]
    chosen = draw(st.lists(st.sampled_from(cells), unique=True, max_size=len(cells)))
    values = draw(
        st.lists(
            st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0]), min_size=len(chosen), max_size=len(chosen)
        )
    )
    return c, k, chosen, values


def reference(chosen, values):
    """Markets and sellers by definition, in plain Python."""
    markets: dict[tuple[int, int], list[tuple[float, int]]] = {}
    sellers: dict[tuple[int, int], float] = {}
    for (e, m, k), x in zip(chosen, values, strict=True):
        markets.setdefault((m, k), []).append((x, e))
        sellers[(e, k)] = sellers.get((e, k), 0.0) + x
    out = {}
    for key, fl in sorted(markets.items()):
        vmax = max(x for x, _ in fl)
        out[key] = (
            sum(x for x, _ in fl),
            len(fl),
            sum(x * x for x, _ in fl),
            vmax,
            min(e for x, e in fl if x == vmax),
        )
    return out, dict(sorted(sellers.items()))


def accumulate(c, k, chosen, values, cuts, split):
    """Add the flows in chunks (``cuts``), chunk n to accumulator ``split[n]``; merge."""
    arr = np.array(chosen, dtype=np.int64).reshape(-1, 3)
    x = np.array(values, dtype=float)
    accs = [SummaryArrays(c, k) for _ in range(2)]
    bounds = [0, *sorted(cuts), len(x)]
    for n, (a, b) in enumerate(itertools.pairwise(bounds)):
        accs[split[n % len(split)]].add(arr[a:b, 0], arr[a:b, 1], arr[a:b, 2], x[a:b])
    accs[0].merge(accs[1])
    return accs[0]


@SETTINGS
@given(dense_flows(), st.data())
def test_equals_the_definition_whatever_the_chunks(case, data):
    c, k, chosen, values = case
    n = len(values)
    cuts = data.draw(st.lists(st.integers(0, n), max_size=4))
    split = data.draw(st.lists(st.integers(0, 1), min_size=1, max_size=4))
    # Shuffled rows: the tie rule must not depend on the order flows come in.
    order = data.draw(st.permutations(range(n)))
    chosen = [chosen[i] for i in order]
    values = [values[i] for i in order]
    acc = accumulate(c, k, chosen, values, cuts, split)
    markets, sellers = reference(chosen, values)
    mk = acc.markets()
    got = {
        (int(m), int(p)): (t, int(nn), s, v, int(top))
        for m, p, t, nn, s, v, top in zip(
            mk["m"],
            mk["k"],
            mk["total"],
            mk["n"],
            mk["sum_sq"],
            mk["vmax"],
            mk["top"],
            strict=True,
        )
    }
    assert got == markets  # grid values: every sum is exact
    # Each market carries its importer's own sales of the product (0 when none).
    own = dict(
        zip(zip(mk["m"].tolist(), mk["k"].tolist(), strict=True), mk["own_exports"], strict=True)
    )
    assert own == {key: sellers.get(key, 0.0) for key in markets}
    sl = acc.sellers()
    assert {
        (int(e), int(p)): s for e, p, s in zip(sl["e"], sl["k"], sl["S"], strict=True)
    } == sellers
    for e, p, r in zip(sl["e"], sl["k"], sl["world_rank"], strict=True):
        larger = [x for (_, p2), x in sellers.items() if p2 == p and x > sellers[(e, p)]]
        assert r == 1 + len(larger)
    # Each product with a seller: its totals over its exporters.
    world = acc.world()
    assert world["k"].tolist() == sorted({p for _, p in sellers})
    for row, p in enumerate(world["k"].tolist()):
        sales = [x for (_, p2), x in sellers.items() if p2 == p]
        got_totals = tuple(world[c][row] for c in ("W", "n_exporters", "sum_sq", "Smax"))
        assert got_totals == (sum(sales), len(sales), sum(x * x for x in sales), max(sales))
    # Invariants: every flow counted once on each side; the top supplier holds the largest.
    assert mk["n"].sum() == n
    assert mk["total"].sum() == pytest.approx(sum(values)) == sl["S"].sum()
    assert list(zip(mk["m"], mk["k"], strict=True)) == sorted(markets)


def test_small_example_by_hand():
    """Two importers, one product; a tie between suppliers 0 and 2 goes to 0."""
    acc = SummaryArrays(3, 1)
    e = np.array([2, 1, 0, 0])
    m = np.array([1, 1, 1, 2])
    x = np.array([5.0, 1.0, 5.0, 4.0])
    acc.add(e[:2], m[:2], np.zeros(2, np.int64), x[:2])  # supplier 2 leads market 1 ...
    acc.add(e[2:], m[2:], np.zeros(2, np.int64), x[2:])  # ... until 0 ties it
    mk = acc.markets()
    assert mk["m"].tolist() == [1, 2]
    assert mk["total"].tolist() == [11.0, 4.0]
    assert mk["n"].tolist() == [3, 1]
    assert mk["sum_sq"].tolist() == [51.0, 16.0]
    assert mk["vmax"].tolist() == [5.0, 4.0]
    assert mk["top"].tolist() == [0, 0]
    sl = acc.sellers()
    assert sl["e"].tolist() == [0, 1, 2]
    assert sl["S"].tolist() == [9.0, 1.0, 5.0]


def test_a_larger_flow_in_a_later_chunk_replaces_the_supplier():
    acc = SummaryArrays(3, 1)
    z = np.zeros(1, np.int64)
    acc.add(np.array([0]), np.array([1]), z, np.array([2.0]))
    acc.add(np.array([2]), np.array([1]), z, np.array([3.0]))
    assert acc.markets()["top"].tolist() == [2]


def test_merge_needs_the_same_grid_and_size_is_capped():
    with pytest.raises(ValueError, match="different"):
        SummaryArrays(2, 2).merge(SummaryArrays(3, 2))
    with pytest.raises(ValueError, match="MAX_SLOTS"):
        SummaryArrays(MAX_SLOTS, 2)


@pytest.mark.parametrize("first", [0, 1])
def test_a_tie_across_merged_accumulators_goes_to_the_lower_index(first):
    accs = [SummaryArrays(3, 1), SummaryArrays(3, 1)]
    z = np.zeros(1, np.int64)
    accs[first].add(np.array([2]), np.array([0]), z, np.array([4.0]))
    accs[1 - first].add(np.array([1]), np.array([0]), z, np.array([4.0]))
    accs[0].merge(accs[1])
    assert accs[0].markets()["top"].tolist() == [1]
    assert accs[0].markets()["n"].tolist() == [2]


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.sampled_from([0.0, 1.0, 1.5, 2.0, 7.0, -np.inf]), min_size=cols, max_size=cols
            ),
            min_size=1,
        )
    )
)
def test_ranks_desc_is_one_plus_the_larger_values_of_the_row(rows):
    expect = [[1 + sum(1 for w in row if w > v) for v in row] for row in rows]
    got = ranks_desc(np.array(rows))
    assert got.dtype == np.int32
    assert got.tolist() == expect


def test_ranks_desc_by_hand():
    # Product 0: 5 > 3 = 3 > 1 → 1, 2, 2, 4; product 1: 9, then the absent (-inf) ones.
    grid = np.array([[3.0, 5.0, 1.0, 3.0], [9.0, -np.inf, -np.inf, -np.inf]])
    assert ranks_desc(grid).tolist() == [[2, 1, 4, 2], [1, 2, 2, 2]]


def test_sellers_rank_among_the_products_exporters_only():
    # Exporter 2 has no flow of product 1; exporters 0 and 1 tie on product 0.
    acc = SummaryArrays(3, 2)
    acc.add(
        np.array([0, 1, 2, 0, 1]),
        np.array([1, 0, 0, 2, 2]),
        np.array([0, 0, 0, 1, 1]),
        np.array([4.0, 4.0, 1.0, 0.0, 2.0]),
    )
    s = acc.sellers()
    got = {
        (int(e), int(k)): int(r) for e, k, r in zip(s["e"], s["k"], s["world_rank"], strict=True)
    }
    assert got == {(0, 0): 1, (1, 0): 1, (2, 0): 3, (0, 1): 2, (1, 1): 1}
    # Product 0 sells 4 + 4 + 1 from three exporters, product 1 sells 0 + 2 from two.
    assert {c: v.tolist() for c, v in acc.world().items()} == {
        "k": [0, 1],
        "W": [9.0, 2.0],
        "n_exporters": [3, 2],
        "sum_sq": [33.0, 4.0],
        "Smax": [4.0, 2.0],
    }


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.lists(st.integers(0, 100), max_size=5))
def test_world_totals_are_the_same_to_the_bit_however_the_flows_are_chunked(seed, cuts):
    """Totals are summed in one fixed order, not in the order chunks or threads finish."""
    rng = np.random.default_rng(seed)
    n = 100
    e, m, k = np.unravel_index(rng.choice(6 * 6 * 3, n, replace=False), (6, 6, 3))
    x = rng.lognormal(3.0, 2.0, n)  # values whose sums are not exact
    whole = SummaryArrays(6, 3)
    whole.add(e, m, k, x)
    chunked = SummaryArrays(6, 3)
    for a, b in itertools.pairwise([0, *sorted(cuts), n]):
        chunked.add(e[a:b], m[a:b], k[a:b], x[a:b])
    assert whole.sellers()["S"].tobytes() == chunked.sellers()["S"].tobytes()
    one, two = whole.world(), chunked.world()
    for c in ("k", "W", "sum_sq", "Smax", "n_exporters"):
        assert one[c].tobytes() == two[c].tobytes(), c
