"""The typed read of plain files: whole-line blocks parsed in parallel, written in order.

A file's bytes arrive in blocks (read from disk or inflated from a zip member). Each block is
tallied on the way (SHA-256, line count, longest line, plainness: :class:`Tally`), cut at its
last line end and handed to a thread pool that parses it into typed columns and checks them
(:func:`typed_part`); the parts are written to Parquet in file order while later blocks are
read and parsed. The first block that fails stops the read: the caller then takes the
checked SQL path or the exact scanner, so nothing depends on what was written so far.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from econsec.warehouse.csvscan import LineShape, read_header
from econsec.warehouse.schema import MAX_LINE_BYTES, Q_MAX, TRADE_COLUMNS, TRADE_SCHEMA, V_MAX

#: The bytes of a plain data line. On them a field's text is exactly what a typed reader
#: parses: no quote, padding, sign, exponent or null spelling can hide.
PLAIN_BYTES = b"0123456789,.\n"
#: Bytes per block: about 450,000 BACI lines, one Parquet row group.
BLOCK = 1 << 24
#: Parsing threads: beyond four, reading and writing (a thread each) set the pace.
_WORKERS = min(4, max(2, os.cpu_count() or 2))
#: Blocks in flight (parsing or waiting to be written): memory stays at a few blocks.
_AHEAD = 2 * _WORKERS + 1
#: Dictionaries pay off for the few distinct years, countries and products only; on the
#: values they would be built and then dropped for every row group (a third of the write).
#: The values are stored uncompressed: snappy saves only about 30% of them (doubles of
#: three decimals) for a third of the write's time, and they are read faster without it.
WRITE_OPTS: dict[str, Any] = {
    "compression": {
        "t": "snappy",
        "i": "snappy",
        "j": "snappy",
        "k": "snappy",
        "v": "none",
        "q": "none",
    },
    "use_dictionary": ["t", "i", "j", "k"],
}

_READ = pcsv.ReadOptions(column_names=list(TRADE_COLUMNS), use_threads=False, block_size=1 << 26)
_PARSE = pcsv.ParseOptions(quote_char=False, ignore_empty_lines=False)
_TEXT_TYPES = {"t": pa.string(), "i": pa.string(), "j": pa.string(), "k": pa.string()}
# Blocks are parsed only once their bytes are known to be plain (ASCII): no UTF-8 to check.
_CONVERT = pcsv.ConvertOptions(
    column_types={**_TEXT_TYPES, "v": pa.float64(), "q": pa.float64()},
    null_values=[""],
    strings_can_be_null=False,
    check_utf8=False,
)


class TextShape(LineShape):
    """A :class:`LineShape` that also tells whether every byte after the header is plain.

    Lines are counted exactly; ``longest`` is exact once a line is over twice
    :data:`_WINDOW` bytes and otherwise an upper bound no greater than that, which is all the
    checks need (:data:`MAX_LINE_BYTES` is far above) and spares locating every line end.
    """

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
        ends = np.frombuffer(block, np.uint8) == 10
        n = int(np.count_nonzero(ends))
        if not n or not _short_lines(ends):
            super().add(block)  # locates every line end: exact
            return
        first, last = block.find(b"\n"), block.rfind(b"\n")
        self.newlines += n
        self.longest = max(self.longest, self._open + first, min(last - first, 2 * _WINDOW))
        self._open = len(block) - last - 1
        self.longest = max(self.longest, self._open)


#: Every whole window of this many bytes holding a line end bounds the lines inside a block.
_WINDOW = 1 << 12


def _short_lines(ends: np.ndarray) -> bool:
    """Whether every whole window of a block holds a line end (no line inside is longer)."""
    whole = len(ends) // _WINDOW * _WINDOW
    return bool(ends[:whole].reshape(-1, _WINDOW).any(axis=1).all())


class Tally:
    """What one pass over a file's bytes tells: its line shape and, if asked, its SHA-256.

    ``complete`` is set once every byte has been accounted for.
    """

    def __init__(self, sha256: bool = False) -> None:
        self.shape = TextShape()
        self._sha = hashlib.sha256() if sha256 else None
        self.complete = False

    def add(self, block: bytes) -> None:
        """Account for the next block."""
        if self._sha is not None:
            self._sha.update(block)
        self.shape.add(block)

    def fill(self, path: Path) -> TextShape:
        """Account for the whole file afresh (after a pass that stopped early)."""
        self.shape = TextShape()
        self._sha = hashlib.sha256() if self._sha is not None else None
        for block in file_blocks(path):
            self.add(block)
        self.complete = True
        return self.shape

    @property
    def hexdigest(self) -> str:
        """The SHA-256 of the bytes seen (empty when not asked for)."""
        return self._sha.hexdigest() if self._sha is not None else ""


def file_blocks(path: Path, size: int = BLOCK) -> Iterator[bytes]:
    """Yield a file's bytes block by block."""
    with open(path, "rb", buffering=0) as f:
        while b := f.read(size):
            yield b


