"""The fast path of ingest: DuckDB's parallel CSV reader writes a file straight to Parquet.

Fields are read as text and checked in SQL with the exact scanner's own patterns and caps
(:mod:`econsec.warehouse.csvscan`); only rows passing every check are written. The result is
then checked with cheap aggregates: every line became a row, codes and products are known,
no flow ``(i, j, k)`` appears twice, no line is overlong. The fast result is kept only when
all hold; otherwise the caller discards it and runs the exact scanner, which reports each
reject with its line. So both paths accept exactly the same rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from econsec.warehouse.csvscan import (
    CODE_RE,
    NULLS,
    NUMBER_RE,
    PRODUCT_RE,
    TRIM,
    LineShape,
)
from econsec.warehouse.schema import MAX_LINE_BYTES, Q_MAX, V_MAX

_TEXT = "{'t':'VARCHAR','i':'VARCHAR','j':'VARCHAR','k':'VARCHAR','v':'VARCHAR','q':'VARCHAR'}"


@dataclass(frozen=True)
class FastRules:
    """The exact scanner's rules in the form the SQL checks need."""

    year: int
    countries: frozenset[int]
    products: frozenset[str] | None


def shape_of(path: Path, chunk: int = 1 << 24) -> LineShape:
    """Return the file's line count and longest line."""
    shape = LineShape()
    with open(path, "rb") as f:
        while b := f.read(chunk):
            shape.add(b)
    return shape


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def glob_escape(path: str) -> str:
    """Escape DuckDB's glob characters so a path names exactly one file (``[`` → ``[[]``)."""
    return "".join(f"[{c}]" if c in "[*?" else c for c in path)


def _select(src: str, year: int) -> str:
    """Select the typed rows of ``src`` that pass every per-row check of the exact scanner."""
    f = {c: f"trim({c}, {_q(TRIM)})" for c in "tijkvq"}
    nulls = ", ".join(_q(n) for n in NULLS)
    q_null = f"(q IS NULL OR {f['q']} IN ({nulls}))"
    ok = " AND ".join(
        [
            f"{f['t']} = {_q(str(year))}",
            f"regexp_full_match({f['i']}, {_q(CODE_RE)})",
            f"regexp_full_match({f['j']}, {_q(CODE_RE)})",
            f"regexp_full_match({f['k']}, {_q(PRODUCT_RE)})",
            f"regexp_full_match({f['v']}, {_q(NUMBER_RE)})",
            f"TRY_CAST({f['v']} AS DOUBLE) <= {V_MAX!r}",
            f"({q_null} OR (regexp_full_match({f['q']}, {_q(NUMBER_RE)}) "
            f"AND TRY_CAST({f['q']} AS DOUBLE) <= {Q_MAX!r}))",
        ]
    )
    return (
        f"SELECT CAST({f['t']} AS SMALLINT) AS t, CAST({f['i']} AS SMALLINT) AS i, "
        f"CAST({f['j']} AS SMALLINT) AS j, lpad({f['k']}, 6, '0') AS k, "
        f"CAST({f['v']} AS DOUBLE) AS v, "
        f"CASE WHEN {q_null} THEN NULL ELSE CAST({f['q']} AS DOUBLE) END AS q "
        f"FROM {src} WHERE {ok}"
    )


def copy_clean(
    csv_path: Path,
    out_dir: Path,
    stem: str,
    rules: FastRules,
    *,
    shape: Callable[[], LineShape] | None = None,
    threads: int | None = None,
    memory_limit: str = "1GB",
) -> dict[str, object] | None:
    """Write the file's rows to ``out_dir/year=<year>/<stem>.parquet`` if every line is valid.

    Returns ``rows``, ``products`` (distinct count) and ``countries`` (sorted codes seen in
    ``i`` or ``j``), or ``None`` (nothing left in ``out_dir``) when any line would not be kept
    as a valid row. ``shape`` gives the file's line count and longest line when the caller
    measures them anyway (e.g. while hashing); otherwise they are measured here.
    """
    tmp = out_dir / f".{stem}.parquet"
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    # Measuring lines reads the file once more; it overlaps with DuckDB's own threads.
    with ThreadPoolExecutor(1) as pool:
        measured = pool.submit(shape or (lambda: shape_of(csv_path)))
        try:
            con.execute(f"SET threads={int(threads or os.cpu_count() or 2)}")
            con.execute(f"SET memory_limit={_q(memory_limit)}")
            con.execute("SET preserve_insertion_order=false")
            # A line DuckDB cannot parse raises: the caller then takes the exact path.
            src = (
                f"read_csv({_q(glob_escape(str(csv_path)))}, header=true, auto_detect=false, "
                f"delim=',', quote='\"', escape='\"', columns={_TEXT}, "
                f"max_line_size={MAX_LINE_BYTES + 2})"
            )
            # snappy writes fastest; zstd would save ~15% of disk for ~15% more time.
            con.execute(
                f"COPY ({_select(src, rules.year)}) TO {_q(str(tmp))} "
                "(FORMAT parquet, COMPRESSION snappy)"
            )
            # Dictionary-encoded code columns: reading them back is cheap.
            stats = con.execute(
                "SELECT count(*), list(DISTINCT i), list(DISTINCT j), list(DISTINCT k), "
                "count(DISTINCT (i, j, k)) "
                f"FROM read_parquet({_q(glob_escape(str(tmp)))})"
            ).fetchone()
        except duckdb.Error:
            stats = None
        finally:
            con.close()
        got = measured.result()
    n_lines = max(got.lines - 1, 0)
    clean = stats is not None and _clean(stats, n_lines, got.longest, rules)
    if not clean or stats is None:
        tmp.unlink(missing_ok=True)
        return None
    dest = out_dir / f"year={rules.year}"
    dest.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest / f"{stem}.parquet")
    n, ii, jj, ks, _ = stats
    return {"rows": int(n), "products": len(ks or []), "countries": sorted({*ii, *jj})}


def _clean(stats: tuple[object, ...], n_lines: int, longest: int, rules: FastRules) -> bool:
    """Whether every line became a valid, distinct flow of known codes."""
    n, ii, jj, ks, distinct = stats
    ii, jj, ks = ii or [], jj or [], ks or []  # type: ignore[assignment]
    return (
        n == n_lines
        and distinct == n
        and longest <= MAX_LINE_BYTES
        and {*ii, *jj} <= rules.countries  # type: ignore[misc]
        and (rules.products is None or set(ks) <= rules.products)  # type: ignore[call-overload]
    )
