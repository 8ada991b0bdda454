"""The fast path of ingest: DuckDB's parallel CSV reader writes a file straight to Parquet.

The typed copy is checked afterwards with cheap aggregates over the Parquet output against the
same rules as the exact scanner (known countries, 6-digit products, finite non-negative values)
and against the file's line count. The fast result is kept only when every line became a valid
row; otherwise the caller discards it and runs the exact scanner of
:mod:`econsec.warehouse.csvscan`, which reports each reject with its line.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

_TYPES = "{'t':'SMALLINT','i':'SMALLINT','j':'SMALLINT','k':'VARCHAR','v':'DOUBLE','q':'DOUBLE'}"
_HS6 = re.compile(r"^\d{6}$")


def count_data_lines(path: Path, chunk: int = 1 << 24) -> int:
    """Lines after the header (a last line without a newline counts)."""
    n = 0
    last = b"\n"
    with open(path, "rb") as f:
        while b := f.read(chunk):
            n += b.count(b"\n")
            last = b[-1:]
    if last != b"\n":
        n += 1
    return max(n - 1, 0)


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def copy_clean(
    csv_path: Path,
    out_dir: Path,
    stem: str,
    country_codes: set[int],
    *,
    threads: int | None = None,
    memory_limit: str = "1GB",
) -> dict[int, dict[str, int]] | None:
    """Write the file's rows to ``out_dir/year=<t>/<stem>.parquet`` if every line is valid.

    Returns per-year ``rows, products, countries``, or ``None`` (nothing left in ``out_dir``)
    when any line would not be kept as a valid row.
    """
    tmp = out_dir / f".{stem}.parquet"
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    # Counting lines reads the file once more; it overlaps with DuckDB's own threads.
    with ThreadPoolExecutor(1) as pool:
        expected = pool.submit(count_data_lines, csv_path)
        try:
            con.execute(f"SET threads={int(threads or os.cpu_count() or 2)}")
            con.execute(f"SET memory_limit={_q(memory_limit)}")
            con.execute("SET preserve_insertion_order=false")
            src = (
                f"read_csv({_q(str(csv_path))}, header=true, auto_detect=false, delim=',', "
                f"quote='\"', escape='\"', columns={_TYPES}, store_rejects=true)"
            )
            con.execute(
                f"COPY (SELECT * FROM {src}) TO {_q(str(tmp))} (FORMAT parquet, COMPRESSION zstd)"
            )
            n_errors = con.execute("SELECT count(*) FROM reject_errors").fetchone()
            p = f"read_parquet({_q(str(tmp))})"
            per_year = con.execute(
                f"SELECT t, count(*), count(DISTINCT k), "
                f"(SELECT count(*) FROM (SELECT i FROM {p} x WHERE x.t = y.t "
                f"UNION SELECT j FROM {p} x WHERE x.t = y.t)) FROM {p} y GROUP BY t"
            ).fetchall()
            ok_values = con.execute(
                f"SELECT coalesce(bool_and(t IS NOT NULL AND i IS NOT NULL AND j IS NOT NULL "
                f"AND k IS NOT NULL AND isfinite(v) AND v >= 0 "
                f"AND (q IS NULL OR (isfinite(q) AND q >= 0))), true) FROM {p}"
            ).fetchone()
            codes_seen = {
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT i FROM {p} UNION SELECT DISTINCT j FROM {p}"
                ).fetchall()
            }
            products = [r[0] for r in con.execute(f"SELECT DISTINCT k FROM {p}").fetchall()]
        except duckdb.Error:
            per_year = []
            n_errors = (1,)
            ok_values, codes_seen, products = (False,), set(), []
        finally:
            con.close()
        n_lines = expected.result()
    clean = (
        n_errors is not None
        and n_errors[0] == 0
        and ok_values is not None
        and bool(ok_values[0])
        and sum(r[1] for r in per_year) == n_lines
        and all(1000 <= int(r[0]) <= 9999 for r in per_year)
        and codes_seen <= country_codes
        and all(k is not None and _HS6.match(k) for k in products)
    )
    if not clean or not per_year:
        tmp.unlink(missing_ok=True)
        return None if (not clean or n_lines) else {}
    if len(per_year) > 1:
        _split_years(tmp, out_dir, stem)
    else:
        dest = out_dir / f"year={per_year[0][0]}"
        dest.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest / f"{stem}.parquet")
    return {
        int(t): {"rows": int(n), "products": int(nk), "countries": int(nc)}
        for t, n, nk, nc in per_year
    }


def _split_years(tmp: Path, out_dir: Path, stem: str) -> None:
    """Split a multi-year file into year partitions (rare: BACI ships one file per year)."""
    part = out_dir / f".{stem}.parts"
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT * FROM read_parquet({_q(str(tmp))})) TO {_q(str(part))} "
            "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (t), "
            f"WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN {_q(stem + '_{i}')})"
        )
    finally:
        con.close()
    for d in part.iterdir():
        dest = out_dir / f"year={d.name.split('=', 1)[1]}"
        dest.mkdir(parents=True, exist_ok=True)
        for f in d.glob("*.parquet"):
            os.replace(f, dest / f.name)
    tmp.unlink(missing_ok=True)
    for d in part.iterdir():
        d.rmdir()
    part.rmdir()