@dataclass
class Stats:
    """Rows, duplicated flows and distinct codes of a written file."""

    rows: int
    duplicates: int
    countries: set[int]
    products: set[str]


@dataclass
class Part:
    """One block's typed rows with their packed flow keys and distinct codes."""

    batch: pa.RecordBatch
    keys: np.ndarray
    ordered: bool
    countries: set[int]
    products: set[int]


def _widths(col: pa.Array, low: int, high: int) -> bool:
    """Whether every field is ``low`` to ``high`` bytes long."""
    got = pc.min_max(pc.binary_length(col)).as_py()
    return bool(got["min"] >= low and got["max"] <= high)


def _at_most(col: pa.Array, cap: float) -> bool:
    """Whether no value exceeds ``cap``, taken over every slot (a null's too: never lax)."""
    values = np.frombuffer(col.buffers()[1], np.float64, len(col), col.offset * 8)
    return bool(values.max() <= cap)  # NaN (none in plain text) would fail too


def _ints(col: pa.Array) -> np.ndarray:
    """Return an integer column without nulls as a numpy view of its buffer.

    Arrow's to_numpy() imports pandas, a second of start-up the fast path never needs.
    """
    dtype = np.dtype(f"int{col.type.bit_width}")
    return np.frombuffer(col.buffers()[1], dtype, len(col), col.offset * dtype.itemsize)


def _year_column(t: pa.Array, year: int) -> pa.Array | None:
    """Return the year as int16 if every field (of the year's width) spells it, else ``None``.

    Four-byte fields are compared as one integer each, far cheaper than parsing them.
    """
    text = str(year).encode()
    if len(text) != 4:  # no BACI year has another width; exact all the same
        try:
            tt = pc.cast(t, pa.int16())
        except pa.ArrowInvalid:
            return None
        return tt if pc.min_max(tt).as_py() == {"min": year, "max": year} else None
    start = int(np.frombuffer(t.buffers()[1], np.int32, 1, t.offset * 4)[0])
    fields = np.frombuffer(t.buffers()[2], np.uint32, len(t), start)
    if not bool(np.all(fields == np.frombuffer(text, np.uint32)[0])):
        return None
    values = np.full(len(t), year, np.int16)
    return pa.Array.from_buffers(pa.int16(), len(t), [None, pa.py_buffer(values)])


def check_batch(batch: pa.RecordBatch, year: int) -> Part | None:
    """Return a plain batch typed, or ``None`` if any row fails the exact checks.

    On plain bytes (:data:`PLAIN_BYTES`) the scanner's patterns reduce to: the year's text,
    codes of 1–4 and products of 5–6 digits, and numbers a float parser takes (one dot at
    most, not alone; an empty value is null, allowed for ``q`` only). A field of the right
    width holding a dot fails the cast to integers.
    """
    t, i, j, k, v, q = (batch.column(c) for c in TRADE_COLUMNS)
    width = len(str(year))
    ok = (
        _widths(t, width, width)
        and _widths(i, 1, 4)
        and _widths(j, 1, 4)
        and _widths(k, 5, 6)
        and v.null_count == 0
        and _at_most(v, V_MAX)
        and (q.null_count == len(q) or _at_most(q, Q_MAX))
    )
    if not ok:
        return None
    tt = _year_column(t, year)
    if tt is None:
        return None
    try:
        ii, jj = (pc.cast(c, pa.int16()) for c in (i, j))
        kk = pc.cast(k, pa.int32())
    except pa.ArrowInvalid:  # a dot in a code
        return None
    if not _widths(k, 6, 6):  # padding every field would cost more than the parse
        k = pc.utf8_lpad(k, 6, "0")
    i16, j16, k32 = _ints(ii), _ints(jj), _ints(kk)
    keys = i16.astype(np.int64)  # (i * 10^4 + j) * 10^6 + k, in place
    keys *= 10000
    keys += j16
    keys *= 1_000_000
    keys += k32
    return Part(
        pa.RecordBatch.from_arrays([tt, ii, jj, k, v, q], schema=TRADE_SCHEMA),
        keys,
        bool(np.all(keys[1:] > keys[:-1])),
        {*pc.unique(ii).to_pylist(), *pc.unique(jj).to_pylist()},
        set(pc.unique(kk).to_pylist()),
    )


def typed_part(lines: memoryview, year: int) -> Part | None:
    """Parse whole data lines of plain bytes, typed, and check them (``None``: not all valid).

    The bytes must be plain (:class:`TextShape`): the parser does not check their UTF-8.
    """
    try:
        table = pcsv.read_csv(
            pa.py_buffer(lines), read_options=_READ, parse_options=_PARSE, convert_options=_CONVERT
        )
    except pa.ArrowInvalid:  # a line without six fields, or a number no float parser takes
        return None
    batches = table.combine_chunks().to_batches()
    return check_batch(batches[0], year) if batches else None


