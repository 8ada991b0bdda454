"""A year's flow summary scanned from its Parquet files equals the engine's aggregates.

The scan (``econsec.query.summary_scan``) must give the very tables DuckDB's aggregates give
(values on a coarse grid, so every sum is exact), whatever the files' row groups and the
number of threads; and give up, leaving the summary to the engine, on anything it does not
reproduce: codes outside the release's tables, two codes of one country in one year, NaN
values, rows of another year.
"""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econsec import analysis
from econsec.engine import Warehouse
from econsec.query import summaries as store_mod
from econsec.query import summary_scan
from econsec.query.summary_scan import scan_summary

KEYS = {"markets": ["t", "j", "k"], "sellers": ["t", "i", "k"], "world": ["t", "k"]}
CODES = [156, 392, 410, 490, 516, 842, 276, 251, 528, 36, 76, 699]
PRODUCTS = ["850511", "280530", "381800", "854231", "260112"]


def random_year(seed: int, n: int = 500, year: int = 2024) -> pl.DataFrame:
    """Unique flows with values on a coarse grid (ties between suppliers are common)."""
    rng = np.random.default_rng(seed)
    df = pl.DataFrame(
        {
            "t": pl.Series([year] * n, dtype=pl.Int16),
            "i": pl.Series(rng.choice(CODES, n), dtype=pl.Int16),
            "j": pl.Series(rng.choice(CODES, n), dtype=pl.Int16),
            "k": rng.choice(PRODUCTS[:4], n),
            "v": rng.integers(1, 6, n).astype(float),
        }
    )
    return df.filter(pl.col("i") != pl.col("j")).unique(["t", "i", "j", "k"], keep="first")


def year_dir(home: Path, year: int = 2024) -> Path:
    return home / "baci" / "hs=HS17" / "release=V202601" / f"year={year}"


def rewrite(home: Path, df: pl.DataFrame, *, files: int, row_group: int, year: int = 2024):
    """Replace the year's data by ``files`` Parquet files of ``row_group``-row groups."""
    d = year_dir(home, year)
    for f in d.glob("*.parquet"):
        f.unlink()
    tbl = df.with_columns(q=pl.lit(None, dtype=pl.Float64)).to_arrow()
    tbl = tbl.cast(
        pa.schema(
            [
                ("t", pa.int16()),
                ("i", pa.int16()),
                ("j", pa.int16()),
                ("k", pa.string()),
                ("v", pa.float64()),
                ("q", pa.float64()),
            ]
        )
    )
    bounds = np.linspace(0, tbl.num_rows, files + 1).astype(int)
    for n, (a, b) in enumerate(itertools.pairwise(bounds)):
        pq.write_table(tbl.slice(a, b - a), d / f"part-{n}.parquet", row_group_size=row_group)


def summaries_of(home: Path, *, scan: bool, monkeypatch) -> dict[str, pl.DataFrame]:
    """Both tables of 2024's summary, by the scan or by the engine, sorted."""
    monkeypatch.setattr(store_mod, "SCAN_FILES", scan)
    wh = Warehouse(home)
    s = wh.summaries.get(wh.release_for(2024), 2024)
    return {p: getattr(s, p).to_polars().sort(KEYS[p]) for p in KEYS}


def used_scan(monkeypatch) -> list[bool]:
    """Record, for each summary computed, whether the scan gave it."""
    seen: list[bool] = []
    real = summary_scan.scan_summary

    def spy(*args, **kwargs):
        out = real(*args, **kwargs)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(summary_scan, "scan_summary", spy)
    return seen


@pytest.fixture(autouse=True)
def _memory_only(monkeypatch):
    monkeypatch.setenv("ECONSEC_SUMMARY_CACHE", "0")


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    seed=st.integers(0, 10**6),
    files=st.integers(1, 3),
    row_group=st.sampled_from([7, 50, 10**6]),
    workers=st.integers(1, 3),
)
def test_scan_equals_the_engine_whatever_the_files_and_threads(
    make_warehouse, monkeypatch, seed, files, row_group, workers
):
    df = random_year(seed)
    home = make_warehouse(df)
    rewrite(home, df, files=files, row_group=row_group)
    monkeypatch.setattr(store_mod, "SCAN_WORKERS", workers)
    seen = used_scan(monkeypatch)
    engine = summaries_of(home, scan=False, monkeypatch=monkeypatch)
    scanned = summaries_of(home, scan=True, monkeypatch=monkeypatch)
    assert seen == [True]
    for part in KEYS:
        assert scanned[part].equals(engine[part]), part


