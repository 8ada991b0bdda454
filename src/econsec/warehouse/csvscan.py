"""Streaming, validating reader of BACI CSV files.

The file is read in byte chunks cut at line ends, so every row keeps its physical line number.
A chunk that parses cleanly is validated with vectorised Arrow kernels; a chunk with malformed
rows (wrong column count, blank lines) is re-read with the :mod:`csv` module so each bad row is
reported with its exact line. Nothing is dropped without a reject record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from econsec.errors import DataError
from econsec.warehouse.schema import TRADE_COLUMNS, TRADE_SCHEMA

_NUM = r"^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_NEG = r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_NULLS = ("", "NA", "na", "NaN", "nan", "NULL", "null")
REJECT_COLUMNS = ("file", "line", "field", "value", "reason", "row")


@dataclass
class Chunk:
    """A validated chunk: typed rows and the rejects found in it."""

    table: pa.Table
    rejects: list[dict[str, object]] = field(default_factory=list)
    bytes_read: int = 0


def read_header(stream: IO[bytes], name: str) -> tuple[list[str], int]:
    """Read and check the header line; return the column names and the header's byte length."""
    first = stream.readline()
    if not first:
        raise DataError("empty file: no header line", path=name, line=1)
    cols = [c.strip().strip('"').strip().lower() for c in first.decode("utf-8-sig").split(",")]
    if tuple(cols) != TRADE_COLUMNS:
        raise DataError(
            f"header is {cols}; expected {list(TRADE_COLUMNS)} (BACI layout)", path=name, line=1
        )
    return cols, len(first)


def iter_byte_chunks(stream: IO[bytes], size: int) -> Iterator[tuple[int, bytes]]:
    """Yield ``(first_line_number, bytes)`` chunks that end at a line end (header is line 1)."""
    line = 2
    rest = b""
    while True:
        block = stream.read(size)
        if not block:
            if rest:
                yield line, rest if rest.endswith(b"\n") else rest + b"\n"
            return
        block = rest + block
        cut = block.rfind(b"\n")
        if cut < 0:
            rest = block
            continue
        chunk, rest = block[: cut + 1], block[cut + 1 :]
        yield line, chunk
        line += chunk.count(b"\n")


