"""Atomic writes into the warehouse: lock, stage aside, then swap into place with a journal.

Every writer holds the warehouse's writer lock (:mod:`econsec.warehouse.lock`) while it stages
and swaps; the swap is journalled (:mod:`econsec.warehouse.journal`) so that a crash leaves
either the old or the new release, which the next writer or ``econsec data doctor`` tidies.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from econsec.errors import DataError, EconsecError, StorageError
from econsec.warehouse import journal
from econsec.warehouse.lock import writer_lock
from econsec.warehouse.schema import TRADE_SCHEMA, baci_root, release_dir

PARQUET_OPTS: dict[str, Any] = {"compression": "zstd", "compression_level": 1}
STAGING_PREFIX = ".staging-"


def atomic_write_text(path: Path, text: str, *, durable: bool = False) -> None:
    """Write a text file atomically (temporary file in the same folder, then rename).

    ``durable`` also syncs the file to disk before the rename (metadata, journals).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        # mkstemp creates 0600; give the file the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
#: Errors of writing into a full or read-only warehouse (reported by :func:`staging`).
WRITE_ERRNOS = frozenset(_FULL_ERRNOS | {errno.EROFS})
# Libraries that wrap OS errors (DuckDB, Arrow, Polars) keep only the system's words.
_STORAGE_WORDS = (
    "No space left on device",
    "File too large",
    "Disk quota exceeded",
    "Read-only file system",
)


def _inside(filename: object, home: Path) -> bool:
    if filename is None:
        return True
    try:
        Path(os.fsdecode(filename)).resolve().relative_to(home.resolve())  # type: ignore[arg-type]
    except (ValueError, TypeError, OSError):
        return False
    return True


@contextlib.contextmanager
def storage_errors(home: Path) -> Iterator[None]:
    """Turn a full, read-only or forbidden warehouse folder into a one-line ``StorageError``.

    A system error about a file outside ``home`` (the user's input, unreadable) becomes a
    one-line ``DataError`` naming that file.
    """
    try:
        yield
    except EconsecError:
        raise
    except Exception as e:
        msg = str(e)
        code = getattr(e, "errno", None)
        filename = getattr(e, "filename", None)
        words = next((w for w in _STORAGE_WORDS if w in msg), None)
        ours = isinstance(e, OSError) and code in _FULL_ERRNOS | _DENIED_ERRNOS
        if ours and _inside(filename, home):
            words = getattr(e, "strerror", None) or words
        elif isinstance(e, OSError) and filename is not None and not words:
            raise DataError(f"cannot read: {e.strerror or e}", path=os.fsdecode(filename)) from None
        elif not words:
            raise
        raise StorageError(
            f"cannot write to the warehouse folder {home}: {words}; the warehouse is unchanged"
        ) from None


@contextlib.contextmanager
def staging(home: Path, *, wait: float | None = None, what: str = "write") -> Iterator[Path]:
    """Hold the writer lock and provide a private staging folder, removed unless it moved.

    On taking the lock, finishes or undoes swaps a crashed writer left and removes its
    leftovers (see :func:`tidy`). Write errors from a full or read-only folder become one-line
    ``StorageError``; another writer holding the lock past ``wait`` seconds raises
    ``WarehouseBusyError``.
    """
    with writing(home, wait=wait, what=what):
        root = baci_root(home)
        root.mkdir(parents=True, exist_ok=True)
        stage = root / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        stage.mkdir()
        try:
            yield stage
        finally:
            shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def writing(home: Path, *, wait: float | None = None, what: str = "write") -> Iterator[list[str]]:
    """Hold the writer lock, having repaired what crashed writers left; yield what was repaired.

    Write errors from a full or read-only folder become one-line ``StorageError``; another
    writer holding the lock past ``wait`` seconds raises ``WarehouseBusyError``.
    """
    with writer_lock(home, wait=wait, what=what) as fresh, storage_errors(home):
        yield tidy(home) if fresh else []


def tidy(home: Path) -> list[str]:
    """Repair what crashed writers left: journals first, then leftover folders and files.

    Callers must hold the writer lock (so no other writer's files are taken for leftovers).
    Returns what was done, in words.
    """
    root = baci_root(home)
    done: list[str] = []
    # Other sources (Comtrade, national statistics) swap their folders under sources/.
    extra = sorted((home / "sources").glob(f"{journal.JOURNAL_PREFIX}*.json"))
    for j in [*journal.journals(root), *extra]:
        swap = journal.read_journal(j)
        if swap is not None:
            done.append(journal.recover(swap))
    for p in leftovers(home):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        done.append(f"removed leftover {p.relative_to(home)}")
    return done


def leftovers(home: Path) -> list[Path]:
    """Staging folders, set-aside releases and temporary files no live writer owns.

    Only meaningful while holding the writer lock; journals must have been recovered first
    (a journal's staged and set-aside folders are not leftovers until then).
    """
    root = baci_root(home)
    downloads = home / "downloads"  # half-made mirror copies and records; .part files resume
    found = [*downloads.glob(".*.copy"), *downloads.glob(".*.tmp")]
    found += [*root.glob(f"{STAGING_PREFIX}*"), *root.glob(f"hs=*/{journal.ASIDE_PREFIX}*")]
    found += [*root.glob(".*.tmp"), *root.glob("hs=*/.*.tmp"), *root.glob("hs=*/release=*/.*.tmp")]
    found += [*(home / "sources").glob(f"{journal.ASIDE_PREFIX}*")]
    return sorted(set(found))


