"""Ingest BACI release zips or yearly CSV files into the Parquet warehouse.

Rows are streamed in chunks (never a whole year in memory), validated, and written to a staging
folder; the release folder is swapped in by rename only when everything succeeded, so a failed
or interrupted ingest leaves the warehouse as it was. Rejected rows go to ``rejects/*.csv`` with
their line, field and reason.
"""

from __future__ import annotations

import csv
import os
import shutil
import time
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from econsec.countries import read_country_codes
from econsec.download import LineCount, sha256_and_lines, sha256_of
from econsec.errors import DataError
from econsec.settings import get_settings
from econsec.warehouse.catalog import read_meta
from econsec.warehouse.csvscan import (
    REJECT_COLUMNS,
    Chunk,
    iter_byte_chunks,
    read_header,
    scan_chunk,
)
from econsec.warehouse.fastpath import copy_clean
from econsec.warehouse.schema import TRADE_SCHEMA, check_hs, check_release, release_dir
from econsec.warehouse.store import (
    PARQUET_OPTS,
    describe_committed,
    link_release,
    now_iso,
    staging,
    swap_into_place,
    write_meta,
)
from econsec.warehouse.zipfiles import ReleaseZip, open_release_zip

CHUNK_BYTES = 32 << 20
ProgressFn = Callable[[str, int, int], None]  # (description, advance bytes, total bytes)


@dataclass
class YearStats:
    """Rows, products and countries seen for one year."""

    rows: int = 0
    rejects: int = 0
    products: set[str] = field(default_factory=set)
    countries: set[int] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)
    n_products: int = 0  # distinct counts when the sets were not kept (fast path)
    n_countries: int = 0


@dataclass
class IngestReport:
    """What an ingest did: rows kept and rejected per year, where the rejects are."""

    hs: str
    release: str
    path: Path
    source: str
    sha256: str
    years: dict[int, YearStats]
    rejects: int
    rejects_files: list[Path]
    seconds: float
    skipped: bool = False
    synthetic: bool = False

    @property
    def rows(self) -> int:
        """Rows written, all years."""
        return sum(s.rows for s in self.years.values())

    def summary(self) -> dict[str, Any]:
        """Return a JSON-friendly summary."""
        return {
            "hs": self.hs,
            "release": self.release,
            "source": self.source,
            "sha256": self.sha256,
            "rows": self.rows,
            "rejects": self.rejects,
            "years": {
                y: {"rows": s.rows, "rejects": s.rejects} for y, s in sorted(self.years.items())
            },
            "rejects_files": [str(p) for p in self.rejects_files],
            "seconds": round(self.seconds, 3),
            "skipped": self.skipped,
            "synthetic": self.synthetic,
            "path": str(self.path),
        }


class _Sink:
    """Writes validated chunks to one Parquet file per year and rejects to a CSV file."""

    def __init__(
        self, out: Path, part: str, rejects_path: Path, stats: dict[int, YearStats], source: str
    ) -> None:
        self.out, self.part, self.stats, self.source = out, part, stats, source
        self.writers: dict[int, pq.ParquetWriter] = {}
        self.rejects_path = rejects_path
        self.n_rejects = 0
        self._rej_file: IO[str] | None = None
        self._rej_writer: Any = None

    def add(self, chunk: Chunk) -> None:
        tbl = chunk.table
        if tbl.num_rows:
            years = pc.unique(tbl["t"]).to_pylist()
            for y in years:
                part = tbl if len(years) == 1 else tbl.filter(pc.equal(tbl["t"], y))
                self._writer(y).write_table(part)
                st = self.stats.setdefault(y, YearStats())
                st.rows += part.num_rows
                st.products.update(pc.unique(part["k"]).to_pylist())
                st.countries.update(pc.unique(part["i"]).to_pylist())
                st.countries.update(pc.unique(part["j"]).to_pylist())
                if self.source not in st.sources:
                    st.sources.append(self.source)
        if chunk.rejects:
            if self._rej_writer is None:
                self.rejects_path.parent.mkdir(parents=True, exist_ok=True)
                self._rej_file = open(self.rejects_path, "w", newline="")  # noqa: SIM115
                self._rej_writer = csv.DictWriter(self._rej_file, fieldnames=REJECT_COLUMNS)
                self._rej_writer.writeheader()
            self._rej_writer.writerows(chunk.rejects)
            self.n_rejects += len(chunk.rejects)

    def _writer(self, year: int) -> pq.ParquetWriter:
        if year not in self.writers:
            d = self.out / f"year={year}"
            d.mkdir(parents=True, exist_ok=True)
            self.writers[year] = pq.ParquetWriter(
                d / f"{self.part}.parquet", TRADE_SCHEMA, **PARQUET_OPTS
            )
        return self.writers[year]

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        if self._rej_file is not None:
            self._rej_file.close()