def _parse_fast(chunk: bytes) -> pa.Table | None:
    """Parse a chunk with Arrow; ``None`` when any row is malformed (the slow path decides)."""
    bad = 0

    def handler(_row: object) -> str:
        nonlocal bad
        bad += 1
        return "skip"

    tbl = pacsv.read_csv(
        io.BytesIO(chunk),
        read_options=pacsv.ReadOptions(
            column_names=list(TRADE_COLUMNS), use_threads=True, block_size=1 << 22
        ),
        parse_options=pacsv.ParseOptions(
            invalid_row_handler=handler, ignore_empty_lines=False, newlines_in_values=False
        ),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(TRADE_COLUMNS, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    if bad or tbl.num_rows != chunk.count(b"\n"):
        return None
    return tbl


def _parse_slow(
    chunk: bytes, first_line: int, name: str
) -> tuple[pa.Table, np.ndarray, list[dict[str, object]]]:
    """Parse row by row, rejecting malformed rows with their exact line numbers."""
    cols: list[list[str]] = [[] for _ in TRADE_COLUMNS]
    lines: list[int] = []
    rejects: list[dict[str, object]] = []
    text = chunk.decode("utf-8", errors="replace").split("\n")
    if text and text[-1] == "":
        text.pop()
    for off, raw in enumerate(text):
        ln = first_line + off
        row = next(csv.reader([raw])) if raw.strip() else []
        if len(row) != len(TRADE_COLUMNS):
            reason = (
                "blank line"
                if not raw.strip()
                else (f"wrong column count: {len(row)} fields, expected {len(TRADE_COLUMNS)}")
            )
            rejects.append(_reject(name, ln, "row", raw, reason, raw))
            continue
        for c, val in zip(cols, row, strict=True):
            c.append(val)
        lines.append(ln)
    tbl = pa.table({n: pa.array(c, pa.string()) for n, c in zip(TRADE_COLUMNS, cols, strict=True)})
    return tbl, np.asarray(lines, dtype=np.int64), rejects


def _reject(file: str, line: int, fld: str, value: str, reason: str, row: str) -> dict[str, object]:
    return {"file": file, "line": line, "field": fld, "value": value, "reason": reason, "row": row}


def _clean(col: pa.ChunkedArray, pattern: str) -> tuple[pa.ChunkedArray, pa.ChunkedArray]:
    """Return (possibly trimmed) strings and a mask of those matching ``pattern``."""
    ok = pc.match_substring_regex(col, pattern)
    if pc.all(ok).as_py():
        return col, ok
    col = pc.utf8_trim_whitespace(col)
    return col, pc.match_substring_regex(col, pattern)


def validate(
    tbl: pa.Table,
    lines: np.ndarray | int,
    name: str,
    country_codes: pa.Array,
) -> tuple[pa.Table, list[dict[str, object]]]:
    """Type a chunk of string columns; return the good rows and a reject record per bad row.

    Parameters
    ----------
    tbl
        Columns ``t, i, j, k, v, q`` as strings.
    lines
        Line number of each row, or the line number of the first row when rows are contiguous.
    name
        File name for reject records.
    country_codes
        Valid CEPII country codes (int16).
    """
    t, ok_t = _clean(tbl["t"], r"^\d{4}$")
    i, ok_i = _clean(tbl["i"], r"^\d{1,4}$")
    j, ok_j = _clean(tbl["j"], r"^\d{1,4}$")
    k, ok_k = _clean(tbl["k"], r"^\d{5,6}$")
    v, ok_v = _clean(tbl["v"], _NUM)
    q = pc.utf8_trim_whitespace(tbl["q"])
    q_null = pc.is_in(q, value_set=pa.array(_NULLS))
    ok_q = pc.or_(q_null, pc.match_substring_regex(q, _NUM))
    # Unknown codes are checked only where the code is a number at all.
    i_num = pc.cast(pc.if_else(ok_i, i, "0"), pa.int16())
    j_num = pc.cast(pc.if_else(ok_j, j, "0"), pa.int16())
    ok_ic = pc.and_(ok_i, pc.is_in(i_num, value_set=country_codes))
    ok_jc = pc.and_(ok_j, pc.is_in(j_num, value_set=country_codes))
    good = pc.and_(pc.and_(pc.and_(ok_t, ok_ic), pc.and_(ok_jc, ok_k)), pc.and_(ok_v, ok_q))
    rejects: list[dict[str, object]] = []
    n_bad = len(good) - pc.sum(good).as_py() if len(good) else 0
    if n_bad:
        bad_idx = np.flatnonzero(~good.to_numpy(zero_copy_only=False))
        line_arr = (lines + np.arange(len(good))) if isinstance(lines, int) else lines
        raw = tbl.take(pa.array(bad_idx)).to_pylist()
        checks = (
            ("t", ok_t, "year is not a 4-digit number"),
            ("i", ok_i, "exporter code is not a number"),
            ("i", ok_ic, "unknown exporter country code"),
            ("j", ok_j, "importer code is not a number"),
            ("j", ok_jc, "unknown importer country code"),
            ("k", ok_k, "invalid product code (expected 6 digits)"),
            ("v", ok_v, None),
            ("q", ok_q, None),
        )
        flags = {id(m): m.to_numpy(zero_copy_only=False) for _, m, _ in checks}
        for n, idx in enumerate(bad_idx):
            row = raw[n]
            for fld, m, why in checks:
                if not flags[id(m)][idx]:
                    val = str(row[fld])
                    reason = why or _number_reason(val, fld)
                    rejects.append(
                        _reject(
                            name,
                            int(line_arr[idx]),
                            fld,
                            val,
                            reason,
                            ",".join(str(row[c]) for c in TRADE_COLUMNS),
                        )
                    )
                    break
        keep = good
        t, i_num, j_num, k, v, q, q_null = (
            pc.filter(a, keep) for a in (t, i_num, j_num, k, v, q, q_null)
        )
    out = pa.table(
        {
            "t": pc.cast(t, pa.int16()),
            "i": i_num,
            "j": j_num,
            "k": pc.utf8_lpad(k, 6, "0"),
            "v": pc.cast(v, pa.float64()),
            "q": pc.cast(pc.if_else(q_null, None, q), pa.float64()),
        },
        schema=TRADE_SCHEMA,
    )
    return out, rejects


def _number_reason(val: str, fld: str) -> str:
    what = "value" if fld == "v" else "quantity"
    import re

    if re.match(_NEG, val.strip()):
        return f"negative {what}"
    if fld == "v" and val.strip() in _NULLS:
        return "missing value"
    return f"non-numeric {what}"


def scan_chunk(first_line: int, chunk: bytes, name: str, country_codes: pa.Array) -> Chunk:
    """Parse and validate one chunk (fast path when clean, exact slow path otherwise)."""
    tbl = _parse_fast(chunk)
    pre: list[dict[str, object]] = []
    lines: np.ndarray | int
    if tbl is None:
        tbl, lines, pre = _parse_slow(chunk, first_line, name)
    else:
        lines = first_line
    good, rejects = validate(tbl, lines, name, country_codes)
    allrej = sorted(pre + rejects, key=lambda r: int(r["line"]))  # type: ignore[call-overload]
    return Chunk(good, allrej, len(chunk))
