"""The exact path of ingest: every row validated by :mod:`econsec.warehouse.csvscan`.

Chunks are validated on a small thread pool and written in file order, so "the first row of a
flow wins" means the first in the file, and memory stays flat (a bounded number of chunks in
flight; rejects as compact Arrow tables).
"""

from __future__ import annotations

import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from econsec.errors import DataError
from econsec.warehouse.csvscan import (
    REJECT_SCHEMA,
    Chunk,
    FlowKeys,
    Rules,
    duplicate_rejects,
    iter_byte_chunks,
    overlong_reject,
    read_header,
    scan_chunk,
)
from econsec.warehouse.schema import TRADE_SCHEMA
from econsec.warehouse.store import PARQUET_OPTS
from econsec.warehouse.years import YearStats

CHUNK_BYTES = 8 << 20  # in flight: (workers + 1) chunks; memory stays flat
ProgressFn = Callable[[str, int, int], None]  # (description, advance bytes, total bytes)


class Sink:
    """Writes one year's validated chunks to Parquet, in file order, and rejects to a CSV.

    Duplicate flows are caught here (not in the parallel validation) so that "the first row
    wins" means the first in the file.
    """

    def __init__(self, out: Path, part: str, rejects_path: Path, stats: YearStats) -> None:
        self.out, self.part, self.stats = out, part, stats
        self.writer: pq.ParquetWriter | None = None
        self.keys = FlowKeys()
        self.rejects_path = rejects_path
        self.n_rejects = 0
        self._rej_writer: pacsv.CSVWriter | None = None

    def add(self, chunk: Chunk, name: str) -> None:
        """Write a chunk's new flows; reject its duplicates of earlier flows."""
        tbl, rejects = chunk.table, chunk.rejects
        if tbl.num_rows:
            keep = self.keys.keep_first(tbl)
            if not keep.all():
                dups = duplicate_rejects(tbl, chunk.lines, ~keep, name)
                rejects = pa.concat_tables([rejects, dups]).sort_by("line")
                tbl = tbl.filter(pa.array(keep))
        if tbl.num_rows:
            if self.writer is None:
                self.out.mkdir(parents=True, exist_ok=True)
                self.writer = pq.ParquetWriter(
                    self.out / f"{self.part}.parquet", TRADE_SCHEMA, **PARQUET_OPTS
                )
            self.writer.write_table(tbl)
            self.stats.rows += tbl.num_rows
            self.stats.products.update(pc.unique(tbl["k"]).to_pylist())
            self.stats.countries.update(pc.unique(tbl["i"]).to_pylist())
            self.stats.countries.update(pc.unique(tbl["j"]).to_pylist())
        if rejects.num_rows:
            if self._rej_writer is None:
                self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
                # The staged release may hard-link the live one: never write through a link.
                self.rejects_path.unlink(missing_ok=True)
                self._rej_writer = pacsv.CSVWriter(str(self.rejects_path), REJECT_SCHEMA)
            self._rej_writer.write_table(rejects)
            self.n_rejects += rejects.num_rows

    def close(self) -> None:
        """Finish the Parquet and rejects files."""
        if self.writer is not None:
            self.writer.close()
        if self._rej_writer is not None:
            self._rej_writer.close()


def scan_stream(
    stream: IO[bytes],
    name: str,
    rules: Rules,
    sink: Sink,
    total: int,
    progress: ProgressFn | None,
    workers: int,
) -> None:
    """Validate a CSV stream chunk by chunk on a small thread pool, writing in file order."""
    _, header_bytes = read_header(stream, name)
    if progress is not None:
        progress(name, header_bytes, total)
    pending: deque[Future[Chunk]] = deque()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for first, data, overlong in _guard(iter_byte_chunks(stream, CHUNK_BYTES), name):
            if overlong:
                done: Future[Chunk] = Future()
                empty = pa.table({}, schema=TRADE_SCHEMA)
                done.set_result(
                    Chunk(empty, np.empty(0, np.int64), overlong_reject(name, first, data))
                )
                pending.append(done)
            else:
                pending.append(pool.submit(scan_chunk, first, data, name, rules))
            # Bounded in-flight work keeps memory flat whatever the file size.
            while len(pending) > workers:
                _drain(pending.popleft(), sink, name, total, progress)
        while pending:
            _drain(pending.popleft(), sink, name, total, progress)


def _drain(
    fut: Future[Chunk], sink: Sink, name: str, total: int, progress: ProgressFn | None
) -> None:
    chunk = fut.result()
    sink.add(chunk, name)
    if progress is not None:
        progress(name, chunk.bytes_read, total)


def _guard(it: Iterator[tuple[int, bytes, bool]], name: str) -> Iterator[tuple[int, bytes, bool]]:
    try:
        yield from it
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        raise DataError(
            f"cannot read (corrupt or truncated archive?): {str(e)[:80]}", path=name
        ) from None
