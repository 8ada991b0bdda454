"""The typed read of plain files accepts exactly the rows the exact scanner accepts.

A plain file holds only digits, commas, decimal points and line ends after its header; the
fast path reads it with typed columns and checks lengths and dots instead of patterns. Every
spelling below is plain, so the property exercises that reduction field by field.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ingest_helpers import COUNTRY_CSV, exact_scan, release_zip

from econsec.warehouse import fastpath
from econsec.warehouse.csvscan import Rules
from econsec.warehouse.fastpath import FastRules, TextShape, copy_clean, shape_of

COUNTRIES = [4, 156, 392, 490, 516, 842]
PRODUCTS = ["850511", "811292", "020110"]

_t = st.sampled_from(["2024", "2024", "02024", "2024.", "2023", "", "20240", "2024.0"])
_code = st.sampled_from(["156", "392", "0156", "00156", "156.", "1.5", "", "4", "0004", "99999"])
_k = st.sampled_from(["850511", "20110", "0850511", "8505.1", "", "2011", "811292", "020110"])
_num = st.one_of(
    st.text(alphabet="05.", max_size=5),
    st.sampled_from(["9" * 400, "1000000000", "1000000000.5", "10000000000", "0." + "0" * 300]),
)
_row = st.tuples(_t, _code, _code, _k, _num, _num)
# Valid plain spellings, some unusual (leading zeros, a bare trailing or leading dot).
_good = st.tuples(
    st.just("2024"),
    st.sampled_from(["156", "0156", "4", "392", "0842", "490"]),
    st.sampled_from(["392", "156", "516", "0004"]),
    st.sampled_from(["850511", "20110", "020110", "811292"]),
    st.sampled_from(["1.5", "100", "0", ".5", "5.", "0.001", "1000000000"]),
    st.sampled_from(["", "13.2", "5.", "10000000000", "0"]),
)


@pytest.mark.unit
def test_text_shape_tells_plain_data_lines_across_blocks():
    plain = TextShape()
    for block in (b'"t","i",', b'"j"\n2024,4,8,0705', b"21,7.6,\n2024,4,8,070522,.5,5.\n"):
        plain.add(block)
    assert plain.plain and plain.lines == 3
    for bad in (b" 7.6", b"1e3", b"-1", b"NA", b'"1"', b"\r"):
        shape = TextShape()
        shape.add(b"t,i,j,k,v,q\n2024,4,8,070521,")
        shape.add(bad + b",\n")
        assert not shape.plain, bad


@pytest.mark.property
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(_good, min_size=1, max_size=6),
    st.lists(st.tuples(_row, st.integers(0, 6)), max_size=1),
    st.booleans(),
    st.sampled_from(['"t","i","j","k","v","q"', "t,i,j,k,v,q"]),
)
def test_plain_files_keep_exactly_the_rows_the_exact_scanner_keeps(
    tmp_path_factory, monkeypatch, good, hostile, with_products, header
):
    rows = list(good)
    for row, at in hostile:
        rows.insert(min(at, len(rows)), row)
    tmp = tmp_path_factory.mktemp("p")
    src = tmp / "y.csv"
    src.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n")
    assert shape_of(src).plain
    rules = Rules(
        2024, pa.array(COUNTRIES, pa.int16()), pa.array(PRODUCTS) if with_products else None
    )
    exact, n_rej = exact_scan(src, rules)
    slow_calls: list[Path] = []
    duckdb_copy = fastpath._duckdb_copy

    def spy(path: Path, *args: object) -> object:
        slow_calls.append(path)
        return duckdb_copy(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(fastpath, "_duckdb_copy", spy)
    fast = copy_clean(
        src,
        tmp / "out",
        "y",
        FastRules(2024, frozenset(COUNTRIES), frozenset(PRODUCTS) if with_products else None),
    )
    event("kept" if fast is not None else "exact scanner needed")
    assert (fast is not None) == (n_rej == 0 and exact.num_rows > 0)
    if fast is not None:
        assert not slow_calls  # a clean plain file never needs the pattern checks
        got = pq.read_table(tmp / "out" / "year=2024" / "y.parquet")
        assert got.schema.equals(exact.schema)
        key = [("i", "ascending"), ("j", "ascending"), ("k", "ascending")]
        assert got.sort_by(key).to_pylist() == exact.sort_by(key).to_pylist()
        assert fast["rows"] == exact.num_rows


@pytest.mark.unit
def test_unsorted_plain_file_with_a_duplicate_flow_is_left_to_the_exact_scanner(tmp_path):
    src = tmp_path / "y.csv"
    rows = ["2024,156,392,850511,1,", "2024,4,392,850511,2,", "2024,156,392,850511,3,"]
    src.write_text("t,i,j,k,v,q\n" + "\n".join(rows) + "\n")
    rules = FastRules(2024, frozenset(COUNTRIES), None)
    assert fastpath._plain_copy(src, tmp_path / "t.parquet", 2024) is None
    assert copy_clean(src, tmp_path / "out", "y", rules) is None
    src.write_text("t,i,j,k,v,q\n" + "\n".join(rows[:2]) + "\n")  # unsorted, distinct: kept
    assert copy_clean(src, tmp_path / "out", "y", rules) == {
        "rows": 2,
        "products": 1,
        "countries": [4, 156, 392],
    }


@pytest.mark.slow
def test_ingesting_a_plain_release_does_not_import_pandas(tmp_path):
    """Building Arrow arrays from Python objects imports pandas: a second per ingest."""
    text = "t,i,j,k,v,q\n2024,156,392,850511,100.5,2\n2024,156,842,811292,3,\n"
    z = release_zip(tmp_path / "in", {2024: text}, countries=COUNTRY_CSV)
    code = (
        "import sys\nfrom econsec.warehouse.ingest import ingest_baci\n"
        f"r = ingest_baci({str(z)!r}, home={str(tmp_path / 'home')!r})\n"
        "assert r.rows == 2 and r.rejects == 0, r.summary()\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
