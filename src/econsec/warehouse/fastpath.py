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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from econsec.download import LineCount

_TYPES = "{'t':'SMALLINT','i':'SMALLINT','j':'SMALLINT','k':'VARCHAR','v':'DOUBLE','q':'DOUBLE'}"
_HS6 = re.compile(r"^\d{6}$")


def count_data_lines(path: Path, chunk: int = 1 << 24) -> int:
    """Return the lines after the header (a last line without a newline counts)."""
    count = LineCount()
    with open(path, "rb") as f:
        while b := f.read(chunk):
            count.add(b)
    return max(count.lines - 1, 0)


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def copy_clean(
    csv_path: Path,
    out_dir: Path,
    stem: str,
    country_codes: set[int],
    *,
    lines: Callable[[], int] | None = None,
    threads: int | None = None,
    memory_limit: str = "1GB",
) -> dict[int, dict[str, int]] | None:
    """Write the file's rows to ``out_dir/year=<t>/<stem>.parquet`` if every line is valid.

    Returns per-year ``rows, products, countries``, or ``None`` (nothing left in ``out_dir``)
    when any line would not be kept as a valid row. ``lines`` gives the file's data lines
    when the caller counts them anyway (e.g. while hashing); otherwise they are counted here.
    """
    tmp = out_dir / f".{stem}.parquet"
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    # Counting lines reads the file once more; it overlaps with DuckDB's own threads.
    with ThreadPoolExecutor(1) as pool:
        expected = pool.submit(lines or (lambda: count_data_lines(csv_path)))
        try:
            con.execute(f"SET threads={int(threads or os.cpu_count() or 2)}")
            con.execute(f"SET memory_limit={_q(memory_limit)}")
            con.execute("SET preserve_insertion_order=false")
            # A row DuckDB cannot parse raises: the caller then takes the exact path.
            src = (
                f"read_csv({_q(str(csv_path))}, header=true, auto_detect=false, delim=',', "
                f"quote='\"', escape='\"', columns={_TYPES})"
            )
            # snappy writes fastest; zstd would save ~15% of disk for ~15% more time.
            written = con.execute(
                f"COPY (SELECT * FROM {src}) TO {_q(str(tmp))} "
                "(FORMAT parquet, COMPRESSION snappy, RETURN_STATS true)"
            ).fetchall()
            values_ok = all(_stats_ok(w[4]) for w in written)
            # Dictionary-encoded code columns: reading them back is cheap.
            per_year = con.execute(
                "SELECT t, count(*), list(DISTINCT i), list(DISTINCT j), list(DISTINCT k) "
                f"FROM read_parquet({_q(str(tmp))}) GROUP BY t"
            ).fetchall()
        except duckdb.Error:
            values_ok, per_year = False, []
        finally:
            con.close()
        n_lines = expected.result()
    codes_seen = {c for r in per_year for c in (*r[2], *r[3])}
    clean = (
        values_ok
        and sum(r[1] for r in per_year) == n_lines
        and all(r[0] is not None and 1000 <= int(r[0]) <= 9999 for r in per_year)
        and codes_seen <= country_codes
        and all(_HS6.match(k) for r in per_year for k in r[4])
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
        int(t): {"rows": int(n), "products": len(ks), "countries": len(set(ii) | set(jj))}
        for t, n, ii, jj, ks in per_year
    }


def _stats_ok(stats: dict[str, dict[str, str]]) -> bool:
    """Check Parquet column statistics: no missing codes, finite non-negative values."""
    col = {name.strip('"'): st for name, st in stats.items()}
    for c in ("t", "i", "j", "k", "v"):
        if col[c].get("null_count", "0") != "0":
            return False
    for c in ("v", "q"):
        st = col[c]
        if st.get("has_nan") == "true":
            return False
        if "min" in st and (float(st["min"]) < 0 or float(st["max"]) == float("inf")):
            return False
    return True


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
