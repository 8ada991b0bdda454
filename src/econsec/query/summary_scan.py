"""A year's flow summary read straight from its Parquet files, in parallel row groups.

The store (:mod:`econsec.query.summaries`) uses this on DuckDB for a release's own flows:
the files are read a row group at a time (products as Parquet's dictionary indices, no
strings decoded), codes become dense indices, and :class:`~econsec.metrics.summary_arrays.
SummaryArrays` sums each worker's row groups before the workers merge. On a full BACI year
it takes half the time of the engine's hash aggregates, which spend most of theirs on a
million-group hash table.

It gives up (returns ``None``, and the engine computes the summary) on anything it does not
reproduce exactly: a code outside the release's country or product table, two codes of one
country in the same year (their flows must be summed first), a value that is NaN or null,
a row of another year, or a country × product grid above
:data:`~econsec.metrics.summary_arrays.MAX_SLOTS`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from econsec.metrics.summary_arrays import MAX_SLOTS, SummaryArrays

if TYPE_CHECKING:
    import pyarrow as pa

    from econsec.countries import CountryTable

log = logging.getLogger(__name__)

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
#: Country codes are looked up in a table of this size (CEPII codes are below 1,000).
_CODE_SPACE = 1 << 16


class _Unsupported(Exception):
    """The files hold something the scan does not reproduce exactly (see the module)."""


@dataclass(frozen=True)
class ScannedSummary:
    """Markets and sellers of one year: columns as numpy arrays, products as indices.

    ``markets``: ``j, k, total, n, sum_sq, vmax, top, own_exports``; ``sellers``:
    ``i, k, S, world_rank``; ``k``
    indexes ``products``, countries are canonical codes.
    """

    year: int
    products: Sequence[str]
    markets: dict[str, np.ndarray]
    sellers: dict[str, np.ndarray]

    def write(self, folder: Path, columns: Mapping[str, Sequence[str]]) -> None:
        """Write ``markets.parquet`` and ``sellers.parquet`` (``columns`` of each) to ``folder``.

        Products are written dictionary-encoded, as the summary's files are read back.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        dictionary = _strings(self.products)
        for part, cols in (("markets", self.markets), ("sellers", self.sellers)):
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
    """Summarise the flows in ``files`` (all of ``year``); ``None`` where it cannot (module)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    canon = sorted({countries.canonical(c) for c in countries.codes})
    index = {c: n for n, c in enumerate(canon)}
    lut = np.full(_CODE_SPACE, -1, np.int64)
    for c in countries.codes:
        if 0 <= c < _CODE_SPACE:
            lut[c] = index[countries.canonical(c)]
    kpos = {p: n for n, p in enumerate(products)}
    if len(kpos) != len(products) or len(canon) * len(products) > MAX_SLOTS or not files:
        return None
    tasks = [(f, r) for f in files for r in range(pq.ParquetFile(f).metadata.num_row_groups)]
    n_workers = max(1, min(workers or _cpus(), len(tasks) or 1))
    aliased = bool(countries.aliases)

    def work(mine: list[tuple[Path, int]]) -> tuple[SummaryArrays, np.ndarray]:
        acc = SummaryArrays(len(canon), len(products))
        present = np.zeros(_CODE_SPACE, bool)
        handles: dict[Path, pq.ParquetFile] = {}
        for f, r in mine:
            pf = handles.get(f) or handles.setdefault(f, pq.ParquetFile(f, read_dictionary=["k"]))
            t = pf.read_row_group(r, columns=["t", "i", "j", "k", "v"], use_threads=False)
            for b in t.to_batches(max_chunksize=CHUNK_ROWS):
                i, j = _codes(b.column(1)), _codes(b.column(2))
                if aliased:  # two codes of one country in the year are found below
                    present[i] = True
                    present[j] = True
                k, v = _products(b.column(3), kpos), _values(b.column(4))
                if not (_numpy(b.column(0)) == year).all():
                    raise _Unsupported(f"{f}: a row of another year than {year}")
                e, m = lut[i], lut[j]
                if e.min(initial=0) < 0 or m.min(initial=0) < 0:
                    raise _Unsupported(f"{f}: a country code outside the country table")
                acc.add(e, m, k, v)
        return acc, present

    shares = [tasks[w::n_workers] for w in range(n_workers)]
    try:
        with ThreadPoolExecutor(n_workers, thread_name_prefix="econsec-scan") as pool:
            done = list(pool.map(work, shares))
    except _Unsupported as why:
        log.debug("flow summary left to the engine: %s", why)
        return None
    finally:  # Arrow's allocator keeps what the row groups used; the sums below need none
        pa.default_memory_pool().release_unused()
    acc, present = done[0]
    for other, seen in done[1:]:
        acc.merge(other)
        present |= seen
    if aliased and _clash(np.flatnonzero(present), countries):
        log.debug("flow summary left to the engine: two codes of one country in %s", year)
        return None
    code = np.asarray(canon, np.int16)
    mk, sl = acc.markets(), acc.sellers()
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
    )


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


def _codes(a: pa.Array) -> np.ndarray:
    x = _numpy(a)
    if x.dtype.kind not in "iu":
        raise _Unsupported(f"country codes of type {a.type}")
    if len(x) and (int(x.min()) < 0 or int(x.max()) >= _CODE_SPACE):
        raise _Unsupported("a country code outside the country table")
    return x.astype(np.int64)


def _values(a: pa.Array) -> np.ndarray:
    x = _numpy(a)
    if x.dtype.kind != "f":
        raise _Unsupported(f"values of type {a.type}")
    x = x.astype(np.float64, copy=False)
    if np.isnan(x).any():
        raise _Unsupported("a NaN value")
    return x


def _products(a: pa.Array, kpos: dict[str, int]) -> np.ndarray:
    """Return the indices into the product list of a dictionary-encoded product column."""
    if a.null_count or not hasattr(a, "dictionary"):
        raise _Unsupported("product codes with nulls or without a dictionary")
    try:
        lut = np.array([kpos[p] for p in a.dictionary.to_pylist()], np.int64)
    except KeyError as e:
        raise _Unsupported(f"product {e} outside the product table") from None
    return lut[_numpy(a.indices)]
