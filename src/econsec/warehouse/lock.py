"""One writer at a time per warehouse: a file lock on ``$ECONSEC_HOME/.lock``.

Writers (ingest, fetch, doctor) hold the lock from the moment they read the release they will
replace until their swap is done, so two ingests into one release cannot lose each other's
years. Readers never take it. The lock is ``fcntl.flock`` on Linux and macOS and ``msvcrt``
byte locking on Windows; the kernel drops it when its holder dies, so a killed ingest never
leaves the warehouse locked. Network file systems that do not honour ``flock`` are not
protected.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from econsec.errors import StorageError, WarehouseBusyError
from econsec.settings import get_settings

LOCK_NAME = ".lock"
_POLL = 0.1
# Windows locks a byte far past the holder's note so that waiters can still read the note.
_WIN_OFFSET = 1 << 30

# Homes each thread already holds, so a writer can call another writer's code safely (another
# thread opens its own descriptor, which flock makes wait like another process).
_held: dict[tuple[Path, int], int] = {}
_held_guard = threading.Lock()


def usable_home(home: Path) -> Path:
    """Return ``home`` as an existing folder, creating it, or raise a one-line error.

    Raises
    ------
    StorageError
        When ``home`` is a file or cannot be created.
    """
    if home.exists() and not home.is_dir():
        raise StorageError(f"the warehouse folder {home} (ECONSEC_HOME) is a file, not a folder")
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(f"cannot create the warehouse folder {home}: {e.strerror}") from None
    return home


def holder(home: Path) -> dict[str, object]:
    """Return the current holder's note (``pid``, ``since``, ``what``), empty when unknown."""
    try:
        text = (home / LOCK_NAME).read_text(encoding="utf-8", errors="replace").strip("\0 \n")
        note = json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}
    return note if isinstance(note, dict) else {}


def describe_holder(note: dict[str, object]) -> str:
    """Words naming a lock holder, e.g. ``pid 123, ingest x.zip, since 2026-…``."""
    parts = [f"pid {note['pid']}" if note.get("pid") else "pid unknown"]
    if note.get("what"):
        parts.append(str(note["what"]))
    if note.get("since"):
        parts.append(f"since {note['since']}")
    return ", ".join(parts)


@contextlib.contextmanager
def writer_lock(home: Path, *, wait: float | None = None, what: str = "") -> Iterator[bool]:
    """Hold the warehouse's writer lock, waiting up to ``wait`` seconds for it.

    Yields ``True`` when this call took the lock, ``False`` when this process already held it
    (only the outermost holder may tidy what crashed writers left).

    Parameters
    ----------
    home
        The warehouse folder (created when missing).
    wait
        Seconds to wait for another writer to finish (default ``ECONSEC_LOCK_WAIT``, 30;
        0 fails at once).
    what
        What this writer does, shown to the writers that wait for it.

    Raises
    ------
    WarehouseBusyError
        When another process still holds the lock after ``wait`` seconds.
    StorageError
        When the folder is a file or cannot be written.
    """
    home = usable_home(home)
    key = (home.resolve(), threading.get_ident())
    with _held_guard:
        if key in _held:  # this process already holds it (a writer calling a writer)
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield False
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    path = home / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as e:
        raise StorageError(f"cannot write to the warehouse folder {home}: {e.strerror}") from None
    try:
        _acquire(fd, home, get_settings().lock_wait if wait is None else max(wait, 0.0))
        try:
            _write_note(fd, what)
            with _held_guard:
                _held[key] = 1
            try:
                yield True
            finally:
                with _held_guard:
                    _held.pop(key, None)
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _acquire(fd: int, home: Path, wait: float) -> None:
    deadline = time.monotonic() + wait
    while not _try_lock(fd):
        if time.monotonic() >= deadline:
            raise WarehouseBusyError(
                f"another econsec writer is using the warehouse {home} "
                f"({describe_holder(holder(home))}); waited {wait:g} s: retry when it is done "
                "or pass --wait SECONDS"
            )
        time.sleep(_POLL)


def _write_note(fd: int, what: str) -> None:
    since = datetime.now(UTC).replace(microsecond=0).isoformat()
    note = json.dumps({"pid": os.getpid(), "since": since, "what": what}) + "\n"
    with contextlib.suppress(OSError):  # the note is a courtesy; the lock is what matters
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, note.encode())


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WIN_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
