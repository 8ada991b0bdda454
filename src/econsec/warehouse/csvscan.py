"""Streaming, validating reader of BACI CSV files (the exact scanner).

The file is read in byte chunks cut at line ends, so every row keeps its physical line number.
A chunk that parses cleanly is validated with vectorised Arrow kernels; a chunk with malformed
rows (wrong column count, blank lines, bad quoting, invalid UTF-8, overlong lines) is re-read
line by line so each bad row is reported with its exact line. Nothing is dropped without a
reject record.

The row rules live here once, as regular expressions (RE2 syntax, shared with the DuckDB fast
path of :mod:`econsec.warehouse.fastpath`) and :class:`Rules`, so both paths accept exactly the
same rows.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from econsec.errors import DataError
from econsec.warehouse.schema import MAX_LINE_BYTES, Q_MAX, TRADE_COLUMNS, TRADE_SCHEMA, V_MAX

#: Field patterns (RE2, unanchored: callers anchor them); applied after trimming ``TRIM``.
YEAR_RE = r"\d{4}"
CODE_RE = r"\d{1,4}"
PRODUCT_RE = r"\d{5,6}"
NUMBER_RE = r"(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?"
NEGATIVE_RE = r"-" + NUMBER_RE
#: Characters trimmed around every field (R writes space-padded quoted numbers). Spaces only:
#: the DuckDB fast path matches them inside its patterns, which is much cheaper than trimming.
TRIM = " "
#: Quantity spellings read as missing.
NULLS = ("", "NA", "na", "NaN", "nan", "NULL", "null")
REJECT_COLUMNS = ("file", "line", "field", "value", "reason", "row")
#: Rejects travel as Arrow tables (a few dozen bytes a row), never as one Python object per
#: row: a file of millions of bad rows keeps memory flat.
_CODED = pa.dictionary(pa.int32(), pa.string())  # few distinct values: file, field, reason
REJECT_SCHEMA = pa.schema(
    [
        ("file", _CODED),
        ("line", pa.int64()),
        ("field", _CODED),
        ("value", pa.string()),
        ("reason", _CODED),
        ("row", pa.string()),
    ]
)


def _reject_columns(cols: dict[str, pa.Array | pa.ChunkedArray]) -> pa.Table:
    """Build a rejects table, dictionary-encoding the repetitive columns."""
    for c in ("file", "field", "reason"):
        cols[c] = pc.dictionary_encode(cols[c])
    return pa.table(cols).cast(REJECT_SCHEMA)


_SHOW = 80  # characters of offending content kept in a reject's value and in messages


def _full(pattern: str) -> str:
    return f"^(?:{pattern})$"


@dataclass(frozen=True)
class Rules:
    """What a valid row of one yearly file is.

    Attributes
    ----------
    year
        The file's year: rows of another year are rejects.
    countries
        Valid CEPII country codes (int16).
    products
        Valid 6-digit product codes of the release, or ``None`` to check the syntax only.
    """

    year: int
    countries: pa.Array
    products: pa.Array | None = None


@dataclass
class Chunk:
    """A validated chunk: typed rows, their line numbers and the rejects found in it."""

    table: pa.Table
    lines: np.ndarray
    rejects: pa.Table = field(default_factory=lambda: REJECT_SCHEMA.empty_table())
    bytes_read: int = 0


def shorten(text: str, n: int = _SHOW) -> str:
    """Cut ``text`` to ``n`` characters (offending content never floods a message)."""
    return text if len(text) <= n else text[: n - 1] + "…"


class LineShape:
    """Running line count and longest line (bytes, without its newline) over byte blocks."""

    def __init__(self) -> None:
        self.newlines = 0
        self.longest = 0
        self._open = 0  # bytes of the current, unterminated line

    def add(self, block: bytes) -> None:
        """Account for the next block."""
        if not block:
            return
        nl = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
        if len(nl) == 0:
            self._open += len(block)
            self.longest = max(self.longest, self._open)
            return
        self.newlines += len(nl)
        longest = max(self._open + int(nl[0]), int(np.diff(nl).max(initial=1)) - 1)
        self._open = len(block) - int(nl[-1]) - 1
        self.longest = max(self.longest, longest, self._open)

    @property
    def lines(self) -> int:
        """Lines seen so far (a last line without a newline counts)."""
        return self.newlines + (self._open > 0)


def read_header(stream: IO[bytes], name: str) -> tuple[list[str], int]:
    """Read and check the header line; return the column names and the header's byte length."""
    first = stream.readline(MAX_LINE_BYTES + 1)
    if not first:
        raise DataError("empty file: no header line", path=name, line=1)
    if not first.endswith(b"\n") and len(first) > MAX_LINE_BYTES:
        raise DataError(
            f"no line end in the first {MAX_LINE_BYTES:,} bytes: not a BACI CSV", path=name, line=1
        )
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("header is not UTF-8 text: not a BACI CSV", path=name, line=1) from None
    cols = [c.strip().strip('"').strip().lower() for c in text.split(",")]
    if tuple(cols) != TRADE_COLUMNS:
        raise DataError(
            f"header is {shorten(repr(text.strip()))}; expected {','.join(TRADE_COLUMNS)} "
            "(BACI layout)",
            path=name,
            line=1,
        )
    return cols, len(first)


