"""The fast path of ingest: a file's rows go straight to Parquet when every line is valid.

Most files are plain: after the header, nothing but digits, commas, decimal points and line
ends (no quotes, padding, signs, exponents or null spellings). :class:`TextShape` tells so
while the file is read (and hashed) or inflated, and such a file is read with typed columns by
pyarrow, block by block on a thread pool (:mod:`econsec.warehouse.plainread`); on that
alphabet the exact scanner's patterns reduce to field widths, dots and empty fields, checked
on whole columns. Any other file, or a plain one failing a check, goes through DuckDB's
parallel CSV reader:

Fields are read as text and checked in SQL with the exact scanner's own patterns and caps
(:mod:`econsec.warehouse.csvscan`); only rows passing every check are written. The result is
then checked with cheap aggregates: every line became a row, codes and products are known,
no flow ``(i, j, k)`` appears twice, no line is overlong. The fast result is kept only when
all hold; otherwise the caller discards it and runs the exact scanner, which reports each
reject with its line. So both paths accept exactly the same rows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
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
from econsec.warehouse.plainread import (
    PLAIN_BYTES,
    Stats,
    Tally,
    TextShape,
    file_blocks,
    stream_plain,
)
from econsec.warehouse.schema import MAX_LINE_BYTES, Q_MAX, V_MAX

__all__ = ["PLAIN_BYTES", "FastRules", "TextShape", "copy_clean", "shape_of", "stream_clean"]

_TEXT = "{'t':'VARCHAR','i':'VARCHAR','j':'VARCHAR','k':'VARCHAR','v':'VARCHAR','q':'VARCHAR'}"


@dataclass(frozen=True)
class FastRules:
    """The exact scanner's rules in the form the SQL checks need."""

    year: int
    countries: frozenset[int]
    products: frozenset[str] | None


def shape_of(path: Path, chunk: int = 1 << 24) -> TextShape:
    """Return the file's line count, longest line and whether its data lines are plain."""
    shape = TextShape()
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
    tally: Tally | None = None,
    seen: set[str] | None = None,
    threads: int | None = None,
    memory_limit: str = "1GB",
) -> dict[str, object] | None:
    """Write the file's rows to ``out_dir/year=<year>/<stem>.parquet`` if every line is valid.

    Returns ``rows``, ``products`` (distinct count) and ``countries`` (sorted codes seen in
    ``i`` or ``j``), or ``None`` (nothing left in ``out_dir``) when any line would not be kept
    as a valid row. ``shape`` gives the file's line count and longest line when the caller
    knows them (e.g. measured while extracting); otherwise they are measured while the file
    is read, in ``tally`` when given (which then also holds the SHA-256 if it asked for one;
    it is complete on return). ``seen`` receives the distinct product codes kept.
    """
    tally = tally or Tally()
    tmp = out_dir / f".{stem}.parquet"
    out_dir.mkdir(parents=True, exist_ok=True)
    stats = _plain_copy(csv_path, tmp, rules.year, tally) if _plain_head(csv_path) else None
    got: LineShape = tally.shape
    if not (stats is not None and _clean(stats, max(got.lines - 1, 0), got.longest, rules)):
        tmp.unlink(missing_ok=True)
        # A read that stopped early is done again whole, overlapping DuckDB's threads.
        with ThreadPoolExecutor(1) as pool:
            measured = pool.submit(
                shape or (lambda: got if tally.complete else tally.fill(csv_path))
            )
            stats = _duckdb_copy(csv_path, tmp, rules.year, threads, memory_limit)
            got = measured.result()
    return _keep(tmp, out_dir, stem, stats, got, rules, seen)


def stream_clean(
    raw: Iterable[bytes],
    out_dir: Path,
    stem: str,
    rules: FastRules,
    label: str,
    seen: set[str] | None = None,
) -> dict[str, object] | None:
    """Like :func:`copy_clean` for a plain file's bytes as they arrive (a zip member's).

    Returns what :func:`copy_clean` does (``None`` also when the bytes are not plain).
    """
    tally = Tally()
    tmp = out_dir / f".{stem}.parquet"
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        stats = stream_plain(raw, tmp, rules.year, tally, label)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return _keep(tmp, out_dir, stem, stats, tally.shape, rules, seen)


def _keep(
    tmp: Path,
    out_dir: Path,
    stem: str,
    stats: Stats | None,
    got: LineShape,
    rules: FastRules,
    seen: set[str] | None,
) -> dict[str, object] | None:
    """Move ``tmp`` into its year's folder if every line became a valid row; else drop it."""
    if stats is None or not _clean(stats, max(got.lines - 1, 0), got.longest, rules):
        tmp.unlink(missing_ok=True)
        return None
    if seen is not None:
        seen |= stats.products
    dest = out_dir / f"year={rules.year}"
    dest.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest / f"{stem}.parquet")
    return {
        "rows": stats.rows,
        "products": len(stats.products),
        "countries": sorted(stats.countries),
    }


def _plain_head(csv_path: Path, size: int = 1 << 20) -> bool:
    """Whether the first data bytes of the file are plain (worth a typed read)."""
    shape = TextShape()
    with open(csv_path, "rb") as f:
        shape.add(f.read(size))
    return shape.plain


def _plain_copy(csv_path: Path, tmp: Path, year: int, tally: Tally | None = None) -> Stats | None:
    """Write a plain file's rows to ``tmp`` if every one is valid; return their stats."""
    return stream_plain(file_blocks(csv_path), tmp, year, tally or Tally(), str(csv_path))


def _duckdb_copy(
    csv_path: Path, tmp: Path, year: int, threads: int | None, memory_limit: str
) -> Stats | None:
    """Write the rows passing every per-row check to ``tmp`` with DuckDB; return their stats."""
    con = duckdb.connect()
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
            f"COPY ({_select(src, year)}) TO {_q(str(tmp))} (FORMAT parquet, COMPRESSION snappy)"
        )
        return _stats(con, tmp)
    except duckdb.Error:
        return None
    finally:
        con.close()


def _stats(con: duckdb.DuckDBPyConnection, path: Path) -> Stats:
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
    return Stats(int(n), int(dup[0]), {*(ii or []), *(jj or [])}, set(ks or []))


def _clean(stats: Stats, n_lines: int, longest: int, rules: FastRules) -> bool:
    """Whether every line became a valid, distinct flow of known codes."""
    return (
        stats.rows == n_lines
        and stats.rows > 0
        and stats.duplicates == 0
        and longest <= MAX_LINE_BYTES
        and stats.countries <= rules.countries
        and (rules.products is None or stats.products <= rules.products)
    )
