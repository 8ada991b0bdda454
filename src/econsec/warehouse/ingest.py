"""Ingest BACI release zips or yearly CSV files into the Parquet warehouse.

Rows are streamed in chunks (never a whole year in memory), validated, and written to a staging
folder; the release folder is swapped in by rename only when everything succeeded, so a failed
or interrupted ingest leaves the warehouse as it was. Rejected rows go to ``rejects/*.csv`` with
their line, field and reason.

Rules (see the README's "Get data" section):

- one year per yearly file: the year comes from the file's name (``..._Y2024_...``) or
  ``year=``; rows of another year are rejects; a release zip's members must agree with the
  zip's name (nomenclature, release) and hold each year once;
- a year is replaced wholesale: after ingesting a yearly file, the year holds exactly that
  file's accepted rows (a zip replaces the whole release). A replacement that would leave a
  year with less than half its rows (or drop it) stops unless ``force``;
- at most one row per flow ``(t, i, j, k)``: later duplicates are rejects (the first is kept);
- codes must be known (countries; products when the release's product table is known), values
  finite and plausible (see :mod:`econsec.warehouse.schema` for the caps).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import time
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from econsec.errors import DataError
from econsec.settings import get_settings
from econsec.warehouse.catalog import read_meta
from econsec.warehouse.csvscan import (
    LineShape,
    Rules,
    read_header,
)
from econsec.warehouse.exactpath import ProgressFn, Sink, scan_stream
from econsec.warehouse.fastpath import FastRules, TextShape, copy_clean, stream_clean
from econsec.warehouse.plainread import Tally
from econsec.warehouse.schema import (
    MAX_LINE_BYTES,
    check_hs,
    check_release,
    release_dir,
)
from econsec.warehouse.store import (
    WRITE_ERRNOS,
    describe_committed,
    link_release,
    staging,
    swap_into_place,
    write_meta,
)
from econsec.warehouse.years import (
    YearStats,
    already_held,
    check_shrink,
    file_years,
    forget_years,
    new_meta,
)
from econsec.warehouse.zipfiles import (
    ReleaseZip,
    ZipDigest,
    open_release_zip,
    read_countries_file,
    require_regular_file,
)


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


def _country_table(
    countries: Path | None, rz: ReleaseZip | None, home: Path, hs: str, release: str, path: Path
) -> pl.DataFrame:
    """Return the country table that validates codes (precedence: see ``ingest_baci``)."""
    if countries is not None:
        return read_countries_file(countries)
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
        path=path,
    )


def _product_table(
    rz: ReleaseZip | None, target: Path, old_meta: dict[str, Any]
) -> pl.DataFrame | None:
    """Return the product table to check codes against (``None``: check syntax only).

    A zip brings its own; a yearly CSV uses the table the release holds when that came from a
    release zip (a table made of the codes seen in earlier CSV files proves nothing).
    """
    if rz is not None:
        return rz.read_products()
    held = target / "products.parquet"
    if old_meta.get("product_table") == "release" and held.exists():
        return pl.read_parquet(held)
    return None


def _digest(path: Path) -> str:
    """SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while b := f.read(1 << 22):
            h.update(b)
    return h.hexdigest()