def swap_into_place(staged: Path, target: Path) -> None:
    """Replace ``target`` by ``staged``; a crash at any step is finished or undone later.

    A journal is written before the renames (see :mod:`econsec.warehouse.journal`); an error
    during the swap undoes it at once. Callers must hold the writer lock.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    j = journal.journal_path(target)
    if j.exists():
        old = journal.read_journal(j)
        if old is not None:
            journal.recover(old)
    swap = journal.Swap(
        j, target, staged, target.parent / f"{journal.ASIDE_PREFIX}{target.name}-{uuid.uuid4().hex}"
    )
    journal.write_journal(swap)
    try:
        if target.exists():
            os.replace(target, swap.aside)
        os.replace(staged, target)  # the commit point
    except BaseException:
        journal.recover(swap)
        raise
    journal.sync_dir(target.parent)
    shutil.rmtree(swap.aside, ignore_errors=True)
    j.unlink()


def link_release(src: Path, dst: Path, *, drop: Iterable[str] = ()) -> None:
    """Stage a copy of release folder ``src`` at ``dst`` for an update of some of its years.

    Year partitions are hard-linked (they are only ever replaced whole, never rewritten);
    everything else (tables, rejects, metadata) is copied, so writing the staged copy can never
    write through to the live release. ``drop`` lists paths relative to ``src`` to leave out.
    """
    dropped = {Path(d) for d in drop}

    def ignore(folder: str, names: list[str]) -> list[str]:
        rel = Path(folder).relative_to(src)
        return [n for n in names if rel / n in dropped]

    def copy(a: str, b: str) -> None:
        if Path(a).parent.name.startswith("year=") and a.endswith(".parquet"):
            os.link(a, b)
        else:
            shutil.copy2(a, b)

    shutil.copytree(src, dst, copy_function=copy, ignore=ignore)


def describe_committed(
    out: Path, meta: dict[str, Any], *, expected_rows: dict[int, int] | None = None
) -> dict[str, Any]:
    """Return ``meta`` with rows, files and rejects read back from the staged release ``out``.

    Rows per year come from the Parquet files' footers, so ``meta.json`` describes exactly what
    is committed with it. Years without a partition are dropped from ``years``.

    Raises
    ------
    EconsecError
        When a year's rows on disk differ from ``expected_rows`` (rows validated), so a write
        that lost rows is never committed.
    """
    files: dict[str, dict[str, int]] = {}
    rows: dict[int, int] = {}
    for f in sorted(out.glob("year=*/*.parquet")):
        n = pq.ParquetFile(f).metadata.num_rows
        files[f.relative_to(out).as_posix()] = {"rows": n, "bytes": f.stat().st_size}
        y = int(f.parent.name.split("=", 1)[1])
        rows[y] = rows.get(y, 0) + n
    for y, n in (expected_rows or {}).items():
        if rows.get(y, 0) != n:
            raise EconsecError(
                f"year {y}: {rows.get(y, 0)} rows written but {n} validated; "
                "nothing was committed (please report this)"
            )
    years = {}
    for y, n in sorted(rows.items()):
        years[str(y)] = {**meta.get("years", {}).get(str(y), {}), "rows": n}
    rejects = {
        f.relative_to(out).as_posix(): _data_lines(f) for f in sorted(out.glob("rejects/*.csv"))
    }
    return {
        **meta,
        "years": years,
        "files": files,
        "rejects_files": rejects,
        "rejects": sum(rejects.values()),  # every rejected row kept, whatever its year
    }


def _data_lines(csv_file: Path) -> int:
    with open(csv_file, "rb") as f:
        return max(sum(1 for _ in f) - 1, 0)


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    """Write ``meta.json`` atomically and durably."""
    atomic_write_text(
        path / "meta.json", json.dumps(meta, indent=2, sort_keys=True) + "\n", durable=True
    )


def now_iso() -> str:
    """Return the current UTC time as ISO text (for provenance)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def write_release_frames(
    home: Path,
    hs: str,
    release: str,
    trade: pl.DataFrame,
    countries: pl.DataFrame,
    products: pl.DataFrame | None = None,
    *,
    synthetic: bool = False,
    source: str = "frames",
) -> Path:
    """Write a whole release from in-memory frames (small data: tests, examples).

    ``trade`` has columns ``t, i, j, k, v`` and optionally ``q``; ``countries`` has
    ``code, name, iso2, iso3``; ``products`` has ``code, description``.
    """
    if "q" not in trade.columns:
        trade = trade.with_columns(pl.lit(None, dtype=pl.Float64).alias("q"))
    tbl = trade.select(list(TRADE_SCHEMA.names)).to_arrow().cast(TRADE_SCHEMA)
    if products is None:
        codes = sorted(set(trade["k"].to_list()))
        products = pl.DataFrame({"code": codes, "description": [""] * len(codes)})
    with staging(home, what=f"write {hs} {release}") as stage:
        out = stage / "release"
        out.mkdir()
        years: dict[str, Any] = {}
        for y in sorted(set(tbl.column("t").to_pylist())):
            part = tbl.filter(pa.compute.equal(tbl.column("t"), y))
            d = out / f"year={y}"
            d.mkdir()
            pq.write_table(part, d / "part-0.parquet", **PARQUET_OPTS)
            years[str(y)] = {
                "rows": part.num_rows,
                "rejects": 0,
                "source": source,
                "products": len(set(part.column("k").to_pylist())),
                "countries": len(
                    set(part.column("i").to_pylist()) | set(part.column("j").to_pylist())
                ),
            }
        countries.with_columns(pl.col("code").cast(pl.Int16)).write_parquet(
            out / "countries.parquet"
        )
        products.write_parquet(out / "products.parquet")
        meta = {
            "hs": hs,
            "release": release,
            "synthetic": synthetic,
            "source": source,
            "ingested_at": now_iso(),
            "years": years,
        }
        write_meta(out, describe_committed(out, meta))
        swap_into_place(out, release_dir(home, hs, release))
    return release_dir(home, hs, release)
