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


def _is(col: str, pattern: str) -> str:
    """Return SQL testing that the field, between any spaces, matches ``pattern``.

    Matching the padding inside the pattern is much cheaper than trimming each field, and
    DuckDB's casts ignore the spaces as well.
    """
    pad = "[" + TRIM + "]*"
    return f"regexp_full_match({col}, {_q(pad + '(?:' + pattern + ')' + pad)})"


def _select(src: str, year: int) -> str:
    """Select the typed rows of ``src`` that pass every per-row check of the exact scanner."""
    q_null = "(q IS NULL OR " + _is("q", "|".join(NULLS)) + ")"
    ok = " AND ".join(
        [
            _is("t", str(year)),
            _is("i", CODE_RE),
            _is("j", CODE_RE),
            _is("k", PRODUCT_RE),
            _is("v", NUMBER_RE),
            f"TRY_CAST(v AS DOUBLE) <= {V_MAX!r}",
            f"({q_null} OR ({_is('q', NUMBER_RE)} AND TRY_CAST(q AS DOUBLE) <= {Q_MAX!r}))",
        ]
    )
    return (
        "SELECT CAST(t AS SMALLINT) AS t, CAST(i AS SMALLINT) AS i, CAST(j AS SMALLINT) AS j, "
        f"lpad(trim(k, {_q(TRIM)}), 6, '0') AS k, CAST(v AS DOUBLE) AS v, "
        f"CASE WHEN {q_null} THEN NULL ELSE CAST(q AS DOUBLE) END AS q "
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
            stats: _Stats | None = _stats(con, tmp)
        except duckdb.Error:
            stats = None
        finally:
            con.close()
        got = measured.result()
    clean = stats is not None and _clean(stats, max(got.lines - 1, 0), got.longest, rules)
    if not clean or stats is None:
        tmp.unlink(missing_ok=True)
        return None
    dest = out_dir / f"year={rules.year}"
    dest.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest / f"{stem}.parquet")
    return {
        "rows": stats.rows,
        "products": len(stats.products),
        "countries": sorted(stats.countries),
    }


@dataclass(frozen=True)
class _Stats:
    rows: int
    duplicates: int
    countries: set[int]
    products: set[str]


def _stats(con: duckdb.DuckDBPyConnection, path: Path) -> _Stats:
    """Rows, duplicated flows and distinct codes of the written file.

    Code columns are dictionary-encoded, so the distinct lists are cheap; duplicates are
    found with a parallel GROUP BY on the flow packed into one integer.
    """
    src = f"read_parquet({_q(glob_escape(str(path)))})"
    row = con.execute(
        f"SELECT count(*), list(DISTINCT i), list(DISTINCT j), list(DISTINCT k) FROM {src}"
    ).fetchone()
    dup = con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM "
        f"{src} GROUP BY (i::BIGINT * 10000 + j) * 1000000 + k::INTEGER HAVING count(*) > 1)"
    ).fetchone()
    assert row is not None and dup is not None  # aggregates always return one row
    n, ii, jj, ks = row
    return _Stats(int(n), int(dup[0]), {*(ii or []), *(jj or [])}, set(ks or []))


def _clean(stats: _Stats, n_lines: int, longest: int, rules: FastRules) -> bool:
    """Whether every line became a valid, distinct flow of known codes."""
    return (
        stats.rows == n_lines
        and stats.rows > 0
        and stats.duplicates == 0
        and longest <= MAX_LINE_BYTES
        and stats.countries <= rules.countries
        and (rules.products is None or stats.products <= rules.products)
    )
