"""The README benchmark table: a partial run keeps the other benchmarks' rows."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"

OLD = """
Measured on x86_64 with `make bench` (2026-11-21).

| job | econsec | baseline (same run) | ratio | peak memory | target |
|---|---|---|---|---|---|
| ingest: 11M-row yearly CSV → Parquet | 4.18 s | pandas 9.54 s | 2.3× | 343 MB | ≥ 3× |
| autonomy + indispensability, full synthetic year | 6.74 s | pandas 22.5 s | 3.3× | 1.5 GB | 5× |
| scenario: ban over every HS6 product | 2.16 s | – | – | – | ≤ 15 s |
"""


def load_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_partial_run_replaces_only_its_rows_and_widens_old_ones() -> None:
    run = load_run()
    kept = run.kept_rows(OLD, {"metrics"})
    assert [r.split(" | ")[0] for r in kept] == [
        "| ingest: 11M-row yearly CSV → Parquet",
        "| scenario: ban over every HS6 product",
    ]
    assert all(r.count(" | ") == len(run.COLUMNS) - 1 for r in kept)
    metrics = {
        "benchmark": "metrics",
        "rows": 1000,
        "econsec_s": 1.0,
        "econsec_cpu_s": 1.5,
        "sql_s": 0.9,
        "sql_cpu_s": 1.2,
        "econsec_vs_sql": 1.11,
        "econsec_cpu_vs_sql": 1.26,
    }
    md = run.table([metrics], kept)
    lines = md.splitlines()
    assert lines[0].count("|") == len(run.COLUMNS) + 1
    assert all(line.count(" | ") == len(run.COLUMNS) - 1 for line in lines[2:])
    assert (
        "SQL 0.90 s (1.20 s CPU); econsec/SQL 1.11× wall; 1.26× CPU" in md
    )  # two decimals: 1.26 is not 1.3
    assert "1,000-row synthetic year" in md
    assert not any("full synthetic year" in line for line in lines)


def test_kept_head_keeps_its_paragraphs_and_adds_no_copy() -> None:
    run = load_run()
    block = (
        "Measured on x86_64 on 2026-12-06\nwith the machine idle.\n\n"
        "Rows of ingest measured again.\n\nRows of ingest measured again.\n\n"
        "| job | econsec |\n|---|---|\n| ingest | 1 s |\n"
    )
    assert run._previous_head(block) == (
        "Measured on x86_64 on 2026-12-06\nwith the machine idle.\n\nRows of ingest measured again."
    )


def test_years_benchmark_has_its_own_row_kept_by_a_metrics_run() -> None:
    run = load_run()
    (row,) = run.headline(
        {
            "benchmark": "years",
            "years": 30,
            "all_metrics_all_years_s": 100.9,
            "all_years_peak_mb": 2377,
        }
    )
    assert row[0] == "every metric of 30 synthetic years + GeoDep, cold"
    assert row[1] == "100.90 s" and row[-2] == "2,377 MB" and len(row) == len(run.COLUMNS)
    table = "| " + " | ".join(row) + " |\n| autonomy + indispensability | 1 s | – | – | – | – | – |"
    kept = run.kept_rows(table, {"metrics"})
    assert len(kept) == 1 and kept[0].startswith("| every metric of 30")
