"""HiGHS solvers that never write to stdout (stdout carries CSV and JSON documents).

HiGHS prints its banner ("Running HiGHS ...") from C++ when the first solver of a process is
constructed, before any option can be set; ``output_flag`` and ``log_to_console`` silence
everything after. :func:`new_highs` therefore constructs the solver with the process's file
descriptor 1 pointed at the null device, then sets the options.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from collections.abc import Iterator

import highspy

_LOCK = threading.Lock()  # file descriptor 1 is process-wide


def _flush_c_stdio() -> None:
    with contextlib.suppress(Exception):  # no libc (or no fflush): nothing buffered to lose
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def _stdout_to_devnull() -> Iterator[None]:
    """Point file descriptor 1 at the null device (for C code that prints)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no descriptor 1 to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        _flush_c_stdio()
        os.dup2(saved, 1)
        os.close(saved)


def new_highs(**options: float | int | bool | str) -> highspy.Highs:
    """Return a silent HiGHS solver with ``options`` set (``output_flag`` and logging off)."""
    with _LOCK, _stdout_to_devnull():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    for name, value in options.items():
        h.setOptionValue(name, value)
    return h
