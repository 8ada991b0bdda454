"""Flow summaries computed once per release × year and shared by the queries that need them.

Autonomy, indispensability and the screens built on them start from the same two aggregates
of a year's flows (:mod:`econsec.metrics.summary`): markets (importer × product) and sellers
(exporter × product). Over a whole year these cost most of a query; this store computes them
once and serves them to every later query:

* in memory, for the life of the :class:`~econsec.engine.Warehouse` (a notebook, the server):
  on DuckDB as two tables of its own database, dropped once no expression refers to them,
  elsewhere as Arrow tables; at most :data:`MEMORY_YEARS` years, older ones read back from
  their files;
* on disk under ``<home>/cache/summaries/hs=…/release=…/year=…/``, for later processes (the
  CLI's next command), written atomically beside a ``source.json`` that records the data
  files they were computed from (name, size, modification time) and the summary's version;
  a re-ingested year no longer matches and is summarised again. ``ECONSEC_SUMMARY_CACHE=0``
  keeps summaries in memory only; a warehouse that cannot be written to is used the same
  way.

Queries over the flows a summary was computed from (a release's own nomenclature, every
product) use it; converted codes, blocs and the Spark engine compute their aggregates
inside the query as before. Results are the same either way (tests compare both).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np

from econsec.metrics.summary import (
    MARKET_COLUMNS,
    SELLER_COLUMNS,
    TOTAL_COLUMNS,
    FlowSummary,
    exporter_totals,
    markets,
    restrict_summary,
    world_ranks,
    world_totals,
)
from econsec.query.summary_files import readable, source_of, summary_dir
from econsec.settings import get_settings

if TYPE_CHECKING:
    from econsec.engine import Warehouse
    from econsec.query.summary_scan import ScannedSummary
    from econsec.warehouse.catalog import ReleaseInfo

log = logging.getLogger(__name__)

#: Summaries computed in this process held in memory at once (each is about 100 MB for
#: a full BACI year); older ones are read from their files, or computed again if not written.
MEMORY_YEARS = 3
#: Flows per slice of the market aggregate on DuckDB. A larger year is aggregated in slices
#: of importer codes, one after the other: its hash table is the largest allocation of a
#: query (a full BACI year, about 1.1M markets: 530 MB peak in one slice, 320 MB in three) and
#: slicing by an integer column costs no time.
FLOWS_PER_SLICE = 4_000_000
#: Summarise a year on DuckDB by scanning its files (:mod:`econsec.query.summary_scan`)
#: where the scan can; ``False``: always with the engine's aggregates.
SCAN_FILES = True
#: Most threads reading a year's row groups ahead of the sums (:mod:`econsec.query.summary_scan`):
#: one accumulator sums them all, so more than four gain little.
SCAN_WORKERS = 4
_PARTS = ("markets", "sellers", "world")
_COLUMNS = {"markets": MARKET_COLUMNS, "sellers": SELLER_COLUMNS, "world": TOTAL_COLUMNS}


def importer_slices(codes: Sequence[int], n: int) -> list[tuple[int, int]]:
    """Split the code line into ``n`` half-open ranges ``[lo, hi)`` with equal numbers of codes.

    The ranges cover every integer (the first starts at -2**31, the last ends at 2**31), so a
    code missing from ``codes`` still falls in one of them.
    """
    cuts = sorted({codes[len(codes) * p // n] for p in range(1, n)} if codes else set())
    bounds = [-(2**31), *cuts, 2**31]
    return [(lo, hi) for lo, hi in itertools.pairwise(bounds) if lo < hi]


class SummaryStore:
    """Flow summaries of one warehouse's release years (see the module docstring)."""

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh
        # Newest last; a summary computed here is held in memory until it is on disk, and at
        # most MEMORY_YEARS of those are kept (30 years of them would be gigabytes).
        self._memory: OrderedDict[tuple[str, int], tuple[dict[str, Any], FlowSummary]] = (
            OrderedDict()
        )
        self._in_memory: set[tuple[str, int]] = set()
        self._writers: dict[tuple[str, int], threading.Thread] = {}
        self._written: dict[tuple[str, int], Path] = {}
        # Names of DuckDB summary tables no expression refers to any more (see _as_duckdb).
        self._unused: deque[str] = deque()
        # Flows expressions handed out by the query layer -> (release, years, products).
        self._origin: dict[Any, tuple[ReleaseInfo, tuple[int, ...], Sequence[str] | None]] = {}

    @property
    def usable(self) -> bool:
        """Whether this engine gets stored summaries (Spark computes its own, distributed)."""
        return self.wh.con.name in ("duckdb", "polars")

    def note(
        self,
        flows: ir.Table,
        rel: ReleaseInfo,
        years: Sequence[int],
        products: Sequence[str] | None = None,
    ) -> None:
        """Record that ``flows`` are the release's own flows of ``years`` (and ``products``)."""
        if self.usable:
            self._origin[flows.op()] = (rel, tuple(sorted(set(years))), products)

    def for_flows(self, flows: ir.Table, *, build: bool) -> FlowSummary | None:
        """Return the summary of ``flows`` when they were :meth:`note`-d, else ``None``.

        ``build``: compute (and store) summaries that are not held yet; otherwise only
        summaries already in memory or on disk are used (a narrow query is cheaper on the
        flows than a whole year's summary).
        """
        origin = self._origin.get(flows.op())
        if origin is None:
            return None
        rel, years, products = origin
        parts = []
        for y in years:
            s = self.get(rel, y, build=build)
            if s is None:
                return None
            parts.append(s)
        if len(parts) == 1:
            return restrict_summary(parts[0], products)
        both = FlowSummary(
            *(getattr(parts[0], n).union(*(getattr(p, n) for p in parts[1:])) for n in _PARTS)
        )
        return restrict_summary(both, products)

    def get(self, rel: ReleaseInfo, year: int, *, build: bool = True) -> FlowSummary | None:
        """Return one release year's summary: from memory, from disk, or computed (``build``)."""
        self._drop_unused()
        key = (str(rel.path), year)
        source = source_of(rel.path, year)
        # No local reference to a held summary: moving it to disk must let its tables go.
        if key in self._memory and self._memory[key][0] == source:
            self._memory.move_to_end(key)
            if key in self._in_memory and key in self._written:
                self._to_disk(key)  # the same tables, read from the file: memory freed
        else:
            s = self._read(rel, year, source)
            self._in_memory.discard(key)
            if s is None:
                if not build:
                    return None
                s = self._compute(key, rel, year, source)
                self._in_memory.add(key)
            self._memory[key] = (source, s)
            self._memory.move_to_end(key)
            self._evict()
        self._drop_unused()  # what moving to disk or eviction let go of
        return self._memory[key][1]

    def _drop_unused(self) -> None:
        """Drop the DuckDB summary tables that no expression refers to any more."""
        while self._unused:
            self.wh.con.raw_sql(f'DROP TABLE IF EXISTS "{self._unused.popleft()}"')

    def _to_disk(self, key: tuple[str, int]) -> None:
        source, held = self._memory[key]
        d = self._written.pop(key)
        self._memory[key] = (source, FlowSummary(*(self._read_part(d, p) for p in _PARTS)))
        self._in_memory.discard(key)
        self._release(held)

    def _release(self, s: FlowSummary) -> None:
        """Let the backend free a summary's Arrow tables (DuckDB's tables drop themselves).

        Ibis keeps every in-memory table it has registered with a connection until the
        process exits: without this, a session summarising year after year would hold every
        year's tables (about 70 MB each for a full BACI year). A table used again later is
        registered again.
        """
        con = self.wh.con
        registered = getattr(con, "_memtables", None)
        for t in (getattr(s, p) for p in _PARTS):
            op = t.op()
            if registered is None or not isinstance(op, ops.InMemoryTable) or op not in registered:
                continue
            registered.discard(op)
            con.drop_table(op.name, force=True)

    def _evict(self) -> None:
        """Keep at most :data:`MEMORY_YEARS` summaries in memory: older ones move to disk."""
        for key in [k for k in self._memory if k in self._in_memory][:-MEMORY_YEARS]:
            w = self._writers.pop(key, None)
            if w is not None:
                w.join()
            if key in self._written:
                self._to_disk(key)
            else:  # not on disk (cache off, or not writable): computed again if asked
                self._release(self._memory.pop(key)[1])
                self._in_memory.discard(key)

    def _dir(self, rel: ReleaseInfo, year: int) -> Path:
        return summary_dir(self.wh.home, rel.hs, rel.release, year)

    def _read(self, rel: ReleaseInfo, year: int, source: dict[str, Any]) -> FlowSummary | None:
        if not get_settings().summary_cache:
            return None
        d = self._dir(rel, year)
        try:
            held = json.loads((d / "source.json").read_text())
        except (OSError, ValueError):
            return None
        if held != source or not all(readable(d / f"{p}.parquet") for p in _PARTS):
            return None  # computed again, and written over
        return FlowSummary(*(self._read_part(d, p) for p in _PARTS))

    def _read_part(self, d: Path, part: str) -> ir.Table:
        con = self.wh.con
        path = d / f"{part}.parquet"
        # The folder names are not columns (DuckDB would read hs=…/year=… as such).
        kw = {"hive_partitioning": False} if con.name == "duckdb" else {}
        return con.read_parquet(path, **kw).select(*_COLUMNS[part])

    def _compute(
        self, key: tuple[str, int], rel: ReleaseInfo, year: int, source: dict[str, Any]
    ) -> FlowSummary:
        from econsec.query.flows import release_flows

        if self.wh.con.name == "duckdb":
            s, save = self._as_duckdb(rel, year)
        else:
            s, save = self._as_arrow(release_flows(self.wh, rel, [year], rel.hs)[0])
        if get_settings().summary_cache:
            # Written while the query that asked for it runs (the process waits for it at
            # exit); this process reads the tables it already holds.
            w = threading.Thread(
                target=self._write, args=(key, rel, year, source, save), name="econsec-summary"
            )
            w.start()
            self._writers[key] = w
        return s

    def _as_duckdb(self, rel: ReleaseInfo, year: int) -> tuple[FlowSummary, Callable[[Path], None]]:
        """Compute the summary into two DuckDB tables; return it and how to save it.

        From a scan of the year's files where it can (:mod:`econsec.query.summary_scan`:
        less than half the time of the engine's aggregates), else with the engine. The
        tables stay inside DuckDB: no copy out to Arrow and back (registering Arrow data
        imports pandas, 0.3 s). Once no expression refers to a table any more, its name is
        queued and the store drops it at its next use (:meth:`_drop_unused`): a finalizer
        may run in any thread, so it never calls DuckDB itself.
        """
        con = self.wh.con
        names = {p: f"_econsec_{p}_{uuid.uuid4().hex}" for p in _PARTS}
        scanned = self._scan(rel, year) if SCAN_FILES else None
        if scanned is not None:
            self._load(names, scanned, rel)
        else:
            self._aggregate_into(names, rel, year)
        tables = {}
        for p, name in names.items():
            tables[p] = con.table(name)
            unused = weakref.finalize(tables[p].op(), self._unused.append, name)
            unused.atexit = False  # an in-memory database: nothing to tidy at exit
        summary = FlowSummary(*(tables[p] for p in _PARTS))
        if scanned is not None:  # Arrow writes the arrays: a third of DuckDB's COPY's time
            held = [scanned]

            def save(folder: Path) -> None:
                held.pop().write(folder, _COLUMNS)  # the arrays go once written

            return summary, save
        # Its own connection, opened here: the writer thread copies while the query goes on.
        cur = con.con.cursor()

        def copy(folder: Path) -> None:
            try:
                for p, t in tables.items():
                    path = str(folder / f"{p}.parquet").replace("'", "''")
                    cur.execute(
                        f"COPY \"{t.get_name()}\" TO '{path}' (FORMAT parquet, COMPRESSION lz4)"
                    )
            finally:
                cur.close()

        return summary, copy

    def _scan(self, rel: ReleaseInfo, year: int) -> ScannedSummary | None:
        """Scan the year's files (``None`` where the scan cannot reproduce the engine)."""
        from econsec.query.summary_scan import scan_summary

        threads = self.wh.con.con.execute("SELECT current_setting('threads')").fetchone()
        return scan_summary(
            sorted((rel.path / f"year={year}").glob("*.parquet")),
            year,
            self.wh.countries(rel.hs, rel.release),
            self.wh.products(rel.hs, rel.release)["code"].to_list(),
            workers=min(int(threads[0]) if threads else 1, SCAN_WORKERS),
        )

    def _load(self, names: dict[str, str], scanned: ScannedSummary, rel: ReleaseInfo) -> None:
        """Create the tables ``names`` from the scan's numpy columns (no Arrow: no pandas)."""
        con = self.wh.con.con
        # The products' codes by their row in the product table, the scan's product index.
        path = str(rel.path / "products.parquet").replace("'", "''")
        codes = (
            "(SELECT file_row_number AS idx, code "
            f"FROM read_parquet('{path}', file_row_number = true))"
        )
        for part, cols in scanned.parts().items():
            view = f"_econsec_scan_{uuid.uuid4().hex}"
            n = len(cols["k"])
            con.register(view, {"t": np.full(n, scanned.year, np.int16), **cols})
            try:
                select = ", ".join(f"s.{c}" if c != "k" else "p.code AS k" for c in _COLUMNS[part])
                con.execute(
                    f'CREATE TABLE "{names[part]}" AS SELECT {select} '
                    f'FROM "{view}" s JOIN {codes} p ON s.k = p.idx'
                )
            finally:
                con.unregister(view)

    def _aggregate_into(self, names: dict[str, str], rel: ReleaseInfo, year: int) -> None:
        """Fill the tables ``names`` with the engine's aggregates of the year's flows.

        The market aggregate runs in slices of importer codes, one after the other
        (:data:`FLOWS_PER_SLICE`).
        """
        from econsec.query.flows import release_flows

        con = self.wh.con
        flows, _ = release_flows(self.wh, rel, [year], rel.hs)
        rows = int(rel.years.get(year, {}).get("rows") or 0)
        codes = sorted(self.wh.countries(rel.hs, rel.release).codes)
        slices = importer_slices(codes, -(-rows // FLOWS_PER_SLICE))
        sales = exporter_totals(flows)
        sellers = con.create_table(names["sellers"], obj=world_ranks(sales))
        con.create_table(names["world"], obj=world_totals(sellers))
        for n, (lo, hi) in enumerate(slices):
            part = flows.filter((flows.j >= lo) & (flows.j < hi)) if len(slices) > 1 else flows
            # Own exports come from every flow of the year: the sellers, not the slice.
            m = markets(part, pair_max=True, sellers=sellers)
            if n == 0:
                con.create_table(names["markets"], obj=m)
            else:
                con.insert(names["markets"], m)

    def _as_arrow(self, flows: ir.Table) -> tuple[FlowSummary, Callable[[Path], None]]:
        """Compute the summary as Arrow tables (other backends); return it and its saver."""
        import polars as pl
        import pyarrow as pa
        import pyarrow.parquet as pq

        from econsec.query.fetch import to_arrow

        sales = exporter_totals(flows)
        tables = {"markets": to_arrow(self.wh.con, markets(flows, sellers=sales))}
        # Ranked here: not every backend has window functions (polars has none).
        ranked = pl.DataFrame(to_arrow(self.wh.con, sales)).with_columns(
            world_rank=pl.col("S").rank("min", descending=True).over("t", "k").cast(pl.Int32)
        )
        tables["sellers"] = ranked.select(SELLER_COLUMNS).to_arrow()
        s = pl.col("S")
        tables["world"] = (
            ranked.group_by("t", "k")
            .agg(W=s.sum(), n_exporters=pl.len().cast(pl.Int64), sum_sq=(s * s).sum(), Smax=s.max())
            .select(TOTAL_COLUMNS)
            .to_arrow()
        )

        def save(folder: Path) -> None:
            for p, t in tables.items():
                pq.write_table(t, folder / f"{p}.parquet", compression="lz4")
            pa.default_memory_pool().release_unused()

        return FlowSummary(*(ibis.memtable(tables[p]) for p in _PARTS)), save

    def flush(self) -> None:
        """Wait until every summary computed by this store is on disk."""
        while self._writers:
            self._writers.popitem()[1].join()

    def _write(
        self,
        key: tuple[str, int],
        rel: ReleaseInfo,
        year: int,
        source: dict[str, Any],
        save: Callable[[Path], None],
    ) -> Path | None:
        """Write the summary atomically (``save`` fills a staging folder renamed into place).

        Returns its folder, or ``None`` where the warehouse cannot be written to (the
        summary is then kept in memory only).
        """
        d = self._dir(rel, year)
        try:
            d.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=d.parent, prefix=f".{d.name}."))
            try:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's 0700 would hide it from others
                save(tmp)
                (tmp / "source.json").write_text(json.dumps(source))
                old = d.with_name(f".{d.name}.old-{os.getpid()}")
                if d.exists():
                    os.replace(d, old)
                os.replace(tmp, d)
                shutil.rmtree(old, ignore_errors=True)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        except Exception as e:  # a cache that cannot be written never fails a query
            log.info("flow summary of %s %s %s kept in memory: %s", rel.hs, rel.release, year, e)
            return None
        self._written[key] = d
        return d