def ingest_baci(
    path: Path | str,
    hs: str | None = None,
    release: str | None = None,
    *,
    year: int | None = None,
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

    Ingesting a year replaces it wholesale: afterwards the year holds exactly the accepted
    rows of the file that brought it (a zip replaces the whole release, dropping years it
    lacks; a yearly CSV replaces its one year and keeps the release's other years).

    Parameters
    ----------
    path
        ``BACI_<HS>_<release>.zip`` or a yearly CSV (e.g. ``BACI_HS17_Y2024_V202601.csv``).
    hs, release
        Nomenclature and release; read from the zip's name when omitted, required for a CSV.
    year
        A yearly CSV's year when its name does not tell it. Rows of other years are rejects.
    home
        Warehouse folder (``ECONSEC_HOME`` by default).
    strict
        Fail (leaving the warehouse unchanged) when any row is rejected.
    countries
        Country table to validate codes against (a ``country_codes`` CSV or a release zip); by
        default the zip's own file, else the release's table in the warehouse, else the newest
        release's table.
    force
        Re-ingest even when the year's content already came from this file (same SHA-256),
        and allow a replacement that shrinks a year below half its rows or drops it.
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
        Not a regular file, corrupt or mismatched archive, wrong header, year out of range, no
        country table, a shrinking replacement without ``force``, or rejects under ``strict``.
    WarehouseBusyError
        When another writer holds the warehouse for longer than ``wait``.
    """
    t0 = time.perf_counter()
    path = Path(path)
    require_regular_file(path)
    home_p = Path(home) if home is not None else get_settings().home
    workers = workers or min(4, os.cpu_count() or 2)
    with open(path, "rb") as fh:
        is_zip = path.suffix.lower() == ".zip" or fh.read(2) == b"PK"
    rz = open_release_zip(path) if is_zip else None
    hs_ = check_hs(hs or (rz.hs if rz else None) or _missing("--hs", path))
    rel = check_release(release or (rz.release if rz else None) or _missing("--release", path))
    if rz is not None and rz.hs and rz.hs != hs_:
        raise DataError(f"archive holds {rz.hs}, not {hs_}", path=path)
    if rz is not None and rz.release and rz.release.lower() != rel.lower():
        raise DataError(f"archive holds release {rz.release}, not {rel}", path=path)
    years_in = file_years(rz, path, hs_, year)
    target = release_dir(home_p, hs_, rel)
    old_meta = read_meta(target)
    src_size = path.stat().st_size
    # Hash first only when the file may be the one a year came from (same size); otherwise
    # the hash (and, for a CSV, the line count) is computed on a side thread meanwhile.
    maybe_seen = any(
        old_meta.get("years", {}).get(str(y), {}).get("size") == src_size for y in years_in
    )
    hasher = ThreadPoolExecutor(1)
    pending: Future[str] | None = None
    need = sha256 is None and (force or not maybe_seen)
    # The fast path hashes the file in the read that parses it (a zip: the reads that
    # inflate its members); the exact scanner's reads leave it to a side thread meanwhile.
    tally = Tally(sha256=need and not is_zip and not slow)
    if need and rz is not None and not slow:
        rz.digest = ZipDigest(path)
    elif need and slow:
        pending = hasher.submit(_digest, path)
    digest = sha256 or ("" if need else _digest(path))
    if not force and already_held(old_meta, years_in, digest, is_zip):
        hasher.shutdown()
        return _skipped(old_meta, years_in, hs_, rel, target, path, digest, t0)
    ctab = _country_table(Path(countries) if countries else None, rz, home_p, hs_, rel, path)
    # Through polars, not pa.array(list): building an Arrow array from Python objects imports
    # pandas, a second of start-up that the fast path never needs.
    codes = ctab["code"].cast(pl.Int16).to_arrow().cast(pa.int16())
    products = _product_table(rz, target, old_meta)
    pcodes = None if products is None else products["code"].to_arrow().cast(pa.string())
    stats: dict[int, YearStats] = {}
    rejects_files: list[Path] = []
    with staging(home_p, wait=wait, what=f"ingest {path.name}") as stage:
        out = stage / "release"
        old_meta = read_meta(target)  # again, now under the writer lock
        if not is_zip and target.exists():
            # A single yearly file updates one release: start from a staged copy of what is
            # there (year files linked, everything else copied: nothing writes through).
            link_release(target, out)
            forget_years(out, old_meta, years_in)
        out.mkdir(exist_ok=True)
        incoming = out / "_incoming"
        frules = FastRules(
            0,
            frozenset(ctab["code"].to_list()),
            None if products is None else frozenset(products["code"].to_list()),
        )
        for y in years_in:
            name = rz.years[y] if rz else path.name
            label = f"{path.name}:{name}" if rz else str(path)
            # Part and rejects files are named after the source, minus characters readers
            # might take for a pattern (``y[1].csv`` must not become ``y[1].parquet``).
            stem = re.sub(r"[^A-Za-z0-9_.=-]", "_", name.rsplit("/", 1)[-1].rsplit(".", 1)[0])
            st = stats.setdefault(y, YearStats(sources=[name]))
            yrules = dataclasses.replace(frules, year=y)
            fast = None
            if rz is not None and not slow:
                # Parse the member as it is inflated; only a member the typed read cannot
                # keep whole is extracted for the checked SQL path or the exact scanner.
                fast = stream_clean(
                    rz.member_blocks(name), incoming, stem, yrules, label, st.products
                )
            if fast is None:
                plain, size, shape = _plain_file(path, rz, y, stage)
                with open(plain, "rb") as fh:
                    read_header(fh, label)
                if not slow:
                    shape_fn = None if shape is None else (lambda s=shape: s)
                    tl = tally if rz is None else None
                    fast = copy_clean(
                        plain, incoming, stem, yrules, shape=shape_fn, tally=tl, seen=st.products
                    )
            if fast is not None:
                _fast_stats(st, fast)
                if progress is not None:
                    size = rz.zip.getinfo(name).file_size if rz else path.stat().st_size
                    progress(label, size, size)
            else:
                rej = out / "rejects" / f"{stem}.csv"
                sink = Sink(incoming / f"year={y}", stem, rej, st)
                try:
                    with open(plain, "rb") as stream:
                        scan_stream(
                            stream, label, Rules(y, codes, pcodes), sink, size, progress, workers
                        )
                finally:
                    sink.close()
                st.rejects = sink.n_rejects
                if sink.n_rejects:
                    st.rejects_file = f"rejects/{stem}.csv"
                    rejects_files.append(target / st.rejects_file)
            if fast is None and plain != path:
                plain.unlink()
        n_rejects = sum(s.rejects for s in stats.values())
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
        if not force:
            check_shrink(old_meta, stats, years_in, is_zip, path)
        for y in years_in:  # replace each ingested year wholesale
            yd = out / f"year={y}"
            if yd.exists():
                shutil.rmtree(yd)
            if stats[y].rows:
                os.replace(incoming / f"year={y}", yd)
        shutil.rmtree(incoming, ignore_errors=True)
        ctab.with_columns(pl.col("code").cast(pl.Int16)).write_parquet(out / "countries.parquet")
        _write_products(out, products, target, rz, stats)
        if pending is not None:
            digest = pending.result()
        elif rz is not None and rz.digest is not None:
            digest = rz.digest.hexdigest()  # reads only what the members' reads skipped
        elif need:  # hashed as it was read, unless that read stopped early
            digest = tally.hexdigest if tally.complete else _digest(path)
        hasher.shutdown()
        meta = new_meta(old_meta, rz, products, stats, path, src_size, digest, hs_, rel)
        expected = {y: s.rows for y, s in stats.items() if s.rows}
        write_meta(out, describe_committed(out, meta, expected_rows=expected))
        swap_into_place(out, target)
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


def _skipped(
    old: dict[str, Any],
    years: list[int],
    hs: str,
    rel: str,
    target: Path,
    path: Path,
    digest: str,
    t0: float,
) -> IngestReport:
    held = old.get("years", {})
    yrs = {
        y: YearStats(rows=held[str(y)]["rows"], rejects=held[str(y)].get("rejects", 0))
        for y in years
    }
    return IngestReport(
        hs,
        rel,
        target,
        str(path),
        digest,
        yrs,
        sum(s.rejects for s in yrs.values()),
        [],
        time.perf_counter() - t0,
        skipped=True,
        synthetic=bool(old.get("synthetic")),
    )


def _fast_stats(st: YearStats, fast: dict[str, Any]) -> None:
    """Record what the fast path kept."""
    st.rows, st.n_products = int(fast["rows"]), int(fast["products"])
    st.countries = set(fast["countries"])


def _write_products(
    out: Path,
    products: pl.DataFrame | None,
    target: Path,
    rz: ReleaseZip | None,
    stats: dict[int, YearStats],
) -> None:
    """Write the product table: the zip's, or the held one plus codes seen (no descriptions)."""
    if products is None:
        held = target / "products.parquet"
        products = (
            pl.read_parquet(held)
            if rz is None and held.exists()
            else pl.DataFrame(schema={"code": pl.Utf8, "description": pl.Utf8})
        )
        seen = _products_seen(stats)
        extra = sorted(set(seen) - set(products["code"].to_list()))
        if extra:
            products = pl.concat(
                [products, pl.DataFrame({"code": extra, "description": [""] * len(extra)})]
            )
    products.write_parquet(out / "products.parquet")


def _plain_file(
    path: Path, rz: ReleaseZip | None, year: int, stage: Path
) -> tuple[Path, int, LineShape | None]:
    """Return ``(plain CSV path, size, line shape)``: the CSV itself, or the member extracted.

    A zip member's lines are measured while extracting (``None`` for a plain CSV, measured
    by its read). A member with no line end in its first megabyte fails at once.
    """
    if rz is None:
        return path, path.stat().st_size, None
    tmp = stage / "_extract"
    tmp.mkdir(parents=True, exist_ok=True)
    m = rz.years[year]
    size = rz.zip.getinfo(m).file_size
    dest = tmp / f"{year}.csv"  # never the member's own name: it could hold glob characters
    shape = TextShape()
    label = f"{path}:{m}"
    try:
        with rz.open_member(m) as src, open(dest, "wb") as dst:
            while block := src.read(1 << 24):
                if shape.newlines == 0 and shape.longest + len(block) > MAX_LINE_BYTES:
                    head = (block if shape.longest == 0 else b"")[: MAX_LINE_BYTES + 1]
                    if b"\n" not in head:
                        raise DataError(
                            f"no line end in the first {MAX_LINE_BYTES:,} bytes: not a BACI CSV",
                            path=label,
                            line=1,
                        )
                dst.write(block)
                shape.add(block)
    except (zipfile.BadZipFile, EOFError, zlib.error) as e:
        raise DataError(
            f"cannot be read (corrupt or truncated archive?): {str(e)[:80]}", path=label
        ) from None
    except OSError as e:
        if e.errno in WRITE_ERRNOS:  # the warehouse is full or read-only: said by staging
            raise
        raise DataError(f"cannot extract: {e.strerror or e}", path=label) from None
    return dest, size, shape


def _products_seen(stats: dict[int, YearStats]) -> list[str]:
    """Distinct product codes of the years this ingest wrote (each path gathers its own)."""
    return sorted(set().union(*(s.products for s in stats.values())))


def _missing(flag: str, path: Path) -> str:
    raise DataError(f"cannot tell the {flag.strip('-')} from the file name; pass {flag}", path=path)
