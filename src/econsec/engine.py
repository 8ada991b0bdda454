"""Open the warehouse as Ibis tables over Parquet (DuckDB embedded by default).

Analysis code receives Ibis tables from here and uses Ibis expressions only, so the same code
runs on another Ibis backend (e.g. PySpark) given a connection to it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import ibis
import polars as pl
from ibis.backends import BaseBackend

from econsec.countries import CountryTable
from econsec.errors import EngineError, NotFoundError, SyntheticDataError
from econsec.settings import get_settings
from econsec.warehouse.catalog import ReleaseInfo, list_releases
from econsec.warehouse.schema import HS_FIRST_YEAR, TRADE_COLUMNS

if TYPE_CHECKING:
    from econsec.query.summaries import SummaryStore

#: Newer nomenclatures first: for a year held in several, the newest describes it best.
_HS_ORDER = sorted(HS_FIRST_YEAR, key=lambda h: HS_FIRST_YEAR[h], reverse=True)


#: Engines econsec can run analyses on (``ECONSEC_ENGINE``, ``--engine``, ``engine=``).
ENGINES = ("duckdb", "polars", "pyspark")

#: What selects an engine: a name in :data:`ENGINES`, an Ibis connection, or a SparkSession.
Engine: TypeAlias = str | BaseBackend | Any


def connect(backend: Engine | None = None) -> BaseBackend:
    """Return an Ibis connection for ``backend``.

    Parameters
    ----------
    backend
        ``duckdb`` (embedded, the default), ``polars`` or ``pyspark``; an Ibis connection
        (returned as it is); or a ``pyspark.sql.SparkSession`` (classic or Spark Connect) to
        run on. ``None``: ``ECONSEC_ENGINE``. ``pyspark`` starts a local session
        (``ECONSEC_SPARK_MASTER``, ``local[2]``) or, with ``ECONSEC_SPARK_REMOTE``, connects
        to Spark Connect.

    Raises
    ------
    EngineError
        For an unknown engine name, or an engine that is not installed.
    """
    if isinstance(backend, BaseBackend):
        return backend
    s = get_settings()
    name = s.engine if backend is None else backend
    if not isinstance(name, str):
        if type(name).__name__ != "SparkSession":
            raise EngineError(
                f"engine must be one of {', '.join(ENGINES)}, an Ibis connection or a "
                f"SparkSession, not {type(name).__name__}"
            )
        from econsec import spark

        return spark.connect_session(name)
    key = name.strip().lower()
    if key == "duckdb":
        return ibis.duckdb.connect()
    if key == "polars":
        return ibis.polars.connect()
    if key == "pyspark":
        from econsec import spark

        return spark.connect_session(spark.start_session(s.spark_master, s.spark_remote))
    source = "ECONSEC_ENGINE" if backend is None else "engine"
    raise EngineError(f"unknown engine {name!r} ({source}); allowed: {', '.join(ENGINES)}")


def _return_memory(con: BaseBackend) -> None:
    # DuckDB's allocator otherwise keeps what a year's aggregation freed (a few hundred MB),
    # and the arrays polars and Arrow allocate next come on top of it.
    with contextlib.suppress(Exception):  # a DuckDB without the setting keeps its default
        con.raw_sql("SET allocator_background_threads = true")


class Warehouse:
    """The BACI warehouse under ``home``, queried through an Ibis connection.

    Parameters
    ----------
    home
        Warehouse folder; ``ECONSEC_HOME`` or the platform default when omitted.
    con
        Ibis connection; one for ``engine`` when omitted.
    engine
        What :func:`connect` accepts (a name, an Ibis connection, a SparkSession);
        ``ECONSEC_ENGINE`` (DuckDB by default) when omitted.
    allow_synthetic
        Allow analyses on releases marked synthetic (scale tests only).
    """

    def __init__(
        self,
        home: Path | str | None = None,
        *,
        con: BaseBackend | None = None,
        engine: Engine | None = None,
        allow_synthetic: bool = False,
    ) -> None:
        self.home = Path(home) if home is not None else get_settings().home
        self.con = con if con is not None else connect(engine)
        if self.con.name == "duckdb":
            _return_memory(self.con)
        self.allow_synthetic = allow_synthetic
        self._codes_cache: dict[tuple[str, int], set[int]] = {}
        # Release tables keyed by file and modification time: a re-ingest is seen at once.
        self._countries_cache: dict[tuple[str, int], CountryTable] = {}
        self._products_cache: dict[tuple[str, int], pl.DataFrame] = {}

    @cached_property
    def summaries(self) -> SummaryStore:
        """Flow summaries of the release years, computed once (:mod:`econsec.query.summaries`)."""
        from econsec.query.summaries import SummaryStore

        return SummaryStore(self)

    @cached_property
    def releases(self) -> list[ReleaseInfo]:
        """Every nomenclature × release held."""
        return list_releases(self.home)

    def years(self) -> list[int]:
        """Every year held in any usable release, ascending."""
        ys: set[int] = set()
        for r in self._usable():
            ys.update(r.years)
        return sorted(ys)

    def _usable(self) -> list[ReleaseInfo]:
        rs = self.releases
        if not self.allow_synthetic:
            rs = [r for r in rs if not r.synthetic]
        return rs

    def release_for(
        self, year: int, hs: str | None = None, release: str | None = None
    ) -> ReleaseInfo:
        """Return the release that describes ``year``: newest nomenclature, then newest release.

        Raises
        ------
        NotFoundError
            When no release holds the year (the message lists the years held).
        SyntheticDataError
            When only synthetic releases hold it and synthetic data is not allowed.
        """
        cands = [r for r in self.releases if year in r.years]
        if hs is not None:
            cands = [r for r in cands if r.hs == hs.upper()]
        if release is not None:
            cands = [r for r in cands if r.release == release]
        real = [r for r in cands if not r.synthetic]
        if not real and cands and not self.allow_synthetic:
            raise SyntheticDataError(
                f"year {year} is held only in synthetic data "
                f"({cands[0].hs} {cands[0].release}); pass allow_synthetic / --allow-synthetic"
            )
        pool = cands if self.allow_synthetic else real
        if not pool:
            held = self.years()
            span = f"{held[0]}–{held[-1]} ({len(held)} years)" if held else "none"
            hint = f"years held in {self.home}: {span}"
            if not held:
                hint += "; run 'econsec data fetch baci --hs HS17 --release V202601'"
            raise NotFoundError("year", year, [], hint=hint)
        pool.sort(key=lambda r: (_HS_ORDER.index(r.hs), r.release), reverse=False)
        best_hs = pool[0].hs
        same = sorted((r for r in pool if r.hs == best_hs), key=lambda r: r.release, reverse=True)
        return same[0]

    def trade(
        self,
        years: int | Iterable[int],
        *,
        hs: str | None = None,
        release: str | None = None,
    ) -> ibis.Table:
        """Bilateral flows ``t, i, j, k, v, q`` for the years, one nomenclature at a time.

        All years must resolve to the same nomenclature; use
        :meth:`releases_for` to split a long series by nomenclature.
        """
        ys = [years] if isinstance(years, int) else sorted(set(years))
        rels = {y: self.release_for(y, hs, release) for y in ys}
        hs_used = {r.hs for r in rels.values()}
        if len(hs_used) > 1:
            raise ValueError(
                f"years {ys} span nomenclatures {sorted(hs_used)}; query each separately "
                "or convert product codes with econsec.reference.hs"
            )
        if self.con.name == "pyspark":
            return self._spark_trade(ys, rels)
        # Explicit files, glob characters escaped: a home such as ``data[1]`` must not be
        # read as a pattern by DuckDB.
        files = [
            "".join(f"[{c}]" if c in "[*?" else c for c in str(f))
            for y in ys
            for f in sorted((rels[y].path / f"year={y}").glob("*.parquet"))
        ]
        if not files:
            raise NotFoundError("year", ys[0], [], hint="its folder holds no Parquet files")
        src = files if len(files) > 1 else files[0]
        if self.con.name != "duckdb":
            return self.con.read_parquet(src).select(*TRADE_COLUMNS)
        # The folder names are not columns; and the file's own view is returned as it is:
        # a projection on top would be a CTE that DuckDB materialises (every flow held in
        # memory) as soon as a metric reads the flows twice, where the view is read twice.
        t = self.con.read_parquet(src, hive_partitioning=False)
        return t if tuple(t.columns) == TRADE_COLUMNS else t.select(*TRADE_COLUMNS)

    def _spark_trade(self, ys: list[int], rels: dict[int, ReleaseInfo]) -> ibis.Table:
        # Spark reads each year's Hive-style partition folder as it is, locally or under
        # ECONSEC_TRADE_URI (a copy of the warehouse's tree that the cluster can reach).
        from econsec import spark

        base = get_settings().trade_uri
        dirs = []
        for y in ys:
            local = rels[y].path / f"year={y}"
            if base is None:
                if not any(local.glob("*.parquet")):
                    raise NotFoundError("year", y, [], hint="its folder holds no Parquet files")
                dirs.append(str(local))
            else:
                rel = local.relative_to(self.home).as_posix()
                dirs.append(f"{base.rstrip('/')}/{rel}")
        return spark.read_parquet(self.con, dirs).select(*TRADE_COLUMNS)

    def codes_used(self, rel: ReleaseInfo, year: int) -> set[int]:
        """CEPII codes appearing as exporter or importer in a year of a release.

        Read from the release's metadata where the ingest recorded them, else from the data.
        """
        listed = rel.years.get(year, {}).get("countries")
        if isinstance(listed, list):  # older ingests recorded only a count
            return {int(c) for c in listed}
        key = (str(rel.path), year)
        if key not in self._codes_cache:
            t = self.trade(year, hs=rel.hs, release=rel.release)
            codes = t.select(c=t.i).union(t.select(c=t.j)).distinct()
            from econsec.query.fetch import to_polars

            self._codes_cache[key] = {int(c) for c in to_polars(self.con, codes)["c"].to_list()}
        return self._codes_cache[key]

    def releases_for(self, years: Sequence[int]) -> dict[int, ReleaseInfo]:
        """Return the release describing each year (see :meth:`release_for`)."""
        return {y: self.release_for(y) for y in years}

    def countries(self, hs: str | None = None, release: str | None = None) -> CountryTable:
        """Country table of a release (of the newest release held when not given)."""
        path = self._pick(hs, release).path / "countries.parquet"
        key = (str(path), path.stat().st_mtime_ns)
        if key not in self._countries_cache:  # read once per call chain, not per query part
            self._countries_cache[key] = CountryTable(pl.read_parquet(path))
        return self._countries_cache[key]

    def products(self, hs: str | None = None, release: str | None = None) -> pl.DataFrame:
        """Product table ``code, description`` of a release."""
        path = self._pick(hs, release).path / "products.parquet"
        key = (str(path), path.stat().st_mtime_ns)
        if key not in self._products_cache:
            self._products_cache[key] = pl.read_parquet(path)
        return self._products_cache[key]

    def _pick(self, hs: str | None, release: str | None) -> ReleaseInfo:
        pool = self._usable() or self.releases
        if hs is not None:
            pool = [r for r in pool if r.hs == hs.upper()]
        if release is not None:
            pool = [r for r in pool if r.release == release]
        if not pool:
            raise NotFoundError(
                "release",
                f"{hs or '*'} {release or '*'}",
                [f"{r.hs} {r.release}" for r in self.releases],
            )
        return max(pool, key=lambda r: (-_HS_ORDER.index(r.hs), r.release))
