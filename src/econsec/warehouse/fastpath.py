"""The fast path of ingest: a file's rows go straight to Parquet when every line is valid.

Most files are plain: after the header, nothing but digits, commas, decimal points and line
ends (no quotes, padding, signs, exponents or null spellings). :class:`TextShape` tells so
while the file is hashed or extracted, and such a file is read with typed columns by
pyarrow; on that alphabet the exact scanner's patterns reduce to field lengths, dots and
empty fields, checked on whole columns (:func:`plain_batch`). Any other file, or a plain one
failing a check, goes through DuckDB's parallel CSV reader:

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
from typing import BinaryIO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from econsec.warehouse.csvscan import (
    CODE_RE,
    NULLS,
    NUMBER_RE,
    PRODUCT_RE,
    TRIM,
    LineShape,
)
from econsec.warehouse.schema import MAX_LINE_BYTES, Q_MAX, TRADE_COLUMNS, TRADE_SCHEMA, V_MAX

_TEXT = "{'t':'VARCHAR','i':'VARCHAR','j':'VARCHAR','k':'VARCHAR','v':'VARCHAR','q':'VARCHAR'}"


@dataclass(frozen=True)
class FastRules:
    """The exact scanner's rules in the form the SQL checks need."""

    year: int
    countries: frozenset[int]
    products: frozenset[str] | None


#: The bytes of a plain data line. On them a field's text is exactly what a typed reader
#: parses: no quote, padding, sign, exponent or null spelling can hide.
PLAIN_BYTES = b"0123456789,.\n"


class TextShape(LineShape):
    """A :class:`LineShape` that also tells whether every byte after the header is plain."""

    def __init__(self) -> None:
        super().__init__()
        self.plain = True
        self._header = True

    def add(self, block: bytes) -> None:
        """Account for the next block."""
        body = block
        if self._header:
            end = block.find(b"\n")
            body = b"" if end < 0 else block[end + 1 :]
            self._header = end < 0
        # translate() deleting the plain bytes runs at memory speed; anything left is not plain.
        if self.plain and body and body.translate(None, PLAIN_BYTES):
            self.plain = False
        super().add(block)


def shape_of(path: Path, chunk: int = 1 << 24) -> TextShape:
    """Return the file's line count, longest line and whether its data lines are plain."""
    shape = TextShape()
    with open(path, "rb") as f:
        while b := f.read(chunk):
            shape.add(b)
    return shape


_TEXT_TYPES = {"t": pa.string(), "i": pa.string(), "j": pa.string(), "k": pa.string()}


def _plain_reader(f: BinaryIO) -> pcsv.CSVStreamingReader:
    """Stream the data lines after ``f``'s position as typed batches (blocks parsed ahead)."""
    return pcsv.open_csv(
        f,
        read_options=pcsv.ReadOptions(column_names=list(TRADE_COLUMNS), block_size=1 << 24),
        parse_options=pcsv.ParseOptions(quote_char=False, ignore_empty_lines=False),
        convert_options=pcsv.ConvertOptions(
            column_types={**_TEXT_TYPES, "v": pa.float64(), "q": pa.float64()},
            null_values=[""],
            strings_can_be_null=False,
        ),
    )


def _digits(col: pa.Array, low: int, high: int) -> bool:
    """Whether every field (plain bytes) is ``low`` to ``high`` digits, no decimal point."""
    n = pc.binary_length(col)
    return bool(
        pc.min(n).as_py() >= low
        and pc.max(n).as_py() <= high
        and not pc.any(pc.match_substring(col, ".")).as_py()
    )


def plain_batch(batch: pa.RecordBatch, year: int) -> pa.RecordBatch | None:
    """Return a batch of a plain file typed, or ``None`` if any row fails the exact checks.

    On plain bytes (:data:`PLAIN_BYTES`) the scanner's patterns reduce to: the year's text,
    codes of 1–4 and products of 5–6 digits, and numbers a float parser takes (one dot at
    most, not alone; an empty value is null, allowed for ``q`` only).
    """
    t, i, j, k, v, q = (batch.column(c) for c in TRADE_COLUMNS)
    width = len(str(year))
    # Comparing strings to a scalar is slow in Arrow; digits of the year's width cast cheaply.
    ok = (
        _digits(t, width, width)
        and pc.min_max(pc.cast(t, pa.int16())).as_py() == {"min": year, "max": year}
        and _digits(i, 1, 4)
        and _digits(j, 1, 4)
        and _digits(k, 5, 6)
        and v.null_count == 0
        and pc.max(v).as_py() <= V_MAX
        and (q.null_count == len(q) or pc.max(q).as_py() <= Q_MAX)
    )
    if not ok:
        return None
    cols = [pc.cast(c, pa.int16()) for c in (t, i, j)] + [pc.utf8_lpad(k, 6, "0"), v, q]
    return pa.RecordBatch.from_arrays(cols, schema=TRADE_SCHEMA)


