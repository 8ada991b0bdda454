"""A year's flow summary read straight from its Parquet files, row group by row group.

The store (:mod:`econsec.query.summaries`) uses this on DuckDB for a release's own flows:
reader threads decode the row groups ahead (products as Parquet's dictionary indices, no
strings decoded; codes as dense indices, then slots), and one
:class:`~econsec.metrics.summary_arrays.SummaryArrays` sums them in file order. On a full
BACI year it takes less than half the time of the engine's hash aggregates, which spend most
of theirs on a million-group hash table.

It gives up (returns ``None``, and the engine computes the summary) on anything it does not
reproduce exactly: a code outside the release's country or product table, two codes of one
country in the same year (their flows must be summed first), a value that is NaN or null,
a row of another year, or a country × product grid above
:data:`~econsec.metrics.summary_arrays.MAX_SLOTS`.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections import deque
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from econsec.metrics.summary_arrays import MAX_SLOTS, SummaryArrays

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from econsec.countries import CountryTable

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

#: Arrow primitive types read as numpy arrays (``Array.to_numpy`` would import pandas).
_NUMPY = {
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "float": np.float32,
    "double": np.float64,
}
#: The Arrow type of each numpy type above (``pa.array`` would import pandas).
_ARROW = {v: k for k, v in _NUMPY.items()}
#: Flows summed at a time: their temporaries (a few MB) stay in the threads' malloc arenas,
#: where larger ones would be kept there after the scan, unused, raising the process's memory.
CHUNK_ROWS = 1 << 18
#: Flows decoded ahead of the sums, at most (about 120 MB): three row groups of a million
#: flows, one at a time when they hold more than four million.
AHEAD_FLOWS = 4_000_000
#: Country codes are looked up in a table of this size (CEPII codes are below 1,000).
_CODE_SPACE = 1 << 16


class _Unsupported(Exception):
    """The files hold something the scan does not reproduce exactly (see the module)."""


@dataclass(frozen=True)
class ScannedSummary:
    """Markets, sellers and world totals of one year: columns as numpy arrays.

    ``markets``: ``j, k, total, n, sum_sq, vmax, top, own_exports``; ``sellers``:
    ``i, k, S, world_rank``; ``world``: ``k, W, n_exporters, sum_sq, Smax``. ``k`` indexes
    ``products``, countries are canonical codes.
    """

    year: int
    products: Sequence[str]
    markets: dict[str, np.ndarray]
    sellers: dict[str, np.ndarray]
    world: dict[str, np.ndarray]

    def parts(self) -> dict[str, dict[str, np.ndarray]]:
        """Return the three tables by name, as the summary's files are named."""
        return {"markets": self.markets, "sellers": self.sellers, "world": self.world}

    def write(self, folder: Path, columns: Mapping[str, Sequence[str]]) -> None:
        """Write each part to ``folder/<part>.parquet`` (``columns`` of each).

        Products are written dictionary-encoded, as the summary's files are read back.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        dictionary = _strings(self.products)
        for part, cols in self.parts().items():
            n = len(cols["k"])
            arrays = {"t": _arrow(np.full(n, self.year, np.int16))}
            arrays.update({c: _arrow(v) for c, v in cols.items() if c != "k"})
            arrays["k"] = pa.DictionaryArray.from_arrays(
                _arrow(cols["k"].astype(np.int32)), dictionary
            )
            table = pa.Table.from_arrays([arrays[c] for c in columns[part]], list(columns[part]))
            # Dictionaries only for the codes: for values they cost time and save nothing.
            pq.write_table(
                table,
                folder / f"{part}.parquet",
                compression="lz4",
                use_dictionary=[c for c in columns[part] if c in ("t", "i", "j", "k", "top")],
            )
        pa.default_memory_pool().release_unused()  # what the writer buffered


def scan_summary(
    files: Sequence[Path],
    year: int,
    countries: CountryTable,
    products: Sequence[str],
    *,
    workers: int | None = None,
) -> ScannedSummary | None:
    """Summarise the flows in ``files`` (all of ``year``); ``None`` where it cannot (module).

    ``workers`` threads read and decode row groups ahead, down to each flow's slots (Arrow
    and numpy's arithmetic release the GIL); the calling thread sums them, in file order,
    into one accumulator. The sums hold the GIL, so more summing threads would only wait
    for each other, and file order makes every run add in the same order (the same totals
    to the last bit).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    canon = sorted({countries.canonical(c) for c in countries.codes})
    index = {c: n for n, c in enumerate(canon)}
    lut = np.full(_CODE_SPACE, -1, np.int32)
    for c in countries.codes:
        if 0 <= c < _CODE_SPACE:
            lut[c] = index[countries.canonical(c)]
    kpos = {p: n for n, p in enumerate(products)}
    if len(kpos) != len(products) or len(canon) * len(products) > MAX_SLOTS or not files:
        return None
    metas = {f: pq.ParquetFile(f).metadata for f in files}
    tasks = [(f, r) for f in files for r in range(metas[f].num_row_groups)]
    largest = max((metas[f].row_group(r).num_rows for f, r in tasks), default=0)
    # A Parquet reader serves one thread at a time: each thread opens its own.
    local = threading.local()
    wanted = workers or _cpus()
    # Row groups decoded ahead hold about 30 bytes a flow: few of them when they are large.
    depth = max(1, min(wanted + 1, AHEAD_FLOWS // max(largest, 1)))
    n_workers = max(1, min(wanted, depth, len(tasks) or 1))
    aliased = bool(countries.aliases)
    present = np.zeros(_CODE_SPACE, bool)
    acc = SummaryArrays(len(canon), len(products))

    def decode(task: tuple[Path, int]) -> _Flows:
        f, r = task
        handles = local.__dict__.setdefault("handles", {})
        pf = handles.get(f) or handles.setdefault(f, pq.ParquetFile(f, read_dictionary=["k"]))
        columns = ["i", "j", "k", "v"] if _one_year(pf, r, year) else ["t", "i", "j", "k", "v"]
        t = pf.read_row_group(r, columns=columns, use_threads=False)
        if "t" in columns and not (_numpy(t.column("t").combine_chunks()) == year).all():
            raise _Unsupported(f"{f}: a row of another year than {year}")
        i, j = _codes(t.column("i")), _codes(t.column("j"))
        if aliased:  # two codes of one country in the year are found below
            present[i] = True
            present[j] = True
        e, m = lut[i], lut[j]
        if e.min(initial=0) < 0 or m.min(initial=0) < 0:
            raise _Unsupported(f"{f}: a country code outside the country table")
        return (*acc.keys(e, m, _products(t.column("k"), kpos)), e, _values(t.column("v")))

    try:
        # Exited in reverse: on an error the row groups not yet decoding are cancelled first.
        with (
            ThreadPoolExecutor(n_workers, thread_name_prefix="econsec-scan") as pool,
            closing(_ahead(pool, decode, tasks, depth)) as decoded,
        ):
            for market, seller, e, v in decoded:
                for a in range(0, len(v), CHUNK_ROWS):
                    cut = slice(a, a + CHUNK_ROWS)
                    acc.add_keyed(market[cut], seller[cut], e[cut], v[cut])
    except _Unsupported as why:
        log.debug("flow summary left to the engine: %s", why)
        return None
    finally:  # Arrow's allocator keeps what the row groups used; the sums below need none
        pa.default_memory_pool().release_unused()
    if aliased and _clash(np.flatnonzero(present), countries):
        log.debug("flow summary left to the engine: two codes of one country in %s", year)
        return None
    code = np.asarray(canon, np.int16)
    mk, sl, world = acc.markets(), acc.sellers(), acc.world()
    return ScannedSummary(
        year=year,
        products=products,
        markets={
            "j": code[mk["m"]],
            "k": mk["k"],
            "total": mk["total"],
            "n": mk["n"],
            "sum_sq": mk["sum_sq"],
            "vmax": mk["vmax"],
            "top": code[mk["top"]],
            "own_exports": mk["own_exports"],
        },
        sellers={"i": code[sl["e"]], "k": sl["k"], "S": sl["S"], "world_rank": sl["world_rank"]},
        world=world,
    )


#: A row group's flows as the accumulator takes them: market and seller slots, exporter
#: indices and values.
_Flows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _ahead(
    pool: ThreadPoolExecutor,
    fn: Callable[[T], R],
    items: Sequence[T],
    depth: int,
) -> Generator[R, None, None]:
    """``fn`` of each item, in order, with at most ``depth`` items in flight (bounded memory).

    On an error, items not yet started are cancelled before it is raised.
    """
    pending: deque[Future[R]] = deque()
    todo = iter(items)
    try:
        for item in itertools.islice(todo, depth):
            pending.append(pool.submit(fn, item))
        while pending:
            out = pending.popleft().result()
            for item in itertools.islice(todo, 1):
                pending.append(pool.submit(fn, item))
            yield out
    finally:
        for f in pending:
            f.cancel()


def _one_year(pf: pq.ParquetFile, row_group: int, year: int) -> bool:
    """Whether the row group's statistics show every ``t`` is ``year`` (its column unread)."""
    rg = pf.metadata.row_group(row_group)
    for c in range(rg.num_columns):
        col = rg.column(c)
        if col.path_in_schema == "t":
            st = col.statistics
            return bool(
                st is not None
                and st.has_min_max
                and st.has_null_count
                and st.null_count == 0
                and st.min == year
                and st.max == year
            )
    return False


def _cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _clash(codes: np.ndarray, countries: CountryTable) -> bool:
    canon = [countries.canonical(int(c)) for c in codes]
    return len(canon) != len(set(canon))


def _arrow(x: np.ndarray) -> pa.Array:
    """Return a numpy array as an Arrow array over the same buffer (``pa.array`` imports pandas)."""
    import pyarrow as pa

    x = np.ascontiguousarray(x)
    return pa.Array.from_buffers(
        pa.type_for_alias(_ARROW[x.dtype.type]), len(x), [None, pa.py_buffer(x)]
    )


def _strings(values: Sequence[str]) -> pa.Array:
    """Return Python strings as an Arrow string array, built from its buffers."""
    import pyarrow as pa

    encoded = [v.encode() for v in values]
    offsets = np.zeros(len(encoded) + 1, np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(encoded), buffers)


def _numpy(a: pa.Array) -> np.ndarray:
    """Return a null-free primitive Arrow array as a numpy view of its buffer."""
    dtype = _NUMPY.get(str(a.type))
    if dtype is None or a.null_count:
        raise _Unsupported(f"a column of type {a.type} with {a.null_count} nulls")
    return np.frombuffer(a.buffers()[1], dtype, len(a), a.offset * np.dtype(dtype).itemsize)


def _codes(a: pa.ChunkedArray) -> np.ndarray:
    x = _numpy(a.combine_chunks())
    if x.dtype.kind not in "iu":
        raise _Unsupported(f"country codes of type {a.type}")
    if len(x) and (int(x.min()) < 0 or int(x.max()) >= _CODE_SPACE):
        raise _Unsupported("a country code outside the country table")
    return x


def _values(a: pa.ChunkedArray) -> np.ndarray:
    x = _numpy(a.combine_chunks())
    if x.dtype.kind != "f":
        raise _Unsupported(f"values of type {a.type}")
    x = x.astype(np.float64, copy=False)
    if np.isnan(x).any():
        raise _Unsupported("a NaN value")
    return x


def _products(a: pa.ChunkedArray, kpos: dict[str, int]) -> np.ndarray:
    """Return the indices into the product list of a dictionary-encoded product column."""
    parts = []
    for chunk in a.chunks:
        if chunk.null_count or not hasattr(chunk, "dictionary"):
            raise _Unsupported("product codes with nulls or without a dictionary")
        try:
            lut = np.array([kpos[p] for p in chunk.dictionary.to_pylist()], np.int32)
        except KeyError as e:
            raise _Unsupported(f"product {e} outside the product table") from None
        parts.append(lut[_numpy(chunk.indices)])
    return np.concatenate(parts) if len(parts) != 1 else parts[0]
