"""Criticality weights: the share of catalogues listing each product."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsec import baskets as bk


@pytest.mark.golden
def test_catalogue_weight_hand_computed() -> None:
    w = bk.catalogue_weight([{"a", "b"}, {"b"}, {"b", "c"}])
    assert w == {"a": pytest.approx(1 / 3), "b": 1.0, "c": pytest.approx(1 / 3)}


catalogues = st.lists(
    st.sets(st.sampled_from(list("abcdefgh")), max_size=6), min_size=1, max_size=6
)


@pytest.mark.property
@given(catalogues)
def test_catalogue_weight_invariants(cats) -> None:
    w = bk.catalogue_weight(cats)
    assert set(w) == set().union(*cats)
    assert all(0 < v <= 1 for v in w.values())
    # Sum of weights = mean catalogue size; weight 1 exactly for codes in every catalogue.
    assert sum(w.values()) == pytest.approx(sum(len(c) for c in cats) / len(cats))
    assert {k for k, v in w.items() if v == 1} == set.intersection(*map(set, cats))
    assert bk.catalogue_weight(list(reversed(cats))) == pytest.approx(w)


@pytest.mark.unit
def test_criticality_weights_frame() -> None:
    df = bk.criticality_weights()
    assert df.columns == ["product", "weight", "baskets"]
    assert df["product"].is_unique().all()
    top = df.filter(df["product"] == "811292").row(0, named=True)
    assert top["weight"] == 1.0 and len(top["baskets"]) == 5
    one = bk.criticality_weights(baskets=["usgs-2022"])
    assert set(one["weight"]) == {1.0}
    assert sorted(one["product"]) == bk.basket_codes("usgs-2022")
    assert "811231" in bk.criticality_weights("HS22")["product"].to_list()