def test_metrics_equal_the_flow_path(make_warehouse, monkeypatch):
    home = make_warehouse(random_year(3))
    seen = used_scan(monkeypatch)
    got = analysis.autonomy(year=2024, rival="CHN", warehouse=Warehouse(home)).to_polars()
    ind = analysis.indispensability(year=2024, warehouse=Warehouse(home)).to_polars()
    assert seen == [True, True]
    monkeypatch.setattr(store_mod.SummaryStore, "for_flows", lambda *a, **k: None)
    assert got.equals(
        analysis.autonomy(year=2024, rival="CHN", warehouse=Warehouse(home)).to_polars()
    )
    assert ind.equals(analysis.indispensability(year=2024, warehouse=Warehouse(home)).to_polars())


ALIASED = pl.DataFrame(
    {
        "code": [156, 392, 276, 280],
        "name": ["China", "Japan", "Germany", "Fed. Rep. of Germany (...1990)"],
        "iso2": ["CN", "JP", "DE", "DE"],
        "iso3": ["CHN", "JPN", "DEU", "DEU"],
    }
)


def aliased_year(germanies: list[int]) -> pl.DataFrame:
    rows = [(156, 392, "850511", 4.0), (392, 156, "850511", 2.0)]
    rows += [(g, 392, "850511", 4.0 + n) for n, g in enumerate(germanies)]
    rows += [(156, g, "850511", 3.0) for g in germanies]
    return pl.DataFrame(
        [(2024, i, j, k, v) for i, j, k, v in rows],
        schema={"t": pl.Int16, "i": pl.Int16, "j": pl.Int16, "k": pl.Utf8, "v": pl.Float64},
        orient="row",
    )


@pytest.mark.parametrize("germanies", [[280], [276, 280]])
def test_aliases_are_merged_and_a_clash_is_left_to_the_engine(
    make_warehouse, monkeypatch, germanies
):
    """One code of Germany's two: merged to the canonical code. Both: the engine sums them."""
    home = make_warehouse(aliased_year(germanies), countries=ALIASED)
    seen = used_scan(monkeypatch)
    engine = summaries_of(home, scan=False, monkeypatch=monkeypatch)
    scanned = summaries_of(home, scan=True, monkeypatch=monkeypatch)
    assert seen == [len(germanies) == 1]
    for part in KEYS:
        assert scanned[part].equals(engine[part]), part
    assert 276 in engine["markets"]["j"].to_list() and 280 not in engine["markets"]["j"].to_list()


def files_with(home: Path, df: pl.DataFrame) -> list[Path]:
    rewrite(home, df, files=1, row_group=10**6)
    return sorted(year_dir(home).glob("*.parquet"))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda df: df.with_columns(k=pl.lit("999999")), id="product-not-in-table"),
        pytest.param(lambda df: df.with_columns(i=pl.lit(999, pl.Int16)), id="code-not-in-table"),
        pytest.param(lambda df: df.with_columns(t=pl.lit(2023, pl.Int16)), id="another-year"),
        pytest.param(lambda df: df.with_columns(v=pl.lit(float("nan"))), id="nan-value"),
    ],
)
def test_what_the_scan_cannot_reproduce_is_left_to_the_engine(make_warehouse, change):
    df = random_year(5)
    home = make_warehouse(df)
    wh = Warehouse(home)
    rel = wh.release_for(2024)
    products = wh.products(rel.hs, rel.release)["code"].to_list()
    ct = wh.countries(rel.hs, rel.release)
    assert scan_summary(files_with(home, df), 2024, ct, products) is not None
    bad = pl.concat([df.head(len(df) - 1), change(df.tail(1))])
    assert scan_summary(files_with(home, bad), 2024, ct, products) is None


def test_store_falls_back_to_the_engine_and_answers_the_same(make_warehouse, monkeypatch):
    df = random_year(11)
    home = make_warehouse(df)
    rewrite(home, df, files=2, row_group=10)
    expect = analysis.autonomy(year=2024, warehouse=Warehouse(home)).to_polars()
    seen = used_scan(monkeypatch)
    monkeypatch.setattr(summary_scan, "_values", _refuse)  # as on a value it cannot take
    got = analysis.autonomy(year=2024, warehouse=Warehouse(home)).to_polars()
    assert seen == [False]
    assert got.equals(expect)


def _refuse(a):
    raise summary_scan._Unsupported("refused by the test")


def test_files_written_from_the_scan_read_back_as_the_engine_computes(make_warehouse, monkeypatch):
    """The next process reads what the scan wrote: the same tables, column types included."""
    home = make_warehouse(random_year(13))
    engine = summaries_of(home, scan=False, monkeypatch=monkeypatch)
    monkeypatch.setenv("ECONSEC_SUMMARY_CACHE", "1")
    monkeypatch.setattr(store_mod, "SCAN_FILES", True)
    seen = used_scan(monkeypatch)
    wh = Warehouse(home)
    wh.summaries.get(wh.release_for(2024), 2024)
    wh.summaries.flush()
    assert seen == [True]
    again = Warehouse(home)
    s = again.summaries.get(again.release_for(2024), 2024, build=False)
    assert s is not None and seen == [True]  # read from the files, not scanned again
    for part in KEYS:
        assert getattr(s, part).to_polars().sort(KEYS[part]).equals(engine[part]), part