def _int64(col: pa.Array) -> np.ndarray:
    """Return a column without nulls as int64 values, straight from its buffers.

    Arrow's to_numpy() imports pandas, a second of start-up the fast path never needs.
    """
    c = pc.cast(col, pa.int64())
    return np.frombuffer(c.buffers()[1], np.int64, len(c), c.offset * 8)


class _PlainStats:
    """Rows, flow keys and distinct codes gathered batch by batch."""

    def __init__(self) -> None:
        self.rows = 0
        self.keys: list[np.ndarray] = []
        self.countries: set[int] = set()
        self.products: set[str] = set()

    def add(self, batch: pa.RecordBatch) -> None:
        """Account for the next typed batch."""
        i, j, k = (batch.column(c) for c in ("i", "j", "k"))
        self.rows += batch.num_rows
        self.keys.append((_int64(i) * 10000 + _int64(j)) * 1_000_000 + _int64(k))
        self.countries.update(pc.unique(i).to_pylist(), pc.unique(j).to_pylist())
        self.products.update(pc.unique(k).to_pylist())

    def result(self) -> _Stats:
        """Return the stats; duplicated flows counted on the packed keys.

        BACI files come sorted, so strictly increasing keys prove there are no duplicates
        without hashing; otherwise the distinct keys are counted.
        """
        key = np.concatenate(self.keys) if self.keys else np.zeros(0, np.int64)
        ordered = len(key) < 2 or bool(np.all(key[1:] > key[:-1]))
        dup = 0 if ordered else len(key) - len(np.unique(key))
        return _Stats(self.rows, dup, self.countries, self.products)


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
    # Measuring lines reads the file once more; it overlaps with the parsing threads.
    with ThreadPoolExecutor(1) as pool:
        measured = pool.submit(shape or (lambda: shape_of(csv_path)))
        # The whole file's plainness is known only once measured: start on a plain head.
        stats = _plain_copy(csv_path, tmp, rules.year) if _plain_head(csv_path) else None
        got = measured.result()
        lines = max(got.lines - 1, 0)
        plain = isinstance(got, TextShape) and got.plain
        if not (plain and stats is not None and _clean(stats, lines, got.longest, rules)):
            tmp.unlink(missing_ok=True)
            stats = _duckdb_copy(csv_path, tmp, rules.year, threads, memory_limit)
    if stats is None or not _clean(stats, lines, got.longest, rules):
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


def _plain_head(csv_path: Path, size: int = 1 << 20) -> bool:
    """Whether the first data bytes of the file are plain (worth a typed read)."""
    shape = TextShape()
    with open(csv_path, "rb") as f:
        shape.add(f.read(size))
    return shape.plain


def _plain_copy(csv_path: Path, tmp: Path, year: int) -> _Stats | None:
    """Write a plain file's rows to ``tmp`` if every one is valid; return their stats.

    Batches are checked and written while the reader parses the next ones ahead, so memory
    stays at a few blocks plus one integer per flow.
    """
    stats = _PlainStats()
    with open(csv_path, "rb") as f:
        f.readline()  # the header, checked by the caller; the data starts after its line end
        try:
            reader = _plain_reader(f)
            with pq.ParquetWriter(tmp, TRADE_SCHEMA, compression="snappy") as out:
                for batch in reader:
                    typed = plain_batch(batch, year)
                    if typed is None:
                        return None
                    out.write_batch(typed)
                    stats.add(typed)
        except pa.ArrowInvalid:  # a line without six fields
            return None
    got = stats.result()
    return got if got.rows and not got.duplicates else None


def _duckdb_copy(
    csv_path: Path, tmp: Path, year: int, threads: int | None, memory_limit: str
) -> _Stats | None:
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
