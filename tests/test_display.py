"""Country codes shown as ISO3: every code labelled as the mapping says, ``C<code>`` otherwise."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec.query.flows import _labelled

MAPPING = {4: "AFG", 8: "ALB", 392: "JPN", -1: "EU27", -2: "B"}


def by_definition(code: int | None) -> str | None:
    if code is None:
        return None
    return MAPPING.get(code, f"C{code}")


@settings(max_examples=200, deadline=None)
@given(
    codes=st.lists(
        st.one_of(st.none(), st.sampled_from(sorted(MAPPING)), st.integers(-(2**31), 2**31 - 1))
    ),
    dtype=st.sampled_from([pl.Int32, pl.Int64]),
)
def test_each_code_shown_as_its_label(codes, dtype):
    got = _labelled(pl.Series("importer", codes, dtype=dtype), MAPPING)
    assert got.name == "importer" and got.dtype == pl.Utf8
    assert got.to_list() == [by_definition(c) for c in codes]


def test_small_codes_by_hand():
    s = pl.Series("exporter", [392, None, 5, -1, 4], dtype=pl.Int16)
    assert _labelled(s, MAPPING).to_list() == ["JPN", None, "C5", "EU27", "AFG"]