def _scan_stream(
    stream: IO[bytes],
    name: str,
    codes: pa.Array,
    sink: _Sink,
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
        for first, data in _guard(iter_byte_chunks(stream, CHUNK_BYTES), name):
            pending.append(pool.submit(scan_chunk, first, data, name, codes))
            # Bounded in-flight work keeps memory flat whatever the file size.
            while len(pending) > workers:
                _drain(pending.popleft(), sink, name, total, progress)
        while pending:
            _drain(pending.popleft(), sink, name, total, progress)


def _drain(
    fut: Future[Chunk], sink: _Sink, name: str, total: int, progress: ProgressFn | None
) -> None:
    chunk = fut.result()
    sink.add(chunk)
    if progress is not None:
        progress(name, chunk.bytes_read, total)


def _guard(it: Iterator[tuple[int, bytes]], name: str) -> Iterator[tuple[int, bytes]]:
    try:
        yield from it
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise DataError(f"cannot read (corrupt or truncated archive?): {e}", path=name) from None


def _country_table(
    countries: Path | None, rz: ReleaseZip | None, home: Path, hs: str, release: str
) -> pl.DataFrame:
    """Return the country table that validates codes (precedence: see ``ingest_baci``)."""
    if countries is not None:
        if zipfile.is_zipfile(countries):
            return open_release_zip(countries).read_countries()
        return read_country_codes(countries, name=str(countries))
    if rz is not None and rz.countries_member is not None:
        return rz.read_countries()
    own = release_dir(home, hs, release) / "countries.parquet"
    if own.exists():
        return pl.read_parquet(own)
    others = sorted(
        (home / "baci").glob("hs=*/release=*/countries.parquet"),
        key=lambda p: p.parent.name,
        reverse=True,
    )
    if others:
        return pl.read_parquet(others[0])
    raise DataError(
        "no country table to validate codes against: pass --countries (a BACI country_codes "
        "CSV or release zip) or ingest a release zip first",
        path=str(rz.path if rz else ""),
    )


def ingest_baci(
    path: Path | str,
    hs: str | None = None,
    release: str | None = None,
    *,
    home: Path | str | None = None,
    strict: bool = False,
    countries: Path | str | None = None,
    force: bool = False,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    sha256: str | None = None,
    slow: bool = False,
    wait: float | None = None,
) -> IngestReport:
    """Ingest a BACI release zip or one yearly CSV into the warehouse.

    Parameters
    ----------
    path
        ``BACI_<HS>_<release>.zip`` (replaces the whole release) or a yearly CSV (replaces the
        years it holds, keeping the release's other years).
    hs, release
        Nomenclature and release; read from the zip's name when omitted, required for a CSV.
    home
        Warehouse folder (``ECONSEC_HOME`` by default).
    strict
        Fail (leaving the warehouse unchanged) when any row is rejected.
    countries
        Country table to validate codes against (a ``country_codes`` CSV or a release zip); by
        default the zip's own file, else the release's table in the warehouse, else the newest
        release's table.
    force
        Re-ingest even when the same file (same SHA-256) was already ingested.
    progress
        Called with ``(file, bytes advanced, file size)`` as chunks are written.
    workers
        Validation threads (default: CPU count, at most 4).
    sha256
        The file's digest when already known (spares re-reading it).
    slow
        Skip the fast path (DuckDB) and validate every row with the exact scanner.
    wait
        Seconds to wait for another writer to release the warehouse (default
        ``ECONSEC_LOCK_WAIT``).

    Raises
    ------
    DataError
        Corrupt archive, wrong header, no country table, or rejects under ``strict``.
    WarehouseBusyError
        When another writer holds the warehouse for longer than ``wait``.
    """
    t0 = time.perf_counter()
    path = Path(path)
    if not path.exists():
        raise DataError("no such file", path=path)
    home_p = Path(home) if home is not None else get_settings().home
    workers = workers or min(4, os.cpu_count() or 2)
    with open(path, "rb") as fh:
        is_zip = path.suffix.lower() == ".zip" or fh.read(2) == b"PK"
    rz = open_release_zip(path) if is_zip else None
    hs_ = check_hs(hs or (rz.hs if rz else None) or _missing("--hs", path))
    rel = check_release(release or (rz.release if rz else None) or _missing("--release", path))
    if rz is not None and rz.hs and rz.hs != hs_:
        raise DataError(f"archive holds {rz.hs}, not {hs_}", path=path)
    target = release_dir(home_p, hs_, rel)
    old_meta = read_meta(target)
    src_size = path.stat().st_size
    # Hash first only when the file may be one ingested before (same size); otherwise the
    # hash is computed on a side thread while the rows are ingested.
    maybe_seen = src_size in old_meta.get("sources_size", {}).values()
    hasher = ThreadPoolExecutor(1)
    pending_digest = (
        hasher.submit(sha256_and_lines, path)
        if sha256 is None and (force or not maybe_seen)
        else None
    )
    digest = sha256 or ("" if pending_digest else sha256_of(path))
    if not force and digest and digest in old_meta.get("sources_sha256", {}).values():
        yrs = {
            int(y): YearStats(rows=v["rows"], rejects=v.get("rejects", 0))
            for y, v in old_meta.get("years", {}).items()
        }
        return IngestReport(
            hs_,
            rel,
            target,
            str(path),
            digest,
            yrs,
            sum(s.rejects for s in yrs.values()),
            [],
            time.perf_counter() - t0,
            skipped=True,
            synthetic=bool(old_meta.get("synthetic")),
        )
    ctab = _country_table(Path(countries) if countries else None, rz, home_p, hs_, rel)
    codes = pa.array(ctab["code"].to_list(), pa.int16())
    stats: dict[int, YearStats] = {}
    rejects_files: list[Path] = []
    n_rejects = 0
    with staging(home_p, wait=wait, what=f"ingest {path.name}") as stage:
        out = stage / "release"
        if not is_zip and target.exists():
            # A single yearly file updates one release: start from what is there (read under
            # the writer lock), without this file's previous rejects.
            link_release(target, out, drop=[f"rejects/{path.name.rsplit('.', 1)[0]}.csv"])
        out.mkdir(exist_ok=True)
        incoming = out / "_incoming"
        for name, plain, size, n_lines in _plain_files(path, rz, stage / "_extract", progress):
            # A plain CSV's lines are counted by the hash pass, when one is running.
            counted = n_lines if n_lines is not None or rz is not None else pending_digest
            stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            label = f"{path.name}:{name}" if rz else str(path)
            with open(plain, "rb") as fh:
                read_header(fh, label)
            fast = (
                None
                if slow
                else copy_clean(
                    plain, incoming, stem, set(ctab["code"].to_list()), lines=_data_lines(counted)
                )
            )
            if fast is not None:
                for y, st in fast.items():
                    ys = stats.setdefault(y, YearStats())
                    ys.rows += st["rows"]
                    ys.n_products, ys.n_countries = st["products"], st["countries"]
                    ys.sources.append(name)
                if progress is not None:
                    progress(label, size, size)
            else:
                sink = _Sink(incoming, stem, out / "rejects" / f"{stem}.csv", stats, name)
                try:
                    with open(plain, "rb") as stream:
                        _scan_stream(stream, label, codes, sink, size, progress, workers)
                finally:
                    sink.close()
                n_rejects += sink.n_rejects
                if sink.n_rejects:
                    rejects_files.append(target / "rejects" / f"{stem}.csv")
            if plain != path:
                plain.unlink()
        if strict and n_rejects:
            keep = home_p / "rejects" / f"{hs_}_{rel}"
            keep.mkdir(parents=True, exist_ok=True)
            for f in rejects_files:  # this ingest's rejects, not the staged copy's older ones
                shutil.copy2(out / "rejects" / f.name, keep / f.name)
            raise DataError(
                f"{n_rejects} rows rejected under --strict; nothing was ingested; "
                f"rejects kept in {keep}",
                path=path,
            )
        for y in stats:  # replace each ingested year wholesale
            yd = out / f"year={y}"
            if yd.exists():
                shutil.rmtree(yd)
            os.replace(out / "_incoming" / f"year={y}", yd)
        shutil.rmtree(out / "_incoming", ignore_errors=True)
        ctab.with_columns(pl.col("code").cast(pl.Int16)).write_parquet(out / "countries.parquet")
        products = (
            rz.read_products()
            if rz is not None
            else pl.DataFrame(schema={"code": pl.Utf8, "description": pl.Utf8})
        )
        if rz is None and (target / "products.parquet").exists():
            products = pl.read_parquet(target / "products.parquet")
        seen = _products_seen(incoming, stats)
        extra = sorted(set(seen) - set(products["code"].to_list()))
        if extra:
            products = pl.concat(
                [products, pl.DataFrame({"code": extra, "description": [""] * len(extra)})]
            )
        products.write_parquet(out / "products.parquet")
        meta = read_meta(out) if rz is None else {}
        years_meta = dict(meta.get("years", {}))
        for y, s in stats.items():
            years_meta[str(y)] = {
                "rows": s.rows,
                "rejects": 0,
                "products": s.n_products or len(s.products),
                "countries": s.n_countries or len(s.countries),
                "source": ",".join(s.sources),
            }
        for y, n in _rejects_by_year(out / "rejects", stats).items():
            if str(y) in years_meta:
                years_meta[str(y)]["rejects"] = n
        if pending_digest is not None:
            digest = pending_digest.result()[0]
        hasher.shutdown()
        shas = dict(meta.get("sources_sha256", {}))
        shas[path.name] = digest
        sizes = dict(meta.get("sources_size", {}))
        sizes[path.name] = src_size
        meta.update(
            {
                "hs": hs_,
                "release": rel,
                "source": str(path),
                "sha256": digest,
                "sources_sha256": shas,
                "sources_size": sizes,
                "ingested_at": now_iso(),
                "synthetic": bool(rz.synthetic) if rz else bool(meta.get("synthetic", False)),
                "years": years_meta,
                "rejects": n_rejects,
            }
        )
        expected = {y: s.rows for y, s in stats.items()}
        write_meta(out, describe_committed(out, meta, expected_rows=expected))
        swap_into_place(out, target)
    for y, s in stats.items():
        s.rejects = years_meta[str(y)]["rejects"]
    return IngestReport(
        hs_,
        rel,
        target,
        str(path),
        digest,
        stats,
        n_rejects,
        rejects_files,
        time.perf_counter() - t0,
        synthetic=bool(meta["synthetic"]),
    )


def _data_lines(n: int | Future[tuple[str, int]] | None) -> Callable[[], int] | None:
    """Turn a line count (or the pending hash pass that counts them) into data lines."""
    if n is None:
        return None
    if isinstance(n, int):
        return lambda: max(n - 1, 0)
    return lambda: max(n.result()[1] - 1, 0)


def _plain_files(
    path: Path, rz: ReleaseZip | None, tmp: Path, progress: ProgressFn | None
) -> Iterator[tuple[str, Path, int, int | None]]:
    """Yield ``(member, plain CSV path, size, lines)``, extracting zip members one by one.

    Lines are counted while extracting (``None`` for a plain CSV, counted elsewhere).
    """
    if rz is None:
        yield path.name, path, path.stat().st_size, None
        return
    tmp.mkdir(parents=True, exist_ok=True)
    for _y, m in sorted(rz.years.items()):
        size = rz.zip.getinfo(m).file_size
        dest = tmp / m.rsplit("/", 1)[-1]
        count = LineCount()
        try:
            with rz.zip.open(m) as src, open(dest, "wb") as dst:
                while block := src.read(1 << 24):
                    dst.write(block)
                    count.add(block)
        except (zipfile.BadZipFile, EOFError, zlib.error) as e:
            raise DataError(
                f"member {m!r} cannot be read (corrupt or truncated archive?): {e}", path=path
            ) from None
        yield m, dest, size, count.lines


def _products_seen(incoming: Path, stats: dict[int, YearStats]) -> list[str]:
    """Distinct product codes written (read back from Parquet when the fast path ran)."""
    seen: set[str] = set().union(*(s.products for s in stats.values())) if stats else set()
    files = [str(f) for f in incoming.glob("year=*/*.parquet")]
    if files and any(s.n_products for s in stats.values()):
        con = duckdb.connect()
        try:
            seen.update(
                r[0]
                for r in con.execute("SELECT DISTINCT k FROM read_parquet(?)", [files]).fetchall()
            )
        finally:
            con.close()
    return sorted(seen)


def _rejects_by_year(rej_dir: Path, stats: dict[int, YearStats]) -> dict[int, int]:
    """Count rejects per year from the files' names (one yearly CSV per rejects file)."""
    out: dict[int, int] = {}
    if not rej_dir.exists():
        return out
    for f in rej_dir.glob("*.csv"):
        with open(f) as fh:
            n = sum(1 for _ in fh) - 1
        year = next((y for y in stats if f"_Y{y}_" in f.name), None)
        if year is None and len(stats) == 1:
            year = next(iter(stats))
        if year is not None:
            out[year] = out.get(year, 0) + n
    return out


def _missing(flag: str, path: Path) -> str:
    raise DataError(f"cannot tell the {flag.strip('-')} from the file name; pass {flag}", path=path)
