"""Flow summaries: metrics computed from them equal metrics computed from the flows.

Covers the pure functions (a materialised summary against none, on random flows with ties
and exact halves), and the store: one computation per year shared by later queries and
processes, invalidated when the year is ingested again, kept in memory only when asked or
when the warehouse cannot be written to.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import ibis
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from metrics_helpers import CHN, GOLDEN, JPN, MAGNETS, USA, flows, frame, run, table
from polars.testing import assert_frame_equal

from econsec import analysis
from econsec.engine import Warehouse
from econsec.metrics import autonomy as aut
from econsec.metrics import indispensability as ind
from econsec.metrics import screens
from econsec.metrics.summary import FlowSummary, summarize
from econsec.query import summaries as store_mod
from econsec.query import summary_files as files_mod
from econsec.query.summary_files import cache_root

YEARS = (2023, 2024)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def materialised(df: pl.DataFrame) -> FlowSummary:
    """The summary as tables of their own, as the store serves it."""
    s = summarize(table(df), pair_max=True)  # as the store computes it on DuckDB
    parts = (s.markets, s.sellers, s.world)
    return FlowSummary(*(ibis.memtable(run(t).to_arrow()) for t in parts))


@SETTINGS
@given(flows(YEARS), st.sampled_from([None, [JPN], [JPN, CHN]]), st.sampled_from([None, [CHN]]))
def test_autonomy_from_summary_equals_from_flows(df, importers, rival):
    f = table(df)
    s = materialised(df)
    for products in (None, [MAGNETS]):
        kw = {"importers": importers, "products": products, "rival": rival}
        direct = run(aut.autonomy(f, **kw))
        assert run(aut.autonomy(f, summary=s, **kw)).equals(direct)


@SETTINGS
@given(flows(YEARS), st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), st.sampled_from([0.0, 0.2, 1.0]))
def test_indispensability_from_summary_equals_inline(df, theta, r):
    f = table(df)
    for products in (None, [MAGNETS]):
        kw = {"products": products, "threshold": theta, "redirect": r}
        inline = run(ind.indispensability(f, **kw))
        got = run(ind.indispensability(f, summary=materialised(df), **kw))
        # World totals add the same sales in another row order (the inline sellers come out
        # of the rank window): equal to the last bits, counts and ranks exactly.
        assert_frame_equal(got, inline, check_exact=False, rel_tol=1e-12, abs_tol=0.0)


def test_exact_half_ties_count_both_suppliers():
    # Two suppliers with exactly half of a market each: both are dependents' suppliers at 0.5.
    df = frame([(2024, CHN, JPN, MAGNETS, 3.0), (2024, USA, JPN, MAGNETS, 3.0)])
    out = run(ind.indispensability(table(df), threshold=0.5, summary=materialised(df)))
    assert out["n_dependents"].to_list() == [1, 1]
    assert out["dependent_value"].to_list() == [3.0, 3.0]


# --- the store -----------------------------------------------------------------------------


def _count_computations(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = store_mod.SummaryStore._compute

    def counting(self, key, rel, year, source):
        calls.append(year)
        return real(self, key, rel, year, source)

    monkeypatch.setattr(store_mod.SummaryStore, "_compute", counting)
    return calls


def test_one_computation_serves_both_metrics_and_later_processes(make_warehouse, monkeypatch):
    home = make_warehouse(GOLDEN)
    calls = _count_computations(monkeypatch)
    wh = Warehouse(home)
    a = analysis.autonomy(year=2024, warehouse=wh).to_polars()
    i = analysis.indispensability(year=2024, warehouse=wh).to_polars()
    assert calls == [2024]
    wh.summaries.flush()
    d = cache_root(home) / "hs=HS17" / "release=V202601" / "year=2024"
    assert sorted(p.name for p in d.iterdir()) == [
        "markets.parquet",
        "sellers.parquet",
        "source.json",
        "world.parquet",
    ]
    assert json.loads((d / "source.json").read_text())["version"] == files_mod.SUMMARY_VERSION
    # A new process (a new Warehouse) reads it from disk: nothing computed again.
    wh2 = Warehouse(home)
    assert analysis.autonomy(year=2024, warehouse=wh2).to_polars().equals(a)
    assert analysis.indispensability(year=2024, warehouse=wh2).to_polars().equals(i)
    assert calls == [2024]


def test_narrow_queries_do_not_build_but_use_a_held_summary(make_warehouse, monkeypatch):
    home = make_warehouse(GOLDEN)
    calls = _count_computations(monkeypatch)
    wh = Warehouse(home)
    one = analysis.autonomy("JPN", 2024, products=[MAGNETS], warehouse=wh).to_polars()
    assert calls == [] and not cache_root(home).exists()
    analysis.autonomy(year=2024, warehouse=wh)
    assert calls == [2024]
    wh.summaries.flush()
    assert analysis.autonomy("JPN", 2024, products=[MAGNETS], warehouse=wh).to_polars().equals(one)


def test_reingested_year_is_summarised_again(make_warehouse, monkeypatch):
    home = make_warehouse(GOLDEN)
    calls = _count_computations(monkeypatch)
    wh = Warehouse(home)
    before = analysis.autonomy(year=2024, warehouse=wh).to_polars()
    wh.summaries.flush()
    changed = GOLDEN.with_columns(v=pl.col("v") * 2)
    f = next((home / "baci").rglob("year=2024/*.parquet"))
    old = f.stat()
    make_warehouse(changed)
    os.utime(f, ns=(old.st_atime_ns, old.st_mtime_ns + 1_000_000))  # even in the same tick
    after = analysis.autonomy(year=2024, warehouse=Warehouse(home)).to_polars()
    assert calls == [2024, 2024]
    assert after["import_value"].to_list() == [2 * x for x in before["import_value"].to_list()]


def test_summary_cache_off_writes_nothing(make_warehouse, monkeypatch):
    home = make_warehouse(GOLDEN)
    monkeypatch.setenv("ECONSEC_SUMMARY_CACHE", "0")
    on = analysis.indispensability(year=2024, warehouse=Warehouse(home)).to_polars()
    assert not cache_root(home).exists()
    monkeypatch.delenv("ECONSEC_SUMMARY_CACHE")
    assert analysis.indispensability(year=2024, warehouse=Warehouse(home)).to_polars().equals(on)


def test_unwritable_cache_keeps_the_summary_in_memory(make_warehouse, monkeypatch, tmp_path):
    home = make_warehouse(GOLDEN)
    expect = analysis.autonomy(year=2024, warehouse=Warehouse(home)).to_polars()
    blocked = tmp_path / "a-file"
    blocked.write_text("")  # a folder cannot be made under a file, even by root
    monkeypatch.setattr(files_mod, "cache_root", lambda _home: blocked / "summaries")
    calls = _count_computations(monkeypatch)
    wh = Warehouse(home)
    assert analysis.autonomy(year=2024, warehouse=wh).to_polars().equals(expect)
    assert analysis.indispensability(year=2024, warehouse=wh).to_polars().height > 0
    assert calls == [2024]  # computed once, then served from memory


def test_cli_second_command_reads_the_first_ones_summary(make_warehouse):
    home = make_warehouse(GOLDEN)
    exe = [str(Path(sys.executable).with_name("econsec"))]
    env = {**os.environ, "ECONSEC_HOME": str(home)}
    outs = []
    for verb in ("autonomy", "indispensability"):
        p = subprocess.run(
            [*exe, verb, "--year", "2024", "-f", "csv"], capture_output=True, text=True, env=env
        )
        assert p.returncode == 0, p.stderr
        outs.append(p.stdout)
        assert (cache_root(home) / "hs=HS17" / "release=V202601" / "year=2024").is_dir()
    off = {**env, "ECONSEC_SUMMARY_CACHE": "0"}
    p = subprocess.run(
        [*exe, "indispensability", "--year", "2024", "-f", "csv"],
        capture_output=True,
        text=True,
        env=off,
    )
    assert p.stdout == outs[1]


@SETTINGS
@given(flows(YEARS))
def test_geodep_from_summary_equals_from_flows(df):
    f = table(df)
    for importers in (None, [JPN]):
        direct = run(screens.geodep_conditions(f, importers=importers))
        got = run(screens.geodep_conditions(f, importers=importers, summary=materialised(df)))
        assert got.equals(direct)


def test_api_answers_equal_with_and_without_summaries(make_warehouse, monkeypatch):
    y2023 = GOLDEN.with_columns(t=pl.lit(2023, dtype=pl.Int16), v=pl.col("v") * 1.5)
    home = make_warehouse(pl.concat([y2023, GOLDEN]))
    verbs = {
        "autonomy": lambda wh: analysis.autonomy(year=2024, rival="CHN", warehouse=wh),
        "indispensability": lambda wh: analysis.indispensability(year=2024, warehouse=wh),
        "geodep": lambda wh: analysis.screen_geodep(year=2024, warehouse=wh),
        "trend": lambda wh: analysis.autonomy_trend(warehouse=wh),
    }
    with_summaries = {}
    for k, v in verbs.items():
        wh = Warehouse(home)
        with_summaries[k] = v(wh).to_polars()
        wh.summaries.flush()
    assert (cache_root(home) / "hs=HS17" / "release=V202601" / "year=2023").is_dir()
    monkeypatch.setattr(store_mod.SummaryStore, "for_flows", lambda *a, **k: None)
    for k, v in verbs.items():
        assert v(Warehouse(home)).to_polars().equals(with_summaries[k]), k


@pytest.mark.parametrize("cache", ["1", "0"])
def test_few_years_held_as_arrow(make_warehouse, monkeypatch, cache):
    """Older summaries move to their files (or are dropped when not written): memory stays flat."""
    monkeypatch.setenv("ECONSEC_SUMMARY_CACHE", cache)
    monkeypatch.setattr(store_mod, "MEMORY_YEARS", 1)
    years = [2022, 2023, 2024]
    frames = [GOLDEN.with_columns(t=pl.lit(y, dtype=pl.Int16), v=pl.col("v") + y) for y in years]
    home = make_warehouse(pl.concat(frames))
    calls = _count_computations(monkeypatch)
    wh = Warehouse(home)
    first = {y: analysis.autonomy(year=y, warehouse=wh).to_polars() for y in years}
    assert len(wh.summaries._in_memory) == 1
    held = len(wh.summaries._memory)
    assert held == (3 if cache == "1" else 1)
    again = {y: analysis.autonomy(year=y, warehouse=wh).to_polars() for y in years}
    assert all(again[y].equals(first[y]) for y in years)
    assert calls == (years if cache == "1" else years + years)
    # The connection itself lets go of the summaries no longer held (ibis would keep every
    # in-memory table registered until exit): at most one year's three tables remain.
    raw = wh.con.con
    names = [r[0] for r in raw.sql("SELECT table_name FROM information_schema.tables").fetchall()]
    assert len([n for n in names if "memtable" in n or n.startswith("_econsec_")]) <= 3, names


def test_damaged_summary_file_is_computed_again(make_warehouse, monkeypatch):
    home = make_warehouse(GOLDEN)
    wh = Warehouse(home)
    expect = analysis.autonomy(year=2024, warehouse=wh).to_polars()
    wh.summaries.flush()
    markets = cache_root(home) / "hs=HS17" / "release=V202601" / "year=2024" / "markets.parquet"
    markets.write_bytes(markets.read_bytes()[:-20])  # truncated: no footer
    calls = _count_computations(monkeypatch)
    wh2 = Warehouse(home)
    assert analysis.autonomy(year=2024, warehouse=wh2).to_polars().equals(expect)
    assert calls == [2024]
    wh2.summaries.flush()
    assert analysis.autonomy(year=2024, warehouse=Warehouse(home)).to_polars().equals(expect)
    assert calls == [2024]  # the rewritten copy is whole again


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2**15), 2**15 - 1), max_size=40, unique=True), st.integers(1, 8))
def test_importer_slices_partition_the_code_line(codes, n):
    codes = sorted(codes)
    slices = store_mod.importer_slices(codes, n)
    assert 1 <= len(slices) <= n
    assert slices[0][0] == -(2**31) and slices[-1][1] == 2**31
    assert all(a[1] == b[0] for a, b in itertools.pairwise(slices))
    assert all(lo < hi for lo, hi in slices)
    for c in codes:  # every code in exactly one slice
        assert sum(lo <= c < hi for lo, hi in slices) == 1


def _random_year(seed: int, n: int = 400) -> pl.DataFrame:
    import numpy as np

    rng = np.random.default_rng(seed)
    codes = [156, 392, 410, 490, 516, 842, 276, 251, 528, 36, 76, 699]
    i, j = rng.choice(codes, n), rng.choice(codes, n)
    df = pl.DataFrame(
        {
            "t": pl.Series([2024] * n, dtype=pl.Int16),
            "i": pl.Series(i, dtype=pl.Int16),
            "j": pl.Series(j, dtype=pl.Int16),
            "k": rng.choice(["850511", "280530", "381800", "854231"], n),
            # Values on a coarse grid: ties between suppliers are common.
            "v": rng.integers(1, 6, n).astype(float),
        }
    )
    return df.filter(pl.col("i") != pl.col("j")).unique(["t", "i", "j", "k"], keep="first")


@pytest.mark.parametrize("per_slice", [1, 7, 10**9])
def test_market_aggregate_in_slices_equals_one_pass(make_warehouse, monkeypatch, per_slice):
    """A year aggregated by the engine in slices of importers gives the tables of one pass."""
    home = make_warehouse(_random_year(7))
    monkeypatch.setenv("ECONSEC_SUMMARY_CACHE", "0")
    monkeypatch.setattr(store_mod, "SCAN_FILES", False)  # the engine's own aggregates
    whole = Warehouse(home)
    expect = {
        "autonomy": analysis.autonomy(year=2024, rival="CHN", warehouse=whole).to_polars(),
        "indispensability": analysis.indispensability(year=2024, warehouse=whole).to_polars(),
    }
    rel = whole.release_for(2024)
    one = whole.summaries.get(rel, 2024)
    monkeypatch.setattr(store_mod, "FLOWS_PER_SLICE", per_slice)
    passes: list[int] = []
    real = store_mod.markets

    def counted(f, **kw):
        passes.append(1)
        return real(f, **kw)

    monkeypatch.setattr(store_mod, "markets", counted)
    wh = Warehouse(home)
    sliced = wh.summaries.get(rel, 2024)
    # One market aggregate per slice of importers (12 codes: 13 slices).
    assert len(passes) == (1 if per_slice > 10**6 else 13)
    keys = {"markets": ["t", "j", "k"], "sellers": ["t", "i", "k"]}
    for part, by in keys.items():
        a = getattr(one, part).to_polars().sort(by)
        b = getattr(sliced, part).to_polars().sort(by)
        assert b.equals(a), part
    assert (
        analysis.autonomy(year=2024, rival="CHN", warehouse=wh)
        .to_polars()
        .equals(expect["autonomy"])
    )
    assert (
        analysis.indispensability(year=2024, warehouse=wh)
        .to_polars()
        .equals(expect["indispensability"])
    )


@pytest.mark.parametrize("cache", ["1", "0"])
def test_query_over_more_years_than_memory_holds(make_warehouse, monkeypatch, cache):
    """A year moved out of memory while the same query still needs it is not lost."""
    monkeypatch.setenv("ECONSEC_SUMMARY_CACHE", cache)
    monkeypatch.setattr(store_mod, "MEMORY_YEARS", 1)
    years = [2021, 2022, 2023, 2024]
    frames = [GOLDEN.with_columns(t=pl.lit(y, dtype=pl.Int16), v=pl.col("v") * y) for y in years]
    home = make_warehouse(pl.concat(frames))
    got = analysis.autonomy_trend(warehouse=Warehouse(home)).to_polars()
    assert got["year"].unique().sort().to_list() == years
    monkeypatch.setattr(store_mod.SummaryStore, "for_flows", lambda *a, **k: None)
    assert got.equals(analysis.autonomy_trend(warehouse=Warehouse(home)).to_polars())


def test_polars_engine_summaries_equal_and_are_released(make_warehouse, monkeypatch):
    """On polars the summaries are Arrow tables; those that leave memory leave the backend."""
    monkeypatch.setenv("ECONSEC_SUMMARY_CACHE", "0")
    monkeypatch.setattr(store_mod, "MEMORY_YEARS", 1)
    years = [2022, 2023, 2024]
    frames = [GOLDEN.with_columns(t=pl.lit(y, dtype=pl.Int16), v=pl.col("v") + y) for y in years]
    home = make_warehouse(pl.concat(frames))
    wh = Warehouse(home, con=ibis.polars.connect())
    got = {y: analysis.autonomy(year=y, warehouse=wh).to_polars() for y in years}
    memtables = [n for n in wh.con._tables if "memtable" in n]
    assert len(memtables) <= 3, memtables  # one year's markets, sellers and world
    monkeypatch.setattr(store_mod.SummaryStore, "for_flows", lambda *a, **k: None)
    for y in years:
        assert got[y].equals(analysis.autonomy(year=y, warehouse=Warehouse(home)).to_polars())


def _summary_tables(wh: Warehouse) -> list[str]:
    sql = "SELECT table_name FROM information_schema.tables WHERE table_name LIKE '_econsec_%'"
    return [r[0] for r in wh.con.con.sql(sql).fetchall()]


def test_summary_on_disk_leaves_the_connection_before_the_next_query(make_warehouse, monkeypatch):
    """Once written, the next query reads the files and DuckDB's copy is dropped first."""
    wh = Warehouse(make_warehouse(GOLDEN))
    expect = analysis.autonomy(year=2024, warehouse=wh).to_polars()
    assert len(_summary_tables(wh)) == 3  # markets, sellers and world, in DuckDB
    wh.summaries.flush()
    seen: list[list[str]] = []
    real = ind.indispensability

    def spy(*args, **kwargs):
        seen.append(_summary_tables(wh))
        return real(*args, **kwargs)

    monkeypatch.setattr(ind, "indispensability", spy)
    analysis.indispensability(year=2024, warehouse=wh)
    assert seen == [[]]
    assert analysis.autonomy(year=2024, warehouse=wh).to_polars().equals(expect)