class _Gathered:
    """Rows, flow keys and distinct codes gathered part by part, in file order."""

    def __init__(self) -> None:
        self.rows = 0
        self.keys: list[np.ndarray] = []
        self.ordered = True
        self.failed = False
        self.countries: set[int] = set()
        self.products: set[int] = set()

    def add(self, part: Part) -> None:
        """Account for the next part."""
        if self.keys and len(part.keys) and self.keys[-1][-1] >= part.keys[0]:
            self.ordered = False
        self.ordered = self.ordered and part.ordered
        self.rows += part.batch.num_rows
        if len(part.keys):
            self.keys.append(part.keys)
        self.countries |= part.countries
        self.products |= part.products

    def result(self) -> Stats:
        """Return the stats; duplicated flows counted on the packed keys.

        BACI files come sorted, so strictly increasing keys prove there are no duplicates
        without hashing; otherwise the distinct keys are counted.
        """
        dup = 0
        if not self.ordered:
            key = np.concatenate(self.keys)
            dup = len(key) - len(np.unique(key))
        return Stats(self.rows, dup, self.countries, {f"{p:06d}" for p in self.products})


def data_lines(raw: Iterable[bytes], tally: Tally, label: str) -> Iterator[memoryview]:
    """Yield the data lines after the header in blocks of whole lines, tallying every byte.

    Blocks hold about :data:`BLOCK` bytes whatever the size of the ones read (a zip member
    inflates in smaller ones). The header is checked (:func:`read_header`) as soon as its
    line is complete. The last block may end without a line end. A line over
    :data:`MAX_LINE_BYTES` stops the blocks early, leaving ``tally`` incomplete.
    """
    held: list[bytes] = []  # read, not yet yielded: a partial line, then whole blocks
    size = tail = 0  # bytes held; bytes after the last line end
    header = True
    for block in raw:
        tally.add(block)
        if header:
            held.append(block)
            head = b"".join(held)
            end = head.find(b"\n")
            if end < 0 and len(head) <= MAX_LINE_BYTES:
                continue
            read_header(io.BytesIO(head), label)
            header, block, held = False, head[end + 1 :], []
        held.append(block)
        size += len(block)
        last = block.rfind(b"\n")
        tail = tail + len(block) if last < 0 else len(block) - last - 1
        if tail > MAX_LINE_BYTES:  # an overlong line is never held whole: stop here
            return
        if size >= BLOCK and size > tail:
            lines = memoryview(b"".join(held))  # the one copy of the bytes held
            held, size = [bytes(lines[len(lines) - tail :])], tail
            yield lines[: len(lines) - tail]
    if header:
        read_header(io.BytesIO(b"".join(held)), label)
    elif size:
        yield memoryview(b"".join(held))
    tally.complete = True


def stream_plain(
    raw: Iterable[bytes], tmp: Path, year: int, tally: Tally, label: str
) -> Stats | None:
    """Write a plain file's rows to ``tmp`` if every one is valid; return their stats.

    ``None`` (``tmp`` may hold a partial file) as soon as a byte is not plain or a block fails
    a check; an error of the source (e.g. a corrupt zip member) propagates. Reading (with
    hashing and counting), parsing and writing each run on their own threads.
    """
    got = _Gathered()
    ahead: deque[Future[bool]] = deque()
    # Exited in reverse: the threads are done before the writer closes.
    with (
        pq.ParquetWriter(tmp, TRADE_SCHEMA, **WRITE_OPTS) as out,
        ThreadPoolExecutor(_WORKERS) as pool,
        ThreadPoolExecutor(1) as writer,  # one thread: parts are written in file order
    ):
        try:
            for lines in data_lines(raw, tally, label):
                if not tally.shape.plain:  # before the parse, which trusts the bytes
                    return None
                parsed = pool.submit(typed_part, lines, year)
                ahead.append(writer.submit(_write, parsed, out, got))
                # Wait only when enough blocks are in flight (memory stays at a few blocks).
                while ahead and (len(ahead) > _AHEAD or ahead[0].done()):
                    if not ahead.popleft().result():
                        return None
            while ahead:
                if not ahead.popleft().result():
                    return None
        finally:
            got.failed = got.failed or bool(ahead)  # stopped early: write nothing more
            for f in ahead:
                f.cancel()
    if not (tally.complete and tally.shape.plain):
        return None
    stats = got.result()
    return stats if stats.rows and not stats.duplicates else None


def _write(parsed: Future[Part | None], out: pq.ParquetWriter, got: _Gathered) -> bool:
    """Write the next part once checked (``False``: it or an earlier one failed)."""
    part = None if got.failed else parsed.result()
    if part is None:
        got.failed = True
        return False
    out.write_batch(part.batch)
    got.add(part)
    return True
