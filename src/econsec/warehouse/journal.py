"""Crash-safe replacement of a release folder: a journal written before two renames.

Replacing ``release=R`` takes two renames (the live folder aside, the staged folder in). A
journal ``.swap-release=R.json`` beside it is written, synced, before the first rename and
removed after the old folder is gone, so a crash at any point leaves enough on disk to finish
or undo the swap. The second rename is the commit point: once the staged folder is in place the
new release is complete and recovery finishes the swap; before it, recovery puts the old
release back. Readers never write: they resolve a half-done swap in memory (``readable``), and
the next writer or ``econsec data doctor`` repairs it (``recover``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

JOURNAL_PREFIX = ".swap-"
ASIDE_PREFIX = ".old-"


@dataclass(frozen=True)
class Swap:
    """One journalled replacement of ``target`` by ``staged`` (``aside`` holds the old one)."""

    journal: Path
    target: Path
    staged: Path
    aside: Path


def journal_path(target: Path) -> Path:
    """Journal file of swaps into ``target``."""
    return target.parent / f"{JOURNAL_PREFIX}{target.name}.json"


def write_journal(swap: Swap) -> None:
    """Write the journal durably (synced file, then synced folder) before any rename."""
    base = swap.target.parent
    text = json.dumps(
        {
            "target": swap.target.name,
            # Relative paths keep a moved or copied warehouse recoverable.
            "staged": os.path.relpath(swap.staged, base),
            "aside": swap.aside.name,
        }
    )
    tmp = swap.journal.with_name(swap.journal.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, swap.journal)
    sync_dir(base)


def read_journal(journal: Path) -> Swap | None:
    """Parse a journal; ``None`` when it is unreadable (then nothing can be inferred from it)."""
    try:
        d = json.loads(journal.read_text(encoding="utf-8"))
        base = journal.parent
        return Swap(journal, base / d["target"], base / d["staged"], base / d["aside"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def journals(baci: Path) -> list[Path]:
    """Journals left in the warehouse's ``baci`` folder (one level per nomenclature)."""
    return sorted(baci.glob(f"hs=*/{JOURNAL_PREFIX}*.json")) if baci.is_dir() else []


def committed(swap: Swap) -> bool:
    """Whether the swap passed its commit point (the staged folder is in place)."""
    return swap.target.exists() and not swap.staged.exists()


def readable(swap: Swap) -> Path | None:
    """Return the complete folder a reader should see for ``swap.target`` (never writes)."""
    if swap.target.exists():
        return swap.target
    return swap.aside if swap.aside.exists() else None


def recover(swap: Swap) -> str:
    """Finish a committed swap or undo an uncommitted one; return what was done, in words.

    Callers must hold the writer lock.
    """
    name = f"{swap.target.parent.name}/{swap.target.name}"
    if committed(swap):
        shutil.rmtree(swap.aside, ignore_errors=True)
        outcome = f"completed the interrupted replacement of {name} (new release kept)"
    else:
        if not swap.target.exists() and swap.aside.exists():
            os.replace(swap.aside, swap.target)
        shutil.rmtree(swap.staged, ignore_errors=True)
        outcome = f"rolled back the interrupted replacement of {name} (previous release kept)"
    sync_dir(swap.target.parent)
    swap.journal.unlink(missing_ok=True)
    return outcome


def sync_dir(path: Path) -> None:
    """Flush a folder's entries (renames) to disk where the platform allows it."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