def test_polars_engine_summary_equals_duckdbs(make_warehouse, monkeypatch):
    """Polars has no window functions: its sellers are ranked after collecting, the same."""
    import ibis

    home = make_warehouse(random_year(17))
    engine = summaries_of(home, scan=False, monkeypatch=monkeypatch)
    wh = Warehouse(home, con=ibis.polars.connect())
    s = wh.summaries.get(wh.release_for(2024), 2024)
    for part in KEYS:
        got = getattr(s, part).to_polars().sort(KEYS[part])
        assert got.equals(engine[part]), part


def test_row_groups_are_decoded_ahead_in_order_and_few_at_a_time():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    running, most = 0, 0
    lock = threading.Lock()

    def slow(x: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.002 * (x % 3))
        with lock:
            running -= 1
        return x * x

    with ThreadPoolExecutor(4) as pool:
        assert list(summary_scan._ahead(pool, slow, list(range(40)), 2)) == [
            x * x for x in range(40)
        ]
    assert most <= 2


def test_an_error_while_decoding_ahead_cancels_the_rest():
    from concurrent.futures import ThreadPoolExecutor

    started: list[int] = []

    def fail_at_three(x: int) -> int:
        started.append(x)
        if x == 3:
            raise ValueError("bad row group")
        return x

    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="bad row group"):
        list(summary_scan._ahead(pool, fail_at_three, list(range(100)), 3))
    assert max(started) < 10


def test_many_row_groups_of_one_file_read_by_several_threads(make_warehouse):
    # Readers of one Parquet file are not shared between threads (a shared one can hang).
    df = pl.concat([random_year(s) for s in range(40)]).unique(["t", "i", "j", "k"])
    home = make_warehouse(df)
    rewrite(home, df, files=1, row_group=3)
    wh = Warehouse(home)
    rel = wh.release_for(2024)
    products = wh.products(rel.hs, rel.release)["code"].to_list()
    ct = wh.countries(rel.hs, rel.release)
    files = sorted(year_dir(home).glob("*.parquet"))
    result: list[object] = []

    def scans() -> None:
        result.extend(scan_summary(files, 2024, ct, products, workers=4) for _ in range(5))

    worker = threading.Thread(target=scans, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the scan hung"
    assert len(result) == 5 and all(r is not None for r in result)
    first = result[0]
    for other in result[1:]:  # the same sums, to the last bit, every time
        for part in ("markets", "sellers"):
            for c, x in getattr(first, part).items():
                assert np.array_equal(x, getattr(other, part)[c]), (part, c)


@pytest.mark.parametrize("ahead", [1, 10, 10**6])
def test_large_row_groups_are_decoded_fewer_at_a_time_with_the_same_sums(
    make_warehouse, monkeypatch, ahead
):
    # AHEAD_FLOWS below a row group's size: one row group in flight, one reader.
    df = pl.concat([random_year(s) for s in range(4)]).unique(["t", "i", "j", "k"])
    home = make_warehouse(df)
    rewrite(home, df, files=2, row_group=40)
    wh = Warehouse(home)
    rel = wh.release_for(2024)
    args = (
        sorted(year_dir(home).glob("*.parquet")),
        2024,
        wh.countries(rel.hs, rel.release),
        wh.products(rel.hs, rel.release)["code"].to_list(),
    )
    expect = scan_summary(*args, workers=3)
    monkeypatch.setattr(summary_scan, "AHEAD_FLOWS", ahead)
    got = scan_summary(*args, workers=3)
    assert expect is not None and got is not None
    for part in ("markets", "sellers"):
        for c, x in getattr(expect, part).items():
            assert np.array_equal(x, getattr(got, part)[c]), (part, c)


def test_closing_the_reads_ahead_cancels_those_not_started():
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import closing

    started: list[int] = []
    gate = threading.Event()

    def record(x: int) -> int:
        started.append(x)
        if x:  # later reads wait until the caller has stopped
            gate.wait(10)
        return x

    with ThreadPoolExecutor(1) as pool:
        with closing(summary_scan._ahead(pool, record, list(range(100)), 4)) as reads:
            assert next(reads) == 0  # the caller stops here, as on an error while summing
        gate.set()  # after the close, before the pool runs what is left
    # The first read, and at most the one already running; without the close, five.
    assert started in ([0], [0, 1])
