"""The DuckDB fast path and the exact scanner accept exactly the same rows, with equal values.

The fast path keeps a file only when every line is a valid row; so the property is: it keeps
the file if and only if the exact scanner rejects nothing, and then both write the same table.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ingest_helpers import exact_scan

from econsec.warehouse.csvscan import Rules
from econsec.warehouse.fastpath import FastRules, copy_clean

COUNTRIES = [4, 156, 392, 490, 516, 842]
PRODUCTS = ["850511", "811292", "020110"]

# Each field: mostly valid spellings, plus the hostile ones a fuzzing campaign found.
_t = st.sampled_from(
    ["2024", "2024", "2024", " 2024", "2024.0", "+2024", "2019", "1850", "99999", "", "2024 "]
)
_code = st.sampled_from(
    ["156", "392", "842", "0156", " 392", "+156", "-0", "1_56", "999", "156.0", "", "4"]
)
_k = st.sampled_from(
    ["850511", "811292", "020110", "20110", "999999", "85X511", "+20110", "1234567", " 850511"]
)
_num = st.sampled_from(
    [
        "1.5",
        "100",
        "0",
        "-0",
        ".5",
        "5.",
        "1e3",
        "1E+02",
        "1e400",
        "9" * 400,
        "1_000",
        "+1",
        "nan",
        "inf",
        "-1",
        " 2.5",
        "2.5\t",
        "\t1",
        "1e-400",
        "2e9",
        "0x10",
        "1e1000",
    ]
)
_q = st.one_of(_num, st.sampled_from(["", "NA", "null", '"  13.2"', '""', '"1\n2"']))
_row = st.tuples(_t, _code, _code, _k, _num, _q)
# Valid rows in odd but accepted spellings: the fast path must keep them, with equal values.
_good = st.tuples(
    st.sampled_from(["2024", " 2024", "2024  "]),
    st.sampled_from(["156", "0156", " 392", "842", "4", "490"]),
    st.sampled_from(["392", "156", "516 ", "0842"]),
    st.sampled_from(["850511", "811292", "020110", "20110", " 850511"]),
    st.sampled_from(["1.5", "100", "0", ".5", "5.", "1e3", "1E+02", "1e-400", " 2.5", "1e9"]),
    st.sampled_from(["", "NA", "null", "13.2", '"  13.2"', '""', "1e10", "0.001"]),
)
_raw = st.sampled_from(
    ["", "2024,156,392", "2024,156,392,850511,1,1,1", '2024,156,392,850511,"1"5,1', "\xff"]
)


def _text(rows: list[object], eol: str = "\n") -> bytes:
    out = ["t,i,j,k,v,q"]
    for r in rows:
        out.append(",".join(r) if isinstance(r, tuple) else str(r))
    return (eol.join(out) + eol).encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff")


@pytest.mark.property
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(_good, min_size=1, max_size=10),
    st.lists(st.tuples(st.one_of(_row, _raw), st.integers(0, 10)), max_size=2),
    st.booleans(),
    st.sampled_from(["\n", "\r\n"]),
)
def test_fast_path_keeps_a_file_iff_the_exact_scanner_rejects_nothing(
    tmp_path_factory, good, hostile, with_products, eol
):
    rows: list[object] = list(good)
    for row, at in hostile:
        rows.insert(min(at, len(rows)), row)
    tmp = tmp_path_factory.mktemp("d")
    src = tmp / "y.csv"
    src.write_bytes(_text(rows, eol))
    rules = Rules(
        2024, pa.array(COUNTRIES, pa.int16()), pa.array(PRODUCTS) if with_products else None
    )
    exact, n_rej = exact_scan(src, rules)
    fast = copy_clean(
        src,
        tmp / "out",
        "y",
        FastRules(2024, frozenset(COUNTRIES), frozenset(PRODUCTS) if with_products else None),
    )
    event("fast path kept the file" if fast is not None else "exact scanner needed")
    assert (fast is not None) == (n_rej == 0 and exact.num_rows > 0)
    if fast is not None:
        got = pq.read_table(tmp / "out" / "year=2024" / "y.parquet")
        key = [("i", "ascending"), ("j", "ascending"), ("k", "ascending")]
        assert got.sort_by(key).to_pylist() == exact.sort_by(key).to_pylist()
        assert fast["rows"] == exact.num_rows