def iter_byte_chunks(
    stream: IO[bytes], size: int, max_line: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes, bool]]:
    """Yield ``(first_line_number, bytes, overlong)`` pieces cut at line ends (header: line 1).

    A line longer than ``max_line`` bytes is never held whole: it comes as one piece with
    ``overlong`` set, holding only the line's start, and the rest of it is skipped.
    """
    line = 2
    rest = b""
    skipping = False  # inside an overlong line already reported
    while True:
        block = stream.read(size)
        if not block:
            if rest:
                yield line, rest if rest.endswith(b"\n") else rest + b"\n", False
            return
        if skipping:
            cut = block.find(b"\n")
            if cut < 0:
                continue
            block, skipping, line = block[cut + 1 :], False, line + 1
        block = rest + block
        cut = block.rfind(b"\n")
        chunk, rest = (b"", block) if cut < 0 else (block[: cut + 1], block[cut + 1 :])
        if chunk:
            yield line, chunk, False
            line += chunk.count(b"\n")
        if len(rest) > max_line:
            yield line, rest[: _SHOW * 4], True
            rest, skipping = b"", True


def _parse_fast(chunk: bytes) -> pa.Table | None:
    """Parse a chunk with Arrow; ``None`` when any row is malformed (the slow path decides)."""
    bad = 0

    def handler(_row: object) -> str:
        nonlocal bad
        bad += 1
        return "skip"

    try:
        tbl = pacsv.read_csv(
            pa.py_buffer(chunk),
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
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # e.g. invalid UTF-8: the slow path names it
        return None
    if bad or tbl.num_rows != chunk.count(b"\n"):
        return None
    return tbl


#: A quote inside a field (``"1"5``, ``1"5``): readers disagree on such fields, so they are
#: rejects. A quote is fine only opening a field (after ``,`` or a line start) or closing it.
_STRAY_QUOTE = re.compile(rb'[^,\n]"[^,\r\n]')


def _plain_ascii(chunk: bytes) -> bool:
    """Whether Arrow may parse the chunk: ASCII, well quoted and no overlong line.

    Anything else goes line by line, so each odd byte or line is a reject with its line.
    """
    arr = np.frombuffer(chunk, dtype=np.uint8)
    if len(arr) == 0:
        return True
    if arr.max() >= 0x80 or (b'"' in chunk and _STRAY_QUOTE.search(chunk)):
        return False
    nl = np.flatnonzero(arr == 10)
    if len(nl) == 0:
        return len(chunk) <= MAX_LINE_BYTES
    return max(int(nl[0]), int(np.diff(nl).max(initial=1)) - 1) <= MAX_LINE_BYTES


def _parse_slow(chunk: bytes, first_line: int, name: str) -> tuple[pa.Table, np.ndarray, pa.Table]:
    """Parse line by line, rejecting malformed lines with their exact line numbers."""
    cols: list[list[str]] = [[] for _ in TRADE_COLUMNS]
    lines: list[int] = []
    rejects: list[dict[str, object]] = []
    raws = chunk.split(b"\n")
    if raws and raws[-1] == b"":
        raws.pop()
    for off, braw in enumerate(raws):
        ln = first_line + off
        row, reason, raw = _split_line(braw)
        if reason:
            rejects.append(_reject(name, ln, "row", raw, reason, raw))
            continue
        for c, val in zip(cols, row, strict=True):
            c.append(val)
        lines.append(ln)
    tbl = pa.table({n: pa.array(c, pa.string()) for n, c in zip(TRADE_COLUMNS, cols, strict=True)})
    return tbl, np.asarray(lines, dtype=np.int64), reject_table(rejects)


def _split_line(braw: bytes) -> tuple[list[str], str, str]:
    """Return ``(fields, reason, text)``: the fields, or why the line is malformed."""
    if len(braw) > MAX_LINE_BYTES:
        return (
            [],
            f"line longer than {MAX_LINE_BYTES:,} bytes",
            braw[:_SHOW].decode("utf-8", "replace"),
        )
    braw = braw.removesuffix(b"\r")
    try:
        raw = braw.decode("utf-8")
    except UnicodeDecodeError as e:
        return [], f"invalid UTF-8 at byte {e.start + 1}", braw.decode("utf-8", "replace")
    if not raw.strip():
        return [], "blank line", raw
    if raw.count('"') % 2:
        return [], "unbalanced quotes (a quoted field cannot span lines)", raw
    if _STRAY_QUOTE.search(braw):
        return [], "malformed quoting (a quote inside a field)", raw
    row = next(csv.reader([raw]))
    if len(row) != len(TRADE_COLUMNS):
        return [], f"wrong column count: {len(row)} fields, expected {len(TRADE_COLUMNS)}", raw
    return row, "", raw


def _reject(file: str, line: int, fld: str, value: str, reason: str, row: str) -> dict[str, object]:
    return {
        "file": file,
        "line": line,
        "field": fld,
        "value": shorten(value),
        "reason": reason,
        "row": shorten(row, 4 * _SHOW),
    }


def reject_table(records: list[dict[str, object]]) -> pa.Table:
    """Turn reject records into a table of :data:`REJECT_SCHEMA`."""
    if not records:
        return REJECT_SCHEMA.empty_table()
    return _reject_columns(
        {
            c: pa.array([r[c] for r in records], pa.int64() if c == "line" else pa.string())
            for c in REJECT_COLUMNS
        }
    )


def overlong_reject(name: str, line: int, head: bytes) -> pa.Table:
    """Return the reject of a line too long to hold (only its start is kept)."""
    text = head.decode("utf-8", "replace")
    return reject_table(
        [_reject(name, line, "row", text, f"line longer than {MAX_LINE_BYTES:,} bytes", text)]
    )


def _match(col: pa.ChunkedArray | pa.Array, pattern: str) -> pa.ChunkedArray:
    return pc.match_substring_regex(col, _full(pattern))


def validate(
    tbl: pa.Table, lines: np.ndarray | int, name: str, rules: Rules
) -> tuple[pa.Table, np.ndarray, pa.Table]:
    """Type a chunk of string columns; return the good rows, their lines and the rejects.

    Parameters
    ----------
    tbl
        Columns ``t, i, j, k, v, q`` as strings.
    lines
        Line number of each row, or the line number of the first row when rows are contiguous.
    name
        File name for reject records.
    rules
        The file's year, country codes and product codes.
    """
    t, i, j, k, v, q = (pc.utf8_trim(tbl[c], characters=TRIM) for c in TRADE_COLUMNS)
    ok_t = _match(t, YEAR_RE)
    ok_ty = pc.and_(ok_t, pc.equal(t, str(rules.year)))
    ok_i, ok_j, ok_k = _match(i, CODE_RE), _match(j, CODE_RE), _match(k, PRODUCT_RE)
    # Codes, products and numbers are looked up or cast only where their syntax is right.
    i_num = pc.cast(pc.if_else(ok_i, i, "0"), pa.int16())
    j_num = pc.cast(pc.if_else(ok_j, j, "0"), pa.int16())
    ok_ic = pc.and_(ok_i, pc.is_in(i_num, value_set=rules.countries))
    ok_jc = pc.and_(ok_j, pc.is_in(j_num, value_set=rules.countries))
    k6 = pc.utf8_lpad(pc.if_else(ok_k, k, "0"), 6, "0")
    ok_kc = (
        ok_k if rules.products is None else pc.and_(ok_k, pc.is_in(k6, value_set=rules.products))
    )
    ok_v = _match(v, NUMBER_RE)
    v_num = pc.cast(pc.if_else(ok_v, v, "0"), pa.float64())
    ok_vr = pc.and_(ok_v, pc.less_equal(v_num, V_MAX))
    q_null = pc.is_in(q, value_set=pa.array(NULLS))
    ok_q = pc.or_(q_null, _match(q, NUMBER_RE))
    q_num = pc.cast(pc.if_else(pc.and_(ok_q, pc.invert(q_null)), q, "0"), pa.float64())
    ok_qr = pc.and_(ok_q, pc.or_(q_null, pc.less_equal(q_num, Q_MAX)))
    checks = (
        ("t", ok_t, "year is not a 4-digit number"),
        ("t", ok_ty, f"year is not the file's year {rules.year} (one year per yearly file)"),
        ("i", ok_i, "exporter code is not a number"),
        ("i", ok_ic, "unknown exporter country code"),
        ("j", ok_j, "importer code is not a number"),
        ("j", ok_jc, "unknown importer country code"),
        ("k", ok_k, "invalid product code (expected 6 digits)"),
        ("k", ok_kc, "unknown product code (not in the release's product table)"),
        ("v", ok_v, None),
        ("v", ok_vr, f"value not finite or above the plausible cap {V_MAX:g} (thousand USD)"),
        ("q", ok_q, None),
        ("q", ok_qr, f"quantity not finite or above the plausible cap {Q_MAX:g} (tons)"),
    )
    good = ok_qr
    for _, m, _ in checks[:-1]:
        good = pc.and_(good, m)
    n = len(tbl)
    line_arr = (lines + np.arange(n, dtype=np.int64)) if isinstance(lines, int) else lines
    rejects = REJECT_SCHEMA.empty_table()
    good_np = good.to_numpy(zero_copy_only=False) if n else np.ones(0, dtype=bool)
    if n and not good_np.all():
        bad = np.flatnonzero(~good_np)
        rejects = _rejects(tbl.take(pa.array(bad)), line_arr[bad], bad, checks, name)
        t, i_num, j_num, k6, v_num, q_num, q_null = (
            pc.filter(a, good) for a in (t, i_num, j_num, k6, v_num, q_num, q_null)
        )
        line_arr = line_arr[good_np]
    out = pa.table(
        {
            "t": pc.cast(t, pa.int16()),
            "i": i_num,
            "j": j_num,
            "k": k6,
            "v": v_num,
            "q": pc.if_else(q_null, pa.scalar(None, pa.float64()), q_num),
        },
        schema=TRADE_SCHEMA,
    )
    return out, np.asarray(line_arr, dtype=np.int64), rejects


def _rejects(
    raw: pa.Table,
    lines: np.ndarray,
    bad: np.ndarray,
    checks: tuple[tuple[str, pa.ChunkedArray, str | None], ...],
    name: str,
) -> pa.Table:
    """Reject records of the rows ``bad``: the first failed check names field and reason."""
    failed = np.stack([~m.to_numpy(zero_copy_only=False)[bad] for _, m, _ in checks])
    first = np.argmax(failed, axis=0)
    fields = [f for f, _, _ in checks]
    reasons = [w or "" for _, _, w in checks]
    reason = pa.array(np.asarray(reasons, dtype=object)[first], pa.string())
    for fld in ("v", "q"):  # numbers: say why the text is not one
        what = "value" if fld == "v" else "quantity"
        syntax = np.flatnonzero([f == fld and w is None for f, _, w in checks])[0]
        at = pa.array(first == syntax)
        val = pc.utf8_trim(raw[fld], characters=TRIM)
        neg = _match(val, NEGATIVE_RE)
        why = pc.if_else(neg, f"negative {what}", f"non-numeric {what}")
        if fld == "v":
            why = pc.if_else(pc.is_in(val, value_set=pa.array(NULLS)), "missing value", why)
        reason = pc.if_else(at, why, reason)
    fld_arr = np.asarray(fields, dtype=object)[first]
    value = pa.nulls(len(bad), pa.string())
    for c in TRADE_COLUMNS:
        value = pc.if_else(pa.array(fld_arr == c), raw[c], value)
    row = pc.binary_join_element_wise(*(raw[c] for c in TRADE_COLUMNS), ",")
    return _reject_columns(
        {
            "file": pa.array(np.full(len(bad), name, dtype=object), pa.string()),
            "line": pa.array(lines, pa.int64()),
            "field": pa.array(fld_arr, pa.string()),
            "value": pc.utf8_slice_codeunits(value, 0, _SHOW),
            "reason": reason,
            "row": pc.utf8_slice_codeunits(row, 0, 4 * _SHOW),
        }
    )


def scan_chunk(first_line: int, chunk: bytes, name: str, rules: Rules) -> Chunk:
    """Parse and validate one chunk (Arrow when clean, line by line where it is not).

    A chunk Arrow cannot take whole is cut into small pieces, so a single bad line costs
    line-by-line parsing (and Python objects) for its piece only: memory stays bounded
    whatever the input.
    """
    whole = _parse_fast(chunk) if _plain_ascii(chunk) else None
    if whole is not None:
        good, good_lines, rej = validate(whole, first_line, name, rules)
        return Chunk(good, good_lines, rej, len(chunk))
    tables, lines, rejects = [], [], []
    for first, piece in _pieces(first_line, chunk):
        tbl = _parse_fast(piece) if _plain_ascii(piece) else None
        at: np.ndarray | int = first
        if tbl is None:
            tbl, at, pre = _parse_slow(piece, first, name)
            rejects.append(pre)
        good, good_lines, rej = validate(tbl, at, name, rules)
        tables.append(good)
        lines.append(good_lines)
        rejects.append(rej)
    table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    allrej = pa.concat_tables(rejects).sort_by("line")
    return Chunk(table, np.concatenate(lines), allrej, len(chunk))


def _pieces(first_line: int, chunk: bytes, size: int = 1 << 20) -> Iterator[tuple[int, bytes]]:
    """Cut a chunk into pieces of about ``size`` bytes at line ends."""
    start, line = 0, first_line
    while start < len(chunk):
        cut = chunk.find(b"\n", min(start + size, len(chunk)) - 1)
        end = len(chunk) if cut < 0 else cut + 1
        piece = chunk[start:end]
        yield line, piece
        line += piece.count(b"\n")
        start = end


class FlowKeys:
    """The flows ``(i, j, k)`` of one year seen so far: later duplicates are rejects.

    Keys are packed into int64 and kept as one sorted array (8 bytes a row, ~90 MB for a
    full BACI year), merged chunk by chunk in file order.
    """

    def __init__(self) -> None:
        self.seen = np.empty(0, dtype=np.int64)

    def keep_first(self, tbl: pa.Table) -> np.ndarray:
        """Return the mask of rows whose flow was not seen before (earlier rows win)."""
        if tbl.num_rows == 0:
            return np.ones(0, dtype=bool)
        i = tbl["i"].to_numpy().astype(np.int64)
        j = tbl["j"].to_numpy().astype(np.int64)
        k = pc.cast(tbl["k"], pa.int64()).to_numpy()
        key = (i * 10_000 + j) * 1_000_000 + k
        order = np.argsort(key, kind="stable")
        sk = key[order]
        first = np.ones(len(sk), dtype=bool)
        first[1:] = sk[1:] != sk[:-1]
        keep = np.zeros(len(key), dtype=bool)
        keep[order[first]] = True
        if len(self.seen):
            pos = np.minimum(np.searchsorted(self.seen, key), len(self.seen) - 1)
            keep &= self.seen[pos] != key
        # Two sorted runs: the stable sort (timsort) merges them in linear time.
        self.seen = np.sort(np.concatenate([self.seen, np.sort(key[keep])]), kind="stable")
        return keep


def duplicate_rejects(tbl: pa.Table, lines: np.ndarray, dup: np.ndarray, name: str) -> pa.Table:
    """Reject records of the duplicated flows ``tbl[dup]``."""
    rows = tbl.filter(pa.array(dup))
    text = {c: pc.cast(rows[c], pa.string()) for c in TRADE_COLUMNS}
    n = rows.num_rows
    return _reject_columns(
        {
            "file": pa.array(np.full(n, name, dtype=object), pa.string()),
            "line": pa.array(lines[dup], pa.int64()),
            "field": pa.array(np.full(n, "t,i,j,k", dtype=object), pa.string()),
            "value": pc.binary_join_element_wise(*(text[c] for c in "tijk"), ","),
            "reason": pa.array(
                np.full(
                    n,
                    "duplicate flow: same t,i,j,k as an earlier row (the first is kept)",
                    dtype=object,
                ),
                pa.string(),
            ),
            "row": pc.binary_join_element_wise(
                *(pc.fill_null(text[c], "") for c in TRADE_COLUMNS), ","
            ),
        }
    )
